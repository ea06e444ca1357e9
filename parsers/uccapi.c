/*
 * uccapi.c -- the parser for Lync / Skype for Business client logs (UccApi
 * text logs: Communicator-uccapi-0.uccapilog of Lync 2010,
 * Lync-UccApi-N.UccApilog of Lync 2013 and Skype for Business 2015/2016).
 * Chosen by content, never by file name.
 *
 * Grammar (shared reference client-logs.md section 1.2):
 *
 *   04/16/2013|03:17:30.168 1F68:C14 INFO  :: text
 *
 * a time stamp (month first), PID:TID in hex, a level padded with blanks,
 * "::" and the text; a line without a stamp continues the line before.  A
 * SIP message is framed:
 *
 *   ... INFO  :: Sending Packet - 10.0.0.5:5061 (From Local Address: 192.168.1.20:51230) 1503 bytes:
 *   ... INFO  :: REGISTER sip:contoso.com SIP/2.0       <- the start line, stamped
 *   Via: SIP/2.0/TLS 192.168.1.20:51230                  <- headers, unstamped
 *   ...
 *   (empty line, then the body)
 *   ... INFO  :: End of Sending Packet - 10.0.0.5:5061 (From Local Address: ...) 1503 bytes
 *
 * ("Data Received - peer (To Local Address: local)" for incoming ones; the
 * address tails may be missing, and "Received -10.0.0.5" without the blank
 * is seen too).  Each framed message becomes one protocol record, its text
 * from the framing line through "End of"; every other stamped line (with
 * the unstamped lines that follow it) one trace record.  A message whose
 * "End of" never comes is cut short (truncated, one warning) by the next
 * stamped line that is not part of it, or by the end of the input.
 *
 * Server names: the targetname / sts-uri of a challenge come from the
 * shared derive (sipderive.c); the URLs of provisioning and autodiscover
 * data, in a trace line or a message body, from sip_servers_scan.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parser.h"
#include "sip.h"

enum { U_IDLE, U_TRACE, U_FRAME, U_MSG };

/* A stamped line's parts: offsets into the line. */
typedef struct ucc_stamp {
	char ts[24];
	int64_t pid, tid;
	size_t level_off, level_n;
	size_t text_off;    /* the text after "::" and one blank */
} ucc_stamp;

typedef struct ucc_state {
	char name[256];
	sip_warn_fn warn;
	void *warn_ctx;
	int mode;
	sip_msgb mb;
	ucc_stamp st;            /* the record's first stamped line */
	int outgoing;            /* framed message: 1 sending, 0 received;
	                            -1: a message whose framing line was
	                            not read (an excerpt from its start line) */
	size_t peer_off, peer_n, local_off, local_n; /* in mb.raw */
	size_t text_off, text_n; /* trace: the text of the first line */
	sip_record rec;
	sip_ss_embed embed;      /* server trace records pasted in the log */
	void *bare;              /* a bare SIP message parser (sipmsg.c) for
	                            messages pasted among the log's lines */
	int bare_on;             /* it is reading one */
} ucc_state;

/* A warning naming the input (parser.h). */
#define warn(st, code, line, ...) \
	sip_parser_warn((st)->warn, (st)->warn_ctx, (st)->name, (code), (line), __VA_ARGS__)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int dig2(const char *p)
{
	return is_digit(p[0]) && is_digit(p[1]);
}

/*
 * Match "MM/DD/YYYY|hh:mm:ss.mmm PID:TID LEVEL :: text".  Blanks between
 * the parts may be several; the milliseconds may be missing.  Returns 1
 * with *s filled, else 0.
 */
