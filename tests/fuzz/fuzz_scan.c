/*
 * fuzz_scan.c -- reader + parser end to end: arbitrary bytes (plain, gzip,
 * UTF-16, garbage) through sip_scan_mem with small caps.  Every byte of
 * every slice of every record is read, so a slice pointing outside the
 * parser's buffers is caught by ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sum_str(sip_str s)
{
	unsigned h = 0;
	for (size_t i = 0; i < s.n; i++)
		h += (unsigned char)s.p[i];
	return h;
}

static int touch(void *ctx, const sip_record *r)
{
	unsigned *h = ctx;
	const sip_str strs[] = {
		r->raw, r->level, r->flag, r->slot, r->host, r->component,
		r->function, r->src_file, r->header_text, r->corr_id, r->body,
		r->log_type, r->severity, r->text, r->result_symbol, r->fqdn,
		r->transport, r->peer, r->peer_host, r->local, r->conn_id,
		r->start_line, r->method, r->request_uri, r->reason, r->call_id,
		r->cseq, r->from_uri, r->to_uri, r->from_tag, r->to_tag,
		r->direction, r->content_type,
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		*h += sum_str(strs[i]);
	for (size_t i = 0; i < r->nfields; i++)
		*h += sum_str(r->fields[i].name) + sum_str(r->fields[i].value);
	for (size_t i = 0; i < r->ndata; i++)
		*h += sum_str(r->data[i].name) + sum_str(r->data[i].value);
	for (size_t i = 0; i < r->ndiags; i++) {
		const sip_msdiag *d = &r->diags[i];
		*h += sum_str(d->header) + sum_str(d->reason) + sum_str(d->source);
		for (size_t j = 0; j < d->nattrs; j++)
			*h += sum_str(d->attrs[j].name) + sum_str(d->attrs[j].value);
	}
	*h += (unsigned)strlen(r->ts);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sip_scan_opts opts;
	sip_scan_result res;
	sip_diag d;
	unsigned h = 0;

	memset(&opts, 0, sizeof opts);
	opts.max_line = 4096;
	opts.max_record = 64 * 1024;
	opts.once = 1;   /* as analyze reads */
	sip_scan_mem(data, size, "fuzz", &opts, touch, &h, &res, &d);
	return h == 0xffffffffu; /* keep h alive */
}
