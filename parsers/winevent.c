/*
 * winevent.c -- Windows events pasted as text: what Event Viewer's "Copy",
 * "Copy details as text" puts on the clipboard, and what PowerShell's
 * Get-WinEvent / Get-EventLog print through Format-List.
 *
 * Lync and Skype for Business servers say much of what goes wrong in the
 * event log (LS Protocol Stack 14428 "TLS outgoing connection failures",
 * Schannel 36888 ...), and a post or a ticket often quotes the event
 * rather than a trace.  Each event is one diagnostic record:
 *
 *   Log Name:      Lync Server                 TimeCreated  : 3/14/2012 9:12:03 AM
 *   Source:        LS Protocol Stack           ProviderName : LS Protocol Stack
 *   Date:          3/14/2012 9:12:03 AM        Id           : 14428
 *   Event ID:      14428                       Message      : TLS outgoing ...
 *   Task Category: (1001)                                     Over the past ...
 *   Level:         Error
 *   Keywords:      Classic                     (Get-EventLog: Index, EntryType,
 *   User:          N/A                          InstanceId, Message, Category,
 *   Computer:      fe01.contoso.com             Source, TimeGenerated ...)
 *   Description:
 *   TLS outgoing connection failures.
 *   ...
 *   Event Xml:
 *   <Event xmlns=...> ... </Event>
 *
 * The level (Level:, EntryType, LevelDisplayName) is read as a trace's
 * (Error: TL_ERROR), the source as the component, the computer as the
 * host, the date as the time when it is unambiguous (AM/PM or a day above
 * 12 says which number is the month; ISO dates; day.month.year), and the
 * description, its lines joined by one blank, as the text; a code with
 * its symbol in it, "0x80090322(SEC_E_WRONG_PRINCIPAL)", as the result.
 * Every "Name: value" line is a field (field.Event ID ...).
 *
 * A post may quote an event briefly, "Event ID: 1" and its text on the
 * lines after it: that is an event too, up to a blank line, a code fence
 * or the next "Event ID:".
 *
 * An event ends where the next begins (a "Log Name:" line, or a field it
 * already has at the margin), at a Markdown code fence (a page's) or at
 * the end of input; the description runs
 * to "Event Xml:" or the next event (Event Viewer writes it at the margin,
 * so no line of it is taken for a field; the XML ends the event),
 * Format-List's message to the next line at the margin (its own lines are
 * indented): a field, or the end of the event.  The blanks before an
 * event's first field are a page's (a list item's code block) and are
 * taken off its lines; Event Viewer's fields indented under "Log Name:"
 * are fields still.
 *
 * The same events saved as CSV are read too, a row an event: Event
 * Viewer's "Save All Events As" CSV (a header "Level,Date and Time,Source,
 * Event ID,Task Category", the description in a sixth column the header
 * does not name) and Export-Csv / ConvertTo-Csv of Get-WinEvent or
 * Get-EventLog (a header of their property names, "Message", "Id" ...,
 * after a "#TYPE" line unless -NoTypeInformation).  A cell in double
 * quotes may hold line breaks (a description always does) and "" for a
 * quote; each column is a field under the header's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "sip.h"

/* the form of the event being read */
enum { EV_NONE, EV_VIEWER, EV_LIST, EV_CSV };

/* The names a block of either form has, as Windows writes them. */
static const char *const viewer_names[] = {
	"Log Name", "Source", "Date", "Event ID", "Task Category", "Level",
	"Keywords", "User", "Computer", "OpCode", "Description", NULL
};
static const char *const list_names[] = {
	"TimeCreated", "ProviderName", "Id", "Message", "LevelDisplayName", "Level",
	"MachineName", "LogName", "RecordId", "ProcessId", "ThreadId", "UserId",
	"TaskDisplayName", "KeywordsDisplayNames", "Index", "EntryType", "InstanceId",
	"EventID", "Category", "CategoryNumber", "ReplacementStrings", "Source",
	"TimeGenerated", "TimeWritten", "UserName", "Container", "Site", "Data", NULL
};

