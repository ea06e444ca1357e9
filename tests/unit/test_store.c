/*
 * test_store.c -- the SQLite store: schema and migrations, refusing foreign
 * databases, inserting and deleting a file's rows and chunks, NULL
 * handling, the chunk round trip and the text reader; and through the
 * ingest: files of many chunks (every record's text exact, chunk edges,
 * append across a chunk boundary) and the eval / write / finish hooks,
 * with parser threads and with --jobs 1 (everything on the caller).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ingest.h"
#include "scan.h"
#include "store.h"
#include "t.h"

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
	static char buf[512];
	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/sipscan-test-store.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir))
			abort();
	}
	snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
	return buf;
}

static void rm_db(const char *path)
{
	char p[600];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static int64_t q_int(sip_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -12345;
	if (sqlite3_prepare_v2(sip_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text of one value ("NULL" for SQL NULL), into a static buffer. */
static const char *q_text(sip_store *s, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *st = NULL;
	snprintf(buf, sizeof buf, "(no row)");
	if (sqlite3_prepare_v2(sip_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "NULL");
	}
	sqlite3_finalize(st);
	return buf;
}

static void test_schema(void)
{
	const char *path = tmp_path("schema.db");
	sip_store *s = NULL;
	sip_diag d;

	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		return;
	CHECK_INT(sip_store_schema_version(s), SIP_STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(s, "PRAGMA application_id"), SIP_STORE_APP_ID);
	CHECK_STR(q_text(s, "PRAGMA journal_mode"), "delete");
	const char *tables[] = { "files", "record_rows", "tagsets", "chunks", "matches",
				 "unexplained", "findings", "finding_records", "topology",
				 NULL };
	for (int i = 0; tables[i]; i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
		CHECK_INT(q_int(s, sql), 1);
	}
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='view' AND name IN"
			" ('records','connections','diagnostics','messages','errors')"), 5);
	CHECK_INT(sip_store_create_indexes(s, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name LIKE 'records_%'"), 4);
	/* no (file_id, line) index since schema 5: files.first_id and
	   resume_id find a file's records */
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name = 'records_file_line'"), 0);
	/* fqdn, call_id and result_code are partial: most records have none */
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" sql LIKE '%WHERE % IS NOT NULL'"), 3);
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name = 'records_kind'"), 0);
	/* a large load of one file drops the one on call_id (random keys) */
	CHECK_INT(sip_store_drop_bulk_indexes(s, 0, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name LIKE 'records_%'"), 3);
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name = 'records_call_id'"), 0);
	/* ... and ts too for a load of several files */
	CHECK_INT(sip_store_drop_bulk_indexes(s, 1, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_master WHERE type='index' AND"
			" name LIKE 'records_%'"), 2);
	sip_store_free(s);

	/* Re-open: no migration runs again, the schema is intact. */
	s = NULL;
	CHECK_INT(sip_store_open(&s, path, SIP_STORE_READONLY, &d), SIP_OK);
	if (s) {
		CHECK_INT(sip_store_schema_version(s), SIP_STORE_SCHEMA_VERSION);
		sip_store_free(s);
	}
	rm_db(path);
}

/* The sqlite_master of the database at path, one object per line. */
static char *schema_dump(const char *path, int flags)
{
	sip_store *s = NULL;
	sip_diag d;
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 1 << 16;
	char *out = calloc(1, cap);

	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, flags, &d), SIP_OK);
	if (!s || !out)
		return out;
	CHECK_INT(sip_store_schema_version(s), SIP_STORE_SCHEMA_VERSION);
	CHECK_INT(q_int(s, "PRAGMA application_id"), SIP_STORE_APP_ID);
	if (sqlite3_prepare_v2(sip_store_db(s), "SELECT type, name, tbl_name, sql FROM"
			       " sqlite_master ORDER BY type, name", -1, &st, NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW && n + 1 < cap) {
			const unsigned char *sql = sqlite3_column_text(st, 3);
			n += (size_t)snprintf(out + n, cap - n, "%s|%s|%s|%s\n",
					      sqlite3_column_text(st, 0),
					      sqlite3_column_text(st, 1),
					      sqlite3_column_text(st, 2), sql ? (const char *)sql : "");
			if (n >= cap)
				n = cap - 1;
		}
	sqlite3_finalize(st);
	sip_store_free(s);
	rm_db(path);
	return out;
}

/* A new database gets the current schema at once; the same through every
   migration from the first. */
static void test_schema_current(void)
{
	char *now = schema_dump(tmp_path("schema-now.db"), 0);
	char *all = schema_dump(tmp_path("schema-all.db"), SIP_STORE_MIGRATE);

	CHECK(now && all && strlen(now) > 1000);
	if (now && all && strcmp(now, all)) {
		fprintf(stderr, "schema_current in store.c differs from the migrated schema;"
			" the migrated one is:\n%s\n", all);
		CHECK(0);
	}
	free(now);
	free(all);
}

static void test_refuse_foreign(void)
{
	const char *path = tmp_path("foreign.db");
	sqlite3 *db = NULL;
	sip_store *s = NULL;
	sip_diag d;

	/* Another application's database. */
	rm_db(path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA application_id = 42;", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_EDB);
	CHECK(s == NULL);
	CHECK(strstr(d.msg, "not a sipscan database") != NULL);

	/* Tables but no id at all. */
	rm_db(path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_EDB);
	CHECK(strstr(d.msg, "not a sipscan database") != NULL);

	/* Ours, but from a newer sipscan. */
	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	sip_store_free(s);
	s = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_EDB);
	CHECK(strstr(d.msg, "newer") != NULL);

	/* Not SQLite at all. */
	rm_db(path);
	{
		FILE *f = fopen(path, "wb");
		CHECK(f != NULL);
		if (f) {
			for (int i = 0; i < 200; i++)
				fputs("this is not a database file\n", f);
			fclose(f);
		}
	}
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_EDB);
	CHECK(s == NULL);

	/* Read-only open of a database that does not exist. */
	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, SIP_STORE_READONLY, &d), SIP_EDB);
	rm_db(path);
}

/* A hand-built record; the raw text uses CRLF. */
static const char raw_crlf[] =
	"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca "
	"(SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\r\n"
	"LogType: connection\r\nSeverity: error\r\n"
	"Text: The peer is not a configured server on this network interface\r\n"
	"Transport: TLS\r\nData: fqdn=\"deitterick.com\"\r\n$$end_record\r\n";

static void make_record(sip_record *r, uint64_t line)
{
	memset(r, 0, sizeof *r);
	r->line = line;
	r->end_line = line + 6;
	r->offset = 1000 * line;
	r->raw = (sip_str){ raw_crlf, sizeof raw_crlf - 1 };
	r->kind = SIP_KIND_CONNECTION;
	r->level = SIP_STR_LIT("TL_ERROR");
	r->flag = SIP_STR_LIT("TF_CONNECTION");
	r->slot = SIP_STR_LIT("0");
	r->host = (sip_str){ "", 0 };  /* present but empty: stored NULL */
	snprintf(r->ts, sizeof r->ts, "2011-12-20 20:45:01.704");
	r->component = SIP_STR_LIT("SIPStack");
	r->function = SIP_STR_LIT("SIPAdminLog::TraceConnectionRecord");
	r->text = SIP_STR_LIT("The peer is not a configured server on this network interface");
	r->has_result = 1;
	r->result_code = 0xC3E93C5Eu;
	r->result_symbol = SIP_STR_LIT("SIPPROXY_E_ROUTING");
	r->fqdn = SIP_STR_LIT("deitterick.com");
	r->transport = SIP_STR_LIT("TLS");
	r->status = -1;
	r->is_request = -1;
	r->pid = r->tid = -1;
}

/* make_record, and at line 8 a protocol response with ms-diagnostics. */
static void make_record_at(sip_record *rec, uint64_t line)
{
	static const sip_msdiag md = { { "ms-diagnostics", 14 }, 1034, -1,
				       { "Previous hop federated peer did not report diagnostic information", 66 },
				       { NULL, 0 }, NULL, 0 };

	make_record(rec, line);
	if (line == 8) {
		rec->kind = SIP_KIND_PROTOCOL;
		rec->level = SIP_STR_LIT("TL_INFO");
		rec->status = 504;
		rec->has_result = 0;
		rec->text = SIP_STR_NULL;
		rec->call_id = SIP_STR_LIT("017b06f3");
		rec->diags = &md;
		rec->ndiags = 1;
	}
}

/* Insert the records at lines[0..n) as one chunk of file fid, the way
   the ingest does.  Returns the chunk id (0 on failure). */
static int64_t put_chunk(sip_store *s, int64_t fid, const uint64_t *lines, size_t n,
			 sip_arena *a)
{
	sip_zctx *z = sip_zctx_new();
	sip_buf text, blob;
	sip_row rows[16];
	sip_record rec;
	sip_diag d;
	int64_t cid = 0;

	sip_buf_init(&text, 0);
	sip_buf_init(&blob, 0);
	CHECK(z != NULL && n <= 16);
	if (!z || n > 16)
		goto out;
	for (size_t i = 0; i < n; i++) {
		make_record_at(&rec, lines[i]);
		CHECK_INT(sip_row_fill(&rows[i], &rec, a), SIP_OK);
		rows[i].raw_off = text.n;
		rows[i].raw_len = rec.raw.n;
		CHECK_INT(sip_buf_add(&text, rec.raw.p, rec.raw.n), 0);
	}
	CHECK_INT(sip_store_chunk_compress(z, text.p, text.n, &blob), SIP_OK);
	CHECK(blob.n < text.n);
	CHECK_INT(sip_store_insert_chunk(s, fid, blob.p, blob.n, &cid, &d), SIP_OK);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(sip_store_insert(s, fid, cid, &rows[i], NULL, &d), SIP_OK);
out:
	sip_buf_release(&text);
	sip_buf_release(&blob);
	sip_zctx_free(z);
	return cid;
}

