/*
 * filter.h -- the findings filters of `report` and `analyze`: --severity,
 * --rule, --host, --since, --until, as SQL conditions on the findings
 * table (and on records, for the unexplained signatures).
 */
#ifndef SIP_FILTER_H
#define SIP_FILTER_H

#include "buf.h"

typedef struct sip_filter {
	int min_sev;           /* -1: none; else SIP_SEV_*: that and above */
	const char *rule;      /* a GLOB on the rule id (case-sensitive), or NULL */
	const char *host;      /* a server name (case-insensitive), or NULL */
	char since[24];        /* "YYYY-MM-DD HH:MM:SS.mmm", "" none */
	char until[24];
} sip_filter;

void sip_filter_init(sip_filter *f);
/* Whether any filter is set. */
int sip_filter_any(const sip_filter *f);

/*
 * A time as people type it, in the log's clock: 2016-06-07,
 * 2016-06-07 10:31, 2016-06-07T10:31:28, 2016-06-07 10:31:28.156,
 * 06/07/2016, 06/07/2016-10:31:28.156 (the trace's own form), 2016/06/07.
 * upper: fill what is not given with its largest value (an --until of a
 * day takes the whole day).  0 and out, or -1 when s is none of these.
 */
int sip_filter_time(const char *s, int upper, char out[24]);

/*
 * Append " AND cond" for each filter set, on the findings table aliased a
 * (values quoted as SQL literals).  SIP_OK or SIP_ENOMEM.
 */
int sip_filter_findings_sql(const sip_filter *f, const char *a, sip_buf *b);
/* The same for records aliased r (the host and time filters only). */
int sip_filter_records_sql(const sip_filter *f, const char *r, sip_buf *b);
/* "severity >= error, rule MSDIAG-*, ..." into b: what the filters keep. */
int sip_filter_describe(const sip_filter *f, sip_buf *b);

#endif
