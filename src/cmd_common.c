/*
 * cmd_common.c -- helpers every subcommand uses: usage errors, diagnostics
 * on stderr, the database path.
 */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "dbopen.h"
#include "filter.h"
#include "rules.h"
#include "topology.h"

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

/* Damerau-Levenshtein (optimal string alignment) distance of a and b,
   capped at 9; for "did you mean". */
int sip_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int d[33][33];

	if (n > 32 || m > 32)
		return 9;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int c = a[i - 1] != b[j - 1], v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < v)
				v = d[i - 1][j - 1] + c;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m] > 9 ? 9 : d[n][m];
}

int sip_option_error(const char *verb, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const sip_cmd *cmd = sip_cmd_find(verb);
	const char *best = NULL;
	int bd = 3;

	if (c == ':')
		return sip_usage_error(verb, "option '%s' requires a value", arg);
	/* the closest option of the command, if one is close */
	if (cmd && arg[0] == '-' && arg[1] == '-') {
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
		for (size_t i = 0; sip_cmd_opt(cmd, i); i++) {
			int dd = sip_edit_distance(name, sip_cmd_opt(cmd, i)->name);
			if (dd < bd)
				bd = dd, best = sip_cmd_opt(cmd, i)->name;
		}
	}
	if (best)
		return sip_usage_error(verb, "unknown option '%s'; did you mean '--%s'?", arg, best);
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

/*
 * Warnings shown per input file: an input damaged the same way in every
 * record (a converter that put a NUL at the end of every line) would
 * otherwise print one for each of thousands of records.  The rest are
 * counted, and sip_print_warnings_hidden says how many there were.  The
 * parser threads of several files call in at once: a mutex guards the
 * counts, one per file for the first WARN_FILES files (any later file's
 * warnings are all shown).
 */
#define WARN_SHOWN 20
#define WARN_FILES 64
static struct {
	char file[256];
	unsigned long shown, hidden;
} warned[WARN_FILES];
static size_t nwarned;
static pthread_mutex_t warn_mu = PTHREAD_MUTEX_INITIALIZER;

void sip_print_warning(void *ctx, const sip_diag *d)
{
	char buf[2200];
	size_t i, fl;
	int show = 1;

	(void)ctx;
	if (d->code) {   /* code 0: a note, always shown */
		pthread_mutex_lock(&warn_mu);
		for (i = 0; i < nwarned && strcmp(warned[i].file, d->file); i++)
			;
		fl = strlen(d->file);
		if (i == nwarned && nwarned < WARN_FILES && fl < sizeof warned[0].file) {
			memcpy(warned[i].file, d->file, fl + 1);
			warned[i].shown = warned[i].hidden = 0;
			nwarned++;
		}
		if (i < nwarned) {
			if (warned[i].shown < WARN_SHOWN)
				warned[i].shown++;
			else {
				warned[i].hidden++;
				show = 0;
			}
		}
		pthread_mutex_unlock(&warn_mu);
	}
	/* "note: ..." is in a note's message */
	if (show)
		print_line(d->code ? "warning: " : "", sip_diag_format(d, buf, sizeof buf));
}

void sip_print_warnings_hidden(void)
{
	pthread_mutex_lock(&warn_mu);
	for (size_t i = 0; i < nwarned; i++) {
		char msg[512];
		if (!warned[i].hidden)
			continue;
		snprintf(msg, sizeof msg, "%.255s: %lu more warnings not shown (the first %d"
			 " are above)", warned[i].file, warned[i].hidden, WARN_SHOWN);
		print_line("warning: ", msg);
	}
	nwarned = 0;
	pthread_mutex_unlock(&warn_mu);
}

static void print_rule_error(void *ctx, const sip_diag *d)
{
	(void)ctx;
	sip_print_diag(d);
}

int sip_cmd_load_rules_topology(const char *const *dirs, size_t ndirs,
				const char *const *files, size_t nfiles, const char *after,
				sip_rules **rs, sip_topology **topo)
{
	sip_rules_errors rerr = { print_rule_error, NULL, 0 };
	sip_diag diag;
	int rc;

	if (!(*rs = sip_rules_new()) || !(*topo = sip_topology_new())) {
		fprintf(stderr, "sipscan: out of memory\n");
		return SIP_EXIT_INTERNAL;
	}
	rc = sip_rules_add_builtin(*rs, &rerr, &diag);
	for (size_t i = 0; !rc && i < ndirs; i++)
		rc = sip_rules_add_dir(*rs, dirs[i], &rerr, &diag);
	if (rc || rerr.count) {
		if (!rerr.count)
			sip_print_diag(&diag);
		fprintf(stderr, "sipscan: %s%s\n", rc == SIP_ENOMEM
			? "out of memory loading the rules" : "the rules are not valid", after);
		return rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_RULES;
	}
	for (size_t i = 0; i < nfiles; i++)
		if ((rc = sip_topology_load_file(*topo, files[i], &diag))) {
			sip_print_diag(&diag);
			return rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_USAGE;
		}
	return SIP_EXIT_OK;
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

int sip_filter_option(sip_filter *f, int c, const char *arg, const char *verb)
{
	switch (c) {
	case 'v':
		if ((f->min_sev = sip_severity_parse(arg)) < 0)
			return sip_usage_error(verb, "--severity wants info, warning, error or"
					       " critical, not '%s'", arg);
		return SIP_EXIT_OK;
	case 'R':
		f->rule = arg;
		return SIP_EXIT_OK;
	case 'H':
		f->host = arg;
		return SIP_EXIT_OK;
	case 's':
	case 'u':
		if (sip_filter_time(arg, c == 'u', c == 's' ? f->since : f->until))
			return sip_usage_error(verb, "--%s wants a time such as 2016-06-07,"
					       " '2016-06-07 10:31' or 06/07/2016-10:31:28, not '%s'",
					       c == 's' ? "since" : "until", arg);
		return SIP_EXIT_OK;
	default:
		return -1;
	}
}

int sip_term_width(FILE *f)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;
	long w = 0;

	if (c && *c) {
		char *end;
		w = strtol(c, &end, 10);
		if (*end)
			w = 0;
	}
	if (w <= 0 && isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0)
		w = ws.ws_col;
	if (w <= 0)
		w = 80;
	return w < 40 ? 40 : w > 500 ? 500 : (int)w;
}

int sip_color_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return SIP_COLOR_AUTO;
	if (!strcmp(s, "always"))
		return SIP_COLOR_ALWAYS;
	if (!strcmp(s, "never"))
		return SIP_COLOR_NEVER;
	return -1;
}

int sip_color_on(FILE *f, int mode)
{
	const char *t = getenv("TERM"), *nc = getenv("NO_COLOR");

	if (mode == SIP_COLOR_ALWAYS)
		return 1;
	if (mode == SIP_COLOR_NEVER || (nc && *nc))
		return 0;
	return isatty(fileno(f)) && !(t && !strcmp(t, "dumb"));
}