/* The text of the record of file fid at line, via a reader, into out. */
static int text_of_line(sip_store *s, sip_store_text_reader *tr, uint64_t line,
			sip_buf *out)
{
	char sql[128];
	int64_t id;
	sip_diag d;

	snprintf(sql, sizeof sql, "SELECT id FROM records WHERE line = %llu",
		 (unsigned long long)line);
	id = q_int(s, sql);
	sip_buf_reset(out);
	return sip_store_text_get(tr, id, out, &d);
}

static void test_rows(void)
{
	const char *path = tmp_path("rows.db");
	static const uint64_t first[] = { 1, 8, 15 }, second[] = { 22, 29, 36, 43, 50 };
	sip_store *s = NULL;
	sip_store_text_reader *tr = NULL;
	sip_arena a;
	sip_buf out;
	sip_diag d;
	sip_store_file f;
	int64_t fid = 0, c1, c2;
	uint64_t n = 0;

	sip_arena_init(&a);
	sip_buf_init(&out, 0);
	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		goto out;

	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_file_start(s, "/x/trace.log", &fid, 0, &d), SIP_OK);
	CHECK(fid > 0);
	c1 = put_chunk(s, fid, first, 3, &a);
	c2 = put_chunk(s, fid, second, 5, &a);
	CHECK(c1 > 0 && c2 > c1);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	sip_arena_reset(&a);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 8);
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks"), 2);
	CHECK_STR(q_text(s, "SELECT result_code FROM records WHERE line = 1"), "0xc3e93c5e");
	CHECK_STR(q_text(s, "SELECT host FROM records WHERE line = 1"), "NULL");
	CHECK_STR(q_text(s, "SELECT call_id FROM records WHERE line = 1"), "NULL");
	CHECK_STR(q_text(s, "SELECT status FROM records WHERE line = 1"), "NULL");
	CHECK_STR(q_text(s, "SELECT ts FROM records WHERE line = 1"), "2011-12-20 20:45:01.704");
	CHECK_STR(q_text(s, "SELECT kind FROM records WHERE line = 1"), "connection");
	CHECK_STR(q_text(s, "SELECT fqdn FROM connections WHERE line = 1"), "deitterick.com");
	CHECK_STR(q_text(s, "SELECT file FROM connections WHERE line = 1"), "/x/trace.log");
	CHECK_STR(q_text(s, "SELECT result_code FROM records WHERE line = 8"), "NULL");
	CHECK_STR(q_text(s, "SELECT text FROM records WHERE line = 8"), "NULL");
	CHECK_INT(q_int(s, "SELECT ms_diag_code FROM messages WHERE line = 8"), 1034);
	CHECK_INT(q_int(s, "SELECT status FROM messages WHERE line = 8"), 504);
	CHECK_INT(q_int(s, "SELECT count(*) FROM errors"), 8);
	{
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE raw_len = %zu",
			 sizeof raw_crlf - 1);
		CHECK_INT(q_int(s, sql), 8);
	}
	CHECK_INT(q_int(s, "SELECT raw_off FROM records WHERE line = 29"), sizeof raw_crlf - 1);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records WHERE chunk_id IS NULL"), 0);

	/* Every text reads back as the original bytes, CRLF kept: in the
	   middle of a chunk, at its start and at its end, in any order. */
	CHECK_INT(sip_store_text_reader_new(&tr, sip_store_db(s), &d), SIP_OK);
	if (!tr)
		goto out;
	{
		static const uint64_t order[] = { 15, 22, 50, 1, 36, 8, 29, 43 };
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
			CHECK_INT(text_of_line(s, tr, order[i], &out), SIP_OK);
			CHECK_INT(out.n, sizeof raw_crlf - 1);
			CHECK(out.p && memcmp(out.p, raw_crlf, out.n) == 0);
		}
	}
	/* Appends to what out holds; by chunk place as well. */
	CHECK_INT(sip_store_text_get_at(tr, c2, fid, 0, 5, &out, &d), SIP_OK);
	CHECK_INT(out.n, sizeof raw_crlf - 1 + 5);
	CHECK(memcmp(out.p + out.n - 5, "TL_ER", 5) == 0);
	/* No text, no record, a place outside the chunk, no chunk. */
	sip_buf_reset(&out);
	CHECK_INT(sip_store_text_get_at(tr, 0, fid, -1, 0, &out, &d), SIP_OK);
	CHECK_INT(out.n, 0);
	CHECK_INT(sip_store_text_get(tr, 999999, &out, &d), SIP_EDB);
	CHECK(strstr(d.msg, "no record") != NULL);
	CHECK_INT(sip_store_text_get_at(tr, c1, fid, 10, 3 * (int64_t)sizeof raw_crlf, &out, &d),
		  SIP_EFORMAT);
	CHECK_INT(sip_store_text_get_at(tr, c2 + 100, fid, 0, 1, &out, &d), SIP_EFORMAT);
	CHECK(strstr(d.msg, "missing") != NULL);
	/* The output cap: as much as fits, and SIP_ENOMEM. */
	{
		sip_buf small;
		sip_buf_init(&small, 64);
		CHECK_INT(text_of_line(s, tr, 22, &small), SIP_ENOMEM);
		CHECK_INT(small.n, 63);
		CHECK(small.p && memcmp(small.p, raw_crlf, 63) == 0);
		sip_buf_release(&small);
	}

	/* The rules engine's rows go with the records they point at; chunks
	   that only deleted records used go with them. */
	CHECK_INT(sip_store_exec(s, "INSERT INTO matches SELECT id, 'r1', 'k', NULL FROM records;"
			      "INSERT INTO unexplained SELECT id, 't' FROM records;", &d), SIP_OK);
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_delete_records(s, fid, 22, &d), SIP_OK);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 3);   /* lines 1, 8, 15 */
	CHECK_INT(q_int(s, "SELECT max(line) FROM records"), 15);
	CHECK_INT(q_int(s, "SELECT count(*) FROM matches"), 3);
	CHECK_INT(q_int(s, "SELECT count(*) FROM unexplained"), 3);
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks"), 1);
	CHECK_INT(q_int(s, "SELECT id FROM chunks"), c1);
	CHECK_INT(sip_store_file_count(s, fid, &n, &d), SIP_OK);
	CHECK_INT(n, 3);

	/* Final state of the file; empty strings become NULL. */
	CHECK_INT(sip_store_file_get(s, "/x/trace.log", &f, &d), SIP_OK);
	CHECK_INT(f.id, fid);
	CHECK_STR(f.status, "ingesting");
	f.size = 4321;
	f.mtime = 1700000000;
	snprintf(f.fingerprint, sizeof f.fingerprint, "0123456789abcdef");
	snprintf(f.status, sizeof f.status, "ingested");
	f.error[0] = 0;
	f.records = n;
	f.resume_line = 15;
	f.resume_offset = 15000;
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_file_finish(s, &f, "sipstack", NULL, "utf-8", &d), SIP_OK);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	CHECK_STR(q_text(s, "SELECT status FROM files"), "ingested");
	CHECK_STR(q_text(s, "SELECT error FROM files"), "NULL");
	CHECK_STR(q_text(s, "SELECT compression FROM files"), "NULL");
	CHECK_STR(q_text(s, "SELECT host FROM files"), "NULL");
	CHECK_INT(q_int(s, "SELECT length(ingested_at) FROM files"), 19);

	/* A chunk that a kept record still uses stays. */
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_delete_records(s, fid, 8, &d), SIP_OK);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 1);
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks"), 1);
	CHECK_INT(text_of_line(s, tr, 1, &out), SIP_OK);
	CHECK_INT(out.n, sizeof raw_crlf - 1);

	/* Starting the same file again with from_line 0 replaces every row. */
	{
		int64_t again = fid;
		CHECK_INT(sip_store_begin(s, &d), SIP_OK);
		CHECK_INT(sip_store_file_start(s, "/x/trace.log", &again, 0, &d), SIP_OK);
		CHECK_INT(sip_store_commit(s, &d), SIP_OK);
		CHECK_INT(again, fid);
		CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 0);
		CHECK_INT(q_int(s, "SELECT count(*) FROM chunks"), 0);
		CHECK_INT(q_int(s, "SELECT count(*) FROM files"), 1);
		CHECK_STR(q_text(s, "SELECT status FROM files"), "ingesting");
	}
out:
	sip_store_text_reader_free(tr);
	sip_buf_release(&out);
	sip_arena_release(&a);
	sip_store_free(s);
	rm_db(path);
}

static void chunk_round_trip(sip_zctx *z, const char *text, size_t n)
{
	sip_buf enc, dec;

	sip_buf_init(&enc, 0);
	sip_buf_init(&dec, 0);
	CHECK_INT(sip_store_chunk_compress(z, text, n, &enc), SIP_OK);
	CHECK(enc.n >= 1);
	CHECK_INT(sip_store_chunk_decompress(enc.p, enc.n, &dec), SIP_OK);
	CHECK_INT(dec.n, n);
	CHECK(n == 0 || (dec.p && memcmp(dec.p, text, n) == 0));
	sip_buf_release(&enc);
	sip_buf_release(&dec);
}

