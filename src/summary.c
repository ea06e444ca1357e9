/*
 * summary.c -- what `sipscan analyze` prints at the end of a run: the files
 * and records of the run, the statistics of the run's files from their
 * file_stats rows (no record is read back), the findings that have records
 * in them with cause and fix wrapped for an 80-column terminal, the
 * unexplained signatures, and the patterns that gave up at the PCRE2
 * limits.  Deterministic (no timings, file names as given) so golden
 * tests can compare it.
 */
#include "summary.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbopen.h"
#include "findings.h"
#include "filter.h"
#include "wrap.h"

/*
 * Every line analyze prints on stdout holds text from the logs (record
 * texts, host names, finding texts rendered from log values): it goes
 * through sip_buf_add_safe, so a hostile trace cannot send terminal control
 * sequences to the analyst's screen.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void out_printf(FILE *out, const char *fmt, ...);

static void out_printf(FILE *out, const char *fmt, ...)
{
	char small[1024];
	sip_buf b;
	va_list ap;
	int n;

	if (!out)   /* a part the caller does not print (--quiet) */
		return;

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
		fwrite(b.p, 1, b.n, out);
	sip_buf_release(&b);
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

/* The terminal the summary is for: its width (wrapping at width - 2)
   and whether it takes colours (sip_summary_style). */
static int s_width = 80, s_color;

static const char *s_db;   /* the --db of analyze, for the show hints */
static int s_lead = 1;     /* a blank line before the findings (not when
                              they are all that is printed) */

void sip_summary_db(const char *db)
{
	s_db = db;
}

void sip_summary_style(int width, int color)
{
	s_width = width < 40 ? 40 : width;
	s_color = color;
}

/* A severity label ("ERROR   "), coloured on a terminal that takes it. */
static void print_severity(FILE *out, const char *upper)
{
	const char *c = !s_color ? NULL : !strcmp(upper, "CRITICAL") ? "\033[1;35m"
		      : !strcmp(upper, "ERROR") ? "\033[1;31m" : !strcmp(upper, "WARNING")
		      ? "\033[33m" : "\033[36m";
	if (c)
		fprintf(out, "%s%-8s\033[0m", c, upper);
	else
		fprintf(out, "%-8s", upper);
}

/*
 * "         cause: text wrapped at the width" with continuation lines
 * aligned under the text.
 */
static void print_labelled(FILE *out, sip_buf *b, const char *label, const char *text)
{
	static const char indent[] = "                "; /* 16 */

	sip_buf_reset(b);
	if (sip_wrap(b, text && *text ? text : "-", (size_t)(s_width - 2), indent) ||
	    b->n < sizeof indent - 1)
		return;
	memcpy(b->p + 9, label, strlen(label)); /* 9 blanks, then the label */
	out_printf(out, "%s", b->p);
}

/* "  <n, 7 wide>  text" with text (at most 200 bytes) wrapped at the width,
   continuation lines under it: an error text of a log can run long. */
static void print_counted(FILE *out, sip_buf *b, long long n, const char *text)
{
	static const char indent[] = "           "; /* 11 */
	char num[16], cut[201];

	snprintf(cut, sizeof cut, "%s", text ? text : "");
	sip_buf_reset(b);
	if (sip_wrap(b, *cut ? cut : "-", (size_t)(s_width - 2), indent) ||
	    b->n < sizeof indent - 1)
		return;
	if (snprintf(num, sizeof num, "  %7lld  ", n) == 11)
		memcpy(b->p, num, 11);
	out_printf(out, "%s", b->p);
}

/* "first .. last" into out, the last without its date when it is the
   first's day ("2016-06-07 10:02:14.775 .. 10:43:46.253"). */
static void span_text(char *out, size_t n, const char *first, const char *last)
{
	const char *f = first ? first : "-", *l = last ? last : "-";

	if (!first && !last) {   /* records quoted without their headers */
		snprintf(out, n, "(no time)");
		return;
	}
	if (strlen(f) > 11 && strlen(l) > 11 && !strncmp(f, l, 11) && f[10] == ' ')
		l += 11;
	snprintf(out, n, "%s .. %s", f, l);
}

