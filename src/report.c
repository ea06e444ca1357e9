/*
 * report.c -- the report renderers over the store (see report.h).
 *
 * Design note: the report first reads what it shows into small in-memory
 * lists (findings capped at MAX_FINDINGS, the top 50 unexplained templates,
 * the top 10 peers, the summary), then each format writes them.  The only
 * per-record reads are bounded too: the HTML timeline counts each finding's
 * records into TL_BINS bins as it steps, and the evidence decodes at most
 * MAX_SAMPLES records per finding, each cut at EVIDENCE_MAX bytes.
 * Everything is written into one sip_buf per section and flushed to the
 * FILE, so a write error is seen once, at the flush.
 */
#include "report.h"
#include "wrap.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbopen.h"
#include "store.h"
#include "filter.h"
#include "redact.h"

#define MAX_FINDINGS 1000
#define MAX_UNEXPLAINED 50
#define MAX_PEERS 10
#define MAX_SAMPLES 5
#define MAX_LIST 100
#define EVIDENCE_MAX ((size_t)64 << 10)
#define TL_BINS 100
#define TL_MAX_LANES 42   /* 30 findings, 12 servers */
#define TL_WRAP 52        /* characters of a lane's title per line */

typedef struct finding {
	long long id, count;
	int benign;
	char *rule, *severity, *title, *cause, *fix, *refs, *keys_json;
	char *first, *last, *hosts, *samples;
	char *subject, *confidence, *related;  /* schema 6; NULL before */
	long long gid;        /* group_id (its own id: first of its group) */
	long long gcount, gn; /* a group's first: its records and findings */
	int member;           /* listed under the previous group's first */
	size_t lead;          /* a member: the index of its group's first */
} finding;

typedef struct unexp {
	char *template, *first, *last;
	long long count, sample;
} unexp;

typedef struct pair {
	char *name;
	long long n, a, b;
} pair;

static const char *r_covers;    /* render: what the report covers */

typedef struct report {
	sqlite3 *db;
	sip_diag *diag;
	finding *f;
	size_t nf;
	long long nf_total;
	unexp *u;
	size_t nu;
	long long nu_total;
	pair peers[MAX_PEERS];
	size_t npeers;
	pair limits[MAX_PEERS];      /* rules whose patterns gave up, records */
	size_t nlimits;
	pair outcomes[MAX_PEERS];    /* "486 Busy Here", records */
	size_t noutcomes;
	pair status[16];
	size_t nstatus;
	pair kinds[16];
	size_t nkinds;
	char *hosts[MAX_LIST];
	size_t nhosts;
	long long nfiles, nrecords;
	char *first_ts, *last_ts;
	char *catalogue;             /* "hash (N rules, M rule files of --rules)" */
	char *root;                  /* the directory all files are under, with
					its '/'; NULL when none */
	int has_findings, has_unexplained;
	sip_store_text_reader *tr;   /* records' text, for the HTML evidence */
	const sip_filter *flt;       /* NULL: every finding */
	char fwhere[4096];           /* " AND ..." of flt on findings */
	char uwhere[4096];           /* and on records, for unexplained */
	char *filters;               /* what flt keeps, said; NULL none */
} report;

int sip_report_format_parse(const char *name, sip_report_format *f)
{
	static const struct { const char *name; sip_report_format f; } tab[] = {
		{ "text", SIP_REPORT_TEXT }, { "md", SIP_REPORT_MD },
		{ "json", SIP_REPORT_JSON }, { "html", SIP_REPORT_HTML },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(name, tab[i].name) == 0) {
			*f = tab[i].f;
			return 0;
		}
	return -1;
}

/* ---- small helpers ------------------------------------------------------- */

static char *dup_col(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? strdup(s) : NULL;
}

/*
 * The findings table stores hosts and sample_ids as JSON arrays
 * (["fe01","fe02"], [12,40]) and refs separated by blanks (findings.h);
 * the renderers here walk plain lists.  Returns a new string (s is freed):
 * brackets and quotes dropped, each sep in the text (outside quotes)
 * becomes out_sep, blanks around items trimmed.  NULL stays NULL; on out
 * of memory s is returned unchanged.
 */
static char *list_norm(char *s, char sep, const char *out_sep)
{
	size_t seplen = strlen(out_sep);
	char *out, *w;
	int inq = 0, pending = 0;

	if (!s)
		return NULL;
	/* Each input byte yields at most one output byte, plus out_sep for
	   each separator. */
	if (!(out = malloc(strlen(s) * (seplen + 1) + 1)))
		return s;
	w = out;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (c == '"') {
			inq = !inq;
			continue;
		}
		if (!inq && (c == '[' || c == ']'))
			continue;
		if (inq && c == '\\' && p[1]) {
			*w++ = *++p;
			continue;
		}
		if (!inq && (c == sep || c == ' ' || c == '\n' || c == '\t')) {
			if (c == sep || sep == ' ')
				pending = w != out;
			continue;
		}
		if (pending) {
			memcpy(w, out_sep, seplen);
			w += seplen;
			pending = 0;
		}
		*w++ = c;
	}
	*w = 0;
	free(s);
	return out;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

int sip_html_escape(sip_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int rc = SIP_OK;

	while (!rc && i < n) {
		size_t run = i, len;
		while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '&' &&
		       u[run] != '<' && u[run] != '>' && u[run] != '"' && u[run] != '\'')
			run++;
		if (run > i) {
			rc = sip_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		switch (u[i]) {
		case '&': rc = sip_buf_adds(b, "&amp;"); i++; continue;
		case '<': rc = sip_buf_adds(b, "&lt;"); i++; continue;
		case '>': rc = sip_buf_adds(b, "&gt;"); i++; continue;
		case '"': rc = sip_buf_adds(b, "&quot;"); i++; continue;
		case '\'': rc = sip_buf_adds(b, "&#39;"); i++; continue;
		case '\t': case '\n': case '\r': rc = sip_buf_addc(b, s[i]); i++; continue;
		default: break;
		}
		if (u[i] < 0x80) { /* other control characters */
			rc = sip_buf_adds(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		len = sip_utf8_seq(u + i, n - i);
		if (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			/* C1 controls (CSI ...) */
			rc = sip_buf_adds(b, "\xef\xbf\xbd");
			i += 2;
		} else if (len) {
			rc = sip_buf_add(b, s + i, len);
			i += len;
		} else {
			rc = sip_buf_adds(b, "\xef\xbf\xbd");
			i++;
		}
	}
	return rc;
}

static int html(sip_buf *b, const char *s)
{
	return sip_html_escape(b, nz(s), strlen(nz(s)));
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

long long sip_ts_ms(const char *ts)
{
	int y, mo, d, h, mi, s, ms = 0, n = 0;

	if (!ts || sscanf(ts, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (ts[n] == '.' && ts[n + 1] >= '0' && ts[n + 1] <= '9') {
		int k = 0;
		for (const char *p = ts + n + 1; *p >= '0' && *p <= '9' && k < 3; p++, k++)
			ms = ms * 10 + (*p - '0');
		while (k++ < 3)
			ms *= 10;
	}
	return ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		 h * 3600 + mi * 60 + s) * 1000) + ms;
}

static int db_error(report *r)
{
	return sip_diag_set(r->diag, sip_db_code(r->db), "", 0, "%s", sqlite3_errmsg(r->db));
}

static int prepare(report *r, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(r);
	return SIP_OK;
}

/* ---- loading --------------------------------------------------------------- */

static int load_pairs(report *r, const char *sql, pair *out, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc, src;

	if ((rc = prepare(r, sql, &st)))
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		pair *p = &out[*n];
		p->name = dup_col(st, 0);
		p->n = sqlite3_column_int64(st, 1);
		p->a = sqlite3_column_count(st) > 2 ? sqlite3_column_int64(st, 2) : 0;
		p->b = sqlite3_column_count(st) > 3 ? sqlite3_column_int64(st, 3) : 0;
		(*n)++;
	}
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = db_error(r);
	sqlite3_finalize(st);
	return rc;
}

/* The peers with the most errors (TL_ERROR / TL_FATAL records, SIP
   responses >= 400 but the normal outcomes), the port cut off, from table
   t where is_error holds and fails says which responses are failures. */
#define PEERS_SQL(t, is_error, fails) \
	"SELECT " SIP_PEER_HOST_SQL("peer") " AS p, " \
	"count(*), sum(" is_error "), " \
	"sum(" fails ") FROM " t " " \
	"WHERE peer IS NOT NULL AND peer <> '' AND " \
	"(" is_error " OR " fails ") " \
	"GROUP BY p ORDER BY 2 DESC, 1 LIMIT 10"

/*
 * The longest directory (ending in '/') that holds every file of the
 * database, into r->root: the HTML report names it once and shows the
 * files' paths relative to it.  NULL when the paths share none ("/" is no
 * root worth naming).
 */
static int load_root(report *r)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc, src, any = 0;

	if ((rc = prepare(r, "SELECT path FROM files WHERE path IS NOT NULL", &st)))
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		size_t i = 0;
		if (!p)
			continue;
		if (!any) {
			const char *slash = strrchr(p, '/');
			any = 1;
			if (!(r->root = strdup(p)))
				return sqlite3_finalize(st), SIP_ENOMEM;
			n = slash ? (size_t)(slash - p) + 1 : 0;
			continue;
		}
		while (i < n && p[i] == r->root[i])
			i++;
		while (i > 0 && r->root[i - 1] != '/')
			i--;
		n = i;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE)
		return db_error(r);
	if (r->root)
		r->root[n] = 0;
	if (n <= 1) {
		free(r->root);
		r->root = NULL;
	}
	return SIP_OK;
}

/* path relative to r->root when it is under it */
static const char *rel_path(const report *r, const char *path)
{
	size_t n = r->root ? strlen(r->root) : 0;
	return n && strncmp(path, r->root, n) == 0 && path[n] ? path + n : path;
}