static void test_chunks(void)
{
	sip_zctx *z = sip_zctx_new();
	sip_buf enc, dec;
	char *big;
	size_t bign = 3u * 1024 * 1024;

	CHECK(z != NULL);
	if (!z)
		return;
	chunk_round_trip(z, "", 0);
	chunk_round_trip(z, "x\r\n", 3);
	chunk_round_trip(z, raw_crlf, sizeof raw_crlf - 1);
	big = malloc(bign);
	CHECK(big != NULL);
	if (big) {
		/* Large and poorly compressible (pseudo-random bytes, NULs included). */
		uint32_t x = 12345;
		for (size_t i = 0; i < bign; i++) {
			x = x * 1103515245u + 12345u;
			big[i] = (char)(x >> 24);
		}
		chunk_round_trip(z, big, bign);
		/* Large and compressible: the record repeated. */
		for (size_t i = 0; i + sizeof raw_crlf - 1 <= bign; i += sizeof raw_crlf - 1)
			memcpy(big + i, raw_crlf, sizeof raw_crlf - 1);
		chunk_round_trip(z, big, bign);
	}

	/* A chunk of records compresses well. */
	sip_buf_init(&enc, 0);
	sip_buf_init(&dec, 0);
	if (big) {
		CHECK_INT(sip_store_chunk_compress(z, big, SIP_CHUNK_TARGET, &enc), SIP_OK);
		CHECK(enc.n * 20 < SIP_CHUNK_TARGET);
		printf("     chunk of %d bytes -> %zu bytes\n", SIP_CHUNK_TARGET, enc.n);
	}

	/* Damaged and foreign blobs fail cleanly. */
	CHECK_INT(sip_store_chunk_decompress("\x07zzzzzzzzzzzz", 13, &dec), SIP_EFORMAT);
	CHECK_INT(sip_store_chunk_decompress("", 0, &dec), SIP_EFORMAT);
	CHECK_INT(sip_store_chunk_decompress(NULL, 0, &dec), SIP_EFORMAT);
	if (enc.n > 8) {
		enc.n -= 3;  /* cut the frame */
		CHECK_INT(sip_store_chunk_decompress(enc.p, enc.n, &dec), SIP_EFORMAT);
		enc.p[0] ^= 0x55;  /* not a zstd frame any more */
		CHECK_INT(sip_store_chunk_decompress(enc.p, enc.n, &dec), SIP_EFORMAT);
	}
	CHECK_INT(dec.n, 0);
	/* The output cap is honoured. */
	{
		sip_buf small, enc2;
		sip_buf_init(&small, 64);
		sip_buf_init(&enc2, 0);
		CHECK_INT(sip_store_chunk_compress(z, raw_crlf, sizeof raw_crlf - 1, &enc2), SIP_OK);
		CHECK_INT(sip_store_chunk_decompress(enc2.p, enc2.n, &small), SIP_ENOMEM);
		CHECK_INT(small.n, 0);
		sip_buf_release(&small);
		sip_buf_release(&enc2);
	}
	free(big);
	sip_buf_release(&enc);
	sip_buf_release(&dec);
	sip_zctx_free(z);
}

static void test_arena(void)
{
	sip_arena a;
	char *p[100];

	sip_arena_init(&a);
	for (int i = 0; i < 100; i++) {
		p[i] = sip_arena_alloc(&a, 10000 + (size_t)i);
		CHECK(p[i] != NULL);
		if (p[i])
			memset(p[i], i, 10000);
	}
	for (int i = 0; i < 100; i++)
		CHECK(p[i] && (unsigned char)p[i][9999] == i && (unsigned char)p[i][0] == i);
	CHECK(sip_arena_alloc(&a, 1u << 20) != NULL);  /* bigger than a chunk */
	sip_arena_reset(&a);
	CHECK_INT(a.used, 0);
	CHECK(sip_arena_alloc(&a, 8) != NULL);
	sip_arena_release(&a);
}

/* ---- through the ingest ---------------------------------------------------- */

/* Every record of a file as sip_scan_file sees it: line, text length and
   hash, in order. */
typedef struct rec_sig {
	uint64_t line;
	size_t n;
	char hash[17];
} rec_sig;

typedef struct sigs {
	rec_sig *v;
	size_t n, cap;
} sigs;

static int collect_sig(void *ctx, const sip_record *rec)
{
	sigs *g = ctx;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;
		rec_sig *v = realloc(g->v, cap * sizeof *v);
		if (!v)
			return SIP_ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n].line = rec->line;
	g->v[g->n].n = rec->raw.p ? rec->raw.n : 0;
	sip_store_hash_hex(rec->raw.p ? rec->raw.p : "", g->v[g->n].n, g->v[g->n].hash);
	g->n++;
	return 0;
}

/* Write n copies of a sample into path (a trace of many chunks). */
static void write_copies(const char *path, const char *sample, int n)
{
	FILE *in = fopen(t_src(sample), "rb"), *out = fopen(path, "wb");
	char *buf = malloc(1 << 20);
	size_t got = 0;

	CHECK(in && out && buf);
	if (in && out && buf) {
		got = fread(buf, 1, 1 << 20, in);
		for (int i = 0; i < n; i++)
			fwrite(buf, 1, got, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	free(buf);
}

/*
 * The records of the store (one file) against a fresh scan of path: the
 * same lines and, read back through the chunks, the same bytes.  Then the
 * chunk invariants: every chunk used, each chunk's records contiguous from
 * offset 0 to its end, and the last record alone in its chunk.
 */
static void check_against_scan(sip_store *s, const char *path, const char *what)
{
	sigs g = { NULL, 0, 0 };
	sip_store_text_reader *tr = NULL;
	sqlite3_stmt *st = NULL;
	sip_buf text, chunk;
	sip_diag d;
	size_t i = 0, bad_text = 0, bad_line = 0, bad_layout = 0;
	int64_t cur_chunk = -1;
	uint64_t next_off = 0;
	int rc;

	sip_buf_init(&text, 0);
	sip_buf_init(&chunk, 0);
	rc = sip_scan_file(path, NULL, collect_sig, &g, NULL, &d);
	CHECK(rc == SIP_OK || rc == SIP_ETRUNCATED); /* a file cut anywhere */
	CHECK_INT(sip_store_text_reader_new(&tr, sip_store_db(s), &d), SIP_OK);
	CHECK_INT(sqlite3_prepare_v2(sip_store_db(s), "SELECT r.id, r.line, r.chunk_id,"
				     " r.raw_off, r.raw_len, c.data FROM records r"
				     " JOIN chunks c ON c.id = r.chunk_id ORDER BY r.line",
				     -1, &st, NULL), SQLITE_OK);
	while (tr && st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t cid = sqlite3_column_int64(st, 2);
		uint64_t off = (uint64_t)sqlite3_column_int64(st, 3);
		uint64_t len = (uint64_t)sqlite3_column_int64(st, 4);
		char h[17];
		if (cid != cur_chunk) {
			/* the previous chunk ended exactly where its last record did */
			if (cur_chunk >= 0 && next_off != chunk.n)
				bad_layout++;
			CHECK_INT(sip_store_chunk_decompress(sqlite3_column_blob(st, 5),
							     (size_t)sqlite3_column_bytes(st, 5),
							     &chunk), SIP_OK);
			if (cid < cur_chunk || off != 0)
				bad_layout++;
			cur_chunk = cid;
			next_off = 0;
		}
		if (off != next_off)
			bad_layout++;
		next_off = off + len;
		sip_buf_reset(&text);
		CHECK_INT(sip_store_text_get(tr, sqlite3_column_int64(st, 0), &text, &d), SIP_OK);
		if (i < g.n) {
			sip_store_hash_hex(text.p ? text.p : "", text.n, h);
			if (g.v[i].line != (uint64_t)sqlite3_column_int64(st, 1))
				bad_line++;
			if (g.v[i].n != text.n || strcmp(g.v[i].hash, h))
				bad_text++;
		}
		i++;
	}
	if (cur_chunk >= 0 && next_off != chunk.n)
		bad_layout++;
	if (!t_check(i == g.n && !bad_text && !bad_line && !bad_layout, __FILE__, __LINE__, what))
		fprintf(stderr, "    %zu records vs %zu scanned; %zu bad lines, %zu bad texts,"
			" %zu layout faults\n", i, g.n, bad_line, bad_text, bad_layout);
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks WHERE id NOT IN"
			" (SELECT chunk_id FROM records WHERE chunk_id IS NOT NULL)"), 0);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records WHERE chunk_id ="
			" (SELECT chunk_id FROM records ORDER BY line DESC LIMIT 1)"), 1);
	sqlite3_finalize(st);
	sip_store_text_reader_free(tr);
	sip_buf_release(&text);
	sip_buf_release(&chunk);
	free(g.v);
}

static int ingest_zstd(sip_store *s, const char *file, const char *db, int jobs,
		       int zstd, sip_ingest_file *outcome)
{
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	int rc;

	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
	o.jobs = jobs;
	o.chunk_zstd = zstd;
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, file, db, &d), SIP_OK);
	rc = sip_ingest_run(s, &l, &o, &d);
	if (outcome && l.n) {
		/* the list owns the strings: keep a copy of the error */
		static char error[1100];
		*outcome = l.v[0];
		outcome->path = outcome->canon = NULL;
		snprintf(error, sizeof error, "%s", l.v[0].error ? l.v[0].error : "");
		outcome->error = error;
		outcome->diag = NULL;
	}
	sip_ingest_list_release(&l);
	return rc;
}

/* The hashes of every chunk's bytes, in id order, into out (a string). */
static void chunks_digest(sip_store *s, sip_buf *out)
{
	sqlite3_stmt *st = NULL;
	char h[17];

	sip_buf_reset(out);
	CHECK_INT(sqlite3_prepare_v2(sip_store_db(s), "SELECT data FROM chunks ORDER BY id",
				     -1, &st, NULL), SQLITE_OK);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		sip_store_hash_hex(sqlite3_column_blob(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0), h);
		CHECK_INT(sip_buf_add(out, h, 16), SIP_OK);
	}
	sqlite3_finalize(st);
	CHECK_INT(sip_buf_addc(out, 0), SIP_OK);
}

static int ingest_one(sip_store *s, const char *file, const char *db, int jobs,
		      sip_ingest_file *outcome)
{
	return ingest_zstd(s, file, db, jobs, SIP_ZSTD_ADAPT, outcome);
}

/* A file of many chunks and several batches: texts exact at every edge;
   the same chunks whichever thread compresses them. */
