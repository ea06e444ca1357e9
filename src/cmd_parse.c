/*
 * cmd_parse.c -- `sipscan parse [--format jsonl] FILE...`
 *
 * Prints every record as one JSON object per line, for jq, Elasticsearch or
 * ClickHouse.  The keys (documented in README "sipscan parse"):
 *
 *   always:  file, line, end_line, format ("sipstack", "uccapi", "sip", "event"),
 *            kind, ts, level, flag, text, truncated, fields, data
 *            (null / {} when absent)
 *   when present: host, pid, tid, seq, component, function, src_file,
 *            src_line, corr_id, header_text, log_type, severity,
 *            result_code ("0x" + 8 lowercase hex), result_symbol, fqdn,
 *            transport, peer, peer_host, peer_port, local, conn_id,
 *            is_request, start_line, method, request_uri, status, reason,
 *            call_id, cseq, from, to, from_tag, to_tag, direction,
 *            content_type, user_agent, body, ms_diag (array of {header,
 *            code, subcode, reason, source, attrs}), servers (array of
 *            {fqdn, source}: the server names a client was sent to)
 *
 * `fields` maps each field name, lowercased, to its value; a name that
 * occurs more than once (Via) maps to an array of its values in order.
 * `data` does the same for the Data: pairs, keeping their spelling.
 * Strings are valid UTF-8: invalid bytes become U+FFFD.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cmd.h"
#include "scan.h"

typedef struct parse_out {
	const char *file;  /* name printed in "file" */
	sip_buf line;      /* one JSON object, reused */
	int failed;        /* write error on stdout */
} parse_out;

/* ,"k": for a literal key k (keys need no escaping). */
#define key(b, k) sip_buf_add((b), ",\"" k "\":", sizeof(k) + 3)

#define str_or_null(b, k, s) do { sip_str s_ = (s); key(b, k); \
	if (s_.p) sip_buf_json_str(b, s_.p, s_.n); else sip_buf_add(b, "null", 4); } while (0)
#define opt_str(b, k, s) do { sip_str s_ = (s); \
	if (s_.p) { key(b, k); sip_buf_json_str(b, s_.p, s_.n); } } while (0)
#define opt_int(b, k, v) do { int64_t v_ = (v); \
	if (v_ >= 0) { key(b, k); sip_buf_i64(b, v_); } } while (0)

static int name_eq(sip_str a, sip_str b, int icase)
{
	if (a.n != b.n)
		return 0;
	if (!icase)
		return memcmp(a.p, b.p, a.n) == 0;
	for (size_t i = 0; i < a.n; i++)
		if ((a.p[i] | 0x20) != (b.p[i] | 0x20))
			return 0;
	/* The |0x20 fold also equates a few punctuation pairs ('@' and
	   '`'); field names are tokens, but stay exact for them. */
	return strncasecmp(a.p, b.p, a.n) == 0;
}

