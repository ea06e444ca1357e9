/*
 * parser.h -- the parser interface: a method table per log format.
 *
 * A parser never sees a file: it gets lines (sip_line, already decoded to
 * UTF-8 by the reader) and emits records through a callback.  That keeps the
 * formats testable and fuzzable from memory, and lets src/scan.c own the
 * reading, probing and error reporting for all of them.
 *
 * Adding a format = one new file in parsers/ defining a sip_parser_ops, plus
 * one line in the registry in parsers/registry.c.
 *
 * Lifecycle: probe() scores the first lines of an input; the highest score
 * above zero wins.  Then open() makes a state, feed() takes every line in
 * order (the probed lines too), close() flushes a record still open at end
 * of input, and free() releases the state.  A record passed to the callback
 * is valid only during the call (see record.h).
 */
#ifndef SIP_PARSER_H
#define SIP_PARSER_H

#include "../src/buf.h"
#include "../src/err.h"
#include "../src/reader.h"
#include "../src/record.h"

/* Return 0 to go on, non-zero to stop the parse (that value is returned). */
typedef int (*sip_record_fn)(void *ctx, const sip_record *rec);

typedef struct sip_parse_opts {
	const char *name;        /* input name for warnings */
	sip_warn_fn warn;        /* may be NULL */
	void *warn_ctx;
	size_t max_record;       /* cap on one record's text; 0 = default
	                            (SIP_PARSER_MAX_RECORD).  A longer record is
	                            cut, marked truncated, with one warning. */
	size_t max_fields;       /* cap on fields per record; 0 = default */
} sip_parse_opts;

#define SIP_PARSER_MAX_RECORD (16u * 1024 * 1024)
#define SIP_PARSER_MAX_FIELDS 4096

typedef struct sip_parser_ops {
	int version;             /* 1 */
	const char *name;        /* "sipstack" */
	const char *description; /* one line for --help and docs */

	/* Score 0..100: how surely these lines (the first n of the input) are
	   this format.  0 = not this format. */
	int (*probe)(const sip_line *lines, size_t n);

	/* New state, or NULL when out of memory. */
	void *(*open)(const sip_parse_opts *opts);

	/* Take one line; may emit zero or more records through fn.  Returns 0,
	   or the callback's non-zero value, or a sip_code on failure. */
	int (*feed)(void *state, const sip_line *line, sip_record_fn fn, void *ctx);

	/* End of input: emit the record still open (marked truncated). */
	int (*close)(void *state, sip_record_fn fn, void *ctx);

	void (*free)(void *state);

	/* Optional (NULL: never): whether the state is inside a message's
	   body, whose lines are its text (an IM that quotes a log line with
	   "> " is not a quoted trace: see quote_line in src/scan.c). */
	int (*in_body)(const void *state);

	/* Optional (NULL: never): whether what was read depends on a line at
	   the start of the input that a read resumed further on would not
	   see (a CSV export's header, naming the columns).  Such an input is
	   read whole again when it grows, not from its last record. */
	int (*from_start)(const void *state);
} sip_parser_ops;

/* The parsers (one per file in parsers/). */
extern const sip_parser_ops sip_sipstack_parser; /* parsers/sipstack.c */
extern const sip_parser_ops sip_uccapi_parser;   /* parsers/uccapi.c */
extern const sip_parser_ops sip_sipmsg_parser;   /* parsers/sipmsg.c */
extern const sip_parser_ops sip_winevent_parser; /* parsers/winevent.c */

/* The registry: a NULL-terminated array of every known parser. */
extern const sip_parser_ops *const sip_parsers[];

/* ---- helpers every parser uses (parsers/registry.c) ---- */

/* Call warn(warn_ctx, diag) with code, file name and line, and the message
   fmt; nothing when warn is NULL. */
void sip_parser_warn(sip_warn_fn warn, void *warn_ctx, const char *name,
		     int code, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

/* Append a line and its original terminator (LF, CRLF or none) to b.
   Returns 0 or SIP_ENOMEM (b unchanged).  Inline: it runs for every line
   of every record. */
static inline int sip_parser_add_line(sip_buf *b, const sip_line *ln)
{
	size_t term = ln->eol == SIP_EOL_CRLF ? 2 : ln->eol == SIP_EOL_LF ? 1 : 0;
	size_t n = ln->p ? ln->n : 0;
	char *d;

	if (sip_buf_reserve(b, n + term))
		return SIP_ENOMEM;
	d = b->p + b->n;
	if (n)
		memcpy(d, ln->p, n);
	if (term == 2) {
		d[n] = '\r';
		d[n + 1] = '\n';
	} else if (term == 1) {
		d[n] = '\n';
	}
	b->n += n + term;
	b->p[b->n] = 0;
	return 0;
}

/* The best parser for these first lines, or NULL if none scores above 0. */
const sip_parser_ops *sip_parser_probe(const sip_line *lines, size_t n);

/* The highest score of the parsers on these lines (0: none knows them). */
int sip_parser_probe_score(const sip_line *lines, size_t n);

/* Lines handed to probe(): at most this many, and at most this many bytes. */
#define SIP_PROBE_LINES 64
#define SIP_PROBE_BYTES (256 * 1024)

#endif