static void test_many_chunks(void)
{
	char db[512];
	char log[600];
	sip_store *s = NULL;
	sip_ingest_file f;
	sip_diag d;
	sip_buf want, got;

	snprintf(db, sizeof db, "%s", tmp_path("many.db"));
	snprintf(log, sizeof log, "%s", tmp_path("many.log"));
	write_copies(log, "samples/lync2010-fe-owa.log", 40);  /* 2.1 MB */
	rm_db(db);
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	CHECK_INT(ingest_one(s, log, db, 2, &f), SIP_OK);
	CHECK_INT(f.status, SIP_FILE_INGESTED);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 66 * 40);
	CHECK(q_int(s, "SELECT count(*) FROM chunks") >= 3);
	/* chunks are at most about SIP_CHUNK_TARGET of text */
	CHECK(q_int(s, "SELECT max(raw_off + raw_len) FROM records") >= SIP_CHUNK_TARGET);
	CHECK(q_int(s, "SELECT max(raw_off + raw_len) FROM records") < SIP_CHUNK_TARGET + 65536);
	check_against_scan(s, log, "many chunks: every text exact");
	printf("     %lld records in %lld chunks, %lld bytes compressed\n",
	       (long long)q_int(s, "SELECT count(*) FROM records"),
	       (long long)q_int(s, "SELECT count(*) FROM chunks"),
	       (long long)q_int(s, "SELECT sum(length(data)) FROM chunks"));
	sip_buf_init(&want, 0);
	sip_buf_init(&got, 0);
	chunks_digest(s, &want);
	CHECK(want.n > 16);
	for (int zstd = SIP_ZSTD_PARSER; zstd <= SIP_ZSTD_WRITER; zstd++) {
		sip_store_free(s);
		s = NULL;
		rm_db(db);
		CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
		if (!s)
			break;
		CHECK_INT(ingest_zstd(s, log, db, 2, zstd, &f), SIP_OK);
		CHECK_INT(f.status, SIP_FILE_INGESTED);
		chunks_digest(s, &got);
		CHECK_STR(got.p, want.p);
		check_against_scan(s, log, zstd == SIP_ZSTD_WRITER
				   ? "chunks compressed by the writer: every text exact"
				   : "chunks compressed by the parser: every text exact");
	}
	sip_buf_release(&want);
	sip_buf_release(&got);
	sip_store_free(s);
	rm_db(db);
	unlink(log);
}

/* Copy the first n bytes of src to dst; append the rest with append_rest. */
static void copy_part(const char *src, const char *dst, long from, long to)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, from ? "ab" : "wb");
	long pos = 0;
	int c;

	CHECK(in && out);
	while (in && out && (c = getc(in)) != EOF && pos < to) {
		if (pos >= from)
			putc(c, out);
		pos++;
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* A file appended to, cut in the middle of a chunk of the first run. */
static void test_append_chunks(void)
{
	char db[512];
	char full[600], grow[600];
	sip_store *s = NULL;
	sip_ingest_file f;
	sip_diag d;
	long size, cut;
	FILE *fp;
	int64_t chunks_before, records_before;

	snprintf(db, sizeof db, "%s", tmp_path("append.db"));
	snprintf(full, sizeof full, "%s", tmp_path("append-full.log"));
	snprintf(grow, sizeof grow, "%s", tmp_path("append-grow.log"));
	/* 5 MB: several chunks of 1 MiB before the cut */
	write_copies(full, "samples/lync2010-fe-owa.log", 96);
	fp = fopen(full, "rb");
	CHECK(fp != NULL);
	if (!fp)
		return;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	/* cut at a line end about 60% in: inside a record, inside a chunk */
	fseek(fp, size * 6 / 10, SEEK_SET);
	for (cut = size * 6 / 10; cut < size; cut++)
		if (getc(fp) == '\n')
			break;
	cut++;
	fclose(fp);
	copy_part(full, grow, 0, cut);
	rm_db(db);
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	CHECK_INT(ingest_one(s, grow, db, 1, &f), SIP_OK);
	check_against_scan(s, grow, "append: first part exact");
	chunks_before = q_int(s, "SELECT count(*) FROM chunks");
	records_before = q_int(s, "SELECT count(*) FROM records");
	CHECK(chunks_before >= 4);
	copy_part(full, grow, cut, size);
	CHECK_INT(ingest_one(s, grow, db, 1, &f), SIP_OK);
	CHECK_INT(f.status, SIP_FILE_INGESTED);
	CHECK(f.appended);
	/* only the tail was written: the new records and the one re-read */
	CHECK_INT(f.new_records, 66 * 96 - records_before + 1);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 66 * 96);
	check_against_scan(s, grow, "append: whole file exact");
	/* the first run's chunks but its last (the re-read record's) are kept */
	{
		char sql[200];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM chunks WHERE id < %lld",
			 (long long)chunks_before);
		CHECK_INT(q_int(s, sql), chunks_before - 1);
	}
	sip_store_free(s);
	rm_db(db);
	unlink(full);
	unlink(grow);
}

/* The rules-engine hooks: eval on the workers (one context per thread),
   write on the writer for non-empty payloads only, finish once. */
typedef struct hook_seen {
	sip_store *s;
	int writes, bad_id, bad_line, bad_payload, finish_calls;
	int evals, threads_new, threads_freed;   /* atomic */
	int abort_at;                            /* eval fails at this call */
	int write_fail_at;                       /* write fails at this call */
	size_t finish_files;
	/* where the hooks ran: the caller's thread, how many threads then */
	pthread_t caller;
	int off_caller;                          /* atomic */
	int max_threads;                         /* sampled by eval */
	int64_t max_lag;                         /* evals - rows written */
	int write_delay_us;                      /* a slow writer */
	int payload_every;                       /* payload on lines 1 mod this */
} hook_seen;

/* Threads of this process (Linux: the entries of /proc/self/task). */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void note_thread(hook_seen *h)
{
	if (!pthread_equal(pthread_self(), h->caller))
		__atomic_add_fetch(&h->off_caller, 1, __ATOMIC_RELAXED);
}

typedef struct eval_thread {
	hook_seen *h;
	int calls;
} eval_thread;

static void *on_thread_new(void *ctx)
{
	hook_seen *h = ctx;
	eval_thread *t = calloc(1, sizeof *t);

	if (t)
		t->h = h;
	__atomic_add_fetch(&h->threads_new, 1, __ATOMIC_RELAXED);
	note_thread(h);
	return t;
}

static void on_thread_free(void *p)
{
	eval_thread *t = p;

	__atomic_add_fetch(&t->h->threads_freed, 1, __ATOMIC_RELAXED);
	free(t);
}

/* Payload for records on odd lines: "line kind". */
static int on_eval(void *p, const sip_record *rec, sip_buf *out)
{
	eval_thread *t = p;
	int n = __atomic_add_fetch(&t->h->evals, 1, __ATOMIC_RELAXED);

	t->calls++;
	note_thread(t->h);
	if (n % 512 == 1 && pthread_equal(pthread_self(), t->h->caller)) {
		int k = count_threads();
		if (k > t->h->max_threads)
			t->h->max_threads = k;
	}
	if (t->h->abort_at && n == t->h->abort_at)
		return SIP_ERULE;
	if (out->n != 0)
		return SIP_EINTERNAL;  /* the caller resets it */
	if (t->h->payload_every ? rec->line % (uint64_t)t->h->payload_every == 1
				: rec->line % 2 == 1)
		return sip_buf_printf(out, "%llu %d", (unsigned long long)rec->line, rec->kind);
	return 0;
}

static int on_write(void *ctx, int64_t record_id, const void *payload, size_t n,
		    sip_diag *diag)
{
	(void)diag;
	hook_seen *h = ctx;
	sqlite3_stmt *st = NULL;
	static const char *const kinds[] = { "trace", "connection", "diagnostic", "protocol" };
	char buf[64];
	unsigned long long line = 0;
	int kind = -1;

	h->writes++;
	if (h->write_delay_us)
		usleep((useconds_t)h->write_delay_us);
	/* a fresh store: record_id is the count of rows written so far */
	if (__atomic_load_n(&h->evals, __ATOMIC_RELAXED) - record_id > h->max_lag)
		h->max_lag = __atomic_load_n(&h->evals, __ATOMIC_RELAXED) - record_id;
	if (h->write_fail_at && h->writes == h->write_fail_at)
		return SIP_EDB;
	if (n == 0 || n >= sizeof buf) {
		h->bad_payload++;
		return 0;
	}
	memcpy(buf, payload, n);
	buf[n] = 0;
	if (sscanf(buf, "%llu %d", &line, &kind) != 2 || kind < 0 || kind > 3)
		h->bad_payload++;
	/* inside the ingest transaction: the row is visible to this connection */
	if (sqlite3_prepare_v2(sip_store_db(h->s), "SELECT line, kind FROM records WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return SIP_EDB;
	sqlite3_bind_int64(st, 1, record_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		h->bad_id++;
	} else if ((uint64_t)sqlite3_column_int64(st, 0) != line || kind < 0 || kind > 3 ||
		   strcmp((const char *)sqlite3_column_text(st, 1), kinds[kind])) {
		h->bad_line++;
	}
	sqlite3_finalize(st);
	return 0;
}

static int on_finish(void *ctx, sip_store *s, const int64_t *ids, size_t n,
		     sip_diag *diag)
{
	(void)diag;
	hook_seen *h = ctx;
	(void)s;
	(void)ids;
	h->finish_calls++;
	h->finish_files = n;
	return 0;
}

static void set_hooks(sip_ingest_opts *o, hook_seen *h)
{
	h->caller = pthread_self();
	o->eval_thread_new = on_thread_new;
	o->eval_thread_free = on_thread_free;
	o->eval = on_eval;
	o->eval_ctx = h;
	o->write = on_write;
	o->write_ctx = h;
	o->finish_hook = on_finish;
	o->finish_ctx = h;
}

static void hooks_with(int jobs)
{
	const char *path = tmp_path("hooks.db");
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;

	rm_db(path);
	memset(&h, 0, sizeof h);
	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
	sip_ingest_list_init(&l);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		return;
	h.s = s;
	o.jobs = jobs;
	set_hooks(&o, &h);
	CHECK_INT(sip_ingest_list_add(&l, t_src("samples/ocs2007r2-edge.log"), path, &d), SIP_OK);
	CHECK_INT(sip_ingest_list_add(&l, t_src("samples/sfb-edge-federation.log.gz"), path, &d), SIP_OK);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_OK);
	CHECK(h.evals > 0);
	CHECK_INT(h.evals, q_int(s, "SELECT count(*) FROM records"));
	CHECK(h.writes > 0);
	CHECK_INT(h.writes, q_int(s, "SELECT count(*) FROM records WHERE line % 2 = 1"));
	CHECK_INT(h.bad_id, 0);
	CHECK_INT(h.bad_line, 0);
	CHECK_INT(h.bad_payload, 0);
	CHECK_INT(h.threads_new, 1);  /* two files, jobs 2: one parser */
	CHECK_INT(h.threads_freed, h.threads_new);
	/* jobs 1: the eval contexts and calls on the caller's thread */
	CHECK_INT(h.off_caller == 0, jobs == 1);
	CHECK_INT(h.finish_calls, 1);
	CHECK_INT(h.finish_files, 2);
	CHECK_INT(l.v[0].status, SIP_FILE_INGESTED);
	CHECK_INT(l.v[1].status, SIP_FILE_INGESTED);
	sip_ingest_list_release(&l);

	/* Again: nothing written, the hooks are not called, finish still is. */
	h.evals = h.writes = 0;
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, t_src("samples/ocs2007r2-edge.log"), path, &d), SIP_OK);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_OK);
	CHECK_INT(h.evals, 0);
	CHECK_INT(h.writes, 0);
	CHECK_INT(h.finish_calls, 2);
	CHECK_INT(h.finish_files, 0);
	CHECK_INT(l.v[0].status, SIP_FILE_UNCHANGED);
	sip_ingest_list_release(&l);
	sip_store_free(s);
	rm_db(path);
}

