/*
 * findings.c -- matches and unexplained rows in, findings out (see
 * findings.h for the tables and column formats).
 *
 * Design note: sip_findings_compute reads matches once, sorted by (rule,
 * key, record id), and aggregates each group in C (count, first/last ts,
 * distinct hosts, sample ids, the first match's variables); the groups are
 * few compared with the matches, so they are sorted in memory into listing
 * order and numbered, and finding_records is then filled by one INSERT ...
 * SELECT joining matches with findings on (rule_id, key).
 */
#include "findings.h"
#include "dbopen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HOSTS 32
#define MAX_SAMPLES 5
#define NOLD 7

struct sip_findings {
	sqlite3 *db;
	sqlite3_stmt *ins_match;
	sqlite3_stmt *ins_unexpl;
};

static int db_err(sqlite3 *db, sip_diag *diag, const char *what)
{
	return sip_diag_set(diag, sip_db_code(db), "", 0, "%s: %s", what, sqlite3_errmsg(db));
}

int sip_findings_open(sqlite3 *db, sip_findings **out, sip_diag *diag)
{
	sip_findings *f = calloc(1, sizeof(*f));
	int rc = SIP_OK;

	*out = NULL;
	if (!f)
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	f->db = db;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO matches(record_id, rule_id, key, vars)"
			       " VALUES(?1, ?2, ?3, ?4)", -1, &f->ins_match, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO unexplained(record_id, template)"
			       " VALUES(?1, ?2)", -1, &f->ins_unexpl, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "preparing the findings statements");
		sip_findings_free(f);
		return rc;
	}
	*out = f;
	return SIP_OK;
}

void sip_findings_free(sip_findings *f)
{
	if (!f)
		return;
	sqlite3_finalize(f->ins_match);
	sqlite3_finalize(f->ins_unexpl);
	free(f);
}

static int step_reset(sqlite3 *db, sqlite3_stmt *st, sip_diag *diag, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_err(db, diag, what);
	return SIP_OK;
}