/* text wrapped at the width: its first line after first (blanks), the
   others after rest (more blanks) */
static void print_hanging(FILE *out, sip_buf *b, const char *text, const char *first,
			  const char *rest)
{
	size_t skip = strlen(rest) - strlen(first);

	sip_buf_reset(b);
	if (!sip_wrap(b, text, (size_t)(s_width - 2), rest) && b->n > skip)
		out_printf(out, "%s", b->p + skip);
}

/* text wrapped at the width, each line after 9 blanks */
static void print_indented(FILE *out, sip_buf *b, const char *text)
{
	print_hanging(out, b, text, "         ", "         ");
}

/* The rule line built as one line (9 blanks, "rule ...; records: sipscan
   show ...", a newline): as it is when the width holds it, else the show
   command on a line of its own, whole, so that it can be copied; then
   cleared. */
static void print_rule_line(FILE *out, char *line)
{
	char *cmd = strstr(line, "; records: ");

	if (cmd && strlen(line) > (size_t)s_width - 1) {
		*cmd = 0;
		out_printf(out, "%s\n         %s", line, cmd + 2);
	} else
		out_printf(out, "%s", line);
	line[0] = 0;
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
static int print_findings(FILE *out, sqlite3 *db, int most, const sip_filter *flt)
{
	/* one row per finding with records in the run's files, those of
	   one group (group_id: the same cause and fix about other peers,
	   servers or domains) together, with the group's totals */
	static const char sqlf[] =
		"WITH sel AS (SELECT f.*, coalesce(f.group_id, f.id) AS g,"
		" (SELECT count(*) FROM finding_records fr JOIN record_rows r ON r.id = fr.record_id"
		"  WHERE fr.finding_id = f.id AND r.file_id IN run_files AND EXISTS (SELECT 1"
		"  FROM matches m WHERE m.record_id = fr.record_id AND m.rule_id = f.rule_id)) AS here"
		" FROM findings f WHERE EXISTS ("
		"  SELECT 1 FROM finding_records fr JOIN record_rows r ON r.id = fr.record_id"
		"  WHERE fr.finding_id = f.id AND r.file_id IN run_files)%s)"
		" SELECT severity, title, cause, fix, count, first_seen, last_seen,"
		" sample_ids, benign, rule_id, here, g, coalesce(subject, key),"
		" sum(count) OVER w, count(*) OVER w, min(first_seen) OVER w, max(last_seen) OVER w,"
		" sum(here) OVER w, confidence,"
		" (SELECT replace(group_concat(DISTINCT j.value), ',', ', ') FROM sel s2,"
		"  json_each(s2.hosts) j WHERE s2.g = sel.g),"
		" (SELECT group_concat(rule || ' (' || n || ' record' || iif(n = 1, '', 's') || ')', ', ')"
		"  FROM (SELECT json_extract(j.value, '$.rule') AS rule,"
		"  sum(json_extract(j.value, '$.records')) AS n FROM sel s2, json_each(s2.related) j"
		"  WHERE s2.g = sel.g GROUP BY 1 ORDER BY 2 DESC, 1))"
		" FROM sel WINDOW w AS (PARTITION BY g) ORDER BY g, id";
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
	long long cur = -1, gshown = 0, members = 0;
	char pending[1024] = "";   /* the last line of the open group's block */
	char lead[512] = "";      /* the line of its first finding in the list */

	sip_buf_init(&b, 0);
	{
		/* the filters of --severity, --rule ... on the findings */
		sip_buf w, q;
		sip_buf_init(&w, 0);
		sip_buf_init(&q, 0);
		if ((flt && sip_filter_findings_sql(flt, "f", &w)) || sip_buf_addc(&w, 0) ||
		    sip_buf_printf(&q, sqlf, w.p) || sip_buf_addc(&q, 0) ||
		    sqlite3_prepare_v2(db, q.p, -1, &st, NULL) != SQLITE_OK) {
			sip_buf_release(&w);
			sip_buf_release(&q);
			return SIP_EDB;
		}
		sip_buf_release(&w);
		sip_buf_release(&q);
		if (flt && sip_filter_any(flt)) {
			sip_buf_reset(&b);
			if (!sip_filter_describe(flt, &b) && !sip_buf_addc(&b, 0))
				out_printf(out, "\n(findings of %s only)\n", b.p);
		}
	}
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
		long long here = sqlite3_column_int64(st, 10);
		long long g = sqlite3_column_int64(st, 11);
		const char *subject = (const char *)sqlite3_column_text(st, 12);
		long long gcount = sqlite3_column_int64(st, 13);
		long long gn = sqlite3_column_int64(st, 14);
		const char *gfirst = (const char *)sqlite3_column_text(st, 15);
		const char *glast = (const char *)sqlite3_column_text(st, 16);
		long long ghere = sqlite3_column_int64(st, 17);
		const char *conf = (const char *)sqlite3_column_text(st, 18);
		const char *hosts = (const char *)sqlite3_column_text(st, 19);
		const char *related = (const char *)sqlite3_column_text(st, 20);
		char ids[256], upper[16], where[96] = "", on[160] = "";
		const char *ofirst;
		long long own;
		size_t i;

		if (is_benign) {
			if (pending[0])
				print_rule_line(out, pending);
			if (!benign++)
				out_printf(out, "\nbenign (known harmless, not counted as problems):\n");
			{
				/* "  info     title (n records)", wrapped under the title */
				char t[1200], lab[12];
				snprintf(t, sizeof t, "%s (%lld record%s)", title ? title : rule ? rule : "?",
					 count, count == 1 ? "" : "s");
				sip_buf_reset(&b);
				if (!sip_wrap(&b, t, (size_t)(s_width - 2), "           ") && b.n > 11 &&
				    snprintf(lab, sizeof lab, "  %-8s ", sev ? sev : "info") == 11) {
					memcpy(b.p, lab, 11);
					out_printf(out, "%s", b.p);
				}
			}
			continue;
		}
		if (g == cur) {
			/* another finding of the open group: one line */
			if (++gshown <= 12) {
				if (members++ == 0) {
					out_printf(out, "         the same for each of these %lld:\n", gn);
					out_printf(out, "%s", lead);
				}
				out_printf(out, "           %-32s %lld record%s%s%s\n",
					   subject && *subject ? subject : "-", count,
					   count == 1 ? "" : "s", first ? ", " : "", first ? first : "");
			} else if (gshown == 13)
				out_printf(out, "           ... %lld more: sipscan report lists them all\n",
					   gn - 12);
			continue;
		}
		if (pending[0])
			print_rule_line(out, pending);
		cur = g, gshown = 1, members = 0;
		if (!problems++)
			out_printf(out, "%sfindings in these files (counts: the whole database):\n",
				   s_lead ? "\n" : "");
		for (i = 0; sev && sev[i] && i + 1 < sizeof upper; i++)
			upper[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
		upper[i] = 0;
		fputc('\n', out);
		print_severity(out, upper);
		{
			/* the title wrapped under itself; a group: its first
			   subject's title, and how many others */
			char t[1200];
			if (gn > 1)
				snprintf(t, sizeof t, "%s (and %lld more)", title ? title : rule, gn - 1);
			else
				snprintf(t, sizeof t, "%s", title ? title : rule ? rule : "?");
			sip_buf_reset(&b);
			if (!sip_wrap(&b, t, (size_t)(s_width - 2), "         ") && b.n > 8)
				out_printf(out, "%s", b.p + 8);
		}
		own = count, ofirst = first;
		if (gn > 1) {
			/* the group: its totals */
			count = gcount, here = ghere, first = gfirst, last = glast;
		}
		/* the finding counts the whole database; say so when the files
		   of this run hold only some of its records (times: all of them) */
		if (here != count)
			snprintf(where, sizeof where, " (%lld in these files)", here);
		if (hosts && *hosts)
			snprintf(on, sizeof on, " on %s", hosts);
		{
			/* the counts; the time span whole on a line of its own when
			   the width does not hold both */
			char c[600], span[64] = "";
			snprintf(c, sizeof c, "%lld record%s%s%s", count, count == 1 ? "" : "s",
				 where, on);
			if (first && last && strcmp(first, last) != 0)
				span_text(span, sizeof span, first, last);
			else if (first)	/* bare SIP messages may carry no time */
				snprintf(span, sizeof span, "%s", first);
			if (!*span)
				print_indented(out, &b, c);
			else if (9 + strlen(c) + 2 + strlen(span) <= (size_t)s_width - 2)
				out_printf(out, "         %s, %s\n", c, span);
			else {
				strcat(c, ",");
				print_indented(out, &b, c);
				out_printf(out, "         %s\n", span);
			}
		}
		print_labelled(out, &b, "cause:", cause);
		print_labelled(out, &b, "fix:", fix);
		if (related && *related) {
			sip_buf m;
			sip_buf_init(&m, 0);
			if (!sip_buf_printf(&m, "the same events are logged as %s", related))
				print_labelled(out, &b, "also:", m.p);
			sip_buf_release(&m);
		}
		snprintf(lead, sizeof lead, "           %-32s %lld record%s%s%s\n",
			 subject && *subject ? subject : "-", own, own == 1 ? "" : "s",
			 ofirst ? ", " : "", ofirst ? ofirst : "");
		ids_words(samples, ids, sizeof ids);
		/* the show hint names the database when analyze was given one */
		{
			char dbq[300] = "";
			if (s_db) {
				int plain = strspn(s_db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						   "0123456789._/-+") == strlen(s_db);
				snprintf(dbq, sizeof dbq, plain ? "--db %.250s " : "--db '%.250s' ", s_db);
			}
			snprintf(pending, sizeof pending, "         rule %.128s%s%.16s; records: sipscan show %s%s\n",
				 rule ? rule : "?", conf && strcmp(conf, "verified") ? ", " : "",
				 conf && strcmp(conf, "verified") ? conf : "", dbq, ids);
		}
	}
	if (pending[0])
		print_rule_line(out, pending);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sip_buf_release(&b);
		return SIP_EDB;
	}
	if (!problems && !benign)
		out_printf(out, "%sfindings: none\n", s_lead ? "\n" : "");

	if (sqlite3_prepare_v2(db, most ? usql_most : usql, -1, &st, NULL) != SQLITE_OK) {
		sip_buf_release(&b);
		return SIP_EDB;
	}
	{
		int shown = 0;
		long long total = 0, groups = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			long long n = sqlite3_column_int64(st, 1);
			if (!groups++)
				out_printf(out, "\nunexplained errors and warnings (no rule names their cause):\n");
			total += n;
			if (shown < 5) {
				print_counted(out, &b, n, t);
				shown++;
			}
		}
		if (groups > shown)
			out_printf(out, "  ... %lld more signature%s: sipscan report lists them all\n",
			       groups - shown, groups - shown == 1 ? "" : "s");
		(void)total;
	}
	sqlite3_finalize(st);
	sip_buf_release(&b);
	return rc == SQLITE_DONE ? SIP_OK : SIP_EDB;
}

