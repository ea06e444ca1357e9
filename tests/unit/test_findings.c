/*
 * test_findings.c -- findings on an in-memory database with the store's
 * DDL: matches and unexplained inserted from real evaluations and by hand,
 * then sip_findings_compute: counts, first/last seen, hosts, samples,
 * order, benign, rendered cause for every topology case; topology
 * save/load.
 */
#include "t.h"

#include <sqlite3.h>

#include "findings.h"
#include "rules.h"

static const char ddl[] =
	"CREATE TABLE matches(record_id INTEGER NOT NULL, rule_id TEXT NOT NULL, key TEXT NOT NULL, vars TEXT, PRIMARY KEY(record_id, rule_id)) WITHOUT ROWID;"
	"CREATE TABLE unexplained(record_id INTEGER PRIMARY KEY, template TEXT NOT NULL);"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, rule_id TEXT, severity TEXT, title TEXT, cause TEXT, fix TEXT, refs TEXT, key TEXT, keys_json TEXT, count INTEGER, first_seen TEXT, last_seen TEXT, hosts TEXT, sample_ids TEXT, benign INTEGER, subject TEXT, group_id INTEGER, confidence TEXT, related TEXT);"
	"CREATE TABLE finding_records(finding_id INTEGER, record_id INTEGER, PRIMARY KEY(finding_id, record_id)) WITHOUT ROWID;"
	"CREATE TABLE topology(id INTEGER PRIMARY KEY, fqdn TEXT NOT NULL, kind TEXT, source TEXT, UNIQUE(fqdn, source));"
	"CREATE TABLE records(id INTEGER PRIMARY KEY, file_id, line, ts TEXT, kind, level, flag, host TEXT, component, function, text, result_code, result_symbol, transport, peer, local, fqdn, conn_id, call_id, cseq, method, status, direction, ms_diag_code, ms_diag_reason, truncated, chunk_id, raw_off, raw_len);"
	"CREATE VIEW record_rows AS SELECT id, file_id, ts, call_id, id AS tagset_id, text, CASE kind WHEN 'protocol' THEN 3 ELSE 1 END AS kind FROM records;"
	"CREATE VIEW tagsets AS SELECT id, host FROM records;";

static const char rules_text[] =
	"[rule PNC]\ntitle = Peer {fqdn} not configured\nseverity = error\nkind = connection\n"
	"match.text = not a configured server\nkey = fqdn\ntopology = fqdn\n"
	"cause = generic {fqdn}\n"
	"cause.none = none {fqdn}\ncause.case = case {fqdn} vs {topo.entry}\n"
	"cause.parent = parent {fqdn} vs {topo.entry}\ncause.child = child {fqdn} vs {topo.entry}\n"
	"cause.exact = exact {fqdn} is {topo.entry}\ncause.notopology = {fqdn}: use --topology\n"
	"fix = fix {fqdn}\nrefs = https://r.example/a\n"
	"[rule WARN1]\ntitle = w\nseverity = warning\nmatch.text = ^warn\ncause = c\nfix = f\n"
	"[rule CRIT1]\ntitle = c\nseverity = critical\nmatch.text = ^crit\ncause = c\nfix = f\n"
	"[rule BEN]\ntitle = b\nseverity = critical\nbenign = yes\nmatch.text = ^benign\ncause = c\nfix = f\n";

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, ddl, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static sip_rules *load_rules(void)
{
	sip_rules *rs = sip_rules_new();
	sip_diag d;
	sip_diag_clear(&d);
	CHECK_INT(sip_rules_add_text(rs, "f.rules", rules_text, sizeof rules_text - 1, NULL, &d), SIP_OK);
	return rs;
}

