/*
 * report.h -- the report over a sipscan database, in four renderings:
 * text (80-column terminal, cause and fix wrapped at 78), md (to paste
 * into a ticket), json (for tools) and html (one self-contained file to
 * attach to a ticket: inline CSS and SVG, nothing loaded, well-formed XML).
 *
 * Content, in every format: the findings (benign last, then severity
 * critical, error, warning, info, then count, largest first) with their
 * cause, fix, refs, hosts, first and last seen and sample records; the
 * unexplained signatures (unexplained grouped by template, most frequent
 * first, top 50); a summary (files by status, hosts, time span, records by
 * kind); the peers with the most failures (records.peer without its port,
 * over records with level TL_ERROR / TL_FATAL or a status >= 400, top 10).  HTML adds an SVG
 * timeline of each finding's records and, per finding, the original text of
 * its sample records (read from the chunks table) in a closed <details>.
 *
 * JSON shape:
 *   {"findings": [{"rule", "severity", "title", "cause", "fix", "count",
 *     "first_seen", "last_seen", "hosts": [..], "keys": {..}, "refs": [..],
 *     "sample_records": [{"id", "file", "line"}], "benign": bool}],
 *    "unexplained": [{"template", "count", "first_seen", "last_seen",
 *     "sample_record"}],
 *    "summary": {"files", "files_by_status": {..}, "records",
 *     "records_by_kind": {..}, "hosts": [..], "first_ts", "last_ts"},
 *    "peers": [{"peer", "failures", "error_records", "responses_4xx_6xx"}]}
 */
#ifndef SIP_REPORT_H
#define SIP_REPORT_H

#include <stdio.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"

typedef enum sip_report_format {
	SIP_REPORT_TEXT,
	SIP_REPORT_MD,
	SIP_REPORT_JSON,
	SIP_REPORT_HTML
} sip_report_format;

/* The terminal the text report is written for: width (default 80) and
   colours (default none); md, json and html do not change. */
void sip_report_style(int width, int color);
/* --redact: users, addresses, host names and the database's servers
   replaced by stable aliases in every format (redact.h). */
void sip_report_redact(int on);

/* "text", "md", "json", "html" -> *f; 0, or -1 when unknown. */
int sip_report_format_parse(const char *name, sip_report_format *f);

/*
 * Read the report from db (a sipscan database; the findings tables may be
 * missing or empty) and write it to out in format f.  Returns SIP_OK,
 * SIP_EDB (diag holds SQLite's message), SIP_EIO (writing out failed) or
 * SIP_ENOMEM.  Nothing is written to db.
 */
/* What the report says it covers (render: "the rows of an engine's
   findings query"); NULL: the whole database, the default. */
void sip_report_covers(const char *what);

int sip_report_write(sqlite3 *db, sip_report_format f, FILE *out, sip_diag *diag);
/* The same with only the findings flt keeps (and the unexplained
   signatures of its host and times); flt NULL: all. */
struct sip_filter;
int sip_report_write_filtered(sqlite3 *db, sip_report_format f, const struct sip_filter *flt,
			      FILE *out, sip_diag *diag);

/*
 * Append s (n bytes) HTML/XML-escaped: & < > " ' as entities, control
 * characters other than tab, CR and LF and invalid UTF-8 as U+FFFD.
 */
int sip_html_escape(sip_buf *b, const char *s, size_t n);

/*
 * Milliseconds since 1970 of a "YYYY-MM-DD HH:MM:SS[.mmm]" timestamp (UTC
 * by convention), or -1 when ts does not have that shape.
 */
long long sip_ts_ms(const char *ts);

#endif
