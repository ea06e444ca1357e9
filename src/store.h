/*
 * store.h -- the SQLite store: schema and migrations, the prepared record
 * insert, per-file bookkeeping, and the compressed text of the records.
 *
 * The schema itself (tables, views, indexes and their policy) is documented
 * at the top of store.c; its names are stable.  A sip_store is one open
 * connection and is used by one thread at a time (the ingest writer).
 *
 * Rows reach the store as sip_row values: a flat copy of what a sip_record
 * holds that the records table keeps, built by sip_row_fill() on the thread
 * that parsed the record into a sip_arena that the caller drops after the
 * rows are written.  The records' original text goes into compressed
 * chunks, also built on the parsing threads (sip_store_chunk_compress).
 */
#ifndef SIP_STORE_H
#define SIP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "arena.h"
#include "buf.h"
#include "err.h"
#include "record.h"

typedef struct sip_store sip_store; /* opaque */

/* PRAGMA application_id of every sipscan database: "SIPS". */
#define SIP_STORE_APP_ID 0x53495053
/* The newest schema this binary knows (PRAGMA user_version). */
#define SIP_STORE_SCHEMA_VERSION 8

/* The levels of an error record, as an SQL list: sip_error_levels
   (record.h) in SQL; test_store checks that they agree. */
#define SIP_ERROR_LEVELS_SQL "'TL_ERROR', 'TL_FATAL', 'ERROR', 'FATAL'"
/* sip_is_error (record.h) of a row r of record_rows, in SQL: the errors
   view and file_stats' 'error' counts.  Changing it needs a migration
   that recreates the view.  Schema 8 on, the level and ms_diag_code are
   the row's tagset's (the sets are looked up once per statement). */
#define SIP_IS_ERROR_ROW_SQL(r) \
	"(" r ".tagset_id IN (SELECT id FROM tagsets WHERE level IN (" SIP_ERROR_LEVELS_SQL "))" \
	" OR (" r ".kind = 3 AND " r ".status >= 400 AND " r ".tagset_id IN" \
	" (SELECT id FROM tagsets WHERE ms_diag_code IS NOT NULL)))"
/* The same on the record_rows of schemas 4 to 7 (level_id into strings):
   their migrations, and the report on such a database opened read-only. */
#define SIP_IS_ERROR_ROW_V4_SQL(r) \
	"(" r ".level_id IN (SELECT id FROM strings WHERE s IN (" SIP_ERROR_LEVELS_SQL "))" \
	" OR (" r ".kind = 3 AND " r ".status >= 400 AND " r ".ms_diag_code IS NOT NULL))"

/* The text of a stored ts value x of record_rows (schema 5): the integer
   milliseconds as 'YYYY-MM-DD HH:MM:SS.mmm', a text value as it is. */
#define SIP_TS_TEXT_SQL(x) \
	"CASE WHEN typeof(" x ") = 'integer' THEN strftime('%Y-%m-%d %H:%M:%S', " \
	x " / 1000, 'unixepoch') || printf('.%03d', " x " % 1000) ELSE " x " END"

/* The text of a stored result_code x (schema 5): the integer as '0x' and
   8 lowercase hex digits, a text value as it is. */
#define SIP_RESULT_TEXT_SQL(x) \
	"CASE WHEN typeof(" x ") = 'integer' THEN printf('0x%08x', " x ") ELSE " x " END"

/*
 * The columns of the records view (schema 8), in its order, from a row r
 * of record_rows, with T(c) the column c of r's tagset.  The view takes
 * T = a scalar subquery per column, so that it stays one table, which
 * SQLite flattens into any query (a view with a join on the right of a
 * LEFT JOIN is computed whole first), and looks a tagset up only for the
 * columns a query uses.  SIP_RECORDS_JOIN_SQL is the same rows with the
 * tagset joined once: for reading most columns of many rows (export
 * records: 0.87x the time of the view); test_store checks that both
 * give the same rows.
 */
