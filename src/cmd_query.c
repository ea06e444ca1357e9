/*
 * cmd_query.c -- `sipscan query [--db PATH] [--format table|csv|json|jsonl] SQL`
 *
 * Runs SQL (one or more `;`-separated statements, in order) against the
 * database opened read-only (SQLITE_OPEN_READONLY and PRAGMA query_only),
 * and prints each result set with the renderers of render.h.  Before any
 * statement runs, every one is prepared and checked with
 * sqlite3_stmt_readonly(): if one would write, nothing runs, the message
 * "sipscan query: refusing to run a statement that writes; the database is
 * opened read-only" is printed and the exit code is 3 (SIP_EXIT_DB).  An
 * SQL error prints SQLite's message and exits 3 too.
 *
 * The default format is table when stdout is a terminal, csv otherwise.
 * Several result sets: table and csv put a blank line between them, json
 * prints one array per result set, jsonl just goes on.  Blobs print as
 * lowercase hex (use `show` or `export records` for the record text).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dbopen.h"
#include "render.h"

/*
 * Prepare the statement at *sql, advancing *sql past it.  *st is NULL for
 * an empty statement (only blanks or comments).  Returns SQLITE_OK or the
 * prepare error.
 */
static int prepare_next(sqlite3 *db, const char **sql, sqlite3_stmt **st)
{
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(db, *sql, -1, st, &tail);

	*sql = tail && rc == SQLITE_OK ? tail : *sql + strlen(*sql);
	return rc;
}

int cmd_query(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *sql, *p;
	sip_render_opts ro;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sip_diag d;
	int opt, ret = SIP_EXIT_OK, sets = 0;

	memset(&ro, 0, sizeof ro);
	/* a pipe gets what read, cut and awk take: tab-separated lines */
	ro.format = isatty(STDOUT_FILENO) ? SIP_RENDER_TABLE : SIP_RENDER_TSV;
	sip_cmd_getopt(sip_cmd_find("query"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			opt_db = optarg;
			break;
		case 'f':
			if (sip_render_format_parse(optarg, &ro.format))
				return sip_usage_error("query", "unknown format '%s' (table, box, csv,"
						       " tsv, json, jsonl, markdown or line)", optarg);
			break;
		case 'h':
			ro.no_header = 0;
			break;
		case 'N':
			ro.no_header = 1;
			break;
		case 'M': {
			char *end;
			long w = strtol(optarg, &end, 10);
			if (!*optarg || *end || w < 0 || w > 100000)
				return sip_usage_error("query", "--max-width wants a number of columns,"
						       " 0 for no limit, not '%s'", optarg);
			ro.max_cell = w ? (size_t)w : (size_t)-1;
			break;
		}
		case 'G':
			ro.csv_guard = 1;
			break;
		default:
			return sip_option_error("query", opt, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("query", "no SQL given");
	if (optind + 1 < argc)
		return sip_usage_error("query", "give the SQL as one argument (quote it)");
	sql = argv[optind];

	if ((ret = sip_cmd_open_db(opt_db, 0, &db)))
		return ret;
	/* Pass 1: every statement must prepare and be read-only. */
	for (p = sql; *p;) {
		if (prepare_next(db, &p, &st) != SQLITE_OK) {
			fprintf(stderr, "sipscan query: %s\n", sqlite3_errmsg(db));
			ret = sip_db_code(db) == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
			goto out;
		}
		if (st && !sqlite3_stmt_readonly(st)) {
			fprintf(stderr, "sipscan query: refusing to run a statement that "
				"writes; the database is opened read-only\n");
			ret = SIP_EXIT_DB;
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	/* Pass 2: run them in order. */
	for (p = sql; *p;) {
		int rc;

		if (prepare_next(db, &p, &st) != SQLITE_OK) {
			fprintf(stderr, "sipscan query: %s\n", sqlite3_errmsg(db));
			ret = sip_db_code(db) == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
			goto out;
		}
		if (!st)
			continue;
		if (!sqlite3_stmt_readonly(st)) { /* cannot happen after pass 1 */
			fprintf(stderr, "sipscan query: refusing to run a statement that "
				"writes; the database is opened read-only\n");
			ret = SIP_EXIT_DB;
			goto out;
		}
		if (sqlite3_column_count(st) > 0) {
			if (sets++ && ro.format != SIP_RENDER_JSON && ro.format != SIP_RENDER_JSONL)
				fputs(ro.format == SIP_RENDER_CSV ? "\r\n" : "\n", stdout);
		}
		rc = sip_render_stmt(st, &ro, stdout, NULL, &d);
		if (rc) {
			if (rc == SIP_EDB) {
				fprintf(stderr, "sipscan query: %s\n", d.msg);
				ret = SIP_EXIT_DB;
			} else {
				sip_print_diag(&d);
				ret = SIP_EXIT_INTERNAL;
			}
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
