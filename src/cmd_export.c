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
 *
 * --engine (and the names signals and segments): the typed forms an
 * engine (ClickHouse, DuckDB, PostgreSQL) loads from many databases, each
 * row with a global identity, file_uid and line, instead of the local ids
 * (see `sipscan schema --engine` for their DDL and the findings query):
 *   files     one row per input file;
 *   records   every record without its original text (the big tier);
 *   signals   the rule matches and unexplained records, with ts, host,
 *             key, the variables as a JSON object, the finding they were
 *             correlated into (lead_rule, lead_key) and the record text
 *             (small: ship it always);
 *   segments  the manifest: one row per file with its line range, status
 *             and the sipscan, schema and catalogue versions (export it
 *             last: an engine takes a file's rows as complete once its
 *             segment row is there); source is --host, and a segment
 *             replaces the one of the same path and source (a file
 *             replaced on the worker).
 * ts is the log's clock as written (no zone), 'YYYY-MM-DD HH:MM:SS.mmm',
 * and ts_ms the same as milliseconds since 1970-01-01 00:00 of that
 * clock.  --since TIME keeps the files and records of the files analyzed
 * (files.ingested_at, UTC) at TIME or later: what a run read or read
 * again (a grown file whole, a replaced one); signals and segments, small,
 * go whole.  CSV writes an empty text as "" and NULL as nothing; JSON lines
 * leave a NULL's key out (ClickHouse and DuckDB read a missing key as NULL).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dbopen.h"
#include "hash.h"
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
 * When st (SELECT * FROM from: a quoted name or a subquery) has the
 * columns chunk_id, raw_off and raw_len, write into sql a SELECT of the
 * other columns plus sipscan_raw(...) AS raw from the same, and return 1;
 * 0 when it has not; -1 when out of memory.
 */
static int raw_select(sqlite3_stmt *st, const char *from, sip_buf *sql)
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
	    sip_buf_adds(sql, " AS raw FROM ") || sip_buf_adds(sql, from))
		return -1;
	return 1;
}

/* "a, b, c" of the exportable names, on stderr after a usage error. */
/* sip_file_uid(host, path, fingerprint): 16 hex digits of FNV-1a over
   the three, separated by US: the file's identity across databases. */
static void file_uid_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	uint64_t h = SIP_FNV_OFFSET;
	char out[17];

	for (int i = 0; i < argc; i++) {
		const unsigned char *t = sqlite3_value_text(argv[i]);
		if (i)
			h = sip_fnv_add(h, "\x1f", 1);
		if (t)
			h = sip_fnv_add(h, t, (size_t)sqlite3_value_bytes(argv[i]));
	}
	snprintf(out, sizeof out, "%016llx", (unsigned long long)h);
	sqlite3_result_text(cx, out, 16, SQLITE_TRANSIENT);
}

/* Each file's identity and source host (?1: --host for files naming none). */
#define ENGINE_FU \
	"WITH fu AS MATERIALIZED (SELECT id, sip_file_uid(coalesce(host, ?1, ''), path," \
	" fingerprint) AS uid, coalesce(host, ?1) AS fhost FROM files" \
	" WHERE ?3 IS NULL OR ingested_at >= ?3) "
#define ENGINE_RAW "sipscan_raw(r.chunk_id, r.raw_off, r.raw_len, r.file_id)"
/* the finding a match was correlated into, when its own finding (its rule
   and key) does not hold its record: the one that does, whose related list
   names its rule.  Both probe finding_records by its key (finding_id,
   record_id) from the findings side (CROSS JOIN keeps that order: the
   planner otherwise scanned finding_records for every match, 6.6 s for
   the signals of 1 GiB of traces instead of 0.86 s). */
#define ENGINE_LEAD \
	"(CASE WHEN NOT EXISTS (SELECT 1 FROM findings y CROSS JOIN finding_records x" \
	" ON x.finding_id = y.id AND x.record_id = m.record_id" \
	" WHERE y.rule_id = m.rule_id AND y.key = m.key)" \
	" THEN (SELECT f2.id FROM findings f2 CROSS JOIN finding_records fr" \
	" ON fr.finding_id = f2.id AND fr.record_id = m.record_id" \
	" WHERE f2.related IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(f2.related) j" \
	" WHERE json_extract(j.value, '$.rule') = m.rule_id) ORDER BY f2.id LIMIT 1) END)"

