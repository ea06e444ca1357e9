/*
 * sipstack.c -- the parser for Lync / Skype for Business server SIPStack
 * trace text (OCSLogger/Snooper text, CLS Search-CsClsLogging output), all
 * known variants: OCS 2007 R2, Lync 2010, Lync 2013 / SfB CLS.
 *
 * Design.  The parser is a small state machine fed one decoded line at a
 * time (parser.h).  It owns one growable text buffer, `raw`, into which it
 * copies every line of the current record with its original terminator;
 * while the record grows it remembers only offsets (a header line's parts,
 * each body field's name and value), because `raw` may move when it grows.
 * When the record ends it turns the offsets into slices of `raw`, derives
 * the values of sip_record in one pass over the fields, calls the callback
 * and forgets the record.  Every array (fields, slices, Data pairs,
 * ms-diagnostics and their attributes) belongs to the state and is reused,
 * so after warm-up a record costs no allocation.
 *
 * States:
 *   IDLE     outside a record: only a header line matters, anything else
 *            is ignored;
 *   PENDING  after a header without $$begin_record: one line of lookahead
 *            decides -- a "Name: value" line makes it a record (the OCS
 *            2007 R2 diagnostic form), anything else makes it a one-line
 *            trace, emitted before the next line is handled;
 *   RECORD   "Name: value" fields; a line that is not one continues the
 *            previous field's value;
 *   BODY     after Message-Body: every line is message body, never a field.
 * In RECORD and BODY, $$end_record closes the record and a valid header line
 * cuts it short (truncated, then the new record starts); close() cuts the
 * one still open at end of input.
 *
 * Caps: the record text is capped at max_record (the header line is always
 * kept; the reader caps lines), fields, Data pairs and ms-diagnostics
 * attributes at max_fields; hitting a cap gives one warning per record and
 * truncated = 1.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parser.h"
#include "sip.h"

enum { M_IDLE, M_PENDING, M_RECORD, M_BODY };
#define INDENT_UNKNOWN ((size_t)-1)

#define NONE ((size_t)-1)

/* A body field while the record grows: offsets into raw. */
/* A header wrapped over at most this many lines is joined (a 230-byte
   OCS header wrapped at 60 columns takes four). */
#define WRAP_PIECES 6
#define WRAP_MAX 4096           /* bytes of held text, at most */

typedef struct ss_field {
	size_t noff, nn, voff, vn;
} ss_field;

typedef struct ss_state {
	char name[256];
	sip_warn_fn warn;
	void *warn_ctx;
	size_t max_record, max_fields;

	/* The record being built. */
	int mode;
	sip_buf raw;
	sip_ss_header hdr;      /* spans are offsets into raw (header at 0) */
	uint64_t line, end_line, offset;
	int truncated, has_end, capped, warned_fields, last_dropped;
	int tl_seen;            /* a TL_ header was read: no alt headers */
	void *other[2];         /* the parsers of what a post pasted between
	                           records (bare SIP messages, client log
	                           lines: see others), opened at the first */
	int reading;            /* -1, or the one reading now */
	int orphan_body;        /* outside a record, after a Message-Body:
	                           field and before $$end_record */
	uint64_t cut_header;    /* outside a record, the last line read that
	                           was not blank: its number when it starts
	                           like a header but is none (a log cut
	                           inside its last header line), else 0 */
	int headerless;         /* the record began at its LogType: or
	                           Severity: field (a body pasted without its
	                           header line): a blank line ends it */
	size_t indent;          /* the blanks before each line of the body
	                           (a hanging indent: see body_skip), or
	                           INDENT_UNKNOWN before its first line */
	int pasted;             /* the record's header came after something
	                           else on its line (see embedded_header): a
	                           header after such a prefix on a line of its
	                           body ends it */
	size_t body_off, body_end, body_field;
	ss_field *flds;
	size_t nflds, flds_cap;

	/* A line that starts like a header but is none, held to be joined
	   with the lines after it (a header wrapped by a mail or a page):
	   the text of up to WRAP_PIECES lines and each line as read. */
	sip_buf held;
	sip_line pieces[WRAP_PIECES];
	size_t piece_off[WRAP_PIECES];
	size_t npieces;
	size_t ok;              /* the first ok pieces make a header, */
	int ok_sp;              /* joined with spaces when ok_sp */
	sip_buf joined;
	int raw_joined;         /* the record's header was joined */

	/* What an emitted record points to; reused. */
	sip_kv *kv;
	size_t kv_cap;
	sip_derive_scratch dv;
	sip_record rec;
} ss_state;

/* A warning naming the input (parser.h). */
#define warn(st, code, line, ...) \
	sip_parser_warn((st)->warn, (st)->warn_ctx, (st)->name, (code), (line), __VA_ARGS__)

/* Field-name characters: letters, digits, '-', '_', '.' (a table: this
   runs on every byte of every field name). */
static const unsigned char tok_chars[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static int is_tok(unsigned char c)
{
	return tok_chars[c];
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Length of the field name when p starts "Name:", else 0. */
static size_t field_name_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_tok((unsigned char)p[i]))
		i++;
	return (i > 0 && i < n && p[i] == ':') ? i : 0;
}

static inline int is_end_line(const char *p, size_t n)
{
	if (n < 12 || memcmp(p, "$$end_record", 12) != 0)
		return 0;
	for (size_t i = 12; i < n; i++)
		if (!is_ws(p[i]))
			return 0;
	return 1;
}

static inline int is_header(const char *p, size_t n, sip_ss_header *h)
{
	return n >= 3 && p[0] == 'T' && p[1] == 'L' && p[2] == '_' &&
	       sip_ss_header_parse(p, n, h);
}

/* The header of the same records written by another product, date first
   (sip_ss_alt_header_parse); looked for until a file shows a TL_ one. */
static inline int is_alt_header(const char *p, size_t n, sip_ss_header *h)
{
	return n >= 38 && p[0] >= '0' && p[0] <= '9' && p[2] == '/' &&
	       sip_ss_alt_header_parse(p, n, h);
}