static void add_record(sqlite3 *db, int id, const char *ts, const char *host)
{
	char sql[256];
	snprintf(sql, sizeof sql, "INSERT INTO records(id, ts, host) VALUES(%d, '%s', '%s')", id, ts, host);
	CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A connection record for evaluation. */
static sip_record rec(const char *level, const char *text, const sip_kv *data, size_t nd)
{
	sip_record r;
	memset(&r, 0, sizeof r);
	r.kind = SIP_KIND_CONNECTION;
	r.level = (sip_str){ level, strlen(level) };
	r.text = (sip_str){ text, strlen(text) };
	r.raw = r.text;
	r.data = data;
	r.ndata = nd;
	if (nd)
		r.fqdn = data[0].value;
	r.status = -1;
	r.is_request = -1;
	return r;
}

static const char *col(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st = NULL;
	buf[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void test_compute(void)
{
	sqlite3 *db = open_db();
	sip_rules *rs = load_rules();
	sip_rules_ctx *ctx = sip_rules_ctx_new(rs);
	sip_findings *f = NULL;
	sip_rules_out out;
	sip_diag d;
	char buf[1024];
	static const sip_kv d1[] = { { SIP_STR_LIT("fqdn"), SIP_STR_LIT("deitterick.com") } };
	static const sip_kv d2[] = { { SIP_STR_LIT("fqdn"), SIP_STR_LIT("other.org") } };
	const char *hosts[] = { "fe01", "fe02", "fe01" };

	sip_diag_clear(&d);
	sip_rules_out_init(&out);
	CHECK_INT(sip_findings_open(db, &f, &d), SIP_OK);
	/* records 1..17: PNC deitterick.com on two hosts; 18..19 other.org;
	   20..22 warn; 23 crit; 24..27 benign; 28 unexplained error. */
	for (int i = 1; i <= 28; i++) {
		char ts[32];
		sip_record r;
		snprintf(ts, sizeof ts, "2011-12-20 20:%02d:01.000", 60 - 2 * i > 0 ? 60 - 2 * i : 0);
		add_record(db, i, ts, hosts[i % 3]);
		if (i <= 17)
			r = rec("TL_ERROR", "The peer is not a configured server on this network interface", d1, 1);
		else if (i <= 19)
			r = rec("TL_ERROR", "The peer is not a configured server", d2, 1);
		else if (i <= 22)
			r = rec("TL_WARN", "warn me", NULL, 0);
		else if (i == 23)
			r = rec("TL_ERROR", "crit now", NULL, 0);
		else if (i <= 27)
			r = rec("TL_WARN", "benign thing", NULL, 0);
		else
			r = rec("TL_ERROR", "Something odd with 10.0.0.1", NULL, 0);
		CHECK(sip_rules_eval(ctx, &r, (uint64_t)i, &out) >= 0);
	}
	CHECK_INT(out.n, 27);
	CHECK_INT(out.nu, 1);
	CHECK_INT(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sip_findings_add_out(f, &out, 0, &d), SIP_OK);
	CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	CHECK_STR(col(db, "SELECT count(*) FROM matches", buf, sizeof buf), "27");
	CHECK_STR(col(db, "SELECT template FROM unexplained WHERE record_id = 28", buf, sizeof buf),
		  "Something odd with <ip>");

	CHECK_INT(sip_findings_compute(db, rs, &d), SIP_OK);
	CHECK_STR(col(db, "SELECT count(*) FROM findings", buf, sizeof buf), "5");
	/* order: critical, error (17, then 2), warning, benign last */
	CHECK_STR(col(db, "SELECT group_concat(rule_id || ':' || count, ' ') FROM (SELECT * FROM findings ORDER BY "
		      SIP_FINDINGS_ORDER ")", buf, sizeof buf),
		  "CRIT1:1 PNC:17 PNC:2 WARN1:3 BEN:4");
	/* ids follow the same order */
	CHECK_STR(col(db, "SELECT group_concat(rule_id, ' ') FROM (SELECT * FROM findings ORDER BY id)", buf, sizeof buf),
		  "CRIT1 PNC PNC WARN1 BEN");
	CHECK_STR(col(db, "SELECT key FROM findings WHERE id = 2", buf, sizeof buf), "fqdn=deitterick.com");
	CHECK_STR(col(db, "SELECT keys_json FROM findings WHERE id = 2", buf, sizeof buf), "{\"fqdn\":\"deitterick.com\"}");
	CHECK_STR(col(db, "SELECT title FROM findings WHERE id = 2", buf, sizeof buf), "Peer deitterick.com not configured");
	CHECK_STR(col(db, "SELECT cause FROM findings WHERE id = 2", buf, sizeof buf), "deitterick.com: use --topology");
	CHECK_STR(col(db, "SELECT fix FROM findings WHERE id = 2", buf, sizeof buf), "fix deitterick.com");
	CHECK_STR(col(db, "SELECT refs FROM findings WHERE id = 2", buf, sizeof buf), "https://r.example/a");
	CHECK_STR(col(db, "SELECT severity FROM findings WHERE id = 2", buf, sizeof buf), "error");
	/* ts of record i is 60-2i minutes: record 17 is the first seen */
	CHECK_STR(col(db, "SELECT first_seen FROM findings WHERE id = 2", buf, sizeof buf), "2011-12-20 20:26:01.000");
	CHECK_STR(col(db, "SELECT last_seen FROM findings WHERE id = 2", buf, sizeof buf), "2011-12-20 20:58:01.000");
	/* hosts in name order, whatever order the records came in */
	CHECK_STR(col(db, "SELECT hosts FROM findings WHERE id = 2", buf, sizeof buf), "[\"fe01\",\"fe02\"]");
	CHECK_STR(col(db, "SELECT sample_ids FROM findings WHERE id = 2", buf, sizeof buf), "[1,2,3,4,5]");
	CHECK_STR(col(db, "SELECT benign FROM findings WHERE rule_id = 'BEN'", buf, sizeof buf), "1");
	CHECK_STR(col(db, "SELECT severity FROM findings WHERE rule_id = 'BEN'", buf, sizeof buf), "critical");
	CHECK_STR(col(db, "SELECT count(*) FROM finding_records WHERE finding_id = 2", buf, sizeof buf), "17");
	CHECK_STR(col(db, "SELECT count(*) FROM finding_records", buf, sizeof buf), "27");

	/* computing twice gives the same, not doubled, rows */
	CHECK_INT(sip_findings_compute(db, rs, &d), SIP_OK);
	CHECK_STR(col(db, "SELECT count(*) FROM finding_records", buf, sizeof buf), "27");

	/* a rule id the set no longer knows */
	CHECK_INT(sip_findings_add_match(f, 28, "GONE", "", "{}", &d), SIP_OK);
	CHECK_INT(sip_findings_compute(db, rs, &d), SIP_OK);
	CHECK_STR(col(db, "SELECT severity || '|' || title FROM findings WHERE rule_id = 'GONE'", buf, sizeof buf),
		  "warning|GONE");

	sip_findings_free(f);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
	sqlite3_close(db);
}

/* The cause of the PNC finding for fqdn, given a topology in the table. */
static void cause_for(const char *fqdn, const char *const *topo, const char *want)
{
	sqlite3 *db = open_db();
	sip_rules *rs = load_rules();
	sip_findings *f = NULL;
	sip_topology *t = sip_topology_new();
	sip_diag d;
	char vars[256], buf[512];

	sip_diag_clear(&d);
	for (int i = 0; topo && topo[i]; i++)
		sip_topology_add(t, topo[i], strlen(topo[i]), "pool", "test");
	CHECK_INT(sip_findings_save_topology(db, t, &d), SIP_OK);
	CHECK_INT(sip_findings_open(db, &f, &d), SIP_OK);
	add_record(db, 1, "2011-12-20 20:45:01.704", "fe");
	snprintf(vars, sizeof vars, "{\"fqdn\":\"%s\"}", fqdn);
	CHECK_INT(sip_findings_add_match(f, 1, "PNC", "fqdn", vars, &d), SIP_OK);
	CHECK_INT(sip_findings_compute(db, rs, &d), SIP_OK);
	CHECK_STR(col(db, "SELECT cause FROM findings", buf, sizeof buf), want);
	sip_findings_free(f);
	sip_topology_free(t);
	sip_rules_free(rs);
	sqlite3_close(db);
}

static void test_topology_cases(void)
{
	static const char *const topo[] = { "mail.deitterick.com", "Edge.Contoso.com", "contoso.net", NULL };
	cause_for("deitterick.com", NULL, "deitterick.com: use --topology");
	cause_for("deitterick.com", topo, "parent deitterick.com vs mail.deitterick.com");
	cause_for("edge.contoso.com", topo, "case edge.contoso.com vs Edge.Contoso.com");
	cause_for("sip.contoso.net", topo, "child sip.contoso.net vs contoso.net");
	cause_for("mail.deitterick.com", topo, "exact mail.deitterick.com is mail.deitterick.com");
	cause_for("fabrikam.com", topo, "none fabrikam.com");
}

static void test_topology_roundtrip(void)
{
	sqlite3 *db = open_db();
	sip_topology *t = sip_topology_new(), *back = NULL;
	sip_diag d;
	const char *fqdn, *kind, *source;

	sip_diag_clear(&d);
	sip_topology_add(t, "a.contoso.com", 13, "pool", "p.csv");
	sip_topology_add(t, "b.contoso.com", 13, "computer", "p.csv");
	CHECK_INT(sip_findings_save_topology(db, t, &d), SIP_OK);
	CHECK_INT(sip_findings_save_topology(db, t, &d), SIP_OK); /* replaces */
	CHECK_INT(sip_findings_load_topology(db, &back, &d), SIP_OK);
	CHECK_INT(sip_topology_count(back), 2);
	sip_topology_entry(back, 1, &fqdn, &kind, &source);
	CHECK_STR(fqdn, "b.contoso.com");
	CHECK_STR(kind, "computer");
	CHECK_STR(source, "p.csv");
	sip_topology_free(back);
	sip_topology_free(t);
	/* without the tables: a clean SIP_EDB */
	{
		sqlite3 *empty = NULL;
		sip_findings *f = NULL;
		sqlite3_open(":memory:", &empty);
		CHECK_INT(sip_findings_open(empty, &f, &d), SIP_EDB);
		CHECK(f == NULL);
		sqlite3_close(empty);
	}
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_compute), T(test_topology_cases), T(test_topology_roundtrip), { 0 }
	};
	return t_main(cases);
}
