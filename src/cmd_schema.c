/*
 * cmd_schema.c -- `sipscan schema --engine clickhouse|duckdb|postgres
 * [--part ddl|findings]`
 *
 * Prints, for an engine that holds the rows of many sipscan databases
 * (each worker runs `sipscan analyze` on its files and `sipscan export
 * --engine`), the DDL of the tables export --engine writes (files,
 * records, signals, segments) and the findings query: its rows (JSON lines)
 * are what `sipscan render` turns into the report `sipscan report` prints.
 *
 * The findings query is three SELECTs, each giving rows with a `row`
 * column:
 *   finding      per rule and key, of the matches not correlated into
 *                another finding (lead_rule IS NULL): count, first and
 *                last ts, the hosts (sorted, comma-separated) and the
 *                variables of the earliest match (then file_uid, line);
 *   related      per correlated rule and the finding it joined: records;
 *   unexplained  per template: count, first and last ts.
 * These are the definitions sip_findings_compute uses, so one database
 * holding everything and an engine holding the same rows from many
 * databases give the same findings.
 *
 * ENGINE_SCHEMA_VERSION moves with these tables and queries.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

#define ENGINE_SCHEMA_VERSION 1

/* ---- ClickHouse (18.16 on: no DateTime64, no JSON type) ------------------ */

static const char ch_ddl[] =
	"CREATE TABLE IF NOT EXISTS files (file_uid String, path String,"
	" host Nullable(String), size Nullable(Int64), fingerprint Nullable(String),"
	" format Nullable(String), compression Nullable(String), encoding Nullable(String),"
	" first_ts Nullable(String), last_ts Nullable(String), records Nullable(Int64),"
	" lines Nullable(Int64), status Nullable(String), error Nullable(String))"
	" ENGINE = ReplacingMergeTree ORDER BY file_uid;\n"
	"CREATE TABLE IF NOT EXISTS records (file_uid String, line Int64,"
	" ts Nullable(String), ts_ms Nullable(Int64), host Nullable(String), kind String,"
	" level Nullable(String), flag Nullable(String), component Nullable(String),"
	" function Nullable(String), text Nullable(String), result_code Nullable(String),"
	" result_symbol Nullable(String), transport Nullable(String), peer Nullable(String),"
	" local Nullable(String), fqdn Nullable(String), conn_id Nullable(String),"
	" call_id Nullable(String), cseq Nullable(String), method Nullable(String),"
	" status Nullable(Int64), direction Nullable(String), ms_diag_code Nullable(Int64),"
	" ms_diag_reason Nullable(String), reason Nullable(String))"
	" ENGINE = ReplacingMergeTree"
	" PARTITION BY toYYYYMMDD(toDate(intDiv(ifNull(ts_ms, 0), 1000)))"
	" ORDER BY (file_uid, line);\n"
	"CREATE TABLE IF NOT EXISTS signals (file_uid String, line Int64,"
	" ts Nullable(String), ts_ms Nullable(Int64), host Nullable(String), kind String,"
	" rule_id Nullable(String), key Nullable(String), vars_text Nullable(String),"
	" template Nullable(String), lead_rule Nullable(String), lead_key Nullable(String),"
	" call_id Nullable(String), raw Nullable(String))"
	" ENGINE = ReplacingMergeTree"
	" PARTITION BY toYYYYMMDD(toDate(intDiv(ifNull(ts_ms, 0), 1000)))"
	" ORDER BY (kind, ifNull(rule_id, ''), ifNull(key, ''), file_uid, line);\n"
	"CREATE TABLE IF NOT EXISTS segments (file_uid String, path String,"
	" source Nullable(String), host Nullable(String), first_line Int64, last_line Int64, records Int64,"
	" status Nullable(String), sipscan_version String, schema_version Int64,"
	" catalogue Nullable(String)) ENGINE = ReplacingMergeTree"
	" ORDER BY (path, ifNull(source, ''));\n";

static const char ch_load[] =
	"-- load (vars, a JSON object, is skipped: vars_text holds it as text):\n"
	"--   sipscan export --engine TABLE | clickhouse-client"
	" --input_format_skip_unknown_fields=1 -q 'INSERT INTO TABLE FORMAT JSONEachRow'\n"
	"-- segments last: a file counts once its segment is in; a new segment of a path\n"
	"-- (and source: export --host) replaces the old one, so the rows of a replaced file drop out of\n"
	"-- the findings (delete them at leisure: file_uid NOT IN segments)\n";

