/*
 * cmd_analyze.c -- `sipscan analyze [--db PATH] [--jobs N] [--topology FILE]...
 *                   [--rules DIR]... [--quiet] PATH...`
 *
 * Ingests trace files (files, directories walked recursively, '-' for
 * stdin) into the SQLite store (src/ingest.c does the work), evaluates the
 * rules on every record (src/analysis.c), and prints a summary of what the
 * run covered and the findings, most severe and most frequent first, with
 * cause and fix.  The summary is deterministic (no timings, file names as
 * given) so golden tests can compare it.  A live progress line goes to
 * stderr only when stderr is a terminal.
 *
 * The rules (built-in catalogue + --rules directories) and the topology
 * files are loaded and checked before anything is read: a malformed rule
 * file stops the run before it starts.  --topology replaces the topology
 * stored in the database; without it, the stored one is used.
 *
 * Exit status: 0 every input read whole (files skipped while walking a
 * directory do not count); 1 some input partial, failed, or a named file
 * that is not a trace; 2 usage (and unreadable topology files); 3
 * database; 4 invalid rules.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "cmd.h"
#include "dbopen.h"
#include "findings.h"
#include "ingest.h"
#include "summary.h"
#include "filter.h"
#include "rules.h"
#include "store.h"
#include "topology.h"
#include "trust.h"

static void sip_print_diag_ctx(void *ctx, const sip_diag *d)
{
	(void)ctx;
	sip_print_diag(d);
}

static void on_wait(void *ctx)
{
	fprintf(stderr, "sipscan: waiting for another analyze on %s\n", (const char *)ctx);
}

typedef struct progress_state {
	struct timespec start;
	int shown;
} progress_state;

static void on_progress(void *ctx, const sip_ingest_progress *p)
{
	progress_state *ps = ctx;
	struct timespec now;
	double t, mb = (double)p->bytes_done / 1e6, rate;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)(now.tv_sec - ps->start.tv_sec) +
	    (double)(now.tv_nsec - ps->start.tv_nsec) / 1e9;
	rate = t > 0 ? mb / t : 0;
	fprintf(stderr, "\r\033[Ksipscan: %zu/%zu files, %.1f MB, %.1f MB/s", p->files_done,
		p->files_total, mb, rate);
	if (rate > 0 && p->bytes_total > p->bytes_done)
		fprintf(stderr, ", ETA %.0fs", ((double)(p->bytes_total - p->bytes_done) / 1e6) / rate);
	fflush(stderr);
	ps->shown = 1;
}

/*
 * Rebuild *rsp with the rule files the database keeps (custom_rules) in
 * a layer of their own between the built-in catalogue and this run's
 * --rules (which are loaded again, so they replace the kept rules by
 * id).  A kept file under one of dirs is this run's: not loaded twice.
 * A kept file that no longer loads (a format this binary refuses) is
 * skipped with a warning.  Nothing kept: *rsp is left alone.
 */
static int load_stored_rules(sip_store *s, sip_rules **rsp, const char *const *dirs,
			     size_t ndirs, sip_rules_errors *rerr, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_rules *rs = NULL;
	int rc = SIP_OK, src, any = 0;

	if (sqlite3_prepare_v2(sip_store_db(s), "SELECT file, text FROM custom_rules ORDER BY"
			       " added_at, file", -1, &st, NULL) != SQLITE_OK)
		return sip_diag_set(diag, SIP_EDB, "", 0, "reading the kept rules: %s",
				    sqlite3_errmsg(sip_store_db(s)));
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *file = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		size_t i;
		sip_rules_errors quiet = { NULL, NULL, 0 };
		sip_diag d;
		if (!file || !text)
			continue;
		for (i = 0; i < ndirs; i++) {
			size_t n = strlen(dirs[i]);
			if (!strncmp(file, dirs[i], n) && file[n] == '/' && !strchr(file + n + 1, '/'))
				break;
		}
		if (i < ndirs)
			continue;
		if (!any++) {
			if (!(rs = sip_rules_new())) {
				rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
				goto out;
			}
			if ((rc = sip_rules_add_builtin(rs, NULL, diag)))
				goto out;
		}
		sip_rules_new_layer(rs);
		sip_diag_clear(&d);
		if (sip_rules_add_text(rs, file, text, (size_t)sqlite3_column_bytes(st, 1), &quiet,
				       &d) == SIP_ENOMEM) {
			rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
			goto out;
		}
		if (quiet.count)
			fprintf(stderr, "sipscan: the rules kept from %s no longer load (%u error%s):"
				" skipped; --forget-rules drops them\n", file, quiet.count,
				quiet.count == 1 ? "" : "s");
	}
	if (src != SQLITE_DONE) {
		rc = sip_diag_set(diag, SIP_EDB, "", 0, "reading the kept rules: %s",
				  sqlite3_errmsg(sip_store_db(s)));
		goto out;
	}
	if (!any)
		goto out;
	for (size_t i = 0; i < ndirs && !rc; i++)
		rc = sip_rules_add_dir(rs, dirs[i], rerr, diag);
	if (!rc) {
		sip_rules_free(*rsp);
		*rsp = rs;
		rs = NULL;
	}
