/*
 * scan.c -- one input from bytes to records.
 *
 * Design: the reader is pull-based (sip_reader_next) and the parsers are
 * push-based (feed one line, records come out of a callback).  scan sits
 * between them: it keeps the first lines of the input (copied, because a
 * reader line lives only until the next call) to let every registered
 * parser score them, then replays those lines into the winner and streams
 * the rest.  Probing on content, never on the file name, is what lets a
 * renamed .txt or an extension-less CLS export be read.
 *
 * Incremental runs: when the caller gives resume_offset/resume_line, a plain
 * UTF-8 file is entered by seeking (the reader does it); any other input is
 * read from the start and records before resume_line are dropped here.
 *
 * Pasted traces: when the first lines carry a prefix (line numbers, '>'
 * quoting, indentation: prefix.h) whose removal lets a parser recognise
 * them better, every line is fed without it; the line numbers and offsets
 * stay those of the file, the record text is the text without the prefix,
 * and one note says what was stripped.  A trace copied out of a window
 * that wrapped its long lines at a fixed width (a terminal, a viewer) has
 * many lines of exactly that width and none longer: such a line is joined
 * with the line after it, as it was before the copy, and a note says so.
 * An input that a parser accepted but that gave no record is an error
 * (SIP_EFORMAT), never a silent success.
 */
#include "scan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prefix.h"
#include "sip.h"

/*
 * A probed line counts as at most PROBE_LINE_WEIGHT bytes of the probe's
 * SIP_PROBE_BYTES: a first line of a MiB (a blob, a dump, a header line
 * an export tool wrote) no longer ends the probe on its own, and the
 * trace after it is recognised.  The probe keeps whole lines (they are
 * parsed later as they were read), at most PROBE_TEXT_MAX bytes of them.
 */
#define PROBE_LINE_WEIGHT ((size_t)16 * 1024)
#define PROBE_TEXT_MAX ((size_t)SIP_PROBE_BYTES + 4 * (size_t)SIP_READER_MAX_LINE)

/* The lines kept for probing: their text lives in one buffer. */
typedef struct probe_set {
	sip_line lines[SIP_PROBE_LINES];
	size_t starts[SIP_PROBE_LINES];
	size_t rawn[SIP_PROBE_LINES];   /* each line's length as read */
	size_t n;
	sip_buf text;
} probe_set;

/* Wrapped lines: the width, and the line being joined. */
typedef struct unwrap {
	size_t width;
	unsigned eol;         /* what ends a piece (LF in a CRLF file that
	                         was wrapped with LF: its CRLF lines of that
	                         width are whole) */
	int on_raw;           /* told by the lengths as read (else by the
	                         lengths decoded and without the prefix) */
	int soft;             /* wrapped at blanks (a mail, fold -s): a
	                         piece ends with the blank it was broken at
	                         and the next line's first word would not
	                         have fitted after it (soft_goes_on) */
	size_t held_n;        /* the last piece held: its length, */
	int held_blank;       /* and whether it ended with a blank */
	uint64_t cut;         /* joined lines cut at SIP_READER_MAX_LINE, */
	uint64_t cut_line;    /* the first of them */
	int open;
	sip_line first;       /* the first piece's number and offset */
	sip_buf text;
	int html;             /* HTML entities to decode (a trace copied out
	                         of a page's source: &lt;sip:...&gt;) */
	int nbsp;             /* no-break spaces to make spaces (a trace
	                         pasted through a page or a word processor) */
	int hyph;             /* typographic hyphens to make '-' (a page that
	                         keeps "WWW-Authenticate" on one line writes
	                         it with U+2011) */
	int qp;               /* quoted-printable (a mail's source): =XX
	                         decoded, a line ending in '=' joined to the
	                         next without it */
	int ansi;             /* terminal colour codes to take out (grep
	                         --color=always saved to a file) */
	int fmt;              /* zero-width characters and soft hyphens to
	                         take out, ligatures to spell out (a page, a
	                         PDF) */
	sip_buf dec;
	int br;               /* lines that end in <br> (a page's source):
	                         it is taken off */
	int undouble;         /* a blank line after every line (a paste that
	                         made each line a paragraph): every other
	                         blank line is dropped */
	unsigned blank_run;   /* blank lines read since the last other one */
} unwrap;

/* The length of a no-break space at p[k] (UTF-8 C2 A0, or a Windows-1252
   A0 after an ASCII byte), or 0.  Also the "Â " a page shows where one was
   read as Windows-1252 and written again as UTF-8 (C3 82 C2 A0, or C3 82
   before a space where the no-break space itself was made one). */
static size_t nbsp_at(const char *p, size_t n, size_t k)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[k] == 0xC3 && k + 2 < n && u[k + 1] == 0x82) {
		if (k + 3 < n && u[k + 2] == 0xC2 && u[k + 3] == 0xA0)
			return 4;
		if (u[k + 2] == ' ')
			return 2;
	}
	if (u[k] == 0xC2 && k + 1 < n && u[k + 1] == 0xA0)
		return 2;
	if (u[k] == 0xA0 && (k == 0 || u[k - 1] < 0x80))
		return 1;
	return 0;
}

/* A byte of a field name ("Call-ID", "ms-diagnostics", "Peer_IP"). */
static int name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* The length of a hyphen (U+2010) or non-breaking hyphen (U+2011) at
   p[k], in UTF-8, or 0. */
static size_t hyph_at(const char *p, size_t n, size_t k)
{
	const unsigned char *u = (const unsigned char *)p;

	return u[k] == 0xE2 && k + 2 < n && u[k + 1] == 0x80 &&
	       (u[k + 2] == 0x90 || u[k + 2] == 0x91) ? 3 : 0;
}

/* Whether a probed line has a field name with such a hyphen in it
   ("WWW\u2011Authenticate:", "Call\u2011ID:"): a trace copied out of a
   page.  Then every such hyphen is read as '-' (no trace has one). */
static int hyph_named(const sip_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t len = p ? lines[i].n : 0, k = 0;
		while (k < len && (p[k] == ' ' || p[k] == '\t'))
			k++;
		for (int hy = 0; k < len; k++) {
			size_t h = hyph_at(p, len, k);
			if (h) {
				hy = 1;
				k += h - 1;
			} else if (p[k] == ':') {
				if (hy)
					return 1;
				break;
			} else if (!name_char(p[k])) {
				break;
			}
		}
	}
	return 0;
}

/* Whether p starts with the entity of a no-break space, "&nbsp;" (a page
   whose other markup is not escaped still writes it so). */
static int nbsp_entity(const char *p, size_t n)
{
	return n >= 6 && p[0] == '&' && !memcmp(p, "&nbsp;", 6);
}

/* Whether a quarter of the probed lines or more have a no-break space:
   then it stands for a space throughout (one in a message's text is
   left alone). */
static int nbsp_spaced(const sip_line *lines, size_t n)
{
	size_t with = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; lines[i].p && k < lines[i].n; k++)
			if (nbsp_at(lines[i].p, lines[i].n, k) ||
			    nbsp_entity(lines[i].p + k, lines[i].n - k)) {
				with++;
				break;
			}
	return with && with * 4 >= n;
}

/* The value of a hex digit of either case, or -1. */
static int hex_digit(char c)
{
	unsigned char d = (unsigned char)c;

	if (d >= '0' && d <= '9')
		return d - '0';
	if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f')
		return (d | 0x20) - 'a' + 10;
	return -1;
}

/* The entity at p (n bytes on), as its character in *c: its length, or 0. */
static size_t entity(const char *p, size_t n, char *c)
{
	static const struct { const char *e; size_t n; char c; } ents[] = {
		{ "&lt;", 4, '<' }, { "&gt;", 4, '>' }, { "&amp;", 5, '&' },
		{ "&quot;", 6, '"' }, { "&#34;", 5, '"' }, { "&#39;", 5, '\'' },
		{ "&apos;", 6, '\'' }, { "&nbsp;", 6, ' ' },
	};

	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++)
		if (n >= ents[i].n && !memcmp(p, ents[i].e, ents[i].n)) {
			*c = ents[i].c;
			return ents[i].n;
		}
	/* &#60; &#x3C; &#X3c;: a character of ASCII by its number */
	if (n >= 4 && p[1] == '#') {
		size_t k = 2;
		unsigned v = 0, digits = 0, hex = k < n && (p[k] == 'x' || p[k] == 'X');
		for (k += hex; k < n && digits < 6; k++, digits++) {
			int d = hex_digit(p[k]);
			if (d < 0 || (!hex && d > 9))
				break;
			v = v * (hex ? 16 : 10) + (unsigned)d;
		}
		if (digits && k < n && p[k] == ';' && v >= 0x20 && v < 0x7f) {
			*c = (char)v;
			return k + 1;
		}
	}
	return 0;
}

/* The length of an HTML tag at p ("<pre>", "</code>", "<br />", "<span
   class=x>"): '<', maybe '/', a tag name of letters and digits, then a
   blank, '/' or '>', up to its '>'; 0 when p is no tag ("<sip:...>" has
   a ':' after its name). */
static size_t html_tag(const char *p, size_t n)
{
	size_t k = 1, name;
	const char *gt;

	if (!n || p[0] != '<')
		return 0;
	if (k < n && p[k] == '/')
		k++;
	for (name = k; k < n && k - name < 12 && isalnum((unsigned char)p[k]); k++)
		;
	if (k == name || !isalpha((unsigned char)p[name]) || k >= n ||
	    (p[k] != ' ' && p[k] != '/' && p[k] != '>'))
		return 0;
	gt = memchr(p + k, '>', n - k);
	return gt ? (size_t)(gt - p) + 1 : 0;
}

/* Whether the probed lines are a trace with its markup written as HTML
   entities: three entities or more, and not one '<' as itself (SIP
   headers have it: From: <sip:...>) but for the page's own tags (<pre>,
   <code>: html_tag), which are then taken out.  A '"' may be itself: a
   page's text need not escape it, and many do not. */
static int html_escaped(const sip_line *lines, size_t n)
{
	size_t ents = 0, t;
	char c;

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		for (size_t k = 0; p && k < lines[i].n; k++) {
			if (p[k] == '<' && (t = html_tag(p + k, lines[i].n - k))) {
				k += t - 1;
				continue;
			}
			if (p[k] == '<')
				return 0;
			if (p[k] == '&' && entity(p + k, lines[i].n - k, &c))
				ents++;
		}
	}
	return ents >= 3;
}

/* The value of the hex digit c, or -1 (upper case: quoted-printable). */
static int qp_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Whether the probed lines are quoted-printable, as a mail's source has
   them: "=XX" (a trace's own '=' become "=3D") and lines ending in '='
   (soft breaks), three of one of them, and no '=' of another kind. */
static int qp_encoded(const sip_line *lines, size_t n)
{
	size_t enc = 0, soft = 0, other = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t m = p ? lines[i].n : 0;
		for (size_t k = 0; k < m; k++) {
			if (p[k] != '=')
				continue;
			if (k + 1 == m)
				soft++;
			else if (k + 2 < m && qp_hex(p[k + 1]) >= 0 && qp_hex(p[k + 2]) >= 0)
				enc++;
			else
				other++;
		}
	}
	return (enc >= 3 || (enc && soft >= 3)) && soft >= 1 && !other;
}