#define MAX_FIELDS 64

typedef struct ev_field {
	size_t noff, nn, voff, vn;   /* offsets into raw */
} ev_field;

typedef struct ev_state {
	char name[256];
	sip_warn_fn warn;
	void *warn_ctx;
	size_t max_record;

	int form;                    /* EV_NONE: no event open */
	int in_text;                 /* in the description / message */
	int brief;                   /* begun at "Event ID:", its text after it */
	int in_xml;                  /* in Event Viewer's "Event Xml:" part */
	size_t indent;               /* the blanks before its first field: a
	                                page's (a list item's code block),
	                                taken off its lines (ev_feed) */
	uint64_t line, end_line, offset;
	size_t raw_end;              /* raw up to its last line not blank */
	int capped;
	sip_buf raw;
	sip_buf text;                /* the description, lines joined */
	ev_field flds[MAX_FIELDS];
	size_t nflds;
	sip_kv kv[MAX_FIELDS];
	sip_record rec;

	/* CSV (csv_header): the header's names, the open row's state */
	int csv;                     /* a header was read: lines are rows */
	int csv_viewer;              /* Event Viewer's: its sixth column the
	                                description, which it need not quote */
	size_t ncols, text_col;      /* text_col: the description's, or ncols */
	size_t coff[MAX_FIELDS], clen[MAX_FIELDS];   /* names, in cols */
	sip_buf cols;
	int csv_q;                   /* the row is inside a quoted cell */
	sip_buf cells;               /* the row's names and values (flds) */
} ev_state;

#define warn(st, code, line, ...) \
	sip_parser_warn((st)->warn, (st)->warn_ctx, (st)->name, (code), (line), __VA_ARGS__)

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t lead_blanks(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* A Markdown code fence, opening ("```AsciiDoc") or closing: where a
   page's event ends. */
static int is_fence(const char *p, size_t n)
{
	size_t i = lead_blanks(p, n), k = i;

	while (k < n && p[k] == '`')
		k++;
	if (k - i >= 3)
		return 1;
	for (k = i; k < n && p[k] == '~'; k++)
		;
	return k - i >= 3;
}

/*
 * Whether a line at the margin is a field of either form: one of the
 * names, blanks (Format-List pads its names to one column), ':', then a
 * blank or the end.  Its form in *form, the name's length in *nn and the
 * value's start in *v.
 */
static int field_at(const char *p, size_t n, int *form, size_t *nn, size_t *v)
{
	static const char *const *const sets[] = { viewer_names, list_names };
	size_t e;

	if (!n || is_blank(p[0]))
		return 0;
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; sets[s][i]; i++) {
			size_t k = strlen(sets[s][i]);
			if (n < k + 1 || memcmp(p, sets[s][i], k))
				continue;
			e = k;
			while (e < n && p[e] == ' ')
				e++;
			if (e >= n || p[e] != ':' || (s == 0 && e != k) || (s == 1 && e == k &&
			    (e + 1 >= n || p[e + 1] != ' ')))
				continue;
			*form = s == 0 ? EV_VIEWER : EV_LIST;
			*nn = k;
			e++;
			while (e < n && is_blank(p[e]))
				e++;
			*v = e;
			return 1;
		}
	}
	return 0;
}

/* The form's names that begin an event: its first, and those a copy of
   Format-List output may begin with. */
static int starts_event(int form, const char *p, size_t nn)
{
	if (form == EV_VIEWER)
		return nn == 8 && !memcmp(p, "Log Name", 8);
	return (nn == 11 && !memcmp(p, "TimeCreated", 11)) || (nn == 5 && !memcmp(p, "Index", 5));
}

/* "Event ID:" of Event Viewer's form. */
static int is_event_id(int form, const char *p, size_t nn)
{
	return form == EV_VIEWER && nn == 8 && !memcmp(p, "Event ID", 8);
}

/* "Event ID: 1" and a line of text after it, the brief form a post
   quotes an event in (no other field, no "Description:"). */