/*
 * Print the rows of sql (over file_stats of the run's files): kind 0
 * "name n, name n" on one line, 1 hosts, 2 top errors.
 */
static int print_rows(FILE *out, sqlite3 *db, const char *sql, int kind,
		      const char *label)
{
	sqlite3_stmt *st = NULL;
	sip_buf b, list;
	int rc, first = 1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	sip_buf_init(&b, 0);
	sip_buf_init(&list, 0);
	sip_buf_adds(&list, label ? label : "");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		long long n = sqlite3_column_int64(st, 1);
		switch (kind) {
		case 0:
			sip_buf_printf(&list, "%s%s %lld", first ? "" : ", ", a ? a : "-", n);
			break;
		case 1: {
			const char *lo = (const char *)sqlite3_column_text(st, 2);
			const char *hi = (const char *)sqlite3_column_text(st, 3);
			/* on one line when the width holds it, else the time
			   range under the host */
			char span[64], line[400];
			span_text(span, sizeof span, lo, hi);
			snprintf(line, sizeof line, "  %-20s %s  (%lld record%s)",
				 a ? a : "(no host in the log)", span, n, n == 1 ? "" : "s");
			if (strlen(line) < (size_t)s_width)
				out_printf(out, "%s\n", line);
			else
				out_printf(out, "  %s (%lld record%s)\n      %s\n",
					   a ? a : "(no host in the log)", n, n == 1 ? "" : "s", span);
			break;
		}
		default:
			print_counted(out, &b, n, a);
			break;
		}
		first = 0;
	}
	if (kind == 0) {
		if (first)
			sip_buf_adds(&list, "none");
		if (list.p)
			print_hanging(out, &b, list.p, "  ", "    ");
	}
	sqlite3_finalize(st);
	sip_buf_release(&b);
	sip_buf_release(&list);
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
int sip_summary_write(sip_store *s, const sip_ingest_list *l, uint64_t limit_hits,
		      const sip_filter *flt, int findings_only,
		      FILE *out)
{
	/* the statistics go to hout: nowhere with findings_only (--quiet) */
	FILE *hout = findings_only ? NULL : out;

	s_lead = !findings_only;
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL;
	size_t counts[SIP_FILE_ARCHIVE + 1] = { 0 };
	uint64_t total = 0, written = 0;
	int rc = SIP_OK, most;

	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		counts[f->status]++;
		total += f->records;
		written += f->new_records;
	}
	{
		char line[256];
		sip_buf w;
		int k = snprintf(line, sizeof line, "files: %zu ingested, %zu unchanged, %zu skipped,"
				 " %zu partial, %zu failed", counts[SIP_FILE_INGESTED],
				 counts[SIP_FILE_UNCHANGED], counts[SIP_FILE_SKIPPED],
				 counts[SIP_FILE_PARTIAL], counts[SIP_FILE_FAILED]);
		/* inputs whose content another input holds: stored once */
		if (counts[SIP_FILE_SAME] && k > 0 && (size_t)k < sizeof line)
			snprintf(line + k, sizeof line - (size_t)k, ", %zu the same as another",
				 counts[SIP_FILE_SAME]);
		sip_buf_init(&w, 0);
		print_hanging(hout, &w, line, "", "  ");
		sip_buf_release(&w);
	}
	for (size_t i = 0; i < l->n; i++) {
		const sip_ingest_file *f = &l->v[i];
		int st2 = f->status == SIP_FILE_UNCHANGED ? f->prev_status : f->status;
		if (f->status == SIP_FILE_ARCHIVE && f->is_archive == 3) {
			continue;   /* a lone .xz, .bz2, .zst: its member is it */
		} else if (f->status == SIP_FILE_ARCHIVE) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			out_printf(hout, "  %s: an archive of %llu member%s, each read as an input"
				   " (%s!MEMBER)\n", sip_buf_one_line(&nb, f->path),
				   (unsigned long long)f->members, f->members == 1 ? "" : "s",
				   sip_buf_one_line(&nb, f->path));
			sip_buf_release(&nb);
		} else if (st2 == SIP_FILE_SAME) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			out_printf(hout, "  %s: ", sip_buf_one_line(&nb, f->path));
			out_printf(hout, "%s%s\n", sip_buf_one_line(&nb, f->error),
				   f->status == SIP_FILE_UNCHANGED ? " (unchanged)" : "");
			sip_buf_release(&nb);
		} else if (f->overlap) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			out_printf(hout, "  %s: %llu of its records also in ", sip_buf_one_line(&nb, f->path),
				   (unsigned long long)f->overlap);
			out_printf(hout, "%s: stored once\n", sip_buf_one_line(&nb, f->overlap_path));
			sip_buf_release(&nb);
		}
		if (st2 == SIP_FILE_SKIPPED || st2 == SIP_FILE_PARTIAL || st2 == SIP_FILE_FAILED) {
			sip_buf nb;
			sip_buf_init(&nb, 0);
			out_printf(hout, "  %s: %s%s: ",
				   sip_buf_one_line(&nb, sip_ingest_display_name(f)),
				   sip_ingest_status_name(st2),
				   f->status == SIP_FILE_UNCHANGED ? " (unchanged)" : "");
			out_printf(hout, "%s\n", sip_buf_one_line(&nb, f->error));
			sip_buf_release(&nb);
		}
	}
	out_printf(hout, "records: %llu in these files, %llu written now\n",
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
	rc |= print_rows(hout, db, "SELECT value, sum(records) FROM file_stats WHERE what = 'kind'"
			 " AND file_id IN run_files GROUP BY value ORDER BY value", 0, "by kind: ");
	rc |= print_rows(hout, db, "SELECT value, sum(records) FROM file_stats WHERE what = 'level'"
			 " AND file_id IN run_files GROUP BY value ORDER BY value", 0, "by level: ");
	out_printf(hout, "hosts:\n");
	rc |= print_rows(hout, db, "SELECT value, sum(records), min(first_ts), max(last_ts)"
			 " FROM file_stats WHERE what = 'host' AND file_id IN run_files"
			 " GROUP BY value ORDER BY value", 1, NULL);
	if (sip_db_int(db, "SELECT count(*) FROM file_stats WHERE what = 'error'"
		       " AND file_id IN run_files AND records > 0") > 0) {
		out_printf(hout, "top errors:\n");
		rc |= print_rows(hout, db, "SELECT value, sum(records) AS n FROM file_stats"
				 " WHERE what = 'error' AND file_id IN run_files"
				 " GROUP BY value ORDER BY n DESC, value LIMIT 10", 2, NULL);
	} else {
		out_printf(hout, "top errors: none\n");
	}
	/* busy, declined, cancelled, no answer, unknown contacts: normal */
	if (!rc && sip_db_int(db, "SELECT count(*) FROM file_stats WHERE what = 'outcome'"
			      " AND file_id IN run_files AND records > 0") > 0) {
		out_printf(hout, "outcomes (normal endings of calls and look-ups, not errors):\n");
		rc |= print_rows(hout, db, "SELECT value, sum(records) AS n FROM file_stats"
				 " WHERE what = 'outcome' AND file_id IN run_files"
				 " GROUP BY value HAVING n > 0 ORDER BY n DESC, value LIMIT 10", 2, NULL);
	}
	most = (long long)total * 2 > sip_db_int(db, "SELECT sum(records) FROM files");
	if (!rc)
		rc = print_findings(out, db, most, flt);
	if (!rc && limit_hits)
		out_printf(out, "\nrules: %llu pattern evaluation%s gave up at the PCRE2 match or"
			   " depth limit and counted as no match: a rule may have missed a"
			   " record\n", (unsigned long long)limit_hits, limit_hits == 1 ? "" : "s");
	/* which rules, on how many records of these files (stored with the
	   records, so a re-run that reads nothing new still says it) */
	if (!rc && sip_db_int(db, "SELECT count(*) FROM limit_hits h JOIN record_rows r"
			      " ON r.id = h.record_id WHERE r.file_id IN run_files") > 0) {
		if (!limit_hits)
			out_printf(out, "\nrules: patterns gave up at the PCRE2 match or depth"
				   " limit and counted as no match: a rule may have missed a record\n");
		out_printf(out, "  records where a rule's pattern gave up, by rule:\n");
		rc |= print_rows(out, db, "SELECT h.rule_id, count(*) AS n FROM limit_hits h"
				 " JOIN record_rows r ON r.id = h.record_id"
				 " WHERE r.file_id IN run_files GROUP BY h.rule_id"
				 " ORDER BY n DESC, h.rule_id", 2, NULL);
	}
	return rc ? SIP_EDB : SIP_OK;
}

