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

#define MAX_HOSTS 32
#define MAX_SAMPLES 5

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
	int sev, benign;
	char *old[5];   /* a rule no longer loaded: the title, cause, fix,
	                   refs and keys_json its finding had (NULL: none) */
} group;

static void group_free(group *g)
{
	free(g->rule_id);
	free(g->key);
	free(g->vars);
	for (int i = 0; i < 5; i++)
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
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->rule_id, y->rule_id)))
		return c;
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

static int insert_findings(sqlite3 *db, group *g, size_t ng, const sip_topology *topo,
			   sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_buf b[6];
	int rc = SIP_OK;

	for (int i = 0; i < 6; i++)
		sip_buf_init(&b[i], 16u * 1024 * 1024);
	if (sqlite3_prepare_v2(db, "INSERT INTO findings(id, rule_id, severity, title, cause, fix,"
			       " refs, key, keys_json, count, first_seen, last_seen, hosts,"
			       " sample_ids, benign) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
			       "?13,?14,?15)", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "preparing the findings insert");
		goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		group *x = &g[i];
		for (int k = 0; k < 6; k++)
			sip_buf_reset(&b[k]);
		if (x->rule) {
			if (sip_rule_render(x->rule, SIP_TEXT_TITLE, x->vars, topo, &b[0]) ||
			    sip_rule_render(x->rule, SIP_TEXT_CAUSE, x->vars, topo, &b[1]) ||
			    sip_rule_render(x->rule, SIP_TEXT_FIX, x->vars, topo, &b[2]) ||
			    sip_rule_key_json(x->rule, x->vars, &b[3]))
				goto nomem;
		} else if (x->old[0]) {
			/* its rule is not loaded in this run (a custom rule of an
			   earlier run's --rules): the texts it had */
			if (sip_buf_adds(&b[0], x->old[0]) || sip_buf_adds(&b[1], x->old[1]) ||
			    sip_buf_adds(&b[2], x->old[2]) ||
			    sip_buf_adds(&b[3], x->old[4] && *x->old[4] ? x->old[4] : "{}"))
				goto nomem;
		} else if (sip_buf_adds(&b[0], x->rule_id) || sip_buf_adds(&b[1], "") ||
			   sip_buf_adds(&b[2], "") || sip_buf_adds(&b[3], "{}"))
			goto nomem;
		if (sip_buf_addc(&b[4], '['))
			goto nomem;
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
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(i + 1));
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
		if ((rc = step_reset(db, st, diag, "inserting a finding")))
			goto out;
	}
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory rendering findings");
out:
	sqlite3_finalize(st);
	for (int i = 0; i < 6; i++)
		sip_buf_release(&b[i]);
	return rc;
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
	if (sqlite3_prepare_v2(db, "SELECT title, cause, fix, refs, keys_json, severity, benign"
			       " FROM findings WHERE rule_id = ?1 AND key = ?2", -1, &old,
			       NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading the findings");
		goto out;
	}
	if ((rc = sip_findings_load_topology(db, &topo, diag)))
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT m.rule_id, m.key, m.record_id, m.vars, r.ts, r.host"
			       " FROM matches m LEFT JOIN records r ON r.id = m.record_id"
			       " ORDER BY m.rule_id, m.key, m.record_id", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "reading matches");
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *rid = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		const char *ts = (const char *)sqlite3_column_text(st, 4);
		const char *host = (const char *)sqlite3_column_text(st, 5);
		group *x = ng ? &g[ng - 1] : NULL;
		if (!rid)
			continue;
		if (!key)
			key = "";
		if (!x || strcmp(x->rule_id, rid) || strcmp(x->key, key)) {
			if (ng == capg) {
				size_t cap = capg ? capg * 2 : 64;
				group *nb = realloc(g, cap * sizeof(*nb));
				if (!nb)
					goto nomem;
				g = nb;
				capg = cap;
			}
			x = &g[ng];
			memset(x, 0, sizeof(*x));
			ng++;
			if (!(x->rule_id = dup_text((const unsigned char *)rid)) ||
			    !(x->key = dup_text((const unsigned char *)key)) ||
			    !(x->vars = dup_text(sqlite3_column_text(st, 3))))
				goto nomem;
			x->rule = sip_rules_find(rs, rid);
			x->sev = x->rule ? sip_rule_severity(x->rule) : SIP_SEV_WARNING;
			x->benign = x->rule ? sip_rule_benign(x->rule) : 0;
			if (!x->rule) {
				sqlite3_bind_text(old, 1, rid, -1, SQLITE_STATIC);
				sqlite3_bind_text(old, 2, key, -1, SQLITE_STATIC);
				if (sqlite3_step(old) == SQLITE_ROW) {
					const char *sv = (const char *)sqlite3_column_text(old, 5);
					int sev = sv ? sip_severity_parse(sv) : -1;
					for (int k = 0; k < 5; k++)
						if (!(x->old[k] = dup_text(sqlite3_column_text(old, k)))) {
							sqlite3_reset(old);
							goto nomem;
						}
					if (sev >= 0)
						x->sev = sev;
					x->benign = sqlite3_column_int(old, 6);
				}
				sqlite3_reset(old);
			}
		}
		x->count++;
		if (x->nsamples < MAX_SAMPLES)
			x->samples[x->nsamples++] = sqlite3_column_int64(st, 2);
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
	if ((rc = exec(db, "clearing the findings",
		       "DELETE FROM finding_records; DELETE FROM findings;", diag)))
		goto out;
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
	if ((rc = insert_findings(db, g, ng, topo, diag)))
		goto out;
	rc = exec(db, "linking the findings to their records",
		  "INSERT INTO finding_records(finding_id, record_id)"
		  " SELECT f.id, m.record_id FROM matches m"
		  " JOIN findings f ON f.rule_id = m.rule_id AND f.key = m.key;", diag);
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
