/*
 * prefix.c -- detecting and stripping the prefix of pasted traces (see
 * prefix.h).
 *
 * Each kind is a small hand-written matcher returning the prefix length of
 * one line, or -1 when the line does not carry it.  A kind qualifies when
 * at least half of the non-empty probe lines (and at least two) carry it:
 * a forum post has prose around the numbered lines.  Lines without the
 * prefix are fed as they are.
 * Detection tries every sequence of qualifying kinds (quoting, then line
 * numbers, then indentation, in any order, each once: a quoted numbered
 * paste needs two before any parser knows it) and keeps the one whose
 * stripped lines the registered parsers score highest, if that beats the
 * lines as they are: about 300 probes of SIP_PROBE_LINES lines at most
 * (see search()), once per input that no parser knows as it is.  After
 * detection, stripping a line costs one pass over its first bytes.
 */
#include "prefix.h"

#include <stdio.h>
#include <string.h>

#include "../parsers/parser.h"
#include "sip.h"

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t lead_blanks(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && blank(p[i]))
		i++;
	return i;
}

/* "  12. ", "12:", "12: ", "0012| ", "12)", "12\t", "12 ": blanks, digits,
   a separator, blanks. */
static long lineno_len(const char *p, size_t n)
{
	size_t i = 0, d;

	while (i < n && blank(p[i]))
		i++;
	d = i;
	while (i < n && digit(p[i]) && i - d < 8)
		i++;
	if (i == d || i - d > 7)
		return -1;
	if (i == n)
		return (long)i;          /* a numbered empty line */
	if (p[i] == '.' || p[i] == ':' || p[i] == ')' || p[i] == '|') {
		i++;
	} else if (!blank(p[i])) {
		return -1;
	}
	/* one blank (or a tab) after the separator; a numbered line whose
	   text is indented keeps the rest for the indentation round */
	if (i < n && blank(p[i]))
		i++;
	return (long)i;
}

/* ">", "> ", ">> ", "> > ": quote marks with blanks between, one blank. */
static long quote_len(const char *p, size_t n)
{
	size_t i = 0, last = 0;
	int marks = 0;

	while (i < n && blank(p[i]) && i < 4)
		i++;
	while (i < n && p[i] == '>') {
		marks++;
		i++;
		last = i;
		while (i < n && p[i] == ' ' && i - last < 1)
			i++;
	}
	if (!marks)
		return -1;
	return (long)(last < n && p[last] == ' ' ? last + 1 : last);
}

size_t sip_prefix_quote_len(const char *p, size_t n)
{
	long l = quote_len(p, n);

	return l < 0 ? 0 : (size_t)l;
}

/* "| ", "# ", "// ": a mark after at most 4 blanks, then one blank. */
static long mark_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && blank(p[i]) && i < 4)
		i++;
	if (i < n && (p[i] == '|' || p[i] == '#'))
		i++;
	else if (i + 1 < n && p[i] == '/' && p[i + 1] == '/')
		i += 2;
	else
		return -1;
	if (i < n && blank(p[i]))
		i++;
	return (long)i;
}

/* "[10:42 AM] ", "[2014-03-11 08:14] alice: ": a bracket of at most 48
   bytes first on the line, then one blank. */
static long stamp_len(const char *p, size_t n)
{
	const char *e;

	if (!n || p[0] != '[' || !(e = memchr(p, ']', n < 50 ? n : 50)))
		return -1;
	size_t i = (size_t)(e - p) + 1;
	if (i < n && blank(p[i]))
		i++;
	return (long)i;
}

/* The log file names grep -H prints without line numbers end with one of
   these: "fe01.log:", "trace.log.gz-", "Lync-UccApi-0.UccApilog:". */
static const char *const log_exts[] = { ".log", ".txt", ".gz", ".uccapilog", ".etl" };

/* grep -H without -n: a path with a log file's extension and at once ':'
   (a match) or '-' (a context line); its length from p + i, or 0. */