/* The length of a terminal colour code at p, as grep --color=always
   writes them: ESC [ digits and ';', then 'm' (colour) or 'K' (erase to
   the end of the line); 0 for anything else. */
static size_t ansi_len(const char *p, size_t n)
{
	size_t k = 2;

	if (n < 3 || p[0] != 0x1b || p[1] != '[')
		return 0;
	while (k < n && ((p[k] >= '0' && p[k] <= '9') || p[k] == ';'))
		k++;
	return k < n && (p[k] == 'm' || p[k] == 'K') ? k + 1 : 0;
}

/* A character a page or a PDF puts in text and a trace never has, at p:
   its length, and in *rep what it stands for ("" for a zero-width space
   U+200B-200D, a word joiner U+2060, a soft hyphen U+00AD; "fi" for the
   ligature U+FB01 and its kin; a typographic quote or dash for what a
   page that read it as Windows-1252 shows, "â€œ" for U+201C); 0: none.
   (A BOM inside a file is the reader's: concatenated files.) */
static size_t fmt_char(const char *p, size_t n, const char **rep)
{
	static const char *const lig[] = { "ff", "fi", "fl", "ffi", "ffl", "st", "st" };
	/* U+2018-201D and U+2013-2014 (E2 80 xx) read as Windows-1252 (â €
	   and the third byte's character) and written as UTF-8: after
	   "â€" (C3 A2 E2 82 AC), the third byte's character */
	static const struct { const char *tail; size_t n; const char *rep; } moji[] = {
		{ "\xC5\x93", 2, "\xE2\x80\x9C" },         /* œ: “ */
		{ "\xC2\x9D", 2, "\xE2\x80\x9D" },         /* U+009D: ” */
		{ "\xE2\x84\xA2", 3, "\xE2\x80\x99" },     /* ™: ’ */
		{ "\xCB\x9C", 2, "\xE2\x80\x98" },         /* ˜: ‘ */
		{ "\xE2\x80\x9C", 3, "\xE2\x80\x93" },     /* “: – */
		{ "\xE2\x80\x9D", 3, "\xE2\x80\x94" },     /* ”: — */
	};
	const unsigned char *u = (const unsigned char *)p;

	*rep = "";
	if (n >= 5 && !memcmp(p, "\xC3\xA2\xE2\x82\xAC", 5)) {
		for (size_t i = 0; i < sizeof moji / sizeof moji[0]; i++)
			if (n >= 5 + moji[i].n && !memcmp(p + 5, moji[i].tail, moji[i].n)) {
				*rep = moji[i].rep;
				return 5 + moji[i].n;
			}
		*rep = "\xE2\x80\x9D";   /* U+009D dropped on the way: ” */
		return 5;
	}
	if (n >= 2 && u[0] == 0xC2 && u[1] == 0xAD)
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xE2 && ((u[1] == 0x80 && u[2] >= 0x8B && u[2] <= 0x8D) ||
			     (u[1] == 0x81 && u[2] == 0xA0)))
		return 3;
	if (u[0] == 0xEF && u[1] == 0xAC && u[2] >= 0x80 && u[2] <= 0x86) {
		*rep = lig[u[2] - 0x80];
		return 3;
	}
	return 0;
}

/* Whether the probed lines have terminal colour codes and no other
   escape (ansi: grep's output; an escape of another kind is the log's
   own, kept as it is), or one of fmt_char's characters (fmt). */
static void stray_chars(const sip_line *lines, size_t n, int *ansi, int *fmt)
{
	const char *rep;
	int other = 0;

	*ansi = *fmt = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; lines[i].p && k < lines[i].n; k++) {
			const char *p = lines[i].p + k;
			size_t m = lines[i].n - k;
			if (*p == 0x1b) {
				if (ansi_len(p, m))
					*ansi = 1;
				else
					other = 1;
			} else if ((*p & 0x80) && fmt_char(p, m, &rep)) {
				*fmt = 1;
			}
		}
	if (other)
		*ansi = 0;
}

/* ln with its entities decoded and its no-break spaces made spaces, as uw
   says, into uw->dec (ln itself when it has neither).  0 or SIP_ENOMEM. */
static int decode(unwrap *uw, const sip_line *ln, sip_line *out)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0, k = 0, len;
	char c;

	const char *rep;

	*out = *ln;
	if (!n || (!(uw->html && (memchr(p, '&', n) || memchr(p, '<', n))) &&
		   !(uw->nbsp && (memchr(p, 0xA0, n) || memchr(p, '&', n) ||
				  memchr(p, 0xC3, n))) &&
		   !(uw->hyph && (memchr(p, 0xE2, n))) &&
		   !(uw->ansi && memchr(p, 0x1b, n)) &&
		   !(uw->qp && memchr(p, '=', n)) &&
		   !(uw->fmt && (memchr(p, 0xC2, n) || memchr(p, 0xE2, n) ||
				 memchr(p, 0xEF, n) || memchr(p, 0xC3, n)))))
		return 0;
	sip_buf_reset(&uw->dec);
	while (k < n) {
		if (uw->qp && p[k] == '=' && k + 2 < n && qp_hex(p[k + 1]) >= 0 &&
		    qp_hex(p[k + 2]) >= 0) {
			if (sip_buf_addc(&uw->dec, (char)(qp_hex(p[k + 1]) * 16 +
							  qp_hex(p[k + 2]))))
				return SIP_ENOMEM;
			k += 3;   /* a soft break's '=' at the end stays: wrapped */
		} else if (uw->ansi && p[k] == 0x1b && (len = ansi_len(p + k, n - k))) {
			k += len;
		} else if (uw->fmt && (p[k] & 0x80) && (len = fmt_char(p + k, n - k, &rep))) {
			if (sip_buf_adds(&uw->dec, rep))
				return SIP_ENOMEM;
			k += len;
		} else if (uw->html && p[k] == '<' && (len = html_tag(p + k, n - k))) {
			k += len;   /* the page's own markup */
		} else if (uw->nbsp && nbsp_entity(p + k, n - k)) {
			if (sip_buf_addc(&uw->dec, ' '))
				return SIP_ENOMEM;
			k += 6;
		} else if (uw->nbsp && (len = nbsp_at(p, n, k))) {
			if (sip_buf_addc(&uw->dec, ' '))
				return SIP_ENOMEM;
			k += len;
		} else if (uw->hyph && (len = hyph_at(p, n, k))) {
			if (sip_buf_addc(&uw->dec, '-'))
				return SIP_ENOMEM;
			k += len;
		} else if (uw->html && p[k] == '&' && (len = entity(p + k, n - k, &c))) {
			if (sip_buf_addc(&uw->dec, c))
				return SIP_ENOMEM;
			k += len;
		} else if (sip_buf_addc(&uw->dec, p[k++])) {
			return SIP_ENOMEM;
		}
	}
	out->p = uw->dec.p ? uw->dec.p : "";   /* all of it taken out */
	out->n = uw->dec.n;
	return 0;
}



/* Whether p starts a line of its own in a trace: empty, a SIPStack
   header or record end, a client log's stamp (MM/DD/YYYY|), or a field
   ("Name: value"). */
static int line_start(const char *p, size_t n)
{
	size_t k = 0;

	if (!p || !n)
		return 1;
	if ((n >= 3 && !memcmp(p, "TL_", 3)) || (n >= 2 && !memcmp(p, "$$", 2)))
		return 1;
	if (n >= 11 && p[2] == '/' && p[5] == '/' && p[10] == '|')
		return 1;
	while (k < n && name_char(p[k]))
		k++;
	return k > 0 && k < n && p[k] == ':' && (k + 1 == n || p[k + 1] == ' ');
}

/* The width a window wrapped the lines at, from the probed lines: at
   least WRAP_MIN lines of exactly the longest length (40 to 400 bytes)
   and the same line end, WRAP_MIN of them different (not one line
   repeated), a tenth of the lines or more, and none longer.  0: not
   wrapped. */
#define WRAP_MIN 3
static size_t wrap_width(const sip_line *lines, size_t n, unsigned *eol)
{
	size_t w = 0, cnt[2] = { 0, 0 }, nd = 0;
	const sip_line *d[WRAP_MIN];
	int e;

	for (size_t i = 0; i < n; i++)
		if (lines[i].n > w)
			w = lines[i].n;
	for (size_t i = 0; i < n; i++) {
		cnt[0] += lines[i].n == w && lines[i].eol == SIP_EOL_LF;
		cnt[1] += lines[i].n == w && lines[i].eol == SIP_EOL_CRLF;
	}
	e = cnt[1] > cnt[0];
	*eol = e ? SIP_EOL_CRLF : SIP_EOL_LF;
	for (size_t i = 0; i < n && nd < WRAP_MIN; i++) {
		size_t k = 0;
		if (lines[i].n != w || lines[i].eol != *eol)
			continue;
		while (k < nd && memcmp(d[k]->p, lines[i].p, w))
			k++;
		if (k == nd)
			d[nd++] = &lines[i];
	}
	if (w < 40 || w > 400 || nd < WRAP_MIN || cnt[e] * 10 < n)
		return 0;
	/* and what follows such a line is a piece of it, not the start of
	   a line of its own (a record header, a stamped line, a field): a
	   log whose longest lines are all as long (the headers of one kind
	   of record) is no wrapped one */
	size_t follow = 0, starts = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (lines[i].n != w || lines[i].eol != *eol)
			continue;
		follow++;
		starts += line_start(lines[i + 1].p, lines[i + 1].n) ? 1u : 0u;
	}
	return follow && starts * 2 < follow ? w : 0;
}

/* A line that surely begins a line of its own: a record header or
   marker, a client log's stamped line, a SIP start line. */
static int strong_start(const sip_line *ln)
{
	const char *p = ln->p;
	size_t n = p ? ln->n : 0;

	if (!n)
		return 1;
	if ((n >= 3 && !memcmp(p, "TL_", 3)) || (n >= 2 && !memcmp(p, "$$", 2)))
		return 1;
	if (n >= 11 && p[2] == '/' && p[5] == '/' && p[10] == '|')
		return 1;
	return sip_is_start_line(p, n);
}

/* A line of n bytes that may be a piece of a line wrapped at blanks at
   the width w: it ends with the blank it was broken at, or it is as long
   as the width and holds no blank (a word longer than that, broken in
   it; a line of that width with blanks in it was not broken). */
static int soft_held(const sip_line *ln, size_t n, size_t w)
{
	if (!ln->p || !ln->n || n > w)
		return 0;
	if (ln->p[ln->n - 1] == ' ' || ln->p[ln->n - 1] == '\t')
		return 1;
	return n == w && !memchr(ln->p, ' ', ln->n) && !memchr(ln->p, '\t', ln->n);
}

/* Whether nx goes on with a piece of n bytes held (soft_held), which
   ended with a blank (blank_end: 2 after a client log's stamp) or was a
   word as long as w: the
   first word of nx, with the blank after it, did not fit in the width
   after it (what a mail or fold -s does), and nx does not begin a line
   of its own. */
static int soft_goes_on(size_t n, size_t w, int blank_end, const sip_line *nx)
{
	size_t k = 0;

	if (blank_end == 2 && nx->p && sip_is_start_line(nx->p, nx->n))
		return 1;   /* a client log's stamp, then its SIP start line */
	if (strong_start(nx))
		return 0;
	if (!blank_end)   /* a word broken in the middle (n == w), unless it
			     was whole and a field follows */
		return !line_start(nx->p, nx->n);
	if (n == w)
		return 1;
	while (k < nx->n && nx->p[k] != ' ' && nx->p[k] != '\t')
		k++;
	/* the word, and the blank after it, would have gone past w */
	return n + k >= w;
}