/* Whether p[0, n) is a list item's marker and nothing else, blanks
   around it: "-", "*", "+", "\u2022" (a bullet), or "1." / "12)". */
static int list_marker(const char *p, size_t n)
{
	size_t i = 0, d;

	while (i < n && is_ws(p[i]))
		i++;
	while (n > i && is_ws(p[n - 1]))
		n--;
	if (n - i == 1 && (p[i] == '-' || p[i] == '*' || p[i] == '+'))
		return 1;
	if (n - i == 3 && !memcmp(p + i, "\xe2\x80\xa2", 3))
		return 1;
	for (d = i; d < n && d - i < 3 && p[d] >= '0' && p[d] <= '9'; d++)
		;
	return d > i && d + 1 == n && (p[d] == '.' || p[d] == ')');
}

/*
 * A header after a few bytes of something else on its line: a chat tool's
 * "[10:42 AM] alice: ", a page's "<pre>", a "Quote: " (copied so, the
 * first line only carries them), a list item's "- " or "1. " (its body
 * then indented under it: see body_skip).  The header's offset in the
 * line, or 0.
 */
static size_t embedded_header(const char *p, size_t n, sip_ss_header *h)
{
	const char *q = p + 1, *e = p + (n < 64 ? n : 64);

	while (q + 3 <= e && (q = memmem(q, (size_t)(e - q), "TL_", 3))) {
		size_t k = (size_t)(q - p), b = k;
		/* what comes before ends like a label or a tag (':', ']',
		   '>'), not like a sentence that names it; blanks alone are
		   a header quoted in prose (an indented paste is a prefix) */
		while (b && is_ws(p[b - 1]))
			b--;
		if (b && (p[b - 1] == ':' || p[b - 1] == ']' || p[b - 1] == '>' ||
			  list_marker(p, b)) &&
		    is_header(q, n - k, h))
			return k;
		q++;
	}
	return 0;
}

/* Whether a line that is no header starts like one: "TL_" and a level's
   '(' early on, the start of a header a mail or a page wrapped. */
static inline int header_start(const char *p, size_t n)
{
	return n >= 8 && p[0] == 'T' && p[1] == 'L' && p[2] == '_' && n < WRAP_MAX &&
	       memchr(p, '(', n < 16 ? n : 16) && !memmem(p, n, "$$begin_record", 14);
}

static void reset(ss_state *st)
{
	st->mode = M_IDLE;
	sip_buf_reset(&st->raw);
	st->nflds = 0;
	st->truncated = st->has_end = st->capped = 0;
	st->warned_fields = st->last_dropped = 0;
	st->body_off = st->body_end = 0;
	st->body_field = NONE;
	st->raw_joined = 0;
	st->headerless = 0;
	st->indent = INDENT_UNKNOWN;
	st->cut_header = 0;
	st->pasted = 0;
}

/*
 * Append a line and its terminator to raw.  Returns 0, 1 when the line was
 * dropped at the cap (force keeps a header line whatever the cap), or
 * SIP_ENOMEM as a negative number.
 */
static inline int add_raw(ss_state *st, const sip_line *ln, int force)
{
	size_t term = ln->eol == SIP_EOL_CRLF ? 2 : ln->eol == SIP_EOL_LF ? 1 : 0;
	size_t n = ln->p ? ln->n : 0;

	if (!force && (st->capped || st->raw.n + n + term > st->max_record)) {
		if (!st->capped)
			warn(st, SIP_ETRUNCATED, st->line,
			     "record longer than %zu bytes: cut at line %llu",
			     st->max_record, (unsigned long long)ln->lineno);
		st->capped = 1;
		st->truncated = 1;
		return 1;
	}
	if (sip_parser_add_line(&st->raw, ln))
		return -SIP_ENOMEM;
	st->end_line = ln->lineno;
	if (ln->truncated)
		st->truncated = 1;
	return 0;
}

static int start(ss_state *st, const sip_line *ln, const sip_ss_header *h)
{
	reset(st);
	st->hdr = *h;
	st->line = st->end_line = ln->lineno;
	st->offset = ln->offset;
	if (add_raw(st, ln, 1) < 0)
		return SIP_ENOMEM;
	st->mode = h->has_begin ? M_RECORD : M_PENDING;
	return 0;
}

/*
 * Whether a line outside any record is the first field of a record whose
 * header line was left out (a forum post or a ticket quoting only the
 * body, grep -A output, a header a viewer cut): "LogType: connection"
 * (diagnostic, protocol), "Severity: error" (warning, information,
 * verbose, fatal), "Text: ..." (the line most often quoted), or a
 * protocol record's "Trace-Correlation-Id: ...", "Instance-Id: ...",
 * "Direction: incoming" (outgoing), "Message-Type: request" (response),
 * "Start-Line: <a SIP start line>".  2 for the fields only such records
 * have (LogType, Trace-Correlation-Id, Message-Type, Start-Line), 1 for
 * the others, 0 for none.
 */
static int body_start(const char *p, size_t n)
{
	static const char *const log_types[] = { "connection", "diagnostic", "protocol", NULL };
	static const char *const severities[] = { "error", "warning", "information",
						  "verbose", "fatal", NULL };
	static const char *const directions[] = { "incoming", "outgoing", NULL };
	static const char *const types[] = { "request", "response", NULL };
	static const char *const any[] = { NULL };
	static const struct {
		const char *name;
		const char *const *values;
		int strength;
	} firsts[] = {
		{ "LogType", log_types, 2 }, { "Severity", severities, 1 }, { "Text", any, 1 },
		{ "Trace-Correlation-Id", any, 2 }, { "Instance-Id", any, 1 },
		{ "Direction", directions, 1 }, { "Message-Type", types, 2 },
		{ "Start-Line", NULL, 2 },
	};
	size_t nl;

	if (n < 8 || !(nl = field_name_len(p, n)) || nl + 1 >= n)
		return 0;
	for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
		size_t v = nl + 1, e = n;
		if (strlen(firsts[i].name) != nl || !sip_ieq(p, nl, firsts[i].name, nl))
			continue;
		while (v < n && is_ws(p[v]))
			v++;
		while (e > v && is_ws(p[e - 1]))
			e--;
		if (!firsts[i].values)
			return sip_is_start_line(p + v, e - v) ? firsts[i].strength : 0;
		if (!firsts[i].values[0])
			return e > v ? firsts[i].strength : 0;
		/* a value, then maybe parameters (;source="internal edge") */
		for (const char *const *w = firsts[i].values; *w; w++) {
			size_t wl = strlen(*w);
			if (e - v >= wl && sip_ieq(p + v, wl, *w, wl) &&
			    (e - v == wl || p[v + wl] == ';' || p[v + wl] == ' '))
				return firsts[i].strength;
		}
		return 0;
	}
	return 0;
}