static void test_hooks(void)
{
	hooks_with(2);
}

static void test_hooks_one_thread(void)
{
	hooks_with(1);
}

/* An eval failure stops the run; the file is read again by the next. */
static void eval_abort_with(int jobs)
{
	char db[512];
	char log[600];
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;
	sip_ingest_file f;

	snprintf(db, sizeof db, "%s", tmp_path("abort.db"));
	snprintf(log, sizeof log, "%s", tmp_path("abort.log"));
	write_copies(log, "samples/lync2010-fe-owa.log", 20);
	rm_db(db);
	memset(&h, 0, sizeof h);
	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	h.s = s;
	h.abort_at = 1000;
	o.jobs = jobs;
	set_hooks(&o, &h);
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, log, db, &d), SIP_OK);
	sip_diag_clear(&d);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_ERULE);
	CHECK_INT(d.code, SIP_ERULE);
	CHECK(strstr(d.msg, "rules") != NULL);
	CHECK_INT(h.finish_calls, 0);
	CHECK_INT(h.threads_freed, h.threads_new);
	/* stopped before its first batch was written: nothing committed */
	CHECK_STR(q_text(s, "SELECT status FROM files"), "(no row)");
	sip_ingest_list_release(&l);
	/* the next run (no rules) reads the file */
	CHECK_INT(ingest_one(s, log, db, 1, &f), SIP_OK);
	CHECK_INT(f.status, SIP_FILE_INGESTED);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 66 * 20);
	check_against_scan(s, log, "after an aborted run: every text exact");
	sip_store_free(s);
	rm_db(db);
	unlink(log);
}

static void test_eval_abort(void)
{
	eval_abort_with(2);
}

static void test_eval_abort_one_thread(void)
{
	eval_abort_with(1);
}

/*
 * A failing write hook (as a database error would) stops the run cleanly:
 * its code and message, nothing written after it, every eval context
 * freed, the file left 'ingesting' with the batches committed before it,
 * and the next run replaces it.
 */
static void write_abort_with(int jobs)
{
	char db[512];
	char log[600];
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;
	sip_ingest_file f;

	snprintf(db, sizeof db, "%s", tmp_path("wabort.db"));
	snprintf(log, sizeof log, "%s", tmp_path("wabort.log"));
	write_copies(log, "samples/lync2010-fe-owa.log", 100);  /* 5 MB */
	rm_db(db);
	memset(&h, 0, sizeof h);
	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	h.s = s;
	h.write_fail_at = 66 * 100 / 2 / 2;  /* half way: several batches in */
	o.jobs = jobs;
	o.commit_rows = 300;   /* the file spans transactions: some committed */
	set_hooks(&o, &h);
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, log, db, &d), SIP_OK);
	CHECK_INT(sip_ingest_list_add(&l, t_src("samples/ocs2007r2-edge.log"), db, &d), SIP_OK);
	sip_diag_clear(&d);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_EDB);
	CHECK_INT(d.code, SIP_EDB);
	CHECK(strstr(d.msg, "rules") != NULL);
	CHECK_INT(h.writes, h.write_fail_at);
	CHECK_INT(h.finish_calls, 0);
	CHECK_INT(h.threads_freed, h.threads_new);
	CHECK_STR(q_text(s, "SELECT group_concat(status) FROM files"), "ingesting");
	sip_ingest_list_release(&l);
	CHECK_INT(ingest_one(s, log, db, jobs, &f), SIP_OK);
	CHECK_INT(f.status, SIP_FILE_INGESTED);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 66 * 100);
	check_against_scan(s, log, "after a failed write: every text exact");
	sip_store_free(s);
	rm_db(db);
	unlink(log);
}

/*
 * --text evidence keeps a few KiB of text per batch: the writer gathers
 * those chunks into one (a group) across batches, and stores it before
 * each commit.  Every record's text (in a group, or read from the file)
 * is the scanned one; a group holds the rows of several batches; the
 * file's last record keeps a chunk of its own; and a run stopped half
 * way leaves no committed row whose chunk is missing.
 */
static void check_texts(sip_store *s, const char *path, const char *what)
{
	sigs g = { NULL, 0, 0 };
	sip_store_text_reader *tr = NULL;
	sqlite3_stmt *st = NULL;
	sip_buf text;
	sip_diag d;
	size_t i = 0, bad = 0;
	char h[17];

	sip_buf_init(&text, 0);
	CHECK_INT(sip_scan_file(path, NULL, collect_sig, &g, NULL, &d), SIP_OK);
	CHECK_INT(sip_store_text_reader_new(&tr, sip_store_db(s), &d), SIP_OK);
	CHECK_INT(sqlite3_prepare_v2(sip_store_db(s), "SELECT id, line FROM records"
				     " ORDER BY line", -1, &st, NULL), SQLITE_OK);
	while (tr && st && sqlite3_step(st) == SQLITE_ROW) {
		sip_buf_reset(&text);
		if (sip_store_text_get(tr, sqlite3_column_int64(st, 0), &text, &d) != SIP_OK ||
		    i >= g.n || g.v[i].line != (uint64_t)sqlite3_column_int64(st, 1)) {
			bad++;
		} else {
			sip_store_hash_hex(text.p ? text.p : "", text.n, h);
			bad += g.v[i].n != text.n || strcmp(g.v[i].hash, h);
		}
		i++;
	}
	if (!t_check(i == g.n && !bad, __FILE__, __LINE__, what))
		fprintf(stderr, "    %zu records vs %zu scanned; %zu bad texts\n", i, g.n, bad);
	sqlite3_finalize(st);
	sip_store_text_reader_free(tr);
	sip_buf_release(&text);
	free(g.v);
}

static void evidence_groups_with(int jobs)
{
	char db[512];
	char log[600];
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;

	snprintf(db, sizeof db, "%s", tmp_path("groups.db"));
	snprintf(log, sizeof log, "%s", tmp_path("groups.log"));
	write_copies(log, "samples/lync2010-fe-owa.log", 100);  /* 5 MB, 4 batches */
	rm_db(db);
	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;
	o.text_evidence = 1;
	o.jobs = jobs;
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, log, db, &d), SIP_OK);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_OK);
	sip_ingest_list_release(&l);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 66 * 100);
	/* some text by reference, some in chunks */
	CHECK(q_int(s, "SELECT count(*) FROM records WHERE chunk_id IS NULL") > 0);
	CHECK(q_int(s, "SELECT count(*) FROM records WHERE chunk_id IS NOT NULL") > 100);
	/* one chunk holds rows of several batches (2,048 rows each) */
	CHECK(q_int(s, "SELECT max(hi - lo) FROM (SELECT max(id) AS hi, min(id) AS lo"
		    " FROM record_rows WHERE chunk_id IS NOT NULL GROUP BY chunk_id)") > 4096);
	/* the last record, when its text is kept, alone in its chunk */
	CHECK_INT(q_int(s, "SELECT CASE WHEN l.chunk_id IS NULL THEN 1 ELSE (SELECT"
			" count(*) FROM records WHERE chunk_id = l.chunk_id) END FROM"
			" (SELECT chunk_id FROM records ORDER BY line DESC LIMIT 1) l"), 1);
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks WHERE id NOT IN"
			" (SELECT chunk_id FROM records WHERE chunk_id IS NOT NULL)"), 0);
	check_texts(s, log, "evidence groups: every text exact");

	/* stopped half way, in small transactions: what was committed has
	   its chunks */
	sip_store_free(s);
	rm_db(db);
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	memset(&h, 0, sizeof h);
	h.s = s;
	h.payload_every = 64;     /* few records with a payload: little text */
	h.write_fail_at = 60;     /* of about 100: several batches in */
	o.commit_rows = 300;
	set_hooks(&o, &h);
	sip_ingest_list_init(&l);
	CHECK_INT(sip_ingest_list_add(&l, log, db, &d), SIP_OK);
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_EDB);
	sip_ingest_list_release(&l);
	CHECK(q_int(s, "SELECT count(*) FROM record_rows") >= 2048);   /* a batch or more */
	CHECK(q_int(s, "SELECT count(*) FROM record_rows WHERE chunk_id IS NOT NULL") > 0);
	CHECK_INT(q_int(s, "SELECT count(*) FROM record_rows WHERE chunk_id IS NOT NULL"
			" AND chunk_id NOT IN (SELECT id FROM chunks)"), 0);
	sip_store_free(s);
	rm_db(db);
	unlink(log);
}

static void test_evidence_groups(void)
{
	evidence_groups_with(2);
}

static void test_evidence_groups_one_thread(void)
{
	evidence_groups_with(1);
}

static void test_write_abort(void)
{
	write_abort_with(2);
}

static void test_write_abort_one_thread(void)
{
	write_abort_with(1);
}

/* n copies of sample as one gzip file (one member). */
static void write_copies_gz(const char *path, const char *sample, int n)
{
	FILE *in = fopen(t_src(sample), "rb");
	gzFile out = gzopen(path, "wb6");
	char *buf = malloc(1 << 20);
	size_t got = 0;

	CHECK(in && out && buf);
	if (in && out && buf) {
		got = fread(buf, 1, 1 << 20, in);
		for (int i = 0; i < n; i++)
			CHECK_INT(gzwrite(out, buf, (unsigned)got), got);
	}
	if (in)
		fclose(in);
	if (out)
		gzclose(out);
	free(buf);
}