int sip_findings_add_match(sip_findings *f, int64_t record_id, const char *rule_id,
			   const char *key, const char *vars, sip_diag *diag)
{
	sqlite3_bind_int64(f->ins_match, 1, record_id);
	sqlite3_bind_text(f->ins_match, 2, rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->ins_match, 3, key ? key : "", -1, SQLITE_STATIC);
	if (vars)
		sqlite3_bind_text(f->ins_match, 4, vars, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(f->ins_match, 4);
	return step_reset(f->db, f->ins_match, diag, "inserting a match");
}

int sip_findings_add_unexplained(sip_findings *f, int64_t record_id,
				 const char *tmpl, sip_diag *diag)
{
	sqlite3_bind_int64(f->ins_unexpl, 1, record_id);
	sqlite3_bind_text(f->ins_unexpl, 2, tmpl, -1, SQLITE_STATIC);
	return step_reset(f->db, f->ins_unexpl, diag, "inserting an unexplained record");
}

int sip_findings_add_out(sip_findings *f, const sip_rules_out *out,
			 int64_t id_base, sip_diag *diag)
{
	int rc;
	for (size_t i = 0; i < out->n; i++) {
		const sip_rule_match *m = &out->m[i];
		rc = sip_findings_add_match(f, id_base + (int64_t)m->tag, sip_rule_id(m->rule),
					    out->text.p + m->key_off,
					    out->text.p + m->vars_off, diag);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < out->nu; i++) {
		rc = sip_findings_add_unexplained(f, id_base + (int64_t)out->u[i].tag,
						  out->text.p + out->u[i].tmpl_off, diag);
		if (rc)
			return rc;
	}
	return SIP_OK;
}

/* ---- compute ------------------------------------------------------------- */

typedef struct group {
	char *rule_id, *key, *vars;
	const sip_rule *rule;
	int64_t count;
	char first[24], last[24];
	char *hosts[MAX_HOSTS];
	int nhosts;
	int64_t samples[MAX_SAMPLES];
	int nsamples;
	int sev, benign, conf;
	int64_t rule_total;  /* records of every group of its rule: the
	                        rule's groups are listed together */
	int64_t gid;         /* findings.group_id: the first finding of its
	                        rule with the same cause and fix but for the
	                        key values (its own id: a group of its own) */
	char *related;       /* JSON array of the merged signatures, or NULL */
	size_t nrelated;
	char *old[NOLD];     /* a rule no longer loaded: the title, cause, fix,
	                        refs, keys_json, subject and confidence its
	                        finding had (NULL: none) */
} group;

static void group_free(group *g)
{
	free(g->rule_id);
	free(g->key);
	free(g->vars);
	free(g->related);
	for (int i = 0; i < NOLD; i++)
		free(g->old[i]);
	for (int i = 0; i < g->nhosts; i++)
		free(g->hosts[i]);
}

static char *dup_text(const unsigned char *s)
{
	size_t n = s ? strlen((const char *)s) : 0;
	char *p = malloc(n + 1);
	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static int group_cmp(const void *a, const void *b)
{
	const group *x = a, *y = b;
	int c;
	if (x->benign != y->benign)
		return x->benign - y->benign;
	if (x->sev != y->sev)
		return y->sev - x->sev;
	if (x->conf != y->conf)
		return x->conf - y->conf;
	if (x->rule_total != y->rule_total)
		return x->rule_total > y->rule_total ? -1 : 1;
	if ((c = strcmp(x->rule_id, y->rule_id)))
		return c;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Run sql; on failure diag says "what: why". */
static int exec(sqlite3 *db, const char *what, const char *sql, sip_diag *diag)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sip_diag_set(diag, sip_db_code(db), "", 0, "%s: %s", what,
				      msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return rc;
	}
	return SIP_OK;
}

/* Replace every occurrence of each non-empty variable value of vars in b
   by \001, longest value first: two findings of one rule whose texts are
   equal after it were rendered from the same templates (the same topology
   case, the same optional phrases), so they state one cause and one fix,
   about different peers, servers or domains. */
static int strip_keys(const sip_rule *ru, const char *vars, sip_buf *b)
{
	sip_buf v, t;
	size_t n = sip_rule_nvars(ru);
	int rc = SIP_OK, done[32] = { 0 };

	if (n > 32)
		n = 32;
	sip_buf_init(&v, 64 * 1024);
	sip_buf_init(&t, 16u * 1024 * 1024);
	for (size_t round = 0; round < n && !rc; round++) {
		size_t best = n, bestlen = 0;
		for (size_t k = 0; k < n; k++) {
			if (done[k] || !sip_vars_get(vars, sip_rule_var_at(ru, k), &v))
				continue;
			if (v.n > bestlen)
				best = k, bestlen = v.n;
		}
		if (best == n)
			break;
		done[best] = 1;
		sip_vars_get(vars, sip_rule_var_at(ru, best), &v);
		sip_buf_reset(&t);
		for (size_t i = 0; i < b->n && !rc;) {
			if (b->n - i >= v.n && !memcmp(b->p + i, v.p, v.n)) {
				rc = sip_buf_addc(&t, 1);
				i += v.n;
			} else
				rc = sip_buf_addc(&t, b->p[i++]);
		}
		if (!rc) {
			sip_buf_reset(b);
			rc = sip_buf_add(b, t.p ? t.p : "", t.n);
		}
	}
	sip_buf_release(&v);
	sip_buf_release(&t);
	return rc ? SIP_ENOMEM : SIP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct leader {
	char *norm;
	int64_t id;
} leader;

static int insert_findings(sqlite3 *db, group *g, size_t ng, const sip_topology *topo,
			   sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_buf b[8];
	leader *ld = NULL;
	size_t nld = 0, capld = 0;
	int rc = SIP_OK;

	for (int i = 0; i < 8; i++)
		sip_buf_init(&b[i], 16u * 1024 * 1024);
	if (sqlite3_prepare_v2(db, "INSERT INTO findings(id, rule_id, severity, title, cause, fix,"
			       " refs, key, keys_json, count, first_seen, last_seen, hosts,"
			       " sample_ids, benign, subject, group_id, confidence, related)"
			       " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
			       "?13,?14,?15,?16,?17,?18,?19)", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "preparing the findings insert");
		goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		group *x = &g[i];
		int64_t id = (int64_t)(i + 1);
		for (int k = 0; k < 8; k++)
			sip_buf_reset(&b[k]);
		if (x->rule) {
			if (sip_rule_render(x->rule, SIP_TEXT_TITLE, x->vars, topo, &b[0]) ||
			    sip_rule_render(x->rule, SIP_TEXT_CAUSE, x->vars, topo, &b[1]) ||
			    sip_rule_render(x->rule, SIP_TEXT_FIX, x->vars, topo, &b[2]) ||
			    sip_rule_key_json(x->rule, x->vars, &b[3]))
				goto nomem;
			sip_rule_subject(x->rule, x->vars, &b[6]);
		} else if (x->old[0]) {
			/* its rule is not loaded in this run (a custom rule of an
			   earlier run's --rules): the texts it had */
			if (sip_buf_adds(&b[0], x->old[0]) || sip_buf_adds(&b[1], x->old[1]) ||
			    sip_buf_adds(&b[2], x->old[2]) ||
			    sip_buf_adds(&b[3], x->old[4] && *x->old[4] ? x->old[4] : "{}") ||
			    (x->old[5] && sip_buf_adds(&b[6], x->old[5])))
				goto nomem;
		} else if (sip_buf_adds(&b[0], x->rule_id) || sip_buf_adds(&b[1], "") ||
			   sip_buf_adds(&b[2], "") || sip_buf_adds(&b[3], "{}"))
			goto nomem;
		if (sip_buf_addc(&b[4], '['))
			goto nomem;
		/* in name order: the same for any order the records came in */
		if (x->nhosts > 1)
			qsort(x->hosts, (size_t)x->nhosts, sizeof x->hosts[0], cmp_str);
		for (int k = 0; k < x->nhosts; k++)
			if ((k && sip_buf_addc(&b[4], ',')) ||
			    sip_buf_json_str(&b[4], x->hosts[k], strlen(x->hosts[k])))
				goto nomem;
		if (sip_buf_addc(&b[4], ']') || sip_buf_addc(&b[5], '['))
			goto nomem;
		for (int k = 0; k < x->nsamples; k++)
			if (sip_buf_printf(&b[5], "%s%lld", k ? "," : "", (long long)x->samples[k]))
				goto nomem;
		if (sip_buf_addc(&b[5], ']'))
			goto nomem;
		/* the group: the first finding of the same rule whose cause and
		   fix read the same but for the key values */
		if (i == 0 || strcmp(g[i - 1].rule_id, x->rule_id)) {
			for (size_t k = 0; k < nld; k++)
				free(ld[k].norm);
			nld = 0;
		}
		x->gid = id;
		if (x->rule && !x->benign) {
			size_t k;
			if (sip_buf_add(&b[7], b[1].p ? b[1].p : "", b[1].n) || sip_buf_addc(&b[7], 2) ||
			    sip_buf_add(&b[7], b[2].p ? b[2].p : "", b[2].n) ||
			    strip_keys(x->rule, x->vars, &b[7]) || sip_buf_addc(&b[7], 0))
				goto nomem;
			for (k = 0; k < nld; k++)
				if (!strcmp(ld[k].norm, b[7].p))
					break;
			if (k < nld)
				x->gid = ld[k].id;
			else {
				if (nld == capld) {
					size_t cap = capld ? capld * 2 : 8;
					leader *nl = realloc(ld, cap * sizeof(*nl));
					if (!nl)
						goto nomem;
					ld = nl;
					capld = cap;
				}
				if (!(ld[nld].norm = strdup(b[7].p)))
					goto nomem;
				ld[nld++].id = id;
			}
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		sqlite3_bind_text(st, 2, x->rule_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sip_severity_name(x->sev), -1, SQLITE_STATIC);
		for (int k = 0; k < 3; k++)
			sqlite3_bind_text(st, 4 + k, b[k].p ? b[k].p : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, x->rule ? sip_rule_refs(x->rule)
				  : x->old[3] ? x->old[3] : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, x->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, b[3].p, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, x->count);
		if (x->first[0]) {
			sqlite3_bind_text(st, 11, x->first, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 12, x->last, -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_null(st, 11);
			sqlite3_bind_null(st, 12);
		}
		sqlite3_bind_text(st, 13, b[4].p, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, b[5].p, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 15, x->benign);
		if (b[6].n)
			sqlite3_bind_text(st, 16, b[6].p, (int)b[6].n, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 16);
		sqlite3_bind_int64(st, 17, x->gid);
		sqlite3_bind_text(st, 18, sip_confidence_name(x->conf), -1, SQLITE_STATIC);
		if (x->related)
			sqlite3_bind_text(st, 19, x->related, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 19);
		if ((rc = step_reset(db, st, diag, "inserting a finding")))
			goto out;
	}
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory rendering findings");
out:
	sqlite3_finalize(st);
	for (size_t k = 0; k < nld; k++)
		free(ld[k].norm);
	free(ld);
	for (int i = 0; i < 8; i++)
		sip_buf_release(&b[i]);
	return rc;
}

/*
 * Correlation: the matches of records of one event that several rules
 * explain make one finding.  Two matches (of different rules) are of one
 * event when their records carry the same Call-ID within CORR_WINDOW_MS
 * (on one server or several), or when, on one server (one host; one file
 * for logs that name no host) within CORR_PEER_MS, the subject of one (a
 * peer FQDN, a domain) is named in the other's text (a Winsock or TLS
 * trace line of the connection a response reports).  The leader is the
 * match of lowest rank: severity first, then the server's own record
 * (connection, diagnostic, trace) before a response's ms-diagnostics
 * (which reports it), then confidence, then rule id.  A match with a
 * better one related to it is absorbed into the finding of the best
 * leader related to it (a match with nothing better): its record joins
 * that finding's records and its rule that finding's related list, and it
 * counts in no finding of its own.
 *
 * temp.sip_rank(rule_id, rank, conf) is filled first, for the loaded
 * rules that are not benign; temp.sip_absorbed(rule_id, key, rid, lead)
 * results, lead = leader's rule_id || char(31) || key.
 */
#define CORR_WINDOW_MS "10000"
#define CORR_PEER_MS "2000"
#define CORR_CALL(a, b) \
	a ".cid = " b ".cid AND " a ".rule_id <> " b ".rule_id AND" \
	" ((typeof(" a ".ts) = 'integer' AND typeof(" b ".ts) = 'integer' AND" \
	" abs(" a ".ts - " b ".ts) <= " CORR_WINDOW_MS ") OR (" a ".ts IS NULL AND " \
	b ".ts IS NULL AND " a ".fid = " b ".fid))"
#define CORR_PEER(a, b) \
	"typeof(" b ".ts) = 'integer' AND " a ".ts BETWEEN " b ".ts - " CORR_PEER_MS \
	" AND " b ".ts + " CORR_PEER_MS " AND " a ".rule_id <> " b ".rule_id AND" \
	" (" a ".hid = " b ".hid OR (" a ".hid IS NULL AND " b ".hid IS NULL AND " \
	a ".fid = " b ".fid)) AND ((length(" a ".subj) >= 4 AND instr(" b ".txt, " a ".subj) > 0)" \
	" OR (length(" b ".subj) >= 4 AND instr(" a ".txt, " b ".subj) > 0))"
#define CORR_BETTER(a, b) \
	"(" a ".rank < " b ".rank OR (" a ".rank = " b ".rank AND " a ".rule_id < " b ".rule_id))"
#define CORR_LEAD(a) a ".rule_id || char(31) || coalesce(" a ".key, '')"

static const char corr_sql[] =
	"CREATE TEMP TABLE sip_ev AS SELECT m.rule_id AS rule_id, m.key AS key,"
	" m.record_id AS rid, r.call_id AS cid, r.ts AS ts, r.file_id AS fid,"
	" (SELECT host FROM tagsets WHERE id = r.tagset_id) AS hid, r.text AS txt,"
	" coalesce(sip_subject(m.rule_id, m.vars), '') AS subj,"
	" (k.rank * 2 + (r.kind = 3)) * 3 + k.conf AS rank"
	" FROM matches m JOIN temp.sip_rank k ON k.rule_id = m.rule_id"
	" JOIN record_rows r ON r.id = m.record_id;"
	"CREATE INDEX temp.sip_ev_cid ON sip_ev(cid) WHERE cid IS NOT NULL;"
	"CREATE INDEX temp.sip_ev_ts ON sip_ev(ts);"
	"CREATE TEMP TABLE sip_lead AS SELECT * FROM sip_ev b WHERE NOT EXISTS ("
	" SELECT 1 FROM sip_ev a WHERE " CORR_CALL("a", "b") " AND " CORR_BETTER("a", "b") ")"
	" AND NOT EXISTS (SELECT 1 FROM sip_ev a WHERE " CORR_PEER("a", "b") " AND "
	CORR_BETTER("a", "b") ");"
	"CREATE INDEX temp.sip_lead_cid ON sip_lead(cid) WHERE cid IS NOT NULL;"
	"CREATE INDEX temp.sip_lead_ts ON sip_lead(ts);"
	"CREATE TEMP TABLE sip_absorbed AS SELECT * FROM (SELECT b.rule_id AS rule_id,"
	" b.key AS key, b.rid AS rid, (SELECT lead FROM ("
	"  SELECT " CORR_LEAD("a") " AS lead, a.rank AS rank, a.rule_id AS rule_id, a.rid AS rid"
	"  FROM sip_lead a WHERE " CORR_CALL("a", "b") " AND " CORR_BETTER("a", "b")
	"  UNION ALL SELECT " CORR_LEAD("a") ", a.rank, a.rule_id, a.rid"
	"  FROM sip_lead a WHERE " CORR_PEER("a", "b") " AND " CORR_BETTER("a", "b")
	"  ) ORDER BY rank, rule_id, rid LIMIT 1) AS lead"
	" FROM sip_ev b WHERE NOT EXISTS (SELECT 1 FROM sip_lead l WHERE l.rid = b.rid"
	"  AND l.rule_id = b.rule_id)) WHERE lead IS NOT NULL;"
	"CREATE INDEX temp.sip_absorbed_rid ON sip_absorbed(rid, rule_id);";

static const char corr_drop[] =
	"DROP TABLE IF EXISTS temp.sip_rank; DROP TABLE IF EXISTS temp.sip_ev;"
	" DROP TABLE IF EXISTS temp.sip_lead; DROP TABLE IF EXISTS temp.sip_absorbed;";

/* sip_subject(rule_id, vars): the subject of a match (sip_rule_subject),
   NULL when the rule is not loaded or names none. */
static void subject_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const sip_rules *rs = sqlite3_user_data(cx);
	const char *id = (const char *)sqlite3_value_text(argv[0]);
	const char *vars = (const char *)sqlite3_value_text(argv[1]);
	const sip_rule *ru = id ? sip_rules_find(rs, id) : NULL;
	sip_buf b;

	(void)argc;
	if (!ru || !vars)
		return;
	sip_buf_init(&b, 64 * 1024);
	if (sip_rule_subject(ru, vars, &b))
		sqlite3_result_text(cx, b.p, (int)b.n, SQLITE_TRANSIENT);
	sip_buf_release(&b);
}

/* Fill temp.sip_rank from the rules the matches name, then correlate. */
static int correlate(sqlite3 *db, const sip_rules *rs, sip_diag *diag)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc, src;

	if ((rc = exec(db, "correlating the findings", corr_drop, diag)) ||
	    (rc = exec(db, "correlating the findings", "CREATE TEMP TABLE sip_rank(rule_id TEXT"
		       " PRIMARY KEY, rank INTEGER, conf INTEGER);", diag)))
		return rc;
	if (sqlite3_create_function(db, "sip_subject", 2, SQLITE_UTF8, (void *)rs, subject_fn,
				    NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "correlating the findings");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT rule_id FROM matches", -1, &sel, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO temp.sip_rank VALUES(?1, ?2, ?3)", -1, &ins, NULL)) {
		rc = db_err(db, diag, "correlating the findings");
		goto out;
	}
	while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		const sip_rule *ru = id ? sip_rules_find(rs, id) : NULL;
		if (!ru || sip_rule_benign(ru))
			continue;
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 2, SIP_SEV_CRITICAL - sip_rule_severity(ru));
		sqlite3_bind_int(ins, 3, sip_rule_confidence(ru));
		if ((rc = step_reset(db, ins, diag, "correlating the findings")))
			goto out;
	}
	if (src != SQLITE_DONE) {
		rc = db_err(db, diag, "correlating the findings");
		goto out;
	}
	rc = exec(db, "correlating the findings", corr_sql, diag);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	/* rs lives no longer than this call */
	sqlite3_create_function(db, "sip_subject", 2, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	return rc;
}

static int group_key_cmp(const group *x, const char *rule_id, const char *key)
{
	int c = strcmp(x->rule_id, rule_id);
	return c ? c : strcmp(x->key, key);
}

/* The related lists: per leading group, the rules whose matches it
   absorbed, as [{"rule":"ID","records":N},...] (most records first).
   g is sorted by rule_id, key. */
static int load_related(sqlite3 *db, group *g, size_t ng, const char *sql,
			sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_buf b;
	int rc = SIP_OK, src;

	sip_buf_init(&b, 0);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(db, diag, "reading the correlated findings");
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *lead = (const char *)sqlite3_column_text(st, 0);
		const char *rid = (const char *)sqlite3_column_text(st, 1);
		const char *sep = lead ? strchr(lead, 31) : NULL;
		size_t lo = 0, hi = ng;
		char rule[128];
		group *x = NULL;
		if (!sep || !rid || (size_t)(sep - lead) >= sizeof rule)
			continue;
		memcpy(rule, lead, (size_t)(sep - lead));
		rule[sep - lead] = 0;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = group_key_cmp(&g[mid], rule, sep + 1);
			if (!c) {
				x = &g[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!x)
			continue;
		sip_buf_reset(&b);
		if (x->related && sip_buf_add(&b, x->related, strlen(x->related) - 1))
			goto nomem;
		if (sip_buf_adds(&b, x->related ? "," : "[") || sip_buf_adds(&b, "{\"rule\":") ||
		    sip_buf_json_str(&b, rid, strlen(rid)) ||
		    sip_buf_printf(&b, ",\"records\":%lld}]", (long long)sqlite3_column_int64(st, 2)) ||
		    sip_buf_addc(&b, 0))
			goto nomem;
		free(x->related);
		if (!(x->related = strdup(b.p)))
			goto nomem;
		x->nrelated++;
	}
	if (src != SQLITE_DONE)
		rc = db_err(db, diag, "reading the correlated findings");
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory computing findings");
out:
	sqlite3_finalize(st);
	sip_buf_release(&b);
	return rc;
}

/*
 * A new group at the end of *g (grown as needed) for rule rid and key,
 * with a copy of vars and the severity, benign flag and confidence of its
 * rule in rs (a rule rs does not know: warning, not benign, inferred).
 * NULL when out of memory.
 */
static group *group_new(group **g, size_t *ng, size_t *cap, const sip_rules *rs,
			const char *rid, const char *key, const unsigned char *vars)
{
	group *x;

	if (*ng == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		group *nb = realloc(*g, c * sizeof(*nb));
		if (!nb)
			return NULL;
		*g = nb;
		*cap = c;
	}
	x = &(*g)[(*ng)++];
	memset(x, 0, sizeof(*x));
	if (!(x->rule_id = dup_text((const unsigned char *)rid)) ||
	    !(x->key = dup_text((const unsigned char *)key)) || !(x->vars = dup_text(vars)))
		return NULL;
	x->rule = sip_rules_find(rs, rid);
	x->sev = x->rule ? sip_rule_severity(x->rule) : SIP_SEV_WARNING;
	x->benign = x->rule ? sip_rule_benign(x->rule) : 0;
	x->conf = x->rule ? sip_rule_confidence(x->rule) : SIP_CONF_INFERRED;
	return x;
}

/*
 * The groups (sorted by rule_id, key) become the findings: each rule's
 * total, the related lists (related_sql: see load_related), then the
 * findings table cleared and written in listing order.
 */
static int write_groups(sqlite3 *db, group *g, size_t ng, const char *related_sql,
			const sip_topology *topo, sip_diag *diag)
{
	int rc;

	/* the groups of one rule are consecutive (ordered by rule_id) */
	for (size_t i = 0, j; i < ng; i = j) {
		int64_t t = 0;
		for (j = i; j < ng && !strcmp(g[j].rule_id, g[i].rule_id); j++)
			t += g[j].count;
		for (size_t k = i; k < j; k++)
			g[k].rule_total = t;
	}
	if ((rc = load_related(db, g, ng, related_sql, diag)) ||
	    (rc = exec(db, "clearing the findings",
		       "DELETE FROM finding_records; DELETE FROM findings;", diag)))
		return rc;
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
	return insert_findings(db, g, ng, topo, diag);
}

/* v as n decimal digits at p (v < 10^n). */
static void put_digits(char *p, int n, int v)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Column i of st, a record_rows.ts, as the records view shows it: the
   integer milliseconds as "YYYY-MM-DD HH:MM:SS.mmm" (UTC), other values
   as they are (the view's date functions end at 9999: NULL after).  The
   view's strftime and printf cost 5,600 instructions a match more than
   this, snprintf 3,200 (the findings of the 100 MiB bench trace). */
static const char *ts_text(sqlite3_stmt *st, int i, char buf[24])
{
	long long ms;
	time_t t;
	struct tm tm;

	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return (const char *)sqlite3_column_text(st, i);
	ms = sqlite3_column_int64(st, i);
	t = (time_t)(ms / 1000);
	if (ms < 0 || !gmtime_r(&t, &tm))
		return (const char *)sqlite3_column_text(st, i);
	if (tm.tm_year + 1900 > 9999)
		return NULL;
	memcpy(buf, "0000-00-00 00:00:00.000", 24);
	put_digits(buf, 4, tm.tm_year + 1900);
	put_digits(buf + 5, 2, tm.tm_mon + 1);
	put_digits(buf + 8, 2, tm.tm_mday);
	put_digits(buf + 11, 2, tm.tm_hour);
	put_digits(buf + 14, 2, tm.tm_min);
	put_digits(buf + 17, 2, tm.tm_sec);
	put_digits(buf + 20, 3, (int)(ms % 1000));
	return buf;
}

int sip_findings_compute(sqlite3 *db, const sip_rules *rs, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	group *g = NULL;
	size_t ng = 0, capg = 0;
	sip_topology *topo = NULL;
	int rc, src;

	sqlite3_stmt *old = NULL;

	/* the findings are cleared once the matches are grouped: a group whose
	   rule is not loaded keeps the texts its finding had */
	if ((rc = exec(db, "clearing the findings", "SAVEPOINT sip_findings_compute;", diag)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT title, cause, fix, refs, keys_json, subject,"
			       " confidence, severity, benign"
			       " FROM findings WHERE rule_id = ?1 AND key = ?2", -1, &old,
			       NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading the findings");
		goto out;
	}
	if ((rc = sip_findings_load_topology(db, &topo, diag)) ||
	    (rc = correlate(db, rs, diag)))
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT m.rule_id, m.key, m.record_id, m.vars, r.ts,"
			       " (SELECT host FROM tagsets WHERE id = r.tagset_id)"
			       " FROM matches m LEFT JOIN record_rows r ON r.id = m.record_id"
			       " WHERE NOT EXISTS (SELECT 1 FROM temp.sip_absorbed s"
			       "  WHERE s.rid = m.record_id AND s.rule_id = m.rule_id)"
			       " ORDER BY m.rule_id, m.key, m.record_id", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading matches");
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *rid = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		char tsbuf[24];
		const char *ts = ts_text(st, 4, tsbuf);
		const char *host = (const char *)sqlite3_column_text(st, 5);
		group *x = ng ? &g[ng - 1] : NULL;
		if (!rid)
			continue;
		if (!key)
			key = "";
		if (!x || strcmp(x->rule_id, rid) || strcmp(x->key, key)) {
			if (!(x = group_new(&g, &ng, &capg, rs, rid, key,
					    sqlite3_column_text(st, 3))))
				goto nomem;
			if (!x->rule) {
				sqlite3_bind_text(old, 1, rid, -1, SQLITE_STATIC);
				sqlite3_bind_text(old, 2, key, -1, SQLITE_STATIC);
				if (sqlite3_step(old) == SQLITE_ROW) {
					const char *sv = (const char *)sqlite3_column_text(old, 7);
					const char *cf = (const char *)sqlite3_column_text(old, 6);
					int sev = sv ? sip_severity_parse(sv) : -1;
					int conf = cf ? sip_confidence_parse(cf) : -1;
					for (int k = 0; k < NOLD; k++)
						if (!(x->old[k] = dup_text(sqlite3_column_text(old, k)))) {
							sqlite3_reset(old);
							goto nomem;
						}
					if (sev >= 0)
						x->sev = sev;
					if (conf >= 0)
						x->conf = conf;
					x->benign = sqlite3_column_int(old, 8);
				}
				sqlite3_reset(old);
			}
		}
		x->count++;
		if (x->nsamples < MAX_SAMPLES)
			x->samples[x->nsamples++] = sqlite3_column_int64(st, 2);
		/* the variables of the earliest match (then the lowest id): a
		   definition an engine holding many databases' rows can share */
		if (ts && *ts && x->first[0] && strcmp(ts, x->first) < 0) {
			free(x->vars);
			if (!(x->vars = dup_text(sqlite3_column_text(st, 3))))
				goto nomem;
		}
		if (ts && *ts) {
			if (!x->first[0] || strcmp(ts, x->first) < 0)
				snprintf(x->first, sizeof x->first, "%s", ts);
			if (!x->last[0] || strcmp(ts, x->last) > 0)
				snprintf(x->last, sizeof x->last, "%s", ts);
		}
		if (host && *host && x->nhosts < MAX_HOSTS) {
			int k;
			for (k = 0; k < x->nhosts; k++)
				if (!strcmp(x->hosts[k], host))
					break;
			if (k == x->nhosts &&
			    !(x->hosts[x->nhosts++] = dup_text((const unsigned char *)host)))
				goto nomem;
		}
	}
	if (src != SQLITE_DONE) {
		rc = db_err(db, diag, "reading matches");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = write_groups(db, g, ng, "SELECT lead, rule_id, count(*) FROM temp.sip_absorbed"
			       " GROUP BY lead, rule_id ORDER BY lead, 3 DESC, rule_id", topo, diag)))
		goto out;
	rc = exec(db, "linking the findings to their records",
		  "INSERT INTO finding_records(finding_id, record_id)"
		  " SELECT f.id, m.record_id FROM matches m"
		  " JOIN findings f ON f.rule_id = m.rule_id AND f.key = m.key"
		  " WHERE NOT EXISTS (SELECT 1 FROM temp.sip_absorbed s"
		  "  WHERE s.rid = m.record_id AND s.rule_id = m.rule_id);"
		  "INSERT OR IGNORE INTO finding_records(finding_id, record_id)"
		  " SELECT f.id, s.rid FROM temp.sip_absorbed s"
		  " JOIN findings f ON f.rule_id || char(31) || coalesce(f.key, '') = s.lead;", diag);
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory computing findings");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(old);
	for (size_t i = 0; i < ng; i++)
		group_free(&g[i]);
	free(g);
	sip_topology_free(topo);
	exec(db, "", corr_drop, NULL);
	if (rc)
		exec(db, "", "ROLLBACK TO sip_findings_compute; RELEASE sip_findings_compute;", NULL);
	else
		rc = exec(db, "committing the findings", "RELEASE sip_findings_compute;", diag);
	return rc;
}

/* ---- topology ------------------------------------------------------------- */

int sip_findings_save_topology(sqlite3 *db, const sip_topology *t, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = exec(db, "saving the topology", "SAVEPOINT sip_topo; DELETE FROM topology;", diag)))
		return rc;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO topology(fqdn, kind, source)"
			       " VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "saving the topology");
		goto out;
	}
	for (size_t i = 0; i < sip_topology_count(t); i++) {
		const char *fqdn, *kind, *source;
		sip_topology_entry(t, i, &fqdn, &kind, &source);
		sqlite3_bind_text(st, 1, fqdn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
		if ((rc = step_reset(db, st, diag, "saving the topology")))
			goto out;
	}
out:
	sqlite3_finalize(st);
	if (rc)
		exec(db, "", "ROLLBACK TO sip_topo; RELEASE sip_topo;", NULL);
	else
		rc = exec(db, "saving the topology", "RELEASE sip_topo;", diag);
	return rc;
}

