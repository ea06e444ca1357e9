/*
 * flow_load.h -- the ladder of one call, read from the store (flow_load.c).
 */
#ifndef SIP_FLOW_LOAD_H
#define SIP_FLOW_LOAD_H

#include <stdint.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"
#include "flow.h"

/*
 * Fill f (initialised, empty) with every SIP message of call_id in db, and,
 * when msgs is not NULL, append each drawn message as a JSON object
 * (",\n  {...}" after the first) for `flow --format json`.  Messages past
 * the ladder's limits (SIP_FLOW_MAX_*) are left out and counted in
 * *left_out.  Returns SIP_OK (f->nmsgs == 0 when the call is not in db),
 * or SIP_EDB / SIP_ENOMEM with diag filled.
 */
int sip_flow_load(sqlite3 *db, const char *call_id, sip_flow *f, sip_buf *msgs,
		  uint64_t *left_out, sip_diag *diag);

#endif