/* Whether, at the width w, WRAP_MIN different lines shorter than it end
   with a blank and are followed by a line going on with them
   (soft_goes_on), a tenth of the n lines or more. */
static int enough_pieces(const sip_line *lines, size_t n, size_t w)
{
	size_t pieces = 0, nd = 0;
	const sip_line *d[WRAP_MIN];

	for (size_t i = 0; i + 1 < n; i++) {
		if (lines[i].n >= w || !soft_held(&lines[i], lines[i].n, w) ||
		    !soft_goes_on(lines[i].n, w, 1, &lines[i + 1]))
			continue;
		pieces++;
		if (nd < WRAP_MIN) {
			size_t k = 0;
			while (k < nd && (d[k]->n != lines[i].n ||
					  memcmp(d[k]->p, lines[i].p, lines[i].n)))
				k++;
			if (k == nd)
				d[nd++] = &lines[i];
		}
	}
	return nd >= WRAP_MIN && pieces * 10 >= n;
}

/* The width a mail or `fold -s` wrapped the lines at, at blanks, from the
   probed lines: the longest length (40 to 160 bytes: the lines of a log
   are longer), and WRAP_MIN different lines that end with a blank and
   are followed by a line going on with them (soft_goes_on), a tenth of
   the lines or more.  0: not so wrapped. */
static size_t soft_width(const sip_line *lines, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		if (lines[i].n > w)
			w = lines[i].n;
	if (w < 40 || w > 160)
		return 0;
	return enough_pieces(lines, n, w) ? w : 0;
}

/* The width a mail client wrapped the lines at, which breaks no word: a
   word longer than the width stays whole on a line of its own, with the
   rest of its line.  The width is the longest line that ends with a blank
   (40 to 160 bytes), or up to 8 bytes more, so that every line longer
   than it has no blank before it (past its indentation); and the lines
   that end with a blank go on as soft_width wants.  0: not so wrapped. */
static size_t mail_width(const sip_line *lines, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t m = p ? lines[i].n : 0;
		if (m > w && m <= 160 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			w = m;
	}
	if (w < 40)
		return 0;
	/* the width may be a little more than the longest piece: the
	   smallest that no line with a blank before it passes */
	for (size_t top = w + 8;; w++) {
		size_t i;
		if (w > top)
			return 0;
		for (i = 0; i < n; i++) {
			const char *p = lines[i].p;
			size_t b = 0;
			if (lines[i].n <= w)
				continue;
			while (b < w && (p[b] == ' ' || p[b] == '\t'))
				b++;
			if (memchr(p + b, ' ', w - b) || memchr(p + b, '\t', w - b))
				break;
		}
		if (i == n)
			break;
	}
	return enough_pieces(lines, n, w) ? w : 0;
}

/* soft_width or mail_width.  When both see a width and the mail's is
   the smaller, the lines longer than it tell: fold -s makes them pieces
   (as long as its width, or ending with a blank), a mail leaves long
   words whole on lines of any length. */
static size_t blank_width(const sip_line *lines, size_t n)
{
	size_t f = soft_width(lines, n), m = mail_width(lines, n), pf = 0, pm = 0;

	if (!f || !m || f <= m)
		return f ? f : m;
	for (size_t i = 0; i < n; i++) {
		const char *p = lines[i].p;
		size_t k = p ? lines[i].n : 0;
		if (k > m && k != f && p[k - 1] != ' ' && p[k - 1] != '\t')
			return m;
	}
	/* one long word, as long as the longest line: the lines that end
	   with a blank and go on at each width tell which one wrapped */
	for (size_t i = 0; i + 1 < n; i++) {
		if (!lines[i].p || !lines[i].n || (lines[i].p[lines[i].n - 1] != ' ' &&
						   lines[i].p[lines[i].n - 1] != '\t'))
			continue;
		pf += lines[i].n < f && soft_goes_on(lines[i].n, f, 1, &lines[i + 1]);
		pm += lines[i].n < m && soft_goes_on(lines[i].n, m, 1, &lines[i + 1]);
	}
	return pm > pf + pf / 4 ? m : f;
}

/* Whether the probed lines, once the prefix they carry is off, were
   wrapped at blanks (soft_width). */
static int quoted_soft(const probe_set *ps)
{
	sip_line l[SIP_PROBE_LINES];
	sip_prefix pf;

	sip_prefix_detect(ps->lines, ps->n, &pf);
	if (!pf.n)
		return 0;
	for (size_t i = 0; i < ps->n; i++) {
		size_t k = sip_prefix_len(&pf, ps->lines[i].p, ps->lines[i].n);
		l[i] = ps->lines[i];
		l[i].p += k;
		l[i].n -= k;
	}
	return blank_width(l, ps->n) != 0;
}

/* The width the lines were wrapped at into uw: at blanks (soft), else a
   window's fixed one; 0 when neither. */
static void find_width(unwrap *uw, const sip_line *lines, size_t n)
{
	if ((uw->width = blank_width(lines, n)))
		uw->soft = 1;
	else
		uw->width = wrap_width(lines, n, &uw->eol);
}

/* Whether lines go through decode: some character or markup to undo. */
static int decoding(const unwrap *uw)
{
	return uw->html || uw->nbsp || uw->hyph || uw->ansi || uw->fmt || uw->qp;
}

/* Whether a line of rawn bytes as read (before any entity was decoded or
   prefix stripped: the window wrapped what it showed) is a piece of a
   wrapped line, the next line going on with it. */
static int wrapped(const unwrap *uw, size_t rawn, const sip_line *ln)
{
	if (uw->qp)   /* a soft break */
		return ln->p && ln->n && ln->p[ln->n - 1] == '=';
	if (uw->soft)
		return soft_held(ln, uw->on_raw ? rawn : ln->n, uw->width);
	return (uw->on_raw ? rawn : ln->n) == uw->width && ln->eol == uw->eol;
}

/* Whether the line ln goes on with the piece held, the last of whose
   pieces was held_n bytes (as wrapped measured it). */
static int goes_on(const unwrap *uw, size_t held_n, int blank_end, const sip_line *ln)
{
	return !uw->soft || soft_goes_on(held_n, uw->width, blank_end, ln);
}

/* Whether ln ends with a blank: 1, or 2 when with a client log's " :: "
   (its stamp, the text gone to the next line). */
static int blank_end(const sip_line *ln)
{
	if (!ln->p || !ln->n || (ln->p[ln->n - 1] != ' ' && ln->p[ln->n - 1] != '\t'))
		return 0;
	return ln->n >= 4 && !memcmp(ln->p + ln->n - 4, " :: ", 4) ? 2 : 1;
}

/* The length of the "<br>", "<br/>" or "<br />" (any case, blanks after
   it) that ends p[0..n), 0 when none. */