#define SIP_RECORDS_COLUMNS_SQL(T) \
	"r.id AS id, r.file_id AS file_id," \
	" r.line AS line, " SIP_TS_TEXT_SQL("r.ts") " AS ts," \
	" CASE r.kind WHEN 1 THEN 'connection' WHEN 2 THEN 'diagnostic'" \
	"  WHEN 3 THEN 'protocol' ELSE 'trace' END AS kind," \
	" " T("level") " AS level, " T("flag") " AS flag," \
	" " T("host") " AS host, " T("component") " AS component," \
	" " T("function") " AS function," \
	" r.text AS text, " SIP_RESULT_TEXT_SQL("r.result_code") " AS result_code," \
	" " T("result_symbol") " AS result_symbol," \
	" " T("transport") " AS transport," \
	" r.peer AS peer, json_extract(r.extra, '$.local') AS local," \
	" r.fqdn AS fqdn, json_extract(r.extra, '$.conn_id') AS conn_id," \
	" r.call_id AS call_id, CASE WHEN typeof(r.cseq) = 'integer'" \
	"  THEN r.cseq || ' ' || " T("method") " ELSE r.cseq END AS cseq," \
	" " T("method") " AS method," \
	" r.status AS status, " T("direction") " AS direction," \
	" " T("ms_diag_code") " AS ms_diag_code," \
	" " T("ms_diag_reason") " AS ms_diag_reason," \
	" coalesce(json_extract(r.extra, '$.truncated'), 0) AS truncated," \
	" r.chunk_id AS chunk_id, r.raw_off AS raw_off, r.raw_len AS raw_len," \
	" r.ts AS ts_ms, r.result_code AS result_int," \
	" " T("reason") " AS reason"
#define SIP_TAG_JOINED(c) "t." c
#define SIP_RECORDS_JOIN_SQL \
	"SELECT " SIP_RECORDS_COLUMNS_SQL(SIP_TAG_JOINED) \
	" FROM record_rows r LEFT JOIN tagsets t ON t.id = r.tagset_id"

/* The host part of an address x ("host:port", "[v6]:port", "v6"): the
   one definition of that split, used by the report's failing peers and
   the flow's endpoints. */
#define SIP_PEER_HOST_SQL(x) \
	"CASE WHEN " x " LIKE '[%' AND instr(" x ", ']') > 0" \
	" THEN substr(" x ", 1, instr(" x ", ']'))" \
	" WHEN instr(" x ", ':') > 0 AND instr(substr(" x ", instr(" x ", ':') + 1), ':') = 0" \
	" THEN substr(" x ", 1, instr(" x ", ':') - 1) ELSE " x " END"

/* sip_is_outcome (record.h) of a row r of record_rows, in SQL (schema 8
   on; _V2 for the record_rows of schemas 2 to 7, method_id into strings). */
#define SIP_IS_OUTCOME_ROW_SQL(r) \
	"(" r ".kind = 3 AND (" r ".status IN (480, 486, 487, 600, 603) OR (" r ".status = 404" \
	" AND " r ".tagset_id IN (SELECT id FROM tagsets WHERE method IN ('SUBSCRIBE', 'SERVICE')))))"
#define SIP_IS_OUTCOME_ROW_V2_SQL(r) \
	"(" r ".kind = 3 AND (" r ".status IN (480, 486, 487, 600, 603) OR (" r ".status = 404" \
	" AND " r ".method_id IN (SELECT id FROM strings WHERE s IN ('SUBSCRIBE', 'SERVICE')))))"

enum sip_store_flags {
	SIP_STORE_READONLY = 1, /* open an existing database read-only */
	SIP_STORE_NOSYNC = 2,   /* the benchmark only: synchronous=OFF, so
	                           that the fsync wait can be measured */
	SIP_STORE_MIGRATE = 4   /* tests: make a new database through every
	                           migration, not with the current schema at
	                           once (the two must agree) */
};

/*
 * Open (creating when not READONLY) the database at path and bring its
 * schema up to SIP_STORE_SCHEMA_VERSION.  Refuses with SIP_EDB a file that
 * is not SQLite, has another application_id, holds tables without being a
 * sipscan database, or has a user_version newer than this binary.  A
 * READONLY open of a database that does not exist or has no schema fails
 * with SIP_EDB too.  Returns SIP_OK and *out, or the code with diag filled
 * and *out = NULL.  Free with sip_store_free().
 */