static int stamp_parse(const char *p, size_t n, ucc_stamp *s)
{
	size_t i;
	int64_t v;
	int d;

	if (n < 26 || !dig2(p) || p[2] != '/' || !dig2(p + 3) || p[5] != '/' ||
	    !dig2(p + 6) || !dig2(p + 8) || p[10] != '|' || !dig2(p + 11) ||
	    p[13] != ':' || !dig2(p + 14) || p[16] != ':' || !dig2(p + 17))
		return 0;
	/* YYYY-MM-DD HH:MM:SS.mmm; the stamp is month first (MM/DD/YYYY),
	   but a first field past 12 can only be a day (a log of a
	   day-first locale): then the second is the month */
	int day_first = (p[0] - '0') * 10 + (p[1] - '0') > 12 &&
			(p[3] - '0') * 10 + (p[4] - '0') <= 12;
	memcpy(s->ts, p + 6, 4);
	s->ts[4] = '-';
	memcpy(s->ts + 5, day_first ? p + 3 : p, 2);
	s->ts[7] = '-';
	memcpy(s->ts + 8, day_first ? p : p + 3, 2);
	s->ts[10] = ' ';
	memcpy(s->ts + 11, p + 11, 8);
	i = 19;
	if (i + 4 <= n && p[i] == '.' && dig2(p + i + 1) && is_digit(p[i + 3])) {
		memcpy(s->ts + 19, p + i, 4);
		i += 4;
	} else {
		memcpy(s->ts + 19, ".000", 4);
	}
	s->ts[23] = 0;
	if (i >= n || (p[i] != ' ' && p[i] != '\t'))
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	/* PID:TID, 32-bit hex each */
	for (v = 0, d = 0; i < n && hexv(p[i]) >= 0 && d < 8; i++, d++)
		v = v * 16 + hexv(p[i]);
	if (!d || i >= n || p[i] != ':')
		return 0;
	s->pid = v;
	for (i++, v = 0, d = 0; i < n && hexv(p[i]) >= 0 && d < 8; i++, d++)
		v = v * 16 + hexv(p[i]);
	/* blanks: spaces, or tabs where an editor made them of spaces */
	if (!d || i >= n || (p[i] != ' ' && p[i] != '\t'))
		return 0;
	s->tid = v;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	/* LEVEL */
	s->level_off = i;
	while (i < n && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	s->level_n = i - s->level_off;
	if (!s->level_n || s->level_n > 16)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i + 1 >= n || p[i] != ':' || p[i + 1] != ':')
		return 0;
	i += 2;
	if (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	s->text_off = i;
	return 1;
}

static int starts(const char *p, size_t n, const char *lit)
{
	size_t ln = strlen(lit);

	return n >= ln && memcmp(p, lit, ln) == 0;
}

/* Does a stamped line's text open a message?  1 sending, 0 received, -1
   neither. */
static int frame_kind(const char *t, size_t n)
{
	if (starts(t, n, "Sending Packet"))
		return 1;
	if (starts(t, n, "Data Received"))
		return 0;
	return -1;
}

/*
 * The addresses of a framing text after "Sending Packet" / "Data
 * Received": " - PEER (From Local Address: LOCAL) N bytes".  Offsets are
 * relative to t.
 */
static void frame_addrs(const char *t, size_t n, size_t skip, size_t *peer_off,
			size_t *peer_n, size_t *local_off, size_t *local_n)
{
	size_t i = skip, b;

	*peer_n = *local_n = 0;
	/* " - ", or the en or em dash (E2 80 93, E2 80 94) a word
	   processor made of it */
	for (;;) {
		if (i < n && (t[i] == ' ' || t[i] == '-'))
			i++;
		else if (i + 2 < n && (unsigned char)t[i] == 0xE2 &&
			 (unsigned char)t[i + 1] == 0x80 &&
			 ((unsigned char)t[i + 2] == 0x93 || (unsigned char)t[i + 2] == 0x94))
			i += 3;
		else
			break;
	}
	b = i;
	while (i < n && t[i] != ' ' && t[i] != '(')
		i++;
	*peer_off = b;
	*peer_n = i - b;
	for (; i + 14 < n; i++) {
		if (t[i] == '(' && memmem(t + i, n - i < 24 ? n - i : 24,
					  "Local Address:", 14)) {
			const char *c = memchr(t + i, ':', n - i);
			size_t j = (size_t)(c - t) + 1;
			while (j < n && t[j] == ' ')
				j++;
			b = j;
			while (j < n && t[j] != ')' && t[j] != ' ')
				j++;
			*local_off = b;
			*local_n = j - b;
			break;
		}
	}
}

static void reset(ucc_state *st)
{
	st->mode = U_IDLE;
	sip_msgb_reset(&st->mb);
	st->peer_n = st->local_n = st->text_n = 0;
}

static sip_str raw_span(ucc_state *st, size_t off, size_t n)
{
	return n ? (sip_str){ st->mb.raw.p + off, n } : SIP_STR_NULL;
}

/* Emit the record being built (kind as built), then forget it. */
static int emit(ucc_state *st, sip_record_fn fn, void *ctx, int has_end)
{
	sip_record *r = &st->rec;
	sip_str text;
	int capped = 0, rc = 0;
	const char *b;

	memset(r, 0, sizeof *r);
	r->format = "uccapi";
	r->pid = st->st.pid;
	r->tid = st->st.tid;
	r->seq = r->src_line = -1;
	r->peer_port = -1;
	r->is_request = -1;
	r->status = -1;
	memcpy(r->ts, st->st.ts, sizeof r->ts);
	if (sip_msgb_record(&st->mb, r)) {
		rc = SIP_ENOMEM;
		goto out;
	}
	b = st->mb.raw.p;
	r->level = (sip_str){ b + st->st.level_off, st->st.level_n };
	r->has_end = has_end;
	if (st->mode == U_TRACE) {
		r->kind = SIP_KIND_TRACE;
		r->header_text = raw_span(st, st->text_off, st->text_n);
		if (!r->header_text.p)
			r->header_text = (sip_str){ b + st->text_off, 0 };
		r->start_line = SIP_STR_NULL;
	} else {
		r->kind = SIP_KIND_PROTOCOL;
		if (st->outgoing >= 0)
			r->direction = st->outgoing ? SIP_STR_LIT("outgoing") :
				       SIP_STR_LIT("incoming");
		r->peer = raw_span(st, st->peer_off, st->peer_n);
		r->local = raw_span(st, st->local_off, st->local_n);
	}
	if (sip_derive(&st->mb.dv, r, st->mb.max_fields, &text, &capped)) {
		rc = SIP_ENOMEM;
		goto out;
	}
	/* Provisioning and autodiscover URLs: in a trace line (with its
	   continuation lines) or in a message body. */
	if (r->kind == SIP_KIND_TRACE)
		rc = sip_servers_scan(&st->mb.dv, (sip_str){ b + st->text_off,
							   st->mb.raw.n - st->text_off });
	else if (r->body.p)
		rc = sip_servers_scan(&st->mb.dv, r->body);
	if (rc) {
		rc = SIP_ENOMEM;
		goto out;
	}
	r->servers = st->mb.dv.nservers ? st->mb.dv.servers : NULL;
	r->nservers = st->mb.dv.nservers;
	if (st->mb.capped)
		warn(st, SIP_ETRUNCATED, r->line,
		     "record longer than %zu bytes: cut at line %llu",
		     st->mb.max_record, (unsigned long long)r->end_line + 1);
	r->truncated = st->mb.truncated || capped ||
		       (r->kind == SIP_KIND_PROTOCOL && (!has_end || sip_msgb_short(&st->mb)));
	rc = fn(ctx, r);
out:
	reset(st);
	return rc;
}

/* A stamped line starts a new record. */
static int start(ucc_state *st, const sip_line *ln, const ucc_stamp *s)
{
	const char *t = ln->p + s->text_off;
	size_t tn = ln->n - s->text_off;
	int fk = frame_kind(t, tn);

	/* The line is the first of the record: its offsets are offsets into
	   the record's text. */
	reset(st);
	st->st = *s;
	if (fk >= 0) {
		size_t po = 0, pn = 0, lo = 0, lnn = 0;
		st->mode = U_FRAME;
		st->outgoing = fk;
		frame_addrs(t, tn, fk ? 14 : 13, &po, &pn, &lo, &lnn);
		st->peer_off = s->text_off + po;
		st->peer_n = pn;
		st->local_off = s->text_off + lo;
		st->local_n = lnn;
		return sip_msgb_add(&st->mb, ln, SIP_MSGB_FRAMING) < 0 ? SIP_ENOMEM : 0;
	}
	/* a stamped start line with no framing line before it: an excerpt
	   (grep -A "SIP/2.0 504") that begins at the message */
	if (sip_is_start_line(t, tn)) {
		st->mode = U_MSG;
		st->outgoing = -1;
		return sip_msgb_add(&st->mb, ln, s->text_off) < 0 ? SIP_ENOMEM : 0;
	}
	st->mode = U_TRACE;
	st->text_off = s->text_off;
	st->text_n = tn;
	while (st->text_n && (t[st->text_n - 1] == ' ' || t[st->text_n - 1] == '\t'))
		st->text_n--;
	return sip_msgb_add(&st->mb, ln, SIP_MSGB_FRAMING) < 0 ? SIP_ENOMEM : 0;
}

int sip_uccapi_reading(const void *state)
{
	const ucc_state *st = state;

	return st && (st->mode != U_IDLE || st->bare_on);
}

int sip_uccapi_in_message(const void *state)
{
	const ucc_state *st = state;

	return st && (st->mode == U_FRAME || st->mode == U_MSG || st->bare_on);
}

int sip_uccapi_stamped(const char *p, size_t n)
{
	ucc_stamp s;

	return p && stamp_parse(p, n, &s);
}

static int ucc_probe(const sip_line *lines, size_t n)
{
	ucc_stamp s;
	size_t hits = 0, frames = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0;
		if (!stamp_parse(p, len, &s))
			continue;
		hits++;
		if (frame_kind(p + s.text_off, len - s.text_off) >= 0 ||
		    starts(p + s.text_off, len - s.text_off, "End of"))
			frames++;
	}
	if (frames || hits >= 2)
		return 90;
	return hits ? 50 : 0;
}