static int brief_at(const sip_line *lines, size_t n, size_t i)
{
	const char *p = lines[i].p;
	size_t len = p ? lines[i].n : 0, nn, v, e;
	int form;

	if (i + 1 >= n || !field_at(p, len, &form, &nn, &v) || !is_event_id(form, p, nn))
		return 0;
	for (e = v; e < len && p[e] >= '0' && p[e] <= '9'; e++)
		;
	while (e < len && is_blank(p[e]))
		e++;
	if (e == v || e != len)
		return 0;   /* the id is a number, alone */
	p = lines[i + 1].p;
	len = p ? lines[i + 1].n : 0;
	return len > 0 && !is_blank(p[0]) && !field_at(p, len, &form, &nn, &v);
}

static int csv_header(const char *p, size_t n, ev_state *st);

static int probe(const sip_line *lines, size_t n)
{
	int seen[2][4] = { { 0 } }, form, brief = 0;
	size_t nn, v;

	for (size_t i = 0; i < n; i++)
		if (lines[i].p && csv_header(lines[i].p, lines[i].n, NULL))
			return 80;   /* an events CSV's header */
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0, lb = lead_blanks(p, len);
		if (lb) {
			/* an event indented as a block (a page's) too */
			p += lb;
			len -= lb;
		}
		if (!field_at(p, len, &form, &nn, &v))
			continue;
		brief |= brief_at(lines, n, i);
		int f = form == EV_VIEWER ? 0 : 1;
#define NAMED(s) (nn == sizeof(s) - 1 && !memcmp(p, s, nn))
		if (NAMED("Log Name") || NAMED("TimeCreated") || NAMED("Index"))
			seen[f][0] = 1;
		else if (NAMED("Source") || NAMED("ProviderName"))
			seen[f][1] = 1;
		else if (NAMED("Event ID") || NAMED("Id") || NAMED("InstanceId") ||
			 NAMED("EventID"))
			seen[f][2] = 1;
		else if (NAMED("Description") || NAMED("Message"))
			seen[f][3] = 1;
#undef NAMED
	}
	for (int f = 0; f < 2; f++) {
		int k = seen[f][0] + seen[f][1] + seen[f][2] + seen[f][3];
		/* Get-EventLog names the source "Source" too */
		if (k == 4 || (k == 3 && seen[f][1] && seen[f][2]))
			return 80;
	}
	return brief ? 40 : 0;
}

static void *ev_open(const sip_parse_opts *opts)
{
	ev_state *st = calloc(1, sizeof *st);

	if (!st)
		return NULL;
	if (opts) {
		snprintf(st->name, sizeof st->name, "%s", opts->name ? opts->name : "");
		st->warn = opts->warn;
		st->warn_ctx = opts->warn_ctx;
		st->max_record = opts->max_record;
	}
	if (!st->max_record)
		st->max_record = SIP_PARSER_MAX_RECORD;
	sip_buf_init(&st->raw, 0);
	sip_buf_init(&st->text, 0);
	sip_buf_init(&st->cols, 0);
	sip_buf_init(&st->cells, 0);
	return st;
}

static void ev_free(void *state)
{
	ev_state *st = state;

	if (!st)
		return;
	sip_buf_release(&st->raw);
	sip_buf_release(&st->text);
	sip_buf_release(&st->cols);
	sip_buf_release(&st->cells);
	free(st);
}

/* Where the fields' offsets point: the event's text, or for a CSV row
   the names and values taken out of it (their quotes off). */
static const char *fields_base(const ev_state *st)
{
	return st->form == EV_CSV ? st->cells.p : st->raw.p;
}

static sip_str span(const ev_state *st, size_t off, size_t n)
{
	return (sip_str){ fields_base(st) + off, n };
}

