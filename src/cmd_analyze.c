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
#include "wrap.h"
#include "rules.h"
#include "store.h"
#include "topology.h"
#include "trust.h"

/*
 * Every line analyze prints on stdout holds text from the logs (record
 * texts, host names, finding texts rendered from log values): it goes
 * through sip_buf_add_safe, so a hostile trace cannot send terminal control
 * sequences to the analyst's screen.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void out_printf(const char *fmt, ...);

/* s on one line, its control characters (a newline in a file name too)
   escaped: valid until the next call with the same b. */
static const char *one_line(sip_buf *b, const char *s)
{
	sip_buf_reset(b);
	if (!s || sip_buf_add_safe(b, s, strlen(s), 0) || !b->p)
		return "";
	return b->p;
}

static void out_printf(const char *fmt, ...)
{
	char small[1024];
	sip_buf b;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sip_buf_init(&b, 0);
	if ((size_t)n < sizeof small) {
		sip_buf_add_safe(&b, small, (size_t)n, 1);
	} else {
		char *big = malloc((size_t)n + 1);
		if (big) {
			va_start(ap, fmt);
			vsnprintf(big, (size_t)n + 1, fmt, ap);
			va_end(ap);
			sip_buf_add_safe(&b, big, (size_t)n, 1);
			free(big);
		}
	}
	if (b.n)
		fwrite(b.p, 1, b.n, stdout);
	sip_buf_release(&b);
}

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

/* A JSON array of numbers ("[12,40]") as "12 40". */
static void ids_words(const char *json, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = json ? json : ""; *p && o + 2 < n; p++) {
		if (*p >= '0' && *p <= '9')
			out[o++] = *p;
		else if (*p == ',')
			out[o++] = ' ';
	}
	out[o] = 0;
}

/*
 * "         cause: text wrapped at 78 columns" with continuation lines
 * aligned under the text.
 */
static void print_labelled(sip_buf *b, const char *label, const char *text)
{
	static const char indent[] = "                "; /* 16 */

	sip_buf_reset(b);
	if (sip_wrap(b, text && *text ? text : "-", 78, indent) || b->n < sizeof indent - 1)
		return;
	memcpy(b->p + 9, label, strlen(label)); /* 9 blanks, then the label */
	out_printf("%s", b->p);
}

/*
 * The findings that have records in this run's files (temp table
 * run_files), most severe and most frequent first, with cause and fix
 * wrapped for an 80-column terminal; benign ones as one line each at the
 * end; then the most frequent unexplained error signatures.  most: the
 * run's files hold most of the database's records, so the unexplained
 * records (a few of all) are read whole rather than the run's records one
 * by one through the file index.
 */