out:
	sqlite3_finalize(st);
	sip_rules_free(rs);
	return rc;
}

int cmd_analyze(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *topo_files[64], *rule_dirs[64], *trusted = NULL, *stdin_label = NULL;
	char stdin_name[300];
	size_t ntopo = 0, nrules = 0;
	sip_rules *rs = NULL;
	sip_topology *topo = NULL;
	sip_analysis *an = NULL;
	sip_rules_errors rerr = { sip_print_diag_ctx, NULL, 0 };
	const char *opt_db = NULL, *db_path;
	sip_ingest_opts o;
	sip_ingest_list l;
	sip_store *s = NULL;
	sip_diag diag;
	progress_state ps;
	int quiet = 0, c, lock_fd = -1, rc, ret = SIP_EXIT_OK, store_flags = 0;
	int rescan = 0, forget = 0, color = SIP_COLOR_AUTO;
	sip_filter flt;

	memset(&o, 0, sizeof o);
	sip_filter_init(&flt);
	/* the one test knob: small transactions, so that a kill can land
	   inside a file's commits (tests/cli/test_analyze_crash.sh) */
	if (getenv("SIPSCAN_TEST_COMMIT_ROWS"))
		o.commit_rows = strtoull(getenv("SIPSCAN_TEST_COMMIT_ROWS"), NULL, 10);
	/* and the benchmark's floors (bench/bench.sh): "nostore" parses,
	   evaluates and compresses but stores no record; "nosync" stores
	   without waiting for the disk */
	if (getenv("SIPSCAN_BENCH")) {
		o.nostore = strstr(getenv("SIPSCAN_BENCH"), "nostore") != NULL;
		o.stages = strstr(getenv("SIPSCAN_BENCH"), "stages") != NULL;
		if (o.stages)
			sip_ingest_stage("started");
		store_flags = strstr(getenv("SIPSCAN_BENCH"), "nosync") ? SIP_STORE_NOSYNC : 0;
	}
	sip_ingest_list_init(&l);
	sip_diag_clear(&diag);
	sip_cmd_getopt(sip_cmd_find("analyze"), longopts, optstring);
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt_db = optarg;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || n < 1 || n > 64)
				return sip_usage_error("analyze", "--jobs wants a number from 1 to 64, not '%s'",
						       optarg);
			o.jobs = (int)n;
			break;
		}
		case 'q':
			quiet++;   /* -q: the findings only; -qq: nothing */
			break;
		case 'K':
			o.keep_duplicates = 1;
			break;
		case 'C':
			if ((color = sip_color_parse(optarg)) < 0)
				return sip_usage_error("analyze", "--color wants auto, always or never,"
						       " not '%s'", optarg);
			break;
		case 'E':
			rescan = 1;
			break;
		case 'F':
			forget = 1;
			break;
		case 'x':
			if (!strcmp(optarg, "evidence"))
				o.text_evidence = 1;
			else if (strcmp(optarg, "all"))
				return sip_usage_error("analyze", "--text wants all or evidence, not '%s'",
						       optarg);
			else
				o.text_evidence = 0;
			break;
		case 't':
			if (ntopo == sizeof topo_files / sizeof topo_files[0])
				return sip_usage_error("analyze", "too many --topology files");
			topo_files[ntopo++] = optarg;
			break;
		case 'T':
			trusted = optarg;
			break;
		case 'n':
			if (!*optarg)
				return sip_usage_error("analyze", "--name wants a label");
			stdin_label = optarg;
			break;
		case 'r':
			if (nrules == sizeof rule_dirs / sizeof rule_dirs[0])
				return sip_usage_error("analyze", "too many --rules directories");
			rule_dirs[nrules++] = optarg;
			break;
		default:
			if ((rc = sip_filter_option(&flt, c, optarg, "analyze")) >= 0) {
				if (rc)
					return rc;
				break;
			}
			return sip_option_error("analyze", c, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("analyze", "no input: name files, directories or '-'");
	db_path = sip_db_path(opt_db);

	/* Rules and topology first: a bad rule file stops the run before
	   anything is read or written. */
	if ((ret = sip_cmd_load_rules_topology(rule_dirs, nrules, topo_files, ntopo,
					       "; nothing was analyzed", &rs, &topo)))
		goto out;

	/* Standard input is an input of its own on every run, never the
	   replacement of another: "stdin:LABEL" (--name), else a name made
	   of the time and the process id. */
	if (stdin_label) {
		snprintf(stdin_name, sizeof stdin_name, "stdin:%s", stdin_label);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		snprintf(stdin_name, sizeof stdin_name,
			 "stdin:%04d-%02d-%02dT%02d:%02d:%02dZ.%ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)getpid());
	}
	l.stdin_name = stdin_name;
	for (int i = optind; i < argc; i++) {
		if ((rc = sip_ingest_list_add(&l, argv[i], db_path, &diag))) {
			sip_print_diag(&diag);
			ret = sip_exit_code(rc);
			goto out;
		}
	}
	if ((rc = sip_ingest_lock(db_path, &lock_fd, on_wait, (void *)db_path, &diag)) ||
	    (rc = sip_store_open(&s, db_path, store_flags, &diag))) {
		sip_print_diag(&diag);
		ret = rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
		goto out;
	}
	/* the rule files of earlier --rules runs, which the database keeps:
	   loaded under this run's --rules (which replace them by id) */
	if (forget && sqlite3_exec(sip_store_db(s), "DELETE FROM custom_rules", NULL, NULL,
				   NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan: %s: %s\n", db_path, sqlite3_errmsg(sip_store_db(s)));
		ret = SIP_EXIT_DB;
		goto out;
	}
	if ((rc = load_stored_rules(s, &rs, rule_dirs, nrules, &rerr, &diag))) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	o.warn = sip_print_warning;
	memset(&ps, 0, sizeof ps);
	if (isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &ps.start);
		o.progress = on_progress;
		o.progress_ctx = &ps;
	}
	if (ntopo && (rc = sip_findings_save_topology(sip_store_db(s), topo, &diag))) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	if (trusted && (rc = sip_trust_save_domains(sip_store_db(s), trusted, &diag))) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	if ((rc = sip_analysis_new(&an, rs, s, &diag))) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	sip_analysis_hook(an, &o);
	sip_analysis_set_rescan(an, rescan);
	sip_analysis_set_inputs_changed(an, ntopo > 0 || trusted || sip_store_migrated(s));
	rc = sip_ingest_run(s, &l, &o, &diag);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
	sip_print_warnings_hidden();
	for (size_t i = 0; i < l.n; i++) {
		const sip_ingest_file *f = &l.v[i];
		int st = f->status == SIP_FILE_UNCHANGED ? f->prev_status : f->status;
		if (st == SIP_FILE_PARTIAL || st == SIP_FILE_FAILED ||
		    (st == SIP_FILE_SKIPPED && f->named)) {
			/* out of memory is this run's fault, not the input's */
			int code = f->diag && f->diag->code == SIP_ENOMEM
				   ? SIP_EXIT_INTERNAL : SIP_EXIT_INPUT;
			if (ret == SIP_EXIT_OK || code > ret)
				ret = code;
		}
		if (st == SIP_FILE_PARTIAL || st == SIP_FILE_FAILED)
			sip_print_diag(f->diag ? f->diag : &diag);
		else if (st == SIP_FILE_SKIPPED && f->named) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			fprintf(stderr, "sipscan: %s: skipped: ",
				sip_buf_one_line(&nb, sip_ingest_display_name(f)));
			fprintf(stderr, "%s\n", sip_buf_one_line(&nb, f->error));
			sip_buf_release(&nb);
		}
	}
	if (rc) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	{
		uint64_t nre, kept;
		if (sip_analysis_rescanned(an, &nre, &kept))
			fprintf(stderr, "sipscan: %s: %llu stored record%s evaluated again with %s"
				"%s\n", db_path, (unsigned long long)nre, nre == 1 ? "" : "s",
				rescan ? "this run's rules (--rescan)"
				       : "this run's rules (they changed since the last run)",
				kept ? "; some kept by reference, their log gone, keep their old"
				       " results" : "");
	}
	sip_summary_style(sip_term_width(stdout), sip_color_on(stdout, color));
	sip_summary_db(opt_db);
	if (quiet < 2 && sip_summary_write(s, &l, sip_analysis_limit_hits(an), &flt, quiet == 1,
					   stdout)) {
		fprintf(stderr, "sipscan: %s: summary: %s\n", db_path,
			sqlite3_errmsg(sip_store_db(s)));
		ret = sip_db_code(sip_store_db(s)) == SIP_ENOMEM ? SIP_EXIT_INTERNAL
								 : SIP_EXIT_DB;
	}
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
out:
	if (o.stages)
		sip_ingest_stage("summary printed");
	sip_analysis_free(an);
	sip_topology_free(topo);
	sip_rules_free(rs);
	sip_store_free(s);
	sip_ingest_unlock(lock_fd);
	sip_ingest_list_release(&l);
	if (o.stages)
		sip_ingest_stage("closed");
	return ret;
}
