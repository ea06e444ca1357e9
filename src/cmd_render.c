/*
 * cmd_render.c -- `sipscan render [--format text|md|json|html]
 * [--topology FILE]... [--rules DIR]... [FILE]`
 *
 * The rows of an engine's findings query (`sipscan schema --engine E
 * --part findings`), as JSON lines, in; the report `sipscan report` prints,
 * out.  Each line is an object with a `row` member:
 *   finding      rule_id, key, count, first_seen, last_seen, hosts
 *                (comma-separated), vars (the JSON text of the variables);
 *   related      rule_id, lead_rule, lead_key, count;
 *   unexplained  template, count, first_seen, last_seen.
 * Numbers may be JSON numbers or strings (ClickHouse quotes 64-bit ones).
 *
 * How: the lines go into an in-memory sipscan database (JSON taken apart
 * by SQLite's JSON functions), sip_findings_from_engine renders and orders
 * the findings exactly as analyze does (the same rules, templates,
 * topology, grouping and order), and report writes them.  The engine
 * holds no records here, so the report has no evidence samples and its
 * summary counts no files; it says it covers the engine's rows.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "findings.h"
#include "report.h"
#include "rules.h"
#include "store.h"
#include "topology.h"

static const char render_tables[] =
	"CREATE TABLE eng_rows(line INTEGER, j TEXT);"
	"CREATE TABLE eng_findings(rule_id TEXT, key TEXT, vars TEXT, count INTEGER,"
	" first_seen TEXT, last_seen TEXT, hosts TEXT);"
	"CREATE TABLE eng_related(lead_rule TEXT, lead_key TEXT, rule_id TEXT, records INTEGER);"
	"CREATE TABLE eng_unexplained(template TEXT, count INTEGER, first_seen TEXT,"
	" last_seen TEXT);";

#define JS(f) "json_extract(j, '$." f "')"
#define JN(f) "CAST(json_extract(j, '$." f "') AS INTEGER)"
static const char render_split[] =
	"INSERT INTO eng_findings SELECT " JS("rule_id") ", coalesce(" JS("key") ", ''), "
	JS("vars") ", " JN("count") ", nullif(" JS("first_seen") ", ''), nullif("
	JS("last_seen") ", ''), " JS("hosts") " FROM eng_rows WHERE " JS("row") " = 'finding';"
	"INSERT INTO eng_related SELECT " JS("lead_rule") ", coalesce(" JS("lead_key") ", ''), "
	JS("rule_id") ", " JN("count") " FROM eng_rows WHERE " JS("row") " = 'related';"
	"INSERT INTO eng_unexplained SELECT " JS("template") ", " JN("count") ", nullif("
	JS("first_seen") ", ''), nullif(" JS("last_seen") ", '') FROM eng_rows WHERE "
	JS("row") " = 'unexplained';";

/* Read the JSON lines of in into eng_rows; a line that is not a JSON
   object with a known row is an error naming it.  Returns an exit code. */
static int read_rows(sqlite3 *db, FILE *in, const char *name)
{
	sqlite3_stmt *ins = NULL, *chk = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long lineno = 0;
	int ret = SIP_EXIT_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO eng_rows VALUES(?1, ?2)", -1, &ins, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND json_type(?1) = 'object' AND"
			       " json_extract(?1, '$.row') IN ('finding', 'related',"
			       " 'unexplained')", -1, &chk, NULL)) {
		fprintf(stderr, "sipscan render: %s\n", sqlite3_errmsg(db));
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (!n)
			continue;
		sqlite3_bind_text(chk, 1, line, (int)n, SQLITE_STATIC);
		if (sqlite3_step(chk) != SQLITE_ROW || !sqlite3_column_int(chk, 0)) {
			fprintf(stderr, "sipscan render: %s:%lld: not a row of the findings query"
				" (a JSON object with \"row\": finding, related or unexplained)\n",
				name, lineno);
			ret = SIP_EXIT_USAGE;
			goto out;
		}
		sqlite3_reset(chk);
		sqlite3_bind_int64(ins, 1, lineno);
		sqlite3_bind_text(ins, 2, line, (int)n, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "sipscan render: %s\n", sqlite3_errmsg(db));
			ret = SIP_EXIT_INTERNAL;
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (ferror(in)) {
		fprintf(stderr, "sipscan render: %s: %s\n", name, strerror(errno));
		ret = SIP_EXIT_USAGE;
	}
out:
	free(line);
	sqlite3_finalize(ins);
	sqlite3_finalize(chk);
	return ret;
}

