/*
 * cmd_report.c -- `sipscan report [--db PATH] [--format text|md|json|html]
 *                 [--output FILE]`
 *
 * Writes the report of report.h to stdout, or to FILE atomically: into a
 * temporary file next to FILE (FILE.tmpXXXXXX), renamed over FILE only
 * when the whole report was written and flushed, removed otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "dbopen.h"
#include "report.h"

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *opt_db = NULL, *output = NULL;
	sip_report_format fmt = SIP_REPORT_TEXT;
	sqlite3 *db = NULL;
	FILE *out = stdout;
	char *tmp = NULL;
	sip_diag d;
	int opt, ret = SIP_EXIT_OK, rc;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":d:f:o:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			opt_db = optarg;
			break;
		case 'f':
			if (sip_report_format_parse(optarg, &fmt))
				return sip_usage_error("report", "unknown format '%s' "
						       "(text, md, json or html)", optarg);
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return sip_option_error("report", opt, argv);
		}
	}
	if (optind < argc)
		return sip_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (sip_db_open_ro(&db, sip_db_path(opt_db), 1, &d)) {
		sip_print_diag(&d);
		return SIP_EXIT_DB;
	}
	if (output) {
		size_t n = strlen(output) + 16;
		int fd;
		if (!(tmp = malloc(n))) {
			ret = SIP_EXIT_INTERNAL;
			goto out;
		}
		snprintf(tmp, n, "%s.tmpXXXXXX", output);
		if ((fd = mkstemp(tmp)) < 0 || !(out = fdopen(fd, "w"))) {
			fprintf(stderr, "sipscan report: cannot write %s: %s\n", output,
				strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			tmp = NULL;
			out = NULL;
			ret = SIP_EXIT_INTERNAL;
			goto out;
		}
		fchmod(fd, 0644);
	}
	rc = sip_report_write(db, fmt, out, &d);
	if (rc) {
		sip_print_diag(&d);
		ret = sip_exit_code(rc) == SIP_EXIT_INPUT ? SIP_EXIT_INTERNAL : sip_exit_code(rc);
	}
	if (output) {
		if (fclose(out) != 0 && !ret) {
			fprintf(stderr, "sipscan report: cannot write %s: %s\n", output,
				strerror(errno));
			ret = SIP_EXIT_INTERNAL;
		}
		out = NULL;
		if (ret) {
			unlink(tmp);
		} else if (rename(tmp, output) != 0) {
			fprintf(stderr, "sipscan report: cannot rename %s to %s: %s\n", tmp,
				output, strerror(errno));
			unlink(tmp);
			ret = SIP_EXIT_INTERNAL;
		}
	}
out:
	free(tmp);
	sqlite3_close(db);
	if (!output && fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: error writing to stdout\n");
		ret = SIP_EXIT_INTERNAL;
	}
	return ret;
}
