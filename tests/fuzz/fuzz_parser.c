/*
 * fuzz_parser.c -- fuzz target for every registered parser (SIPStack server
 * traces, UccApi client logs, bare SIP messages): the input bytes are split
 * into lines (LF, CRLF, or none at the end, NULs kept) and fed to each
 * parser with small caps, so the cap paths are reached quickly.  Every
 * byte of every slice of every emitted record is read, so AddressSanitizer
 * catches a slice that points outside memory the parser owns; the client
 * trust analysis takes every record's facts and decides at the end.
 *
 * Built as <name>_replay with tests/fuzz/replay.c (corpus replay under
 * ctest), and as a libFuzzer binary with SIPSCAN_FUZZ=ON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sum_str(sip_str s)
{
	unsigned v = 0;

	if (!s.p)
		return 0;
	for (size_t i = 0; i < s.n; i++)
		v += (unsigned char)s.p[i];
	return v;
}

static int touch(void *ctx, const sip_record *r)
{
	unsigned *acc = ctx, v = 0;

	v += sum_str(r->raw) + sum_str(r->level) + sum_str(r->flag) +
	     sum_str(r->slot) + sum_str(r->host) + sum_str(r->component) +
	     sum_str(r->function) + sum_str(r->src_file) +
	     sum_str(r->header_text) + sum_str(r->corr_id) + sum_str(r->body) +
	     sum_str(r->log_type) + sum_str(r->severity) + sum_str(r->text) +
	     sum_str(r->result_symbol) + sum_str(r->fqdn) +
	     sum_str(r->transport) + sum_str(r->peer) + sum_str(r->peer_host) +
	     sum_str(r->local) + sum_str(r->conn_id) + sum_str(r->start_line) +
	     sum_str(r->method) + sum_str(r->request_uri) + sum_str(r->reason) +
	     sum_str(r->call_id) + sum_str(r->cseq) + sum_str(r->from_uri) +
	     sum_str(r->to_uri) + sum_str(r->from_tag) + sum_str(r->to_tag) +
	     sum_str(r->direction) + sum_str(r->content_type);
	for (size_t i = 0; i < r->nfields; i++)
		v += sum_str(r->fields[i].name) + sum_str(r->fields[i].value);
	for (size_t i = 0; i < r->ndata; i++)
		v += sum_str(r->data[i].name) + sum_str(r->data[i].value);
	for (size_t i = 0; i < r->ndiags; i++) {
		const sip_msdiag *d = &r->diags[i];
		v += sum_str(d->header) + sum_str(d->reason) + sum_str(d->source);
		for (size_t j = 0; j < d->nattrs; j++)
			v += sum_str(d->attrs[j].name) + sum_str(d->attrs[j].value);
	}
	for (size_t i = 0; i < r->nservers; i++)
		v += sum_str(r->servers[i].fqdn) + sum_str(r->servers[i].source);
	v += sum_str(r->user_agent);
	v += (unsigned)strnlen(r->ts, sizeof r->ts);
	*acc += v;
	return 0;
}

typedef struct fuzz_ctx {
	unsigned acc;
	sip_trust *trust;
	int64_t n;
} fuzz_ctx;

static int add_fact(void *ctx, const char *fact, sip_str value, sip_str source)
{
	fuzz_ctx *c = ctx;
	char v[256], s[64];

	snprintf(v, sizeof v, "%.*s", (int)(value.n > 255 ? 255 : value.n),
		 value.p ? value.p : "");
	snprintf(s, sizeof s, "%.*s", (int)(source.n > 63 ? 63 : source.n),
		 source.p ? source.p : "");
	return sip_trust_add(c->trust, c->n, fact, v, s);
}

static int on_record(void *ctx, const sip_record *r)
{
	fuzz_ctx *c = ctx;

	c->n++;
	touch(&c->acc, r);
	return c->trust ? sip_trust_facts(r, add_fact, c) : 0;
}

static int on_result(void *ctx, const char *rule_id, const char *key,
		     const char *vars, const int64_t *ids, size_t n)
{
	fuzz_ctx *c = ctx;

	c->acc += (unsigned)(strlen(rule_id) + strlen(key) + strlen(vars) + n);
	for (size_t i = 0; i < n; i++)
		c->acc += (unsigned)ids[i];
	return 0;
}

/* One parser over the whole input. */
static unsigned run(const sip_parser_ops *ops, const uint8_t *data, size_t size)
{
	sip_parse_opts o = { "fuzz", NULL, NULL, 2048, 16 };
	const char *p = (const char *)data, *e = p + size;
	sip_line lines[SIP_PROBE_LINES];
	size_t nprobe = 0;
	uint64_t lineno = 0;
	fuzz_ctx c = { 0, NULL, 0 };
	void *st;
	int rc = 0;

	st = ops->open(&o);
	if (!st)
		return 0;
	c.trust = sip_trust_new(NULL, 0);
	while (p < e && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		sip_line ln = { p, 0, ++lineno, (uint64_t)(p - (const char *)data),
				SIP_EOL_NONE, 0 };
		if (nl) {
			ln.n = (size_t)(nl - p);
			ln.eol = SIP_EOL_LF;
			if (ln.n && p[ln.n - 1] == '\r') {
				ln.n--;
				ln.eol = SIP_EOL_CRLF;
			}
			p = nl + 1;
		} else {
			ln.n = (size_t)(e - p);
			p = e;
		}
		if (nprobe < SIP_PROBE_LINES)
			lines[nprobe++] = ln;
		rc = ops->feed(st, &ln, on_record, &c);
	}
	if (rc == 0)
		ops->close(st, on_record, &c);
	ops->free(st);
	if (c.trust) {
		sip_trust_end_file(c.trust, on_result, &c);
		sip_trust_free(c.trust);
	}
	(void)sip_parser_probe(lines, nprobe);
	return c.acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned acc = 0;

	for (size_t i = 0; sip_parsers[i]; i++)
		acc += run(sip_parsers[i], data, size);
	return acc == 0xFFFFFFFFu; /* keep acc alive */
}