static size_t path_only_len(const char *p, size_t n, size_t i)
{
	for (size_t k = i + 1; k < n && !blank(p[k]); k++) {
		if (p[k] != ':' && p[k] != '-')
			continue;
		for (size_t x = 0; x < sizeof log_exts / sizeof log_exts[0]; x++) {
			size_t el = strlen(log_exts[x]);
			if (k - i > el && sip_ieq(p + k - el, el, log_exts[x], el))
				return k + 1;
		}
	}
	return 0;
}

/*
 * What grep -n, grep -Hn and PowerShell's Select-String print before each
 * line: "96:" or "97-" (a match, a context line), "trace.log:96:" or
 * "C:\logs\trace.log-97-", Select-String's "> " (a match) or "  " (a
 * context line) before the path, and grep's "--" between the groups (the
 * whole line).  The path is a run of non-blank bytes: the first place in
 * it where a ':' or '-', 1-9 digits and the same mark follow a byte that
 * is not a digit, and whose path holds a '.' (trace.log, not the
 * "SIPStack-2012-" of SIPStack-2012-03-14.log), else the last such place.
 * Without line numbers (grep -H alone) only a path whose name ends as a
 * log file's does ("fe01.log:", "trace.log.gz-"): see path_only_len.
 */
static long grep_len(const char *p, size_t n)
{
	size_t i = 0, at = 0, end;
	int dot = 0, at_dot = 0;

	if (sip_group_separator(p, n))
		return (long)n;
	if (n > 2 && ((p[0] == '>' && p[1] == ' ') || (p[0] == ' ' && p[1] == ' ')) &&
	    !blank(p[2]))
		i = 2;
	/* "96:", "97-" */
	for (end = i; end < n && digit(p[end]) && end - i < 9; end++)
		;
	if (end > i && end < n && (p[end] == ':' || p[end] == '-'))
		return (long)end + 1;
	for (size_t k = i; k < n && !blank(p[k]); k++) {
		size_t d = k + 1;
		if (p[k] == '.')
			dot = 1;
		if ((p[k] != ':' && p[k] != '-') || k == i || digit(p[k - 1]))
			continue;
		while (d < n && digit(p[d]) && d - k <= 9)
			d++;
		if (d == k + 1 || d - k > 9 || d >= n || p[d] != p[k])
			continue;
		at = d + 1;
		if ((at_dot = dot))
			break;
	}
	if (!at_dot) {
		/* no line numbers after a path with a '.': maybe none at all */
		size_t po = path_only_len(p, n, i);
		if (po)
			at = po;
	}
	return at ? (long)at : (i == 2 ? 2 : -1);
}

/* The digits p[i..i+k) all there. */
static int digits_at(const char *p, size_t n, size_t i, size_t k)
{
	if (i + k > n)
		return 0;
	for (size_t j = i; j < i + k; j++)
		if (!digit(p[j]))
			return 0;
	return 1;
}

/* Whether p (3 bytes or more) starts with a month's English name. */
static int month(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int m = 0; m < 12; m++)
		if (!memcmp(p, months + 3 * m, 3))
			return 1;
	return 0;
}

/* The length of the time a collector writes first (ISO 8601, syslog's
   "Dec  5 10:00:00"), or 0. */
static size_t collector_time_len(const char *p, size_t n)
{
	size_t i;

	if (digits_at(p, n, 0, 4) && n > 19 && p[4] == '-' && digits_at(p, n, 5, 2) &&
	    p[7] == '-' && digits_at(p, n, 8, 2) && (p[10] == 'T' || p[10] == ' ') &&
	    digits_at(p, n, 11, 2) && p[13] == ':' && digits_at(p, n, 14, 2) &&
	    p[16] == ':' && digits_at(p, n, 17, 2)) {
		i = 19;
		if (i < n && (p[i] == '.' || p[i] == ','))
			for (i++; i < n && digit(p[i]); i++)
				;
		if (i < n && p[i] == 'Z')
			i++;
		else if (i + 5 < n && (p[i] == '+' || p[i] == '-') && digits_at(p, n, i + 1, 2))
			i += p[i + 3] == ':' ? 6 : 5;
		return i;
	}
	if (n > 16 && month(p) && p[3] == ' ' && (digit(p[4]) || p[4] == ' ') &&
	    digit(p[5]) && p[6] == ' ' &&
	    digits_at(p, n, 7, 2) && p[9] == ':' && digits_at(p, n, 10, 2) && p[12] == ':' &&
	    digits_at(p, n, 13, 2))
		return 15;
	return 0;
}

