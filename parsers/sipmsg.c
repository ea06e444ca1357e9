/*
 * sipmsg.c -- SIP messages as text: the message builder that the client log
 * parser (uccapi.c) and this file's parser share, and the parser for bare
 * SIP messages -- one or more messages without any log framing, as copied
 * out of Snooper's message pane, a ticket or a forum post.
 *
 * The builder (sip_msgb, see sip.h) collects one record: framing lines that
 * belong to the record's text but not to the message (client logs), then
 * the message itself -- the start line, header lines (a line that starts
 * with a blank continues the previous header, unless the headers are all
 * indented under the start line, as a post may show them), an empty
 * line, and the body,
 * which is kept verbatim and never read as headers.  Like the SIPStack
 * parser it remembers offsets into its text buffer while the record grows,
 * and turns them into slices when the record is emitted.
 *
 * The bare-message parser: a line that is a SIP start line ("INVITE
 * sip:bob@contoso.com SIP/2.0", "SIP/2.0 504 Server time-out"), indented
 * or not, starts a message and ends the one before (the blanks before the
 * start line are taken off every line of its message: a message indented
 * as a code block among prose); text before the first start line
 * (prose, a subject line) is ignored.  After the empty line that ends the
 * headers, the body runs to the next start line -- or, when Content-Length
 * says how long it is, until that many bytes were read (counting CRLF line
 * ends, as on the wire), so prose pasted after a message does not become
 * its body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parser.h"
#include "sip.h"

/* ---- the message builder ------------------------------------------------ */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_tok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int sip_is_start_line(const char *p, size_t n)
{
	size_t i = 0, m;

	while (n && is_ws(p[n - 1]))
		n--;
	if (n >= 11 && memcmp(p, "SIP/2.0 ", 8) == 0) {
		/* SIP/2.0 NNN[ reason]: a reason cut off or left out too */
		return is_digit(p[8]) && is_digit(p[9]) && is_digit(p[10]) &&
		       (n == 11 || p[11] == ' ');
	}
	/* METHOD SP URI SP SIP/2.0 */
	while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
		i++;
	if (i == 0 || i > 24 || i >= n || p[i] != ' ')
		return 0;
	m = i + 1;
	if (n < m + 9 || memcmp(p + n - 8, " SIP/2.0", 8) != 0)
		return 0;
	for (size_t k = m; k < n - 8; k++)
		if (p[k] == ' ')
			return 0;
	return memchr(p + m, ':', n - 8 - m) != NULL;
}

int sip_group_separator(const char *p, size_t n)
{
	while (n && is_ws(p[n - 1]))
		n--;
	return n == 2 && p[0] == '-' && p[1] == '-';
}

size_t sip_header_name_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_tok((unsigned char)p[i]))
		i++;
	/* "Name:" or "Name :" (some copies put a blank before the colon;
	   SIP allows blanks there, and PowerShell's lists pad names to
	   align the colons: "Diagnosis  : ..."). */
	if (i == 0 || i > 80)
		return 0;
	for (size_t k = i; k < n && k <= i + 16; k++) {
		if (p[k] == ':')
			return i;
		if (p[k] != ' ' && p[k] != '\t')
			return 0;
	}
	return 0;
}

void sip_msgb_init(sip_msgb *b, size_t max_record, size_t max_fields)
{
	memset(b, 0, sizeof *b);
	b->max_record = max_record ? max_record : SIP_PARSER_MAX_RECORD;
	if (b->max_record > SIP_BUF_MAX / 2)
		b->max_record = SIP_BUF_MAX / 2;
	b->max_fields = max_fields ? max_fields : SIP_PARSER_MAX_FIELDS;
	sip_buf_init(&b->raw, 0);
	sip_msgb_reset(b);
}

void sip_msgb_release(sip_msgb *b)
{
	sip_buf_release(&b->raw);
	free(b->flds);
	free(b->kv);
	sip_derive_release(&b->dv);
}