/*
 * jobs 1: no thread but the caller's, not even the reader's inflate
 * thread on a gzip big enough to get one otherwise; batches written as
 * they are made (the parse never runs more than a batch ahead of the
 * writes), and the same rows as with a parser thread.
 */
static void test_one_thread(void)
{
	char db[512];
	char gz[600];
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;
	int64_t records = 66 * 200;
	int base = count_threads();  /* 1, or more under some sanitizers */

	snprintf(db, sizeof db, "%s", tmp_path("one.db"));
	snprintf(gz, sizeof gz, "%s", tmp_path("one.log.gz"));
	write_copies_gz(gz, "samples/lync2010-fe-owa.log", 200);  /* 10 MB */
	for (int jobs = 1; jobs <= 2; jobs++) {
		rm_db(db);
		memset(&h, 0, sizeof h);
		memset(&o, 0, sizeof o);
		o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
		CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
		if (!s)
			return;
		h.s = s;
		o.jobs = jobs;
		set_hooks(&o, &h);
		sip_ingest_list_init(&l);
		CHECK_INT(sip_ingest_list_add(&l, gz, db, &d), SIP_OK);
		CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_OK);
		CHECK_INT(l.v[0].status, SIP_FILE_INGESTED);
		CHECK_INT(q_int(s, "SELECT count(*) FROM records"), records);
		check_against_scan(s, gz, jobs == 1 ? "one thread: gzip exact"
				   : "parser thread: gzip exact");
		if (jobs == 1) {
			CHECK_INT(h.off_caller, 0);
			if (h.max_threads)
				CHECK_INT(h.max_threads, base);
			/* interleaved: at most a batch parsed ahead */
			CHECK(h.max_lag > 0 && h.max_lag <= 8192 && h.max_lag < records / 4);
		} else {
			/* the parser thread and the reader's inflate thread */
			CHECK(h.off_caller > 0);
		}
		sip_ingest_list_release(&l);
		sip_store_free(s);
		s = NULL;
	}
	rm_db(db);
	unlink(gz);
}

/* A file recognised as a trace that holds no record is skipped. */
static void test_no_records(void)
{
	char db[512];
	char log[600];
	sip_store *s = NULL;
	sip_ingest_file f;
	sip_diag d;
	FILE *fp;

	snprintf(db, sizeof db, "%s", tmp_path("none.db"));
	snprintf(log, sizeof log, "%s", tmp_path("README"));
	fp = fopen(log, "wb");
	CHECK(fp != NULL);
	if (!fp)
		return;
	fputs("Notes about the outage.\nThe trace shows lines such as\n  TL_ERROR(TF_CONNECTION)"
	      " [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::"
	      "TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\nwhich mean trouble.\n", fp);
	fclose(fp);
	rm_db(db);
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	CHECK_INT(ingest_one(s, log, db, 1, &f), SIP_OK);
	CHECK_INT(f.status, SIP_FILE_SKIPPED);
	CHECK_STR(f.error, "no records (it looks like Lync / Skype for Business server SIPStack traces (OCSLogger, CLS), but no line of it could be read as a record)");
	CHECK_STR(q_text(s, "SELECT status || ': ' || error FROM files"), "skipped: no records (it looks like Lync / Skype for Business server SIPStack traces (OCSLogger, CLS), but no line of it could be read as a record)");
	CHECK_INT(q_int(s, "SELECT count(*) FROM chunks"), 0);
	sip_store_free(s);
	rm_db(db);
	unlink(log);
}

/*
 * The tag columns (schema 8): more combinations than the writer's memory
 * of tagsets holds (the rest are looked up in the database), then more
 * distinct values than its memory of values holds (rows with one of those
 * go through the database), groups of rows and single rows, values read
 * back through the records view, each combination stored once, a rollback
 * forgetting tagsets that were never committed, and SQL written around
 * the writer.
 */
static void test_interning(void)
{
	const char *path = tmp_path("intern.db");
	enum { N = 12000, W = 110, M = 5000 };
	static const char *const kinds[] = { "trace", "connection", "diagnostic", "protocol" };
	sip_store *s = NULL;
	sip_arena a;
	sip_diag d;
	sip_row *rows = calloc(N, sizeof *rows);
	char sql[400], want[400];
	int64_t fid = 0, first = 0, id = 0;

	CHECK(rows != NULL);
	if (!rows)
		return;
	sip_arena_init(&a);
	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		goto out;
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_file_start(s, "/x/intern.log", &fid, 0, &d), SIP_OK);
	/* N combinations of W functions and W hosts (few values, more
	   combinations than the memory holds, 8,192) */
	for (int i = 0; i < N; i++) {
		char *fn = sip_arena_alloc(&a, 32), *h = sip_arena_alloc(&a, 32);
		int n = snprintf(fn, 32, "Fn%d::Call", i % W), m = snprintf(h, 32, "h%d", i / W);
		rows[i].line = (uint64_t)i + 1;
		rows[i].kind = i % 4;
		rows[i].status = rows[i].ms_diag_code = -1;
		rows[i].col[SIP_COL_FUNCTION] = (sip_str){ fn, (size_t)n };
		rows[i].col[SIP_COL_HOST] = (sip_str){ h, (size_t)m };
		rows[i].col[SIP_COL_LEVEL] = (sip_str){ i % 3 ? "TL_INFO" : "TL_ERROR",
							i % 3 ? 7 : 8 };
		rows[i].col[SIP_COL_TEXT] = (sip_str){ "same text", 9 };
	}
	/* N - 1 rows as groups of 16 and single rows, then one more alone */
	CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, N - 1, &first, &d), SIP_OK);
	CHECK_INT(first, 1);
	CHECK_INT(sip_store_insert(s, fid, 0, &rows[N - 1], &id, &d), SIP_OK);
	CHECK_INT(id, N);
	/* the same combinations again: no new tagset */
	CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, N, &first, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets"), N);
	/* then M values more than the memory of values holds (4,096) */
	for (int i = 0; i < M; i++) {
		char *c = sip_arena_alloc(&a, 32);
		int n = snprintf(c, 32, "Comp%d", i);
		rows[i].col[SIP_COL_COMPONENT] = (sip_str){ c, (size_t)n };
	}
	CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, M, &first, &d), SIP_OK);
	CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, M, &first, &d), SIP_OK);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 2 * N + 2 * M);
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets"), N + M);
	CHECK_INT(q_int(s, "SELECT count(*) FROM (SELECT DISTINCT level, flag, host, component,"
			" function, result_symbol, transport, method, direction, reason, ms_diag_reason,"
			" ms_diag_code FROM tagsets)"), N + M);
	CHECK_INT(q_int(s, "SELECT count(DISTINCT component) FROM records"), M);
	for (int i = 0; i < N; i += 611) {
		snprintf(sql, sizeof sql, "SELECT group_concat(v, '|') FROM (SELECT function"
			 " || ' ' || host || ' ' || level || ' ' || kind || ' ' ||"
			 " coalesce(component, '-') AS v FROM records WHERE line = %d ORDER BY id)",
			 i + 1);
		if (i < M)
			snprintf(want, sizeof want, "Fn%d::Call h%d %s %s -|Fn%d::Call h%d %s %s -"
				 "|Fn%d::Call h%d %s %s Comp%d|Fn%d::Call h%d %s %s Comp%d",
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4],
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4],
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4], i,
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4], i);
		else
			snprintf(want, sizeof want, "Fn%d::Call h%d %s %s -|Fn%d::Call h%d %s %s -",
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4],
				 i % W, i / W, i % 3 ? "TL_INFO" : "TL_ERROR", kinds[i % 4]);
		CHECK_STR(q_text(s, sql), want);
	}
	CHECK_INT(q_int(s, "SELECT count(*) FROM records WHERE text = 'same text'"), 2 * N + 2 * M);
	CHECK_INT(q_int(s, "SELECT count(*) FROM errors"), 2 * ((N + 2) / 3) + 2 * ((M + 2) / 3));

	/* rolled back: its new tagset is forgotten with it (and stored
	   again afterwards, to a new id).  A store opened anew, whose
	   memories are not full. */
	sip_store_free(s);
	s = NULL;
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		goto out;
	rows[0].col[SIP_COL_FUNCTION] = (sip_str){ "Gone::Never", 11 };
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_insert(s, fid, 0, &rows[0], &id, &d), SIP_OK);
	CHECK_INT(id, 2 * N + 2 * M + 1);
	sip_store_rollback(s);
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets WHERE function = 'Gone::Never'"), 0);
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	/* rows written around the writer (the view's trigger) move max(id);
	   a new combination gets the tagset id Gone::Never had, one the
	   writer stored none */
	CHECK_INT(sip_store_exec(s, "INSERT INTO records(file_id, line, kind, level,"
				 " function, host) VALUES(1, 99999, 'trace', 'TL_WARN',"
				 " 'ByHand::Fn', '')", &d), SIP_OK);
	CHECK_INT(sip_store_exec(s, "INSERT INTO records(file_id, line, kind, level,"
				 " function, host, component) VALUES(1, 99998, 'protocol',"
				 " 'TL_INFO', 'Fn1::Call', 'h0', '')", &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets"), N + M + 1);
	CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, 20, &first, &d), SIP_OK);
	CHECK_INT(first, 2 * N + 2 * M + 3);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	CHECK_STR(q_text(s, "SELECT function || ' ' || level || ' ' || coalesce(host, '-')"
			 " || ' ' || kind FROM records WHERE line = 99999"),
		  "ByHand::Fn TL_WARN - trace");
	CHECK_STR(q_text(s, "SELECT function || ' ' || host || ' ' || kind FROM records"
			 " WHERE line = 99998"), "Fn1::Call h0 protocol");
	snprintf(sql, sizeof sql, "SELECT function FROM records WHERE id = %d", 2 * N + 2 * M + 3);
	CHECK_STR(q_text(s, sql), "Gone::Never");
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets WHERE function = 'Gone::Never'"), 1);
	CHECK_INT(q_int(s, "SELECT count(*) FROM tagsets"), N + M + 2);
	CHECK_STR(q_text(s, "PRAGMA integrity_check"), "ok");