/* records from src, a view or query named r with the columns of records */
#define ENGINE_RECORDS(src) \
	ENGINE_FU "SELECT fu.uid AS file_uid, r.line, r.ts, r.ts_ms," \
	" coalesce(r.host, fu.fhost) AS host, r.kind, r.level, r.flag, r.component," \
	" r.function, r.text, r.result_code, r.result_symbol, r.transport, r.peer, r.local," \
	" r.fqdn, r.conn_id, r.call_id, r.cseq, r.method, r.status, r.direction," \
	" r.ms_diag_code, r.ms_diag_reason, r.reason FROM " src " JOIN fu ON fu.id = r.file_id" \
	" ORDER BY r.id"

/* sql8: the same on a database of schema 8, where it reads the records
   with their tagset joined once (SIP_RECORDS_JOIN_SQL) */
static const struct engine_table {
	const char *name, *sql, *sql8;
} engine_tables[] = {
	{ "files", ENGINE_FU "SELECT fu.uid AS file_uid, f.path, fu.fhost AS host, f.size,"
	  " f.fingerprint, f.format, f.compression, f.encoding, f.first_ts, f.last_ts,"
	  " f.records, f.lines, f.status, f.error FROM files f JOIN fu ON fu.id = f.id"
	  " ORDER BY f.id", NULL },
	{ "records", ENGINE_RECORDS("records r"),
	  ENGINE_RECORDS("(" SIP_RECORDS_JOIN_SQL ") r") },
	{ "signals", ENGINE_FU "SELECT fu.uid AS file_uid, r.line, r.ts, r.ts_ms,"
	  " coalesce(r.host, fu.fhost) AS host, 'match' AS kind, m.rule_id, m.key,"
	  " CASE WHEN json_valid(m.vars) THEN json(m.vars) END AS vars, m.vars AS vars_text,"
	  " NULL AS template, lf.rule_id AS lead_rule, lf.key AS lead_key, r.call_id, "
	  ENGINE_RAW " AS raw"
	  " FROM matches m JOIN records r ON r.id = m.record_id JOIN fu ON fu.id = r.file_id"
	  " LEFT JOIN findings lf ON lf.id = " ENGINE_LEAD
	  " UNION ALL SELECT fu.uid, r.line, r.ts, r.ts_ms, coalesce(r.host, fu.fhost),"
	  " 'unexplained', NULL, NULL, NULL, NULL, u.template, NULL, NULL, r.call_id, " ENGINE_RAW
	  " FROM unexplained u JOIN records r ON r.id = u.record_id JOIN fu ON fu.id = r.file_id", NULL },
	{ "segments", ENGINE_FU "SELECT fu.uid AS file_uid, f.path, ?1 AS source, fu.fhost AS host,"
	  " iif(f.lines > 0, 1, 0) AS first_line, coalesce(f.lines, 0) AS last_line,"
	  " coalesce(f.records, 0) AS records, f.status, ?2 AS sipscan_version,"
	  " (SELECT user_version FROM pragma_user_version) AS schema_version,"
	  " (SELECT hash FROM catalogue LIMIT 1) AS catalogue FROM files f"
	  " JOIN fu ON fu.id = f.id ORDER BY f.id", NULL },
};

static const struct engine_table *engine_table(const char *name)
{
	for (size_t i = 0; i < sizeof engine_tables / sizeof engine_tables[0]; i++)
		if (!strcmp(engine_tables[i].name, name))
			return &engine_tables[i];
	return NULL;
}

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

/* Write st's rows to stdout in ro's format; the exit code. */
static int stream(sqlite3 *db, sqlite3_stmt *st, const sip_render_opts *ro)
{
	sip_diag d;
	int rc;

	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	rc = sip_render_stmt(st, ro, stdout, NULL, &d);
	if (rc == SIP_EDB) {
		fprintf(stderr, "sipscan export: %s\n", d.msg);
		return sip_db_exit(db);
	}
	if (rc) {
		sip_print_diag(&d);
		return SIP_EXIT_INTERNAL;
	}
	return SIP_EXIT_OK;
}

/*
 * --since: "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD"
 * (00:00:00), the UTC time of an analyze run, into out as files.ingested_at
 * writes it.  0, or -1 when it is none of these.
 */