void sip_msgb_reset(sip_msgb *b)
{
	sip_buf_reset(&b->raw);
	b->nflds = 0;
	b->part = SIP_MSGB_NONE;
	b->start_off = b->start_n = 0;
	b->body_off = b->body_end = 0;
	b->body_bytes = 0;
	b->truncated = b->capped = b->warned = 0;
	b->line = b->end_line = b->offset = 0;
	b->content_length = -1;
	b->hindent = 0;
}

int sip_msgb_add(sip_msgb *b, const sip_line *ln, size_t from)
{
	size_t term = ln->eol == SIP_EOL_CRLF ? 2 : ln->eol == SIP_EOL_LF ? 1 : 0;
	size_t n = ln->p ? ln->n : 0;
	size_t off = b->raw.n;

	if (!b->line) {
		b->line = ln->lineno;
		b->offset = ln->offset;
	}
	if (b->capped || (b->raw.n && b->raw.n + n + term > b->max_record)) {
		b->capped = b->truncated = 1;
		return 1;
	}
	if (sip_parser_add_line(&b->raw, ln))
		return -1;
	b->end_line = ln->lineno;
	if (ln->truncated)
		b->truncated = 1;
	if (from == SIP_MSGB_FRAMING)
		return 0;
	if (from > n)
		from = n;
	return sip_msgb_msg_line(b, off + from, n - from);
}

/* Whether [p, e) is a Test-Cs* cmdlet's diagnosis without its name:
   "ErrorCode=1008,Source=...,Reason=...". */
static int error_code_line(const char *p, const char *e)
{
	size_t n = (size_t)(e - p);

	return n > 20 && sip_error_code_value((sip_str){ p, n }) &&
	       (memmem(p, n, "Source=", 7) || memmem(p, n, "Reason=", 7));
}

/* The part of the message a line [off, off + n) of raw belongs to. */
int sip_msgb_msg_line(sip_msgb *b, size_t off, size_t n)
{
	const char *p = b->raw.p + off;
	size_t nl, v, e;
	int whole = 0;

	switch (b->part) {
	case SIP_MSGB_NONE:
		while (n && is_ws(*p))
			p++, off++, n--;
		while (n && is_ws(p[n - 1]))
			n--;
		b->start_off = off;
		b->start_n = n;
		b->part = SIP_MSGB_HEADERS;
		return 0;
	case SIP_MSGB_BODY:
		if (b->body_bytes == 0 && b->body_off == 0)
			b->body_off = off;
		b->body_end = off + n;
		b->body_bytes += n + 2;
		return 0;
	default:
		break;
	}
	e = n;
	while (e && is_ws(p[e - 1]))
		e--;
	if (e == 0) {
		/* The empty line: the body follows. */
		b->part = SIP_MSGB_BODY;
		b->body_off = 0;
		b->body_end = 0;
		return 0;
	}
	if (is_ws(p[0])) {
		size_t k = 0;
		while (k < e && is_ws(p[k]))
			k++;
		/* The first header indented under the start line: a post's
		   layout (nothing can fold into a start line), and so are
		   the headers indented as much after it. */
		if (!b->nflds && !b->last_dropped && sip_header_name_len(p + k, e - k))
			b->hindent = k;
		if (!b->hindent || k != b->hindent) {
			/* A folded header line continues the previous value. */
			if (b->nflds && !b->last_dropped) {
				sip_msgb_field *f = &b->flds[b->nflds - 1];
				f->vn = off + e - f->voff;
			}
			return 0;
		}
		p += k;
		off += k;
		n -= k;
		e -= k;
	}
	if (!(nl = sip_header_name_len(p, n)) && error_code_line(p, p + e)) {
		/* a Test-Cs* Diagnosis without its name: a field ErrorCode
		   whose value is the whole line */
		nl = 9;
		whole = 1;
	}
	if (!nl) {
		/* Not a header: a line wrapped by whoever copied the text. */
		if (b->nflds && !b->last_dropped) {
			sip_msgb_field *f = &b->flds[b->nflds - 1];
			f->vn = off + e - f->voff;
		}
		return 0;
	}
	v = nl;
	while (v < e && (p[v] == ' ' || p[v] == ':'))
		v++;
	while (v < e && (p[v] == ' ' || p[v] == '\t'))
		v++;
	if (whole)
		v = 0;
	if (b->nflds >= b->max_fields) {
		b->truncated = 1;
		b->last_dropped = 1;
		return 0;
	}
	if (b->nflds == b->flds_cap) {
		void *np = sip_grow(b->flds, &b->flds_cap, b->nflds + 1, sizeof *b->flds);
		if (!np)
			return -1;
		b->flds = np;
	}
	b->flds[b->nflds++] = (sip_msgb_field){ off, nl, off + v, e - v };
	b->last_dropped = 0;
	if (nl == 14 && sip_ieq(p, nl, "Content-Length", 14)) {
		long long cl = 0;
		size_t k = v, d = 0;
		while (k < e && is_digit(p[k]) && d < 12)
			cl = cl * 10 + (p[k++] - '0'), d++;
		b->content_length = d ? cl : -1;
	} else if (nl == 1 && (p[0] == 'l' || p[0] == 'L')) {
		long long cl = 0;
		size_t k = v, d = 0;
		while (k < e && is_digit(p[k]) && d < 12)
			cl = cl * 10 + (p[k++] - '0'), d++;
		b->content_length = d ? cl : -1;
	}
	return 0;
}

