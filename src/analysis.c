/*
 * analysis.c -- rules evaluation on the ingest worker threads, storage of
 * the results on the writer, findings rebuilt at the end.  See analysis.h.
 */
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

#include "findings.h"

struct sip_analysis {
	const sip_rules *rs;
	sip_store *store;
	sip_findings *findings;
	/* Summed by the threads when they end (under the ingest's own
	   thread teardown, one at a time). */
	uint64_t limit_hits;
};

/* Per worker thread. */
typedef struct eval_thread {
	sip_analysis *a;
	sip_rules_ctx *ctx;
	sip_rules_out out;
} eval_thread;

static void *thread_new(void *ctx)
{
	sip_analysis *a = ctx;
	eval_thread *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->a = a;
	if (!(t->ctx = sip_rules_ctx_new(a->rs))) {
		free(t);
		return NULL;
	}
	sip_rules_out_init(&t->out);
	return t;
}

static void thread_free(void *p)
{
	eval_thread *t = p;

	if (!t)
		return;
	__atomic_add_fetch(&t->a->limit_hits, t->out.limit_hits, __ATOMIC_RELAXED);
	sip_rules_out_release(&t->out);
	sip_rules_ctx_free(t->ctx);
	free(t);
}

static int add_cstr(sip_buf *b, const char *s)
{
	return sip_buf_add(b, s, strlen(s) + 1);
}

static int eval(void *p, const sip_record *rec, sip_buf *payload)
{
	eval_thread *t = p;
	sip_rules_out *o = &t->out;
	uint64_t hits = o->limit_hits;
	int n, rc = SIP_OK;

	sip_rules_out_reset(o);
	o->limit_hits = hits; /* keep the running count across resets */
	n = sip_rules_eval(t->ctx, rec, 0, o);
	if (n < 0)
		return -n;
	for (size_t i = 0; i < o->n && !rc; i++) {
		const sip_rule_match *m = &o->m[i];
		rc = sip_buf_addc(payload, 'M');
		if (!rc)
			rc = add_cstr(payload, sip_rule_id(m->rule));
		if (!rc)
			rc = add_cstr(payload, o->text.p + m->key_off);
		if (!rc)
			rc = add_cstr(payload, o->text.p + m->vars_off);
	}
	for (size_t i = 0; i < o->nu && !rc; i++) {
		rc = sip_buf_addc(payload, 'U');
		if (!rc)
			rc = add_cstr(payload, o->text.p + o->u[i].tmpl_off);
	}
	return rc;
}

/* The next NUL-terminated string at *p (within end), or NULL. */
static const char *take(const char **p, const char *end)
{
	const char *s = *p, *z;

	if (s >= end || !(z = memchr(s, 0, (size_t)(end - s))))
		return NULL;
	*p = z + 1;
	return s;
}

static int write_payload(void *ctx, int64_t record_id, const void *payload, size_t n)
{
	sip_analysis *a = ctx;
	const char *p = payload, *end = p + n;
	sip_diag d;
	int rc = SIP_OK;

	while (p < end && !rc) {
		char type = *p++;
		if (type == 'M') {
			const char *id = take(&p, end), *key = take(&p, end),
				   *vars = take(&p, end);
			if (!id || !key || !vars)
				return SIP_EINTERNAL;
			rc = sip_findings_add_match(a->findings, record_id, id, key, vars, &d);
		} else if (type == 'U') {
			const char *tmpl = take(&p, end);
			if (!tmpl)
				return SIP_EINTERNAL;
			rc = sip_findings_add_unexplained(a->findings, record_id, tmpl, &d);
		} else {
			return SIP_EINTERNAL;
		}
	}
	return rc;
}

static int finish(void *ctx, sip_store *s, const int64_t *file_ids, size_t nfiles)
{
	sip_analysis *a = ctx;
	sip_diag d;

	(void)file_ids;
	(void)nfiles;
	/* Findings are a function of all matches in the database, so they
	   are rebuilt whole; matches are few next to records. */
	return sip_findings_compute(sip_store_db(s), a->rs, &d);
}

int sip_analysis_new(sip_analysis **out, const sip_rules *rs, sip_store *s,
		     sip_diag *diag)
{
	sip_analysis *a;
	int rc;

	*out = NULL;
	if (!(a = calloc(1, sizeof *a)))
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	a->rs = rs;
	a->store = s;
	if ((rc = sip_findings_open(sip_store_db(s), &a->findings, diag))) {
		free(a);
		return rc;
	}
	*out = a;
	return SIP_OK;
}

void sip_analysis_free(sip_analysis *a)
{
	if (!a)
		return;
	sip_findings_free(a->findings);
	free(a);
}

void sip_analysis_hook(sip_analysis *a, sip_ingest_opts *o)
{
	o->eval_thread_new = thread_new;
	o->eval_thread_free = thread_free;
	o->eval = eval;
	o->eval_ctx = a;
	o->write = write_payload;
	o->write_ctx = a;
	o->finish_hook = finish;
	o->finish_ctx = a;
}

uint64_t sip_analysis_limit_hits(const sip_analysis *a)
{
	return __atomic_load_n(&a->limit_hits, __ATOMIC_RELAXED);
}