static int body_line(ss_state *st, const sip_line *ln);

/* body_line's answer for a line that begins a bare SIP message or a
   client log line (other_start) among a record's fields */
#define SS_OTHER (-2)
static int other_start(const char *p, size_t n);

/* Begin a record at its first field (body_start): no header, no time. */
static int start_headerless(ss_state *st, const sip_line *ln)
{
	reset(st);
	memset(&st->hdr, 0, sizeof st->hdr);
	st->hdr.level = st->hdr.flag = st->hdr.slot = st->hdr.host = (sip_span){ SIP_SPAN_NONE, 0 };
	st->hdr.component = st->hdr.function = st->hdr.src_file = st->hdr.text =
		st->hdr.corr_id = st->hdr.peer = (sip_span){ SIP_SPAN_NONE, 0 };
	st->hdr.pid = st->hdr.tid = st->hdr.seq = st->hdr.src_line = -1;
	st->line = st->end_line = ln->lineno;
	st->offset = ln->offset;
	st->mode = M_RECORD;
	st->headerless = 1;
	st->indent = 0;   /* its first field at the margin */
	return body_line(st, ln);
}

/* The level a headerless record's Severity: stands for, as its header
   would have said it ("error": TL_ERROR). */
static sip_str severity_level(sip_str sev)
{
	static const struct { const char *sev, *level; } map[] = {
		{ "error", "TL_ERROR" }, { "warning", "TL_WARN" }, { "information", "TL_INFO" },
		{ "verbose", "TL_VERBOSE" }, { "fatal", "TL_FATAL" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (sip_str_ieq(sev, map[i].sev))
			return (sip_str){ map[i].level, strlen(map[i].level) };
	return SIP_STR_NULL;
}

/* Whether a line is "$$begin_record" alone (blanks around it). */
static int begin_line(const char *p, size_t n)
{
	while (n && is_ws(p[n - 1]))
		n--;
	while (n && is_ws(*p))
		p++, n--;
	return n == 14 && memcmp(p, "$$begin_record", 14) == 0;
}

/* Whether the "name:" of a line is a URI's scheme (sip:alice@…, no
   space after the colon): the rest of a value that a mail or a page
   wrapped before it, not a field. */
static int uri_start(const char *p, size_t n, size_t nl)
{
	static const char *const schemes[] = { "sip", "sips", "tel", "http", "https" };

	if (nl + 1 >= n || p[nl + 1] == ' ' || p[nl + 1] == '\t')
		return 0;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i]) == nl && sip_ieq(p, nl, schemes[i], nl))
			return 1;
	return 0;
}

/* A line inside a record that is neither a header nor $$end_record; its
   first skip bytes (the body's indent) are kept in the text only.  Made
   twice, as body_line and body_line_at: every line of a log goes through
   the first, which has no skip to apply. */
static inline __attribute__((always_inline)) int body_line_impl(ss_state *st,
								const sip_line *ln,
								size_t skip)
{
	const char *p = ln->p;
	size_t n = ln->p ? ln->n : 0, off = st->raw.n, nl, v, e;
	uint64_t end0 = st->end_line;
	int rc = add_raw(st, ln, 0);

	if (rc)
		return rc < 0 ? SIP_ENOMEM : 0;
	p += skip;
	n -= skip;
	off += skip;
	if (st->mode == M_BODY) {
		st->body_end = off + n;
		return 0;
	}
	nl = field_name_len(p, n);
	if (!nl || uri_start(p, n, nl)) {
		if (!skip && st->nflds && other_start(p, n)) {
			/* among a record's fields, which no blank line or SIP
			   start line comes between: a bare SIP message or a
			   client log line pasted after a record that lost its
			   end (see record_line) */
			st->raw.n = off - skip;
			st->end_line = end0;
			return SS_OTHER;
		}
		/* A continuation of the previous field's value. */
		e = n;
		while (e > 0 && (is_ws(p[e - 1]) || p[e - 1] == '\n'))
			e--;
		if (e && st->nflds && !st->last_dropped) {
			ss_field *f = &st->flds[st->nflds - 1];
			f->vn = off + e - f->voff;
		}
		return 0;
	}
	v = nl + 1;
	while (v < n && (p[v] == ' ' || p[v] == '\t'))
		v++;
	e = n;
	while (e > v && is_ws(p[e - 1]))
		e--;
	if (nl == 12 && SIP_IEQ(p, 12, "Message-Body")) {
		st->mode = M_BODY;
		st->body_off = off + v;
		st->body_end = off + n;
	}
	if (st->nflds >= st->max_fields) {
		if (!st->warned_fields)
			warn(st, SIP_ETRUNCATED, st->line,
			     "record has more than %zu fields: the rest are "
			     "kept in the text only", st->max_fields);
		st->warned_fields = 1;
		st->truncated = 1;
		st->last_dropped = 1;
		return 0;
	}
	if (st->nflds == st->flds_cap) {
		void *np = sip_grow(st->flds, &st->flds_cap, st->nflds + 1,
				sizeof *st->flds);
		if (!np)
			return SIP_ENOMEM;
		st->flds = np;
	}
	if (st->mode == M_BODY)
		st->body_field = st->nflds;
	st->flds[st->nflds++] = (ss_field){ off, nl, off + v, e - v };
	st->last_dropped = 0;
	return 0;
}