static size_t br_tail(const char *p, size_t n)
{
	size_t e = n, b;

	while (e && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	if (e < 4 || p[e - 1] != '>')
		return 0;
	b = e - 1;
	if (b && p[b - 1] == '/')
		b--;
	while (b && p[b - 1] == ' ')
		b--;
	if (b < 3 || p[b - 3] != '<' || (p[b - 2] | 0x20) != 'b' || (p[b - 1] | 0x20) != 'r')
		return 0;
	return n - (b - 3);
}

/* Whether the probed lines are a page's source that ends its lines with
   <br>: half of the non-empty ones, two at least. */
static int br_ended(const sip_line *lines, size_t n)
{
	size_t text = 0, br = 0;

	for (size_t i = 0; i < n; i++) {
		if (!lines[i].p || !lines[i].n)
			continue;
		text++;
		br += br_tail(lines[i].p, lines[i].n) ? 1u : 0u;
	}
	return br >= 2 && br * 2 >= text;
}

static int blank_line(const sip_line *ln)
{
	for (size_t i = 0; ln->p && i < ln->n; i++)
		if (ln->p[i] != ' ' && ln->p[i] != '\t')
			return 0;
	return 1;
}

/* Double-spaced: at least two lines of text, nine in ten of them
   followed by a blank line or the end (an e-mail or a forum that made
   each line of a pasted trace a paragraph of its own), and at least two
   of them, half of them or more, lines of a trace (a header, a stamped
   line, a field, a SIP start line): a post of one-line paragraphs of
   prose is left as it is. */
static int double_spaced(const sip_line *lines, size_t n)
{
	size_t text = 0, doubled = 0, trace = 0;

	for (size_t i = 0; i < n; i++) {
		const sip_line *l = &lines[i];
		if (blank_line(l))
			continue;
		text++;
		doubled += i + 1 == n || blank_line(&lines[i + 1]) ? 1u : 0u;
		trace += line_start(l->p, l->n) || sip_is_start_line(l->p, l->n) ? 1u : 0u;
	}
	return text >= 2 && doubled * 10 >= text * 9 && trace >= 2 && trace * 2 >= text;
}

/* Whether a double-spaced input's line ln is the blank line the paste
   added: the first, third ... of a run of blank lines (a blank line the
   trace had became three). */
static int added_blank(unwrap *uw, const sip_line *ln)
{
	if (!blank_line(ln)) {
		uw->blank_run = 0;
		return 0;
	}
	return ++uw->blank_run % 2 == 1;
}

/* Whether the probed lines that look wrapped (their length as read is the
   width) are mostly followed by a line that, without the prefix pf,
   starts a line of its own (a record header, a field): then the longest
   lines were only all as long, with the prefix on. */
static int own_lines_follow(const unwrap *uw, const probe_set *ps, const sip_prefix *pf)
{
	size_t follow = 0, starts = 0;

	for (size_t i = 0; i + 1 < ps->n; i++) {
		const sip_line *nx = &ps->lines[i + 1];
		size_t k;
		if (!wrapped(uw, ps->rawn[i], &ps->lines[i]))
			continue;
		follow++;
		k = sip_prefix_len(pf, nx->p, nx->n);
		starts += line_start(nx->p + k, nx->n - k) ? 1u : 0u;
	}
	return follow && starts * 2 >= follow;
}

#define QSTEPS 4   /* changes of quoting remembered (rec_depth) */

typedef struct scan_ctx {
	sip_record_fn fn;
	void *ctx;
	uint64_t skip_before; /* drop records whose line is before this */
	sip_scan_result *res;
	sip_warn_fn warn;
	void *warn_ctx;
	int closing;          /* inside ops->close: the input has ended */
	sip_diag *cut;        /* where a record cut short by the end goes */
	int has_cut;
	/* The notes of the probe (what was taken off the lines) wait until
	   a parser knows the input: for one that is no trace (a binary), they
	   would say what was never done. */
	int hold;
	int nheld;
	sip_diag held[8];
	int qmode;            /* see quote_line */
	uint64_t qline[QSTEPS];  /* where the depth of quoting last changed: */
	unsigned char qdepth[QSTEPS];   /* from that line on (see rec_depth) */
	unsigned qsteps;        /* changes so far */
	const sip_parser_ops *ops;   /* the parser and its state, once open */
	void *state;
	uint64_t quoted;      /* lines read without their quoting */
	int once;             /* sip_scan_opts.once */
	uint64_t *seen;       /* see repeated() */
	uint64_t nseen;       /* records it was asked about */
	uint64_t repeated;
} scan_ctx;

/* Whether a line begins a record of one of the parsers: a SIPStack
   header, a client log line, a SIP message's start line. */
static int starts_record(const char *p, size_t n)
{
	return sip_ss_embed_starts(p, n) || sip_uccapi_stamped(p, n) ||
	       (n >= 12 && sip_is_start_line(p, n));
}

/*
 * Whether rec repeats a record read before in this input: the same time,
 * process, thread, sequence number, host, kind, number of fields and
 * Text:, and level and flag of the same length.
 * A log's sequence numbers never repeat, so that is a copy of the same
 * lines in one file: a reply that quotes the trace under the original, an
 * excerpt pasted twice.  Kept once, so that findings count events, not
 * copies.  Compared are the records with a sequence number (SIPStack
 * headers); the SIP messages of a client log or a paste that have a time,
 * a Call-ID and a CSeq, with their Call-ID, CSeq, status, way and peer
 * too (such a message is never logged twice: TLS does not resend, a UDP
 * resend comes half a second later); and a client log's other lines, by
 * time, thread and text, when the earlier one is SEEN_NEAR records back
 * or more: two lines of the same text in the same millisecond on one
 * thread, a record or two apart, are common in a log as written, and an
 * excerpt pasted again is further back than that (one of fewer records
 * is kept twice, unless one of the two is quoted: below).  A record read
 * from a reply's quoted lines (quote_line) that repeats one read outside
 * them, or quoted more or fewer times ("> > " and "> "), is a copy
 * whatever it is and however near: a log never quotes itself (the other
 * records, events and SIP messages without a Call-ID, are compared only
 * so).  A Windows event with its number in the log (RecordId, Index:
 * event_number) is compared by it as by a sequence number.  The hashes of
 * the last ones, each with the number of its record in its low SEEN_IDX
 * bits and its depth of quoting in the two bits above, are remembered in
 * SEEN_SETS sets of SEEN_WAYS, the oldest of a set making room (64 KiB
 * whatever the input: a table of 512 KiB, direct-mapped, cost 4 % of the
 * wall of analyze --jobs 1 in cache misses, this one 1 %).  A copy right after
 * its original is found whole up to about 1,000 records, 98 % of 2,000,
 * 88 % of 4,000, 67 % of 6,000 (the rest is kept twice).
 */
#define SEEN_SETS 2048u
#define SEEN_WAYS 4
#define SEEN_IDX 24          /* an entry's low bits: the record's number */
#define SEEN_NEAR 8

static uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* A hash of s, 8 bytes at a time. */
static uint64_t str_word(sip_str s)
{
	uint64_t h = s.n * 0x9e3779b97f4a7c15ull, w;

	for (size_t i = 0; i < s.n; i += 8) {
		w = 0;
		memcpy(&w, s.p + i, s.n - i < 8 ? s.n - i : 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h;
}

/* How many times the first line of rec was quoted (0 to 3): the depth
   of the last change at or before it.  A record is told once its last
   line is read, or the first of the next: QSTEPS changes reach back far
   enough but for a record whose own lines change it more often. */
static unsigned rec_depth(const scan_ctx *s, const sip_record *rec)
{
	unsigned n = s->qsteps < QSTEPS ? s->qsteps : QSTEPS;

	for (unsigned k = 1; k <= n; k++) {
		unsigned i = (s->qsteps - k) % QSTEPS;
		if (s->qline[i] <= rec->line)
			return s->qdepth[i];
	}
	return 0;
}

/* A Windows event's number in its log (Get-WinEvent's RecordId,
   Get-EventLog's Index), as a sequence number: -1 when it has none. */
static int64_t event_number(const sip_record *rec)
{
	for (size_t i = 0; i < rec->nfields; i++) {
		sip_str k = rec->fields[i].name, v = rec->fields[i].value;
		int64_t n = 0;
		size_t j;
		if (!((k.n == 8 && !memcmp(k.p, "RecordId", 8)) ||
		      (k.n == 5 && !memcmp(k.p, "Index", 5))))
			continue;
		for (j = 0; j < v.n && j < 18 && v.p[j] >= '0' && v.p[j] <= '9'; j++)
			n = n * 10 + (v.p[j] - '0');
		return j && j == v.n ? n : -1;
	}
	return -1;
}

static int repeated(scan_ctx *s, const sip_record *rec)
{
	const uint64_t low = ((uint64_t)1 << SEEN_IDX) - 1, qbits = 3 * (low + 1);
	uint64_t h, w[3], *set, idx = s->nseen++ & low, q;
	int line = 0;   /* a client log's line: not when near its like */
	int copy = 0;   /* another record: only as a quoted copy */
	int64_t seq = rec->seq;

	if (!s->once || !rec->ts[0])
		return 0;
	if (seq < 0 && rec->format && !strcmp(rec->format, "event"))
		seq = event_number(rec);
	if (seq < 0 && !(rec->kind == SIP_KIND_PROTOCOL && rec->call_id.n && rec->cseq.n)) {
		copy = rec->kind != SIP_KIND_TRACE;
		line = 1;
	}
	q = (uint64_t)rec_depth(s, rec) << SEEN_IDX;
	if (!s->seen && !(s->seen = calloc(SEEN_SETS * SEEN_WAYS, sizeof *s->seen)))
		return 0;   /* no memory for it: every record kept */
	memcpy(w, rec->ts, sizeof w);
	h = mix64(w[0], w[1] ^ (uint64_t)seq);
	h = mix64(h, w[2] ^ ((uint64_t)rec->pid << 20) ^ ((uint64_t)rec->tid << 40));
	h = mix64(h, (uint64_t)rec->kind ^ ((uint64_t)rec->nfields << 8) ^
		  ((uint64_t)rec->level.n << 40) ^ ((uint64_t)rec->flag.n << 48) ^
		  str_word(rec->host));
	h = mix64(h, str_word(rec->text));
	if (seq < 0) {
		h = mix64(h, str_word(rec->call_id) ^ (uint64_t)rec->status);
		h = mix64(h, str_word(rec->cseq) ^ str_word(rec->direction) ^
			  (str_word(rec->peer) << 1));
	}
	h = (h & ~(low | qbits)) | ((low + 1) << 2);   /* never 0, an empty way */
	set = s->seen + ((size_t)(h >> 48) & (SEEN_SETS - 1)) * SEEN_WAYS;
	for (int i = 0; i < SEEN_WAYS; i++)
		if ((set[i] & ~(low | qbits)) == h)
			return !line || (set[i] & qbits) != q ||
			       (!copy && ((idx - set[i]) & low) >= SEEN_NEAR);
	memmove(set + 1, set, (SEEN_WAYS - 1) * sizeof *set);
	set[0] = h | q | idx;
	return 0;
}

static void count_warn(void *ctx, const sip_diag *d)
{
	scan_ctx *s = ctx;

	if (d->code == SIP_ETOOLONG)
		s->res->long_lines++;
	/* A record cut short by the end of the input is not a warning but
	   the result of the scan (SIP_ETRUNCATED): held back here. */
	if (s->closing && d->code == SIP_ETRUNCATED && !s->has_cut) {
		*s->cut = *d;
		s->has_cut = 1;
		return;
	}
	if (s->warn)
		s->warn(s->warn_ctx, d);
}

static int on_record(void *ctx, const sip_record *rec)
{
	scan_ctx *s = ctx;

	int rep = repeated(s, rec);   /* also of the records skipped */

	if (rec->line < s->skip_before)
		return 0;
	if (rep) {
		s->repeated++;
		return 0;
	}
	s->res->records++;
	if (rec->truncated)
		s->res->truncated++;
	s->res->last_offset = rec->offset;
	s->res->last_line = rec->line;
	s->res->last_complete = !rec->truncated &&
		(rec->has_end || rec->kind == SIP_KIND_TRACE);
	return s->fn ? s->fn(s->ctx, rec) : 0;
}

/*
 * A CSV export whose one column holds the trace: a log platform's export
 * (a header naming the column, see csv_detect; a record's lines inside
 * one quoted value, or a line a row), or every line one
 * quoted value (ConvertTo-Csv, a copy out of spreadsheet cells).  Each
 * line as read gives the part of that column on it, its quotes off and
 * "" read as ", so line numbers stay those of the file; the header line
 * and the other columns give nothing.
 */
typedef struct csv_col {
	int on;
	size_t col;          /* the column that holds the trace */
	int header;          /* the next line names the columns */
	int in;              /* inside the column's quoted value, which goes
	                        on past the end of the line */
	const char *name;    /* the header's name for it, NULL when none */
	sip_buf out;
} csv_col;

/* The part of the trace's column on line ln, into *out (which may point
   into c->out). */
static int csv_take(csv_col *c, const sip_line *ln, sip_line *out)
{
	const char *p = ln->p ? ln->p : "";
	size_t n = ln->p ? ln->n : 0, i = 0;

	*out = *ln;
	out->p = "";
	out->n = 0;
	if (c->header) {
		c->header = 0;
		return 0;
	}
	if (!c->in) {
		for (size_t f = 0; f < c->col; f++) {
			i = sip_csv_cell_end(p, n, i);
			if (i >= n)
				return 0;   /* a row without that column */
			i++;
		}
		if (i >= n || p[i] != '"') {
			size_t e = sip_csv_cell_end(p, n, i);
			out->p = p + i;
			out->n = e - i;
			return 0;
		}
		i++;
		c->in = 1;
	}
	sip_buf_reset(&c->out);
	while (i < n) {
		if (p[i] == '"') {
			if (i + 1 < n && p[i + 1] == '"') {
				i++;
			} else {
				c->in = 0;
				break;
			}
		}
		if (sip_buf_addc(&c->out, p[i++]))
			return SIP_ENOMEM;
	}
	out->p = c->out.p ? c->out.p : "";
	out->n = c->out.n;
	return 0;
}

/*
 * Whether the probed lines are such an export, and which column.  The
 * names a platform gives the line as logged: _raw (Splunk), RawData
 * (Azure Monitor's custom logs), message (Elastic's Filebeat, Graylog),
 * in that order when a header has more than one.
 */
static int csv_detect(const sip_line *lines, size_t n, csv_col *c)
{
	static const char *const names[] = { "_raw", "RawData", "message" };
	size_t quoted = 0, other = 0, best = sizeof names / sizeof names[0];

	if (n && lines[0].n && memchr(lines[0].p, ',', lines[0].n)) {
		const char *p = lines[0].p;
		size_t len = lines[0].n, i = 0, f = 0;
		while (i <= len) {
			size_t e = sip_csv_cell_end(p, len, i), a = i, b = e;
			if (b > a && p[a] == '"' && p[b - 1] == '"' && b - a >= 2) {
				a++;
				b--;
			}
			for (size_t k = 0; k < best; k++) {
				if (sip_ieq(p + a, b - a, names[k], strlen(names[k]))) {
					best = k;
					c->col = f;
				}
			}
			f++;
			i = e + 1;
		}
		if (best < sizeof names / sizeof names[0]) {
			c->on = 1;
			c->header = 1;
			c->name = names[best];
			return 1;
		}
	}
	for (size_t k = 0; k < n; k++) {
		const char *p = lines[k].p;
		size_t len = lines[k].n;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len)
			continue;
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"')
			quoted++;
		else
			other++;
	}
	if (quoted >= 3 && !other) {
		c->on = 1;
		c->col = 0;
		c->header = 0;
		return 1;
	}
	return 0;
}

/* Copy the reader's current line into the probe set.  Fails only on ENOMEM. */
static int probe_keep(probe_set *ps, const sip_line *ln)
{
	size_t at = ps->text.n;

	if (sip_buf_add(&ps->text, ln->p, ln->n))
		return SIP_ENOMEM;
	ps->lines[ps->n] = *ln;
	ps->starts[ps->n] = at;
	ps->n++;
	return SIP_OK;
}

/* Point the kept lines into the (now stable) text buffer. */
static void probe_fix(probe_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		ps->lines[i].p = ps->text.p ? ps->text.p + ps->starts[i] : "";
}

/* The probed lines of ps made anew into pd, one for one, by make(ctx, line,
   &out) (decoded, or a CSV column taken out).  0 or SIP_ENOMEM. */
static int probe_remake(const probe_set *ps, probe_set *pd,
			int (*make)(void *ctx, const sip_line *ln, sip_line *out), void *ctx)
{
	for (size_t i = 0; i < ps->n; i++) {
		sip_line d;
		size_t at = pd->text.n;
		if (make(ctx, &ps->lines[i], &d) || sip_buf_add(&pd->text, d.p, d.n))
			return SIP_ENOMEM;
		pd->lines[pd->n] = d;
		pd->starts[pd->n++] = at;
	}
	probe_fix(pd);
	return SIP_OK;
}

static int decode_make(void *uw, const sip_line *ln, sip_line *out)
{
	return decode(uw, ln, out);
}

static int csv_make(void *c, const sip_line *ln, sip_line *out)
{
	return csv_take(c, ln, out);
}

/* The probed lines made anew in pd, one for one, become those of ps; pd
   is left empty, with ps's old text buffer. */
static void probe_adopt(probe_set *ps, probe_set *pd)
{
	sip_buf t = ps->text;

	memcpy(ps->lines, pd->lines, pd->n * sizeof pd->lines[0]);
	memcpy(ps->starts, pd->starts, pd->n * sizeof pd->starts[0]);
	ps->text = pd->text;
	pd->text = t;
	pd->n = 0;
	sip_buf_reset(&pd->text);
}

/* The container format whose magic bytes start p, or NULL: archives and
   compressors sipscan does not open (gzip it does). */
static const char *container_of(const char *p, size_t n, const char **hint)
{
	static const struct {
		const char *magic;
		size_t n;
		const char *name, *hint;
	} m[] = {
		{ "PK\x03\x04", 4, "a zip archive", "extract it (unzip) and analyze the folder" },
		{ "PK\x05\x06", 4, "an empty zip archive", "there is nothing in it" },
		{ "\x28\xb5\x2f\xfd", 4, "a zstd file", "decompress it (zstd -d) first" },
		{ "BZh", 3, "a bzip2 file", "decompress it (bunzip2) first" },
		{ "\xfd" "7zXZ\x00", 6, "an xz file", "decompress it (unxz) first" },
		{ "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive", "extract it (7z x) and analyze the folder" },
		{ "Rar!\x1a\x07", 6, "a RAR archive", "extract it and analyze the folder" },
		{ "\xd0\xcf\x11\xe0", 4, "an Office document", "save the trace as text" },
		{ "%PDF", 4, "a PDF document", "save the trace as text" },
		{ "ElfFile\0", 8, "a Windows event log (.evtx)",
		  "write its events as text (PowerShell: Get-WinEvent -Path FILE |"
		  " Format-List > events.txt; or Export-Csv, or Event Viewer's"
		  " Save All Events As CSV) and analyze that" },
	};

	for (size_t i = 0; p && i < sizeof m / sizeof m[0]; i++)
		if (n >= m[i].n && !memcmp(p, m[i].magic, m[i].n)) {
			*hint = m[i].hint;
			return m[i].name;
		}
	return NULL;
}

/* Whether the input named name, of the lines ps, is an ETW trace that
   OCSLogger or a client wrote (binary, named *.etl). */
static int etl_of(const char *name, const probe_set *ps)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 4 || !sip_ieq(name + n - 4, 4, ".etl", 4))
		return 0;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->lines[i].p && memchr(ps->lines[i].p, 0, ps->lines[i].n))
			return 1;
	return 0;
}