int sip_msgb_short(const sip_msgb *b)
{
	/* body_bytes counts a CRLF after every body line, the wire's last
	   line may have none: shorter than that is really short. */
	return b->content_length > 0 &&
	       (long long)b->body_bytes + 2 < b->content_length;
}

int sip_msgb_body_done(const sip_msgb *b)
{
	return b->part == SIP_MSGB_BODY && b->content_length >= 0 &&
	       (long long)b->body_bytes >= b->content_length;
}

int sip_msgb_record(sip_msgb *b, sip_record *r)
{
	const char *base = b->raw.p;

	r->line = b->line;
	r->end_line = b->end_line;
	r->offset = b->offset;
	r->raw = (sip_str){ base ? base : "", b->raw.n };
	if (b->part != SIP_MSGB_NONE)
		r->start_line = (sip_str){ base + b->start_off, b->start_n };
	if (b->nflds > b->kv_cap) {
		void *np = sip_grow(b->kv, &b->kv_cap, b->nflds, sizeof *b->kv);
		if (!np)
			return -1;
		b->kv = np;
	}
	for (size_t i = 0; i < b->nflds; i++) {
		const sip_msgb_field *f = &b->flds[i];
		b->kv[i] = (sip_kv){ { base + f->noff, f->nn },
				     { base + f->voff, f->vn } };
	}
	r->fields = b->nflds ? b->kv : NULL;
	r->nfields = b->nflds;
	if (b->part == SIP_MSGB_BODY && b->body_off) {
		size_t e = b->body_end;
		while (e > b->body_off && (base[e - 1] == '\n' || base[e - 1] == '\r' ||
					   base[e - 1] == ' ' || base[e - 1] == '\t'))
			e--;
		if (e > b->body_off)
			r->body = (sip_str){ base + b->body_off, e - b->body_off };
	}
	return 0;
}