/* The value of the first field named one of names, or SIP_STR_NULL. */
static sip_str value_of(const ev_state *st, const char *const *names)
{
	for (size_t i = 0; i < st->nflds; i++)
		for (size_t k = 0; names[k]; k++)
			if (st->flds[i].nn == strlen(names[k]) &&
			    !memcmp(fields_base(st) + st->flds[i].noff, names[k], st->flds[i].nn))
				return st->flds[i].vn ? span(st, st->flds[i].voff, st->flds[i].vn)
						      : SIP_STR_NULL;
	return SIP_STR_NULL;
}

/* The level a trace would give: "Error" is TL_ERROR; also Get-WinEvent's
   Level as a number (1 critical ... 5 verbose), which its CSV export and
   Format-List * show beside LevelDisplayName. */
static sip_str level_of(sip_str v)
{
	static const struct { const char *name, *level; } map[] = {
		{ "Error", "TL_ERROR" }, { "Warning", "TL_WARN" },
		{ "Information", "TL_INFO" }, { "Critical", "TL_FATAL" },
		{ "Verbose", "TL_VERBOSE" }, { "FailureAudit", "TL_ERROR" },
		{ "SuccessAudit", "TL_INFO" },
		{ "1", "TL_FATAL" }, { "2", "TL_ERROR" }, { "3", "TL_WARN" },
		{ "4", "TL_INFO" }, { "5", "TL_VERBOSE" },
	};

	for (size_t i = 0; v.p && i < sizeof map / sizeof map[0]; i++)
		if (sip_str_ieq(v, map[i].name))
			return (sip_str){ map[i].level, strlen(map[i].level) };
	return SIP_STR_NULL;
}

/* Up to maxd digits at p[*i]: their value, or -1 when none. */
static int num(const char *p, size_t n, size_t *i, size_t maxd)
{
	int v = 0;
	size_t s = *i;

	while (*i < n && *i - s < maxd && p[*i] >= '0' && p[*i] <= '9')
		v = v * 10 + (p[(*i)++] - '0');
	return *i == s ? -1 : v;
}

/*
 * The event's date as "YYYY-MM-DD HH:MM:SS.mmm" into ts ("" when it cannot
 * be told): "3/14/2012 9:12:03 AM", "14/03/2012 09:12:03" (a day above 12),
 * "14.03.2012 09:12:03", "2012-03-14T09:12:03.3670000Z".
 */
static void date_of(sip_str v, char ts[24])
{
	const char *p = v.p;
	size_t n = v.n, i = 0;
	int a, b, c, y, mo, d, hh, mi, ss, ms = 0;
	char sep, buf[64];

	ts[0] = 0;
	if (!p || (a = num(p, n, &i, 4)) < 0 || i >= n)
		return;
	sep = p[i++];
	if ((sep != '/' && sep != '.' && sep != '-') || (b = num(p, n, &i, 2)) < 0 ||
	    i >= n || p[i++] != sep || (c = num(p, n, &i, 4)) < 0)
		return;
	if (i >= n || (p[i] != ' ' && p[i] != 'T'))
		return;
	i++;
	while (i < n && p[i] == ' ')
		i++;
	if ((hh = num(p, n, &i, 2)) < 0 || i >= n || p[i++] != ':' ||
	    (mi = num(p, n, &i, 2)) < 0 || i >= n || p[i++] != ':' ||
	    (ss = num(p, n, &i, 2)) < 0)
		return;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		size_t s = ++i;
		int f = num(p, n, &i, 3);
		if (f < 0)
			return;
		ms = i - s == 1 ? f * 100 : i - s == 2 ? f * 10 : f;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	while (i < n && p[i] == ' ')
		i++;
	if (i + 1 < n && (p[i + 1] == 'M' || p[i + 1] == 'm') &&
	    (p[i] == 'A' || p[i] == 'a' || p[i] == 'P' || p[i] == 'p')) {
		int pm = p[i] == 'P' || p[i] == 'p';
		if (hh < 1 || hh > 12)
			return;
		hh = hh % 12 + (pm ? 12 : 0);
		if (sep != '/')
			return;
		mo = a, d = b, y = c;          /* en-US: month first */
	} else if (sep == '-' && a > 999) {
		y = a, mo = b, d = c;          /* ISO */
	} else if (sep == '.') {
		d = a, mo = b, y = c;          /* day.month.year */
	} else if (sep == '/' && a > 12 && b <= 12) {
		d = a, mo = b, y = c;
	} else if (sep == '/' && b > 12 && a <= 12) {
		mo = a, d = b, y = c;
	} else {
		return;                        /* 03/04/2012: which is the month? */
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 ||
	    mi > 59 || ss > 60)
		return;
	snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y, mo, d, hh, mi, ss, ms);
	memcpy(ts, buf, 24);
}