/* The words of a syslog header after the time: blanks, a word, blanks. */
static size_t skip_word(const char *p, size_t n, size_t i)
{
	while (i < n && !blank(p[i]))
		i++;
	return i + lead_blanks(p + i, n - i);
}

/*
 * What a log collector puts before each line it ships: an ISO 8601 time
 * ("2026-12-05T10:00:00.123Z", "2026-12-05 10:00:00,123+01:00") or a
 * syslog one ("Dec  5 10:00:00"), blanks, then maybe the host and a
 * syslog tag ("fe01 ", "fe01 OCSLogger[2044]: ").  The host is a word
 * that is not itself where the trace begins: no "Name:" field, no "TL_"
 * header or "$$" marker, no client stamp, no SIP start line; and a word
 * followed by nothing is the line's text (a "$$end_record").
 */
static long logstamp_body(const char *p, size_t n)
{
	size_t i, w;

	if (!(i = collector_time_len(p, n)))
		return -1;
	if (i < n && !blank(p[i]))
		return -1;
	while (i < n && blank(p[i]))
		i++;
	/* the host, and a tag "name[pid]:" */
	for (w = i; w < n && !blank(p[w]); w++)
		;
	if (w > i && w < n && p[w - 1] != ':' && !(w - i >= 3 && !memcmp(p + i, "TL_", 3)) &&
	    !(w - i >= 2 && !memcmp(p + i, "$$", 2)) &&
	    !(w - i >= 11 && p[i + 2] == '/' && p[i + 10] == '|') &&
	    !sip_is_start_line(p + i, n - i)) {
		size_t t = w;
		while (t < n && blank(p[t]))
			t++;
		i = t;
		for (w = i; w < n && !blank(p[w]); w++)
			;
		if (w > i + 3 && p[w - 1] == ':' && p[w - 2] == ']' && memchr(p + i, '[', w - i)) {
			while (w < n && blank(p[w]))
				w++;
			i = w;
		}
	}
	return (long)i;
}

/*
 * A syslog line as written to a file with its priority kept: "<134>"
 * before the time (RFC 3164), or "<134>1 " and, after the time, the host,
 * the application, the process id, the message id and the structured
 * data ("-" or "[...]"), each one word (RFC 5424).
 */
static long logstamp_len(const char *p, size_t n)
{
	size_t k = 1;
	long b;

	if (!n || p[0] != '<')
		return logstamp_body(p, n);
	while (k < n && k < 4 && digit(p[k]))
		k++;
	if (k == 1 || k >= n || p[k] != '>')
		return -1;
	k++;
	if (k + 1 < n && p[k] == '1' && p[k + 1] == ' ') {
		size_t i;
		k += 2;
		if (!(i = collector_time_len(p + k, n - k)) || k + i >= n || !blank(p[k + i]))
			return -1;
		i += k;
		i += lead_blanks(p + i, n - i);
		for (int w = 0; w < 4 && i < n; w++)
			i = skip_word(p, n, i);
		if (i < n && p[i] == '[') {
			/* structured data: [id k="v" ...], one or more */
			while (i < n && p[i] == '[') {
				const char *e = memchr(p + i, ']', n - i);
				if (!e)
					return -1;
				i = (size_t)(e - p) + 1;
			}
			i += lead_blanks(p + i, n - i);
		} else {
			i = skip_word(p, n, i);   /* "-" */
		}
		return (long)i;
	}
	b = logstamp_body(p + k, n - k);
	return b < 0 ? -1 : (long)k + b;
}

