/*
 * cmd_common.c -- helpers every subcommand uses: usage errors, diagnostics
 * on stderr, the database path.
 */
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "dbopen.h"

int sip_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sipscan %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sipscan help %s'.\n", verb);
	return SIP_EXIT_USAGE;
}

int sip_option_error(const char *verb, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		return sip_usage_error(verb, "option '%s' requires a value", arg);
	return sip_usage_error(verb, "unknown option '%s'", arg);
}

/* One line on stderr, its log-borne parts (file names, record texts)
   unable to drive the terminal. */
static void print_line(const char *prefix, const char *msg)
{
	sip_buf b;

	sip_buf_init(&b, 0);
	if (sip_buf_add_safe(&b, msg, strlen(msg), 0) == SIP_OK && b.p) {
		fprintf(stderr, "sipscan: %s%s\n", prefix, b.p);
	} else {
		/* out of memory: the message still goes out, every byte
		   that is not printable ASCII as '?' */
		fprintf(stderr, "sipscan: %s", prefix);
		for (const char *p = msg; *p; p++)
			fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', stderr);
		fputc('\n', stderr);
	}
	sip_buf_release(&b);
}

void sip_print_diag(const sip_diag *d)
{
	char buf[2200];

	print_line("", sip_diag_format(d, buf, sizeof buf));
}

void sip_print_warning(void *ctx, const sip_diag *d)
{
	char buf[2200];
	(void)ctx;
	/* code 0: a note ("note: ..." is in the message) */
	print_line(d->code ? "warning: " : "", sip_diag_format(d, buf, sizeof buf));
}

const char *sip_db_path(const char *opt_db)
{
	const char *env;

	if (opt_db && *opt_db)
		return opt_db;
	env = getenv("SIPSCAN_DB");
	if (env && *env)
		return env;
	return "sipscan.db";
}

int sip_cmd_open_db(const char *opt_db, int need_schema, sqlite3 **db)
{
	sip_diag d;

	if (sip_db_open_ro(db, sip_db_path(opt_db), need_schema, &d) == SIP_OK)
		return SIP_EXIT_OK;
	sip_print_diag(&d);
	return d.code == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
}