static void reset(ev_state *st)
{
	st->form = EV_NONE;
	st->in_text = st->in_xml = st->brief = 0;
	st->indent = 0;
	st->nflds = 0;
	st->capped = 0;
	st->raw_end = 0;
	sip_buf_reset(&st->raw);
	sip_buf_reset(&st->text);
	sip_buf_reset(&st->cells);
	st->csv_q = 0;
}

/* Emit the event being read, then forget it. */
static int emit(ev_state *st, sip_record_fn fn, void *ctx, int at_end)
{
	static const char *const source[] = { "Source", "ProviderName", NULL };
	static const char *const computer[] = { "Computer", "MachineName", NULL };
	static const char *const level[] = { "LevelDisplayName", "EntryType", "Level", NULL };
	static const char *const date[] = { "Date", "TimeCreated", "TimeGenerated",
					    "Date and Time", NULL };
	sip_record *r = &st->rec;
	int rc;

	if (st->form == EV_NONE)
		return 0;
	memset(r, 0, sizeof *r);
	r->format = "event";
	r->line = st->line;
	r->end_line = st->end_line;
	r->offset = st->offset;
	r->raw = (sip_str){ st->raw.p, st->raw_end };   /* no blank lines after */
	r->kind = SIP_KIND_DIAGNOSTIC;
	r->truncated = st->capped;
	r->has_end = !at_end;
	r->pid = r->tid = r->seq = r->src_line = -1;
	r->peer_port = -1;
	r->is_request = -1;
	r->status = -1;
	for (size_t i = 0; i < st->nflds; i++)
		st->kv[i] = (sip_kv){ span(st, st->flds[i].noff, st->flds[i].nn),
				      span(st, st->flds[i].voff, st->flds[i].vn) };
	r->fields = st->kv;
	r->nfields = st->nflds;
	r->component = value_of(st, source);
	r->host = value_of(st, computer);
	for (size_t k = 0; level[k] && !r->level.p; k++) {
		const char *const one[] = { level[k], NULL };
		r->severity = value_of(st, one);
		r->level = level_of(r->severity);
	}
	if (!r->level.p)
		r->severity = value_of(st, level);   /* a level of no known name */
	date_of(value_of(st, date), r->ts);
	if (st->text.n) {
		r->text = (sip_str){ st->text.p, st->text.n };
		r->has_result = sip_find_code_symbol(r->text, &r->result_code, &r->result_symbol);
	}
	rc = fn(ctx, r);
	reset(st);
	return rc;
}

/* Add ln to the event's text: 0; 1 when it is past the cap (the line is
   dropped and the event marked truncated, with one warning); -1 when out
   of memory. */
static int add_raw(ev_state *st, const sip_line *ln)
{
	if (st->capped)
		return 1;
	if (st->raw.n + (ln->p ? ln->n : 0) + 2 > st->max_record) {
		st->capped = 1;
		warn(st, SIP_ETRUNCATED, st->line, "event longer than %zu bytes: cut at line %llu",
		     st->max_record, (unsigned long long)ln->lineno);
		return 1;
	}
	if (sip_parser_add_line(&st->raw, ln))
		return -1;
	for (size_t i = 0; ln->p && i < ln->n; i++)
		if (!is_blank(ln->p[i])) {
			st->end_line = ln->lineno;
			st->raw_end = st->raw.n;
			break;
		}
	return 0;
}