void sip_http_date(sip_str v, char ts[24])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = v.p, *e;
	int day = 0, mon = -1, year = 0, nd = 0;

	ts[0] = 0;
	if (!p)
		return;
	e = p + v.n;
	/* "Tue, 11 Mar 2014 08:14:02 GMT" (RFC 3261 SIP-date) */
	while (p < e && *p != ',')
		p++;
	if (p == e)
		return;
	p++;
	while (p < e && *p == ' ')
		p++;
	while (p < e && is_digit(*p) && nd < 2)
		day = day * 10 + (*p++ - '0'), nd++;
	if (!nd || e - p < 15 || *p != ' ')
		return;
	p++;
	for (int m = 0; m < 12; m++)
		if (!memcmp(p, months + 3 * m, 3))
			mon = m;
	if (mon < 0 || p[3] != ' ')
		return;
	p += 4;
	for (nd = 0; p < e && is_digit(*p) && nd < 4; nd++)
		year = year * 10 + (*p++ - '0');
	if (nd != 4 || e - p < 9 || p[0] != ' ' || !is_digit(p[1]) || !is_digit(p[2]) ||
	    p[3] != ':' || !is_digit(p[4]) || !is_digit(p[5]) || p[6] != ':' ||
	    !is_digit(p[7]) || !is_digit(p[8]) || day < 1 || day > 31)
		return;
	ts[0] = (char)('0' + year / 1000);
	ts[1] = (char)('0' + year / 100 % 10);
	ts[2] = (char)('0' + year / 10 % 10);
	ts[3] = (char)('0' + year % 10);
	ts[4] = '-';
	ts[5] = (char)('0' + (mon + 1) / 10);
	ts[6] = (char)('0' + (mon + 1) % 10);
	ts[7] = '-';
	ts[8] = (char)('0' + day / 10);
	ts[9] = (char)('0' + day % 10);
	ts[10] = ' ';
	memcpy(ts + 11, p + 1, 8);
	memcpy(ts + 19, ".000", 5);
}

/* ---- the bare-message parser --------------------------------------------- */

enum { B_IDLE, B_MSG, B_AFTER };

typedef struct bare_state {
	char name[256];
	sip_warn_fn warn;
	void *warn_ctx;
	int mode;
	size_t indent;      /* the blanks before the start line: a message
	                       indented in a post loses them on every line */
	sip_msgb mb;
	sip_record rec;
	/* The stamp line just before a start line, as Avaya Contact Center
	   writes one before each message ("24/08/2021-14:04:02.432 -->
	   message sent to 192.168.123.22:5061"): its time, way and address,
	   for the message that follows it (see stamp_line). */
	uint64_t stamp_lineno;           /* the line it was on; 0: none */
	char stamp_ts[24], stamp_dir[16], stamp_peer[128];
	int msg_stamped;                 /* the message being read has it */
	int headers_only;                /* it began at an ms-diagnostics
	                                    header quoted alone (no start
	                                    line): a blank line ends it */
	/* A Test-Cs* result's "Error : 404, Not Found", the status of the
	   Diagnosis under it (see cmdlet_error). */
	int err_status;
	uint64_t err_lineno;
	int msg_err;                     /* the status of the one being read */
	sip_ss_embed embed;              /* server trace records pasted
	                                    among the messages */
	void *ucc;                       /* a client log parser for client
	                                    log lines pasted among them */
	int ucc_on;                      /* it is reading */
} bare_state;

/*
 * Whether a line is an ms-diagnostics header (or ms-diagnostics-public,
 * ms-client-diagnostics) with its code: a forum post or a ticket often
 * quotes that header alone, without the message it came in.
 */
static int diag_header(const char *p, size_t n)
{
	static const char *const names[] = { "ms-diagnostics", "ms-diagnostics-public",
					     "ms-client-diagnostics" };
	size_t nl = sip_header_name_len(p, n), v;

	if (!nl)
		return error_code_line(p, p + n);
	if (nl == 9 && sip_ieq(p, nl, "Diagnosis", nl)) {
		/* a Test-Cs* cmdlet's "Diagnosis : ErrorCode=1008,..." */
		for (v = nl; v < n && (p[v] == ' ' || p[v] == ':'); v++)
			;
		return sip_test_diagnosis((sip_str){ p, nl }, (sip_str){ p + v, n - v });
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (nl != strlen(names[i]) || !sip_ieq(p, nl, names[i], nl))
			continue;
		for (v = nl; v < n && (p[v] == ' ' || p[v] == ':'); v++)
			;
		return v < n && is_digit(p[v]);
	}
	return 0;
}

