/*
 * flow.h -- the layout of a SIP ladder diagram (`sipscan flow`): endpoints
 * as columns, one arrow row per message, the time on the left and any
 * ms-diagnostics under the arrow.  The layout is pure: it is filled by the
 * caller (cmd_flow.c reads the store) and rendered into a sip_buf, so it is
 * unit-tested without a database.
 *
 *   Time          lyncfe01        10.0.20.51
 *   2012-03-14        |               |
 *   09:12:03.199      |<--REGISTER----|
 *   09:12:03.206      |--401 Unauth-->|
 *                     |  ms-diag 1000: Final handshake failed
 *
 * The drawing is ASCII: a character outside printable ASCII in a name or
 * label is drawn as '?', and what does not fit is cut with "...".
 * sip_flow is a value type owning copies of every string it is given.
 */
#ifndef SIP_FLOW_H
#define SIP_FLOW_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define SIP_FLOW_MAX_ENDPOINTS 64
#define SIP_FLOW_MAX_MSGS 100000

typedef struct sip_flow_msg {
	char *ts;            /* "YYYY-MM-DD HH:MM:SS.mmm" (may be "") */
	size_t from, to;     /* endpoint indexes */
	char *label;         /* "INVITE", "486 Busy Here" */
	long long ms_diag_code;   /* -1 when none */
	char *ms_diag_reason;     /* NULL when none */
} sip_flow_msg;

typedef struct sip_flow {
	char *endpoints[SIP_FLOW_MAX_ENDPOINTS];
	size_t nendpoints;
	sip_flow_msg *msgs;
	size_t nmsgs, cap;
} sip_flow;

void sip_flow_init(sip_flow *f);
/* Free every copy and the message array. */
void sip_flow_release(sip_flow *f);

/*
 * The index of endpoint name into *index, added at the right when new.
 * Returns SIP_OK, SIP_ENOMEM, or SIP_ECAP past SIP_FLOW_MAX_ENDPOINTS.
 */
int sip_flow_endpoint(sip_flow *f, const char *name, size_t *index);

/*
 * Append a message (strings copied; reason may be NULL).  Returns SIP_OK,
 * SIP_ENOMEM, or SIP_ECAP past SIP_FLOW_MAX_MSGS.
 */
int sip_flow_add(sip_flow *f, const char *ts, size_t from, size_t to,
		 const char *label, long long ms_diag_code, const char *reason);

/*
 * Draw the ladder into out (appended), at most width columns wide (clamped
 * to 60..240) unless the endpoints cannot fit in 8 columns each.  A date
 * line is drawn before the first message and whenever the date changes.
 * Returns SIP_OK or SIP_ENOMEM.
 */
int sip_flow_render_text(const sip_flow *f, unsigned width, sip_buf *out);

#endif