/*
 * A syslog tag without a process id after a collector's time and host
 * ("SIPStack: ", "lync: "): one word of at most 48 bytes ending in ':',
 * then blanks.  Field names have that form too ("Severity: error"), so
 * this kind is tried only right after SIP_PREFIX_LOGSTAMP, and kept only
 * when the parsers score the lines without it higher (search()).
 */
static long tag_len(const char *p, size_t n)
{
	size_t w = 0;

	while (w < n && !blank(p[w]) && w < 48)
		w++;
	if (w < 2 || p[w - 1] != ':' || (w < n && !blank(p[w])) ||
	    (w >= 3 && !memcmp(p, "TL_", 3)) || memchr(p, '$', w))
		return -1;
	while (w < n && blank(p[w]))
		w++;
	return (long)w;
}

/* "[10:42 AM] alice: ", "[12/05/2026 10:42] Alice Smith: ": a chat
   tool's stamp, then the name of who wrote (one to three words of at most
   40 bytes) and ": ". */
static long stamp_name_len(const char *p, size_t n)
{
	long s = stamp_len(p, n);
	size_t i, words = 1;

	if (s < 0)
		return -1;
	for (i = (size_t)s; i < n && i - (size_t)s < 40 && p[i] != ':'; i++) {
		if (p[i] == ' ' && ++words > 3)
			return -1;
		if (p[i] == '\t' || p[i] == '(' || p[i] == '[' || p[i] == '<')
			return -1;
	}
	if (i == (size_t)s || i >= n || p[i] != ':' || i + 1 >= n || p[i + 1] != ' ')
		return -1;
	return (long)i + 2;
}


/* Each kind's matcher (none for the indentation, which depends on the
   lines) and what a note calls it. */
static const struct {
	long (*len)(const char *p, size_t n);
	const char *what;
} kind_defs[] = {
	[SIP_PREFIX_LINENO] = { lineno_len, "line numbers" },
	[SIP_PREFIX_QUOTE] = { quote_len, "'>' quoting" },
	[SIP_PREFIX_INDENT] = { NULL, "indentation" },
	[SIP_PREFIX_MARK] = { mark_len, "marks ('|', '#', '//')" },
	[SIP_PREFIX_STAMP] = { stamp_len, "bracketed stamps" },
	[SIP_PREFIX_GREP] = { grep_len, "file names, line numbers and marks of grep or Select-String" },
	[SIP_PREFIX_LOGSTAMP] = { logstamp_len, "times and hosts of a log collector (syslog, ISO 8601)" },
	[SIP_PREFIX_STAMP_NAME] = { stamp_name_len, "chat stamps and names" },
	[SIP_PREFIX_TAG] = { tag_len, "syslog tags" },
};

static long kind_len(int kind, size_t indent, const char *p, size_t n)
{
	if (kind == SIP_PREFIX_INDENT) {
		size_t b = lead_blanks(p, n);
		return b >= indent ? (long)indent : -1;
	}
	if (kind <= 0 || (size_t)kind >= sizeof kind_defs / sizeof kind_defs[0] ||
	    !kind_defs[kind].len)
		return -1;
	return kind_defs[kind].len(p, n);
}

size_t sip_prefix_len(const sip_prefix *pf, const char *p, size_t n)
{
	size_t off = 0;

	for (int k = 0; k < pf->n; k++) {
		long l = kind_len(pf->kind[k], pf->indent, p + off, n - off);
		if (l < 0) {
			/* an indented line carries part of the indentation
			   at least: strip what blanks there are */
			if (pf->kind[k] == SIP_PREFIX_INDENT)
				off += lead_blanks(p + off, n - off);
			continue;
		}
		off += (size_t)l;
	}
	return off;
}

/* Strip kind from every line of in into out (same count); returns how many
   non-empty lines carried it, *nonempty how many there were. */
static size_t strip_all(int kind, size_t indent, const sip_line *in, sip_line *out,
			size_t n, size_t *nonempty)
{
	size_t hits = 0;

	*nonempty = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = in[i].p;
		size_t len = p ? in[i].n : 0;
		long l;
		out[i] = in[i];
		if (lead_blanks(p, len) == len)
			continue;
		(*nonempty)++;
		l = kind_len(kind, indent, p, len);
		if (l < 0)
			continue;
		hits++;
		out[i].p = p + l;
		out[i].n = len - (size_t)l;
	}
	return hits;
}

