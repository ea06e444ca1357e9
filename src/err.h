/*
 * err.h -- sipscan's error codes and the diagnostics struct.
 *
 * Every library function that can fail returns a sip_code (0 = SIP_OK) and,
 * when the caller passes one, fills a sip_diag naming the place: the file,
 * the 1-based line, the byte offset and (for rule files) the column.  The
 * numbers of sip_code are stable: they are printed in messages and the
 * process exit codes of the tool are derived from them (see sip_exit_code).
 *
 * Library code never prints and never exits; only src/cmd_*.c decide what the
 * user sees.  Warnings that do not stop the work (a line truncated at the cap,
 * a record cut short) reach the caller through a sip_warn_fn callback.
 */
#ifndef SIP_ERR_H
#define SIP_ERR_H

#include <stddef.h>
#include <stdint.h>

typedef enum sip_code {
	SIP_OK = 0,
	SIP_ENOMEM = 1,     /* out of memory, or a sip_buf's max was reached */
	SIP_EIO = 2,        /* cannot open / read / stat a file */
	SIP_EGZIP = 3,      /* damaged gzip stream: truncated, corrupt, CRC */
	SIP_ETOOLONG = 4,   /* a line longer than the cap (a warning) */
	SIP_EFORMAT = 5,    /* not a trace (no parser recognises it) */
	                    /* 6 was SIP_EENCODING, never produced: UTF-16 is
	                       decoded, other bytes become U+FFFD */
	SIP_EDB = 7,        /* SQLite error: open, schema, write */
	SIP_ERULE = 8,      /* malformed rule file or rule */
	SIP_EUSAGE = 9,     /* bad command line */
	SIP_ETRUNCATED = 10,/* a record cut short by EOF or the next header */
	SIP_EREADONLY = 11, /* a statement that would write a read-only db */
	SIP_EBUSY = 12,     /* database locked past the busy timeout */
	SIP_EINTERNAL = 13, /* a bug: an invariant failed */
	SIP_ECAP = 14       /* past a documented limit (not out of memory): what
	                       fits was kept, the caller says what was left out */
} sip_code;

/* The text of a code, e.g. "damaged gzip stream".  Never NULL. */
const char *sip_strerror(int code);

/*
 * Where and what.  file may be "" when there is no file; line, offset and
 * column are 0 when unknown.  msg is the specific message without the place.
 */
typedef struct sip_diag {
	int code;
	char file[1024];
	uint64_t line;
	uint64_t offset;
	unsigned column;
	int has_offset;     /* offset is meaningful even when 0 */
	char msg[1024];
} sip_diag;

/* Reset d to "no error". */
void sip_diag_clear(sip_diag *d);

/*
 * Fill d (if not NULL) with code, place and a printf-style message; returns
 * code so callers can write `return sip_diag_set(d, SIP_EIO, ...)`.
 */
int sip_diag_set(sip_diag *d, int code, const char *file, uint64_t line,
		 const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/*
 * Format d as one line, "file:line: msg" / "file: byte N: msg" / "file: msg",
 * into buf (always NUL-terminated).  Returns buf.
 */
char *sip_diag_format(const sip_diag *d, char *buf, size_t bufsz);

/* A non-fatal problem reported while work goes on. */
typedef void (*sip_warn_fn)(void *ctx, const sip_diag *d);

/*
 * Process exit codes of the sipscan tool (documented in README and man page).
 */
enum sip_exit {
	SIP_EXIT_OK = 0,        /* every input read whole */
	SIP_EXIT_INPUT = 1,     /* some input was partial, damaged or not a trace */
	SIP_EXIT_USAGE = 2,     /* bad command line */
	SIP_EXIT_DB = 3,        /* database cannot be opened, read or written */
	SIP_EXIT_RULES = 4,     /* rule files invalid, or `rules test` failed */
	SIP_EXIT_INTERNAL = 5,  /* out of memory or an internal error */
	SIP_EXIT_NOTFOUND = 6,  /* `show`/`flow`: nothing matched the id asked */
	SIP_EXIT_OUTPUT = 7     /* the output cannot be written (stdout, or the
	                           file of --output): disk full, no such
	                           directory, a closed pipe */
};

/* The exit code that a fatal sip_code maps to. */
int sip_exit_code(int code);

#endif