int sip_store_open(sip_store **out, const char *path, int flags, sip_diag *diag);

/* Finalize the statements and close the connection (NULL is fine). */
void sip_store_free(sip_store *s);

/* The connection, for commands and the rules engine.  Owned by s. */
sqlite3 *sip_store_db(sip_store *s);

/* PRAGMA user_version of the open database. */
int sip_store_schema_version(sip_store *s);
/* Whether sip_store_open brought the database forward from an older
   schema (or made it new). */
int sip_store_migrated(const sip_store *s);

/*
 * Run sql (one or more statements, no result rows wanted).  Returns SIP_OK
 * or SIP_EDB (SIP_EBUSY when locked past the busy timeout) with diag filled.
 */
int sip_store_exec(sip_store *s, const char *sql, sip_diag *diag);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails visibly). */
int sip_store_begin(sip_store *s, sip_diag *diag);
int sip_store_commit(sip_store *s, sip_diag *diag);
void sip_store_rollback(sip_store *s);
/* Whether a transaction is open on s. */
int sip_store_in_tx(const sip_store *s);

/*
 * Secondary indexes on records.  Bulk-load policy (see store.c): before a
 * large load the writer drops the index on call_id (random keys), and with
 * ts_too the one on ts (a load of many small files, whose times
 * interleave), and creates them again once at the end; the others stay.
 * Both are idempotent (IF [NOT] EXISTS).
 */
int sip_store_drop_bulk_indexes(sip_store *s, int ts_too, sip_diag *diag);
int sip_store_create_indexes(sip_store *s, sip_diag *diag);

/* ---- files ---------------------------------------------------------- */

/* A files row (a value type; strings are copies). */
typedef struct sip_store_file {
	int64_t id;              /* 0 = no row */
	char path[4096];
	int64_t size;
	int64_t mtime;
	char fingerprint[17];    /* hex FNV-1a 64 of the first 64 KiB */
	char tail_hash[17];      /* hex FNV-1a 64 of the 4 KiB before size */
	char status[16];         /* 'ingesting', 'ingested', ... */
	char error[1024];
	uint64_t records;
	uint64_t lines;
	uint64_t resume_offset;
	uint64_t resume_line;
	char first_ts[24], last_ts[24];
	char host[256];
	char content[40];        /* content_hash (schema 6): see ingest.c */
	int64_t duplicate_of;    /* files.id of the input with the same
	                            content that holds the records; 0 none */
} sip_store_file;

/*
 * Look up the files row of path.  Returns SIP_OK with f->id = 0 when there
 * is none, SIP_EDB on a database error.
 */
int sip_store_file_get(sip_store *s, const char *path, sip_store_file *f,
		       sip_diag *diag);

/*
 * Start writing file path: insert its row (or reuse *id when non-zero),
 * set status 'ingesting' and delete its records with line >= from_line (all
 * when from_line is 0) as sip_store_delete_records does.  Runs in the
 * caller's transaction.  Returns SIP_OK and *id, or SIP_EDB.
 */
int sip_store_file_start(sip_store *s, const char *path, int64_t *id,
			 uint64_t from_line, sip_diag *diag);

/*
 * Write the final state of file f->id (every column of f but id and path;
 * empty strings are stored as NULL; ingested_at is set to now, UTC).  Runs
 * in the caller's transaction.  Returns SIP_OK or SIP_EDB.
 */
int sip_store_file_finish(sip_store *s, const sip_store_file *f,
			  const char *format, const char *compression,
			  const char *encoding, sip_diag *diag);

/*
 * The stored input of another path than path whose content_hash is
 * content and whose records are stored (status 'ingested' or 'partial'):
 * *id (0: none) and *canon (malloc'd, NULL when none).  SIP_OK, SIP_EDB,
 * SIP_ENOMEM.
 */
int sip_store_file_by_content(sip_store *s, const char *content, const char *path,
			      int64_t *id, char **canon, sip_diag *diag);