/* A Test-Cs* cmdlet's "Error : 404, Not Found" (its SIP status, the
   Diagnosis under it says why): the status, or 0. */
static int cmdlet_error(const char *p, size_t n)
{
	size_t nl = sip_header_name_len(p, n), v;

	if (nl != 5 || !sip_ieq(p, nl, "Error", nl))
		return 0;
	for (v = nl; v < n && (p[v] == ' ' || p[v] == ':'); v++)
		;
	if (n - v < 3 || p[v] < '1' || p[v] > '6' || !is_digit(p[v + 1]) || !is_digit(p[v + 2]) ||
	    (n - v > 3 && p[v + 3] != ','))
		return 0;
	return (p[v] - '0') * 100 + (p[v + 1] - '0') * 10 + (p[v + 2] - '0');
}

/*
 * Whether ln is such a stamp line: the stamp, then "-->" (sent) or "<--"
 * (received) and text that ends in the peer's address.  Kept in st.
 */
static int stamp_line(bare_state *st, const char *p, size_t n, uint64_t lineno)
{
	size_t k = 24, e = n, b;

	if (!sip_dmy_stamp(p, n, st->stamp_ts))
		return 0;
	while (k < n && p[k] == ' ')
		k++;
	if (n - k < 4 || (memcmp(p + k, "--> ", 4) != 0 && memcmp(p + k, "<-- ", 4) != 0))
		return 0;
	snprintf(st->stamp_dir, sizeof st->stamp_dir, "%s",
		 p[k] == '-' ? "outgoing" : "incoming");
	while (e > k && is_ws(p[e - 1]))
		e--;
	for (b = e; b > k && p[b - 1] != ' ' && p[b - 1] != '\t'; b--)
		;
	st->stamp_peer[0] = 0;
	/* an address: a host or IP, with a port */
	if (e > b && e - b < sizeof st->stamp_peer && memchr(p + b, ':', e - b) &&
	    memchr(p + b, '.', e - b))
		snprintf(st->stamp_peer, sizeof st->stamp_peer, "%.*s", (int)(e - b), p + b);
	st->stamp_lineno = lineno;
	return 1;
}

static int bare_emit(bare_state *st, sip_record_fn fn, void *ctx)
{
	sip_record *r = &st->rec;
	sip_str text;
	int capped = 0, rc;

	memset(r, 0, sizeof *r);
	r->format = "sip";
	r->kind = SIP_KIND_PROTOCOL;
	r->pid = r->tid = r->seq = r->src_line = -1;
	r->peer_port = -1;
	r->is_request = -1;
	r->status = -1;
	if (sip_msgb_record(&st->mb, r)) {
		rc = SIP_ENOMEM;
		goto out;
	}
	if (st->headers_only)
		r->start_line = SIP_STR_NULL;
	if (st->msg_stamped) {
		r->direction = (sip_str){ st->stamp_dir, strlen(st->stamp_dir) };
		if (st->stamp_peer[0])
			r->peer = (sip_str){ st->stamp_peer, strlen(st->stamp_peer) };
	}
	if (sip_derive(&st->mb.dv, r, st->mb.max_fields, &text, &capped)) {
		rc = SIP_ENOMEM;
		goto out;
	}
	if (sip_servers_scan(&st->mb.dv, r->body)) {
		rc = SIP_ENOMEM;
		goto out;
	}
	r->servers = st->mb.dv.nservers ? st->mb.dv.servers : NULL;
	r->nservers = st->mb.dv.nservers;
	/* No log clock: the stamp line before the message, or the message's
	   own Date: header, when it has one. */
	if (st->msg_stamped)
		memcpy(r->ts, st->stamp_ts, sizeof r->ts);
	else
		sip_http_date(sip_record_field(r, "Date"), r->ts);
	if (st->headers_only && st->msg_err > 0 && r->status < 0)
		r->status = st->msg_err;
	if (st->mb.capped && !st->mb.warned)
		sip_parser_warn(st->warn, st->warn_ctx, st->name, SIP_ETRUNCATED, r->line,
				"message longer than %zu bytes: cut", st->mb.max_record);
	r->truncated = st->mb.truncated || capped || sip_msgb_short(&st->mb);
	r->has_end = !r->truncated;
	rc = fn(ctx, r);
out:
	sip_msgb_reset(&st->mb);
	st->mode = B_IDLE;
	st->msg_stamped = 0;
	st->headers_only = 0;
	st->msg_err = 0;
	return rc;
}