static void lower_json_key(sip_buf *b, sip_str name)
{
	char small[256];
	size_t n = name.n < sizeof small ? name.n : sizeof small;

	for (size_t i = 0; i < n; i++) {
		char c = name.p[i];
		small[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (name.n > sizeof small) /* absurd field name: keep it as is */
		sip_buf_json_str(b, name.p, name.n);
	else
		sip_buf_json_str(b, small, n);
}

/*
 * An object of name -> value, or name -> [values] for repeated names, in
 * the order of first appearance.  Quadratic in the number of pairs, which
 * the parser caps.
 */
static void kv_object(sip_buf *b, const sip_kv *kv, size_t n, int icase)
{
	int first = 1;

	sip_buf_addc(b, '{');
	for (size_t i = 0; i < n; i++) {
		size_t j, count = 0;

		for (j = 0; j < i; j++)
			if (name_eq(kv[j].name, kv[i].name, icase))
				break;
		if (j < i)
			continue; /* printed with its first occurrence */
		for (j = i; j < n; j++)
			if (name_eq(kv[j].name, kv[i].name, icase))
				count++;
		if (!first)
			sip_buf_addc(b, ',');
		first = 0;
		if (icase)
			lower_json_key(b, kv[i].name);
		else
			sip_buf_json_str(b, kv[i].name.p, kv[i].name.n);
		sip_buf_addc(b, ':');
		if (count == 1) {
			sip_buf_json_str(b, kv[i].value.p, kv[i].value.n);
			continue;
		}
		sip_buf_addc(b, '[');
		for (j = i; j < n; j++)
			if (name_eq(kv[j].name, kv[i].name, icase)) {
				if (j != i)
					sip_buf_addc(b, ',');
				sip_buf_json_str(b, kv[j].value.p, kv[j].value.n);
			}
		sip_buf_addc(b, ']');
	}
	sip_buf_addc(b, '}');
}

static int print_record(void *ctx, const sip_record *r)
{
	parse_out *o = ctx;
	sip_buf *b = &o->line;
	const char *kind = sip_kind_name(r->kind);

	sip_buf_reset(b);
	sip_buf_adds(b, "{\"file\":");
	sip_buf_json_str(b, o->file, strlen(o->file));
	key(b, "line");
	sip_buf_i64(b, (long long)r->line);
	key(b, "end_line");
	sip_buf_i64(b, (long long)r->end_line);
	key(b, "format");
	sip_buf_json_str(b, r->format ? r->format : "", r->format ? strlen(r->format) : 0);
	key(b, "kind");
	sip_buf_json_str(b, kind, strlen(kind));
	key(b, "ts");
	if (r->ts[0])
		sip_buf_json_str(b, r->ts, strlen(r->ts));
	else
		sip_buf_adds(b, "null");
	str_or_null(b, "level", r->level);
	str_or_null(b, "flag", r->flag);
	str_or_null(b, "text", r->text);
	key(b, "truncated");
	sip_buf_adds(b, r->truncated ? "true" : "false");
	/* the derived fields, in the order of record_fields.def */
#define SIP_S(m, name, col) opt_str(b, name, r->m);
#define SIP_SN(m, name, col) if (r->m.n) opt_str(b, name, r->m);
#define SIP_SX(m, name) opt_str(b, name, r->m);
#define SIP_SXN(m, name) if (r->m.n) opt_str(b, name, r->m);
#define SIP_I(m, name) opt_int(b, name, r->m);
#define SIP_RESULT() \
	if (r->has_result) { \
		key(b, "result_code"); \
		sip_buf_printf(b, "\"0x%08x\"", (unsigned)r->result_code); \
		opt_str(b, "result_symbol", r->result_symbol); \
	}
#define SIP_ISREQ() \
	if (r->is_request >= 0) { \
		key(b, "is_request"); \
		sip_buf_adds(b, r->is_request ? "true" : "false"); \
	}
#include "record_fields.def"
	if (r->nservers) {
		key(b, "servers");
		sip_buf_addc(b, '[');
		for (size_t i = 0; i < r->nservers; i++) {
			if (i)
				sip_buf_addc(b, ',');
			sip_buf_adds(b, "{\"fqdn\":");
			sip_buf_json_str(b, r->servers[i].fqdn.p, r->servers[i].fqdn.n);
			key(b, "source");
			sip_buf_json_str(b, r->servers[i].source.p, r->servers[i].source.n);
			sip_buf_addc(b, '}');
		}
		sip_buf_addc(b, ']');
	}
	if (r->ndiags) {
		key(b, "ms_diag");
		sip_buf_addc(b, '[');
		for (size_t i = 0; i < r->ndiags; i++) {
			const sip_msdiag *d = &r->diags[i];
			if (i)
				sip_buf_addc(b, ',');
			sip_buf_adds(b, "{\"header\":");
			sip_buf_json_str(b, d->header.p, d->header.n);
			key(b, "code");
			if (d->code >= 0)
				sip_buf_i64(b, d->code);
			else
				sip_buf_adds(b, "null");
			opt_int(b, "subcode", d->subcode);
			opt_str(b, "reason", d->reason);
			opt_str(b, "source", d->source);
			key(b, "attrs");
			kv_object(b, d->attrs, d->nattrs, 0);
			sip_buf_addc(b, '}');
		}
		sip_buf_addc(b, ']');
	}
	key(b, "fields");
	kv_object(b, r->fields, r->nfields, 1);
	key(b, "data");
	kv_object(b, r->data, r->ndata, 0);
	opt_str(b, "body", r->body);
	sip_buf_adds(b, "}\n");
	if (fwrite(b->p, 1, b->n, stdout) != b->n) {
		o->failed = 1;
		return SIP_EIO;
	}
	return 0;
}

int cmd_parse(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	parse_out out;
	int opt, worst = SIP_EXIT_OK;

	sip_cmd_getopt(sip_cmd_find("parse"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "jsonl") != 0)
				return sip_usage_error("parse", "unknown format '%s' (only jsonl)", optarg);
			break;
		default:
			return sip_option_error("parse", opt, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("parse", "no input file (use '-' for stdin)");

	memset(&out, 0, sizeof out);
	sip_buf_init(&out.line, 0);
	/* Large stdout buffer: records are small and many. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	for (int i = optind; i < argc; i++) {
		sip_scan_opts so;
		sip_scan_result res;
		sip_diag d;
		int rc;

		memset(&so, 0, sizeof so);
		so.warn = sip_print_warning;
		out.file = strcmp(argv[i], "-") ? argv[i] : "<stdin>";
		rc = sip_scan_file(argv[i], &so, print_record, &out, &res, &d);
		sip_print_warnings_hidden();
		if (out.failed) {
			fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
			worst = SIP_EXIT_OUTPUT;
			break;
		}
		if (rc) {
			sip_print_diag(&d);
			if (rc == SIP_EFORMAT)
				fprintf(stderr, "sipscan: %s: skipped\n", out.file);
			else if (rc == SIP_ETRUNCATED)
				fprintf(stderr, "sipscan: %s: %llu records were read, "
					"the last one marked truncated\n", out.file,
					(unsigned long long)res.records);
			else if (res.records)
				fprintf(stderr, "sipscan: %s: %llu records before the "
					"fault were kept\n", out.file,
					(unsigned long long)res.records);
			if (worst == SIP_EXIT_OK)
				worst = sip_exit_code(rc);
		}
	}
	if (fflush(stdout) != 0 && worst == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		worst = SIP_EXIT_OUTPUT;
	}
	sip_buf_release(&out.line);
	return worst;
}
