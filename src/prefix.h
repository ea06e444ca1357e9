/*
 * prefix.h -- traces pasted with a prefix on every line: line numbers
 * ("  12. ", "12:", "0012| "), e-mail quoting ("> ", ">> ", "> > "),
 * indentation, a wiki's or a script's marks ("| ", "# ", "// "), a chat
 * tool's "[10:42 AM] ", the file and line number that grep -n, grep -Hn
 * and Select-String print, a log collector's time, host and tag, or a mix
 * (quoting, then numbers).  src/scan.c asks
 * sip_prefix_detect() about the first lines of an input; when stripping a
 * prefix lets a parser recognise them better than as they are, every line
 * is fed to the parser without it (sip_prefix_len), so the records of a
 * trace copied out of a forum post or a ticket are read like the log's.
 *
 * Detection is on patterns, not on one string (line numbers change from
 * line to line), needs the prefix on at least half of the non-empty lines
 * of the probe, and is kept only when a parser then scores the lines
 * higher than as they are, so an unprefixed trace is never altered: a
 * server trace scores 100 at once and is never tried, and no kind fits
 * half the lines of a client log or of bare messages (folded headers
 * start with blanks, bodies may hold '>' or digits, but not that often).
 * A small value type.
 */
#ifndef SIP_PREFIX_H
#define SIP_PREFIX_H

#include <stddef.h>

#include "reader.h"

enum sip_prefix_kind {
	SIP_PREFIX_LINENO = 1,  /* blanks, 1-7 digits, then ". " ":" ")" "|" or blanks */
	SIP_PREFIX_QUOTE,       /* '>' (several, blanks between), then one blank */
	SIP_PREFIX_INDENT,      /* a run of blanks common to the lines */
	SIP_PREFIX_MARK,        /* '|', '#' or '//' (a table, a comment, a
	                           wiki quote), then one blank */
	SIP_PREFIX_STAMP,       /* "[...]" (a chat tool's time and name), then
	                           one blank */
	SIP_PREFIX_GREP,        /* grep -n / -Hn, Select-String: "96:", "97-",
	                           "trace.log:96:", "> path:96:", and "--" */
	SIP_PREFIX_LOGSTAMP,    /* a log collector's time (ISO 8601, syslog,
	                           a syslog priority "<134>" first), then the
	                           host and a syslog tag; RFC 5424's header */
	SIP_PREFIX_STAMP_NAME,  /* "[10:42 AM] alice: ": a chat tool's stamp
	                           and who wrote */
	SIP_PREFIX_TAG          /* "SIPStack: ": a syslog tag without a
	                           process id, after a log collector's time
	                           and host (only there) */
};

#define SIP_PREFIX_MAX 3

typedef struct sip_prefix {
	int kind[SIP_PREFIX_MAX]; /* applied in this order */
	int n;                    /* 0: no prefix */
	size_t indent;            /* SIP_PREFIX_INDENT: blanks to strip */
} sip_prefix;

/*
 * Find the prefix of lines (the probe set of an input) that makes a
 * registered parser score higher once stripped.  pf->n is 0 when there is
 * none.
 */
void sip_prefix_detect(const sip_line *lines, size_t n, sip_prefix *pf);

/* How many bytes of the line p[0..n) are the prefix (0 when the line does
   not carry it: a line cut short, an unnumbered blank line). */
size_t sip_prefix_len(const sip_prefix *pf, const char *p, size_t n);

/* The length of the mail quoting (">", "> ", "> > ") at the start of p,
   after at most 4 blanks; 0 when p has none. */
size_t sip_prefix_quote_len(const char *p, size_t n);

/* "line numbers", "'>' quoting and line numbers", "indentation": what was
   stripped, for a note. */
const char *sip_prefix_describe(const sip_prefix *pf, char *buf, size_t size);

#endif