/* Append a line of the description to the text: trimmed, one blank
   between it and the line before. */
static int add_text(ev_state *st, const char *p, size_t n)
{
	while (n && is_blank(*p))
		p++, n--;
	while (n && is_blank(p[n - 1]))
		n--;
	if (!n)
		return 0;
	if (st->text.n && sip_buf_addc(&st->text, ' '))
		return -1;
	return sip_buf_add(&st->text, p, n);
}

/* A blank line (a code fence ends any event: is_fence). */
static int blank_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(p[i]))
		i++;
	return i == n;
}

/* ---- CSV ------------------------------------------------------------------ */

/* The cell p[a, b) without its quotes, "" read as ", appended to out. */
static int cell_add(sip_buf *out, const char *p, size_t a, size_t b)
{
	if (b - a >= 2 && p[a] == '"') {
		a++;
		if (p[b - 1] == '"')
			b--;
		for (size_t i = a; i < b; i++) {
			if (p[i] == '"' && i + 1 < b && p[i + 1] == '"')
				i++;
			if (sip_buf_addc(out, p[i]))
				return -1;
		}
		return 0;
	}
	return sip_buf_add(out, p + a, b - a);
}

/*
 * Whether line p is the header of an events CSV: Event Viewer's five
 * names (its sixth column, the description, has none: "Description"
 * here; a header made by hand may name it), or
 * PowerShell's property names, spelled as .NET spells them (a log
 * platform's lower-case "message", "id", "source" are its own), with
 * Message, an id, and a source or a time (Select-Object TimeCreated, Id,
 * Message keeps only those).  With st, its names become the columns.
 */
static int csv_header(const char *p, size_t n, ev_state *st)
{
	static const char *const viewer[] = {
		"Level", "Date and Time", "Source", "Event ID", "Task Category"
	};
	sip_buf names;
	size_t off[MAX_FIELDS], len[MAX_FIELDS], nf = 0, i = 0;
	int is_viewer, has_msg = 0, has_id = 0, has_src = 0, has_time = 0, ok;

	while (n && is_blank(p[n - 1]))
		n--;
	if (n < 10 || !memchr(p, ',', n) || (p[0] != '"' && p[0] != 'L'))
		return 0;
	sip_buf_init(&names, 0);
	while (i <= n && nf < MAX_FIELDS) {
		size_t e = sip_csv_cell_end(p, n, i);
		off[nf] = names.n;
		if (cell_add(&names, p, i, e)) {
			sip_buf_release(&names);
			return 0;
		}
		len[nf] = names.n - off[nf];
		nf++;
		i = e + 1;
	}
#define IS(k, s) (len[k] == sizeof(s) - 1 && !memcmp(names.p + off[k], s, len[k]))
	is_viewer = nf >= 5;
	for (size_t k = 0; k < nf; k++) {
		if (is_viewer && k < 5 && !(len[k] == strlen(viewer[k]) &&
					    sip_ieq(names.p + off[k], len[k], viewer[k], len[k])))
			is_viewer = 0;
		has_msg |= IS(k, "Message");
		has_id |= IS(k, "Id") || IS(k, "EventID") || IS(k, "InstanceId");
		has_src |= IS(k, "ProviderName") || IS(k, "Source");
		has_time |= IS(k, "TimeCreated") || IS(k, "TimeGenerated");
	}
#undef IS
	ok = is_viewer || (has_msg && has_id && (has_src || has_time));
	if (ok && st) {
		sip_buf_reset(&st->cols);
		st->ncols = 0;
		for (size_t k = 0; k < nf; k++) {
			st->coff[k] = st->cols.n;
			st->clen[k] = len[k];
			if (sip_buf_add(&st->cols, names.p + off[k], len[k]))
				ok = 0;
		}
		st->ncols = nf;
		st->csv_viewer = is_viewer;
		st->text_col = nf;
		for (size_t k = 0; k < nf && !is_viewer; k++)
			if (len[k] == 7 && !memcmp(names.p + off[k], "Message", 7))
				st->text_col = k;
		if (is_viewer && nf == 5) {
			st->coff[nf] = st->cols.n;
			st->clen[nf] = 11;
			if (sip_buf_add(&st->cols, "Description", 11))
				ok = 0;
			st->ncols++;
		}
		if (is_viewer)
			st->text_col = 5;
		st->csv = ok;
	}
	sip_buf_release(&names);
	return ok;
}