static void *ucc_open(const sip_parse_opts *opts)
{
	ucc_state *st = calloc(1, sizeof *st);

	if (!st)
		return NULL;
	if (opts) {
		snprintf(st->name, sizeof st->name, "%s", opts->name ? opts->name : "");
		st->warn = opts->warn;
		st->warn_ctx = opts->warn_ctx;
	}
	sip_msgb_init(&st->mb, opts ? opts->max_record : 0,
		      opts ? opts->max_fields : 0);
	reset(st);
	return st;
}

static int ucc_feed(void *state, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	ucc_state *st = state;
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;
	ucc_stamp s;
	int stamped = stamp_parse(p, n, &s), rc;

	/* a server trace's records pasted among the client log's lines */
	if (st->embed.on || (!stamped && n >= 3 && p[0] == 'T' &&
			     sip_ss_embed_starts(p, n))) {
		sip_parse_opts o = { st->name, st->warn, st->warn_ctx,
				     st->mb.max_record, st->mb.max_fields };
		/* what the log was in the middle of ends there */
		if (!st->embed.on && (rc = sip_uccapi_cut(st, ln->lineno, fn, ctx)))
			return rc;
		if (sip_ss_embed_feed(&st->embed, &o, ln, stamped, fn, ctx, &rc))
			return rc;
		if (rc)
			return rc;
	}

	/* a bare SIP message pasted among the log's lines (a post that
	   quotes both): outside a framed message, an unstamped start line
	   begins one, which its own parser reads to its end */
	if (st->bare_on) {
		if (!stamped && sip_sipmsg_reading(st->bare))
			return sip_sipmsg_parser.feed(st->bare, ln, fn, ctx);
		st->bare_on = 0;
		if ((rc = sip_sipmsg_parser.close(st->bare, fn, ctx)))
			return rc;
	}
	if (!stamped && (st->mode == U_IDLE || st->mode == U_TRACE) && n > 8 &&
	    sip_is_start_line(p, n)) {
		sip_parse_opts o = { st->name, st->warn, st->warn_ctx,
				     st->mb.max_record, st->mb.max_fields };
		if (st->mode == U_TRACE && (rc = emit(st, fn, ctx, 1)))
			return rc;
		if (!st->bare && !(st->bare = sip_sipmsg_parser.open(&o)))
			return SIP_ENOMEM;
		st->bare_on = 1;
		return sip_sipmsg_parser.feed(st->bare, ln, fn, ctx);
	}

	if (!stamped) {
		/* grep's "--" between groups: the message it cut short ends */
		if ((st->mode == U_FRAME || st->mode == U_MSG) && sip_group_separator(p, n)) {
			warn(st, SIP_ETRUNCATED, st->mb.line,
			     "SIP message cut short by grep's '--' at line %llu",
			     (unsigned long long)ln->lineno);
			return emit(st, fn, ctx, 0);
		}
		switch (st->mode) {
		case U_IDLE:
			return 0;
		case U_FRAME:
			/* The start line without a stamp of its own. */
			if (!n)
				return sip_msgb_add(&st->mb, ln, SIP_MSGB_FRAMING) < 0 ?
				       SIP_ENOMEM : 0;
			st->mode = U_MSG;
			return sip_msgb_add(&st->mb, ln, 0) < 0 ? SIP_ENOMEM : 0;
		case U_MSG:
			return sip_msgb_add(&st->mb, ln, 0) < 0 ? SIP_ENOMEM : 0;
		default:
			return sip_msgb_add(&st->mb, ln, SIP_MSGB_FRAMING) < 0 ?
			       SIP_ENOMEM : 0;
		}
	}
	{
		const char *t = p + s.text_off;
		size_t tn = n - s.text_off;
		if (st->mode == U_FRAME && sip_is_start_line(t, tn)) {
			st->mode = U_MSG;
			return sip_msgb_add(&st->mb, ln, s.text_off) < 0 ? SIP_ENOMEM : 0;
		}
		if ((st->mode == U_FRAME || st->mode == U_MSG) &&
		    starts(t, tn, "End of")) {
			if (sip_msgb_add(&st->mb, ln, SIP_MSGB_FRAMING) < 0)
				return SIP_ENOMEM;
			return emit(st, fn, ctx, 1);
		}
		if (st->mode == U_FRAME || st->mode == U_MSG) {
			warn(st, SIP_ETRUNCATED, st->mb.line,
			     "SIP message cut short: no 'End of' line before line %llu",
			     (unsigned long long)ln->lineno);
			if ((rc = emit(st, fn, ctx, 0)))
				return rc;
		} else if (st->mode == U_TRACE) {
			if ((rc = emit(st, fn, ctx, 1)))
				return rc;
		}
		return start(st, ln, &s);
	}
}