/* The indentation common to the indented non-empty lines (0 when none):
   the prose around a code block of a forum post or a Markdown page ("Hi
   all, we see this:", then the trace indented by four blanks) is not
   indented, and is left as it is (search() wants the indentation on half
   of the non-empty lines at least). */
static size_t common_indent(const sip_line *lines, size_t n)
{
	size_t indent = (size_t)-1;

	for (size_t i = 0; i < n; i++) {
		size_t len = lines[i].p ? lines[i].n : 0;
		size_t b = lead_blanks(lines[i].p, len);
		if (b > 0 && b < len && b < indent)
			indent = b;
	}
	return indent == (size_t)-1 ? 0 : indent;
}

/*
 * Depth-first over the sequences of kinds (each used once, each carried by
 * half of the non-empty lines as the kinds before it left them): keep in
 * *best the sequence whose stripped lines score highest, the shorter on a
 * tie.  At most 8 + 56 + 224 probes, and one more after each sequence
 * that ends in a collector's stamp (its tag), for an input no parser
 * knows as it is.
 */
static void search(const sip_line *cur, size_t n, sip_prefix *seq, int score,
		   sip_prefix *best, int *best_score)
{
	static const int kinds[] = { SIP_PREFIX_QUOTE, SIP_PREFIX_LINENO, SIP_PREFIX_INDENT,
				     SIP_PREFIX_MARK, SIP_PREFIX_STAMP, SIP_PREFIX_GREP,
				     SIP_PREFIX_LOGSTAMP, SIP_PREFIX_STAMP_NAME, SIP_PREFIX_TAG };
	sip_line tmp[SIP_PROBE_LINES];

	if (score > *best_score || (score == *best_score && seq->n < best->n)) {
		*best = *seq;
		*best_score = score;
	}
	if (seq->n == SIP_PREFIX_MAX || *best_score >= 100)
		return;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		size_t indent = 0, hits, nonempty;
		int used = 0;
		for (int u = 0; u < seq->n; u++)
			if (seq->kind[u] == kinds[k])
				used = 1;
		if (used || (kinds[k] == SIP_PREFIX_TAG &&
			     (!seq->n || seq->kind[seq->n - 1] != SIP_PREFIX_LOGSTAMP)))
			continue;
		if (kinds[k] == SIP_PREFIX_INDENT && !(indent = common_indent(cur, n)))
			continue;
		hits = strip_all(kinds[k], indent, cur, tmp, n, &nonempty);
		if (hits < 2 || hits * 2 < nonempty)
			continue;
		seq->kind[seq->n++] = kinds[k];
		if (kinds[k] == SIP_PREFIX_INDENT)
			seq->indent = indent;
		search(tmp, n, seq, sip_parser_probe_score(tmp, n), best, best_score);
		seq->n--;
		if (kinds[k] == SIP_PREFIX_INDENT)
			seq->indent = 0;
	}
}

void sip_prefix_detect(const sip_line *lines, size_t n, sip_prefix *pf)
{
	sip_prefix seq;
	int base, best;

	memset(pf, 0, sizeof *pf);
	memset(&seq, 0, sizeof seq);
	if (n > SIP_PROBE_LINES)
		n = SIP_PROBE_LINES;
	if (!n || (base = sip_parser_probe_score(lines, n)) >= 100)
		return;
	best = base;
	search(lines, n, &seq, base, pf, &best);
	if (best <= base)
		memset(pf, 0, sizeof *pf);
}

const char *sip_prefix_describe(const sip_prefix *pf, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = 0;
	for (int k = 0; k < pf->n && at < size; k++) {
		const char *w = kind_defs[pf->kind[k]].what;
		int r = snprintf(buf + at, size - at, "%s%s", k ? " and " : "", w);
		if (r < 0)
			break;
		at += (size_t)r;
	}
	return buf;
}