/* The row read (st->raw): its cells become the fields, the description
   (or Message) the text; emitted as an event when it has three cells
   or more (a line of a post's own is not one). */
static int csv_emit(ev_state *st, sip_record_fn fn, void *ctx, int at_end)
{
	const char *p = st->raw.p;
	size_t n = st->raw_end, i = 0, nf = 0;

	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	while (i <= n && nf < st->ncols && nf < MAX_FIELDS) {
		size_t e = sip_csv_cell_end(p, n, i), noff = st->cells.n, voff;
		if (st->csv_viewer && nf == 5 && nf + 1 == st->ncols && i < n && p[i] != '"')
			e = n;   /* an unquoted description, last: to the row's end */
		if (sip_buf_add(&st->cells, st->cols.p + st->coff[nf], st->clen[nf]))
			return SIP_ENOMEM;
		voff = st->cells.n;
		if (cell_add(&st->cells, p, i, e))
			return SIP_ENOMEM;
		st->flds[nf] = (ev_field){ noff, st->clen[nf], voff, st->cells.n - voff };
		nf++;
		i = e + 1;
	}
	if (nf < 3) {
		reset(st);
		return 0;
	}
	st->nflds = nf;
	if (st->text_col < nf) {
		const char *v = st->cells.p + st->flds[st->text_col].voff;
		size_t vn = st->flds[st->text_col].vn;
		while (vn) {
			const char *nl = memchr(v, '\n', vn);
			size_t ln = nl ? (size_t)(nl - v) : vn;
			if (add_text(st, v, ln))
				return SIP_ENOMEM;
			vn -= nl ? ln + 1 : ln;
			v += nl ? ln + 1 : ln;
		}
	}
	return emit(st, fn, ctx, at_end);
}

/* A line of a CSV export: a row, or a part of one a quoted cell goes on
   into; blank lines between rows, and a header again, are no event. */
static int csv_feed(ev_state *st, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, i = 0;

	if (st->form == EV_NONE) {
		while (i < n && is_blank(p[i]))
			i++;
		if (i == n || csv_header(p, n, st))
			return 0;
		st->form = EV_CSV;
		st->line = ln->lineno;
		st->offset = ln->offset;
		st->csv_q = 0;
	}
	if (add_raw(st, ln) < 0)
		return SIP_ENOMEM;
	for (i = 0; i < n; i++)
		if (p[i] == '"')
			st->csv_q = !st->csv_q;
	return st->csv_q ? 0 : csv_emit(st, fn, ctx, 0);
}