/*
 * The same record stored twice (from two inputs): the same time (to the
 * millisecond), kind, level, host, length and text, peer, Call-ID, CSeq,
 * status and result, on record_rows aliases g and r.  Only records with
 * a time compare (the ts index finds the twin).
 */
#define SIP_SAME_RECORD_SQL(g, r) \
	g ".ts = " r ".ts AND " g ".raw_len IS " r ".raw_len AND " g ".kind = " r ".kind" \
	" AND (" g ".tagset_id IS " r ".tagset_id OR (SELECT level, host FROM tagsets" \
	" WHERE id = " g ".tagset_id) IS (SELECT level, host FROM tagsets WHERE id = " \
	r ".tagset_id))" \
	" AND " g ".text IS " r ".text AND " g ".peer IS " r ".peer AND " g ".call_id IS " \
	r ".call_id AND " g ".cseq IS " r ".cseq AND " g ".status IS " r ".status AND " \
	g ".result_code IS " r ".result_code"

/*
 * Delete the records of file id that file other holds too (the same time,
 * kind, level, host, length, text, peer, Call-ID, CSeq, status and
 * result: one record read from two overlapping inputs), with their
 * matches, unexplained rows, client facts and limit hits; the file's
 * file_stats go (a summary counts them again) and files.records is
 * recounted.  *n: how many.  Runs in the caller's transaction.  SIP_OK or
 * SIP_EDB.
 */
int sip_store_drop_overlap(sip_store *s, int64_t id, int64_t other, uint64_t *n,
			   sip_diag *diag);

/* Number of records of file id, into *n.  SIP_OK or SIP_EDB. */
int sip_store_file_count(sip_store *s, int64_t id, uint64_t *n, sip_diag *diag);

/*
 * Delete the records of file id with line >= from_line (0 = all), with
 * their matches and unexplained rows, the file's file_stats rows (they no
 * longer hold), and the file's chunks that no kept
 * record uses (a chunk holding both kept and deleted records stays; the
 * ingest never leaves one: the last record of a file is alone in its
 * chunk, and an incremental run deletes from that record on).  SIP_OK or
 * SIP_EDB.
 */
int sip_store_delete_records(sip_store *s, int64_t id, uint64_t from_line,
			     sip_diag *diag);

/* ---- file statistics (file_stats) -------------------------------------- */

struct sip_tally;

/*
 * Write t, the statistics of the records file id got in this run, as its
 * file_stats rows: two ranges of lines, the last record alone and the
 * records before it (sip_tally_take_last: t is used up).  Runs in the
 * caller's transaction.  SIP_OK or SIP_EDB.
 */
int sip_store_stats_put(sip_store *s, int64_t id, struct sip_tally *t,
			sip_diag *diag);

/*
 * Write the file_stats rows of file id from its records, with SQL, in the
 * same two ranges as the ingest (a file whose counts do not cover its
 * records: written by a version before schema 3, or past the tally's
 * bounds).  Runs in the caller's transaction.  SIP_OK or SIP_EDB.
 */
int sip_store_stats_fill(sip_store *s, int64_t id, sip_diag *diag);

/* ---- rows ------------------------------------------------------------ */


/* The text columns of records, in table order. */
enum sip_row_col {
	SIP_COL_TS, SIP_COL_LEVEL, SIP_COL_FLAG, SIP_COL_HOST,
	SIP_COL_COMPONENT, SIP_COL_FUNCTION, SIP_COL_TEXT,
	SIP_COL_RESULT_CODE, SIP_COL_RESULT_SYMBOL, SIP_COL_TRANSPORT,
	SIP_COL_PEER, SIP_COL_LOCAL, SIP_COL_FQDN, SIP_COL_CONN_ID,
	SIP_COL_CALL_ID, SIP_COL_CSEQ, SIP_COL_METHOD, SIP_COL_DIRECTION,
	SIP_COL_MS_DIAG_REASON, SIP_COL_REASON,
	SIP_COL_N,
	SIP_NOCOL = -1   /* record_fields.def: a field that is not stored */
};