#define CH_LIVE "file_uid IN (SELECT file_uid FROM segments FINAL)"
static const char ch_findings[] =
	"SELECT 'finding' AS row, rule_id, key, count() AS count, min(ts) AS first_seen,"
	" max(ts) AS last_seen, arrayStringConcat(arraySort(groupUniqArray(host)), ',')"
	" AS hosts, argMin(vars_text, tuple(ifNull(ts_ms, toInt64(9223372036854775807)), file_uid,"
	" line)) AS vars FROM signals FINAL WHERE kind = 'match' AND lead_rule IS NULL"
	" AND " CH_LIVE " GROUP BY rule_id, key FORMAT JSONEachRow;\n"
	"SELECT 'related' AS row, rule_id, lead_rule, lead_key, count() AS count"
	" FROM signals FINAL WHERE kind = 'match' AND lead_rule IS NOT NULL AND " CH_LIVE
	" GROUP BY rule_id, lead_rule, lead_key FORMAT JSONEachRow;\n"
	"SELECT 'unexplained' AS row, template, count() AS count, min(ts) AS first_seen,"
	" max(ts) AS last_seen FROM signals FINAL WHERE kind = 'unexplained' AND " CH_LIVE
	" GROUP BY template FORMAT JSONEachRow;\n";

/* ---- DuckDB --------------------------------------------------------------- */

#define STD_FILES(TEXT, INT) \
	"CREATE TABLE IF NOT EXISTS files (file_uid " TEXT " PRIMARY KEY, path " TEXT \
	" NOT NULL, host " TEXT ", size " INT ", fingerprint " TEXT ", format " TEXT \
	", compression " TEXT ", encoding " TEXT ", first_ts " TEXT ", last_ts " TEXT \
	", records " INT ", lines " INT ", status " TEXT ", error " TEXT ");\n"
#define STD_RECORDS(TEXT, INT, TS) \
	"CREATE TABLE IF NOT EXISTS records (file_uid " TEXT " NOT NULL, line " INT \
	" NOT NULL, ts " TS ", ts_ms " INT ", host " TEXT ", kind " TEXT ", level " TEXT \
	", flag " TEXT ", component " TEXT ", function " TEXT ", text " TEXT \
	", result_code " TEXT ", result_symbol " TEXT ", transport " TEXT ", peer " TEXT \
	", local " TEXT ", fqdn " TEXT ", conn_id " TEXT ", call_id " TEXT ", cseq " TEXT \
	", method " TEXT ", status " INT ", direction " TEXT ", ms_diag_code " INT \
	", ms_diag_reason " TEXT ", reason " TEXT ", PRIMARY KEY (file_uid, line));\n"
#define STD_SIGNALS(TEXT, INT, TS, JSON) \
	"CREATE TABLE IF NOT EXISTS signals (file_uid " TEXT " NOT NULL, line " INT \
	" NOT NULL, ts " TS ", ts_ms " INT ", host " TEXT ", kind " TEXT " NOT NULL," \
	" rule_id " TEXT ", key " TEXT ", vars " JSON ", vars_text " TEXT ", template " \
	TEXT ", lead_rule " TEXT ", lead_key " TEXT ", call_id " TEXT ", raw " TEXT ");\n"
#define STD_SEGMENTS(TEXT, INT) \
	"CREATE TABLE IF NOT EXISTS segments (file_uid " TEXT " NOT NULL, path " TEXT \
	" NOT NULL, source " TEXT ", host " TEXT ", first_line " INT ", last_line " INT ", records " INT \
	", status " TEXT ", sipscan_version " TEXT ", schema_version " INT \
	", catalogue " TEXT ");\n"

static const char duck_ddl[] =
	STD_FILES("VARCHAR", "BIGINT")
	STD_RECORDS("VARCHAR", "BIGINT", "TIMESTAMP")
	STD_SIGNALS("VARCHAR", "BIGINT", "TIMESTAMP", "JSON")
	STD_SEGMENTS("VARCHAR", "BIGINT");

static const char duck_load[] =
	"-- load: sipscan export --engine TABLE > TABLE.jsonl, then for signals and\n"
	"-- records: DELETE the rows of the file_uids of the new segments, INSERT INTO\n"
	"-- TABLE BY NAME SELECT * FROM read_json('TABLE.jsonl', format =\n"
	"-- 'newline_delimited', columns = <the table's columns and types>); segments\n"
	"-- last, replacing the segment of the same path and source (export --host): the rows of a\n"
	"-- replaced file drop out of the findings (delete them: file_uid NOT IN segments)\n";

/* The findings query of DuckDB and PostgreSQL: SQL enough alike that only
   how a time prints (TS), how the hosts and the earliest variables are
   gathered (HOSTS, VARS) and how a row is wrapped differ. */
#define STD_LIVE "file_uid IN (SELECT file_uid FROM segments)"
#define STD_FINDING(TS, HOSTS, VARS) \
	"SELECT 'finding' AS row, rule_id, key, count(*) AS count, " TS("min(ts)") \
	" AS first_seen, " TS("max(ts)") " AS last_seen, " HOSTS " AS hosts, " VARS \
	" AS vars FROM signals WHERE kind = 'match' AND lead_rule IS NULL AND " STD_LIVE \
	" GROUP BY rule_id, key"