static int ev_feed(void *state, const sip_line *ln, sip_record_fn fn, void *ctx)
{
	ev_state *st = state;
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, nn = 0, v = 0, off, skip;
	int form = EV_NONE, field, rc, raw;

	if (st->csv)
		return csv_feed(st, ln, fn, ctx);
	if (st->form == EV_NONE && csv_header(p, n, st))
		return 0;
	/* a code fence ends a page's event (its text is not the page's) */
	if (st->form != EV_NONE && is_fence(p, n))
		return emit(st, fn, ctx, 0);
	{
		/* the blanks before an event's first field are the page's
		   (a list item's code block): taken off its lines, up to as
		   many (Format-List's own indent stays) */
		size_t lb = lead_blanks(p, n);
		if (st->form == EV_NONE)
			st->indent = lb < n && field_at(p + lb, n - lb, &form, &nn, &v) &&
				     (starts_event(form, p + lb, nn) ||
				      is_event_id(form, p + lb, nn)) ? lb : 0;
		skip = lb < st->indent ? lb : st->indent;
		/* Event Viewer's fields stand at the margin: a copy that
		   indented some of them (" Source:  ...") indented them all
		   (Format-List's indent means a line of the message) */
		if (st->form == EV_VIEWER && !st->in_text && !st->in_xml && lb < n)
			skip = lb;
		if (skip) {
			p += skip;
			n -= skip;
		}
	}
	field = field_at(p, n, &form, &nn, &v);
	if (field && st->form == EV_VIEWER && st->in_text && !starts_event(form, p, nn) &&
	    !(st->brief && is_event_id(form, p, nn))) {
		field = 0;   /* a line of the description */
	} else if (field) {
		int again = 0;
		for (size_t i = 0; i < st->nflds && !again; i++)
			again = st->flds[i].nn == nn &&
				!memcmp(st->raw.p + st->flds[i].noff, p, nn);
		if (starts_event(form, p, nn) || (st->form != EV_NONE && again)) {
			if ((rc = emit(st, fn, ctx, 0)))
				return rc;
		}
		if (st->form == EV_NONE && !starts_event(form, p, nn)) {
			if (is_event_id(form, p, nn))
				st->brief = 1;
			else
				field = 0;   /* before any event */
		}
	}
	/* a brief event's text ends at a blank line (or a code fence,
	   above) */
	if (!field && st->brief && st->text.n && blank_line(p, n))
		return emit(st, fn, ctx, 0);
	if (!field && st->form == EV_LIST && n && !is_blank(p[0]) &&
	    (rc = emit(st, fn, ctx, 0)))
		return rc;   /* Format-List indents what is not a field */
	if (!field && st->form == EV_NONE)
		return 0;    /* text around the events */
	if (!field && st->form == EV_VIEWER && n >= 10 && !memcmp(p, "Event Xml:", 10)) {
		st->in_xml = 1;
		st->in_text = 0;
	}
	if (st->form == EV_NONE) {
		st->form = form;
		st->line = ln->lineno;
		st->offset = ln->offset;
	}
	off = st->raw.n;
	if ((raw = add_raw(st, ln)) < 0)
		return SIP_ENOMEM;
	if (st->in_xml) {
		/* the XML ends the event: what follows is the post's own */
		if (n >= 8 && !memcmp(p, "</Event>", 8))
			return emit(st, fn, ctx, 0);
		return 0;
	}
	if (raw)
		return 0;
	if (!field) {
		if (st->in_text && add_text(st, p, n))
			return SIP_ENOMEM;
		return 0;
	}
	if (st->nflds < MAX_FIELDS) {
		size_t e = n;
		while (e > v && is_blank(p[e - 1]))
			e--;
		st->flds[st->nflds++] = (ev_field){ off + skip, nn, off + skip + v, e - v };
	}
	st->in_text = (nn == 11 && !memcmp(p, "Description", 11)) ||
		      (nn == 7 && !memcmp(p, "Message", 7)) || (st->brief && st->nflds == 1);
	if (st->in_text && !st->brief && add_text(st, p + v, n - v))
		return SIP_ENOMEM;
	return 0;
}

static int ev_from_start(const void *state)
{
	return ((const ev_state *)state)->csv;
}

static int ev_close(void *state, sip_record_fn fn, void *ctx)
{
	ev_state *st = state;

	if (st->form == EV_CSV) {
		if (st->csv_q) {
			/* inside a quoted cell: the export was cut short */
			warn(st, SIP_ETRUNCATED, st->line, "event cut short by the end of input");
			st->capped = 1;
		}
		return csv_emit(st, fn, ctx, 1);
	}
	return emit(st, fn, ctx, 1);
}

const sip_parser_ops sip_winevent_parser = {
	1,
	"event",
	"Windows events copied as text (Event Viewer, Get-WinEvent / Get-EventLog | Format-List)",
	probe,
	ev_open,
	ev_feed,
	ev_close,
	ev_free,
	NULL,   /* in_body */
	ev_from_start,
};