/* A note on how the input r is read (a pasted trace), through the warn
   callback. */
static void note(scan_ctx *sc, sip_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(scan_ctx *sc, sip_reader *r, const char *fmt, ...)
{
	char msg[512];
	sip_diag d;
	va_list ap;

	if (!sc->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sip_diag_set(&d, SIP_OK, sip_reader_name(r), 0, "note: %s", msg);
	if (sc->hold && sc->nheld < (int)(sizeof sc->held / sizeof sc->held[0]))
		sc->held[sc->nheld++] = d;
	else
		sc->warn(sc->warn_ctx, &d);
}

/* The lines from line on are quoted depth times ("> > ": 2; 0: not). */
static void quote_depth(scan_ctx *sc, uint64_t line, unsigned depth)
{
	unsigned i = sc->qsteps ? (sc->qsteps - 1) % QSTEPS : 0;

	if (depth > 3)
		depth = 3;
	if (sc->qsteps ? sc->qdepth[i] == depth : !depth)
		return;
	i = sc->qsteps++ % QSTEPS;
	sc->qline[i] = line;
	sc->qdepth[i] = (unsigned char)depth;
}

/*
 * A trace quoted in a reply under the reply's own text: the probe sees
 * the text as it is (no prefix on half of its lines), and the parser
 * would not know the quoted lines.  A quoted line that begins a record
 * once its quoting ("> ", "> > ") is off starts a run of lines read
 * without it, up to the first line that is not blank and not quoted (the
 * reply's text after the quote); not inside a message's body, where it is
 * the message's text (an IM quoting a log line).
 */
static __attribute__((noinline)) void quote_slow(scan_ctx *sc, sip_reader *r, sip_line *ln)
{
	const char *p = ln->p;
	size_t n = ln->n, k;

	if (p[0] != '>' && p[0] != ' ' && p[0] != '\t') {
		if (sc->qmode)
			quote_depth(sc, ln->lineno, 0);
		sc->qmode = 0;
		return;
	}
	if (!(k = sip_prefix_quote_len(p, n))) {
		if (sc->qmode && sip_trim((sip_str){ p, n }).n) {
			quote_depth(sc, ln->lineno, 0);
			sc->qmode = 0;
		}
		return;
	}
	if (!sc->qmode) {
		if (!starts_record(p + k, n - k) ||
		    (sc->ops && sc->ops->in_body && sc->ops->in_body(sc->state)))
			return;
		sc->qmode = 1;
		sc->res->quoted = 1;
		if (!sc->quoted)
			note(sc, r, "read without the '>' quoting of the lines quoted from line"
			     " %llu on (a reply that quotes a trace)",
			     (unsigned long long)ln->lineno);
	}
	{
		/* the depth: how many '>' */
		unsigned d = 0;
		for (size_t i = 0; i < k; i++)
			d += p[i] == '>';
		quote_depth(sc, ln->lineno, d);
	}
	sc->quoted++;
	ln->p += k;
	ln->n -= k;
}

static inline void quote_line(scan_ctx *sc, sip_reader *r, sip_line *ln)
{
	/* what a quoted line may begin with: '>', or the blanks before it */
	static const unsigned char first[256] = { ['\t'] = 1, [' '] = 1, ['>'] = 1 };

	if (ln->n && (first[(unsigned char)ln->p[0]] | sc->qmode))
		quote_slow(sc, r, ln);
}

/* The probe's notes, now that a parser knows the input. */
static void release_notes(scan_ctx *sc)
{
	for (int i = 0; i < sc->nheld; i++)
		sc->warn(sc->warn_ctx, &sc->held[i]);
	sc->nheld = 0;
	sc->hold = 0;
}

/* The probed lines ps joined where a window wrapped them, into pj (made
   anew).  0 or SIP_ENOMEM. */
static int join_probe(const unwrap *uw, const probe_set *ps, probe_set *pj)
{
	pj->n = 0;
	sip_buf_reset(&pj->text);
	for (size_t i = 0; i < ps->n; i++) {
		int join = pj->n && wrapped(uw, ps->rawn[i - 1], &ps->lines[i - 1]) &&
			   goes_on(uw, uw->on_raw ? ps->rawn[i - 1] : ps->lines[i - 1].n,
				   blank_end(&ps->lines[i - 1]), &ps->lines[i]);
		size_t at;
		if (join && uw->qp) {   /* the soft break's '=' goes */
			pj->text.n--;
			pj->lines[pj->n - 1].n--;
		}
		at = pj->text.n;
		if (sip_buf_add(&pj->text, ps->lines[i].p, ps->lines[i].n))
			return SIP_ENOMEM;
		if (join) {
			pj->lines[pj->n - 1].n += ps->lines[i].n;
			pj->lines[pj->n - 1].eol = ps->lines[i].eol;
			continue;
		}
		pj->lines[pj->n] = ps->lines[i];
		pj->starts[pj->n++] = at;
	}
	probe_fix(pj);
	return SIP_OK;
}

/*
 * A trace whose line breaks were written as escapes, on one line or a few:
 * rsyslog's "#015#012" (it writes each control character as '#' and three
 * octal digits; "#015 " where the line feed became a blank before it: a
 * SIP proxy's log of a message), or a JSON string's "\r\n" (a log
 * shipper's export, a
 * ticket system's API).  Each line read is cut where a line break stood
 * into the lines it held, and the other escapes of that style are decoded
 * ("#011": a tab; "\t", "\"", "\\", "\/", "\u003c").  Tried only when the
 * escaped breaks outnumber the lines probed and stand on half of them at
 * least (esc_style), and kept when a parser knows the pieces at least as
 * well as the lines.  The pieces keep their line's number, and their
 * offset in it.
 */
enum { ESC_NONE, ESC_OCTAL, ESC_OCTAL_CR, ESC_BACKSLASH };

typedef struct esc_split {
	int style;
	sip_line phys;        /* the line being cut (p: NULL when none) */
	size_t pos;           /* where its next piece starts */
	size_t end;           /* where its last piece ends */
	size_t start;         /* where its first piece starts */
	sip_prefix lead;      /* before the first piece of each line only: a
	                         syslog time and host, one message a record */
	sip_buf out;          /* the piece, decoded */
	probe_set *saved;     /* the probed lines as read, cut first */
	size_t next_saved;
} esc_split;

static int octal3(const char *p, size_t n, size_t i)
{
	if (i + 4 > n || p[i] != '#')
		return -1;
	for (size_t k = 1; k < 4; k++)
		if (p[i + k] < '0' || p[i + k] > '7')
			return -1;
	return (p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 + (p[i + 3] - '0');
}

/* The 4 hex digits at p[i] as a number, or -1. */
static long hex4(const char *p, size_t n, size_t i)
{
	long v = 0;

	if (i + 4 > n)
		return -1;
	for (size_t k = i; k < i + 4; k++) {
		int d = hex_digit(p[k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* A JSON string's "\uXXXX" at p[i] (and the low half after a high
   surrogate): the character in UTF-8 into c[4], its length in *clen, the
   escape's in *skip; 0 for none, a NUL, or a lone surrogate (kept as
   written). */
static int esc_unicode(const char *p, size_t n, size_t i, size_t *skip, char *c,
		       size_t *clen)
{
	long v = hex4(p, n, i + 2), lo;

	*skip = 6;
	if (v <= 0 || (v >= 0xdc00 && v <= 0xdfff))
		return 0;
	if (v >= 0xd800 && v <= 0xdbff) {
		if (i + 12 > n || p[i + 6] != '\\' || p[i + 7] != 'u' ||
		    (lo = hex4(p, n, i + 8)) < 0xdc00 || lo > 0xdfff)
			return 0;
		v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
		*skip = 12;
	}
	*clen = sip_utf8_put((uint32_t)v, c);
	return 1;
}

/* At p[i]: 1 and *skip when an escaped line feed, 2 and *skip when an
   escaped carriage return, 3 with c[0, *clen) and *skip another escape
   to decode, 0 when none.  c has room for 4 bytes. */
static int esc_at(int style, const char *p, size_t n, size_t i, size_t *skip, char *c,
		  size_t *clen)
{
	*clen = 1;
	if (style == ESC_OCTAL || style == ESC_OCTAL_CR) {
		int v = octal3(p, n, i);
		*skip = 4;
		if (v == 012)
			return 1;
		if (v == 015 && style == ESC_OCTAL_CR) {
			/* the blank the line feed became */
			*skip += i + 4 < n && p[i + 4] == ' ';
			return 1;
		}
		if (v == 015)
			return 2;
		if ((v >= 0 && v < 040) || v == 0177) {
			*c = (char)v;
			return 3;
		}
		return 0;
	}
	if (p[i] != '\\' || i + 1 >= n)
		return 0;
	*skip = 2;
	switch (p[i + 1]) {
	case 'n': return 1;
	case 'r': return 2;
	case 't': *c = '\t'; return 3;
	case '"': case '\\': case '/': *c = p[i + 1]; return 3;
	case 'u':
		/* \u003c for '<' (some encoders write <, > and & so), and
		   what is not ASCII: a display name's "M\u00fcller" */
		if (!esc_unicode(p, n, i, skip, c, clen))
			return 0;
		if (*clen == 1 && *c == '\n')
			return 1;
		if (*clen == 1 && *c == '\r')
			return 2;
		return 3;
	default: return 0;
	}
}

/* The style of escaped line breaks in the probed lines: at least two of
   them, more of them than lines, and on half of the non-empty lines at
   least (a trace's own SIP body with a "\n" in it is one line of many). */
static int esc_style(const probe_set *ps)
{
	size_t oct = 0, cr = 0, bs = 0, lines_oct = 0, lines_cr = 0, lines_bs = 0,
	       nonempty = 0;

	for (size_t i = 0; i < ps->n; i++) {
		const char *p = ps->lines[i].p;
		size_t n = ps->lines[i].n, o = oct, c = cr, b = bs;
		for (size_t k = 0; k + 1 < n; k++) {
			int v = p[k] == '#' ? octal3(p, n, k) : -1;
			if (v == 012)
				oct++;
			else if (v == 015 && octal3(p, n, k + 4) != 012)
				cr++;
			else if (p[k] == '\\' && p[k + 1] == 'n')
				bs++, k++;
		}
		nonempty += n > 0;
		lines_oct += oct > o;
		lines_cr += cr > c;
		lines_bs += bs > b;
	}
	if (oct >= 2 && oct > ps->n && oct >= bs && lines_oct * 2 >= nonempty)
		return ESC_OCTAL;
	if (!oct && cr >= 2 && cr > ps->n && cr >= bs && lines_cr * 2 >= nonempty)
		return ESC_OCTAL_CR;
	if (bs >= 2 && bs > ps->n && lines_bs * 2 >= nonempty)
		return ESC_BACKSLASH;
	return ESC_NONE;
}

/* Cut phys next.  A JSON object ({"time":...,"message":"TL_INFO(...)...\r\n
   ..."}, one to a line) is cut in the string that holds the first escaped
   line break only: the fields around it are not the trace's. */
static void esc_take(esc_split *es, const sip_line *phys)
{
	const char *p = phys->p;
	size_t n = phys->n, i, b;

	es->phys = *phys;
	es->pos = es->start = 0;
	es->end = n;
	if (es->style != ESC_BACKSLASH || !n || p[0] != '{')
		return;
	for (i = 0; i + 1 < n && !(p[i] == '\\' && (p[i + 1] == 'n' || p[i + 1] == 'r')); i++)
		if (p[i] == '\\')
			i++;
	if (i + 1 >= n)
		return;
	/* the string's opening quote: the nearest '"' before it that no
	   backslash escapes and that a ':' comes before */
	for (b = i; b > 0; b--) {
		if (p[b - 1] == '"' && (b < 2 || p[b - 2] != '\\')) {
			size_t c = b - 1;
			while (c > 0 && (p[c - 1] == ' ' || p[c - 1] == '\t'))
				c--;
			if (c > 0 && p[c - 1] == ':')
				break;
		}
	}
	if (b == 0)
		return;
	es->pos = es->start = b;
	for (i = b; i < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '"') {
			es->end = i;
			break;
		}
	}
}

/* Where a SIP start line begins after a blank in p (a proxy's log puts
   its own words before the message: "relayed reply: SIP/2.0 404 Not
   Found"), or 0. */
static size_t embedded_start(const char *p, size_t n)
{
	size_t e = n, u, m;
	const char *q;

	for (q = p; n > 9 && (q = memmem(q + 1, (size_t)(p + n - q - 1), "SIP/2.0 ", 8)); )
		if (q[-1] == ' ' && sip_is_start_line(q, (size_t)(p + n - q)))
			return (size_t)(q - p);
	while (e && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	if (e < 10 || memcmp(p + e - 8, " SIP/2.0", 8))
		return 0;
	for (u = e - 8; u > 0 && p[u - 1] != ' '; u--)
		;   /* the URI */
	if (u < 2)
		return 0;
	for (m = u - 1; m > 0 && ((p[m - 1] >= 'A' && p[m - 1] <= 'Z') || p[m - 1] == '-' ||
				   p[m - 1] == '_'); m--)
		;   /* the method */
	if (m == 0 || m == u - 1 || p[m - 1] != ' ')
		return 0;
	return sip_is_start_line(p + m, n - m) ? m : 0;
}

/* The next piece of the line being cut into *ln, decoded: 1; 0 when that
   line has no more; -1 out of memory. */
static int esc_piece(esc_split *es, sip_line *ln)
{
	const char *p = es->phys.p;
	size_t n = es->end, i = es->pos, skip = 0, clen = 0;
	unsigned eol = SIP_EOL_LF;
	char c[4];
	int k = 0;

	if (!p || es->pos > n)
		return 0;
	sip_buf_reset(&es->out);
	for (; i < n; i++) {
		if ((k = esc_at(es->style, p, n, i, &skip, c, &clen)) == 0) {
			if (sip_buf_addc(&es->out, p[i]))
				return -1;
			continue;
		}
		if (k == 1)
			break;
		if (k == 2) {
			size_t s2, l2;
			char c2[4];
			if (i + skip < n && esc_at(es->style, p, n, i + skip, &s2, c2, &l2) == 1) {
				eol = SIP_EOL_CRLF;
				skip += s2;
				k = 1;
				break;
			}
		} else if (sip_buf_add(&es->out, c, clen)) {
			return -1;
		}
		i += skip - 1;
	}
	*ln = es->phys;
	ln->p = es->out.p ? es->out.p : "";
	ln->n = es->out.n;
	ln->offset = es->phys.offset + es->pos;
	if (es->pos == es->start && es->lead.n) {
		size_t cut = sip_prefix_len(&es->lead, ln->p, ln->n);
		ln->p += cut;
		ln->n -= cut;
	}
	if (es->pos == es->start && k == 1 && !starts_record(ln->p, ln->n)) {
		/* a message's start line after a proxy's words */
		size_t cut = embedded_start(ln->p, ln->n);
		ln->p += cut;
		ln->n -= cut;
	}
	if (k == 1) {
		ln->eol = eol;
		ln->truncated = 0;   /* only the last piece of a line cut short is */
		es->pos = i + skip;
	} else {
		es->pos = n + 1;   /* the line's own end ends its last piece */
	}
	return 1;
}

/* Fill pset with the pieces of the probed lines es->saved holds, from the
   first (all pieces, or the first piece of each line when firsts), up to
   the probe's bounds; es is left after the last piece taken. */
static int esc_fill(esc_split *es, probe_set *pset, int firsts)
{
	sip_line pc;

	pset->n = 0;
	sip_buf_reset(&pset->text);
	es->next_saved = 0;
	es->phys.p = NULL;
	while (pset->n < SIP_PROBE_LINES && pset->text.n < SIP_PROBE_BYTES) {
		int pr = es->phys.p ? esc_piece(es, &pc) : 0;
		if (pr < 0)
			return SIP_ENOMEM;
		if (pr == 0 || (firsts && es->phys.p && pset->n &&
				pc.offset != es->phys.offset + es->start)) {
			if (es->next_saved == es->saved->n)
				break;
			esc_take(es, &es->saved->lines[es->next_saved++]);
			continue;
		}
		if (probe_keep(pset, &pc))
			return SIP_ENOMEM;
	}
	probe_fix(pset);
	return SIP_OK;
}

/* The next line as the parser is to see it: the next piece of a line cut
   at its escapes, or the reader's next line when there is no cutting.
   Returns what sip_reader_next does (1, 0 at the end, < 0 on error);
   *phys counts the lines read. */
static int next_line(sip_reader *r, esc_split *es, sip_line *ln, sip_diag *d,
		     uint64_t *phys)
{
	int got;

	if (!es->style) {
		got = sip_reader_next(r, ln, d);
		if (got > 0)
			(*phys)++;
		return got;
	}
	for (;;) {
		int rc = esc_piece(es, ln);
		if (rc > 0)
			return 1;
		if (rc < 0) {
			sip_diag_set(d, SIP_ENOMEM, sip_reader_name(r), es->phys.lineno,
				     "out of memory");
			return -1;
		}
		if (es->saved && es->next_saved < es->saved->n) {
			esc_take(es, &es->saved->lines[es->next_saved++]);
		} else {
			sip_line pl;
			got = sip_reader_next(r, &pl, d);
			if (got <= 0) {
				es->phys.p = NULL;
				return got;
			}
			(*phys)++;
			esc_take(es, &pl);
		}
	}
}

/*
 * Feed ln to the parser, through the joining of wrapped lines when uw has
 * a width: a line of exactly that width is held and the next appended to
 * it.  flush: the input has ended, feed what is held.
 */
static int feed_one(const sip_parser_ops *ops, void *state, unwrap *uw, const sip_line *ln,
		    size_t rawn, int flush, sip_record_fn fn, void *ctx)
{
	sip_line j;

	if (!uw->width)
		return ln ? ops->feed(state, ln, fn, ctx) : 0;
	if (ln && uw->open && !goes_on(uw, uw->held_n, uw->held_blank, ln)) {
		/* the piece held was a whole line after all */
		int rc;
		j = uw->first;
		j.p = uw->text.p ? uw->text.p : "";
		j.n = uw->text.n;
		uw->open = 0;
		if ((rc = ops->feed(state, &j, fn, ctx)))
			return rc;
	}
	if (ln) {
		if (!uw->open) {
			if (!wrapped(uw, rawn, ln))
				return ops->feed(state, ln, fn, ctx);
			uw->open = 1;
			uw->first = *ln;
			sip_buf_reset(&uw->text);
		}
		if (uw->qp && uw->text.n && uw->text.p[uw->text.n - 1] == '=')
			uw->text.n--;   /* the soft break's '=' */
		{
			/* a line joined of its pieces is held to the reader's
			   bound on one line as read */
			size_t room = uw->text.n < SIP_READER_MAX_LINE ?
				      SIP_READER_MAX_LINE - uw->text.n : 0;
			size_t add = ln->n < room ? ln->n : room;
			if (add < ln->n && !uw->first.truncated) {
				uw->first.truncated = 1;
				if (!uw->cut++)
					uw->cut_line = uw->first.lineno;
			}
			if (sip_buf_add(&uw->text, ln->p ? ln->p : "", add))
				return SIP_ENOMEM;
		}
		uw->first.eol = ln->eol;
		uw->first.truncated |= ln->truncated;
		uw->held_n = uw->on_raw ? rawn : ln->n;
		uw->held_blank = blank_end(ln);
		if (wrapped(uw, rawn, ln) && !flush)
			return 0;   /* wrapped again */
	}
	if (!uw->open)
		return 0;
	j = uw->first;
	j.p = uw->text.p ? uw->text.p : "";
	j.n = uw->text.n;
	uw->open = 0;
	return ops->feed(state, &j, fn, ctx);
}

static int scan_reader(sip_reader *r, const sip_scan_opts *opts, int can_seek,
		       sip_record_fn fn, void *ctx, sip_scan_result *res,
		       sip_diag *diag)
{
	probe_set ps;
	scan_ctx sc = { fn, ctx, 0, res, NULL, NULL, 0, NULL, 0, 1, 0, { { 0 } },
			0, { 0 }, { 0 }, 0, NULL, NULL, 0, opts && opts->once, NULL, 0, 0 };
	sip_diag cut;
	const sip_parser_ops *ops = NULL;
	sip_parse_opts popts;
	void *state = NULL;
	sip_line ln;
	sip_diag rdiag;
	sip_prefix pf;
	unwrap uw;
	probe_set pj, pd, po;
	csv_col csv;
	esc_split es;
	size_t rawn;
	int rc = SIP_OK, got, stopped = 0;

	memset(&ps, 0, sizeof ps);
	memset(&pj, 0, sizeof pj);
	memset(&csv, 0, sizeof csv);
	sip_buf_init(&csv.out, 0);
	memset(&pd, 0, sizeof pd);
	memset(&po, 0, sizeof po);
	memset(&es, 0, sizeof es);
	memset(&uw, 0, sizeof uw);
	sip_buf_init(&es.out, 0);
	sip_buf_init(&po.text, 0);
	sip_buf_init(&uw.text, 0);
	sip_buf_init(&uw.dec, 0);
	sip_buf_init(&pj.text, 0);
	sip_buf_init(&pd.text, 0);
	sip_buf_init(&ps.text, PROBE_TEXT_MAX + SIP_READER_MAX_LINE + 1);
	sip_diag_clear(&rdiag);
	if (opts) {
		sc.warn = opts->warn;
		sc.warn_ctx = opts->warn_ctx;
	}

	/* 1. Keep the first lines for probing (giving up on a first line
	   without an end: an endless input that is no trace). */
	sip_reader_set_skip_limit(r, SIP_PROBE_SKIP_LIMIT);
	for (size_t weight = 0;;) {
		if (ps.n == SIP_PROBE_LINES || weight >= SIP_PROBE_BYTES ||
		    ps.text.n >= PROBE_TEXT_MAX) {
			got = 1;
			break;
		}
		got = sip_reader_next(r, &ln, &rdiag);
		if (got <= 0)
			break;
		res->lines++;
		if ((rc = probe_keep(&ps, &ln)))
			goto out;
		weight += ln.n < PROBE_LINE_WEIGHT ? ln.n : PROBE_LINE_WEIGHT;
	}
	probe_fix(&ps);
	sip_reader_set_skip_limit(r, 0);
	/* Line breaks written as escapes ("#015#012", "\r\n"): the probed
	   lines are cut there, tried on the lines read so far only, and kept
	   when a parser knows the pieces as well at least; then every line
	   read is.  A syslog's time and host before each message (one record
	   each) is looked for on the first pieces alone. */
	if (ps.n && (es.style = esc_style(&ps)) != ESC_NONE) {
		int before = sip_parser_probe_score(ps.lines, ps.n), after;
		po = ps;
		memset(&ps, 0, sizeof ps);
		sip_buf_init(&ps.text, SIP_PROBE_BYTES + SIP_READER_MAX_LINE + 1);
		es.saved = &po;
		if ((rc = esc_fill(&es, &ps, 0)))
			goto out;
		after = sip_parser_probe_score(ps.lines, ps.n);
		if (after >= before && after > 0) {
			if ((rc = esc_fill(&es, &pj, 1)))
				goto out;
			sip_prefix_detect(pj.lines, pj.n, &es.lead);
			pj.n = 0;
			sip_buf_reset(&pj.text);
			/* and the pieces again, so that the lines read go on
			   from the last one probed (with the lead off, if any) */
			if ((rc = esc_fill(&es, &ps, 0)))
				goto out;
			res->stray = 1;
			note(&sc, r, "read with its line breaks written as %s cut"
			     " there (a trace sent through syslog or kept in a JSON"
			     " string)", es.style == ESC_OCTAL ? "#015#012" :
			     es.style == ESC_OCTAL_CR ? "#015" : "\\r\\n");
			if (es.lead.n) {
				char what[192];
				sip_prefix_describe(&es.lead, what, sizeof what);
				snprintf(res->prefix, sizeof res->prefix, "%s", what);
				note(&sc, r, "read without the %s before each message", what);
			}
		} else {
			sip_buf_release(&ps.text);
			ps = po;
			memset(&po, 0, sizeof po);
			sip_buf_init(&po.text, 0);
			memset(&es.phys, 0, sizeof es.phys);
			es.style = ESC_NONE;
			es.saved = NULL;
		}
	}
	/* One column of a CSV export: the probed lines are that column's
	   parts, kept when a parser knows them as well at least as the lines
	   as they are (a header names the column, or every line is quoted:
	   the lines as they are may score as high, their fields being a
	   trace's); then every line read is. */
	if (!es.style && csv_detect(ps.lines, ps.n, &csv)) {
		int before = sip_parser_probe_score(ps.lines, ps.n);
		if ((rc = probe_remake(&ps, &pd, csv_make, &csv)))
			goto out;
		int after = sip_parser_probe_score(pd.lines, pd.n);
		if (after >= before && after > 0) {
			probe_adopt(&ps, &pd);
			res->csv = 1;
			if (csv.name)
				note(&sc, r, "read out of column %zu (%s) of a CSV export, its"
				     " quoting taken off", csv.col + 1, csv.name);
			else
				note(&sc, r, "read without the double quotes around each line"
				     " (a CSV of one column)");
		} else {
			csv.on = 0;
			pd.n = 0;
			sip_buf_reset(&pd.text);
		}
	}
	/* A page's source with a <br> at the end of its lines: taken off,
	   here and as read. */
	if ((uw.br = br_ended(ps.lines, ps.n))) {
		for (size_t i = 0; i < ps.n; i++)
			ps.lines[i].n -= br_tail(ps.lines[i].p, ps.lines[i].n);
		res->br = 1;
		note(&sc, r, "read without the <br> at the end of its lines (a trace"
		     " copied out of a page's source)");
	}
	/* A blank line after every line: dropped, here and as read. */
	if ((uw.undouble = double_spaced(ps.lines, ps.n))) {
		size_t k = 0;
		for (size_t i = 0; i < ps.n; i++) {
			if (added_blank(&uw, &ps.lines[i]))
				continue;
			ps.lines[k] = ps.lines[i];
			ps.starts[k++] = ps.starts[i];
		}
		ps.n = k;
		res->undouble = 1;
		note(&sc, r, "read without the blank line after each of its lines"
		     " (a paste that made every line a paragraph)");
	}
	/* Lines wrapped at a window's width, told by their lengths as read
	   (the window showed them so, quoting, numbers and entities
	   included); they are joined after those are taken off each piece. */
	if ((uw.qp = qp_encoded(ps.lines, ps.n)))
		uw.width = SIZE_MAX;   /* joined at its soft breaks */
	else
		find_width(&uw, ps.lines, ps.n);
	uw.on_raw = uw.width != 0 && !uw.qp;
	for (size_t i = 0; i < ps.n; i++)
		ps.rawn[i] = ps.lines[i].n;
	/* Markup written as HTML entities, no-break spaces for spaces: the
	   lines are decoded before anything else looks at them (a quoting
	   prefix may itself be "&gt; "), the probed ones here, the others as
	   they are read. */
	uw.html = html_escaped(ps.lines, ps.n);
	uw.nbsp = nbsp_spaced(ps.lines, ps.n);
	uw.hyph = hyph_named(ps.lines, ps.n);
	stray_chars(ps.lines, ps.n, &uw.ansi, &uw.fmt);
	if (decoding(&uw)) {
		if ((rc = probe_remake(&ps, &pd, decode_make, &uw)))
			goto out;
		probe_adopt(&ps, &pd);
		res->html = uw.html;
		res->nbsp = uw.nbsp;
		res->hyph = uw.hyph;
		res->stray = uw.ansi || uw.fmt || uw.qp;
		const struct { int on; const char *what; } said[] = {
			{ uw.qp, "as quoted-printable (=3D for '=', a '=' at the end"
			  " of a line joining it to the next: a mail's source)" },
			{ uw.ansi, "without its terminal colour codes (grep --color"
			  " output saved to a file)" },
			{ uw.fmt, "without its zero-width characters and soft hyphens,"
			  " ligatures spelled out, quotes a wrong character set made"
			  " \"â€œ\" mended (a trace copied out of a page or a PDF)" },
			{ uw.html, "with its HTML entities (&lt; &gt; &quot; &amp;)"
			  " decoded (a trace copied out of a page's source)" },
			{ uw.nbsp, "with its no-break spaces as spaces (a trace pasted"
			  " through a page or a word processor)" },
			{ uw.hyph, "with its typographic hyphens as '-' (a trace copied"
			  " out of a page)" },
		};
		for (size_t i = 0; i < sizeof said / sizeof said[0]; i++)
			if (said[i].on)
				note(&sc, r, "read %s", said[i].what);
	}
	res->gzip = sip_reader_is_gzip(r);
	res->gzip_members = sip_reader_gzip_members(r);
	res->encoding = (int)sip_reader_encoding(r);
	if (res->encoding == SIP_ENC_CP1252)
		note(&sc, r, "read as Windows-1252: its bytes are not UTF-8 (a text"
		     " saved as \"ANSI\")");
	if ((res->cr_eol = sip_reader_cr_eol(r)))
		note(&sc, r, "read with a lone CR as its line end (a file saved"
		     " with classic Mac line ends)");
	if (opts && opts->resume_line > 1) {
		res->seeked = can_seek && opts->resume_offset > 0 && !res->gzip &&
			(res->encoding == SIP_ENC_UTF8 ||
			 res->encoding == SIP_ENC_UTF8_BOM);
		if (!res->seeked)
			sc.skip_before = opts->resume_line;
	}

	/* A pasted trace: strip its prefix from the probed lines (and from
	   every line after them, below) when that lets a parser know them.
	   Lines a window wrapped after the prefix was put on carry it on
	   their first piece only: it is looked for on the lines joined. */
	/* A mail wrapped the lines at blanks before it quoted them: their
	   lengths as read are all as long only with the quoting on; they are
	   told once it is off (below) */
	if (uw.on_raw && !uw.soft && quoted_soft(&ps)) {
		uw.width = 0;
		uw.on_raw = 0;
	}
	if (uw.on_raw) {
		if ((rc = join_probe(&uw, &ps, &pj)))
			goto out;
		sip_prefix_detect(pj.lines, pj.n, &pf);
		/* the lines after the longest ones start lines of their own
		   once the prefix is off (grep's "97-LogType: ..." after a
		   header): they were never wrapped */
		if (pf.n && own_lines_follow(&uw, &ps, &pf)) {
			uw.width = 0;
			uw.on_raw = 0;
			uw.soft = 0;
			sip_prefix_detect(ps.lines, ps.n, &pf);
		}
	} else {
		sip_prefix_detect(ps.lines, ps.n, &pf);
	}
	if (pf.n) {
		char what[192];
		for (size_t i = 0; i < ps.n; i++) {
			size_t k = sip_prefix_len(&pf, ps.lines[i].p, ps.lines[i].n);
			ps.lines[i].p += k;
			ps.lines[i].n -= k;
		}
		sip_prefix_describe(&pf, what, sizeof what);
		snprintf(res->prefix, sizeof res->prefix, "%s", what);
		note(&sc, r, "read without the %s at the start of its lines (a pasted trace)",
		     what);
	}
	/* Lines wrapped at a window's width: probed joined, fed joined. */
	if (!uw.width)   /* or by the lengths once decoded and stripped */
		find_width(&uw, ps.lines, ps.n);
	if (uw.width) {
		if ((rc = join_probe(&uw, &ps, &pj)))
			goto out;
		res->wrap = uw.qp ? 0 : uw.width;
		if (uw.qp)
			;   /* said with the decoding */
		else if (uw.soft)
			note(&sc, r, "read with its lines that end with a blank near"
			     " %zu bytes joined to the next (a trace a mail or fold -s"
			     " wrapped at blanks)", uw.width);
		else
			note(&sc, r, "read with its lines of %zu bytes joined to the next"
			     " (a trace copied out of a window that wrapped it)", uw.width);
	}
	ops = uw.width ? sip_parser_probe(pj.lines, pj.n) : sip_parser_probe(ps.lines, ps.n);
	if (!ops) {
		if (got < 0) {
			/* Damaged before anything recognisable was read. */
			*diag = rdiag;
			rc = rdiag.code ? rdiag.code : SIP_EIO;
			goto out;
		}
		const char *hint, *what = ps.n ? container_of(ps.lines[0].p,
							       ps.lines[0].n, &hint) : NULL;
		if (what)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "%s, not a trace: %s", what, hint);
		else if (etl_of(sip_reader_name(r), &ps))
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "a binary ETW trace (.etl), not text: have the Logging"
					  " Tool (OCSLogger) format it as text, or on Lync 2013 and"
					  " later write the logs as text with Search-CsClsLogging"
					  " -OutputFilePath, and analyze that (a client's"
					  " Lync-*.etl: analyze its UccApi log beside it)");
		else if (ps.n == 0)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "empty input, not a trace");
		else if (ps.n == 1)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "not a trace (no SIPStack record header, client log "
					  "line, SIP message or Windows event in its first line)");
		else
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "not a trace (no SIPStack record header, client log "
					  "line, SIP message or Windows event in its first %zu lines)",
					  ps.n);
		goto out;
	}
	res->parser = ops->name;
	release_notes(&sc);

	memset(&popts, 0, sizeof popts);
	popts.name = sip_reader_name(r);
	popts.warn = count_warn;
	popts.warn_ctx = &sc;
	if (opts)
		popts.max_record = opts->max_record;
	if (!(state = ops->open(&popts))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, sip_reader_name(r), 0,
				  "out of memory");
		goto out;
	}

	sc.ops = ops;
	sc.state = state;

	/* 2. Replay the probed lines, then stream the rest. */
	for (size_t i = 0; i < ps.n && !stopped; i++) {
		sip_line pl = ps.lines[i];
		if (!pf.n && !uw.width)
			quote_line(&sc, r, &pl);
		if ((rc = feed_one(ops, state, &uw, &pl, ps.rawn[i], 0, on_record, &sc)))
			stopped = 1;
	}
	sip_buf_release(&ps.text);
	if (es.style)
		got = 1;   /* pieces of the lines read may wait: next_line ends */
	while (!stopped && got > 0) {
		got = next_line(r, &es, &ln, &rdiag, &res->lines);
		if (got <= 0)
			break;
		if (csv.on && csv_take(&csv, &ln, &ln)) {
			rc = SIP_ENOMEM;
			stopped = 1;
			break;
		}
		if (uw.br)
			ln.n -= br_tail(ln.p, ln.n);
		if (uw.undouble && added_blank(&uw, &ln))
			continue;
		rawn = ln.n;
		if (decoding(&uw) && decode(&uw, &ln, &ln)) {
			rc = SIP_ENOMEM;
			stopped = 1;
			break;
		}
		if (pf.n) {
			size_t k = sip_prefix_len(&pf, ln.p, ln.n);
			ln.p += k;
			ln.n -= k;
		} else if (!uw.width) {
			quote_line(&sc, r, &ln);
		}
		rc = uw.width ? feed_one(ops, state, &uw, &ln, rawn, 0, on_record, &sc)
			      : ops->feed(state, &ln, on_record, &sc);
		if (rc)
			stopped = 1;
	}
	if (!stopped && (rc = feed_one(ops, state, &uw, NULL, 0, 1, on_record, &sc)))
		stopped = 1;
	/* also when the scan stopped early: a partial CSV export must not be
	   resumed from its last record either */
	res->from_start = csv.on || (ops->from_start && ops->from_start(state));
	if (!stopped) {
		/* Flush the record still open, also after a read error: every
		   record before the fault is kept. */
		sc.closing = 1;
		sc.cut = &cut;
		rc = ops->close(state, on_record, &sc);
		sc.closing = 0;
		if (!rc && got < 0) {
			*diag = rdiag;
			rc = rdiag.code ? rdiag.code : SIP_EIO;
			if (sc.has_cut && sc.warn)  /* the fault's consequence */
				sc.warn(sc.warn_ctx, &cut);
		} else if (!rc && sc.has_cut) {
			/* Every record was kept (the last one marked truncated),
			   but the input did not end where a record does: an
			   excerpt cut short, or a log still being written. */
			*diag = cut;
			rc = SIP_ETRUNCATED;
		}
	}
	if (sc.repeated)
		note(&sc, r, "%llu record%s earlier one%s (the same time, thread,"
		     " sequence number or message or text: a copy of the same lines,"
		     " as a reply quoting the log holds), kept once",
		     (unsigned long long)sc.repeated,
		     sc.repeated == 1 ? " repeats an" : "s repeat",
		     sc.repeated == 1 ? "" : "s");
	if (uw.cut && sc.warn) {
		sip_diag d;
		sip_diag_set(&d, SIP_ETRUNCATED, sip_reader_name(r), uw.cut_line,
			     "%llu line%s joined of %s pieces came to more than %u bytes"
			     " and %s cut there", (unsigned long long)uw.cut,
			     uw.cut == 1 ? "" : "s", uw.qp ? "quoted-printable" : "wrapped",
			     (unsigned)SIP_READER_MAX_LINE, uw.cut == 1 ? "was" : "were");
		sc.warn(sc.warn_ctx, &d);
	}
	/* Accepted, read whole, and not one record: say so (a resumed run
	   may rightly find nothing new). */
	if (!stopped && !rc && res->records == 0 && !(opts && opts->resume_line > 1))
		rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
				  "no records (it looks like %s, but no line of it could be "
				  "read as a record)", ops->description);
