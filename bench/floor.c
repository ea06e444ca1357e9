/*
 * floor.c -- sipscan-floor: what SQLite alone costs to store the rows that
 * sipscan analyze stores, with no parsing, no compression and no fsync.
 *
 *   sipscan-floor SOURCE.db TARGET.db
 *
 * SOURCE is a database written by sipscan analyze.  Every row of its
 * record_rows table is read into memory first (not timed).  Then, timed:
 * TARGET (which must not exist) gets the same table and the same indexes,
 * and the rows go in as analyze puts them in, in one transaction with no
 * journal, synchronous=OFF and 64 KiB pages: the indexes on file and line,
 * ts, fqdn and result_code before the load, the one on call_id after it
 * (what analyze does for one large file), one prepared INSERT with bound
 * values (SQLITE_STATIC) for GROUP rows at a time, the id left to SQLite.
 * It prints
 *
 *   rows N seconds S
 *
 * S is the wall time of the timed part, so a benchmark can set it beside
 * analyze's wall time: the thread that writes the database cannot take
 * less, whatever the parser does.  Exit status 0; 1 with a message when
 * it cannot; 2 for a wrong command line.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, when built alone */
#endif
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rows per INSERT.  On the 100 MiB bench trace: 1 row 1.07 s, 4 rows
   0.76 s, 16 (analyze's) 0.62 s, 64 0.59 s, 256 and 1000 the same as 64;
   a floor takes the cheapest. */
#ifndef GROUP
#define GROUP 64
#endif

/* One column of one row: an integer, or text in the text arena. */
typedef struct {
	int64_t i;         /* the integer, or the text's offset */
	int32_t len;       /* the text's length, or VAL_NULL or VAL_INT */
} value;
#define VAL_NULL (-1)
#define VAL_INT (-2)

static int fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sipscan-floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "error");
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CREATE statements of SOURCE for record_rows and its indexes, in the
   order the load needs: the table, the indexes made before, then after. */