static int load(report *r)
{
	sqlite3_stmt *st = NULL;
	int rc = SIP_OK, src, stats, lean, tagsets, grouped;

	r->has_findings = sip_db_has(r->db, "findings") == 1;
	r->has_unexplained = sip_db_has(r->db, "unexplained") == 1;
	if (r->has_findings) {
		sip_buf w;
		sip_buf_init(&w, 0);
		if (r->flt && sip_filter_findings_sql(r->flt, "findings", &w)) {
			sip_buf_release(&w);
			rc = SIP_ENOMEM;
			goto out;
		}
		if (r->flt && sip_filter_any(r->flt)) {
			sip_buf dsc;
			sip_buf_init(&dsc, 0);
			if (sip_filter_describe(r->flt, &dsc) || sip_buf_addc(&dsc, 0) ||
			    !(r->filters = strdup(dsc.p))) {
				sip_buf_release(&dsc);
				sip_buf_release(&w);
				rc = SIP_ENOMEM;
				goto out;
			}
			sip_buf_release(&dsc);
		}
		if (sip_buf_addc(&w, 0)) {
			sip_buf_release(&w);
			rc = SIP_ENOMEM;
			goto out;
		}
		snprintf(r->fwhere, sizeof r->fwhere, "%s", w.p);
		sip_buf_release(&w);
		{
			char q[sizeof r->fwhere + 64];
			snprintf(q, sizeof q, "SELECT count(*) FROM findings WHERE 1%s", r->fwhere);
			if ((rc = prepare(r, q, &st)))
				goto out;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			r->nf_total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		/* schema 6 groups findings (group_id) and lists them in id
		   order, a group's findings together; before, one by one */
		grouped = sip_db_int(r->db, "SELECT count(*) FROM pragma_table_info('findings')"
				     " WHERE name = 'group_id'") == 1;
		{
			char q[sizeof r->fwhere + 1024];
			snprintf(q, sizeof q, grouped ?
				"SELECT id, rule_id, severity, title, cause, fix, refs, keys_json, "
				"count, first_seen, last_seen, hosts, sample_ids, benign, "
				"subject, confidence, related, coalesce(group_id, id) "
				"FROM findings WHERE 1%s ORDER BY coalesce(benign, 0), "
				"CASE severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 "
				"WHEN 'warning' THEN 2 WHEN 'info' THEN 3 ELSE 4 END, "
				"coalesce(group_id, id), id" :
				"SELECT id, rule_id, severity, title, cause, fix, refs, keys_json, "
				"count, first_seen, last_seen, hosts, sample_ids, benign, "
				"NULL, NULL, NULL, id "
				"FROM findings WHERE 1%s ORDER BY coalesce(benign, 0), "
				"CASE severity WHEN 'critical' THEN 0 WHEN 'error' THEN 1 "
				"WHEN 'warning' THEN 2 WHEN 'info' THEN 3 ELSE 4 END, "
				"count DESC, id", r->fwhere);
			if ((rc = prepare(r, q, &st)))
				goto out;
		}
		if (!(r->f = calloc(MAX_FINDINGS, sizeof *r->f))) {
			rc = SIP_ENOMEM;
			goto out;
		}
		while ((src = sqlite3_step(st)) == SQLITE_ROW && r->nf < MAX_FINDINGS) {
			finding *f = &r->f[r->nf++];
			f->id = sqlite3_column_int64(st, 0);
			f->rule = dup_col(st, 1);
			f->severity = dup_col(st, 2);
			f->title = dup_col(st, 3);
			f->cause = dup_col(st, 4);
			f->fix = dup_col(st, 5);
			f->refs = list_norm(dup_col(st, 6), ' ', "\n");
			f->keys_json = dup_col(st, 7);
			f->count = sqlite3_column_int64(st, 8);
			f->first = dup_col(st, 9);
			f->last = dup_col(st, 10);
			f->hosts = list_norm(dup_col(st, 11), ',', ", ");
			f->samples = list_norm(dup_col(st, 12), ',', ",");
			f->benign = sqlite3_column_int(st, 13) != 0;
			f->subject = dup_col(st, 14);
			f->confidence = dup_col(st, 15);
			f->related = dup_col(st, 16);
			f->gid = sqlite3_column_int64(st, 17);
			f->gcount = f->count, f->gn = 1;
			/* a finding of the group of the one listed before it */
			for (size_t k = r->nf - 1; k > 0; k--) {
				finding *l = &r->f[k - 1];
				if (l->member)
					continue;
				if (l->id == f->gid && f->gid != f->id) {
					f->member = 1;
					f->lead = k - 1;
					l->gcount += f->count;
					l->gn++;
				}
				break;
			}
		}
		if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = db_error(r);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (r->has_unexplained) {
		char q[sizeof r->uwhere + 512];
		if (r->flt) {
			sip_buf w;
			sip_buf_init(&w, 0);
			if (sip_filter_records_sql(r->flt, "r", &w) || sip_buf_addc(&w, 0)) {
				sip_buf_release(&w);
				rc = SIP_ENOMEM;
				goto out;
			}
			snprintf(r->uwhere, sizeof r->uwhere, "%s", w.p);
			sip_buf_release(&w);
		}
		/* render: the engine's unexplained rows, counted there */
		int eng = sip_db_has(r->db, "eng_unexplained") == 1;
		snprintf(q, sizeof q, eng ? "SELECT count(DISTINCT template) FROM eng_unexplained"
			 : r->uwhere[0] ? "SELECT count(DISTINCT u.template) FROM"
			 " unexplained u JOIN records r ON r.id = u.record_id WHERE 1%s"
			 : "SELECT count(DISTINCT template) FROM unexplained%s", r->uwhere);
		if ((rc = prepare(r, q, &st)))
			goto out;
		if (sqlite3_step(st) == SQLITE_ROW)
			r->nu_total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		snprintf(q, sizeof q, eng ?
			"SELECT template, sum(count), min(first_seen), max(last_seen), NULL "
			"FROM eng_unexplained GROUP BY template ORDER BY 2 DESC, 1 LIMIT 50" :
			"SELECT u.template, count(*), min(r.ts), max(r.ts), min(u.record_id) "
			"FROM unexplained u LEFT JOIN records r ON r.id = u.record_id WHERE 1%s "
			"GROUP BY u.template ORDER BY 2 DESC, 1 LIMIT 50", r->uwhere);
		if ((rc = prepare(r, q, &st)))
			goto out;
		if (!(r->u = calloc(MAX_UNEXPLAINED, sizeof *r->u))) {
			rc = SIP_ENOMEM;
			goto out;
		}
		while ((src = sqlite3_step(st)) == SQLITE_ROW && r->nu < MAX_UNEXPLAINED) {
			unexp *u = &r->u[r->nu++];
			u->template = dup_col(st, 0);
			u->count = sqlite3_column_int64(st, 1);
			u->first = dup_col(st, 2);
			u->last = dup_col(st, 3);
			u->sample = sqlite3_column_int64(st, 4);
		}
		if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = db_error(r);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if ((rc = load_pairs(r, "SELECT coalesce(status, '?'), count(*) FROM files "
			     "GROUP BY 1 ORDER BY 1", r->status, 16, &r->nstatus)))
		goto out;
	for (size_t i = 0; i < r->nstatus; i++)
		r->nfiles += r->status[i].n;
	/* Schema 3 counts each file's records in file_stats: read the kinds
	   and hosts there, not from every record, when they cover them all
	   (not while a file of an older schema, or past the tally's bounds,
	   waits for a summary to count it, nor after rows written by hand). */
	stats = sip_db_has(r->db, "file_stats") == 1 &&
		sip_db_int(r->db, "SELECT (SELECT coalesce(sum(records), 0) FROM file_stats"
			   " WHERE what = 'kind') = (SELECT count(*) FROM record_rows)") == 1;
	lean = sip_db_has(r->db, "record_rows") == 1;
	tagsets = sip_db_has(r->db, "tagsets") == 1;
	if ((rc = load_pairs(r, stats ? "SELECT value, sum(records) FROM file_stats"
			     " WHERE what = 'kind' GROUP BY 1 ORDER BY 1"
			     : "SELECT coalesce(kind, '?'), count(*) FROM records "
			     "GROUP BY 1 ORDER BY 1", r->kinds, 16, &r->nkinds)))
		goto out;
	for (size_t i = 0; i < r->nkinds; i++)
		r->nrecords += r->kinds[i].n;
	/* the failing peers: on record_rows (schema 2 on) the level is
	   compared as an id, not looked up for every record */
	if ((rc = load_pairs(r, tagsets ? PEERS_SQL("record_rows", "tagset_id IN (SELECT id FROM"
						    " tagsets WHERE level IN (" SIP_ERROR_LEVELS_SQL "))",
						    "(coalesce(status, 0) >= 400 AND NOT "
						    SIP_IS_OUTCOME_ROW_SQL("record_rows") ")")
			     : lean ? PEERS_SQL("record_rows", "level_id IN (SELECT id FROM"
						" strings WHERE s IN (" SIP_ERROR_LEVELS_SQL "))",
						"(coalesce(status, 0) >= 400 AND NOT "
						SIP_IS_OUTCOME_ROW_V2_SQL("record_rows") ")")
			     : PEERS_SQL("records", "level IN (" SIP_ERROR_LEVELS_SQL ")",
					 "coalesce(status, 0) >= 400"),
			     r->peers, MAX_PEERS, &r->npeers)))
		goto out;
	/* the normal outcomes (busy, declined ...), counted per file */
	if (stats && (rc = load_pairs(r, "SELECT value, sum(records) AS n FROM file_stats"
				      " WHERE what = 'outcome' GROUP BY value HAVING n > 0"
				      " ORDER BY n DESC, value LIMIT 10", r->outcomes,
				      MAX_PEERS, &r->noutcomes)))
		goto out;
	/* the rules one of whose patterns gave up at the PCRE2 limit (schema
	   5 on), on how many records */
	if (sip_db_has(r->db, "limit_hits") == 1 &&
	    (rc = load_pairs(r, "SELECT rule_id, count(*) FROM limit_hits GROUP BY rule_id"
			     " ORDER BY 2 DESC, 1 LIMIT 10", r->limits, MAX_PEERS, &r->nlimits)))
		goto out;
	/* schema 5 stores ts as integers: their min and max, formatted once,
	   not every row's text (5x faster) */
	if ((rc = prepare(r, sip_db_int(r->db, "PRAGMA user_version") >= 5
			     ? "SELECT " SIP_TS_TEXT_SQL("min(ts)") ", "
			       SIP_TS_TEXT_SQL("max(ts)") " FROM record_rows"
			     : "SELECT min(ts), max(ts) FROM records", &st)))
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->first_ts = dup_col(st, 0);
		r->last_ts = dup_col(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	/* the catalogue that evaluated the records (schema 6 on) */
	if (sip_db_has(r->db, "catalogue") == 1) {
		if ((rc = prepare(r, "SELECT hash || ' (' || rules || ' rules, ' || custom_files"
				  " || ' rule file' || iif(custom_files = 1, '', 's') || ' of --rules)'"
				  " FROM catalogue LIMIT 1", &st)))
			goto out;
		if (sqlite3_step(st) == SQLITE_ROW)
			r->catalogue = dup_col(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = load_root(r)))
		goto out;
	/* render: the servers of the engine's findings (it holds no records) */
	if ((rc = prepare(r, r_covers ? "SELECT DISTINCT j.value FROM findings f,"
			  " json_each(CASE WHEN json_valid(f.hosts) THEN f.hosts ELSE '[]' END) j"
			  " WHERE j.value <> '' ORDER BY 1 LIMIT 100"
			  : stats ? "SELECT value FROM file_stats WHERE what = 'host'"
			  " AND value IS NOT NULL AND value <> '' UNION SELECT host FROM files"
			  " WHERE host IS NOT NULL AND host <> '' ORDER BY 1 LIMIT 100"
			  : "SELECT host FROM records WHERE host IS NOT NULL AND "
			  "host <> '' UNION SELECT host FROM files WHERE host IS NOT "
			  "NULL AND host <> '' ORDER BY 1 LIMIT 100", &st)))
		goto out;
	while ((src = sqlite3_step(st)) == SQLITE_ROW && r->nhosts < MAX_LIST)
		r->hosts[r->nhosts++] = dup_col(st, 0);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		rc = db_error(r);
out:
	sqlite3_finalize(st);
	return rc;
}

static void release(report *r)
{
	for (size_t i = 0; i < r->nf; i++) {
		finding *f = &r->f[i];
		free(f->rule); free(f->severity); free(f->title); free(f->cause);
		free(f->fix); free(f->refs); free(f->keys_json); free(f->first);
		free(f->last); free(f->hosts); free(f->samples);
		free(f->subject); free(f->confidence); free(f->related);
	}
	free(r->f);
	for (size_t i = 0; i < r->nu; i++) {
		free(r->u[i].template); free(r->u[i].first); free(r->u[i].last);
	}
	free(r->u);
	for (size_t i = 0; i < r->npeers; i++)
		free(r->peers[i].name);
	for (size_t i = 0; i < r->nlimits; i++)
		free(r->limits[i].name);
	for (size_t i = 0; i < r->noutcomes; i++)
		free(r->outcomes[i].name);
	for (size_t i = 0; i < r->nstatus; i++)
		free(r->status[i].name);
	for (size_t i = 0; i < r->nkinds; i++)
		free(r->kinds[i].name);
	for (size_t i = 0; i < r->nhosts; i++)
		free(r->hosts[i]);
	free(r->first_ts);
	free(r->catalogue);
	free(r->root);
	free(r->filters);
	free(r->last_ts);
}

/* Next item of a list separated by any of seps (trimmed); 0 at the end. */
static int next_item(const char **p, const char *seps, const char **item, size_t *n)
{
	const char *s = *p;
	for (;;) {
		while (*s && (strchr(seps, *s) || *s == ' ' || *s == '\r'))
			s++;
		if (!*s)
			return 0;
		size_t len = strcspn(s, seps);
		size_t t = len;
		while (t && (s[t - 1] == ' ' || s[t - 1] == '\r'))
			t--;
		*item = s;
		*n = t;
		*p = s + len;
		if (t)
			return 1;
		s += len;
	}
}

/* --redact: every byte of the report goes through it (one report at a
   time, on one thread). */
static sip_redactor *r_red;

static int flush(FILE *out, sip_buf *b)
{
	if (r_red && b->n) {
		sip_buf red;
		int rc;
		sip_buf_init(&red, 0);
		if (sip_redact(r_red, b->p, b->n, &red)) {
			sip_buf_release(&red);
			return SIP_ENOMEM;
		}
		rc = red.n && fwrite(red.p, 1, red.n, out) != red.n ? SIP_EIO : SIP_OK;
		sip_buf_release(&red);
		sip_buf_reset(b);
		return rc;
	}
	if (b->n && fwrite(b->p, 1, b->n, out) != b->n)
		return SIP_EIO;
	sip_buf_reset(b);
	return SIP_OK;
}

/* flush for the text and Markdown reports: what came from a log (texts,
   names, attribute values) may hold terminal control sequences. */
static int flush_safe(FILE *out, sip_buf *b)
{
	sip_buf safe;
	int rc;

	sip_buf_init(&safe, 0);
	if (sip_buf_add_safe(&safe, b->p ? b->p : "", b->n, 1)) {
		sip_buf_release(&safe);
		return SIP_ENOMEM;
	}
	rc = flush(out, &safe);
	sip_buf_release(&safe);
	sip_buf_reset(b);
	return rc;
}

/* The file path and line of record id, into path/line (path "" if none). */
static int record_place(report *r, sqlite3_stmt *st, long long id, sip_buf *raw,
			char *path, size_t pathsz, long long *line)
{
	int src;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	path[0] = 0;
	*line = 0;
	src = sqlite3_step(st);
	if (src == SQLITE_DONE)
		return 1;
	if (src != SQLITE_ROW)
		return -1;
	snprintf(path, pathsz, "%s", nz((const char *)sqlite3_column_text(st, 0)));
	*line = sqlite3_column_int64(st, 1);
	if (raw && r->tr) {
		sip_diag d;
		sip_buf_reset(raw);
		/* SIP_ENOMEM: cut at the cap, keep what fits; a damaged chunk
		   or an original file gone (--text evidence keeps the evidence's
		   text, so only an older database) shows no evidence rather
		   than failing the report */
		int rc = sip_store_text_get(r->tr, id, raw, &d);
		if (rc == SIP_EFORMAT || rc == SIP_EIO)
			sip_buf_reset(raw);
	}
	return 0;
}

static const char *PLACE_SQL =
	"SELECT coalesce(f.path, ''), r.line, r.chunk_id, r.raw_off, r.raw_len "
	"FROM records r "
	"LEFT JOIN files f ON f.id = r.file_id WHERE r.id = ?1";

/*
 * The input files, for the HTML header: a <details> list of each file's
 * path (relative to the root), server, format, records, time span and
 * status, at most MAX_INPUTS of them.
 */
#define MAX_INPUTS 500
static int html_inputs(report *r, sip_buf *b)
{
	sqlite3_stmt *st = NULL;
	int rc, src, n = 0;

	if ((rc = prepare(r, "SELECT path, coalesce(host, ''), coalesce(format, ''),"
			  " coalesce(records, 0), coalesce(first_ts, ''), coalesce(last_ts, ''),"
			  " coalesce(status, '') FROM files ORDER BY path", &st)))
		return rc;
	sip_buf_adds(b, "<details class=\"inputs\"><summary>the files</summary>\n<table>\n"
		     "<tr><th>file</th><th>server</th><th>format</th><th>records</th>"
		     "<th>first</th><th>last</th><th>status</th></tr>\n");
	while ((src = sqlite3_step(st)) == SQLITE_ROW && n < MAX_INPUTS) {
		const char *c[7];
		for (int i = 0; i < 7; i++)
			c[i] = nz((const char *)sqlite3_column_text(st, i));
		sip_buf_adds(b, "<tr><td><code>");
		html(b, rel_path(r, c[0]));
		sip_buf_adds(b, "</code></td>");
		for (int i = 1; i < 7; i++) {
			sip_buf_adds(b, i == 3 ? "<td class=\"n\">" : "<td>");
			html(b, c[i]);
			sip_buf_adds(b, "</td>");
		}
		sip_buf_adds(b, "</tr>\n");
		n++;
	}
	if (src == SQLITE_ROW)
		sip_buf_printf(b, "<tr><td colspan=\"7\">and %lld more</td></tr>\n",
			       r->nfiles - n);
	sip_buf_adds(b, "</table>\n</details>");
	rc = src == SQLITE_ROW || src == SQLITE_DONE ? SIP_OK : db_error(r);
	sqlite3_finalize(st);
	return rc;
}

/* ---- text and markdown ------------------------------------------------ */

static void upper(char *dst, size_t n, const char *s)
{
	size_t i = 0;
	for (; s && s[i] && i + 1 < n; i++)
		dst[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	dst[i] = 0;
}

/* Markdown-safe copy of s: < > & as entities (no raw HTML reaches the
   ticket), | escaped in tables, newlines as blanks in tables. */
/*
 * s as Markdown text that renders as itself: HTML specials as entities, and
 * the characters that make links, images, emphasis and code spans ('[',
 * ']', '*', '`' and '\\'; an '_' inside a word is no emphasis in
 * CommonMark, and SIP names are full of them) backslash-escaped, so that a value from a log (an fqdn
 * "![i](http://evil.example/px.png)") cannot make the ticket load a remote
 * image or show a link it does not hold.
 */
static const char *md_text(sip_buf *tmp, const char *s, int table)
{
	sip_buf_reset(tmp);
	for (const char *c = nz(s); *c; c++) {
		switch (*c) {
		case '<': sip_buf_adds(tmp, "&lt;"); break;
		case '>': sip_buf_adds(tmp, "&gt;"); break;
		case '&': sip_buf_adds(tmp, "&amp;"); break;
		case '|': sip_buf_adds(tmp, table ? "\\|" : "|"); break;
		case '\r': case '\n': sip_buf_addc(tmp, table ? ' ' : *c); break;
		case '\\': case '`': case '*': case '[': case ']':
			sip_buf_addc(tmp, '\\');
			sip_buf_addc(tmp, *c);
			break;
		default: sip_buf_addc(tmp, *c); break;
		}
	}
	return tmp->p ? tmp->p : "";
}

/* related ([{"rule":"X","records":2},...]) as "X (2 records), ..." into
   t; 0 when there is nothing to say. */
static int related_text(sip_buf *t, const char *related)
{
	const char *p = related;

	sip_buf_reset(t);
	while ((p = strstr(p, "{\"rule\":\""))) {
		const char *id = p + 9, *e = strchr(id, '"'), *n;
		long long k;
		if (!e)
			break;
		n = strstr(e, "\"records\":");
		k = n ? strtoll(n + 10, NULL, 10) : 0;
		sip_buf_printf(t, "%s%.*s (%lld record%s)", t->n ? ", " : "", (int)(e - id), id,
			       k, k == 1 ? "" : "s");
		p = e;
	}
	if (sip_buf_addc(t, 0))
		return 0;
	t->n--;
	return t->n > 0;
}

/* The terminal the text report is for (sip_report_style). */
static int r_width = 80, r_color;

static int r_redact;

void sip_report_covers(const char *what)
{
	r_covers = what;
}

void sip_report_redact(int on)
{
	r_redact = on;
}

void sip_report_style(int width, int color)
{
	r_width = width < 40 ? 40 : width;
	r_color = color;
}

static int write_text(report *r, FILE *out, int md)
{
	sip_buf b, t;
	int rc = SIP_OK;

	sip_buf_init(&b, 0);
	sip_buf_init(&t, 0);
	if (md)
		sip_buf_adds(&b, "# sipscan report\n\n## Summary\n\n");
	else
		sip_buf_adds(&b, "SIPSCAN REPORT\n\nSUMMARY\n");
	/* render: the files and records are the engine's, not counted here */
	if (!r_covers || r->nfiles) {
		sip_buf_printf(&b, "%sfiles:   %lld (", md ? "- " : "  ", r->nfiles);
		for (size_t i = 0; i < r->nstatus; i++)
			sip_buf_printf(&b, "%s%s %lld", i ? ", " : "", r->status[i].name,
				       r->status[i].n);
		sip_buf_adds(&b, ")\n");
		sip_buf_printf(&b, "%srecords: %lld (", md ? "- " : "  ", r->nrecords);
		for (size_t i = 0; i < r->nkinds; i++)
			sip_buf_printf(&b, "%s%s %lld", i ? ", " : "", r->kinds[i].name,
				       r->kinds[i].n);
		sip_buf_adds(&b, ")\n");
		sip_buf_printf(&b, "%sspan:    %s .. %s\n", md ? "- " : "  ",
			       r->first_ts ? r->first_ts : "-", r->last_ts ? r->last_ts : "-");
	}
	sip_buf_printf(&b, "%scovers:  %s\n", md ? "- " : "  ", r_covers ? r_covers
		       : "the whole database (every file analyzed into it)");
	if (r->catalogue)
		sip_buf_printf(&b, "%srules:   catalogue %s\n", md ? "- " : "  ", r->catalogue);
	if (r->filters)
		sip_buf_printf(&b, "%sshown:   the findings of %s\n", md ? "- " : "  ", r->filters);
	sip_buf_printf(&b, "%shosts:   ", md ? "- " : "  ");
	for (size_t i = 0; i < r->nhosts; i++)
		sip_buf_printf(&b, "%s%s", i ? ", " : "",
			       md ? md_text(&t, r->hosts[i], 0) : r->hosts[i]);
	sip_buf_adds(&b, r->nhosts ? "\n" : "(none recorded)\n");

	sip_buf_printf(&b, md ? "\n## Findings (%lld)\n\n" : "\nFINDINGS (%lld)\n", r->nf_total);
	if (!r->nf)
		sip_buf_adds(&b, md ? "No findings.\n" : "  none\n");
	if (md && r->nf) {
		sip_buf_adds(&b, "| # | Severity | Count | Finding | First seen | Last seen |\n"
				 "|---|---|---:|---|---|---|\n");
		for (size_t i = 0; i < r->nf; i++) {
			finding *f = &r->f[i];
			sip_buf_printf(&b, "| %zu | %s%s | %lld | ", i + 1, nz(f->severity),
				       f->benign ? " (benign)" : "", f->count);
			sip_buf_adds(&b, md_text(&t, f->title, 1));
			sip_buf_printf(&b, " | %s | %s |\n", nz(f->first), nz(f->last));
		}
	}
	if ((rc = flush_safe(out, &b)))
		goto out;
	for (size_t i = 0; i < r->nf; i++) {
		finding *f = &r->f[i];
		const char *p, *item;
		size_t n;
		char sev[16];

		upper(sev, sizeof sev, f->severity);
		if (f->member) {
			/* one line under the first finding of its group */
			if (md)
				sip_buf_printf(&b, "- %s: %lld record%s, from %s to %s\n",
					       md_text(&t, f->subject ? f->subject : f->title, 1),
					       f->count, f->count == 1 ? "" : "s", nz(f->first), nz(f->last));
			else
				sip_buf_printf(&b, "    %-32s %lld record%s, %s .. %s\n",
					       nz(f->subject), f->count, f->count == 1 ? "" : "s",
					       nz(f->first), nz(f->last));
			if ((rc = flush_safe(out, &b)))
				goto out;
			continue;
		}
		if (md) {
			sip_buf_printf(&b, "\n### %zu. %s\n\n", i + 1, md_text(&t, f->title, 0));
			sip_buf_printf(&b, "- **Severity:** %s%s\n- **Rule:** `%s`\n"
				       "- **Count:** %lld, from %s to %s\n",
				       nz(f->severity), f->benign ? " (benign)" : "",
				       nz(f->rule), f->count, nz(f->first), nz(f->last));
			if (f->hosts && *f->hosts)
				sip_buf_printf(&b, "- **Hosts:** %s\n", f->hosts);
			if (f->subject)
				sip_buf_printf(&b, "- **Subject:** %s\n", md_text(&t, f->subject, 0));
			if (f->confidence)
				sip_buf_printf(&b, "- **Confidence:** %s\n", f->confidence);
			sip_buf_adds(&b, "\n**Cause:**\n\n");
			sip_wrap(&b, md_text(&t, f->cause, 0), 78, "");
			sip_buf_adds(&b, "\n**Fix:**\n\n");
			sip_wrap(&b, md_text(&t, f->fix, 0), 78, "");
			if (f->related && related_text(&t, f->related)) {
				sip_buf_adds(&b, "\n**The same events are also logged as:** ");
				sip_buf_adds(&b, md_text(&t, t.p, 0));
				sip_buf_addc(&b, '\n');
			}
			if (f->refs && *f->refs) {
				sip_buf_adds(&b, "\n**References:**\n\n");
				for (p = f->refs; next_item(&p, "\n", &item, &n);)
					sip_buf_printf(&b, "- <%.*s>\n", (int)n, item);
			}
			if (f->samples && *f->samples) {
				sip_buf_adds(&b, "\n**Sample records:** `sipscan show");
				for (p = f->samples; next_item(&p, ",", &item, &n);)
					sip_buf_printf(&b, " %.*s", (int)n, item);
				sip_buf_adds(&b, "`\n");
			}
			if (f->gn > 1)
				sip_buf_printf(&b, "\n**The same cause and fix for each of these %lld "
					       "(%lld records):**\n\n- %s: %lld record%s, from %s to %s\n",
					       f->gn, f->gcount,
					       md_text(&t, f->subject ? f->subject : f->title, 1),
					       f->count, f->count == 1 ? "" : "s", nz(f->first), nz(f->last));
		} else {
			if ((rc = flush_safe(out, &b)))
				goto out;
			/* the label in colour on a terminal that takes it (written
			   as it is: the text around it is made safe) */
			if (r_color)
				fprintf(out, "\n%s[%s]\033[0m", !strcmp(sev, "CRITICAL") ? "\033[1;35m"
					: !strcmp(sev, "ERROR") ? "\033[1;31m" : !strcmp(sev, "WARNING")
					? "\033[33m" : "\033[36m", sev);
			else
				fprintf(out, "\n[%s]", sev);
			sip_buf_printf(&b, "%s %s", f->benign ? " (benign)" : "", nz(f->title));
			if (f->gn > 1)
				sip_buf_printf(&b, " (and %lld more)", f->gn - 1);
			sip_buf_addc(&b, '\n');
			sip_buf_printf(&b, "  rule %s, count %lld%s%s\n  seen %s .. %s\n",
				       nz(f->rule), f->count, f->confidence ? ", confidence " : "",
				       f->confidence ? f->confidence : "", nz(f->first), nz(f->last));
			if (f->hosts && *f->hosts)
				sip_buf_printf(&b, "  hosts: %s\n", f->hosts);
			if (f->subject)
				sip_buf_printf(&b, "  subject: %s\n", f->subject);
			sip_buf_adds(&b, "  Cause:\n");
			sip_wrap(&b, nz(f->cause), (size_t)(r_width - 2), "    ");
			sip_buf_adds(&b, "  Fix:\n");
			sip_wrap(&b, nz(f->fix), (size_t)(r_width - 2), "    ");
			if (f->related && related_text(&t, f->related)) {
				sip_buf_adds(&b, "  The same events are also logged as:\n");
				sip_wrap(&b, t.p, (size_t)(r_width - 2), "    ");
			}
			if (f->refs && *f->refs) {
				sip_buf_adds(&b, "  Refs:\n");
				for (p = f->refs; next_item(&p, "\n", &item, &n);)
					sip_buf_printf(&b, "    %.*s\n", (int)n, item);
			}
			if (f->samples && *f->samples) {
				sip_buf_adds(&b, "  Samples: sipscan show");
				for (p = f->samples; next_item(&p, ",", &item, &n);)
					sip_buf_printf(&b, " %.*s", (int)n, item);
				sip_buf_addc(&b, '\n');
			}
			if (f->gn > 1)
				sip_buf_printf(&b, "  The same cause and fix for each of these %lld (%lld records):\n"
					       "    %-32s %lld record%s, %s .. %s\n", f->gn, f->gcount,
					       nz(f->subject), f->count, f->count == 1 ? "" : "s",
					       nz(f->first), nz(f->last));
		}
		if ((rc = flush_safe(out, &b)))
			goto out;
	}
	if (r->nf < (size_t)r->nf_total)
		sip_buf_printf(&b, "\n(%lld more findings not shown)\n",
			       r->nf_total - (long long)r->nf);

	sip_buf_printf(&b, md ? "\n## Unexplained signatures (%lld)\n\n" :
			    "\nUNEXPLAINED SIGNATURES (%lld)\n", r->nu_total);
	if (!r->nu)
		sip_buf_adds(&b, md ? "None.\n" : "  none\n");
	else if (md)
		sip_buf_adds(&b, "| Count | Template | First seen | Last seen | Sample |\n"
				 "|---:|---|---|---|---:|\n");
	for (size_t i = 0; i < r->nu; i++) {
		unexp *u = &r->u[i];
		if (md) {
			sip_buf_printf(&b, "| %lld | `", u->count);
			for (const char *c = nz(u->template); *c; c++)
				sip_buf_addc(&b, *c == '|' ? '/' : (*c == '`' ? '\'' :
					     (*c == '\n' || *c == '\r' ? ' ' : *c)));
			sip_buf_printf(&b, "` | %s | %s | %lld |\n", nz(u->first), nz(u->last),
				       u->sample);
		} else {
			char num[32];
			size_t mark = b.n;
			sip_wrap(&b, nz(u->template), (size_t)(r_width - 2), "          ");
			if (snprintf(num, sizeof num, "%8lld  ", u->count) == 10 &&
			    b.n >= mark + 10)
				memcpy(b.p + mark, num, 10);
			sip_buf_printf(&b, "          %s .. %s", nz(u->first), nz(u->last));
			/* render: an engine's rows name no local record */
			sip_buf_printf(&b, u->sample ? "  (record %lld)\n" : "\n", u->sample);
		}
	}
	sip_buf_printf(&b, md ? "\n## Peers with the most failures\n\n" :
			    "\nPEERS WITH THE MOST FAILURES\n");
	if (!r->npeers)
		sip_buf_adds(&b, md ? "None.\n" : "  none\n");
	else if (md)
		sip_buf_adds(&b, "| Peer | Failures | Error records | Responses >= 400 |\n"
				 "|---|---:|---:|---:|\n");
	for (size_t i = 0; i < r->npeers; i++) {
		pair *p = &r->peers[i];
		if (md)
			sip_buf_printf(&b, "| %s | %lld | %lld | %lld |\n", md_text(&t, p->name, 1),
				       p->n, p->a, p->b);
		else
			sip_buf_printf(&b, "%8lld  %s (%lld error records, %lld responses >= 400)\n",
				       p->n, nz(p->name), p->a, p->b);
	}
	if (r->noutcomes) {
		sip_buf_adds(&b, md ? "\n## Outcomes\n\nNormal endings of calls and look-ups "
				      "(busy, declined, cancelled, no answer, an unknown contact), "
				      "not errors.\n\n| Outcome | Records |\n|---|---:|\n"
				    : "\nOUTCOMES (normal endings of calls and look-ups, not errors)\n");
		for (size_t i = 0; i < r->noutcomes; i++) {
			pair *p = &r->outcomes[i];
			if (md)
				sip_buf_printf(&b, "| %s | %lld |\n", md_text(&t, p->name, 1), p->n);
			else
				sip_buf_printf(&b, "%8lld  %s\n", p->n, nz(p->name));
		}
	}
	if (r->nlimits) {
		sip_buf_adds(&b, md ? "\n## Rules that gave up\n\nA pattern of these rules gave up "
				      "at the PCRE2 match or depth limit on these records and counted "
				      "as no match: the rule may have missed them.\n\n"
				      "| Rule | Records |\n|---|---:|\n"
				    : "\nRULES THAT GAVE UP (a pattern hit the PCRE2 match or depth "
				      "limit: counted as no match, the rule may have missed these records)\n");
		for (size_t i = 0; i < r->nlimits; i++) {
			pair *p = &r->limits[i];
			if (md)
				sip_buf_printf(&b, "| %s | %lld |\n", md_text(&t, p->name, 1), p->n);
			else
				sip_buf_printf(&b, "%8lld  %s\n", p->n, nz(p->name));
		}
	}
	rc = flush_safe(out, &b);
out:
	sip_buf_release(&b);
	sip_buf_release(&t);
	return rc;
}

/* ---- JSON -------------------------------------------------------------- */

static void jkey(sip_buf *b, const char *k, int comma)
{
	if (comma)
		sip_buf_addc(b, ',');
	sip_buf_json_str(b, k, strlen(k));
	sip_buf_addc(b, ':');
}

static void jstr(sip_buf *b, const char *k, const char *v, int comma)
{
	jkey(b, k, comma);
	if (v)
		sip_buf_json_str(b, v, strlen(v));
	else
		sip_buf_adds(b, "null");
}

static void jlist(sip_buf *b, const char *k, const char *v, const char *seps)
{
	const char *p = nz(v), *item;
	size_t n;
	int first = 1;

	jkey(b, k, 1);
	sip_buf_addc(b, '[');
	while (next_item(&p, seps, &item, &n)) {
		if (!first)
			sip_buf_addc(b, ',');
		sip_buf_json_str(b, item, n);
		first = 0;
	}
	sip_buf_addc(b, ']');
}

static int write_json(report *r, FILE *out)
{
	sqlite3_stmt *place = NULL;
	sip_buf b;
	int rc;

	sip_buf_init(&b, 0);
	if ((rc = prepare(r, PLACE_SQL, &place)))
		goto out;
	sip_buf_adds(&b, "{\"findings\":[");
	for (size_t i = 0; i < r->nf; i++) {
		finding *f = &r->f[i];
		const char *p = nz(f->samples), *item;
		size_t n;
		int first = 1;

		sip_buf_adds(&b, i ? ",\n {" : "\n {");
		jkey(&b, "id", 0);
		sip_buf_printf(&b, "%lld", f->id);
		jstr(&b, "rule", f->rule, 1);
		jstr(&b, "severity", f->severity, 1);
		jstr(&b, "title", f->title, 1);
		jstr(&b, "cause", f->cause, 1);
		jstr(&b, "fix", f->fix, 1);
		jkey(&b, "count", 1);
		sip_buf_printf(&b, "%lld", f->count);
		jstr(&b, "first_seen", f->first, 1);
		jstr(&b, "last_seen", f->last, 1);
		jlist(&b, "hosts", f->hosts, ",");
		jkey(&b, "keys", 1);
		/* keys_json is written by the rules engine as a JSON object. */
		sip_buf_adds(&b, f->keys_json && f->keys_json[0] == '{' ? f->keys_json : "{}");
		jlist(&b, "refs", f->refs, "\n");
		jkey(&b, "sample_records", 1);
		sip_buf_addc(&b, '[');
		while (next_item(&p, ",", &item, &n)) {
			char path[4096];
			long long id = strtoll(item, NULL, 10), line;
			int found = record_place(r, place, id, NULL, path, sizeof path, &line);
			if (found < 0) {
				rc = db_error(r);
				goto out;
			}
			if (!first)
				sip_buf_addc(&b, ',');
			first = 0;
			sip_buf_printf(&b, "{\"id\":%lld", id);
			jstr(&b, "file", found ? NULL : path, 1);
			jkey(&b, "line", 1);
			if (found)
				sip_buf_adds(&b, "null}");
			else
				sip_buf_printf(&b, "%lld}", line);
		}
		sip_buf_addc(&b, ']');
		jkey(&b, "benign", 1);
		sip_buf_adds(&b, f->benign ? "true" : "false");
		jstr(&b, "subject", f->subject, 1);
		jstr(&b, "confidence", f->confidence, 1);
		jkey(&b, "group", 1);
		sip_buf_printf(&b, "%lld", f->gid);
		jkey(&b, "related", 1);
		/* related is written by findings.c as a JSON array */
		sip_buf_adds(&b, f->related && f->related[0] == '[' ? f->related : "[]");
		sip_buf_addc(&b, '}');
		if ((rc = flush(out, &b)))
			goto out;
	}
	sip_buf_adds(&b, r->nf ? "\n],\n\"unexplained\":[" : "],\n\"unexplained\":[");
	for (size_t i = 0; i < r->nu; i++) {
		unexp *u = &r->u[i];
		sip_buf_adds(&b, i ? ",\n {" : "\n {");
		jstr(&b, "template", u->template, 0);
		jkey(&b, "count", 1);
		sip_buf_printf(&b, "%lld", u->count);
		jstr(&b, "first_seen", u->first, 1);
		jstr(&b, "last_seen", u->last, 1);
		jkey(&b, "sample_record", 1);
		if (u->sample)
			sip_buf_printf(&b, "%lld}", u->sample);
		else
			sip_buf_adds(&b, "null}");
	}
	sip_buf_adds(&b, r->nu ? "\n],\n\"summary\":{" : "],\n\"summary\":{");
	jkey(&b, "files", 0);
	sip_buf_printf(&b, "%lld", r->nfiles);
	jkey(&b, "files_by_status", 1);
	sip_buf_addc(&b, '{');
	for (size_t i = 0; i < r->nstatus; i++) {
		jkey(&b, r->status[i].name, i > 0);
		sip_buf_printf(&b, "%lld", r->status[i].n);
	}
	sip_buf_addc(&b, '}');
	jkey(&b, "records", 1);
	sip_buf_printf(&b, "%lld", r->nrecords);
	jkey(&b, "records_by_kind", 1);
	sip_buf_addc(&b, '{');
	for (size_t i = 0; i < r->nkinds; i++) {
		jkey(&b, r->kinds[i].name, i > 0);
		sip_buf_printf(&b, "%lld", r->kinds[i].n);
	}
	sip_buf_addc(&b, '}');
	jkey(&b, "hosts", 1);
	sip_buf_addc(&b, '[');
	for (size_t i = 0; i < r->nhosts; i++) {
		if (i)
			sip_buf_addc(&b, ',');
		sip_buf_json_str(&b, r->hosts[i], strlen(r->hosts[i]));
	}
	sip_buf_addc(&b, ']');
	jstr(&b, "first_ts", r->first_ts, 1);
	jstr(&b, "last_ts", r->last_ts, 1);
	jstr(&b, "covers", r_covers ? "engine" : "database", 1);
	jstr(&b, "catalogue", r->catalogue, 1);
	jstr(&b, "filters", r->filters, 1);
	sip_buf_adds(&b, "},\n\"peers\":[");
	for (size_t i = 0; i < r->npeers; i++) {
		pair *p = &r->peers[i];
		sip_buf_adds(&b, i ? ",\n {" : "\n {");
		jstr(&b, "peer", p->name, 0);
		jkey(&b, "failures", 1);
		sip_buf_printf(&b, "%lld", p->n);
		jkey(&b, "error_records", 1);
		sip_buf_printf(&b, "%lld", p->a);
		jkey(&b, "responses_4xx_6xx", 1);
		sip_buf_printf(&b, "%lld}", p->b);
	}
	sip_buf_adds(&b, r->npeers ? "\n]" : "]");
	/* the normal outcomes, per file_stats */
	sip_buf_adds(&b, ",\n\"outcomes\":[");
	for (size_t i = 0; i < r->noutcomes; i++) {
		sip_buf_adds(&b, i ? ",\n {" : "\n {");
		jstr(&b, "outcome", r->outcomes[i].name, 0);
		jkey(&b, "records", 1);
		sip_buf_printf(&b, "%lld}", r->outcomes[i].n);
	}
	sip_buf_adds(&b, r->noutcomes ? "\n]" : "]");
	/* rules whose patterns gave up at the PCRE2 limit, on how many records */
	sip_buf_adds(&b, ",\n\"limit_hits\":[");
	for (size_t i = 0; i < r->nlimits; i++) {
		sip_buf_adds(&b, i ? ",\n {" : "\n {");
		jstr(&b, "rule_id", r->limits[i].name, 0);
		jkey(&b, "records", 1);
		sip_buf_printf(&b, "%lld}", r->limits[i].n);
	}
	sip_buf_adds(&b, r->nlimits ? "\n]}\n" : "]}\n");
	rc = flush(out, &b);
out:
	sqlite3_finalize(place);
	sip_buf_release(&b);
	return rc;
}

/* ---- HTML ---------------------------------------------------------------- */

static const char *sev_color(const char *sev)
{
	sev = nz(sev);
	if (!strcmp(sev, "critical")) return "#b00020";
	if (!strcmp(sev, "error")) return "#e0531f";
	if (!strcmp(sev, "warning")) return "#d9a400";
	return "#3f7fbf";
}

static const char *CSS =
	"body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}"
	"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px}"
	"table{border-collapse:collapse;margin:8px 0}"
	"td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}"
	"th{background:#f0f0f0}td.n{text-align:right}"
	".sev{color:#fff;padding:1px 6px;border-radius:3px;font-size:12px}"
	".finding{border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin:12px 0}"
	".benign{opacity:0.7}"
	"pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}"
	".src{font-family:monospace;font-size:12px;color:#555;margin:6px 0 0 0}"
	"summary{cursor:pointer;color:#1a4f8b}"
	"svg text{font-family:sans-serif;font-size:11px}";

/* A time of the axis: the part that changes at that step. */
static void axis_label(long long ms, unsigned months, long long step, char *out,
		       size_t n)
{
	long long days = (ms >= 0 ? ms : ms - 86399999) / 86400000LL;
	long long sec = (ms - days * 86400000LL) / 1000;
	int64_t y64;
	unsigned m, d;
	long long y;

	sip_civil_from_days(days, &y64, &m, &d);
	y = (long long)y64;
	if (months >= 12)
		snprintf(out, n, "%04lld", y);
	else if (months)
		snprintf(out, n, "%04lld-%02u", y, m);
	else if (step >= 86400000LL)
		snprintf(out, n, "%04lld-%02u-%02u", y, m, d);
	else if (step >= 60000LL)
		snprintf(out, n, "%02u-%02u %02lld:%02lld", m, d, sec / 3600, sec % 3600 / 60);
	else
		snprintf(out, n, "%02lld:%02lld:%02lld", sec / 3600, sec % 3600 / 60, sec % 60);
}

/*
 * title wrapped at blanks into lines of at most max characters, at most
 * TL_LINES of them: the start and length of each line into at[] and
 * len[]; returns the number of lines.  *more: text was left out (the last
 * line then ends with an ellipsis).
 */
#define TL_LINES 4
static size_t wrap_title(const char *title, size_t max, size_t at[TL_LINES],
			 size_t len[TL_LINES], int *more)
{
	size_t n = strlen(title), pos = 0, k = 0;

	*more = 0;
	while (pos < n && k < TL_LINES) {
		size_t cut = n - pos;
		if (cut > max) {
			cut = max;
			while (cut > max / 2 && title[pos + cut] != ' ')
				cut--;
			if (title[pos + cut] != ' ')
				cut = max;
		}
		at[k] = pos;
		len[k++] = cut;
		pos += cut;
		while (pos < n && title[pos] == ' ')
			pos++;
	}
	if (pos < n) {
		*more = 1;
		if (len[k - 1] >= max)
			len[k - 1] = max - 1;
	}
	return k;
}

/* A title in lines of at most max characters (wrap_title), as <tspan>s
   at x. */
static void svg_title_lines(sip_buf *b, const char *title, int x, int y, size_t max)
{
	size_t at[TL_LINES], len[TL_LINES], k;
	int more;

	k = wrap_title(title, max, at, len, &more);
	sip_buf_printf(b, "<text x=\"%d\" y=\"%d\">", x, y);
	for (size_t i = 0; i < k; i++) {
		sip_buf_printf(b, i ? "<tspan x=\"%d\" dy=\"13\">" : "<tspan x=\"%d\">", x);
		sip_html_escape(b, title + at[i], len[i]);
		if (more && i + 1 == k)
			sip_buf_adds(b, "\u2026");
		sip_buf_adds(b, "</tspan>");
	}
	sip_buf_adds(b, "</text>\n");
}

/* ms since 1970 of the first of month m (1..12) of year y, UTC */
static long long month_ms(long long y, unsigned m)
{
	return (long long)sip_days_from_civil(y, m, 1) * 86400000LL;
}

/* *y, *m moved on by months; the ms of that first of the month */
static long long next_month(long long *y, unsigned *m, unsigned months)
{
	*m += months;
	*y += (*m - 1) / 12;
	*m = (*m - 1) % 12 + 1;
	return month_ms(*y, *m);
}

/* The label of the timeline lane of finding i (a group's first): its
   number and title, and how many more findings its group holds. */
static void lane_label(const report *r, size_t i, char *out, size_t n)
{
	const finding *f = &r->f[i];
	if (f->gn > 1)
		snprintf(out, n, "%zu. %s (and %lld more)", i + 1, nz(f->title), f->gn - 1);
	else
		snprintf(out, n, "%zu. %s", i + 1, nz(f->title));
}

/*
 * The timeline: one lane per cause (a finding, or a group of findings
 * with one cause and fix; the first 30), its records binned over the span
 * of all findings' records, its whole title wrapped on up to TL_LINES
 * lines, a tooltip with title, count and time range; then one lane per
 * server (every finding record in its logs); over a time axis with ticks
 * and grid lines at a sensible step: seconds to days, then the first of a
 * month, a quarter or a year.
 */
static int html_timeline(report *r, sip_buf *b)
{
	/* a step in ms, or in months (calendar ticks: the first of a month,
	   a quarter, a year) with its mean length for choosing */
	static const struct { long long ms; unsigned months; } steps[] = {
		{ 1000, 0 }, { 5000, 0 }, { 15000, 0 }, { 30000, 0 }, { 60000, 0 },
		{ 300000, 0 }, { 900000, 0 }, { 1800000, 0 }, { 3600000, 0 },
		{ 3 * 3600000LL, 0 }, { 6 * 3600000LL, 0 }, { 12 * 3600000LL, 0 },
		{ 86400000LL, 0 }, { 7 * 86400000LL, 0 }, { 2629746000LL, 1 },
		{ 3 * 2629746000LL, 3 }, { 12 * 2629746000LL, 12 },
		{ 60 * 2629746000LL, 60 }, { 120 * 2629746000LL, 120 },
	};
	unsigned months = 0;
	int lane_y[TL_MAX_LANES + 1], lane_h[TL_MAX_LANES];
	sqlite3_stmt *st = NULL, *ts = NULL, *hs = NULL;
	long long t0 = -1, t1 = -1, step = steps[0].ms;
	size_t rows = 0, nhost = r->nhosts < 12 ? r->nhosts : 12, lead[30];
	size_t more = 0;            /* findings (groups) without a lane */
	const int W = 1000, LEFT = 330, ROW = 30, TOP = 10;
	int rc = SIP_OK, src, height;
	unsigned bins[TL_BINS];
	const int plot = W - LEFT - 40;	/* room for the last tick's label */

	/* a lane per group of findings (one cause and fix): its first */
	for (size_t i = 0; i < r->nf; i++)
		if (!r->f[i].member) {
			if (rows < sizeof lead / sizeof lead[0])
				lead[rows++] = i;
			else
				more++;
		}
	if (!rows)
		return sip_buf_adds(b, "<p>No findings, so no timeline.</p>\n");
	if ((rc = prepare(r, "SELECT min(r.ts), max(r.ts) FROM finding_records fr "
			  "JOIN records r ON r.id = fr.record_id", &st)))
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		t0 = sip_ts_ms((const char *)sqlite3_column_text(st, 0));
		t1 = sip_ts_ms((const char *)sqlite3_column_text(st, 1));
	}
	/* findings without finding_records still widen the span */
	for (size_t i = 0; i < r->nf; i++) {
		long long a = sip_ts_ms(r->f[i].first), z = sip_ts_ms(r->f[i].last);
		if (a >= 0 && (t0 < 0 || a < t0))
			t0 = a;
		if (z >= 0 && z > t1)
			t1 = z;
	}
	if (t0 < 0 || t1 < 0) {
		rc = sip_buf_adds(b, "<p>No timestamps, so no timeline.</p>\n");
		goto out;   /* st is open */
	}
	if (t1 <= t0)
		t1 = t0 + 1000;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		step = steps[i].ms;
		months = steps[i].months;
		if ((t1 - t0) / step <= 8)
			break;
	}
	/* each lane as high as its title's lines (a server's: one) */
	lane_y[0] = TOP;
	for (size_t lane = 0; lane < rows + nhost; lane++) {
		size_t at[TL_LINES], len[TL_LINES], k = 1;
		int cut;
		char label[600];
		if (lane < rows) {
			lane_label(r, lead[lane], label, sizeof label);
			k = wrap_title(label, TL_WRAP, at, len, &cut);
		}
		lane_h[lane] = k > 2 ? 13 * (int)k + 6 : ROW;
		lane_y[lane + 1] = lane_y[lane] + lane_h[lane] + (lane + 1 == rows && nhost ? 24 : 0);
	}
	if ((rc = prepare(r, "SELECT r.ts FROM finding_records fr JOIN records r "
			  "ON r.id = fr.record_id WHERE fr.finding_id = ?1", &ts)) ||
	    (rc = prepare(r, "SELECT r.ts FROM finding_records fr JOIN records r "
			  "ON r.id = fr.record_id WHERE r.host = ?1", &hs)))
		goto out;
	height = lane_y[rows + nhost] + 40;
	sip_buf_printf(b, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		       "role=\"img\" aria-label=\"failures over time per finding and per server\">\n",
		       W, height, W, height);
	sip_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		       "stroke=\"#ccc\"/>\n", LEFT, TOP, plot, lane_y[rows + nhost] - TOP);
	/* the axis: a grid line and a label at every step */
	{
		long long first = (t0 + step - 1) / step * step, y = 0;
		int ybot = lane_y[rows + nhost];
		unsigned m = 1;
		if (months) { /* the first calendar tick at or after t0 */
			int64_t y64;
			unsigned d;
			sip_civil_from_days((t0 >= 0 ? t0 : t0 - 86399999) / 86400000LL, &y64, &m, &d);
			y = (long long)y64;
			m = (m - 1) / months * months + 1;
			if (months > 12)
				y = y / (months / 12) * (months / 12), m = 1;
			first = month_ms(y, m);
			while (first < t0)
				first = next_month(&y, &m, months);
		}
		for (long long t = first; t <= t1;) {
			int x = LEFT + (int)((double)(t - t0) * plot / (double)(t1 - t0));
			char lab[32];
			axis_label(t, months ? months : 0, step, lab, sizeof lab);
			sip_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
				       "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s"
				       "</text>\n", x, TOP, x, ybot, x, ybot + 14, lab);
			if (months)
				t = next_month(&y, &m, months);
			else
				t += step;
		}
	}
	for (size_t lane = 0; lane < rows + nhost; lane++) {
		int host = lane >= rows;
		size_t fi = host ? 0 : lead[lane];
		finding *f = host ? NULL : &r->f[fi];
		unsigned maxbin = 0, total = 0;
		int y = lane_y[lane];
		sqlite3_stmt *q = host ? hs : ts;
		char label[600];
		const char *gfirst = f ? f->first : NULL, *glast = f ? f->last : NULL;

		if (host && lane == rows)
			sip_buf_printf(b, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">by server"
				       "</text>\n", y - 6);
		memset(bins, 0, sizeof bins);
		/* a server's records, or those of each finding of the group */
		for (size_t j = fi; host ? j == fi : j < r->nf && (j == fi ||
		     (r->f[j].member && r->f[j].lead == fi)); j++) {
			int any = 0;
			sqlite3_reset(q);
			if (host)
				sqlite3_bind_text(q, 1, r->hosts[lane - rows], -1, SQLITE_STATIC);
			else
				sqlite3_bind_int64(q, 1, r->f[j].id);
			while ((src = sqlite3_step(q)) == SQLITE_ROW) {
				long long t = sip_ts_ms((const char *)sqlite3_column_text(q, 0));
				size_t k;
				if (t < 0)
					continue;
				k = (size_t)((t - t0) * (TL_BINS - 1) / (t1 - t0));
				if (k >= TL_BINS)
					k = TL_BINS - 1;
				bins[k]++;
				total++;
				any = 1;
			}
			if (src != SQLITE_DONE) {
				rc = db_error(r);
				goto out;
			}
			if (host)
				continue;
			if (r->f[j].first && (!gfirst || strcmp(r->f[j].first, gfirst) < 0))
				gfirst = r->f[j].first;
			if (r->f[j].last && (!glast || strcmp(r->f[j].last, glast) > 0))
				glast = r->f[j].last;
			if (!any) { /* no linked records: mark first and last seen */
				long long a = sip_ts_ms(r->f[j].first), z = sip_ts_ms(r->f[j].last);
				if (a >= t0 && a <= t1)
					bins[(size_t)((a - t0) * (TL_BINS - 1) / (t1 - t0))]++;
				if (z >= t0 && z <= t1)
					bins[(size_t)((z - t0) * (TL_BINS - 1) / (t1 - t0))]++;
			}
		}
		for (size_t k = 0; k < TL_BINS; k++)
			if (bins[k] > maxbin)
				maxbin = bins[k];
		/* the lane, its tooltip, its label */
		if (f)
			lane_label(r, fi, label, sizeof label);
		else
			snprintf(label, sizeof label, "%s", r->hosts[lane - rows]);
		sip_buf_adds(b, "<g><title>");
		html(b, label);
		if (f)
			sip_buf_printf(b, " \u2014 %lld record%s, %s .. %s", f->gcount,
				       f->gcount == 1 ? "" : "s", nz(gfirst), nz(glast));
		else
			sip_buf_printf(b, " \u2014 %u finding record%s", total, total == 1 ? "" : "s");
		sip_buf_adds(b, "</title>\n");
		sip_buf_printf(b, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
			       y, LEFT + plot, lane_h[lane], lane % 2 ? "#f4f4f4" : "transparent");
		svg_title_lines(b, label, 4, y + 12, TL_WRAP);
		for (size_t k = 0; k < TL_BINS; k++) {
			int h;
			if (!bins[k])
				continue;
			h = 4 + (int)(18.0 * bins[k] / (maxbin ? maxbin : 1));
			sip_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				       "fill=\"%s\"><title>%u</title></rect>\n",
				       LEFT + (int)(k * (size_t)plot / TL_BINS), y + lane_h[lane] - 3 - h,
				       plot / TL_BINS > 2 ? plot / TL_BINS - 1 : 2, h,
				       f ? sev_color(f->severity) : "#555", bins[k]);
		}
		sip_buf_adds(b, "</g>\n");
	}
	sip_buf_adds(b, "</svg>\n");
	if (more)
		sip_buf_printf(b, "<p>The timeline shows the first %zu causes; %zu more are"
			       " in the table below.</p>\n", rows, more);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ts);
	sqlite3_finalize(hs);
	return rc;
}

