/*
 * fuzz_report.c -- the report renderers (text, md, json, html) on
 * arbitrary database contents.  The input is cut at 0x1E bytes into the
 * text columns a report reads (file path and host, record level, peer and
 * time, the finding's rule id, severity, title, cause, fix, refs, key,
 * keys_json, hosts, sample ids, first/last seen, an unexplained template,
 * and the raw text of a stored record), which are written to one
 * database and rendered in every format.  Control bytes, invalid UTF-8,
 * Markdown and HTML metacharacters, broken JSON in keys_json/hosts and
 * sample ids pointing nowhere all reach the escaping and wrapping code.
 * The database is created once (sip_store_open on a scratch file, removed
 * at exit) and emptied before every input; the rows written are checked
 * (an input that cannot be written is a failure of the harness).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dbopen.h"
#include "report.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_PATH, F_HOST, F_LEVEL, F_PEER, F_TS, F_RULE, F_SEV, F_TITLE,
       F_CAUSE, F_FIX, F_REFS, F_KEY, F_KEYS, F_HOSTS, F_SAMPLES, F_FIRST,
       F_LAST, F_TMPL, F_RAW, NF };

static sip_store *store;
static sip_zctx *zctx;
static sip_buf blob;

static char path[] = "/tmp/fuzz_report.XXXXXX";

static void cleanup(void)
{
	char j[sizeof path + 8];

	if (store && getenv("FUZZ_DEBUG"))
		for (sqlite3_stmt *st = NULL; (st = sqlite3_next_stmt(sip_store_db(store), st));)
			fprintf(stderr, "open statement: %s\n", sqlite3_sql(st));
	sip_store_free(store);
	sip_zctx_free(zctx);
	sip_buf_release(&blob);
	unlink(path);
	snprintf(j, sizeof j, "%s-journal", path);
	unlink(j);
}

static int setup(void)
{
	sip_diag d;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	/* no fsync (a scratch file); kept until the end: SQLite refuses to
	   write a database whose file was unlinked (SQLITE_READONLY_DBMOVED),
	   and an unlinked one made every input's rows fail to be written */
	if (sip_store_open(&store, path, SIP_STORE_NOSYNC, &d) != SIP_OK)
		return -1;
	zctx = sip_zctx_new();
	sip_buf_init(&blob, 0);
	atexit(cleanup);
	return zctx ? 0 : -1;
}

static void bind_field(sqlite3_stmt *st, int col, const char *p, size_t n, int null)
{
	if (null)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, p, (int)n, SQLITE_STATIC);
}