static int body_line(ss_state *st, const sip_line *ln)
{
	return body_line_impl(st, ln, 0);
}

static __attribute__((noinline)) int body_line_at(ss_state *st, const sip_line *ln, size_t skip)
{
	return body_line_impl(st, ln, skip);
}

/* ---- deriving the record's values ------------------------------------ */

static sip_str sp(const char *base, sip_span s)
{
	return s.off == SIP_SPAN_NONE ? SIP_STR_NULL :
	       (sip_str){ base + s.off, s.n };
}

static int ends_with(sip_str s, const char *lit, size_t n)
{
	return s.p && s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}
#define ENDS(s, lit) ends_with((s), (lit), sizeof(lit) - 1)

static int kind_of(const sip_record *r, sip_str text, sip_str start_line,
		   int has_begin)
{
	if (sip_str_ieq(r->log_type, "connection"))
		return SIP_KIND_CONNECTION;
	if (sip_str_ieq(r->log_type, "diagnostic"))
		return SIP_KIND_DIAGNOSTIC;
	if (sip_str_ieq(r->log_type, "protocol"))
		return SIP_KIND_PROTOCOL;
	if (ENDS(r->function, "TraceConnectionRecord"))
		return SIP_KIND_CONNECTION;
	if (ENDS(r->function, "TraceProtocolRecord"))
		return SIP_KIND_PROTOCOL;
	if (ENDS(r->function, "WriteDiagnosticEvent") ||
	    ENDS(r->function, "TraceDiagRecord"))
		return SIP_KIND_DIAGNOSTIC;
	if (sip_str_eq(r->flag, "TF_CONNECTION"))
		return SIP_KIND_CONNECTION;
	if (sip_str_eq(r->flag, "TF_PROTOCOL"))
		return SIP_KIND_PROTOCOL;
	if (sip_str_eq(r->flag, "TF_DIAG"))
		return SIP_KIND_DIAGNOSTIC;
	if (text.p)
		return SIP_KIND_DIAGNOSTIC;
	if (start_line.p)
		return SIP_KIND_PROTOCOL;
	(void)has_begin;
	return SIP_KIND_DIAGNOSTIC;
}

/*
 * Fill the derived values of r (sipderive.c) and its kind: kind, or -1 to
 * work it out.  Returns 0 or SIP_ENOMEM.
 */
static int derive(ss_state *st, sip_record *r, int kind)
{
	sip_str text;
	int capped = 0;

	if (sip_derive(&st->dv, r, st->max_fields, &text, &capped))
		return SIP_ENOMEM;
	r->kind = kind >= 0 ? kind : kind_of(r, text, r->start_line, r->has_begin);
	if (capped && !st->warned_fields) {
		warn(st, SIP_ETRUNCATED, st->line,
		     "record has more than %zu Data pairs and ms-diagnostics "
		     "attributes: the rest are kept in the text only",
		     st->max_fields);
		st->warned_fields = 1;
	}
	if (capped)
		st->truncated = 1;
	if (r->fqdn_cut.p) {
		warn(st, SIP_ETRUNCATED, st->line,
		     "the record's fqdn=\"%.*s is cut short (no closing quote):"
		     " its findings do not name the peer",
		     (int)(r->fqdn_cut.n > 200 ? 200 : r->fqdn_cut.n), r->fqdn_cut.p);
		st->truncated = 1;
	}
	r->truncated = st->truncated;
	return 0;
}

/*
 * Emit the record being built (kind, or -1 to work it out), then forget it.
 * Returns the callback's value, or SIP_ENOMEM.
 */
static int emit(ss_state *st, sip_record_fn fn, void *ctx, int kind)
{
	sip_record *r = &st->rec;
	const char *b = st->raw.p;
	const sip_ss_header *h = &st->hdr;
	int rc;

	memset(r, 0, sizeof *r);
	r->format = "sipstack";
	r->line = st->line;
	r->end_line = st->end_line;
	r->offset = st->offset;
	r->raw = (sip_str){ b, st->raw.n };
	r->raw_joined = st->raw_joined;
	r->has_begin = h->has_begin;
	r->has_end = st->has_end;
	r->level = sp(b, h->level);
	r->flag = sp(b, h->flag);
	r->slot = sp(b, h->slot);
	r->host = sp(b, h->host);
	r->pid = h->pid;
	r->tid = h->tid;
	memcpy(r->ts, h->ts, sizeof r->ts);
	r->seq = h->seq;
	r->component = sp(b, h->component);
	r->function = sp(b, h->function);
	r->src_file = sp(b, h->src_file);
	r->src_line = h->src_line;
	r->header_text = sp(b, h->text);
	r->peer = sp(b, h->peer);   /* an alt header's; a Peer field's else */
	r->corr_id = sp(b, h->corr_id);
	r->peer_port = -1;
	r->is_request = -1;
	r->status = -1;

	if (st->body_field != NONE && st->body_field < st->nflds) {
		ss_field *f = &st->flds[st->body_field];
		f->voff = st->body_off;
		f->vn = st->body_end - st->body_off;
	}
	if (st->nflds > st->kv_cap) {
		void *np = sip_grow(st->kv, &st->kv_cap, st->nflds, sizeof *st->kv);
		if (!np) {
			rc = SIP_ENOMEM;
			goto out;
		}
		st->kv = np;
	}
	for (size_t i = 0; i < st->nflds; i++) {
		const ss_field *f = &st->flds[i];
		st->kv[i] = (sip_kv){ { b + f->noff, f->nn }, { b + f->voff, f->vn } };
	}
	r->fields = st->nflds ? st->kv : NULL;
	r->nfields = st->nflds;
	if (st->mode == M_BODY || st->body_field != NONE)
		r->body = (sip_str){ b + st->body_off, st->body_end - st->body_off };
	rc = derive(st, r, kind);
	if (st->headerless && !r->level.p)
		r->level = severity_level(r->severity);
	if (rc == 0)
		rc = fn(ctx, r);
out:
	reset(st);
	return rc;
}

