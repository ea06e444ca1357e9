/*
 * filter.c -- findings filters (see filter.h).
 */
#include "filter.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "rules.h"

void sip_filter_init(sip_filter *f)
{
	memset(f, 0, sizeof *f);
	f->min_sev = -1;
}

int sip_filter_any(const sip_filter *f)
{
	return f->min_sev >= 0 || f->rule || f->host || f->since[0] || f->until[0];
}

/* Up to max digits at *p into *v; how many were read. */
static int digits(const char **p, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)**p)) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

int sip_filter_time(const char *s, int upper, char out[24])
{
	const char *p = s;
	int y, mo, d, h = -1, mi = -1, sec = -1, ms = -1, v, n;

	while (*p == ' ')
		p++;
	n = digits(&p, 4, &v);
	if (n == 4 && (*p == '-' || *p == '/')) {            /* Y-M-D, Y/M/D */
		y = v;
		p++;
		if (!digits(&p, 2, &mo) || (*p != '-' && *p != '/'))
			return -1;
		p++;
		if (!digits(&p, 2, &d))
			return -1;
	} else if ((n == 1 || n == 2) && *p == '/') {        /* M/D/Y */
		mo = v;
		p++;
		if (!digits(&p, 2, &d) || *p != '/')
			return -1;
		p++;
		if (digits(&p, 4, &y) != 4)
			return -1;
	} else {
		return -1;
	}
	if (*p == ' ' || *p == 'T' || *p == '-' || *p == '|') {
		p++;
		if (!digits(&p, 2, &h))
			return -1;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &mi))
				return -1;
			if (*p == ':') {
				p++;
				if (!digits(&p, 2, &sec))
					return -1;
				if (*p == '.') {
					int k;
					p++;
					k = digits(&p, 3, &ms);
					if (!k)
						return -1;
					while (k++ < 3)
						ms *= 10;
					while (isdigit((unsigned char)*p))
						p++;
				}
			}
		}
	}
	while (*p == ' ')
		p++;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (h < 0)
		h = upper ? 23 : 0;
	if (mi < 0)
		mi = upper ? 59 : 0;
	if (sec < 0)
		sec = upper ? 59 : 0;
	if (ms < 0)
		ms = upper ? 999 : 0;
	{
		char t[64];
		snprintf(t, sizeof t, "%04d-%02d-%02d %02d:%02d:%02d.%03d", y % 10000, mo, d, h, mi,
			 sec, ms % 1000);
		memcpy(out, t, 23);
		out[23] = 0;
	}
	return 0;
}

/* Append text with %Q-quoted values (sqlite3_vmprintf). */
static int addq(sip_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	s = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (!s)
		return SIP_ENOMEM;
	rc = sip_buf_adds(b, s) ? SIP_ENOMEM : SIP_OK;
	sqlite3_free(s);
	return rc;
}

int sip_filter_findings_sql(const sip_filter *f, const char *a, sip_buf *b)
{
	if (f->min_sev >= 0 &&
	    addq(b, " AND (CASE %s.severity WHEN 'critical' THEN 3 WHEN 'error' THEN 2"
		 " WHEN 'warning' THEN 1 ELSE 0 END) >= %d", a, f->min_sev))
		return SIP_ENOMEM;
	if (f->rule && addq(b, " AND %s.rule_id GLOB %Q", a, f->rule))
		return SIP_ENOMEM;
	if (f->host && addq(b, " AND EXISTS (SELECT 1 FROM json_each(%s.hosts) j"
			    " WHERE lower(j.value) = lower(%Q))", a, f->host))
		return SIP_ENOMEM;
	if (f->since[0] && addq(b, " AND %s.last_seen >= %Q", a, f->since))
		return SIP_ENOMEM;
	if (f->until[0] && addq(b, " AND %s.first_seen <= %Q", a, f->until))
		return SIP_ENOMEM;
	return SIP_OK;
}

int sip_filter_records_sql(const sip_filter *f, const char *r, sip_buf *b)
{
	if (f->host && addq(b, " AND lower(%s.host) = lower(%Q)", r, f->host))
		return SIP_ENOMEM;
	if (f->since[0] && addq(b, " AND %s.ts >= %Q", r, f->since))
		return SIP_ENOMEM;
	if (f->until[0] && addq(b, " AND %s.ts <= %Q", r, f->until))
		return SIP_ENOMEM;
	return SIP_OK;
}

int sip_filter_describe(const sip_filter *f, sip_buf *b)
{
	int n = 0;

	if (f->min_sev >= 0 && sip_buf_printf(b, "%sseverity %s and above", n++ ? ", " : "",
					      sip_severity_name(f->min_sev)))
		return SIP_ENOMEM;
	if (f->rule && sip_buf_printf(b, "%srule %s", n++ ? ", " : "", f->rule))
		return SIP_ENOMEM;
	if (f->host && sip_buf_printf(b, "%shost %s", n++ ? ", " : "", f->host))
		return SIP_ENOMEM;
	if (f->since[0] && sip_buf_printf(b, "%ssince %s", n++ ? ", " : "", f->since))
		return SIP_ENOMEM;
	if (f->until[0] && sip_buf_printf(b, "%suntil %s", n++ ? ", " : "", f->until))
		return SIP_ENOMEM;
	return SIP_OK;
}