static char *schema_sql(sqlite3 *db, const char *where)
{
	sqlite3_stmt *st;
	char *out = NULL;
	size_t n = 0;
	char q[256];

	snprintf(q, sizeof q, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND %s", where);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	out = calloc(1, 1);
	while (out && sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		size_t k = strlen(s);
		char *p = realloc(out, n + k + 3);
		if (!p) {
			free(out);
			out = NULL;
			break;
		}
		out = p;
		memcpy(out + n, s, k);
		memcpy(out + n + k, ";\n", 3);
		n += k + 2;
	}
	sqlite3_finalize(st);
	return out;
}

int main(int argc, char **argv)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_stmt *st = NULL, *ins1 = NULL, *insg = NULL;
	value *v = NULL;
	char *text = NULL, *tbl = NULL, *before = NULL, *after = NULL, *sql = NULL;
	size_t nrows = 0, cap = 0, tlen = 0, tcap = 0;
	int ncol, rc = 1;
	double t0, t1;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: sipscan-floor SOURCE.db TARGET.db\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r"))) {
		fclose(f);
		fprintf(stderr, "sipscan-floor: %s exists; give a new path\n", argv[2]);
		return 1;
	}
	if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fail(src, argv[1]);

	/* 1. the rows, in memory (not timed) */
	if (sqlite3_prepare_v2(src, "SELECT * FROM record_rows ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		rc = fail(src, "reading record_rows (is it a sipscan database?)");
		goto out;
	}
	ncol = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nrows == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			value *nv = realloc(v, ncap * (size_t)ncol * sizeof *v);
			if (!nv)
				goto nomem;
			v = nv;
			cap = ncap;
		}
		for (int c = 0; c < ncol; c++) {
			value *x = &v[nrows * (size_t)ncol + (size_t)c];
			int type = sqlite3_column_type(st, c);
			if (type == SQLITE_NULL) {
				x->len = VAL_NULL;
				continue;
			}
			if (type == SQLITE_INTEGER) {
				x->i = sqlite3_column_int64(st, c);
				x->len = VAL_INT;
				continue;
			}
			/* text (and anything else, as text) */
			const unsigned char *s = sqlite3_column_text(st, c);
			size_t k = (size_t)sqlite3_column_bytes(st, c);
			if (tlen + k > tcap) {
				size_t ncap = tcap ? tcap * 2 : (1u << 24);
				while (ncap < tlen + k)
					ncap *= 2;
				char *nt = realloc(text, ncap);
				if (!nt)
					goto nomem;
				text = nt;
				tcap = ncap;
			}
			memcpy(text + tlen, s, k);
			x->i = (int64_t)tlen;
			x->len = (int32_t)k;
			tlen += k;
		}
		nrows++;
	}
	sqlite3_finalize(st);
	st = NULL;
	tbl = schema_sql(src, "name = 'record_rows'");
	before = schema_sql(src, "type = 'index' AND tbl_name = 'record_rows'"
			    " AND name <> 'records_call_id'");
	after = schema_sql(src, "name = 'records_call_id'");
	if (!tbl || !before || !after || !*tbl) {
		rc = fail(src, "reading the schema");
		goto out;
	}

	/* the INSERT of one row and of GROUP rows: every column but id */
	size_t qcap = 64 + (size_t)ncol * 8 * (GROUP + 1);
	if (!(sql = malloc(qcap)))
		goto nomem;

	if (sqlite3_open(argv[2], &dst) != SQLITE_OK) {
		rc = fail(dst, argv[2]);
		goto out;
	}

	/* 2. timed: schema, load, index after */
	t0 = now();
	/* 64 KiB pages: 0.55 s here against 0.59 s with analyze's 8 KiB and
	   0.63 s with 4 KiB (analyze itself measured no faster with them);
	   a floor takes the cheapest. */
	if (sqlite3_exec(dst, "PRAGMA page_size=65536; PRAGMA journal_mode=OFF;"
			 " PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;", NULL, NULL, NULL) ||
	    sqlite3_exec(dst, tbl, NULL, NULL, NULL) ||
	    sqlite3_exec(dst, before, NULL, NULL, NULL)) {
		rc = fail(dst, "creating the table");
		goto out;
	}
	for (int g = 0; g < 2; g++) {
		int k = g ? GROUP : 1;
		size_t n = (size_t)snprintf(sql, qcap, "INSERT INTO record_rows VALUES");
		for (int r = 0; r < k; r++) {
			n += (size_t)snprintf(sql + n, qcap - n, "%s(NULL", r ? "," : "");
			for (int c = 1; c < ncol; c++)
				n += (size_t)snprintf(sql + n, qcap - n, ",?");
			n += (size_t)snprintf(sql + n, qcap - n, ")");
		}
		if (sqlite3_prepare_v2(dst, sql, -1, g ? &insg : &ins1, NULL) != SQLITE_OK) {
			rc = fail(dst, "preparing the insert");
			goto out;
		}
	}
	if (sqlite3_exec(dst, "BEGIN", NULL, NULL, NULL)) {
		rc = fail(dst, "BEGIN");
		goto out;
	}
	for (size_t i = 0; i < nrows;) {
		sqlite3_stmt *ins = nrows - i >= GROUP ? insg : ins1;
		size_t k = ins == insg ? GROUP : 1;
		for (size_t r = 0; r < k; r++) {
			const value *row = &v[(i + r) * (size_t)ncol];
			for (int c = 1; c < ncol; c++) {
				int p = (int)r * (ncol - 1) + c;
				const value *x = &row[c];
				if (x->len == VAL_INT)
					sqlite3_bind_int64(ins, p, x->i);
				else if (x->len == VAL_NULL)
					sqlite3_bind_null(ins, p);
				else
					sqlite3_bind_text(ins, p, text + x->i, x->len, SQLITE_STATIC);
			}
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = fail(dst, "insert");
			goto out;
		}
		sqlite3_reset(ins);
		i += k;
	}
	if (sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) ||
	    sqlite3_exec(dst, after, NULL, NULL, NULL)) {
		rc = fail(dst, "COMMIT and the index after the load");
		goto out;
	}
	t1 = now();
	printf("rows %zu seconds %.3f\n", nrows, t1 - t0);
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "sipscan-floor: out of memory\n");
	rc = 1;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ins1);
	sqlite3_finalize(insg);
	sqlite3_close(dst);
	sqlite3_close(src);
	free(v);
	free(text);
	free(tbl);
	free(before);
	free(after);
	free(sql);
	return rc;
}
