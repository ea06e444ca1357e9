/*
 * summary.h -- the summary of an analyze run (see summary.c).
 */
#ifndef SIP_SUMMARY_H
#define SIP_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "ingest.h"
#include "store.h"

/*
 * Write the summary of the run over the files of l (after sip_ingest_run)
 * to out: text from the logs with its control characters escaped.
 * limit_hits: pattern evaluations that hit a PCRE2 limit (said when > 0).
 * Creates and fills the temp table run_files.  Returns SIP_OK, SIP_EDB or
 * SIP_ENOMEM; what was written stays written.
 */
/* The terminal the summary is written for: width (default 80) and
   colours (default none). */
void sip_summary_style(int width, int color);
/* The database analyze was given with --db (NULL: the default one): the
   `sipscan show` hints name it. */
void sip_summary_db(const char *db);
struct sip_filter;
/* flt (may be NULL): print only the findings it keeps. */
int sip_summary_write(sip_store *s, const sip_ingest_list *l, uint64_t limit_hits,
		      const struct sip_filter *flt, int findings_only,
		      FILE *out);

#endif
