/*
 * cmd_export.c -- `sipscan export [--db PATH] [--format jsonl|csv] TABLE|VIEW`
 *
 * Streams a whole table or view (SELECT * in rowid / view order) in
 * constant memory, for Elasticsearch, ClickHouse or DuckDB.  The name is
 * checked against sqlite_schema (tables and views, not sqlite_*) and quoted
 * as an identifier; an unknown name is a usage error that lists the valid
 * names.  jsonl is the default.
 *
 * The original text of records: a table or view with the columns
 * chunk_id, raw_off and raw_len (records) is exported without those three
 * (they only say where the text is stored) and with a last column `raw`,
 * the record's original text (CRLF kept), read from its compressed chunk
 * by the SQL function sipscan_raw(); so `export records` has the columns
 * of records in table order, then raw.  The chunks table itself is
 * exported as stored: its data blobs (zstd frames) as lowercase hex, like
 * any other blob.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dbopen.h"
#include "render.h"
#include "store.h"

/* The `raw` column (sipscan_raw's blob) is the text itself. */
static int decode_raw(void *ctx, sqlite3_stmt *st, int col, const void *blob,
		      size_t n, sip_buf *out)
{
	const char *name = sqlite3_column_name(st, col);
	(void)ctx;
	if (!name || strcmp(name, "raw") != 0)
		return SIP_EFORMAT;
	return sip_buf_add(out, blob ? blob : "", n);
}

/* Append name to b as a quoted SQL identifier. */
static int add_ident(sip_buf *b, const char *name)
{
	if (sip_buf_addc(b, '"'))
		return SIP_ENOMEM;
	for (const char *c = name; *c; c++)
		if ((*c == '"' && sip_buf_addc(b, '"')) || sip_buf_addc(b, *c))
			return SIP_ENOMEM;
	return sip_buf_addc(b, '"');
}

static int is_place_col(const char *c)
{
	return c && (!strcmp(c, "chunk_id") || !strcmp(c, "raw_off") ||
		     !strcmp(c, "raw_len"));
}

/*
 * When st (SELECT * FROM name) has the columns chunk_id, raw_off and
 * raw_len, write into sql a SELECT of the other columns plus
 * sipscan_raw(...) AS raw, and return 1; 0 when it has not; -1 when out
 * of memory.
 */
static int raw_select(sqlite3_stmt *st, const char *name, sip_buf *sql)
{
	int ncol = sqlite3_column_count(st), found = 0, first = 1, file_id = 0;

	for (int i = 0; i < ncol; i++) {
		const char *c = sqlite3_column_name(st, i);
		found += is_place_col(c);
		file_id |= c && !strcmp(c, "file_id");
	}
	if (found != 3)
		return 0;
	sip_buf_reset(sql);
	if (sip_buf_adds(sql, "SELECT "))
		return -1;
	for (int i = 0; i < ncol; i++) {
		const char *c = sqlite3_column_name(st, i);
		if (is_place_col(c))
			continue;
		if ((!first && sip_buf_adds(sql, ", ")) || add_ident(sql, c))
			return -1;
		first = 0;
	}
	if (sip_buf_adds(sql, first ? "" : ", ") ||
	    sip_buf_adds(sql, file_id
			 ? "sipscan_raw(\"chunk_id\", \"raw_off\", \"raw_len\", \"file_id\")"
			 : "sipscan_raw(\"chunk_id\", \"raw_off\", \"raw_len\")") ||
	    sip_buf_adds(sql, " AS raw FROM ") || add_ident(sql, name))
		return -1;
	return 1;
}

/* "a, b, c" of the exportable names, on stderr after a usage error. */
static void list_names(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int first = 1;

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type IN "
			       "('table','view') AND name NOT LIKE 'sqlite\\_%' "
			       "ESCAPE '\\' ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		goto out;
	fputs("valid names: ", stderr);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(stderr, "%s%s", first ? "" : ", ", sqlite3_column_text(st, 0));
		first = 0;
	}
	fputc('\n', stderr);
out:
	sqlite3_finalize(st);
}

int cmd_export(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *name;
	sip_render_opts ro;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sip_buf sql;
	sip_diag d;
	int opt, ret = SIP_EXIT_OK, rc;

	memset(&ro, 0, sizeof ro);
	ro.format = SIP_RENDER_JSONL;
	ro.blob_text = decode_raw;
	ro.csv_guard = 1;       /* a log's text is no formula: see render.h */
	sip_cmd_getopt(sip_cmd_find("export"), longopts, optstring + 1);
	optstring[0] = '+';
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, optstring + 1, longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			opt_db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				ro.format = SIP_RENDER_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				ro.format = SIP_RENDER_CSV;
			else
				return sip_usage_error("export", "unknown format '%s' "
						       "(jsonl or csv)", optarg);
			break;
		case 'F':
			ro.csv_guard = 0;
			break;
		default:
			return sip_option_error("export", opt, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("export", "no table or view named");
	if (optind + 1 < argc)
		return sip_usage_error("export", "one table or view at a time");
	name = argv[optind];
	sip_buf_init(&sql, 4096);
	if ((ret = sip_cmd_open_db(opt_db, 0, &db)))
		goto out;
	rc = strncmp(name, "sqlite_", 7) == 0 ? 0 : sip_db_has(db, name);
	if (rc < 0) {
		fprintf(stderr, "sipscan export: %s\n", sqlite3_errmsg(db));
		ret = sip_db_exit(db);
		goto out;
	}
	if (rc == 0 && sip_db_empty(db, sip_db_path(opt_db), &d)) {
		sip_print_diag(&d);
		ret = sip_db_exit(db);
		goto out;
	}
	if (rc == 0) {
		ret = sip_usage_error("export", "no table or view '%s'", name);
		list_names(db);
		goto out;
	}
	if (sip_buf_adds(&sql, "SELECT * FROM ") || add_ident(&sql, name)) {
		ret = SIP_EXIT_USAGE;
		fprintf(stderr, "sipscan export: name too long\n");
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql.p, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan export: %s\n", sqlite3_errmsg(db));
		ret = sip_db_exit(db);
		goto out;
	}
	/* records: the text instead of where it is stored */
	rc = raw_select(st, name, &sql);
	if (rc < 0) {
		ret = SIP_EXIT_USAGE;
		fprintf(stderr, "sipscan export: name too long\n");
		goto out;
	}
	if (rc > 0) {
		sqlite3_finalize(st);
		st = NULL;
		if (sip_store_register_raw_fn(db, &d)) {
			sip_print_diag(&d);
			ret = sip_db_exit(db);
			goto out;
		}
		if (sqlite3_prepare_v2(db, sql.p, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "sipscan export: %s\n", sqlite3_errmsg(db));
			ret = sip_db_exit(db);
			goto out;
		}
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	rc = sip_render_stmt(st, &ro, stdout, NULL, &d);
	if (rc == SIP_EDB) {
		fprintf(stderr, "sipscan export: %s\n", d.msg);
		ret = sip_db_exit(db);
	} else if (rc) {
		sip_print_diag(&d);
		ret = SIP_EXIT_INTERNAL;
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	sip_buf_release(&sql);
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
