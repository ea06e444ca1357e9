/*
 * analysis.c -- rules evaluation on the ingest worker threads, storage of
 * the results on the writer, findings rebuilt at the end.  See analysis.h.
 */
#include "analysis.h"
#include "dbopen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "rescan.h"
#include "trust.h"

struct sip_analysis {
	const sip_rules *rs;
	sip_store *store;
	sip_findings *findings;
	sqlite3_stmt *fact_ins;   /* INSERT INTO client_facts */
	sqlite3_stmt *lim_ins;    /* INSERT INTO limit_hits */
	/* Summed by the threads when they end (under the ingest's own
	   thread teardown, one at a time). */
	uint64_t limit_hits;
	/* re-evaluation: the records before this run (ids <= max_before)
	   were evaluated by the catalogue stored (its hash), or a binary
	   before schema 6 (none) */
	int64_t max_before;
	char stored_hash[17];
	int force;
	int rescanned;
	int inputs_changed;       /* see sip_analysis_set_inputs_changed */
	sip_rescan_result rescan;
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

/* 'F' fact NUL value NUL source NUL: one client trust fact (trust.h). */
static int add_fact(void *ctx, const char *fact, sip_str value, sip_str source)
{
	sip_buf *b = ctx;
	static const char nul = 0;

	/* A NUL inside a value would split the payload: cut there. */
	const char *z = value.p ? memchr(value.p, 0, value.n) : NULL;
	size_t vn = z ? (size_t)(z - value.p) : value.n;
	const char *zs = source.p ? memchr(source.p, 0, source.n) : NULL;
	size_t sn = zs ? (size_t)(zs - source.p) : source.n;

	return sip_buf_addc(b, 'F') || add_cstr(b, fact) ||
	       (vn && sip_buf_add(b, value.p, vn)) || sip_buf_add(b, &nul, 1) ||
	       (sn && sip_buf_add(b, source.p, sn)) || sip_buf_add(b, &nul, 1) ?
	       SIP_ENOMEM : 0;
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
	for (size_t i = 0; i < o->nlim && !rc; i++) {
		rc = sip_buf_addc(payload, 'L');
		if (!rc)
			rc = add_cstr(payload, sip_rule_id(o->lim[i]));
	}
	if (!rc)
		rc = sip_trust_facts(rec, add_fact, payload);
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

static int write_payload(void *ctx, int64_t record_id, const void *payload, size_t n,
			 sip_diag *d)
{
	sip_analysis *a = ctx;
	const char *p = payload, *end = p + n;
	int rc = SIP_OK;

	while (p < end && !rc) {
		char type = *p++;
		if (type == 'M') {
			const char *id = take(&p, end), *key = take(&p, end),
				   *vars = take(&p, end);
			if (!id || !key || !vars)
				return SIP_EINTERNAL;
			rc = sip_findings_add_match(a->findings, record_id, id, key, vars, d);
		} else if (type == 'U') {
			const char *tmpl = take(&p, end);
			if (!tmpl)
				return SIP_EINTERNAL;
			rc = sip_findings_add_unexplained(a->findings, record_id, tmpl, d);
		} else if (type == 'F') {
			const char *fact = take(&p, end), *value = take(&p, end),
				   *source = take(&p, end);
			if (!fact || !value || !source)
				return SIP_EINTERNAL;
			sqlite3_bind_int64(a->fact_ins, 1, record_id);
			sqlite3_bind_text(a->fact_ins, 2, fact, -1, SQLITE_STATIC);
			sqlite3_bind_text(a->fact_ins, 3, value, -1, SQLITE_STATIC);
			if (*source)
				sqlite3_bind_text(a->fact_ins, 4, source, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(a->fact_ins, 4);
			if (sqlite3_step(a->fact_ins) != SQLITE_DONE)
				rc = sip_diag_set(d, sip_db_code(sip_store_db(a->store)), "", 0,
						  "storing a client fact: %s",
						  sqlite3_errmsg(sip_store_db(a->store)));
			sqlite3_reset(a->fact_ins);
		} else if (type == 'L') {
			const char *id = take(&p, end);
			if (!id)
				return SIP_EINTERNAL;
			sqlite3_bind_int64(a->lim_ins, 1, record_id);
			sqlite3_bind_text(a->lim_ins, 2, id, -1, SQLITE_STATIC);
			if (sqlite3_step(a->lim_ins) != SQLITE_DONE)
				rc = sip_diag_set(d, sip_db_code(sip_store_db(a->store)), "", 0,
						  "storing a limit hit: %s",
						  sqlite3_errmsg(sip_store_db(a->store)));
			sqlite3_reset(a->lim_ins);
		} else {
			return SIP_EINTERNAL;
		}
	}
	return rc;
}

static int save_catalogue(sqlite3 *db, const sip_rules *rs, const char *hash, sip_diag *d);

/* Whether the findings stored are those of the database as it is: the
   catalogue row, saved with them in one transaction, names this
   catalogue and was saved when every file had been stored (a run whose
   analysis failed stored its files all the same, and no catalogue). */
static int findings_current(sqlite3 *db, const char *hash)
{
	sqlite3_stmt *st = NULL;
	int cur = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM catalogue WHERE hash = ?1 AND evaluated_at >="
			       " (SELECT coalesce(max(ingested_at), '') FROM files)", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		cur = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return cur;
}

static int finish(void *ctx, sip_store *s, const int64_t *file_ids, size_t nfiles,
		  sip_diag *d)
{
	sip_analysis *a = ctx;

	sqlite3 *db = sip_store_db(s);
	char hash[17];
	int rc = SIP_OK;

	(void)file_ids;
	/* The records stored before this run were evaluated by another
	   catalogue (or --rescan): evaluate them again, from their stored
	   text, before the findings are rebuilt. */
	sip_rules_hash(a->rs, hash);
	if (a->max_before > 0 && (a->force || strcmp(hash, a->stored_hash))) {
		if ((rc = sip_rescan(s, a->rs, a->max_before, &a->rescan, d)))
			return rc;
		a->rescanned = 1;
	}
	/* Findings are a function of all matches in the database, so they
	   are rebuilt whole; matches are few next to records.  The client
	   trust matches first: they depend on every fact of a client log and
	   on the trusted domains of this run.  A run that stored nothing and
	   changed nothing they depend on keeps them: rebuilding those of 200
	   files of 1 MiB was half of such a run. */
	if (nfiles == 0 && !a->rescanned && !a->force && !a->inputs_changed &&
	    findings_current(db, hash))
		return SIP_OK;
	if ((rc = sip_trust_compute(db, d)) || (rc = sip_findings_compute(db, a->rs, d)))
		return rc;
	return save_catalogue(db, a->rs, hash, d);
}

/* The catalogue that evaluated the records (one row), and the rule files
   not built in, with their texts: later runs load them too. */
static int save_catalogue(sqlite3 *db, const sip_rules *rs, const char *hash, sip_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = SIP_OK;

	if (sqlite3_exec(db, "SAVEPOINT sip_catalogue; DELETE FROM catalogue;", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto dberr;
	if (sqlite3_prepare_v2(db, "INSERT INTO catalogue(hash, rules, custom_files, evaluated_at)"
			       " VALUES(?1, ?2, ?3, strftime('%Y-%m-%d %H:%M:%S', 'now'))", -1,
			       &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sip_rules_count(rs));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)sip_rules_custom_count(rs));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "INSERT INTO custom_rules(file, text, added_at) VALUES(?1, ?2,"
			       " strftime('%Y-%m-%d %H:%M:%S', 'now')) ON CONFLICT(file) DO UPDATE"
			       " SET text = excluded.text, added_at = CASE WHEN text = excluded.text"
			       " THEN added_at ELSE excluded.added_at END", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	for (size_t i = 0; i < sip_rules_custom_count(rs); i++) {
		const char *name, *text;
		size_t len;
		sip_rules_custom_at(rs, i, &name, &text, &len);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(db, "RELEASE sip_catalogue;", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	return SIP_OK;
dberr:
	rc = sip_diag_set(d, sip_db_code(db), "", 0, "saving the catalogue: %s",
			  sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_exec(db, "ROLLBACK TO sip_catalogue; RELEASE sip_catalogue;", NULL, NULL, NULL);
	return rc;
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
	if (sqlite3_prepare_v2(sip_store_db(s), "INSERT INTO client_facts(record_id,"
			       " fact, value, source) VALUES(?1, ?2, ?3, ?4)", -1,
			       &a->fact_ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sip_store_db(s), "INSERT OR IGNORE INTO limit_hits(record_id,"
			       " rule_id) VALUES(?1, ?2)", -1, &a->lim_ins, NULL) != SQLITE_OK) {
		rc = sip_diag_set(diag, SIP_EDB, "", 0, "preparing the client facts: %s",
				  sqlite3_errmsg(sip_store_db(s)));
		sqlite3_finalize(a->fact_ins);
		sqlite3_finalize(a->lim_ins);
		sip_findings_free(a->findings);
		free(a);
		return rc;
	}
	a->max_before = sip_db_int(sip_store_db(s), "SELECT coalesce(max(id), 0) FROM record_rows");
	{
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(sip_store_db(s), "SELECT hash FROM catalogue LIMIT 1", -1,
				       &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0))
			snprintf(a->stored_hash, sizeof a->stored_hash, "%s",
				 (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	*out = a;
	return SIP_OK;
}

void sip_analysis_set_rescan(sip_analysis *a, int force)
{
	a->force = force;
}

void sip_analysis_set_inputs_changed(sip_analysis *a, int changed)
{
	a->inputs_changed = changed;
}

int sip_analysis_rescanned(const sip_analysis *a, uint64_t *records, uint64_t *kept)
{
	*records = a->rescan.records;
	*kept = a->rescan.kept;
	return a->rescanned;
}

void sip_analysis_free(sip_analysis *a)
{
	if (!a)
		return;
	sip_findings_free(a->findings);
	sqlite3_finalize(a->fact_ins);
	sqlite3_finalize(a->lim_ins);
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