#define STD_RELATED \
	"SELECT 'related' AS row, rule_id, lead_rule, lead_key, count(*) AS count" \
	" FROM signals WHERE kind = 'match' AND lead_rule IS NOT NULL AND " STD_LIVE \
	" GROUP BY rule_id, lead_rule, lead_key"
#define STD_UNEXPLAINED(TS) \
	"SELECT 'unexplained' AS row, template, count(*) AS count, " TS("min(ts)") \
	" AS first_seen, " TS("max(ts)") " AS last_seen FROM signals" \
	" WHERE kind = 'unexplained' AND " STD_LIVE " GROUP BY template"

#define DUCK_TS(x) "strftime(" x ", '%Y-%m-%d %H:%M:%S.%g')"
static const char duck_findings[] =
	STD_FINDING(DUCK_TS, "array_to_string(list_sort(list_distinct(list(host) FILTER"
		    " (WHERE host IS NOT NULL))), ',')",
		    "first(vars_text ORDER BY ts_ms NULLS LAST, file_uid, line)") ";\n"
	STD_RELATED ";\n"
	STD_UNEXPLAINED(DUCK_TS) ";\n";

/* ---- PostgreSQL ------------------------------------------------------------ */

static const char pg_ddl[] =
	STD_FILES("text", "bigint")
	STD_RECORDS("text", "bigint", "timestamp(3)")
	STD_SIGNALS("text", "bigint", "timestamp(3)", "jsonb")
	STD_SEGMENTS("text", "bigint");

static const char pg_load[] =
	"-- load: sipscan export --engine --format csv TABLE | psql -c \"\\copy TABLE"
	" FROM STDIN WITH (FORMAT csv, HEADER true)\"\n"
	"--   (CSV writes '' as \"\" and NULL as nothing, which COPY reads back apart);\n"
	"-- as for DuckDB: a file's rows replaced by file_uid, segments last;\n"
	"-- findings: psql -At -f <the query below> | sipscan render\n";

#define PG_TS(x) "to_char(" x ", 'YYYY-MM-DD HH24:MI:SS.MS')"
/* each row a JSON object: psql -At prints the JSON lines render reads */
#define PG_JSON(q) "SELECT row_to_json(q) FROM (" q ") q;\n"
static const char pg_findings[] =
	PG_JSON(STD_FINDING(PG_TS, "array_to_string(array_agg(DISTINCT host ORDER BY host)"
			    " FILTER (WHERE host IS NOT NULL), ',')",
			    "(array_agg(vars_text ORDER BY ts_ms NULLS LAST, file_uid, line))[1]"))
	PG_JSON(STD_RELATED)
	PG_JSON(STD_UNEXPLAINED(PG_TS));

static const struct engine {
	const char *name, *ddl, *load, *findings;
} engines[] = {
	{ "clickhouse", ch_ddl, ch_load, ch_findings },
	{ "duckdb", duck_ddl, duck_load, duck_findings },
	{ "postgres", pg_ddl, pg_load, pg_findings },
};

int cmd_schema(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const struct engine *e = NULL;
	int opt, ddl = 1, findings = 1;

	sip_cmd_getopt(sip_cmd_find("schema"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			e = NULL;
			for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
				if (!strcmp(engines[i].name, optarg))
					e = &engines[i];
			if (!e)
				return sip_usage_error("schema", "unknown engine '%s' (clickhouse,"
						       " duckdb or postgres)", optarg);
			break;
		case 'p':
			if (!strcmp(optarg, "ddl"))
				findings = 0, ddl = 1;
			else if (!strcmp(optarg, "findings"))
				findings = 1, ddl = 0;
			else
				return sip_usage_error("schema", "--part wants ddl or findings");
			break;
		default:
			return sip_option_error("schema", opt, argv);
		}
	}
	if (optind < argc)
		return sip_usage_error("schema", "no arguments are taken");
	if (!e)
		return sip_usage_error("schema", "--engine clickhouse|duckdb|postgres is needed");
	if (ddl)
		printf("-- sipscan %s: the tables of 'sipscan export --engine' for %s\n"
		       "-- engine schema %d (database schema %d); ts: the log's clock, no zone\n"
		       "%s%s", SIPSCAN_VERSION, e->name, ENGINE_SCHEMA_VERSION,
		       SIP_STORE_SCHEMA_VERSION, e->ddl, e->load);
	if (findings)
		printf("%s-- findings (engine schema %d): pipe the rows, as JSON lines, to"
		       " 'sipscan render'\n%s", ddl ? "\n" : "", ENGINE_SCHEMA_VERSION,
		       e->findings);
	return fflush(stdout) ? SIP_EXIT_OUTPUT : SIP_EXIT_OK;
}