static int write_html(report *r, FILE *out)
{
	sqlite3_stmt *place = NULL;
	sip_buf b, raw;
	int rc;

	sip_buf_init(&b, 0);
	sip_buf_init(&raw, EVIDENCE_MAX);
	if ((rc = prepare(r, PLACE_SQL, &place)) ||
	    (rc = sip_store_text_reader_new(&r->tr, r->db, r->diag)))
		goto out;
	sip_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
			 "<meta charset=\"utf-8\"/>\n<title>sipscan report</title>\n<style>");
	sip_buf_adds(&b, CSS);
	sip_buf_adds(&b, "</style>\n</head>\n<body>\n<h1>sipscan report</h1>\n");
	{
		/* who made it and when (SOURCE_DATE_EPOCH: a fixed time, for
		   reproducible reports and tests) */
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
		struct tm tm;
		char when[32];
		gmtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		sip_buf_printf(&b, "<p class=\"meta\">sipscan %s, generated %s UTC</p>\n",
			       SIPSCAN_VERSION, when);
	}
	/* Summary */
	sip_buf_adds(&b, "<h2>Summary</h2>\n<table>\n");
	sip_buf_printf(&b, "<tr><th>Files</th><td>%lld (", r->nfiles);
	for (size_t i = 0; i < r->nstatus; i++) {
		sip_buf_adds(&b, i ? ", " : "");
		html(&b, r->status[i].name);
		sip_buf_printf(&b, " %lld", r->status[i].n);
	}
	sip_buf_adds(&b, ")");
	if (r->root) {
		/* --redact: only the last directory's name, the rest may name
		   a user (/home/alice/...) */
		const char *root = r->root;
		if (r_redact) {
			const char *q = root + strlen(root) - 1;
			while (q > root && q[-1] != '/')
				q--;
			root = q;
			sip_buf_adds(&b, " under <code>&#8230;/");
		} else
			sip_buf_adds(&b, " under <code>");
		html(&b, root);
		sip_buf_adds(&b, "</code>");
	}
	if ((rc = html_inputs(r, &b)))
		goto out;
	sip_buf_printf(&b, "</td></tr>\n<tr><th>Records</th><td>%lld (", r->nrecords);
	for (size_t i = 0; i < r->nkinds; i++) {
		sip_buf_adds(&b, i ? ", " : "");
		html(&b, r->kinds[i].name);
		sip_buf_printf(&b, " %lld", r->kinds[i].n);
	}
	sip_buf_adds(&b, ")</td></tr>\n<tr><th>Time span</th><td>");
	html(&b, r->first_ts ? r->first_ts : "-");
	sip_buf_adds(&b, " .. ");
	html(&b, r->last_ts ? r->last_ts : "-");
	sip_buf_adds(&b, "</td></tr>\n<tr><th>Covers</th><td>");
	html(&b, r_covers ? r_covers : "the whole database (every file analyzed into it)");
	sip_buf_adds(&b, "</td></tr>\n");
	if (r->catalogue) {
		sip_buf_adds(&b, "<tr><th>Rules</th><td>catalogue ");
		html(&b, r->catalogue);
		sip_buf_adds(&b, "</td></tr>\n");
	}
	if (sip_db_has(r->db, "topology") == 1) {
		long long nt = sip_db_int(r->db, "SELECT count(*) FROM topology");
		sip_buf_printf(&b, "<tr><th>Topology</th><td>%s</td></tr>\n", nt > 0 ? "" :
			       "none given (--topology would make the peer findings precise)");
		if (nt > 0) {
			b.n -= strlen("</td></tr>\n");
			sip_buf_printf(&b, "%lld FQDN%s of pools and servers</td></tr>\n", nt,
				       nt == 1 ? "" : "s");
		}
	}
	if (r->filters) {
		sip_buf_adds(&b, "<tr><th>Shown</th><td>the findings of ");
		html(&b, r->filters);
		sip_buf_adds(&b, "</td></tr>\n");
	}
	sip_buf_adds(&b, "<tr><th>Hosts</th><td>");
	for (size_t i = 0; i < r->nhosts; i++) {
		sip_buf_adds(&b, i ? ", " : "");
		html(&b, r->hosts[i]);
	}
	if (!r->nhosts)
		sip_buf_adds(&b, "(none recorded)");
	sip_buf_adds(&b, "</td></tr>\n</table>\n");
	/* Timeline */
	sip_buf_adds(&b, "<h2>Timeline</h2>\n");
	if ((rc = html_timeline(r, &b)))
		goto out;
	/* Findings table */
	sip_buf_printf(&b, "<h2>Findings (%lld)</h2>\n", r->nf_total);
	if (r->nf) {
		sip_buf_adds(&b, "<table>\n<tr><th>#</th><th>Severity</th><th>Count</th>"
				 "<th>Finding</th><th>First seen</th><th>Last seen</th>"
				 "<th>Hosts</th></tr>\n");
		for (size_t i = 0; i < r->nf; i++) {
			finding *f = &r->f[i];
			sip_buf_printf(&b, "<tr%s><td class=\"n\">%zu</td><td><span class=\"sev\" "
				       "style=\"background:%s\">", f->benign ? " class=\"benign\"" : "",
				       i + 1, sev_color(f->severity));
			html(&b, f->severity);
			sip_buf_printf(&b, "</span>%s</td><td class=\"n\">%lld</td><td>"
				       "<a href=\"#f%zu\">", f->benign ? " benign" : "", f->count, i + 1);
			html(&b, f->title);
			sip_buf_adds(&b, "</a></td><td>");
			html(&b, f->first);
			sip_buf_adds(&b, "</td><td>");
			html(&b, f->last);
			sip_buf_adds(&b, "</td><td>");
			html(&b, f->hosts);
			sip_buf_adds(&b, "</td></tr>\n");
		}
		sip_buf_adds(&b, "</table>\n");
	} else {
		sip_buf_adds(&b, "<p>No findings.</p>\n");
	}
	if ((rc = flush(out, &b)))
		goto out;
	/* Each finding with its evidence */
	for (size_t i = 0; i < r->nf; i++) {
		finding *f = &r->f[i];
		const char *p, *item;
		size_t n, shown = 0;

		sip_buf_printf(&b, "<div class=\"finding%s\" id=\"f%zu\">\n<h3>%zu. ",
			       f->benign ? " benign" : "", i + 1, i + 1);
		html(&b, f->title);
		sip_buf_printf(&b, "</h3>\n<p><span class=\"sev\" style=\"background:%s\">",
			       sev_color(f->severity));
		html(&b, f->severity);
		sip_buf_adds(&b, "</span> rule <code>");
		html(&b, f->rule);
		sip_buf_printf(&b, "</code>, count %lld, ", f->count);
		html(&b, f->first);
		sip_buf_adds(&b, " .. ");
		html(&b, f->last);
		if (f->confidence) {
			sip_buf_adds(&b, ", confidence ");
			html(&b, f->confidence);
		}
		if (f->subject) {
			sip_buf_adds(&b, "; about ");
			html(&b, f->subject);
		}
		if (f->member)
			sip_buf_printf(&b, "; the same cause and fix as <a href=\"#f%zu\">finding %zu</a>",
				       f->lead + 1, f->lead + 1);
		sip_buf_adds(&b, "</p>\n<p><b>Cause:</b> ");
		html(&b, f->cause);
		sip_buf_adds(&b, "</p>\n<p><b>Fix:</b> ");
		html(&b, f->fix);
		sip_buf_adds(&b, "</p>\n");
		if (f->related) {
			sip_buf t;
			sip_buf_init(&t, 0);
			if (related_text(&t, f->related)) {
				sip_buf_adds(&b, "<p><b>The same events are also logged as:</b> ");
				html(&b, t.p);
				sip_buf_adds(&b, "</p>\n");
			}
			sip_buf_release(&t);
		}
		if (f->refs && *f->refs) {
			sip_buf_adds(&b, "<p><b>References</b>:</p>\n<ul>\n");
			for (p = f->refs; next_item(&p, "\n", &item, &n);) {
				/* links for http(s) only; nothing is loaded from them */
				int link = (n > 8 && !strncmp(item, "https://", 8)) ||
					   (n > 7 && !strncmp(item, "http://", 7));
				sip_buf_adds(&b, "<li>");
				if (link) {
					sip_buf_adds(&b, "<a href=\"");
					sip_html_escape(&b, item, n);
					sip_buf_adds(&b, "\" rel=\"noopener noreferrer\">");
				}
				sip_buf_adds(&b, "<code>");
				sip_html_escape(&b, item, n);
				sip_buf_adds(&b, link ? "</code></a></li>\n" : "</code></li>\n");
			}
			sip_buf_adds(&b, "</ul>\n");
		}
		if (f->samples && *f->samples) {
			sip_buf_adds(&b, "<details>\n<summary>Evidence: sample records</summary>\n");
			for (p = f->samples; shown < MAX_SAMPLES && next_item(&p, ",", &item, &n); shown++) {
				char path[4096];
				long long id = strtoll(item, NULL, 10), line;
				int found = record_place(r, place, id, &raw, path, sizeof path, &line);
				if (found < 0) {
					rc = db_error(r);
					goto out;
				}
				sip_buf_printf(&b, "<p class=\"src\">record %lld", id);
				if (!found) {
					sip_buf_adds(&b, " &#8212; ");
					html(&b, rel_path(r, path));
					sip_buf_printf(&b, ":%lld", line);
				}
				sip_buf_adds(&b, "</p>\n<pre>");
				if (found)
					sip_buf_adds(&b, "(no such record)");
				else
					sip_html_escape(&b, raw.p ? raw.p : "", raw.n);
				if (raw.n >= EVIDENCE_MAX)
					sip_buf_adds(&b, "\n[... cut]");
				sip_buf_adds(&b, "</pre>\n");
			}
			sip_buf_adds(&b, "</details>\n");
		}
		sip_buf_adds(&b, "</div>\n");
		if ((rc = flush(out, &b)))
			goto out;
	}
	/* Unexplained and peers */
	sip_buf_printf(&b, "<h2>Unexplained signatures (%lld)</h2>\n", r->nu_total);
	if (r->nu) {
		sip_buf_adds(&b, "<table>\n<tr><th>Count</th><th>Template</th><th>First seen</th>"
				 "<th>Last seen</th><th>Sample record</th></tr>\n");
		for (size_t i = 0; i < r->nu; i++) {
			unexp *u = &r->u[i];
			sip_buf_printf(&b, "<tr><td class=\"n\">%lld</td><td><code>", u->count);
			html(&b, u->template);
			sip_buf_adds(&b, "</code></td><td>");
			html(&b, u->first);
			sip_buf_adds(&b, "</td><td>");
			html(&b, u->last);
			sip_buf_printf(&b, "</td><td class=\"n\">%lld</td></tr>\n", u->sample);
		}
		sip_buf_adds(&b, "</table>\n");
	} else {
		sip_buf_adds(&b, "<p>None.</p>\n");
	}
	sip_buf_adds(&b, "<h2>Peers with the most failures</h2>\n");
	if (r->npeers) {
		sip_buf_adds(&b, "<table>\n<tr><th>Peer</th><th>Failures</th><th>Error records</th>"
				 "<th>Responses &gt;= 400</th></tr>\n");
		for (size_t i = 0; i < r->npeers; i++) {
			sip_buf_adds(&b, "<tr><td>");
			html(&b, r->peers[i].name);
			sip_buf_printf(&b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
				       "<td class=\"n\">%lld</td></tr>\n", r->peers[i].n,
				       r->peers[i].a, r->peers[i].b);
		}
		sip_buf_adds(&b, "</table>\n");
	} else {
		sip_buf_adds(&b, "<p>None.</p>\n");
	}
	if (r->noutcomes) {
		sip_buf_adds(&b, "<h2>Outcomes</h2>\n<p>Normal endings of calls and look-ups "
				 "(busy, declined, cancelled, no answer, an unknown contact), not "
				 "errors.</p>\n<table>\n<tr><th>Outcome</th><th>Records</th></tr>\n");
		for (size_t i = 0; i < r->noutcomes; i++) {
			sip_buf_adds(&b, "<tr><td>");
			html(&b, r->outcomes[i].name);
			sip_buf_printf(&b, "</td><td class=\"n\">%lld</td></tr>\n", r->outcomes[i].n);
		}
		sip_buf_adds(&b, "</table>\n");
	}
	if (r->nlimits) {
		sip_buf_adds(&b, "<h2>Rules that gave up</h2>\n<p>A pattern of these rules gave up "
				 "at the PCRE2 match or depth limit on these records and counted as "
				 "no match: the rule may have missed them.</p>\n<table>\n"
				 "<tr><th>Rule</th><th>Records</th></tr>\n");
		for (size_t i = 0; i < r->nlimits; i++) {
			sip_buf_adds(&b, "<tr><td>");
			html(&b, r->limits[i].name);
			sip_buf_printf(&b, "</td><td class=\"n\">%lld</td></tr>\n", r->limits[i].n);
		}
		sip_buf_adds(&b, "</table>\n");
	}
	sip_buf_adds(&b, "</body>\n</html>\n");
	rc = flush(out, &b);
