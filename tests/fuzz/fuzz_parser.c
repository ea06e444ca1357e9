/*
 * fuzz_parser.c -- fuzz target for the SIPStack parser: the input bytes are
 * split into lines (LF, CRLF, or none at the end, NULs kept) and fed to the
 * parser with small caps, so the cap paths are reached quickly.  Every byte
 * of every slice of every emitted record is read, so AddressSanitizer
 * catches a slice that points outside memory the parser owns.
 *
 * Built as <name>_replay with tests/fuzz/replay.c (corpus replay under
 * ctest), and as a libFuzzer binary with SIPSCAN_FUZZ=ON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

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
	v += (unsigned)strnlen(r->ts, sizeof r->ts);
	*acc += v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const sip_parser_ops *ops = &sip_sipstack_parser;
	sip_parse_opts o = { "fuzz", NULL, NULL, 2048, 16 };
	const char *p = (const char *)data, *e = p + size;
	sip_line lines[SIP_PROBE_LINES];
	size_t nprobe = 0;
	uint64_t lineno = 0;
	unsigned acc = 0;
	void *st;
	int rc = 0;

	st = ops->open(&o);
	if (!st)
		return 0;
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
		rc = ops->feed(st, &ln, touch, &acc);
	}
	if (rc == 0)
		ops->close(st, touch, &acc);
	ops->free(st);
	(void)sip_parser_probe(lines, nprobe);
	return acc == 0xFFFFFFFFu; /* keep acc alive */
}