/*
 * One records row, flat.  Text columns are slices into an arena; a NULL
 * slice (p == NULL) or an empty one is stored as SQL NULL.  status and
 * ms_diag_code are -1 when absent.  The record's original text is not in
 * the row: it lives in a chunk (see below); raw_off and raw_len place it
 * there.  payload is what the ingest's eval hook produced for the record
 * (empty when none), handed to its write hook after the insert.
 */
typedef struct sip_row {
	uint64_t line;
	uint64_t end_line;
	uint64_t offset;
	int kind;
	int truncated;
	int64_t status;
	int64_t ms_diag_code;
	sip_str col[SIP_COL_N];
	uint64_t raw_off, raw_len;  /* the text in its chunk */
	int by_ref;                 /* the text is not in a chunk but at
	                               src_off in the original file (stored
	                               as raw_off with chunk_id NULL) */
	uint64_t src_off;
	sip_str payload;
} sip_row;

/*
 * Fill row from rec, copying every kept column value into a (rec is valid
 * only during the record callback, so this runs inside it).  The raw text
 * is not copied: the caller packs it into a chunk and sets raw_off and
 * raw_len.  Returns SIP_OK or SIP_ENOMEM.
 */
int sip_row_fill(sip_row *row, const sip_record *rec, sip_arena *a);

/*
 * The stored form of a records.ts value (schema 5): *ms = milliseconds
 * since 1970-01-01 00:00:00.000 of the log's clock, returning 1, when t
 * (n bytes) is 'YYYY-MM-DD HH:MM:SS.mmm', a real date from 1970 on; else
 * 0 (the value is stored as text).  The migration's SQL makes the same
 * test; test_store checks that they agree.
 */
