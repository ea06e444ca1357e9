/*
 * record.c -- small helpers over sip_record and sip_str shared by every
 * consumer of records (JSON printer, store, rules).
 */
#include "record.h"

#include <string.h>
#include <strings.h>

const char *sip_kind_name(int kind)
{
	switch (kind) {
	case SIP_KIND_CONNECTION:
		return "connection";
	case SIP_KIND_DIAGNOSTIC:
		return "diagnostic";
	case SIP_KIND_PROTOCOL:
		return "protocol";
	default:
		return "trace";
	}
}

int sip_str_eq(sip_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

int sip_str_ieq(sip_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.p && s.n == n && strncasecmp(s.p, lit, n) == 0;
}

sip_str sip_record_field(const sip_record *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (sip_str_ieq(r->fields[i].name, name))
			return r->fields[i].value;
	return SIP_STR_NULL;
}

const char *const sip_error_levels[] = { "TL_ERROR", "TL_FATAL", "ERROR", "FATAL", NULL };

int sip_is_outcome(int kind, int64_t status, sip_str method)
{
	if (kind != SIP_KIND_PROTOCOL)
		return 0;
	switch (status) {
	case 480: case 486: case 487: case 600: case 603:
		return 1;
	case 404:
		return sip_str_eq(method, "SUBSCRIBE") || sip_str_eq(method, "SERVICE");
	default:
		return 0;
	}
}

int sip_is_error(sip_str level, int kind, int status, int has_ms_diag)
{
	/* runs for every record: the levels of sip_error_levels are 5 or 8
	   bytes long and end in "OR" or "AL", which rejects TL_INFO,
	   TL_VERBOSE, INFO ... at once */
	if (level.p && (level.n == 5 || level.n == 8) &&
	    ((level.p[level.n - 2] == 'O' && level.p[level.n - 1] == 'R') ||
	     (level.p[level.n - 2] == 'A' && level.p[level.n - 1] == 'L')))
		for (int i = 0; sip_error_levels[i]; i++)
			if (sip_str_eq(level, sip_error_levels[i]))
				return 1;
	return kind == SIP_KIND_PROTOCOL && status >= 400 && has_ms_diag;
}