static void run(sqlite3 *db, const char *sql, const char **f, const size_t *n,
		const int *fields, int nfields, int64_t i1)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	for (int i = 0; i < nfields; i++)
		bind_field(st, i + 1, f[fields[i]], n[fields[i]], f[fields[i]] == NULL);
	sqlite3_bind_int64(st, nfields + 1, i1);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[NF] = { 0 };
	size_t n[NF] = { 0 };
	const char *s = (const char *)data;
	sqlite3 *db;
	size_t start = 0;
	int k = 0;
	int64_t count, chunk_id = 0;
	sip_diag d;

	if (!store && setup() != 0)
		return 0;
	db = sip_store_db(store);
	for (size_t i = 0; i <= size && k < NF; i++) {
		if (i == size || s[i] == 0x1e) {
			f[k] = s + start;
			n[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	count = size ? (int64_t)data[0] * 1000003 : 0;
	/* record_rows, not the view records (a DELETE on the view fails and
	   stopped this at it: every input after the first kept the first
	   one's files and records rows) */
	if (sqlite3_exec(db, "DELETE FROM finding_records; DELETE FROM findings;"
			 "DELETE FROM unexplained; DELETE FROM matches;"
			 "DELETE FROM record_rows; DELETE FROM tagsets; DELETE FROM chunks;"
			 " DELETE FROM files;", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz_report: emptying the database: %s\n", sqlite3_errmsg(db));
		abort();
	}
	{
		static const int a[] = { F_PATH, F_HOST };
		run(db, "INSERT INTO files(id, path, host, status) VALUES (1,"
		    " coalesce(?1, 'x'), ?2, 'ingested') -- ?3", f, n, a, 2, 0);
	}
	{
		static const int a[] = { F_TS, F_LEVEL, F_PEER, F_HOST };
		run(db, "INSERT INTO records(id, file_id, line, ts, kind, level, peer,"
		    " host, status) VALUES (1, 1, 1, ?1, 'connection', ?2, ?3, ?4, ?5)",
		    f, n, a, 4, count % 700);
		run(db, "INSERT INTO records(id, file_id, line, ts, kind, level, peer,"
		    " host, status) VALUES (2, 1, 2, ?1, 'protocol', ?2, ?3, ?4, ?5)",
		    f, n, a, 4, 503);
		if (sip_db_int(db, "SELECT count(*) FROM records") != 2 ||
		    sip_db_int(db, "SELECT count(*) FROM files") != 1) {
			fprintf(stderr, "fuzz_report: the file and its two records were not"
				" written: %s\n", sqlite3_errmsg(db));
			abort();
		}
	}
	{
		static const int a[] = { F_RULE, F_SEV, F_TITLE, F_CAUSE, F_FIX,
					 F_REFS, F_KEY, F_KEYS, F_FIRST, F_LAST,
					 F_HOSTS, F_SAMPLES };
		run(db, "INSERT INTO findings(id, rule_id, severity, title, cause,"
		    " fix, refs, key, keys_json, first_seen, last_seen, hosts,"
		    " sample_ids, count, benign) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6,"
		    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0)", f, n, a, 12, count);
		run(db, "INSERT INTO findings(id, rule_id, severity, title, cause,"
		    " fix, refs, key, keys_json, first_seen, last_seen, hosts,"
		    " sample_ids, count, benign) VALUES (2, ?1, ?2, ?3, ?4, ?5, ?6,"
		    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1)", f, n, a, 12, 1);
	}
	sqlite3_exec(db, "INSERT INTO finding_records VALUES (1, 1), (1, 2), (2, 2)",
		     NULL, NULL, NULL);
	{
		static const int a[] = { F_TMPL };
		run(db, "INSERT INTO unexplained VALUES (1, coalesce(?1, '')) -- ?2",
		    f, n, a, 1, 0);
		run(db, "INSERT INTO unexplained VALUES (2, coalesce(?1, '')) -- ?2",
		    f, n, a, 1, 0);
	}
	if (f[F_RAW] && n[F_RAW]) {
		sip_buf_reset(&blob);
		if (sip_store_chunk_compress(zctx, f[F_RAW], n[F_RAW], &blob) == SIP_OK &&
		    sip_store_insert_chunk(store, 1, blob.p, blob.n, &chunk_id, &d) == SIP_OK) {
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v2(db, "UPDATE record_rows SET chunk_id = ?1,"
					       " raw_off = 0, raw_len = ?2", -1, &st,
					       NULL) == SQLITE_OK) {
				sqlite3_bind_int64(st, 1, chunk_id);
				/* record 2 claims more than the chunk holds */
				sqlite3_bind_int64(st, 2, (sqlite3_int64)(n[F_RAW] +
						   (size & 1)));
				sqlite3_step(st);
			}
			sqlite3_finalize(st);
		}
	}
	for (int fmt = SIP_REPORT_TEXT; fmt <= SIP_REPORT_HTML; fmt++) {
		FILE *out = fopen("/dev/null", "w");
		if (!out)
			break;
		if (sip_report_write(db, (sip_report_format)fmt, out, &d) && getenv("FUZZ_DEBUG"))
			fprintf(stderr, "report %d: %s\n", fmt, d.msg);
		fclose(out);
	}
	return 0;
}