static int parse_since(const char *s, char out[20])
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	size_t n = strlen(s);

	if (n != 10 && n != 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (shape[i] == 'd' ? (c < '0' || c > '9')
		    : i == 10 ? (c != ' ' && c != 'T') : c != shape[i])
			return -1;
	}
	memcpy(out, s, n);
	if (n == 10)
		memcpy(out + 10, " 00:00:00", 9);
	out[10] = ' ';
	out[19] = 0;
	return 0;
}

/* export --engine: et's query, streamed in ro's format. */
static int export_engine(sqlite3 *db, const struct engine_table *et, const char *host,
			 const char *since, sip_render_opts *ro)
{
	sqlite3_stmt *st = NULL;
	sip_diag d;
	int ret;

	if (sip_db_has(db, "findings") != 1) {
		fprintf(stderr, "sipscan export: no sipscan database here (run 'sipscan analyze'"
			" first)\n");
		return SIP_EXIT_DB;
	}
	if (sip_store_register_raw_fn(db, &d)) {
		sip_print_diag(&d);
		return sip_db_exit(db);
	}
	if (sqlite3_create_function(db, "sip_file_uid", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				    NULL, file_uid_fn, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, et->sql8 && sip_db_has(db, "tagsets") == 1 ? et->sql8
			       : et->sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan export: %s\n", sqlite3_errmsg(db));
		return sip_db_exit(db);
	}
	if (host)
		sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, SIPSCAN_VERSION, -1, SQLITE_STATIC);
	if (since)
		sqlite3_bind_text(st, 3, since, -1, SQLITE_STATIC);
	ro->csv_empty_quoted = 1;
	ro->csv_guard = 0;      /* for a loader, not a spreadsheet */
	ro->json_col = "vars";
	ro->json_omit_null = 1;
	ret = stream(db, st, ro);
	sqlite3_finalize(st);
	return ret;
}

int cmd_export(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *name, *host = NULL;
	char since[20] = "";
	const struct engine_table *et = NULL;
	int engine = 0;
	sip_render_opts ro;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sip_buf sql, from;
	sip_diag d;
	int opt, ret = SIP_EXIT_OK, rc;

	memset(&ro, 0, sizeof ro);
	ro.format = SIP_RENDER_JSONL;
	ro.blob_text = decode_raw;
	ro.csv_guard = 1;       /* a log's text is no formula: see render.h */
	sip_cmd_getopt(sip_cmd_find("export"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
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
		case 'E':
			engine = 1;
			break;
		case 'H':
			if (!*optarg)
				return sip_usage_error("export", "--host wants a name");
			host = optarg;
			break;
		case 'S':
			if (parse_since(optarg, since))
				return sip_usage_error("export", "--since wants the UTC time of a"
						       " run, 'YYYY-MM-DD HH:MM:SS' (or a day)");
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
	if (!strcmp(name, "signals") || !strcmp(name, "segments"))
		engine = 1;
	if (engine && !(et = engine_table(name)))
		return sip_usage_error("export", "--engine exports files, records, signals"
				       " and segments, not '%s'", name);
	if ((host || since[0]) && !engine)
		return sip_usage_error("export", "--%s goes with --engine", host ? "host" : "since");
	if (since[0] && (!strcmp(name, "signals") || !strcmp(name, "segments")))
		return sip_usage_error("export", "signals and segments are exported whole"
				       " (--since: files and records)");
	sip_buf_init(&sql, 4096);
	sip_buf_init(&from, 0);
	if ((ret = sip_cmd_open_db(opt_db, 0, &db)))
		goto out;
	if (et) {
		ret = export_engine(db, et, host, since[0] ? since : NULL, &ro);
		goto out;
	}
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
	/* records of schema 8: its rows with their tagset joined once, not
	   looked up for each column as the view does */
	if (!strcmp(name, "records") && sip_db_has(db, "tagsets") == 1)
		rc = sip_buf_adds(&from, "(" SIP_RECORDS_JOIN_SQL ") AS records");
	else
		rc = add_ident(&from, name);
	if (rc || sip_buf_adds(&sql, "SELECT * FROM ") || sip_buf_adds(&sql, from.p)) {
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
	rc = raw_select(st, from.p, &sql);
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
	ret = stream(db, st, &ro);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	sip_buf_release(&sql);
	sip_buf_release(&from);
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