int sip_findings_load_topology(sqlite3 *db, sip_topology **out, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_topology *t = sip_topology_new();
	int rc = SIP_OK, src;

	*out = NULL;
	if (!t)
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	if (sqlite3_prepare_v2(db, "SELECT fqdn, kind, source FROM topology ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading the topology");
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *fqdn = (const char *)sqlite3_column_text(st, 0);
		if (!fqdn)
			continue;
		if (sip_topology_add(t, fqdn, strlen(fqdn),
				     (const char *)sqlite3_column_text(st, 1),
				     (const char *)sqlite3_column_text(st, 2)) == SIP_ENOMEM) {
			rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
			goto out;
		}
	}
	if (src != SQLITE_DONE)
		rc = db_err(db, diag, "reading the topology");
out:
	sqlite3_finalize(st);
	if (rc)
		sip_topology_free(t);
	else
		*out = t;
	return rc;
}

/* ---- from an engine ------------------------------------------------------ */

int sip_findings_from_engine(sqlite3 *db, const sip_rules *rs, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	group *g = NULL;
	size_t ng = 0, capg = 0;
	sip_topology *topo = NULL;
	int rc, src;

	if ((rc = sip_findings_load_topology(db, &topo, diag)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT rule_id, coalesce(key, ''), vars, count,"
			       " first_seen, last_seen, hosts FROM eng_findings"
			       " WHERE rule_id IS NOT NULL ORDER BY rule_id, 2", -1, &st,
			       NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading the engine's findings");
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *first = (const char *)sqlite3_column_text(st, 4);
		const char *last = (const char *)sqlite3_column_text(st, 5);
		const char *hosts = (const char *)sqlite3_column_text(st, 6);
		group *x = group_new(&g, &ng, &capg, rs, (const char *)sqlite3_column_text(st, 0),
				     (const char *)sqlite3_column_text(st, 1),
				     sqlite3_column_text(st, 2));
		if (!x)
			goto nomem;
		x->count = sqlite3_column_int64(st, 3);
		snprintf(x->first, sizeof x->first, "%s", first ? first : "");
		snprintf(x->last, sizeof x->last, "%s", last ? last : "");
		/* hosts: separated by commas */
		for (const char *h = hosts; h && *h && x->nhosts < MAX_HOSTS;) {
			const char *e = strchr(h, ',');
			size_t n = e ? (size_t)(e - h) : strlen(h);
			if (n && !(x->hosts[x->nhosts++] = strndup(h, n)))
				goto nomem;
			h += n + (e != NULL);
		}
	}
	if (src != SQLITE_DONE) {
		rc = db_err(db, diag, "reading the engine's findings");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = write_groups(db, g, ng, "SELECT lead_rule || char(31) || coalesce(lead_key, ''),"
			  " rule_id, sum(records) FROM eng_related GROUP BY 1, 2"
			  " ORDER BY 1, 3 DESC, 2", topo, diag);
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory reading the engine's findings");
out:
	sqlite3_finalize(st);
	for (size_t i = 0; i < ng; i++)
		group_free(&g[i]);
	free(g);
	sip_topology_free(topo);
	return rc;
}