static int ucc_close(void *state, sip_record_fn fn, void *ctx)
{
	ucc_state *st = state;
	int rc;

	if ((rc = sip_ss_embed_close(&st->embed, fn, ctx)))
		return rc;
	if (st->bare_on) {
		st->bare_on = 0;
		if ((rc = sip_sipmsg_parser.close(st->bare, fn, ctx)))
			return rc;
	}

	switch (st->mode) {
	case U_IDLE:
		return 0;
	case U_TRACE:
		return emit(st, fn, ctx, 1);
	default:
		warn(st, SIP_ETRUNCATED, st->mb.line,
		     "SIP message cut short by the end of input");
		return emit(st, fn, ctx, 0);
	}
}

int sip_uccapi_cut(void *state, uint64_t line, sip_record_fn fn, void *ctx)
{
	ucc_state *st = state;

	if (st->mode != U_IDLE && st->mode != U_TRACE) {
		warn(st, SIP_ETRUNCATED, st->mb.line,
		     "SIP message cut short by the server trace's record at line %llu",
		     (unsigned long long)line);
		return emit(st, fn, ctx, 0);
	}
	return ucc_close(state, fn, ctx);
}

static void ucc_free(void *state)
{
	ucc_state *st = state;

	if (!st)
		return;
	sip_msgb_release(&st->mb);
	sip_ss_embed_free(&st->embed);
	if (st->bare)
		sip_sipmsg_parser.free(st->bare);
	free(st);
}

static int ucc_in_body(const void *state)
{
	const ucc_state *st = state;

	return st->mode == U_MSG && sip_msgb_in_body(&st->mb);
}

const sip_parser_ops sip_uccapi_parser = {
	1,
	"uccapi",
	"Lync / Skype for Business client logs (UccApi: .uccapilog, .UccApilog)",
	ucc_probe,
	ucc_open,
	ucc_feed,
	ucc_close,
	ucc_free,
	ucc_in_body,
	NULL,   /* from_start */
};