/* ---- the method table ------------------------------------------------ */

/* Whether lines[i] and up to WRAP_PIECES - 1 lines after it, joined (with
   a space between or not), make a header: one a mail or a page wrapped. */
static int wrapped_header(const sip_line *lines, size_t n, size_t i)
{
	char buf[WRAP_MAX + WRAP_PIECES];
	sip_ss_header h;

	if (!header_start(lines[i].p, lines[i].p ? lines[i].n : 0))
		return 0;
	for (int sp = 0; sp < 2; sp++) {
		size_t len = 0;
		for (size_t k = i; k < n && k < i + WRAP_PIECES; k++) {
			size_t m = lines[k].p ? lines[k].n : 0;
			if (len + m + 1 > sizeof buf)
				break;
			if (k > i && sp)
				buf[len++] = ' ';
			memcpy(buf + len, lines[k].p ? lines[k].p : "", m);
			len += m;
			if (k > i && is_header(buf, len, &h))
				return 1;
		}
	}
	return 0;
}

/* Whether one of the eight lines after lines[i] is a field that a record
   body has and a SIP message or prose has not: Text:, Data:, Result-Code:,
   Start-Line:, SIP-Call-ID:, Message-Body:, $$end_record. */
static int body_follows(const sip_line *lines, size_t n, size_t i)
{
	static const char *const names[] = { "Text", "Data", "Result-Code", "Start-Line",
					     "SIP-Call-ID", "SIP-Start-Line", "Message-Body",
					     "Transport", "Trace-Correlation-Id" };

	for (size_t j = i + 1; j < n && j < i + 9; j++) {
		const char *q = lines[j].p;
		size_t m = q ? lines[j].n : 0, nl = m ? field_name_len(q, m) : 0;
		if (m && is_end_line(q, m))
			return 1;
		for (size_t k = 0; nl && k < sizeof names / sizeof names[0]; k++)
			if (strlen(names[k]) == nl && sip_ieq(q, nl, names[k], nl) &&
			    nl < m && q[nl] == ':')
				return 1;
	}
	return 0;
}

static int ss_probe(const sip_line *lines, size_t n)
{
	sip_ss_header h;
	int score = 0, k;

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0;
		if (is_header(p, len, &h) || is_alt_header(p, len, &h))
			return 100;
		if (score < 90 && len > 40 && embedded_header(p, len, &h))
			score = 90;
		if (score < 90 && wrapped_header(lines, n, i))
			score = 90;
		if (score < 60 && len && (is_end_line(p, len) ||
					  memmem(p, len, "$$begin_record", 14)))
			score = 60;
		/* a record's body quoted without its header: its first field,
		   then within eight lines a field only such records have */
		if (score < 50 && (k = body_start(p, len)) &&
		    (k == 2 || body_follows(lines, n, i)))
			score = 50;
	}
	return score;
}

static void *ss_open(const sip_parse_opts *opts)
{
	ss_state *st = calloc(1, sizeof *st);

	if (!st)
		return NULL;
	if (opts) {
		snprintf(st->name, sizeof st->name, "%s",
			 opts->name ? opts->name : "");
		st->warn = opts->warn;
		st->warn_ctx = opts->warn_ctx;
		st->max_record = opts->max_record;
		st->max_fields = opts->max_fields;
	}
	if (!st->max_record)
		st->max_record = SIP_PARSER_MAX_RECORD;
	if (st->max_record > SIP_BUF_MAX / 2)
		st->max_record = SIP_BUF_MAX / 2;
	if (!st->max_fields)
		st->max_fields = SIP_PARSER_MAX_FIELDS;
	sip_buf_init(&st->raw, 0);
	sip_buf_init(&st->held, 0);
	sip_buf_init(&st->joined, 0);
	st->reading = -1;
	reset(st);
	return st;
}

/* Whether a line outside any record is the start line of a bare SIP
   message (one a post pasted between the records), blanks before it. */
static int bare_start(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && is_ws(p[k]))
		k++;
	return n - k >= 12 && sip_is_start_line(p + k, n - k);
}

/* What a post may paste between a server trace's records, read by the
   parser of its own format: bare SIP messages, and client log lines. */
static const struct {
	const sip_parser_ops *ops;
	int (*starts)(const char *p, size_t n);  /* a line that begins one */
	int (*reading)(const void *state);       /* inside one: the lines
	                                            that follow are its own */
	int (*cut)(void *state, uint64_t line, sip_record_fn fn, void *ctx);
	                                         /* a record began at line
	                                            inside one; NULL: close */
} others[2] = {
	{ &sip_sipmsg_parser, bare_start, sip_sipmsg_reading, NULL },
	{ &sip_uccapi_parser, sip_uccapi_stamped, sip_uccapi_reading, sip_uccapi_cut },
};

/* Whether a line begins what another parser reads (see others). */
static int other_start(const char *p, size_t n)
{
	for (size_t k = 0; k < sizeof others / sizeof others[0]; k++)
		if (others[k].starts(p, n))
			return 1;
	return 0;
}

/* Hand ln to the other parser k, opened at its first line. */
static int feed_other(ss_state *st, int k, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	if (!st->other[k]) {
		sip_parse_opts o = { st->name, st->warn, st->warn_ctx, st->max_record,
				     st->max_fields };
		if (!(st->other[k] = others[k].ops->open(&o)))
			return SIP_ENOMEM;
	}
	st->reading = k;
	return others[k].ops->feed(st->other[k], ln, fn, ctx);
}

/* The other parser that was reading: what it holds is emitted, cut by
   the line at (0: the end of input). */
static int close_other(ss_state *st, uint64_t at, sip_record_fn fn, void *ctx)
{
	int k = st->reading;

	st->reading = -1;
	if (k < 0)
		return 0;
	if (at && others[k].cut)
		return others[k].cut(st->other[k], at, fn, ctx);
	return others[k].ops->close(st->other[k], fn, ctx);
}

