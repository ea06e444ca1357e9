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
#include <getopt.h>
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
#include "report.h"
#include "rules.h"
#include "store.h"
#include "tally.h"
#include "topology.h"

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

/* Rows of a two-or-more-column query printed with fmt per row. */
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
	fputs(b->p, stdout);
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
				printf("\nbenign (known harmless, not counted as problems):\n");
			printf("  %-8s %s (%lld record%s)\n", sev ? sev : "info",
			       title ? title : rule, count, count == 1 ? "" : "s");
			continue;
		}
		if (!problems++)
			printf("\nfindings:\n");
		for (i = 0; sev && sev[i] && i + 1 < sizeof upper; i++)
			upper[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
		upper[i] = 0;
		printf("\n%-8s %s\n", upper, title ? title : rule);
		if (first && last && strcmp(first, last) != 0)
			printf("         %lld records, %s .. %s\n", count, first, last);
		else
			printf("         %lld record%s, %s\n", count, count == 1 ? "" : "s",
			       first ? first : "?");
		print_labelled(&b, "cause:", cause);
		print_labelled(&b, "fix:", fix);
		ids_words(samples, ids, sizeof ids);
		printf("         rule %s; records: sipscan show %s\n", rule ? rule : "?", ids);
	}
	sqlite3_finalize(st);
	sip_buf_release(&b);
	if (rc != SQLITE_DONE)
		return SIP_EDB;
	if (!problems && !benign)
		printf("\nfindings: none\n");

	if (sqlite3_prepare_v2(db, most ? usql_most : usql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	{
		int shown = 0;
		long long total = 0, groups = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			long long n = sqlite3_column_int64(st, 1);
			if (!groups++)
				printf("\nunexplained errors and warnings (no rule names their cause):\n");
			total += n;
			if (shown < 5) {
				printf("  %7lld  %.200s\n", n, t ? t : "");
				shown++;
			}
		}
		if (groups > shown)
			printf("  ... %lld more signature%s: sipscan report lists them all\n",
			       groups - shown, groups - shown == 1 ? "" : "s");
		(void)total;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SIP_OK : SIP_EDB;
}

/* A group of the run's records with the same kind, level and host. */
typedef struct stat_group {
	int kind;
	sqlite3_int64 level_id, host_id;   /* 0 = NULL */
	sqlite3_int64 n;                   /* count */
	char t0[32], t1[32];               /* min and max ts */
} stat_group;

static int same_group(const stat_group *g, int kind, sqlite3_int64 lv, sqlite3_int64 h)
{
	return g->kind == kind && g->level_id == lv && g->host_id == h;
}

/* The slot of a group in an open-addressing table of 1-based indexes into
   g (0 = empty): where it is, or the empty slot where it goes. */
static size_t group_slot(const size_t *slots, size_t nslots, const stat_group *g,
			 int kind, sqlite3_int64 lv, sqlite3_int64 h)
{
	uint64_t x = (uint64_t)kind * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)lv * 0xc2b2ae3d27d4eb4full ^ (uint64_t)h * 0x165667b19e3779f9ull;
	size_t k = (size_t)(x ^ (x >> 29)) & (nslots - 1);

	while (slots[k] && !same_group(&g[slots[k] - 1], kind, lv, h))
		k = (k + 1) & (nslots - 1);
	return k;
}

/* Double the table (or make it), placing the ng groups again.  0 or -1. */
static int grow_slots(size_t **slots, size_t *nslots, const stat_group *g, size_t ng)
{
	size_t n = *nslots ? *nslots * 2 : 64;
	size_t *t = calloc(n, sizeof *t);

	if (!t)
		return -1;
	for (size_t i = 0; i < ng; i++)
		t[group_slot(t, n, g, g[i].kind, g[i].level_id, g[i].host_id)] = i + 1;
	free(*slots);
	*slots = t;
	*nslots = n;
	return 0;
}