int sip_store_ts_ms(const char *t, size_t n, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12), and the
   date of a day (Howard Hinnant's days_from_civil / civil_from_days). */
int64_t sip_days_from_civil(int64_t y, int64_t m, int64_t d);
void sip_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* ---- chunks: the original text of records -------------------------------- */

/*
 * The text of a file's records is stored in chunks: consecutive records of
 * one file, their texts concatenated in file order (about
 * SIP_CHUNK_TARGET bytes, never spanning files), compressed as one zstd
 * frame (level 1, content size in the frame header) in chunks.data.  A
 * record's text is bytes [raw_off, raw_off + raw_len) of its chunk
 * (records.chunk_id) once decompressed.  Chunk ids of one file grow with
 * the line of their records.  1 MiB, not 256 KiB: on the 100 MiB bench
 * trace the chunks took 10.6 MB against 11.6 MB (the database 0.333x the
 * input against 0.349x) and an analyze 1.5% fewer instructions; showing
 * one record decompresses up to 1 MiB (about a millisecond).  A batch
 * (BATCH_ROWS in ingest.c) closes a chunk too, so many are smaller.
 */
#define SIP_CHUNK_TARGET (1024 * 1024)

/* Compressor state, one per thread (a ZSTD_CCtx reused). */
typedef struct sip_zctx sip_zctx;

/* New compressor, or NULL when out of memory. */
sip_zctx *sip_zctx_new(void);
void sip_zctx_free(sip_zctx *z);

/*
 * Compress text (n bytes) into a chunk blob appended to out.  Returns
 * SIP_OK, SIP_ENOMEM (out's cap) or SIP_EINTERNAL.
 */
int sip_store_chunk_compress(sip_zctx *z, const void *text, size_t n,
			     sip_buf *out);

/*
 * Decompress a chunk blob (n bytes) replacing the content of out.
 * Returns SIP_OK, SIP_EFORMAT for a damaged blob, SIP_ENOMEM.
 */
int sip_store_chunk_decompress(const void *blob, size_t n, sip_buf *out);

/* The id the next chunk inserted without one gets: max(chunks.id) + 1. */
int64_t sip_store_next_chunk_id(sip_store *s);

/*
 * Insert a chunk blob of file_id with a prepared statement, as chunks.id
 * *id when *id > 0 (sip_store_next_chunk_id), else under a new id put in
 * *id.  Call inside a transaction.  SIP_OK or SIP_EDB.
 */
int sip_store_insert_chunk(sip_store *s, int64_t file_id, const void *blob,
			   size_t n, int64_t *id, sip_diag *diag);

/*
 * Insert row as a record of file_id whose text is in chunk chunk_id (0 =
 * no text: the three columns are NULL) with the prepared statement (bind,
 * step, reset).  Returns SIP_OK and *id (the new records.id; id may be
 * NULL), or SIP_EDB.  Call inside a transaction.
 */
int sip_store_insert(sip_store *s, int64_t file_id, int64_t chunk_id,
		     const sip_row *row, int64_t *id, sip_diag *diag);

/*
 * Insert rows[0..n) the same way, in groups (one statement for many rows).
 * Their ids are *first_id, *first_id + 1, ... (first_id may be NULL).
 */
int sip_store_insert_rows(sip_store *s, int64_t file_id, int64_t chunk_id,
			  const sip_row *rows, size_t n, int64_t *first_id,
			  sip_diag *diag);

/*
 * Reading records' text back.  A reader holds two prepared statements on
 * db (any connection to a sipscan database, read-only is fine) and the
 * last chunk it decompressed, so reading the records of a chunk one after
 * the other decompresses it once.  One thread at a time.
 */
typedef struct sip_store_text_reader sip_store_text_reader; /* opaque */

/* New reader on db.  SIP_OK and *out, SIP_EDB or SIP_ENOMEM. */
int sip_store_text_reader_new(sip_store_text_reader **out, sqlite3 *db,
			      sip_diag *diag);
void sip_store_text_reader_free(sip_store_text_reader *tr);

/*
 * Append the original text of record record_id (CRLF kept) to out.  A
 * record whose text was kept by reference (`analyze --text evidence`:
 * chunk_id NULL, raw_off its offset in the original file) is read from
 * that file (src/srctext.c); a record without text (raw_len NULL)
 * appends nothing.  Returns SIP_OK; SIP_EDB when there is no such record
 * (diag says so) or on a database error; SIP_EFORMAT when its chunk is
 * missing or damaged; SIP_EIO when its original file is gone or changed;
 * SIP_ENOMEM when out's cap is reached -- then out holds as much of the
 * text as fits.
 */
int sip_store_text_get(sip_store_text_reader *tr, int64_t record_id,
		       sip_buf *out, sip_diag *diag);

/*
 * The same from a record's chunk_id, file_id, raw_off and raw_len (what
 * sip_store_text_get looks up; chunk_id 0 for NULL, raw_off -1 for NULL).
 */
int sip_store_text_get_at(sip_store_text_reader *tr, int64_t chunk_id,
			  int64_t file_id, int64_t raw_off, int64_t raw_len,
			  sip_buf *out, sip_diag *diag);

/*
 * Register the SQL function sipscan_raw(chunk_id, raw_off, raw_len
 * [, file_id]) on db: the record's text as a BLOB (with file_id, a text
 * kept by reference is read from the original file; else NULL when
 * chunk_id is NULL), read through a
 * reader the function owns (freed with the connection).  Used by
 * `sipscan export` to give records their `raw` column.  SIP_OK, SIP_EDB or
 * SIP_ENOMEM.
 */
int sip_store_register_raw_fn(sqlite3 *db, sip_diag *diag);

/* ---- hooks for the rules engine ---------------------------------------- */

/*
 * Called once after every file was written and the indexes were rebuilt,
 * outside any transaction, on the writer thread, with the ids of the files
 * this run wrote (rows added or replaced; may be empty), so the findings can
 * be computed.
 * Return 0 or a sip_code, with diag saying which statement failed and why
 * (left unset: "finishing the analysis failed" and the code's text).
 */
typedef int (*sip_store_finish_hook)(void *ctx, sip_store *s,
				     const int64_t *file_ids, size_t nfiles,
				     sip_diag *diag);

/* Lowercase hex FNV-1a 64 of p (n bytes) into out[17]. */
void sip_store_hash_hex(const void *p, size_t n, char out[17]);

#endif