out:
	sip_store_free(s);
	sip_arena_release(&a);
	free(rows);
	rm_db(path);
}

/*
 * Many small files and a slow writer: the parser thread must not queue up
 * file after file (memory would grow with the number of files); it stays
 * within a few batches of the writer.  The files are each one batch.
 */
static void test_many_files_bounded(void)
{
	enum { NFILES = 60, COPIES = 2 };
	char db[512], log[NFILES][600];
	sip_store *s = NULL;
	sip_ingest_list l;
	sip_ingest_opts o;
	sip_diag d;
	hook_seen h;
	int64_t per_file = 66 * COPIES;

	snprintf(db, sizeof db, "%s", tmp_path("many.db"));
	rm_db(db);
	memset(&h, 0, sizeof h);
	memset(&o, 0, sizeof o);
	o.keep_duplicates = 1;   /* copies of one sample: the mechanics, not dedupe */
	CHECK_INT(sip_store_open(&s, db, 0, &d), SIP_OK);
	if (!s)
		return;
	h.s = s;
	h.write_delay_us = 200;
	o.jobs = 2;
	set_hooks(&o, &h);
	sip_ingest_list_init(&l);
	for (int i = 0; i < NFILES; i++) {
		char name[64];
		snprintf(name, sizeof name, "many-%02d.log", i);
		snprintf(log[i], sizeof log[i], "%s", tmp_path(name));
		write_copies(log[i], "samples/lync2010-fe-owa.log", COPIES);
		CHECK_INT(sip_ingest_list_add(&l, log[i], db, &d), SIP_OK);
	}
	CHECK_INT(sip_ingest_run(s, &l, &o, &d), SIP_OK);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), per_file * NFILES);
	CHECK_INT(q_int(s, "SELECT count(*) FROM files WHERE status = 'ingested'"), NFILES);
	/* the file being written, QUEUE_MAX (8) batches of the files after it
	   and the one being parsed: never the 60 files */
	CHECK(h.max_lag > 0 && h.max_lag <= 12 * per_file);
	if (h.max_lag > 12 * per_file)
		fprintf(stderr, "  parsed ahead of the writer: %lld records\n",
			(long long)h.max_lag);
	sip_ingest_list_release(&l);
	sip_store_free(s);
	rm_db(db);
	for (int i = 0; i < NFILES; i++)
		unlink(log[i]);
}

/*
 * The writer skips binding a NULL or an integer that a parameter already
 * holds; a failed insert clears every binding, and what the writer knows
 * of them must be cleared too.  An insert is made to fail in a group of
 * 16 rows and in a single-row statement, then the same rows are inserted
 * again: every value must arrive.
 */