out:
	free(sc.seen);
	if (state)
		ops->free(state);
	sip_buf_release(&ps.text);
	sip_buf_release(&pj.text);
	sip_buf_release(&pd.text);
	sip_buf_release(&uw.text);
	sip_buf_release(&uw.dec);
	sip_buf_release(&csv.out);
	sip_buf_release(&es.out);
	sip_buf_release(&po.text);
	res->bytes_in = sip_reader_bytes_in(r);
	res->bytes_out = sip_reader_bytes_out(r);
	/* Read again at the end: a threaded reader's counters lag its
	   producer until the input is consumed. */
	res->gzip_members = sip_reader_gzip_members(r);
	return rc;
}

static sip_reader_opts reader_opts(const sip_scan_opts *opts, scan_ctx *warnctx)
{
	sip_reader_opts ro;

	memset(&ro, 0, sizeof ro);
	if (opts) {
		ro.max_line = opts->max_line;
		ro.start_offset = opts->resume_line > 1 ? opts->resume_offset : 0;
		ro.start_line = opts->resume_line > 1 ? opts->resume_line : 0;
		ro.threads = opts->reader_threads;
	}
	ro.warn = count_warn;
	ro.warn_ctx = warnctx;
	return ro;
}

/*
 * Open the input (path, or buf/n when path is NULL), scan it, close it.
 * The reader warns through a scan_ctx that only counts and forwards.
 */