int sip_sipmsg_reading(const void *state)
{
	const bare_state *st = state;

	return st && st->mode == B_MSG;
}

static int bare_probe(const sip_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0, k = 0;
		while (k < len && is_ws(p[k]))
			k++;
		if (!sip_is_start_line(p + k, len - k))
			continue;
		/* A start line followed by a header line. */
		for (size_t j = i + 1; j < n && j < i + 3; j++) {
			const char *q = lines[j].p;
			size_t qn = q ? lines[j].n : 0, m = 0;
			while (m < qn && is_ws(q[m]))
				m++;
			if (sip_header_name_len(q + m, qn - m))
				return i == 0 ? 80 : 70;
		}
	}
	/* or an ms-diagnostics header quoted alone */
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0, k = 0;
		while (k < len && is_ws(p[k]))
			k++;
		if (diag_header(p + k, len - k))
			return 40;
	}
	return 0;
}

static void *bare_open(const sip_parse_opts *opts)
{
	bare_state *st = calloc(1, sizeof *st);

	if (!st)
		return NULL;
	if (opts) {
		snprintf(st->name, sizeof st->name, "%s", opts->name ? opts->name : "");
		st->warn = opts->warn;
		st->warn_ctx = opts->warn_ctx;
	}
	sip_msgb_init(&st->mb, opts ? opts->max_record : 0,
		      opts ? opts->max_fields : 0);
	return st;
}

