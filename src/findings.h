/*
 * findings.h -- the database side of the rules engine: store the matches
 * and unexplained templates of records, rebuild the findings from them, and
 * keep the topology in the database so reports can render causes later.
 *
 * Tables (created by src/store.c; see its header comment):
 *   matches(record_id, rule_id, key, vars)   one row per rule per record
 *   unexplained(record_id, template)
 *   findings(id, rule_id, severity, title, cause, fix, refs, key,
 *            keys_json, count, first_seen, last_seen, hosts, sample_ids,
 *            benign)
 *   finding_records(finding_id, record_id)
 *   topology(id, fqdn, kind, source)
 *
 * Column formats written here: findings.refs = URLs separated by one
 * blank; keys_json = JSON object of the key variables ({"fqdn":"x"}, {}
 * without key); hosts = JSON array of distinct host names (at most 32);
 * sample_ids = JSON array of up to 5 record ids (the first ones);
 * benign = 0/1.  findings.id follows the listing order (SIP_FINDINGS_ORDER).
 *
 * A sip_findings holds prepared statements on one connection and is used by
 * one thread (the ingest writer); it never begins or commits: inserts run
 * inside the caller's transaction.
 */
#ifndef SIP_FINDINGS_H
#define SIP_FINDINGS_H

#include <stdint.h>

#include <sqlite3.h>

#include "err.h"
#include "rules.h"
#include "topology.h"

typedef struct sip_findings sip_findings; /* opaque */

/* ORDER BY for listing findings: benign last, then severity (critical,
   error, warning, info), then count, highest first. */
#define SIP_FINDINGS_ORDER \
	"benign ASC, CASE severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 " \
	"WHEN 'warning' THEN 2 ELSE 3 END, count DESC, id"

/* Prepare the insert statements on db.  SIP_OK, or SIP_EDB with diag
   (e.g. the tables do not exist).  Free with sip_findings_free. */
int sip_findings_open(sqlite3 *db, sip_findings **out, sip_diag *diag);
void sip_findings_free(sip_findings *f);

/* Store one match / one unexplained template for record_id (a second row
   for the same record and rule replaces the first).  SIP_OK or SIP_EDB. */
int sip_findings_add_match(sip_findings *f, int64_t record_id,
			   const char *rule_id, const char *key,
			   const char *vars, sip_diag *diag);
int sip_findings_add_unexplained(sip_findings *f, int64_t record_id,
				 const char *tmpl, sip_diag *diag);

/* Store everything in out; a result tagged t belongs to record
   id_base + t.  SIP_OK or SIP_EDB. */
int sip_findings_add_out(sip_findings *f, const sip_rules_out *out,
			 int64_t id_base, sip_diag *diag);

/*
 * Rebuild findings and finding_records from matches (and records for ts
 * and host): one finding per rule and key.  Title, cause and fix are
 * rendered from the variables of the earliest match (then the lowest
 * record id) with
 * the topology read from the topology table; severity, title, refs and
 * benign come from rs (a rule id that rs does not know gives severity
 * "warning", its id as title and empty cause/fix).  Runs in a SAVEPOINT,
 * so it can be called inside or outside a transaction.  SIP_OK, SIP_EDB,
 * SIP_ENOMEM.
 */
int sip_findings_compute(sqlite3 *db, const sip_rules *rs, sip_diag *diag);

/*
 * The findings of an engine's findings query (sipscan schema --engine),
 * rendered and ordered as sip_findings_compute does: reads
 * eng_findings(rule_id, key, vars, count, first_seen, last_seen,
 * hosts: comma-separated) and eng_related(lead_rule, lead_key,
 * rule_id, records), writes findings (finding_records stays empty).
 */
int sip_findings_from_engine(sqlite3 *db, const sip_rules *rs, sip_diag *diag);

/* Replace the topology table's rows with t's entries. */
int sip_findings_save_topology(sqlite3 *db, const sip_topology *t, sip_diag *diag);
/* A new topology holding the table's rows (possibly empty); *out is NULL
   on error.  Free with sip_topology_free. */
int sip_findings_load_topology(sqlite3 *db, sip_topology **out, sip_diag *diag);

#endif
