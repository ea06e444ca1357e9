/*
 * cmd_report.c -- `sipscan report [--db PATH] [--format text|md|json|html]
 *                 [--output FILE]`
 *
 * Writes the report of report.h to stdout, or to FILE.  A regular file (or
 * a path that does not exist yet) is written atomically: into a temporary
 * file next to it (FILE.tmpXXXXXX), renamed over it only when the whole
 * report was written and flushed, removed otherwise.  A symlink is
 * followed (its target is replaced, the link stays a link); anything else
 * -- a FIFO, a terminal, a device -- is written to directly, never
 * replaced.  A write that fails exits SIP_EXIT_OUTPUT.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "dbopen.h"
#include "report.h"
#include "filter.h"

int cmd_report(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *output = NULL;
	sip_report_format fmt = SIP_REPORT_TEXT;
	sqlite3 *db = NULL;
	FILE *out = stdout;
	char *tmp = NULL, target[2 * PATH_MAX + 2];
	int direct = 0;
	sip_diag d;
	sip_filter flt;
	int opt, ret = SIP_EXIT_OK, rc, color = SIP_COLOR_AUTO;

	sip_filter_init(&flt);
	sip_cmd_getopt(sip_cmd_find("report"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
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
		case 'X':
			sip_report_redact(1);
			break;
		case 'C':
			if ((color = sip_color_parse(optarg)) < 0)
				return sip_usage_error("report", "--color wants auto, always or never,"
						       " not '%s'", optarg);
			break;
		default:
			if ((rc = sip_filter_option(&flt, opt, optarg, "report")) >= 0) {
				if (rc)
					return rc;
				break;
			}
			return sip_option_error("report", opt, argv);
		}
	}
	if (optind < argc)
		return sip_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if ((ret = sip_cmd_open_db(opt_db, 1, &db)))
		return ret;
	if (output) {
		struct stat sb;
		/* Follow a symlink to what it names: the link stays, its
		   target is written (created when it does not exist yet). */
		if (realpath(output, target)) {
			output = target;
		} else if (lstat(output, &sb) == 0 && S_ISLNK(sb.st_mode)) {
			char link[PATH_MAX];
			ssize_t k = readlink(output, link, sizeof link - 1);
			const char *slash = strrchr(output, '/');
			if (k <= 0) {
				fprintf(stderr, "sipscan report: cannot read the link %s: %s\n",
					output, strerror(errno));
				ret = SIP_EXIT_OUTPUT;
				goto out;
			}
			link[k] = 0;
			if (link[0] == '/' || !slash)
				snprintf(target, sizeof target, "%s", link);
			else
				snprintf(target, sizeof target, "%.*s%s",
					 (int)(slash - output + 1), output, link);
			output = target;
		}
		if (stat(output, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			/* a FIFO, a device, a terminal: write to it, never
			   rename over it */
			if (S_ISDIR(sb.st_mode) || !(out = fopen(output, "w"))) {
				fprintf(stderr, "sipscan report: cannot write %s: %s\n", output,
					S_ISDIR(sb.st_mode) ? "is a directory" : strerror(errno));
				out = NULL;
				ret = SIP_EXIT_OUTPUT;
				goto out;
			}
			direct = 1;
		} else {
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
				ret = SIP_EXIT_OUTPUT;
				goto out;
			}
			fchmod(fd, 0644);
		}
	}
	/* a file gets 80 columns and no colour (unless --color always) */
	sip_report_style(out == stdout ? sip_term_width(stdout) : 80,
			 out == stdout ? sip_color_on(stdout, color) : color == SIP_COLOR_ALWAYS);
	rc = sip_report_write_filtered(db, fmt, &flt, out, &d);
	if (rc) {
		sip_print_diag(&d);
		ret = rc == SIP_EIO ? SIP_EXIT_OUTPUT :
		      sip_exit_code(rc) == SIP_EXIT_INPUT ? SIP_EXIT_INTERNAL : sip_exit_code(rc);
	}
	if (output) {
		if (fclose(out) != 0 && !ret) {
			fprintf(stderr, "sipscan report: cannot write %s: %s\n", output,
				strerror(errno));
			ret = SIP_EXIT_OUTPUT;
		}
		out = NULL;
		if (direct) {
			/* nothing to rename */
		} else if (ret) {
			unlink(tmp);
		} else if (rename(tmp, output) != 0) {
			fprintf(stderr, "sipscan report: cannot rename %s to %s: %s\n", tmp,
				output, strerror(errno));
			unlink(tmp);
			ret = SIP_EXIT_OUTPUT;
		}
	}
out:
	free(tmp);
	sqlite3_close(db);
	if (!output && fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan report: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