static int bare_feed(void *state, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	bare_state *st = state;
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, k = 0;
	int rc;

	while (k < n && is_ws(p[k]))
		k++;
	/* a server trace's records pasted among the messages */
	if (st->embed.on || (n - k >= 3 && p[k] == 'T' &&
			     sip_ss_embed_starts(p + k, n - k))) {
		sip_parse_opts o = { st->name, st->warn, st->warn_ctx,
				     st->mb.max_record, st->mb.max_fields };
		sip_line at = *ln;
		at.p += k;
		at.n -= k;
		if (!st->embed.on && st->mode == B_MSG && (rc = bare_emit(st, fn, ctx)))
			return rc;
		if (sip_ss_embed_feed(&st->embed, &o, st->embed.on ? ln : &at,
				      sip_is_start_line(p + k, n - k), fn, ctx, &rc))
			return rc;
		if (rc)
			return rc;
	}
	/* client log lines pasted among the messages: a stamped line, and
	   what follows it up to a bare start line outside a framed message */
	if (st->ucc_on) {
		if (sip_uccapi_stamped(p, n) ||
		    (sip_uccapi_reading(st->ucc) && (sip_uccapi_in_message(st->ucc) ||
						     !sip_is_start_line(p + k, n - k))))
			return sip_uccapi_parser.feed(st->ucc, ln, fn, ctx);
		st->ucc_on = 0;
		if ((rc = sip_uccapi_parser.close(st->ucc, fn, ctx)))
			return rc;
	} else if (n >= 26 && p[2] == '/' && sip_uccapi_stamped(p, n)) {
		sip_parse_opts o = { st->name, st->warn, st->warn_ctx,
				     st->mb.max_record, st->mb.max_fields };
		if (st->mode == B_MSG && (rc = bare_emit(st, fn, ctx)))
			return rc;
		if (!st->ucc && !(st->ucc = sip_uccapi_parser.open(&o)))
			return SIP_ENOMEM;
		st->ucc_on = 1;
		return sip_uccapi_parser.feed(st->ucc, ln, fn, ctx);
	}
	if (sip_is_start_line(p + k, n - k)) {
		if (st->mode != B_IDLE && (rc = bare_emit(st, fn, ctx)))
			return rc;
		st->mode = B_MSG;
		st->indent = k;
		st->msg_stamped = st->stamp_lineno && st->stamp_lineno + 1 == ln->lineno;
		return sip_msgb_add(&st->mb, ln, k) < 0 ? SIP_ENOMEM : 0;
	}
	if (st->mode != B_MSG) {
		int ec;
		if (n - k >= 28 && p[k + 2] == '/')
			stamp_line(st, p + k, n - k, ln->lineno);
		else if ((ec = cmdlet_error(p + k, n - k)) > 0) {
			st->err_status = ec;
			st->err_lineno = ln->lineno;
		} else if (n - k > 16 && diag_header(p + k, n - k)) {
			/* headers without their start line */
			st->mode = B_MSG;
			st->indent = k;
			st->headers_only = 1;
			/* a cmdlet's Error on the line before (or the one
			   before that, a blank between: a page's copy) */
			st->msg_err = st->err_lineno && ln->lineno - st->err_lineno <= 2 ?
				      st->err_status : 0;
			st->mb.part = SIP_MSGB_HEADERS;
			return sip_msgb_add(&st->mb, ln, k) < 0 ? SIP_ENOMEM : 0;
		}
		return 0;
	}
	/* a blank line, or grep's "--" between groups, ends headers
	   quoted alone */
	if (st->headers_only && (k == n || sip_group_separator(p + k, n - k)))
		return bare_emit(st, fn, ctx);
	rc = sip_msgb_add(&st->mb, ln, k < st->indent ? k : st->indent);
	if (rc < 0)
		return SIP_ENOMEM;
	/* Content-Length 0, or the body read whole: what follows up to the
	   next start line is not part of this message. */
	if (sip_msgb_body_done(&st->mb))
		return bare_emit(st, fn, ctx);
	return 0;
}

static int bare_close(void *state, sip_record_fn fn, void *ctx)
{
	bare_state *st = state;
	int rc;

	if ((rc = sip_ss_embed_close(&st->embed, fn, ctx)))
		return rc;
	if (st->ucc_on) {
		st->ucc_on = 0;
		if ((rc = sip_uccapi_parser.close(st->ucc, fn, ctx)))
			return rc;
	}

	if (st->mode != B_MSG)
		return 0;
	return bare_emit(st, fn, ctx);
}

static void bare_free(void *state)
{
	bare_state *st = state;

	if (!st)
		return;
	sip_msgb_release(&st->mb);
	sip_ss_embed_free(&st->embed);
	if (st->ucc)
		sip_uccapi_parser.free(st->ucc);
	free(st);
}

int sip_msgb_in_body(const sip_msgb *b)
{
	return b->part == SIP_MSGB_BODY && b->body_end > b->body_off;
}

static int bare_in_body(const void *state)
{
	const bare_state *st = state;

	return st->mode == B_MSG && sip_msgb_in_body(&st->mb);
}

const sip_parser_ops sip_sipmsg_parser = {
	1,
	"sip",
	"bare SIP messages (copied from Snooper, a ticket or a forum post)",
	bare_probe,
	bare_open,
	bare_feed,
	bare_close,
	bare_free,
	bare_in_body,
	NULL,   /* from_start */
};