int cmd_render(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *topo_files[64], *rule_dirs[64], *name = "stdin";
	size_t ntopo = 0, nrules = 0;
	sip_report_format fmt = SIP_REPORT_TEXT;
	sip_rules *rs = NULL;
	sip_topology *topo = NULL;
	sip_store *s = NULL;
	sqlite3 *db;
	sip_diag d;
	FILE *in = stdin;
	int opt, rc, ret = SIP_EXIT_OK;

	sip_cmd_getopt(sip_cmd_find("render"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (sip_report_format_parse(optarg, &fmt))
				return sip_usage_error("render", "unknown format '%s' (text, md,"
						       " json or html)", optarg);
			break;
		case 't':
			if (ntopo == sizeof topo_files / sizeof topo_files[0])
				return sip_usage_error("render", "too many --topology files");
			topo_files[ntopo++] = optarg;
			break;
		case 'r':
			if (nrules == sizeof rule_dirs / sizeof rule_dirs[0])
				return sip_usage_error("render", "too many --rules directories");
			rule_dirs[nrules++] = optarg;
			break;
		default:
			return sip_option_error("render", opt, argv);
		}
	}
	if (optind + 1 < argc)
		return sip_usage_error("render", "one file of rows at a time");
	if (optind < argc && strcmp(argv[optind], "-")) {
		name = argv[optind];
		if (!(in = fopen(name, "r"))) {
			fprintf(stderr, "sipscan render: %s: %s\n", name, strerror(errno));
			return SIP_EXIT_USAGE;
		}
	}
	if ((ret = sip_cmd_load_rules_topology(rule_dirs, nrules, topo_files, ntopo, "",
					       &rs, &topo)))
		goto out;
	if ((rc = sip_store_open(&s, ":memory:", 0, &d))) {
		sip_print_diag(&d);
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	db = sip_store_db(s);
	if (sqlite3_exec(db, render_tables, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan render: %s\n", sqlite3_errmsg(db));
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	if ((ret = read_rows(db, in, name)))
		goto out;
	if (sqlite3_exec(db, render_split, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan render: %s\n", sqlite3_errmsg(db));
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	/* a rule the catalogue does not hold renders as its id: say so */
	{
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, "SELECT DISTINCT rule_id FROM eng_findings"
				       " WHERE rule_id IS NOT NULL ORDER BY 1", -1, &st, NULL) == SQLITE_OK)
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *id = (const char *)sqlite3_column_text(st, 0);
				if (id && !sip_rules_find(rs, id))
					fprintf(stderr, "sipscan render: warning: rule %s is not in"
						" the catalogue (the workers' --rules DIR?): its"
						" findings have no cause or fix\n", id);
			}
		sqlite3_finalize(st);
	}
	if ((rc = sip_findings_save_topology(db, topo, &d)) ||
	    (rc = sip_findings_from_engine(db, rs, &d))) {
		sip_print_diag(&d);
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	sip_report_covers("the rows of an engine's findings query (sipscan render)");
	if ((rc = sip_report_write(db, fmt, stdout, &d))) {
		sip_print_diag(&d);
		ret = rc == SIP_EIO ? SIP_EXIT_OUTPUT : SIP_EXIT_INTERNAL;
	}
out:
	if (in != stdin)
		fclose(in);
	sip_store_free(s);
	sip_rules_free(rs);
	sip_topology_free(topo);
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK)
		ret = SIP_EXIT_OUTPUT;
	return ret;
}