/* Whether a line that is no header is the start of one cut short: "TL_"
   and a level's '(' early on, or, on the last line of the input (no line
   end), any beginning of "TL_" and its level.  A line of prose that
   names TL_ERROR, as a mail's last line may, is not: it has no '(' after
   the level, or ends with a line end. */
static int cut_header(const sip_line *ln)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, k = 0;

	if (header_start(p, n))
		return 1;
	if (ln->eol != SIP_EOL_NONE || n < 2 || n >= 16)
		return 0;
	while (k < n && k < 3 && p[k] == "TL_"[k])
		k++;
	if (k < 3)
		return k == n;
	while (k < n && p[k] >= 'A' && p[k] <= 'Z')
		k++;
	return k == n || p[k] == '(';
}

/* A line outside any record (kept out of feed_line, which runs for every
   line of every record). */
static __attribute__((noinline)) int idle_line(ss_state *st, const sip_line *ln, int hdr,
					       const sip_ss_header *h, sip_record_fn fn,
					       void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;

	if (hdr) {
		st->orphan_body = 0;
		return start(st, ln, h);
	}
	if (sip_trim((sip_str){ p, n }).n)
		st->cut_header = cut_header(ln) ? ln->lineno : 0;
	/* the message body of a record whose start was not read (grep -B
	   that began inside it) may quote a log: no record begins there
	   before its $$end_record */
	if (n > 13 && sip_ieq(p, 13, "Message-Body:", 13))
		st->orphan_body = 1;
	else if (is_end_line(p, n) || sip_group_separator(p, n))
		st->orphan_body = 0;
	else if (!st->orphan_body && body_start(p, n))
		return start_headerless(st, ln);
	else if (!st->orphan_body)
		for (int k = 0; k < 2; k++)
			if (others[k].starts(p, n))
				return feed_other(st, k, ln, fn, ctx);
	return 0;
}

static size_t lead_blanks(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	return k;
}

/*
 * How many bytes of a line of a record's body are the paste's indent.
 * Decided at the first line after the header: a list item's record
 * ("- TL_ERROR(...)" and its fields under it), or a header pasted at the
 * margin and its body indented below.  A log writes the first field at
 * the margin, so blanks before a field or $$end_record there are the
 * paste's, and as many blanks (at most) are taken off each line of the
 * record.  Called only while st->indent is not 0.
 */
static __attribute__((noinline)) size_t body_skip(ss_state *st, const char *p, size_t n)
{
	size_t b = lead_blanks(p, n);

	if (st->indent == INDENT_UNKNOWN)
		st->indent = b && b < n && (field_name_len(p + b, n - b) ||
					    is_end_line(p + b, n - b)) ? b : 0;
	return b < st->indent ? b : st->indent;
}

/* The line after a header without $$begin_record. */
static __attribute__((noinline)) int pending_line(ss_state *st, const sip_line *ln, int hdr,
						  const sip_ss_header *h, sip_record_fn fn,
						  void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;
	int rc;

	if (!hdr && field_name_len(p, n)) {
		st->mode = M_RECORD;
		st->indent = 0;   /* its first field at the margin */
		return body_line(st, ln);
	}
	if (!hdr && st->indent == INDENT_UNKNOWN && body_skip(st, p, n)) {
		st->mode = M_RECORD;
		return body_line_at(st, ln, st->indent);
	}
	/* the header's $$begin_record on a line of its own (a paste that
	   broke the header line before it) */
	if (!hdr && begin_line(p, n)) {
		st->mode = M_RECORD;
		st->hdr.has_begin = 1;
		return add_raw(st, ln, 0) < 0 ? SIP_ENOMEM : 0;
	}
	rc = emit(st, fn, ctx, SIP_KIND_TRACE);
	if (rc)
		return rc;
	/* ln is the first line after a one-line trace: a header, or a line
	   outside any record as any other (a SIP message pasted after the
	   trace line begins there) */
	return idle_line(st, ln, hdr, h, fn, ctx);
}

/* Whether a short line, or a line of a record quoted without its header,
   ends the record: grep's "--" between the groups of a grep -A / -B / -C
   (the record was cut short there), or the blank line after a body
   quoted alone (before any Message-Body, which may hold blank lines).
   Emits it then and returns the callback's value; -1 when it goes on. */
static __attribute__((noinline)) int rare_end(ss_state *st, const sip_line *ln,
					      sip_record_fn fn, void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;

	if (sip_group_separator(p, n)) {
		st->truncated = 1;
		warn(st, SIP_ETRUNCATED, st->line,
		     "record cut short by grep's '--' at line %llu",
		     (unsigned long long)ln->lineno);
		return emit(st, fn, ctx, -1);
	}
	if (st->headerless && st->mode == M_RECORD && !sip_trim((sip_str){ p, n }).n)
		return emit(st, fn, ctx, -1);
	return -1;
}

/* ln begins a bare SIP message or a client log line among the fields of
   the record being read: a record pasted without its $$end_record, and
   something else after it.  The record ends there, cut short; ln is read
   as a line outside any record. */
static __attribute__((noinline)) int other_cut(ss_state *st, const sip_line *ln,
					       sip_record_fn fn, void *ctx)
{
	int rc;

	st->truncated = 1;
	warn(st, SIP_ETRUNCATED, st->line, "record cut short by %s at line %llu",
	     bare_start(ln->p, ln->n) ? "a SIP message" : "a client log line",
	     (unsigned long long)ln->lineno);
	if ((rc = emit(st, fn, ctx, -1)))
		return rc;
	return idle_line(st, ln, 0, NULL, fn, ctx);
}

/* A line of a record's body (no header), its first k bytes the paste's
   indent. */
static inline int record_line(ss_state *st, const sip_line *ln, size_t k, sip_record_fn fn,
			      void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;
	int rc;

	if (is_end_line(p + k, n - k)) {
		if (add_raw(st, ln, 0) < 0)
			return SIP_ENOMEM;
		st->has_end = 1;
		return emit(st, fn, ctx, -1);
	}
	if ((n < 4 || st->headerless) && (rc = rare_end(st, ln, fn, ctx)) >= 0)
		return rc;
	rc = k ? body_line_at(st, ln, k) : body_line(st, ln);
	return rc == SS_OTHER ? other_cut(st, ln, fn, ctx) : rc;
}