static int scan_input(const char *path, const void *buf, size_t n,
		      const char *name, const sip_scan_opts *opts,
		      sip_record_fn fn, void *ctx, sip_scan_result *res,
		      sip_diag *diag)
{
	sip_scan_result local;
	sip_diag ldiag;
	sip_reader *r = NULL;
	scan_ctx wc;
	sip_reader_opts ro;
	int rc;

	if (!res)
		res = &local;
	if (!diag)
		diag = &ldiag;
	memset(res, 0, sizeof *res);
	sip_diag_clear(diag);
	memset(&wc, 0, sizeof wc);
	wc.res = res;
	if (opts) {
		wc.warn = opts->warn;
		wc.warn_ctx = opts->warn_ctx;
	}
	ro = reader_opts(opts, &wc);
	if (path && opts && opts->member) {
		ro.start_offset = 0;
		ro.start_line = 0;
		rc = sip_reader_open_member(&r, path, opts->member, &ro, diag);
	} else if (path) {
		rc = sip_reader_open(&r, path, &ro, diag);
	} else {
		/* Memory input is never entered by seeking. */
		ro.start_offset = 0;
		ro.start_line = 0;
		rc = sip_reader_open_mem(&r, buf, n, name, &ro, diag);
	}
	if (rc)
		return rc;
	rc = scan_reader(r, opts, path != NULL, fn, ctx, res, diag);
	sip_reader_free(r);
	return rc;
}

int sip_scan_file(const char *path, const sip_scan_opts *opts,
		  sip_record_fn fn, void *ctx, sip_scan_result *res,
		  sip_diag *diag)
{
	return scan_input(path, NULL, 0, NULL, opts, fn, ctx, res, diag);
}

int sip_scan_mem(const void *buf, size_t n, const char *name,
		 const sip_scan_opts *opts, sip_record_fn fn, void *ctx,
		 sip_scan_result *res, sip_diag *diag)
{
	return scan_input(NULL, buf, n, name, opts, fn, ctx, res, diag);
}
