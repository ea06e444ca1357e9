/*
 * rescan.h -- evaluate the stored records again (a new catalogue, or
 * `analyze --rescan`) without reading the logs.
 */
#ifndef SIP_RESCAN_H
#define SIP_RESCAN_H

#include <stdint.h>

#include "err.h"
#include "rules.h"
#include "store.h"

typedef struct sip_rescan_result {
	uint64_t records;    /* evaluated again */
	uint64_t matches;    /* their matches now */
	uint64_t kept;       /* kept by reference, their log gone or changed:
	                        their old results stay */
} sip_rescan_result;

/*
 * Evaluate every record with id <= max_id with rs again: its matches,
 * unexplained template and limit hits are replaced (the findings are not
 * rebuilt: sip_findings_compute does that).  In a SAVEPOINT: all or
 * nothing.  SIP_OK, SIP_EDB, SIP_ENOMEM, SIP_EFORMAT (a damaged chunk).
 */
int sip_rescan(sip_store *s, const sip_rules *rs, int64_t max_id, sip_rescan_result *res,
	       sip_diag *diag);

#endif