/* The same, for a record whose body may be indented: the first line
   after its header, and the lines after one that was. */
static __attribute__((noinline)) int indented_line(ss_state *st, const sip_line *ln,
						   sip_record_fn fn, void *ctx)
{
	return record_line(st, ln, body_skip(st, ln->p, ln->p ? ln->n : 0), fn, ctx);
}

/* The header h at ln ends the record being read, cut short: it begins the
   next. */
static __attribute__((noinline)) int header_cut(ss_state *st, const sip_line *ln,
						const sip_ss_header *h, sip_record_fn fn, void *ctx)
{
	int rc;

	st->truncated = 1;
	warn(st, SIP_ETRUNCATED, st->line, "record cut short by the header line %llu",
	     (unsigned long long)ln->lineno);
	if ((rc = emit(st, fn, ctx, -1)))
		return rc;
	return start(st, ln, h);
}

/* A line of a record whose header came after a prefix (a list item's
   marker, a chat stamp, a '> ': see embedded_header): a header line after
   such a prefix ends the record, as a header line ends a record read as
   it is. */
static __attribute__((noinline)) int pasted_line(ss_state *st, const sip_line *ln,
						 sip_record_fn fn, void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, k;
	sip_ss_header h;
	int rc;

	if (n > 40 && (k = embedded_header(p, n, &h))) {
		sip_line at = *ln;
		at.p += k;
		at.n -= k;
		at.offset += k;
		if ((rc = header_cut(st, &at, &h, fn, ctx)))
			return rc;
		st->pasted = 1;
		return 0;
	}
	if (st->indent)
		return indented_line(st, ln, fn, ctx);
	return record_line(st, ln, 0, fn, ctx);
}

static inline int feed_line(ss_state *st, const sip_line *ln, int hdr, const sip_ss_header *h,
		     sip_record_fn fn, void *ctx)
{
	switch (st->mode) {
	case M_IDLE:
		return idle_line(st, ln, hdr, h, fn, ctx);
	case M_PENDING:
		return pending_line(st, ln, hdr, h, fn, ctx);
	default:
		if (hdr)
			return header_cut(st, ln, h, fn, ctx);
		if (st->pasted)
			return pasted_line(st, ln, fn, ctx);
		if (st->indent)
			return indented_line(st, ln, fn, ctx);
		return record_line(st, ln, 0, fn, ctx);
	}
}

/* A record's field, "Name: value": no piece of a wrapped header. */
static int field_line(const char *p, size_t n)
{
	size_t nl = p ? field_name_len(p, n) : 0;

	return nl && (nl + 1 == n || p[nl + 1] == ' ' || p[nl + 1] == '\t');
}


/* Join held pieces [0, k) (with a space between them when sp), and
   then ln when not NULL, into st->joined.  0 or SIP_ENOMEM. */
static int join_pieces(ss_state *st, size_t k, const sip_line *ln, int sp)
{
	sip_buf_reset(&st->joined);
	for (size_t i = 0; i < k; i++)
		if ((i && sp && sip_buf_addc(&st->joined, ' ')) ||
		    sip_buf_add(&st->joined, st->held.p + st->piece_off[i], st->pieces[i].n))
			return SIP_ENOMEM;
	if (ln && ((sp && sip_buf_addc(&st->joined, ' ')) ||
		   sip_buf_add(&st->joined, ln->p ? ln->p : "", ln->p ? ln->n : 0)))
		return SIP_ENOMEM;
	return 0;
}

/*
 * Let go of the held lines: the first st->ok of them joined, when they
 * made a header, as that header line (the number and offset of the
 * first, raw_joined set), then the others as they were read.
 */
static int release_held(ss_state *st, sip_record_fn fn, void *ctx)
{
	size_t k = st->npieces, from = 0;
	sip_ss_header h;
	int rc = 0;

	st->npieces = 0;
	if (st->ok && !(rc = join_pieces(st, st->ok, NULL, st->ok_sp)) &&
	    is_header(st->joined.p, st->joined.n, &h)) {
		sip_line j = st->pieces[0];
		j.p = st->joined.p;
		j.n = st->joined.n;
		j.eol = st->pieces[st->ok - 1].eol;
		j.truncated = 0;
		from = st->ok;
		if (!(rc = feed_line(st, &j, 1, &h, fn, ctx)) && st->mode != M_IDLE)
			st->raw_joined = 1;
	}
	st->ok = 0;
	for (size_t i = from; i < k && !rc; i++) {
		sip_line l = st->pieces[i];
		l.p = st->held.p + st->piece_off[i];
		rc = feed_line(st, &l, 0, NULL, fn, ctx);
	}
	return rc;
}

/* Hold ln (its text copied) as a piece of a wrapped header. */
static int hold(ss_state *st, const sip_line *ln)
{
	size_t at = st->held.n;

	if (sip_buf_add(&st->held, ln->p ? ln->p : "", ln->p ? ln->n : 0))
		return SIP_ENOMEM;
	st->pieces[st->npieces] = *ln;
	st->piece_off[st->npieces++] = at;
	return 0;
}

/*
 * A header wrapped over lines: the held lines and ln, joined as they are
 * or with a space where the wrap took one, may make a header.  One with
 * $$begin_record is taken at once; one without may be a one-line trace
 * or lack the rest of its $$begin_record, so the next line is held too
 * while there is room, and the longest join that makes a header wins.
 * Lines that make none are fed as they were read.
 */
