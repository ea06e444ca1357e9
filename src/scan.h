/*
 * scan.h -- one input from bytes to records: open a reader, probe for a
 * parser, feed it every line, report what happened.
 *
 * This is the one place that joins reader and parsers, so `parse`, `analyze`
 * and the fuzz targets all read input the same way.
 */
#ifndef SIP_SCAN_H
#define SIP_SCAN_H

#include <stdint.h>

#include "../parsers/parser.h"
#include "err.h"
#include "reader.h"
#include "record.h"

/* How long a line without a break may run while no format is known yet. */
#define SIP_PROBE_SKIP_LIMIT ((uint64_t)64 << 20)

typedef struct sip_scan_opts {
	size_t max_line;         /* reader cap; 0 = default */
	size_t max_record;       /* parser cap; 0 = default */
	sip_warn_fn warn;        /* warnings (truncated lines/records); may be NULL */
	void *warn_ctx;
	/* Incremental reading.  For a plain (not gzip, not UTF-16) file the
	   reader seeks to resume_offset, which is the start of line
	   resume_line; otherwise the input is read from its start and records
	   whose header line is before resume_line are not emitted. */
	uint64_t resume_offset;
	uint64_t resume_line;    /* 0 = from the start */
	const char *member;      /* path is an archive: read this member of it
	                            (sip_reader_open_member); NULL: path */
	int reader_threads;      /* the reader's inflate thread, as
	                            sip_reader_opts.threads: 0 = automatic,
	                            < 0 = never, > 0 = whenever it can */
	int once;                /* a record that repeats one read before
	                            (the same time and sequence number: a
	                            copy of the same lines) is not emitted
	                            again; a note says how many (see
	                            repeated() in scan.c) */
} sip_scan_opts;

typedef struct sip_scan_result {
	const char *parser;      /* parser name, NULL when none recognised it */
	char prefix[192];        /* the prefix stripped from every line
	                            ("line numbers", "'>' quoting and line
	                            numbers"), "" when none */
	size_t wrap;             /* lines of exactly this many bytes were
	                            joined to the next (a trace copied out of
	                            a window that wrapped it); 0 = none */
	int html;                /* HTML entities were decoded (a trace copied
	                            out of a page's source) */
	int nbsp;                /* no-break spaces were read as spaces */
	int hyph;                /* typographic hyphens were read as '-' */
	int stray;               /* terminal colour codes, zero-width
	                            characters or soft hyphens were taken
	                            out, ligatures spelled out */
	int cr_eol;              /* its lines end in a lone CR, read as LF */
	int undouble;            /* double-spaced: every other blank line
	                            was dropped */
	int br;                  /* the <br> that ended its lines was taken
	                            off */
	int csv;                 /* read out of one column of a CSV export
	                            (its quoting taken off) */
	int quoted;              /* a part was read without its '>' quoting
	                            (a reply that quotes a trace), from the
	                            records emitted since on */
	int gzip;                /* input was gzip */
	int gzip_members;
	int encoding;            /* enum sip_encoding */
	int seeked;              /* resume_offset was used to seek */
	int from_start;          /* read by what its start says (a CSV
	                            export's header): no resuming further on */
	uint64_t lines;          /* lines read (in this run) */
	uint64_t records;        /* records emitted */
	uint64_t truncated;      /* records emitted marked truncated */
	uint64_t long_lines;     /* lines cut at the cap */
	uint64_t bytes_in;       /* bytes read from the file */
	uint64_t bytes_out;      /* decoded bytes */
	/* The last record emitted: where a later incremental run resumes. */
	uint64_t last_offset;
	uint64_t last_line;
	int last_complete;       /* it ended with $$end_record (or was a
	                            one-line trace) */
} sip_scan_result;

/*
 * Scan path ("-" = stdin).  Calls fn for every record.  Returns:
 *   SIP_OK        the input was read whole;
 *   SIP_EFORMAT   no parser recognised it (nothing emitted; diag says so);
 *   SIP_ETRUNCATED  read whole, every record emitted, but the last one was
 *                 cut short by the end of the input (emitted marked
 *                 truncated; diag names its line);
 *   SIP_EIO, SIP_EGZIP, ...  the input is damaged: records before the fault
 *                 were emitted, diag names file and line or byte offset;
 *   other         fn returned that non-zero value (scan stopped).
 * res (may be NULL) is filled in every case.
 */
int sip_scan_file(const char *path, const sip_scan_opts *opts,
		  sip_record_fn fn, void *ctx, sip_scan_result *res,
		  sip_diag *diag);

/* The same over a memory buffer (fuzz targets, unit tests). */
int sip_scan_mem(const void *buf, size_t n, const char *name,
		 const sip_scan_opts *opts, sip_record_fn fn, void *ctx,
		 sip_scan_result *res, sip_diag *diag);

#endif
