/*
 * err.c -- error texts, diagnostics formatting and the exit-code mapping.
 */
#include "err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const texts[] = {
	[SIP_OK] = "no error",
	[SIP_ENOMEM] = "out of memory",
	[SIP_EIO] = "read error",
	[SIP_EGZIP] = "damaged gzip stream",
	[SIP_ETOOLONG] = "line too long",
	[SIP_EFORMAT] = "not a trace sipscan reads",
	[SIP_EDB] = "database error",
	[SIP_ERULE] = "invalid rule",
	[SIP_EUSAGE] = "usage error",
	[SIP_ETRUNCATED] = "record truncated",
	[SIP_EREADONLY] = "attempt to write a read-only database",
	[SIP_EBUSY] = "database is locked",
	[SIP_EINTERNAL] = "internal error",
	[SIP_ECAP] = "over a limit",
};

const char *sip_strerror(int code)
{
	if (code < 0 || (size_t)code >= sizeof texts / sizeof texts[0] || !texts[code])
		return "unknown error";
	return texts[code];
}

void sip_diag_clear(sip_diag *d)
{
	if (!d)
		return;
	memset(d, 0, sizeof *d);
}

int sip_diag_set(sip_diag *d, int code, const char *file, uint64_t line,
		 const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return code;
	d->code = code;
	snprintf(d->file, sizeof d->file, "%s", file ? file : "");
	d->line = line;
	d->offset = 0;
	d->has_offset = 0;
	d->column = 0;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return code;
}

char *sip_diag_format(const sip_diag *d, char *buf, size_t bufsz)
{
	const char *msg = d->msg[0] ? d->msg : sip_strerror(d->code);

	if (!bufsz)
		return buf;
	if (!d->file[0])
		snprintf(buf, bufsz, "%s", msg);
	else if (d->line && d->column)
		snprintf(buf, bufsz, "%s:%" PRIu64 ":%u: %s", d->file, d->line,
			 d->column, msg);
	else if (d->line)
		snprintf(buf, bufsz, "%s:%" PRIu64 ": %s", d->file, d->line, msg);
	else if (d->has_offset)
		snprintf(buf, bufsz, "%s: byte %" PRIu64 ": %s", d->file,
			 d->offset, msg);
	else
		snprintf(buf, bufsz, "%s: %s", d->file, msg);
	return buf;
}

int sip_exit_code(int code)
{
	switch (code) {
	case SIP_OK:
		return SIP_EXIT_OK;
	case SIP_EIO:
	case SIP_EGZIP:
	case SIP_EFORMAT:
	case SIP_ETRUNCATED:
	case SIP_ETOOLONG:
		return SIP_EXIT_INPUT;
	case SIP_EUSAGE:
		return SIP_EXIT_USAGE;
	case SIP_EDB:
	case SIP_EREADONLY:
	case SIP_EBUSY:
		return SIP_EXIT_DB;
	case SIP_ERULE:
		return SIP_EXIT_RULES;
	default:
		return SIP_EXIT_INTERNAL;
	}
}