static int feed_held(ss_state *st, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	size_t n = ln->p ? ln->n : 0;
	sip_ss_header h;
	int rc;

	/* no room for one more piece: what is held goes as it is */
	int piece = st->npieces < WRAP_PIECES && !field_line(ln->p, n) &&
		    !header_start(ln->p, n);

	for (int sp = 0; sp < 2 && piece; sp++) {
		if ((rc = join_pieces(st, st->npieces, ln, sp)))
			return rc;
		if (!is_header(st->joined.p, st->joined.n, &h))
			continue;
		if ((rc = hold(st, ln)))
			return rc;
		st->ok = st->npieces;
		st->ok_sp = sp;
		if (h.has_begin || st->npieces == WRAP_PIECES)
			return release_held(st, fn, ctx);
		return 0;
	}
	if (piece && st->npieces < WRAP_PIECES && st->held.n + n < WRAP_MAX && n && !st->ok &&
	    !is_end_line(ln->p, n))
		return hold(st, ln);    /* the middle of three, maybe */
	if ((rc = release_held(st, fn, ctx)))
		return rc;
	return -1;                      /* ln is still to be fed */
}

static int ss_feed(void *state, const sip_line *ln, sip_record_fn fn,
		   void *ctx)
{
	ss_state *st = state;
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;
	sip_ss_header h;
	int hdr = is_header(p, n, &h), rc;

	if (hdr)
		st->tl_seen = 1;
	else if (!st->tl_seen)
		hdr = is_alt_header(p, n, &h);
	/* a bare SIP message or client log lines pasted between records:
	   the lines are theirs until they end, or a header ends them */
	if (st->reading >= 0) {
		int k = st->reading;
		if (!hdr && others[k].reading(st->other[k]))
			return others[k].ops->feed(st->other[k], ln, fn, ctx);
		if ((rc = close_other(st, ln->lineno, fn, ctx)))
			return rc;
	}
	/* outside a record (or after a one-line trace), a header after
	   something else on its line */
	if (!hdr && (st->mode == M_IDLE || st->mode == M_PENDING) && !st->npieces && n > 40) {
		size_t k = embedded_header(p, n, &h);
		if (k) {
			sip_line at = *ln;
			at.p += k;
			at.n -= k;
			at.offset += k;
			st->tl_seen = 1;
			if ((rc = feed_line(st, &at, 1, &h, fn, ctx)))
				return rc;
			if (st->mode != M_IDLE)
				st->pasted = 1;
			return 0;
		}
	}

	if (st->npieces) {
		if (hdr)
			rc = release_held(st, fn, ctx);
		else if ((rc = feed_held(st, ln, fn, ctx)) >= 0)
			return rc;
		else
			rc = 0;
		if (rc)
			return rc;
	}
	if (!hdr && header_start(p, n)) {
		sip_buf_reset(&st->held);
		st->ok = 0;
		return hold(st, ln);
	}
	return feed_line(st, ln, hdr, &h, fn, ctx);
}

static int ss_close(void *state, sip_record_fn fn, void *ctx)
{
	ss_state *st = state;
	int rc;

	if (st->npieces && (rc = release_held(st, fn, ctx)))
		return rc;
	if ((rc = close_other(st, 0, fn, ctx)))
		return rc;

	switch (st->mode) {
	case M_IDLE:
		if (st->cut_header)
			warn(st, SIP_ETRUNCATED, st->cut_header,
			     "the input ends inside a record's header line: "
			     "that record is lost");
		return 0;
	case M_PENDING:
		return emit(st, fn, ctx, SIP_KIND_TRACE);
	default:
		st->truncated = 1;
		warn(st, SIP_ETRUNCATED, st->line,
		     "record cut short by the end of input");
		return emit(st, fn, ctx, -1);
	}
}

static void ss_free(void *state)
{
	ss_state *st = state;

	if (!st)
		return;
	sip_buf_release(&st->raw);
	sip_buf_release(&st->held);
	sip_buf_release(&st->joined);
	free(st->flds);
	free(st->kv);
	sip_derive_release(&st->dv);
	for (int k = 0; k < 2; k++)
		if (st->other[k])
			others[k].ops->free(st->other[k]);
	free(st);
}

/* ---- a server trace pasted into another format's input ---------------- */

int sip_ss_embed_starts(const char *p, size_t n)
{
	sip_ss_header h;

	return is_header(p, n, &h);
}

int sip_ss_embed_feed(sip_ss_embed *e, const sip_parse_opts *o, const sip_line *ln,
		      int host_start, sip_record_fn fn, void *ctx, int *rc)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;

	*rc = 0;
	if (e->on) {
		const ss_state *st = e->ss;
		/* a record from $$begin_record to $$end_record takes every
		   line; a header alone, every line but the host's own */
		if (st->mode == M_RECORD || st->mode == M_BODY ||
		    (st->mode == M_PENDING && !host_start) || st->npieces) {
			*rc = ss_feed(e->ss, ln, fn, ctx);
			return 1;
		}
		e->on = 0;
		if ((*rc = ss_close(e->ss, fn, ctx)))
			return 1;
	}
	if (!sip_ss_embed_starts(p, n))
		return 0;
	if (!e->ss && !(e->ss = ss_open(o))) {
		*rc = SIP_ENOMEM;
		return 1;
	}
	e->on = 1;
	*rc = ss_feed(e->ss, ln, fn, ctx);
	return 1;
}

int sip_ss_embed_close(sip_ss_embed *e, sip_record_fn fn, void *ctx)
{
	if (!e->on)
		return 0;
	e->on = 0;
	return ss_close(e->ss, fn, ctx);
}

void sip_ss_embed_free(sip_ss_embed *e)
{
	ss_free(e->ss);
	e->ss = NULL;
	e->on = 0;
}

/* Inside a protocol record's message body that is not "-" (no body), or
   inside the body of what another parser reads (see others). */
static int ss_in_body(const void *state)
{
	const ss_state *st = state;

	if (st->reading >= 0)
		return others[st->reading].ops->in_body &&
		       others[st->reading].ops->in_body(st->other[st->reading]);
	return st->mode == M_BODY &&
	       !(st->body_end == st->body_off + 1 && st->raw.p[st->body_off] == '-');
}

const sip_parser_ops sip_sipstack_parser = {
	1,
	"sipstack",
	"Lync / Skype for Business server SIPStack traces (OCSLogger, CLS)",
	ss_probe,
	ss_open,
	ss_feed,
	ss_close,
	ss_free,
	ss_in_body,
	NULL,   /* from_start */
};
