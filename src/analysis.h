/*
 * analysis.h -- the rules engine plugged into the ingest.
 *
 * During `sipscan analyze` every record is evaluated against the rules on
 * the parser worker thread that produced it (each thread has its own
 * sip_rules_ctx, the compiled rules are shared read-only).  The matches and
 * the unexplained template travel with the row to the single writer as a
 * small payload, and the writer stores them (matches, unexplained tables)
 * in the same transaction as the record, so a file's findings are exactly
 * as atomic as its records.  When every file is written, the findings are
 * rebuilt from the matches (sip_findings_compute).
 *
 * Payload format (private to analysis.c): a sequence of entries, each a
 * type byte then NUL-terminated strings:
 *   'M' rule-id NUL key NUL vars NUL     one match
 *   'U' template NUL                     the record is unexplained
 */
#ifndef SIP_ANALYSIS_H
#define SIP_ANALYSIS_H

#include "err.h"
#include "ingest.h"
#include "rules.h"
#include "store.h"

typedef struct sip_analysis sip_analysis; /* opaque */

/*
 * New analysis over the store s with the rules rs (both must outlive it).
 * Prepares the findings statements on s's connection.  Returns SIP_OK,
 * SIP_EDB or SIP_ENOMEM with diag filled.
 */
int sip_analysis_new(sip_analysis **out, const sip_rules *rs, sip_store *s,
		     sip_diag *diag);
void sip_analysis_free(sip_analysis *a);

/* Set the eval / write / finish hooks of o to run this analysis. */
void sip_analysis_hook(sip_analysis *a, sip_ingest_opts *o);

/* Evaluate the records stored before this run again even when the
   catalogue is the one that evaluated them (analyze --rescan).  Without
   it they are evaluated again only when it changed (catalogue.hash). */
void sip_analysis_set_rescan(sip_analysis *a, int force);
/* Whether this run changed what the findings depend on besides the
   records and the catalogue (a topology or trusted domains given, the
   database migrated): they are rebuilt even when nothing was stored. */
void sip_analysis_set_inputs_changed(sip_analysis *a, int changed);
/* Whether the run evaluated stored records again; *records: how many,
   *kept: kept by reference with their log gone (old results kept). */
int sip_analysis_rescanned(const sip_analysis *a, uint64_t *records, uint64_t *kept);

/* PCRE2 match/depth limit hits seen so far (rules that gave up). */
uint64_t sip_analysis_limit_hits(const sip_analysis *a);

#endif