/* Add the count n of strings.id id (0 = NULL) to set. */
static int add_string(sqlite3_stmt *str, sip_tally_set *set, sqlite3_int64 id,
		      sqlite3_int64 n, const char *t0, const char *t1)
{
	const char *v = NULL;
	size_t len = 0;
	int rc;

	if (id) {
		sqlite3_bind_int64(str, 1, id);
		if (sqlite3_step(str) == SQLITE_ROW) {
			v = (const char *)sqlite3_column_text(str, 0);
			len = (size_t)sqlite3_column_bytes(str, 0);
		}
	}
	rc = sip_tally_add(set, v, len, (uint64_t)n, t0, t1, SIZE_MAX, SIZE_MAX);
	sqlite3_reset(str);
	return rc ? SIP_ENOMEM : SIP_OK;
}

/*
 * The kinds, levels and hosts of the records of the run's files (temp
 * table run_files) into t, from the database: the summary of a run that
 * did not write all of them (an unchanged or a grown file).  The rows are
 * grouped by ids as they stream by (consecutive records mostly share a
 * group): a GROUP BY in SQL sorted every record first, 3x slower.  When the
 * run's files hold most of the database a plain scan beats the file index.
 */
static int stats_from_db(sqlite3 *db, int most, sip_tally *t)
{
	sqlite3_stmt *st = NULL;
	stat_group *g = NULL, *last = NULL;
	size_t ng = 0, cap = 0, *slots = NULL, nslots = 0;
	char sql[256];
	int src, rc = SIP_EDB;

	snprintf(sql, sizeof sql, "SELECT kind, level_id, host_id, ts FROM record_rows"
		 " WHERE %sfile_id IN run_files", most ? "+" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(st, 0);
		sqlite3_int64 lv = sqlite3_column_int64(st, 1), h = sqlite3_column_int64(st, 2);
		const char *ts = (const char *)sqlite3_column_text(st, 3);
		if (!last || !same_group(last, kind, lv, h)) {
			size_t k;
			if (ng * 2 >= nslots && grow_slots(&slots, &nslots, g, ng))
				goto out;
			k = group_slot(slots, nslots, g, kind, lv, h);
			if (slots[k]) {
				last = &g[slots[k] - 1];
			} else {
				if (ng == cap) {
					size_t nc = cap ? cap * 2 : 16;
					stat_group *ng2 = realloc(g, nc * sizeof *g);
					if (!ng2)
						goto out;
					g = ng2;
					cap = nc;
				}
				last = &g[ng++];
				memset(last, 0, sizeof *last);
				last->kind = kind;
				last->level_id = lv;
				last->host_id = h;
				slots[k] = ng;
			}
		}
		last->n++;
		if (ts && (!last->t0[0] || strcmp(ts, last->t0) < 0))
			snprintf(last->t0, sizeof last->t0, "%s", ts);
		if (ts && strcmp(ts, last->t1) > 0)
			snprintf(last->t1, sizeof last->t1, "%s", ts);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (src != SQLITE_DONE ||
	    sqlite3_prepare_v2(db, "SELECT s FROM strings WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < ng; i++) {
		t->kinds[g[i].kind >= 0 && g[i].kind <= 3 ? g[i].kind : 0] += (uint64_t)g[i].n;
		if (add_string(st, &t->levels, g[i].level_id, g[i].n, NULL, NULL) ||
		    add_string(st, &t->hosts, g[i].host_id, g[i].n, g[i].t0, g[i].t1))
			goto out;
	}
	rc = SIP_OK;
out:
	sqlite3_finalize(st);
	free(slots);
	free(g);
	return rc;
}

/* The ten most frequent error texts of the run's files, from the database. */
static int errors_from_db(sqlite3 *db, sip_tally_set *set)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(text, ms_diag_reason, result_symbol,"
			       " '(no text)') AS t, count(*) AS n FROM errors"
			       " WHERE file_id IN run_files GROUP BY t ORDER BY n DESC, t"
			       " LIMIT 10", -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sip_tally_add(set, (const char *)sqlite3_column_text(st, 0),
				  (size_t)sqlite3_column_bytes(st, 0),
				  (uint64_t)sqlite3_column_int64(st, 1), NULL, NULL,
				  SIZE_MAX, SIZE_MAX)) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SIP_OK : SIP_EDB;
}

/* "  by kind: connection 12, protocol 40" (kinds by name) */
static void print_kinds(const sip_tally *t)
{
	static const int order[] = { SIP_KIND_CONNECTION, SIP_KIND_DIAGNOSTIC,
				     SIP_KIND_PROTOCOL, SIP_KIND_TRACE };
	static const char *const name[] = { "trace", "connection", "diagnostic", "protocol" };
	int first = 1;

	printf("  by kind: ");
	for (size_t i = 0; i < 4; i++) {
		if (!t->kinds[order[i]])
			continue;
		printf("%s%s %llu", first ? "" : ", ", name[order[i]],
		       (unsigned long long)t->kinds[order[i]]);
		first = 0;
	}
	printf("%s\n", first ? "none" : "");
}

static int print_sets(const sip_tally *t, const sip_tally_set *errors)
{
	const sip_tally_ent **v;
	size_t i;

	print_kinds(t);
	printf("  by level: ");
	v = sip_tally_sorted(&t->levels, SIP_TALLY_BY_VALUE);
	if (t->levels.n && !v)
		return SIP_ENOMEM;
	for (i = 0; i < t->levels.n; i++)
		printf("%s%s %llu", i ? ", " : "", v[i]->s ? v[i]->s : "-",
		       (unsigned long long)v[i]->n);
	printf("%s\n", i ? "" : "none");
	free(v);
	printf("hosts:\n");
	v = sip_tally_sorted(&t->hosts, SIP_TALLY_BY_VALUE);
	if (t->hosts.n && !v)
		return SIP_ENOMEM;
	for (i = 0; i < t->hosts.n; i++)
		printf("  %-30s %s .. %s  (%llu records)\n",
		       v[i]->s ? v[i]->s : "(no host in the log)",
		       v[i]->t0[0] ? v[i]->t0 : "-", v[i]->t1[0] ? v[i]->t1 : "-",
		       (unsigned long long)v[i]->n);
	free(v);
	printf("top errors:\n");
	v = sip_tally_sorted(errors, SIP_TALLY_BY_COUNT);
	if (errors->n && !v)
		return SIP_ENOMEM;
	for (i = 0; i < errors->n && i < 10; i++)
		printf("  %7llu  %.200s\n", (unsigned long long)v[i]->n, v[i]->s ? v[i]->s : "");
	free(v);
	return SIP_OK;
}

/*
 * The summary of the run: files, records, statistics of the records of the
 * run's files, findings.  t is what the writer counted: when the run wrote
 * every record of its files (no unchanged file, no grown one read from
 * where it stopped), the statistics come from it; otherwise from the
 * database, and the top errors too when the tally gave them up.
 */
static int summary(sip_store *s, const sip_ingest_list *l, const sip_tally *t)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL;
	size_t counts[SIP_FILE_DUPLICATE + 1] = { 0 };
	uint64_t total = 0, written = 0, in_files = 0;
	int rc = SIP_OK, all_new = 1, most;
	sip_tally dbt;
	const sip_tally *use = t;
	const sip_tally_set *errors = &t->errors;
	sip_tally_set dberr;

	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		counts[f->status]++;
		total += f->records;
		written += f->new_records;
		if (f->file_id && f->status != SIP_FILE_DUPLICATE) {
			in_files += f->records;
			if (f->records != f->new_records)
				all_new = 0;
		}
	}
	printf("files: %zu ingested, %zu unchanged, %zu skipped, %zu partial, %zu failed\n",
	       counts[SIP_FILE_INGESTED], counts[SIP_FILE_UNCHANGED],
	       counts[SIP_FILE_SKIPPED], counts[SIP_FILE_PARTIAL], counts[SIP_FILE_FAILED]);
	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		int st2 = f->status == SIP_FILE_UNCHANGED ? f->prev_status : f->status;
		if (st2 == SIP_FILE_SKIPPED || st2 == SIP_FILE_PARTIAL || st2 == SIP_FILE_FAILED)
			printf("  %s: %s%s: %s\n", f->path, sip_ingest_status_name(st2),
			       f->status == SIP_FILE_UNCHANGED ? " (unchanged)" : "", f->error);
	}
	printf("records: %llu in these files, %llu written now\n",
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
	most = (long long)total * 2 > sip_db_int(db, "SELECT sum(records) FROM files");
	sip_tally_init(&dbt);
	memset(&dberr, 0, sizeof dberr);
	if (!all_new || t->full || t->rows != in_files) {
		if ((rc = stats_from_db(db, most, &dbt)))
			goto out;
		use = &dbt;
	}
	if (use == &dbt || t->errors_full) {
		if ((rc = errors_from_db(db, &dberr)))
			goto out;
		errors = &dberr;
	}
	if (!(rc = print_sets(use, errors)))
		rc = print_findings(db, most);
out:
	sip_tally_release(&dbt);
	sip_tally_set_release(&dberr);
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
		{ NULL, 0, NULL, 0 }
	};
	const char *topo_files[64], *rule_dirs[64];
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
	sip_tally tally;
	int quiet = 0, c, lock_fd = -1, rc, ret = SIP_EXIT_OK;

	memset(&o, 0, sizeof o);
	sip_tally_init(&tally);
	sip_ingest_list_init(&l);
	sip_diag_clear(&diag);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+qj:", longopts, NULL)) != -1) {
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
		case 'r':
			if (nrules == sizeof rule_dirs / sizeof rule_dirs[0])
				return sip_usage_error("analyze", "too many --rules directories");
			rule_dirs[nrules++] = optarg;
			break;
		default:
			return sip_usage_error("analyze", "unknown option '%s'", argv[optind - 1]);
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
		fprintf(stderr, "sipscan: the rules are not valid; nothing was analyzed\n");
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
		ret = SIP_EXIT_DB;
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
	if ((rc = sip_analysis_new(&an, rs, s, &diag))) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	sip_analysis_hook(an, &o);
	if (!quiet) {
		o.rows_hook = sip_tally_rows_hook;
		o.rows_ctx = &tally;
	}
	rc = sip_ingest_run(s, &l, &o, &diag);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
	for (size_t i = 0; i < l.n; i++) {
		const sip_ingest_file *f = &l.v[i];
		int st = f->status == SIP_FILE_UNCHANGED ? f->prev_status : f->status;
		if (st == SIP_FILE_PARTIAL || st == SIP_FILE_FAILED ||
		    (st == SIP_FILE_SKIPPED && f->named))
			ret = SIP_EXIT_INPUT;
		if (st == SIP_FILE_PARTIAL || st == SIP_FILE_FAILED)
			sip_print_diag(&f->diag);
		else if (st == SIP_FILE_SKIPPED && f->named)
			fprintf(stderr, "sipscan: %s: skipped: %s\n", f->path, f->error);
	}
	if (rc) {
		sip_print_diag(&diag);
		ret = sip_exit_code(rc);
		goto out;
	}
	if (!quiet && summary(s, &l, &tally)) {
		fprintf(stderr, "sipscan: %s: summary: %s\n", db_path,
			sqlite3_errmsg(sip_store_db(s)));
		ret = SIP_EXIT_DB;
	}
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK)
		ret = SIP_EXIT_INTERNAL;
out:
	sip_tally_release(&tally);
	sip_analysis_free(an);
	sip_topology_free(topo);
	sip_rules_free(rs);
	sip_store_free(s);
	sip_ingest_unlock(lock_fd);
	sip_ingest_list_release(&l);
	return ret;
}