static void test_rebind_after_failure(void)
{
	const char *path = tmp_path("rebind.db");
	enum { N = 20 };
	static const int fail_line[] = { 5, 18 };
	sip_store *s = NULL;
	sip_row rows[N];
	sip_diag d;
	int64_t fid = 0, first = 0;

	memset(rows, 0, sizeof rows);
	for (int i = 0; i < N; i++) {
		rows[i].line = (uint64_t)i + 1;
		rows[i].kind = 3;
		rows[i].status = 504;
		rows[i].ms_diag_code = 1034;
		rows[i].col[SIP_COL_LEVEL] = (sip_str){ "TL_INFO", 7 };
		rows[i].col[SIP_COL_METHOD] = (sip_str){ "INVITE", 6 };
	}
	rm_db(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		goto out;
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	CHECK_INT(sip_store_file_start(s, "/x/rebind.log", &fid, 0, &d), SIP_OK);
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	for (size_t k = 0; k < sizeof fail_line / sizeof fail_line[0]; k++) {
		char sql[200];
		snprintf(sql, sizeof sql, "CREATE TEMP TRIGGER boom BEFORE INSERT ON"
			 " record_rows WHEN NEW.line = %d BEGIN"
			 " SELECT RAISE(FAIL, 'boom'); END", fail_line[k]);
		CHECK_INT(sip_store_begin(s, &d), SIP_OK);
		CHECK_INT(sip_store_exec(s, sql, &d), SIP_OK);
		CHECK(sip_store_insert_rows(s, fid, 0, rows, N, &first, &d) != SIP_OK);
		sip_store_rollback(s);   /* the trigger goes with it */
		CHECK_INT(q_int(s, "SELECT count(*) FROM sqlite_temp_master"), 0);
		CHECK_INT(sip_store_begin(s, &d), SIP_OK);
		CHECK_INT(sip_store_insert_rows(s, fid, 0, rows, N, &first, &d), SIP_OK);
		CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	}
	CHECK_INT(q_int(s, "SELECT count(*) FROM records"), 2 * N);
	CHECK_INT(q_int(s, "SELECT count(*) FROM messages WHERE status = 504"
			   " AND ms_diag_code = 1034 AND method = 'INVITE'"
			   " AND level = 'TL_INFO'"), 2 * N);
	CHECK_INT(q_int(s, "SELECT count(*) FROM records WHERE file_id = 1"), 2 * N);
out:
	sip_store_free(s);
	rm_db(path);
}

/*
 * "Is this record an error" exists once: sip_is_error in C (the writer's
 * tally), SIP_IS_ERROR_ROW_SQL in SQL (the errors view, file_stats).  Every
 * combination of level, kind, status and ms-diagnostics must be an error
 * in both or in neither, and the two level lists must be the same.
 */
static void test_one_error_definition(void)
{
	static const char *const levels[] = {
		"TL_ERROR", "TL_FATAL", "TL_WARN", "TL_INFO", "ERROR", "FATAL",
		"WARN", "INFO", "error", "TL_ERRORX", NULL
	};
	static const char *const kinds[] = { "trace", "connection", "diagnostic", "protocol" };
	static const int statuses[] = { -1, 200, 401, 404, 503 };
	const char *path = tmp_path("errdef.db");
	sip_store *s = NULL;
	sip_buf want, sql;
	sip_diag d;
	char *got = NULL;
	int64_t id = 0;

	sip_buf_init(&want, 0);
	sip_buf_init(&sql, 0);
	for (int i = 0; sip_error_levels[i]; i++)
		sip_buf_printf(&want, "%s'%s'", i ? ", " : "", sip_error_levels[i]);
	CHECK_STR(want.p, SIP_ERROR_LEVELS_SQL);
	sip_buf_reset(&want);

	unlink(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	sip_buf_adds(&sql, "INSERT INTO files(id, path, status) VALUES (1, 'x', 'ingested');");
	for (int l = -1; levels[l < 0 ? 0 : l] && l < 10; l++)
		for (int k = 0; k < 4; k++)
			for (int st = 0; st < 5; st++)
				for (int dg = 0; dg < 2; dg++) {
					const char *lv = l < 0 ? NULL : levels[l];
					char stt[16];
					snprintf(stt, sizeof stt, "%d", statuses[st]);
					id++;
					sip_buf_printf(&sql, "INSERT INTO records(id, file_id, line,"
						       " kind, level, status, ms_diag_code) VALUES"
						       " (%lld, 1, %lld, '%s', %s%s%s, %s, %s);",
						       (long long)id, (long long)id, kinds[k],
						       lv ? "'" : "", lv ? lv : "NULL", lv ? "'" : "",
						       statuses[st] < 0 ? "NULL" : stt,
						       dg ? "1008" : "NULL");
					if (sip_is_error(lv ? (sip_str){ lv, strlen(lv) } : SIP_STR_NULL,
							 k == 3 ? SIP_KIND_PROTOCOL : SIP_KIND_TRACE,
							 statuses[st], dg))
						sip_buf_printf(&want, "%lld,", (long long)id);
				}
	CHECK_INT(sqlite3_exec(sip_store_db(s), sql.p, NULL, NULL, NULL), SQLITE_OK);
	{
		sqlite3_stmt *q = NULL;
		CHECK_INT(sqlite3_prepare_v2(sip_store_db(s), "SELECT group_concat(id || ',', '')"
					     " FROM (SELECT id FROM errors ORDER BY id)", -1, &q,
					     NULL), SQLITE_OK);
		if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
			got = strdup((const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
	}
	CHECK(want.n > 0);
	CHECK_STR(got ? got : "", want.p);
	free(got);
	sip_store_free(s);
	sip_buf_release(&want);
	sip_buf_release(&sql);
}

/*
 * Schema 5 stores ts and result_code as integers.  The writer converts in C
 * (sip_store_ts_ms), the migration and INSERT INTO records in SQL: every
 * value gives the same stored form both ways, and the views show the text
 * it came from.
 */
static void test_stored_forms(void)
{
	static const char *const ts[] = {
		"2012-03-14 09:12:03.131", "1970-01-01 00:00:00.000",
		"2024-02-29 23:59:59.999", "2023-02-29 10:00:00.000",
		"2024-13-01 10:00:00.000", "2024-04-31 10:00:00.000",
		"2024-01-01 24:00:00.000", "2024-01-01 10:60:00.000",
		"2024-01-01 10:00:60.000", "1969-12-31 23:59:59.999",
		"9999-12-31 23:59:59.999", "2024-01-01 10:00:00", "2024-01-01T10:00:00.000",
		"2024-1-01 10:00:00.000", "x024-01-01 10:00:00.000", "2000-02-29 12:00:00.500",
		"1900-02-29 12:00:00.500", "2100-03-01 00:00:00.001", NULL
	};
	static const char *const codes[] = {
		"0xc3e93c5e", "0x00000000", "0xFFFFFFFF", "0x8007274d", "0xc3e93c5", "c3e93c5e0x",
		"0xc3e93g5e", NULL
	};
	const char *path = tmp_path("forms.db");
	sip_store *s = NULL;
	sip_diag d;
	char sql[512];

	unlink(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		return;
	CHECK_INT(sqlite3_exec(sip_store_db(s), "INSERT INTO files(id, path, status)"
			       " VALUES (1, 'x', 'ingested')", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; ts[i]; i++) {
		int64_t ms = -1;
		int ok = sip_store_ts_ms(ts[i], strlen(ts[i]), &ms);
		snprintf(sql, sizeof sql, "INSERT INTO records(id, file_id, line, kind, ts)"
			 " VALUES (%d, 1, %d, 'trace', '%s')", i + 1, i + 1, ts[i]);
		CHECK_INT(sqlite3_exec(sip_store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
		snprintf(sql, sizeof sql, "SELECT typeof(ts) || ':' || ts FROM record_rows"
			 " WHERE id = %d", i + 1);
		char want[64];
		if (ok)
			snprintf(want, sizeof want, "integer:%lld", (long long)ms);
		else
			snprintf(want, sizeof want, "text:%s", ts[i]);
		CHECK_STR(q_text(s, sql), want);
		snprintf(sql, sizeof sql, "SELECT ts FROM records WHERE id = %d", i + 1);
		CHECK_STR(q_text(s, sql), ts[i]);
		/* ts_ms is the stored form: the integer, or the text */
		snprintf(sql, sizeof sql, "SELECT ts_ms FROM records WHERE id = %d", i + 1);
		if (ok)
			CHECK_INT(q_int(s, sql), ms);
		else
			CHECK_STR(q_text(s, sql), ts[i]);
	}
	/* the Unix epoch of the log's clock */
	CHECK_INT(q_int(s, "SELECT ts_ms FROM records WHERE id = 1"), 1331716323131);
	for (int i = 0; codes[i]; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO records(id, file_id, line, kind, result_code)"
			 " VALUES (%d, 1, %d, 'trace', '%s')", 100 + i, 100 + i, codes[i]);
		CHECK_INT(sqlite3_exec(sip_store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
		snprintf(sql, sizeof sql, "SELECT result_code FROM records WHERE id = %d", 100 + i);
		/* a valid code reads back in lowercase, as the parser writes it */
		char low[16];
		snprintf(low, sizeof low, "%s", codes[i]);
		int valid = strlen(low) == 10 && low[0] == '0' && low[1] == 'x' &&
			    strspn(low + 2, "0123456789abcdefABCDEF") == 8;
		for (char *c = low; valid && *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
		CHECK_STR(q_text(s, sql), low);
		snprintf(sql, sizeof sql, "SELECT typeof(result_code) FROM record_rows WHERE id = %d",
			 100 + i);
		CHECK_STR(q_text(s, sql), valid ? "integer" : "text");
	}
	CHECK_INT(q_int(s, "SELECT result_int FROM records WHERE id = 100"), 0xc3e93c5eLL);
	/* local, conn_id and truncated through extra */
	CHECK_INT(sqlite3_exec(sip_store_db(s), "INSERT INTO records(id, file_id, line, kind,"
			       " local, conn_id, truncated) VALUES (200, 1, 200, 'connection',"
			       " '10.0.0.1:5061', 'a\"b\\c', 1), (201, 1, 201, 'trace', '', NULL, 0)",
			       NULL, NULL, NULL), SQLITE_OK);
	CHECK_STR(q_text(s, "SELECT local || '|' || conn_id || '|' || truncated FROM records"
			 " WHERE id = 200"), "10.0.0.1:5061|a\"b\\c|1");
	CHECK_STR(q_text(s, "SELECT coalesce(local, 'N') || coalesce(conn_id, 'N') || truncated"
			 " || coalesce(extra, 'N') FROM records JOIN record_rows USING (id)"
			 " WHERE id = 201"), "NN0N");
	/* cseq: its number when it is the number and the row's method, the
	   same through the trigger and the writer; the views show the text */
	static const struct { const char *cseq, *method; int num; } cs[] = {
		{ "26 MESSAGE", "MESSAGE", 1 }, { "999999999 ACK", "ACK", 1 },
		{ "01 INVITE", "INVITE", 0 }, { "1 invite", "INVITE", 0 },
		{ "1  INVITE", "INVITE", 0 }, { "1 INVITE", "BYE", 0 },
		{ "1000000000 ACK", "ACK", 0 }, { "0 ACK", "ACK", 0 },
		{ "5 INVITE", "", 0 }, { "12", "INVITE", 0 }, { "12 INVITEX", "INVITE", 0 },
		{ "-3 INVITE", "INVITE", 0 }, { "7 INVITE ", "INVITE", 0 },
	};
	CHECK_INT(sip_store_begin(s, &d), SIP_OK);
	for (int i = 0; i < (int)(sizeof cs / sizeof *cs); i++) {
		sip_row row;
		int64_t id = 0;
		snprintf(sql, sizeof sql, "INSERT INTO records(id, file_id, line, kind, cseq, method)"
			 " VALUES (%d, 1, %d, 'protocol', '%s', '%s')", 300 + 2 * i, 300 + 2 * i,
			 cs[i].cseq, cs[i].method);
		CHECK_INT(sip_store_exec(s, sql, &d), SIP_OK);   /* the writer asks max(id) again */
		memset(&row, 0, sizeof row);
		row.line = 301 + 2 * (uint64_t)i;
		row.kind = 3;
		row.status = row.ms_diag_code = -1;
		row.col[SIP_COL_CSEQ] = (sip_str){ cs[i].cseq, strlen(cs[i].cseq) };
		row.col[SIP_COL_METHOD] = (sip_str){ cs[i].method, strlen(cs[i].method) };
		CHECK_INT(sip_store_insert(s, 1, 0, &row, &id, &d), SIP_OK);
		CHECK_INT(id, 301 + 2 * i);
		snprintf(sql, sizeof sql, "SELECT group_concat(typeof(r.cseq) || '|' || v.cseq, ',')"
			 " FROM record_rows r JOIN records v USING (id) WHERE r.id IN (%d, %d)",
			 300 + 2 * i, 301 + 2 * i);
		char want[128];
		snprintf(want, sizeof want, "%s|%s,%s|%s", cs[i].num ? "integer" : "text",
			 cs[i].cseq, cs[i].num ? "integer" : "text", cs[i].cseq);
		CHECK_STR(q_text(s, sql), want);
	}
	CHECK_INT(sip_store_commit(s, &d), SIP_OK);
	/* the records with their tagset joined once (export) = the view */
	CHECK_INT(q_int(s, "SELECT count(*) FROM (SELECT * FROM records EXCEPT SELECT * FROM ("
			SIP_RECORDS_JOIN_SQL "))"), 0);
	CHECK_INT(q_int(s, "SELECT count(*) FROM (SELECT * FROM (" SIP_RECORDS_JOIN_SQL ")"
			" EXCEPT SELECT * FROM records)"), 0);
	CHECK_INT(q_int(s, "SELECT (SELECT count(*) FROM (" SIP_RECORDS_JOIN_SQL "))"
			" - (SELECT count(*) FROM records)"), 0);
	CHECK(q_int(s, "SELECT count(*) FROM records") > 40);
	sip_store_free(s);
}

/* sip_is_outcome and SIP_IS_OUTCOME_ROW_SQL say the same of every row. */
static void test_one_outcome_definition(void)
{
	static const char *const kinds[] = { "trace", "protocol" };
	static const int statuses[] = { -1, 200, 404, 480, 486, 487, 500, 600, 603 };
	static const char *const methods[] = { NULL, "INVITE", "SUBSCRIBE", "SERVICE", "subscribe" };
	const char *path = tmp_path("outcome.db");
	sip_store *s = NULL;
	sip_buf want, sql;
	sip_diag d;
	char *got = NULL;
	int64_t id = 0;

	sip_buf_init(&want, 0);
	sip_buf_init(&sql, 0);
	unlink(path);
	CHECK_INT(sip_store_open(&s, path, 0, &d), SIP_OK);
	if (!s)
		return;
	sip_buf_adds(&sql, "INSERT INTO files(id, path, status) VALUES (1, 'x', 'ingested');");
	for (int k = 0; k < 2; k++)
		for (size_t st = 0; st < sizeof statuses / sizeof *statuses; st++)
			for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
				char stt[16];
				const char *me = methods[m];
				snprintf(stt, sizeof stt, "%d", statuses[st]);
				id++;
				sip_buf_printf(&sql, "INSERT INTO records(id, file_id, line, kind, status,"
					       " method) VALUES (%lld, 1, %lld, '%s', %s, %s%s%s);",
					       (long long)id, (long long)id, kinds[k],
					       statuses[st] < 0 ? "NULL" : stt, me ? "'" : "",
					       me ? me : "NULL", me ? "'" : "");
				if (sip_is_outcome(k ? SIP_KIND_PROTOCOL : SIP_KIND_TRACE, statuses[st],
						   me ? (sip_str){ me, strlen(me) } : SIP_STR_NULL))
					sip_buf_printf(&want, "%lld,", (long long)id);
			}
	CHECK_INT(sqlite3_exec(sip_store_db(s), sql.p, NULL, NULL, NULL), SQLITE_OK);
	{
		sqlite3_stmt *q = NULL;
		CHECK_INT(sqlite3_prepare_v2(sip_store_db(s), "SELECT group_concat(id || ',', '')"
					     " FROM (SELECT r.id FROM record_rows r WHERE "
					     SIP_IS_OUTCOME_ROW_SQL("r") " ORDER BY r.id)", -1, &q,
					     NULL), SQLITE_OK);
		if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
			got = strdup((const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
	}
	CHECK(want.n > 0);
	CHECK_STR(got ? got : "", want.p);
	free(got);
	sip_store_free(s);
	sip_buf_release(&want);
	sip_buf_release(&sql);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_schema), T(test_schema_current), T(test_refuse_foreign), T(test_rows),
		T(test_chunks),
		T(test_arena), T(test_many_chunks), T(test_append_chunks),
		T(test_hooks), T(test_hooks_one_thread), T(test_eval_abort),
		T(test_eval_abort_one_thread), T(test_write_abort),
		T(test_write_abort_one_thread), T(test_one_thread),
		T(test_no_records), T(test_interning), T(test_many_files_bounded),
		T(test_rebind_after_failure), T(test_one_error_definition),
		T(test_stored_forms), T(test_one_outcome_definition),
		T(test_evidence_groups), T(test_evidence_groups_one_thread),
		{ 0 }
	};
	int rc = t_main(cases);
	rmdir(tmpdir);
	return rc;
}
