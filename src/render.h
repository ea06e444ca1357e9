/*
 * render.h -- result-set renderers for `query` and `export`: an aligned
 * table for a terminal, CSV (RFC 4180), a JSON array of objects, and JSON
 * lines.  Every renderer streams: it steps the statement row by row and
 * writes each row as it comes, so memory does not grow with the result.
 * The table keeps only its first sample_rows rows (to size the columns)
 * before it starts writing, each cell already cut to max_cell columns.
 *
 * Values: NULL is empty in table and CSV and null in JSON; integers and
 * reals are JSON numbers (a non-finite real is null); text is a string
 * (invalid UTF-8 becomes U+FFFD in JSON); a blob is a string of lowercase
 * hex digits, unless opts.blob_text turns it into text (export uses this
 * for the raw column, the record text read from the chunks).  CSV has a
 * header row and CRLF line ends; table
 * cells show control characters as spaces, right-align numbers and cut
 * cells wider than max_cell display columns with "…" (wide East Asian
 * characters count two columns).
 */
#ifndef SIP_RENDER_H
#define SIP_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"

typedef enum sip_render_format {
	SIP_RENDER_TABLE,
	SIP_RENDER_CSV,
	SIP_RENDER_JSON,
	SIP_RENDER_JSONL,
	SIP_RENDER_TSV,          /* tab-separated, LF, \t \n \r \\ escaped:
	                            what read, cut and awk -F'\t' take */
	SIP_RENDER_MARKDOWN,     /* a Markdown table (| escaped) */
	SIP_RENDER_LINE,         /* one "column = value" line per value, a blank
	                            line between rows (sqlite3's .mode line) */
	SIP_RENDER_BOX           /* the table with box-drawing borders
	                            (sqlite3's .mode box) */
} sip_render_format;

/*
 * Turn blob column col (n bytes) into text appended to out.  Return SIP_OK
 * to use the text, or anything else to fall back to hex.
 */
typedef int (*sip_render_blob_fn)(void *ctx, sqlite3_stmt *st, int col,
				  const void *blob, size_t n, sip_buf *out);

typedef struct sip_render_opts {
	sip_render_format format;
	size_t sample_rows;      /* table: rows used to size columns; 0 = 1000 */
	size_t max_cell;         /* table: widest cell in columns; 0 = 40 */
	sip_render_blob_fn blob_text; /* may be NULL */
	void *blob_ctx;
	int no_header;           /* table, csv, tsv, markdown: no header row */
	int csv_guard;           /* csv: a text cell that starts with = + - @,
	                            a tab or a CR gets a ' before it, so a
	                            spreadsheet shows it instead of running it
	                            as a formula (numbers are left alone) */
	int csv_empty_quoted;    /* csv: an empty text is "" and NULL nothing,
	                            so a loader tells them apart */
	const char *json_col;    /* json, jsonl: the column of this name holds
	                            JSON (an object), written as it is */
	int json_omit_null;      /* json, jsonl: a NULL value's key is left
	                            out (a loader takes a missing key as NULL) */
} sip_render_opts;

/* "table", "csv", "tsv", "json", "jsonl", "markdown", "line" -> *f;
   returns 0, or -1 when unknown. */
int sip_render_format_parse(const char *name, sip_render_format *f);

/*
 * Step st (prepared, not yet stepped) to the end and write its rows to out
 * in o->format.  A statement without result columns writes nothing.
 * *rows (may be NULL) gets the number of rows written.  Returns SIP_OK;
 * SIP_EDB when a step fails (diag holds SQLite's message; the rows before
 * it were written; a JSON array is still closed); SIP_EIO when writing to
 * out fails; SIP_ENOMEM.  The caller finalizes st.
 */
int sip_render_stmt(sqlite3_stmt *st, const sip_render_opts *o, FILE *out,
		    uint64_t *rows, sip_diag *diag);

/*
 * Display width of s (n bytes of UTF-8) in terminal columns: one per code
 * point, two for wide East Asian ones, invalid bytes one each.
 */
size_t sip_render_width(const char *s, size_t n);

/*
 * Append s to out as a table cell: control characters become spaces,
 * invalid UTF-8 becomes U+FFFD, and text wider than max columns is cut to
 * max - 1 columns plus "…".  *width gets the display width appended.
 */
int sip_render_cell(sip_buf *out, const char *s, size_t n, size_t max,
		    size_t *width);

#endif