out:
	sqlite3_finalize(place);
	sip_store_text_reader_free(r->tr);
	r->tr = NULL;
	sip_buf_release(&b);
	sip_buf_release(&raw);
	return rc;
}

int sip_report_write(sqlite3 *db, sip_report_format f, FILE *out, sip_diag *diag)
{
	return sip_report_write_filtered(db, f, NULL, out, diag);
}

int sip_report_write_filtered(sqlite3 *db, sip_report_format f, const sip_filter *flt,
			      FILE *out, sip_diag *diag)
{
	report r;
	int rc;

	memset(&r, 0, sizeof r);
	r.db = db;
	r.flt = flt;
	r.diag = diag;
	sip_diag_clear(diag);
	if ((rc = load(&r))) {
		if (rc == SIP_ENOMEM && diag->code != SIP_ENOMEM) /* not SQLite's */
			sip_diag_set(diag, rc, "", 0, "out of memory reading the findings");
		goto out;
	}
	if (r_redact) {
		/* the servers the database names are replaced wherever they
		   stand; addresses, users and FQDNs by their shape */
		if (!(r_red = sip_redactor_new())) {
			rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < r.nhosts; i++)
			if (sip_redactor_add_name(r_red, r.hosts[i])) {
				rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
				goto out;
			}
		/* the references of the findings stay readable */
		for (size_t i = 0; i < r.nf; i++) {
			const char *p = r.f[i].refs, *item;
			size_t n;
			char url[2048];
			while (p && next_item(&p, "\n", &item, &n)) {
				snprintf(url, sizeof url, "%.*s", (int)(n < sizeof url ? n : sizeof url - 1),
					 item);
				if (sip_redactor_keep(r_red, url)) {
					rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
					goto out;
				}
			}
		}
	}
	switch (f) {
	case SIP_REPORT_MD: rc = write_text(&r, out, 1); break;
	case SIP_REPORT_JSON: rc = write_json(&r, out); break;
	case SIP_REPORT_HTML: rc = write_html(&r, out); break;
	default: rc = write_text(&r, out, 0); break;
	}
	if (!rc && fflush(out) != 0)
		rc = SIP_EIO;
	if (rc == SIP_EIO)
		sip_diag_set(diag, rc, "", 0, "error writing the report");
	else if (rc == SIP_ENOMEM)
		sip_diag_set(diag, rc, "", 0, "out of memory writing the report");
out:
	sip_redactor_free(r_red);
	r_red = NULL;
	release(&r);
	return rc;
}