static int print_findings(sqlite3 *db, int most)
{
	static const char sql[] =
		"SELECT severity, title, cause, fix, count, first_seen, last_seen,"
		" sample_ids, benign, rule_id FROM findings f WHERE EXISTS ("
		"  SELECT 1 FROM finding_records fr JOIN record_rows r ON r.id = fr.record_id"
		"  WHERE fr.finding_id = f.id AND r.file_id IN run_files)"
		" ORDER BY " SIP_FINDINGS_ORDER;
	static const char usql[] =
		"SELECT u.template, count(*) AS n FROM unexplained u"
		" JOIN record_rows r ON r.id = u.record_id WHERE r.file_id IN run_files"
		" GROUP BY u.template ORDER BY n DESC, u.template";
	static const char usql_most[] =
		"SELECT u.template, count(*) AS n FROM unexplained u"
		" CROSS JOIN record_rows r ON r.id = u.record_id WHERE r.file_id IN run_files"
		" GROUP BY u.template ORDER BY n DESC, u.template";
	sqlite3_stmt *st = NULL;
	sip_buf b;
	int rc, problems = 0, benign = 0;

	sip_buf_init(&b, 0);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sev = (const char *)sqlite3_column_text(st, 0);
		const char *title = (const char *)sqlite3_column_text(st, 1);
		const char *cause = (const char *)sqlite3_column_text(st, 2);
		const char *fix = (const char *)sqlite3_column_text(st, 3);
		long long count = sqlite3_column_int64(st, 4);
		const char *first = (const char *)sqlite3_column_text(st, 5);
		const char *last = (const char *)sqlite3_column_text(st, 6);
		const char *samples = (const char *)sqlite3_column_text(st, 7);
		int is_benign = sqlite3_column_int(st, 8);
		const char *rule = (const char *)sqlite3_column_text(st, 9);
		char ids[256], upper[16];
		size_t i;

		if (is_benign) {
			if (!benign++)
				out_printf("\nbenign (known harmless, not counted as problems):\n");
			out_printf("  %-8s %s (%lld record%s)\n", sev ? sev : "info",
			       title ? title : rule, count, count == 1 ? "" : "s");
			continue;
		}
		if (!problems++)
			out_printf("\nfindings:\n");
		for (i = 0; sev && sev[i] && i + 1 < sizeof upper; i++)
			upper[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
		upper[i] = 0;
		out_printf("\n%-8s %s\n", upper, title ? title : rule);
		if (first && last && strcmp(first, last) != 0)
			out_printf("         %lld records, %s .. %s\n", count, first, last);
		else if (first)
			out_printf("         %lld record%s, %s\n", count, count == 1 ? "" : "s", first);
		else	/* bare SIP messages may carry no time */
			out_printf("         %lld record%s\n", count, count == 1 ? "" : "s");
		print_labelled(&b, "cause:", cause);
		print_labelled(&b, "fix:", fix);
		ids_words(samples, ids, sizeof ids);
		out_printf("         rule %s; records: sipscan show %s\n", rule ? rule : "?", ids);
	}
	sqlite3_finalize(st);
	sip_buf_release(&b);
	if (rc != SQLITE_DONE)
		return SIP_EDB;
	if (!problems && !benign)
		out_printf("\nfindings: none\n");

	if (sqlite3_prepare_v2(db, most ? usql_most : usql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	{
		int shown = 0;
		long long total = 0, groups = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			long long n = sqlite3_column_int64(st, 1);
			if (!groups++)
				out_printf("\nunexplained errors and warnings (no rule names their cause):\n");
			total += n;
			if (shown < 5) {
				out_printf("  %7lld  %.200s\n", n, t ? t : "");
				shown++;
			}
		}
		if (groups > shown)
			out_printf("  ... %lld more signature%s: sipscan report lists them all\n",
			       groups - shown, groups - shown == 1 ? "" : "s");
		(void)total;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SIP_OK : SIP_EDB;
}

/*
 * Print the rows of sql (over file_stats of the run's files): kind 0
 * "name n, name n" on one line, 1 hosts, 2 top errors.
 */
static int print_rows(sqlite3 *db, const char *sql, int kind)
{
	sqlite3_stmt *st = NULL;
	int rc, first = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		long long n = sqlite3_column_int64(st, 1);
		switch (kind) {
		case 0:
			out_printf("%s%s %lld", first ? "" : ", ", a ? a : "-", n);
			break;
		case 1: {
			const char *lo = (const char *)sqlite3_column_text(st, 2);
			const char *hi = (const char *)sqlite3_column_text(st, 3);
			out_printf("  %-30s %s .. %s  (%lld records)\n", a ? a : "(no host in the log)",
			       lo ? lo : "-", hi ? hi : "-", n);
			break;
		}
		default:
			out_printf("  %7lld  %.200s\n", n, a ? a : "");
			break;
		}
		first = 0;
	}
	if (kind == 0)
		out_printf("%s\n", first ? "none" : "");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SIP_OK : SIP_EDB;
}

/*
 * Give the run's files whose file_stats do not count all their records
 * (files of a database before schema 3, files past the tally's bounds)
 * their file_stats rows, from their records, in one transaction.
 */
static int fill_stats(sip_store *s)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	uint64_t records = 0;
	sip_diag d;
	int rc = SIP_OK, src;

	if (sqlite3_prepare_v2(db, "SELECT id, records FROM files WHERE id IN run_files"
			       " AND records > 0 AND records <> (SELECT coalesce(sum(records), 0)"
			       " FROM file_stats WHERE file_id = files.id AND what = 'kind')",
			       -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		records += (uint64_t)sqlite3_column_int64(st, 1);
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *v = realloc(ids, nc * sizeof *v);
			if (!v) {
				rc = SIP_ENOMEM;
				break;
			}
			ids = v;
			cap = nc;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (!rc && src != SQLITE_DONE)
		rc = SIP_EDB;
	/* a database of an earlier version: say why the first summary waits */
	if (!rc && records >= 1000000)
		fprintf(stderr, "sipscan: counting the %llu records of %zu file%s whose"
			" statistics are not stored (stored before schema 3, or past the"
			" per-file bounds), once, for the summary\n",
			(unsigned long long)records, n, n == 1 ? "" : "s");
	if (!rc && n && !(rc = sip_store_begin(s, &d))) {
		for (size_t i = 0; !rc && i < n; i++)
			rc = sip_store_stats_fill(s, ids[i], &d);
		if (rc || (rc = sip_store_commit(s, &d)))
			sip_store_rollback(s);
	}
	free(ids);
	return rc;
}

/*
 * The summary of the run: files, records, then the statistics of the
 * records of the run's files from their file_stats rows (a few per file:
 * no record is read back), and the findings.
 */
static int summary(sip_store *s, const sip_ingest_list *l)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL;
	size_t counts[SIP_FILE_DUPLICATE + 1] = { 0 };
	uint64_t total = 0, written = 0;
	int rc = SIP_OK, most;

	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		counts[f->status]++;
		total += f->records;
		written += f->new_records;
	}
	out_printf("files: %zu ingested, %zu unchanged, %zu skipped, %zu partial, %zu failed\n",
	       counts[SIP_FILE_INGESTED], counts[SIP_FILE_UNCHANGED],
	       counts[SIP_FILE_SKIPPED], counts[SIP_FILE_PARTIAL], counts[SIP_FILE_FAILED]);
	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		int st2 = f->status == SIP_FILE_UNCHANGED ? f->prev_status : f->status;
		if (st2 == SIP_FILE_SKIPPED || st2 == SIP_FILE_PARTIAL || st2 == SIP_FILE_FAILED) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			out_printf("  %s: %s%s: ", one_line(&nb, f->path),
				   sip_ingest_status_name(st2),
				   f->status == SIP_FILE_UNCHANGED ? " (unchanged)" : "");
			out_printf("%s\n", one_line(&nb, f->error));
			sip_buf_release(&nb);
		}
	}
	out_printf("records: %llu in these files, %llu written now\n",
	       (unsigned long long)total, (unsigned long long)written);

	/* The statistics cover the files of this run (a temp table of ids). */
	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS run_files(id INTEGER PRIMARY KEY);"
			 "DELETE FROM run_files;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO run_files VALUES(?)", -1, &st,
			       NULL) != SQLITE_OK)
		return SIP_EDB;
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].file_id)
			continue;
		sqlite3_bind_int64(st, 1, l->v[i].file_id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = SIP_EDB;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (total == 0)
		return SIP_OK;
	if ((rc = fill_stats(s)))
		return rc;
	out_printf("  by kind: ");
	rc |= print_rows(db, "SELECT value, sum(records) FROM file_stats WHERE what = 'kind'"
			 " AND file_id IN run_files GROUP BY value ORDER BY value", 0);
	out_printf("  by level: ");
	rc |= print_rows(db, "SELECT value, sum(records) FROM file_stats WHERE what = 'level'"
			 " AND file_id IN run_files GROUP BY value ORDER BY value", 0);
	out_printf("hosts:\n");
	rc |= print_rows(db, "SELECT value, sum(records), min(first_ts), max(last_ts)"
			 " FROM file_stats WHERE what = 'host' AND file_id IN run_files"
			 " GROUP BY value ORDER BY value", 1);
	out_printf("top errors:\n");
	rc |= print_rows(db, "SELECT value, sum(records) AS n FROM file_stats"
			 " WHERE what = 'error' AND file_id IN run_files"
			 " GROUP BY value ORDER BY n DESC, value LIMIT 10", 2);
	most = (long long)total * 2 > sip_db_int(db, "SELECT sum(records) FROM files");
	if (!rc)
		rc = print_findings(db, most);
	return rc ? SIP_EDB : SIP_OK;
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "topology", required_argument, NULL, 't' },
		{ "rules", required_argument, NULL, 'r' },
		{ "trusted-domains", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
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
	int quiet = 0, c, lock_fd = -1, rc, ret = SIP_EXIT_OK;

	memset(&o, 0, sizeof o);
	/* the one test knob: small transactions, so that a kill can land
	   inside a file's commits (tests/cli/test_analyze_crash.sh) */
	if (getenv("SIPSCAN_TEST_COMMIT_ROWS"))
		o.commit_rows = strtoull(getenv("SIPSCAN_TEST_COMMIT_ROWS"), NULL, 10);
	sip_ingest_list_init(&l);
	sip_diag_clear(&diag);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":qj:", longopts, NULL)) != -1) {
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
			quiet = 1;
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
			return sip_option_error("analyze", c, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("analyze", "no input: name files, directories or '-'");
	db_path = sip_db_path(opt_db);

	/* Rules and topology first: a bad rule file stops the run before
	   anything is read or written. */
	if (!(rs = sip_rules_new()) || !(topo = sip_topology_new())) {
		fprintf(stderr, "sipscan: out of memory\n");
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	rc = sip_rules_add_builtin(rs, &rerr, &diag);
	for (size_t i = 0; !rc && i < nrules; i++)
		rc = sip_rules_add_dir(rs, rule_dirs[i], &rerr, &diag);
	if (rc || rerr.count) {
		if (!rerr.count)
			sip_print_diag(&diag);
		fprintf(stderr, "sipscan: %s; nothing was analyzed\n", rc == SIP_ENOMEM
			? "out of memory loading the rules" : "the rules are not valid");
		ret = rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_RULES;
		goto out;
	}
	for (size_t i = 0; i < ntopo; i++) {
		if ((rc = sip_topology_load_file(topo, topo_files[i], &diag))) {
			sip_print_diag(&diag);
			ret = rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_USAGE;
			goto out;
		}
	}

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
	    (rc = sip_store_open(&s, db_path, 0, &diag))) {
		sip_print_diag(&diag);
		ret = rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
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
	rc = sip_ingest_run(s, &l, &o, &diag);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
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
			fprintf(stderr, "sipscan: %s: skipped: ", one_line(&nb, f->path));
			fprintf(stderr, "%s\n", one_line(&nb, f->error));
			sip_buf_release(&nb);
		}
	}
	if (rc) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	if (!quiet && summary(s, &l)) {
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
	sip_analysis_free(an);
	sip_topology_free(topo);
	sip_rules_free(rs);
	sip_store_free(s);
	sip_ingest_unlock(lock_fd);
	sip_ingest_list_release(&l);
	return ret;
}
