/*
 * store.c -- the SQLite store: schema, migrations, the prepared record insert,
 * per-file bookkeeping and the compressed text of the records (chunks).
 *
 * Borrowed habits: SQLite's own (prepared statements made once and reused,
 * explicit transactions, PRAGMA user_version migrations, indexes built after
 * a bulk load) and Git's mem_pool for the per-batch arena.
 *
 * SCHEMA (version 8; names are stable, users write queries against them)
 *
 *   PRAGMA application_id = 0x53495053 ("SIPS"); PRAGMA user_version = 8.
 *   Migrations are an ordered list (migrations[] below); migration N brings
 *   user_version N-1 to N.  A database with another application_id, or with
 *   tables but no sipscan id, or a newer user_version, is refused.
 *
 *   files        one row per input (path UNIQUE: realpath, or '-' = stdin)
 *     id, path, size, mtime (unix s), fingerprint (hex FNV-1a 64 of the
 *     first 64 KiB), tail_hash (hex FNV-1a 64 of the 4 KiB before size: a
 *     grown file whose fingerprint and tail_hash at the old size still
 *     match is an append), format (the parser: 'sipstack' server traces,
 *     'uccapi' client logs, 'sip' bare SIP messages), compression ('gzip'|NULL),
 *     encoding ('utf-8','utf-8-bom','utf-16le','utf-16be'), host (most
 *     frequent record host), first_ts, last_ts, records, lines,
 *     status ('ingesting','ingested','partial','skipped','failed'), error,
 *     ingested_at (UTC 'YYYY-MM-DD HH:MM:SS'), resume_offset, resume_line
 *     (header line/offset of the last record: an incremental run deletes
 *     records from there on and reads again from there), first_id (version
 *     5: the smallest record id of the file; its records are the rows of
 *     record_rows with its file_id and an id from there on, since ids grow
 *     with lines and runs), resume_id (version 5: the id of the record at
 *     resume_line).
 *   records      (a view, see record_rows) one row per record
 *     id, file_id, line, ts ('YYYY-MM-DD HH:MM:SS.mmm', log clock), kind
 *     ('connection','diagnostic','protocol','trace'), level, flag, host,
 *     component, function, text, result_code ('0x' + 8 lowercase hex),
 *     result_symbol, transport, peer, local, fqdn, conn_id, call_id, cseq,
 *     method, status (SIP response code), direction, ms_diag_code (first
 *     ms-diagnostics ErrorId), ms_diag_reason, truncated (0/1), and where
 *     the original text is: chunk_id (chunks.id), raw_off, raw_len (the
 *     text is bytes [raw_off, raw_off + raw_len) of the decompressed
 *     chunk; read it with sip_store_text_get, `sipscan show`, or the `raw`
 *     column of `sipscan export records`); and (version 5) ts_ms, ts as
 *     milliseconds since 1970-01-01 00:00 of the log's clock, and
 *     result_int, result_code as an integer: the stored forms, for range
 *     queries that use the indexes.  Absent or empty values are NULL,
 *     never ''.
 *   record_rows  the rows behind records: the same columns, except that
 *     (version 8) level, flag, host, component, function, result_symbol,
 *     transport, method, direction, reason, ms_diag_reason and
 *     ms_diag_code are stored as one tagset_id (tagsets.id; versions 2 to
 *     7 had <name>_id into a table strings, reason in extra and the
 *     ms-diagnostics columns on the row); kind as 0 trace, 1 connection,
 *     2 diagnostic, 3 protocol; (version 5) ts and result_code as the
 *     integers ts_ms and result_int (a value not of the usual form stays
 *     text); (version 8) cseq as its number when it is that number and
 *     the row's method ("26 MESSAGE"); and local, conn_id and truncated
 *     (rare) in extra, a JSON object of those present (NULL when none).
 *     records.reason (version 5) is the reason phrase of a SIP response
 *     ("Unauthorized"), NULL for records stored before.  The view records
 *     turns them back (a scalar subquery per column, evaluated only when
 *     the column is used); its INSTEAD OF INSERT trigger lets INSERT INTO
 *     records work.  The writer gives ids itself (max + 1 on), 16 rows
 *     per INSERT statement.
 *   tagsets      (version 8) id, level, flag, host, component, function,
 *     result_symbol, transport, method, direction, reason, ms_diag_reason,
 *     ms_diag_code: each combination of those values that a row has, once
 *     (a few dozen in a log), numbered in the order the writer first met
 *     them; a row of 17 columns instead of 27 is stored faster.  The
 *     views read a value with one lookup.
 *   chunks       the original text of the records, compressed
 *     id, file_id, data: the texts of consecutive records of one file
 *     (file order, at most about SIP_CHUNK_TARGET = 1 MiB, never
 *     spanning files; with --text evidence, of the consecutive records
 *     whose text is kept, gathered by the writer across batches: see
 *     group_store in ingest.c) concatenated as they stood in the log
 *     (CRLF kept) and compressed as one zstd frame (level 1, hash log
 *     13, content size in the frame header).  Chunk ids of a file grow
 *     with its lines.  The ingest keeps the last record
 *     of a file alone in its chunk, so an incremental run (which deletes
 *     and reads again that record) drops whole chunks only.  When a file's
 *     records are deleted, its chunks no kept record uses go with them.
 *   file_stats   each file's records counted (version 3)
 *     file_id, from_line, to_line (the records counted are those of the
 *     file with a line in that range), what ('kind','level','host',
 *     'error'), value (the kind name, the level or host string, NULL for
 *     records without one; for 'error' coalesce(text, ms_diag_reason,
 *     result_symbol, '(no text)') of the file's rows in the errors view),
 *     records, first_ts and last_ts (of a host's records).  Counted by
 *     the writer as it stores a file's rows (src/tally.c), in two ranges:
 *     the last record alone, and the records before it.  Deleting records
 *     from line L deletes the ranges with to_line >= L, so an incremental
 *     run (which deletes the last record and reads on from it) keeps the
 *     counts of the rest and adds its own.  A file whose ranges do not
 *     count all its records (stored before version 3, past the tally's
 *     bounds) gets them from its records with SQL (sip_store_stats_fill)
 *     when a summary needs them.  Sum over the ranges for a file's
 *     totals.
 *   matches, unexplained, findings, finding_records, topology
 *     filled by the rules engine (src/findings.c); when a file's records are
 *     deleted their matches and unexplained rows go with them.
 *   client_facts (version 4) what the client trust analysis reads of each
 *     client log record (src/trust.c): record_id, fact ('sign-in' with the
 *     REGISTER's address, 'agent' with its User-Agent, 'server' with a
 *     server name the client was sent to and source the header attribute
 *     or provisioning key that named it, 'registered' for a 2xx to
 *     REGISTER), value, source.  Deleted with the records.
 *   trusted_domains (version 4) domain, source: the Trusted Domain List the
 *     clients are configured with (`analyze --trusted-domains`); empty when
 *     not known.
 *
 *   Views (each adds files.path AS file):
 *     connections  kind = 'connection'
 *     diagnostics  kind = 'diagnostic'
 *     messages     kind = 'protocol'
 *     errors       level TL_ERROR or TL_FATAL (ERROR or FATAL in a client
 *                  log; version 4), plus SIP responses with
 *                  status >= 400 that carry an ms-diagnostics code (the
 *                  server said why); bare 401/407 challenges are not errors.
 *
 *   Indexes (on record_rows, named records_*): ts (integers: range
 *   queries on ts_ms use it); partial indexes on fqdn and
 *   result_code WHERE the column IS NOT NULL (few records have one).  The
 *   partial one on call_id, whose keys are random, is dropped by the
 *   ingest before a large load (more than sip_ingest_opts.bulk_bytes,
 *   default 64 MiB, to read), and so is ts when the load has several
 *   files (their times interleave); both are created again (IF NOT
 *   EXISTS) at the end of every run, so a run killed in between leaves
 *   them to the next run.  There is no index on kind: four values, each a
 *   large share of the table, so a scan is faster than an index lookup
 *   for the views.
 *
 *   Journal: a rollback journal (journal_mode=DELETE, synchronous=FULL),
 *   not WAL: a bulk load appends pages, which WAL would write twice.
 *   Version 1 databases were WAL; opening one to write switches it.
 */
#include "store.h"

#include "dbopen.h"
#include "hash.h"
#include "srctext.h"
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>
#include <zstd_errors.h>

/*
 * The writer's memory of the tag columns' values (schema 8): value -> a
 * number of its own (from 1), an open-addressing table of at most
 * INTERN_MAX values, plus the last value of each column, which most rows
 * repeat.  The numbers of a row's eleven string tags, with its
 * ms_diag_code, are the key of its tagset in the memory of tagsets below;
 * a row with a value the memory cannot hold (beyond INTERN_MAX, so memory
 * stays bounded whatever the input) has its tagset looked up in the
 * database by its strings.
 */
#define INTERN_SLOTS 8192            /* a power of two */
#define INTERN_MAX (INTERN_SLOTS / 2)

typedef struct intern_ent {
	char *s;          /* owned, NUL-terminated; NULL = empty slot */
	size_t n;
	uint64_t h;
	int64_t id;
} intern_ent;

/*
 * What one parameter of a record insert holds.  Bindings survive
 * sqlite3_reset, so binding the same NULL or integer again is skipped:
 * most columns of most rows are NULL, and file_id, kind, chunk_id and the
 * interned ids repeat from row to row.
 */
enum { BOUND_NULL, BOUND_INT, BOUND_OTHER };

/*
 * The writer's memory of tagsets (schema 8): the numbers of a row's
 * eleven string tags (0: none) and its ms_diag_code + 1 -> tagsets.id,
 * an open-addressing table that doubles from TAG_SLOTS0 up to
 * TAG_SLOTS_MAX slots, at most half full
 * (beyond that a combination is looked up in the database).  A log has a
 * few dozen; a bundle of many servers a few thousand.  It holds only ids
 * committed or in the open transaction: a rollback clears it.
 */
#define TAG_NSTR 11                  /* string tags */
#define TAG_NKEY (TAG_NSTR + 1)      /* and ms_diag_code */
#define TAG_SLOTS0 64
#define TAG_SLOTS_MAX 16384
typedef struct tag_ent {
	int64_t key[TAG_NKEY];
	int64_t id;              /* 0: an empty slot */
} tag_ent;
typedef struct {
	int64_t v;
	int tag;
} bound_slot;

struct sip_store {
	sqlite3 *db;
	sqlite3_stmt *ins;       /* the record insert */
	sqlite3_stmt *ins_group; /* ... of INS_GROUP records */
	bound_slot *bound;       /* what ins holds, then ins_group (all_bound) */
	int64_t next_id;         /* id of the next record; 0 = ask */
	sqlite3_stmt *ins_chunk; /* the chunk insert */
	sqlite3_stmt *tag_get;   /* tagsets lookup */
	sqlite3_stmt *tag_ins;   /* tagsets insert */
	intern_ent *itab;        /* INTERN_SLOTS entries, or NULL */
	size_t icount;
	tag_ent *ttab;           /* tslots entries, or NULL */
	size_t tslots, tcount;
	const intern_ent *last[SIP_COL_N];
	sip_buf extra;           /* the extra column of the row being bound */
	char ts_minute[16];      /* "YYYY-MM-DD HH:MM" of the last ts bound */
	int64_t ts_minute_ms;    /* ... as ms; ts_minute[0] == 0: none yet */
	int64_t file_first;      /* the first id of the file being written */
	int64_t file_last;       /* the last id written for it; 0 = none */
	int readonly;
	int migrated;            /* sip_store_open brought it forward */
	sqlite3_stmt *file_get;  /* sip_store_file_get's, kept: one per input */
};

/*
 * Version 5's stored forms and the text the views show for them.  ts: an
 * integer, milliseconds since 1970-01-01 00:00:00 of the log's clock, for
 * a time of the form 'YYYY-MM-DD HH:MM:SS.mmm' that is a real date from
 * 1970 on (sip_store_ts_ms is the same test in C); any other value stays
 * text.  result_code: the integer of '0x' + 8 hex digits, else text.
 * extra: a JSON object of the rare values (local, conn_id, truncated when
 * 1; reason too in versions 5 to 7), NULL when there are none.
 */
#define TS_GLOB "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]'"
#define TS_INT(x) \
	"CASE WHEN " x " GLOB " TS_GLOB " AND " x " >= '1970'" \
	" AND datetime(unixepoch(" x "), 'unixepoch') = substr(" x ", 1, 19)" \
	" THEN unixepoch(" x ") * 1000 + CAST(substr(" x ", 21, 3) AS INTEGER)" \
	" ELSE nullif(" x ", '') END"
#define TS_TEXT(x) SIP_TS_TEXT_SQL(x)
#define HEXD(x, i) "(instr('0123456789abcdef', lower(substr(" x ", " #i ", 1))) - 1)"
#define RESULT_INT(x) \
	"CASE WHEN " x " GLOB '0x[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]" \
	"[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]' THEN" \
	" (" HEXD(x, 3) " << 28) | (" HEXD(x, 4) " << 24) | (" HEXD(x, 5) " << 20)" \
	" | (" HEXD(x, 6) " << 16) | (" HEXD(x, 7) " << 12) | (" HEXD(x, 8) " << 8)" \
	" | (" HEXD(x, 9) " << 4) | " HEXD(x, 10) " ELSE nullif(" x ", '') END"
#define RESULT_TEXT(x) SIP_RESULT_TEXT_SQL(x)
#define EXTRA_JSON(p, reason) \
	"CASE WHEN nullif(" p "local, '') IS NULL AND nullif(" p "conn_id, '') IS NULL" \
	" AND nullif(" reason ", '') IS NULL" \
	" AND coalesce(" p "truncated, 0) = 0 THEN NULL ELSE json_object(" \
	"'local', nullif(" p "local, ''), 'conn_id', nullif(" p "conn_id, '')," \
	" 'reason', nullif(" reason ", '')," \
	" 'truncated', CASE WHEN coalesce(" p "truncated, 0) <> 0 THEN 1 END) END"
#define RECORD_ROWS_V5 \
	"CREATE TABLE record_rows(" \
	" id INTEGER PRIMARY KEY," \
	" file_id INTEGER NOT NULL REFERENCES files(id)," \
	" line INTEGER NOT NULL, kind INTEGER NOT NULL, ts," \
	" level_id INTEGER, flag_id INTEGER, host_id INTEGER," \
	" component_id INTEGER, function_id INTEGER, text TEXT," \
	" result_code, result_symbol_id INTEGER, transport_id INTEGER," \
	" peer TEXT, fqdn TEXT, call_id TEXT, cseq TEXT, method_id INTEGER," \
	" status INTEGER, direction_id INTEGER, ms_diag_code INTEGER," \
	" ms_diag_reason TEXT, chunk_id INTEGER, raw_off INTEGER," \
	" raw_len INTEGER, extra TEXT);\n"

/* Schema 8: the tag columns (those of few values, kept once per
   combination in tagsets), the table, and a match of tagset t to the
   values a row inserted into the records view has ('' counts as NULL). */
#define TAG_COLS "level, flag, host, component, function, result_symbol," \
	" transport, method, direction, reason, ms_diag_reason, ms_diag_code"
#define TAGSETS_V8 \
	"CREATE TABLE tagsets(id INTEGER PRIMARY KEY, level TEXT, flag TEXT," \
	" host TEXT, component TEXT, function TEXT, result_symbol TEXT," \
	" transport TEXT, method TEXT, direction TEXT, reason TEXT," \
	" ms_diag_reason TEXT, ms_diag_code INTEGER);\n" \
	"CREATE INDEX tagsets_key ON tagsets(" TAG_COLS ");\n"
#define TAG_NEW(c) "nullif(NEW." c ", '')"
#define TAG_MATCH_NEW(t) \
	t ".level IS " TAG_NEW("level") " AND " t ".flag IS " TAG_NEW("flag") \
	" AND " t ".host IS " TAG_NEW("host") " AND " t ".component IS " \
	TAG_NEW("component") " AND " t ".function IS " TAG_NEW("function") \
	" AND " t ".result_symbol IS " TAG_NEW("result_symbol") " AND " t \
	".transport IS " TAG_NEW("transport") " AND " t ".method IS " \
	TAG_NEW("method") " AND " t ".direction IS " TAG_NEW("direction") \
	" AND " t ".reason IS " TAG_NEW("reason") " AND " t ".ms_diag_reason IS " \
	TAG_NEW("ms_diag_reason") " AND " t ".ms_diag_code IS " TAG_NEW("ms_diag_code")
/* column c of row r's tagset, in the views: a scalar subquery, evaluated
   only when the column is used, in a view without a join, which SQLite
   flattens into any query (as the right side of a LEFT JOIN, a view
   with a join is computed whole first) */
#define TAG_OF(c) "(SELECT " c " FROM tagsets WHERE id = r.tagset_id)"
/* cseq c stored (schema 8): its number, when it is that number and the
   row's method m ("26 MESSAGE"), as nearly every one is; else its text
   (cseq_int is the same test in C) */
#define CSEQ_INT(c, m) \
	"CASE WHEN nullif(" m ", '') IS NOT NULL AND " c " GLOB '[1-9]*'" \
	" AND CAST(" c " AS INTEGER) BETWEEN 1 AND 999999999" \
	" AND " c " = CAST(CAST(" c " AS INTEGER) AS TEXT) || ' ' || " m \
	" THEN CAST(" c " AS INTEGER) ELSE " c " END"
#define RECORD_ROWS_V8 \
	"CREATE TABLE record_rows(" \
	" id INTEGER PRIMARY KEY," \
	" file_id INTEGER NOT NULL REFERENCES files(id)," \
	" line INTEGER NOT NULL, kind INTEGER NOT NULL, tagset_id INTEGER," \
	" ts, text TEXT, result_code, peer TEXT, fqdn TEXT, call_id TEXT," \
	" cseq, status INTEGER, chunk_id INTEGER, raw_off INTEGER," \
	" raw_len INTEGER, extra TEXT);\n"

/* The indexes of record_rows as schema 5 made them (and 8 again). */
#define RECORD_INDEXES_V5 \
	"CREATE INDEX records_ts ON record_rows(ts);\n" \
	"CREATE INDEX records_fqdn ON record_rows(fqdn) WHERE fqdn IS NOT NULL;\n" \
	"CREATE INDEX records_call_id ON record_rows(call_id)" \
	" WHERE call_id IS NOT NULL;\n" \
	"CREATE INDEX records_result_code ON record_rows(result_code)" \
	" WHERE result_code IS NOT NULL;\n"
/* The typed views as schema 5 made them (and schema 8 again, over its
   records view), and the errors view as schema 7 made it (and 8), on the
   test of an error row of its schema. */
#define TYPED_VIEWS_V5 \
	"CREATE VIEW connections AS SELECT r.id, r.file_id, f.path AS file," \
	" r.line, r.ts, r.level, r.host, r.text, r.result_code," \
	" r.result_symbol, r.transport, r.peer, r.local, r.fqdn, r.conn_id," \
	" r.ts_ms, r.result_int" \
	" FROM records r JOIN files f ON f.id = r.file_id" \
	" WHERE r.kind = 'connection';\n" \
	"CREATE VIEW diagnostics AS SELECT r.id, r.file_id, f.path AS file," \
	" r.line, r.ts, r.level, r.host, r.text, r.result_code," \
	" r.result_symbol, r.transport, r.peer, r.fqdn, r.call_id, r.cseq," \
	" r.method, r.ts_ms, r.result_int FROM records r JOIN files f ON f.id = r.file_id" \
	" WHERE r.kind = 'diagnostic';\n" \
	"CREATE VIEW messages AS SELECT r.id, r.file_id, f.path AS file," \
	" r.line, r.ts, r.level, r.host, r.direction, r.peer, r.transport," \
	" r.method, r.status, r.call_id, r.cseq, r.ms_diag_code," \
	" r.ms_diag_reason, r.ts_ms, r.reason FROM records r JOIN files f ON f.id = r.file_id" \
	" WHERE r.kind = 'protocol';\n"
#define ERRORS_VIEW_V7(is_error) \
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file," \
	" r.line, r.ts, r.kind, r.level, r.host, r.text, r.result_code," \
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status," \
	" r.ms_diag_code, r.ms_diag_reason, e.ts AS ts_ms, r.result_int" \
	" FROM record_rows e CROSS JOIN records r ON r.id = e.id" \
	" JOIN files f ON f.id = r.file_id WHERE " is_error ";\n"

/* ---- schema ---------------------------------------------------------- */

static const char *const migrations[] = {
	/* 1: everything */
	"CREATE TABLE files("
	" id INTEGER PRIMARY KEY,"
	" path TEXT NOT NULL UNIQUE,"
	" size INTEGER, mtime INTEGER, fingerprint TEXT, tail_hash TEXT,"
	" format TEXT, compression TEXT, encoding TEXT, host TEXT,"
	" first_ts TEXT, last_ts TEXT, records INTEGER, lines INTEGER,"
	" status TEXT NOT NULL, error TEXT, ingested_at TEXT,"
	" resume_offset INTEGER, resume_line INTEGER);\n"
	"CREATE TABLE records("
	" id INTEGER PRIMARY KEY,"
	" file_id INTEGER NOT NULL REFERENCES files(id),"
	" line INTEGER NOT NULL, ts TEXT, kind TEXT NOT NULL,"
	" level TEXT, flag TEXT, host TEXT, component TEXT, function TEXT,"
	" text TEXT, result_code TEXT, result_symbol TEXT, transport TEXT,"
	" peer TEXT, local TEXT, fqdn TEXT, conn_id TEXT, call_id TEXT,"
	" cseq TEXT, method TEXT, status INTEGER, direction TEXT,"
	" ms_diag_code INTEGER, ms_diag_reason TEXT,"
	" truncated INTEGER NOT NULL DEFAULT 0,"
	" chunk_id INTEGER, raw_off INTEGER, raw_len INTEGER);\n"
	"CREATE INDEX records_file_line ON records(file_id, line);\n"
	"CREATE TABLE chunks(id INTEGER PRIMARY KEY,"
	" file_id INTEGER NOT NULL, data BLOB NOT NULL);\n"
	"CREATE TABLE matches(record_id INTEGER NOT NULL, rule_id TEXT NOT NULL,"
	" key TEXT NOT NULL, vars TEXT, PRIMARY KEY(record_id, rule_id))"
	" WITHOUT ROWID;\n"
	"CREATE TABLE unexplained(record_id INTEGER PRIMARY KEY,"
	" template TEXT NOT NULL);\n"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, rule_id TEXT,"
	" severity TEXT, title TEXT, cause TEXT, fix TEXT, refs TEXT, key TEXT,"
	" keys_json TEXT, count INTEGER, first_seen TEXT, last_seen TEXT,"
	" hosts TEXT, sample_ids TEXT, benign INTEGER);\n"
	"CREATE TABLE finding_records(finding_id INTEGER, record_id INTEGER,"
	" PRIMARY KEY(finding_id, record_id)) WITHOUT ROWID;\n"
	"CREATE TABLE topology(id INTEGER PRIMARY KEY, fqdn TEXT NOT NULL,"
	" kind TEXT, source TEXT, UNIQUE(fqdn, source));\n"
	"CREATE VIEW connections AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.transport, r.peer, r.local, r.fqdn, r.conn_id"
	" FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.kind = 'connection';\n"
	"CREATE VIEW diagnostics AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.transport, r.peer, r.fqdn, r.call_id, r.cseq,"
	" r.method FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.kind = 'diagnostic';\n"
	"CREATE VIEW messages AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.direction, r.peer, r.transport,"
	" r.method, r.status, r.call_id, r.cseq, r.ms_diag_code,"
	" r.ms_diag_reason FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.kind = 'protocol';\n"
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.kind, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status,"
	" r.ms_diag_code, r.ms_diag_reason"
	" FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.level IN ('TL_ERROR', 'TL_FATAL')"
	" OR (r.kind = 'protocol' AND r.status >= 400"
	" AND r.ms_diag_code IS NOT NULL);\n",

	/* 2: lean rows.  The low-cardinality text columns become ids into
	   strings and kind a small integer; records becomes a view with the
	   same columns and values over the new table record_rows. */
	"CREATE TABLE strings(id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);\n"
	"CREATE TABLE record_rows("
	" id INTEGER PRIMARY KEY,"
	" file_id INTEGER NOT NULL REFERENCES files(id),"
	" line INTEGER NOT NULL, kind INTEGER NOT NULL, ts TEXT,"
	" level_id INTEGER, flag_id INTEGER, host_id INTEGER,"
	" component_id INTEGER, function_id INTEGER, text TEXT,"
	" result_code TEXT, result_symbol_id INTEGER, transport_id INTEGER,"
	" peer TEXT, local TEXT, fqdn TEXT, conn_id TEXT, call_id TEXT,"
	" cseq TEXT, method_id INTEGER, status INTEGER, direction_id INTEGER,"
	" ms_diag_code INTEGER, ms_diag_reason TEXT,"
	" truncated INTEGER NOT NULL DEFAULT 0,"
	" chunk_id INTEGER, raw_off INTEGER, raw_len INTEGER);\n"
	"INSERT OR IGNORE INTO strings(s)"
	" SELECT level FROM records WHERE level IS NOT NULL"
	" UNION SELECT flag FROM records WHERE flag IS NOT NULL"
	" UNION SELECT host FROM records WHERE host IS NOT NULL"
	" UNION SELECT component FROM records WHERE component IS NOT NULL"
	" UNION SELECT function FROM records WHERE function IS NOT NULL"
	" UNION SELECT result_symbol FROM records WHERE result_symbol IS NOT NULL"
	" UNION SELECT transport FROM records WHERE transport IS NOT NULL"
	" UNION SELECT method FROM records WHERE method IS NOT NULL"
	" UNION SELECT direction FROM records WHERE direction IS NOT NULL;\n"
	"INSERT INTO record_rows SELECT r.id, r.file_id, r.line,"
	" CASE r.kind WHEN 'connection' THEN 1 WHEN 'diagnostic' THEN 2"
	"  WHEN 'protocol' THEN 3 ELSE 0 END, r.ts,"
	" (SELECT id FROM strings WHERE s = r.level),"
	" (SELECT id FROM strings WHERE s = r.flag),"
	" (SELECT id FROM strings WHERE s = r.host),"
	" (SELECT id FROM strings WHERE s = r.component),"
	" (SELECT id FROM strings WHERE s = r.function), r.text, r.result_code,"
	" (SELECT id FROM strings WHERE s = r.result_symbol),"
	" (SELECT id FROM strings WHERE s = r.transport),"
	" r.peer, r.local, r.fqdn, r.conn_id, r.call_id, r.cseq,"
	" (SELECT id FROM strings WHERE s = r.method), r.status,"
	" (SELECT id FROM strings WHERE s = r.direction),"
	" r.ms_diag_code, r.ms_diag_reason, r.truncated, r.chunk_id, r.raw_off,"
	" r.raw_len FROM records r ORDER BY r.id;\n"
	/* connections, diagnostics and messages stay as they are: they name
	   records, which becomes the view below */
	"DROP VIEW errors; DROP TABLE records;\n"
	"CREATE INDEX records_file_line ON record_rows(file_id, line);\n"
	"CREATE INDEX records_ts ON record_rows(ts);\n"
	"CREATE INDEX records_fqdn ON record_rows(fqdn) WHERE fqdn IS NOT NULL;\n"
	"CREATE INDEX records_call_id ON record_rows(call_id)"
	" WHERE call_id IS NOT NULL;\n"
	"CREATE INDEX records_result_code ON record_rows(result_code)"
	" WHERE result_code IS NOT NULL;\n"
	"CREATE VIEW records AS SELECT r.id AS id, r.file_id AS file_id,"
	" r.line AS line, r.ts AS ts,"
	" CASE r.kind WHEN 1 THEN 'connection' WHEN 2 THEN 'diagnostic'"
	"  WHEN 3 THEN 'protocol' ELSE 'trace' END AS kind,"
	" (SELECT s FROM strings WHERE id = r.level_id) AS level,"
	" (SELECT s FROM strings WHERE id = r.flag_id) AS flag,"
	" (SELECT s FROM strings WHERE id = r.host_id) AS host,"
	" (SELECT s FROM strings WHERE id = r.component_id) AS component,"
	" (SELECT s FROM strings WHERE id = r.function_id) AS function,"
	" r.text AS text, r.result_code AS result_code,"
	" (SELECT s FROM strings WHERE id = r.result_symbol_id) AS result_symbol,"
	" (SELECT s FROM strings WHERE id = r.transport_id) AS transport,"
	" r.peer AS peer, r.local AS local, r.fqdn AS fqdn,"
	" r.conn_id AS conn_id, r.call_id AS call_id, r.cseq AS cseq,"
	" (SELECT s FROM strings WHERE id = r.method_id) AS method,"
	" r.status AS status,"
	" (SELECT s FROM strings WHERE id = r.direction_id) AS direction,"
	" r.ms_diag_code AS ms_diag_code, r.ms_diag_reason AS ms_diag_reason,"
	" r.truncated AS truncated, r.chunk_id AS chunk_id,"
	" r.raw_off AS raw_off, r.raw_len AS raw_len FROM record_rows r;\n"
	/* Writes through the view (fixtures, hand-made test data): the
	   strings are added as needed, '' counts as NULL as in the ingest. */
	"CREATE TRIGGER records_insert INSTEAD OF INSERT ON records BEGIN"
	" INSERT OR IGNORE INTO strings(s) SELECT v FROM (SELECT NEW.level AS v"
	"  UNION ALL SELECT NEW.flag UNION ALL SELECT NEW.host"
	"  UNION ALL SELECT NEW.component UNION ALL SELECT NEW.function"
	"  UNION ALL SELECT NEW.result_symbol UNION ALL SELECT NEW.transport"
	"  UNION ALL SELECT NEW.method UNION ALL SELECT NEW.direction)"
	"  WHERE v IS NOT NULL AND v <> '';"
	" INSERT INTO record_rows VALUES(NEW.id, NEW.file_id, NEW.line,"
	"  CASE NEW.kind WHEN 'connection' THEN 1 WHEN 'diagnostic' THEN 2"
	"   WHEN 'protocol' THEN 3 ELSE 0 END, NEW.ts,"
	"  (SELECT id FROM strings WHERE s = NEW.level),"
	"  (SELECT id FROM strings WHERE s = NEW.flag),"
	"  (SELECT id FROM strings WHERE s = NEW.host),"
	"  (SELECT id FROM strings WHERE s = NEW.component),"
	"  (SELECT id FROM strings WHERE s = NEW.function), NEW.text,"
	"  NEW.result_code, (SELECT id FROM strings WHERE s = NEW.result_symbol),"
	"  (SELECT id FROM strings WHERE s = NEW.transport), NEW.peer, NEW.local,"
	"  NEW.fqdn, NEW.conn_id, NEW.call_id, NEW.cseq,"
	"  (SELECT id FROM strings WHERE s = NEW.method), NEW.status,"
	"  (SELECT id FROM strings WHERE s = NEW.direction), NEW.ms_diag_code,"
	"  NEW.ms_diag_reason, coalesce(NEW.truncated, 0), NEW.chunk_id,"
	"  NEW.raw_off, NEW.raw_len);"
	" END;\n"
	/* errors: the same rows as in version 1, picked on ids (a string
	   lookup per record made the view 4x slower). */
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.kind, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status,"
	" r.ms_diag_code, r.ms_diag_reason"
	" FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.id IN (SELECT e.id FROM record_rows e"
	" WHERE e.level_id IN (SELECT id FROM strings"
	" WHERE s IN ('TL_ERROR', 'TL_FATAL'))"
	" OR (e.kind = 3 AND e.status >= 400 AND e.ms_diag_code IS NOT NULL));\n",

	/* 3: each file's statistics, so that a summary reads a few rows per
	   file instead of every record.  Files of earlier versions get them
	   from their records when a summary first needs them. */
	"CREATE TABLE file_stats(file_id INTEGER NOT NULL, from_line INTEGER NOT NULL,"
	" to_line INTEGER NOT NULL, what TEXT NOT NULL, value TEXT,"
	" records INTEGER NOT NULL, first_ts TEXT, last_ts TEXT);\n"
	"CREATE INDEX file_stats_file ON file_stats(file_id, what);\n",

	/* 4: client logs.  What the client trust analysis needs of each
	   record (src/trust.c), and the trusted domains the clients are
	   configured with. */
	"CREATE TABLE client_facts(record_id INTEGER NOT NULL, fact TEXT NOT NULL,"
	" value TEXT NOT NULL, source TEXT);\n"
	"CREATE INDEX client_facts_record ON client_facts(record_id);\n"
	"CREATE TABLE trusted_domains(domain TEXT PRIMARY KEY, source TEXT);\n"
	/* the errors of client logs (level ERROR, FATAL) are errors too */
	"DROP VIEW errors;\n"
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.kind, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status,"
	" r.ms_diag_code, r.ms_diag_reason"
	" FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.id IN (SELECT e.id FROM record_rows e"
	" WHERE " SIP_IS_ERROR_ROW_V4_SQL("e") ");\n",

	/* 5: narrow rows.  ts and result_code become integers (the views
	   show them as before), local, conn_id and truncated are folded into
	   extra, and records(file_id, line) goes: a file's records are found
	   from files.first_id and files.resume_id. */
	"DROP VIEW connections; DROP VIEW diagnostics; DROP VIEW messages;"
	" DROP VIEW errors; DROP TRIGGER records_insert; DROP VIEW records;\n"
	"ALTER TABLE record_rows RENAME TO record_rows_v4;\n"
	RECORD_ROWS_V5
	"INSERT INTO record_rows(id, file_id, line, kind, ts, level_id, flag_id,"
	" host_id, component_id, function_id, text, result_code, result_symbol_id,"
	" transport_id, peer, fqdn, call_id, cseq, method_id, status,"
	" direction_id, ms_diag_code, ms_diag_reason, chunk_id, raw_off, raw_len,"
	" extra) SELECT id, file_id, line, kind, " TS_INT("ts") ", level_id,"
	" flag_id, host_id, component_id, function_id, text, "
	RESULT_INT("result_code") ", result_symbol_id, transport_id, peer, fqdn,"
	" call_id, cseq, method_id, status, direction_id, ms_diag_code,"
	" ms_diag_reason, chunk_id, raw_off, raw_len, " EXTRA_JSON("", "NULL")
	" FROM record_rows_v4 ORDER BY id;\n"
	"DROP TABLE record_rows_v4;\n"
	"ALTER TABLE files ADD COLUMN first_id INTEGER;\n"
	"ALTER TABLE files ADD COLUMN resume_id INTEGER;\n"
	"UPDATE files SET first_id = (SELECT min(r.id) FROM record_rows r"
	" WHERE r.file_id = files.id), resume_id = (SELECT max(r.id) FROM"
	" record_rows r WHERE r.file_id = files.id AND r.line = files.resume_line);\n"
	RECORD_INDEXES_V5
	"CREATE VIEW records AS SELECT r.id AS id, r.file_id AS file_id,"
	" r.line AS line, " TS_TEXT("r.ts") " AS ts,"
	" CASE r.kind WHEN 1 THEN 'connection' WHEN 2 THEN 'diagnostic'"
	"  WHEN 3 THEN 'protocol' ELSE 'trace' END AS kind,"
	" (SELECT s FROM strings WHERE id = r.level_id) AS level,"
	" (SELECT s FROM strings WHERE id = r.flag_id) AS flag,"
	" (SELECT s FROM strings WHERE id = r.host_id) AS host,"
	" (SELECT s FROM strings WHERE id = r.component_id) AS component,"
	" (SELECT s FROM strings WHERE id = r.function_id) AS function,"
	" r.text AS text, " RESULT_TEXT("r.result_code") " AS result_code,"
	" (SELECT s FROM strings WHERE id = r.result_symbol_id) AS result_symbol,"
	" (SELECT s FROM strings WHERE id = r.transport_id) AS transport,"
	" r.peer AS peer, json_extract(r.extra, '$.local') AS local,"
	" r.fqdn AS fqdn, json_extract(r.extra, '$.conn_id') AS conn_id,"
	" r.call_id AS call_id, r.cseq AS cseq,"
	" (SELECT s FROM strings WHERE id = r.method_id) AS method,"
	" r.status AS status,"
	" (SELECT s FROM strings WHERE id = r.direction_id) AS direction,"
	" r.ms_diag_code AS ms_diag_code, r.ms_diag_reason AS ms_diag_reason,"
	" coalesce(json_extract(r.extra, '$.truncated'), 0) AS truncated,"
	" r.chunk_id AS chunk_id, r.raw_off AS raw_off, r.raw_len AS raw_len,"
	" r.ts AS ts_ms, r.result_code AS result_int,"
	" json_extract(r.extra, '$.reason') AS reason"
	" FROM record_rows r;\n"
	"CREATE TRIGGER records_insert INSTEAD OF INSERT ON records BEGIN"
	" INSERT OR IGNORE INTO strings(s) SELECT v FROM (SELECT NEW.level AS v"
	"  UNION ALL SELECT NEW.flag UNION ALL SELECT NEW.host"
	"  UNION ALL SELECT NEW.component UNION ALL SELECT NEW.function"
	"  UNION ALL SELECT NEW.result_symbol UNION ALL SELECT NEW.transport"
	"  UNION ALL SELECT NEW.method UNION ALL SELECT NEW.direction)"
	"  WHERE v IS NOT NULL AND v <> '';"
	" INSERT INTO record_rows(id, file_id, line, kind, ts, level_id, flag_id,"
	"  host_id, component_id, function_id, text, result_code,"
	"  result_symbol_id, transport_id, peer, fqdn, call_id, cseq, method_id,"
	"  status, direction_id, ms_diag_code, ms_diag_reason, chunk_id, raw_off,"
	"  raw_len, extra) VALUES(NEW.id, NEW.file_id, NEW.line,"
	"  CASE NEW.kind WHEN 'connection' THEN 1 WHEN 'diagnostic' THEN 2"
	"   WHEN 'protocol' THEN 3 ELSE 0 END, " TS_INT("NEW.ts") ","
	"  (SELECT id FROM strings WHERE s = NEW.level),"
	"  (SELECT id FROM strings WHERE s = NEW.flag),"
	"  (SELECT id FROM strings WHERE s = NEW.host),"
	"  (SELECT id FROM strings WHERE s = NEW.component),"
	"  (SELECT id FROM strings WHERE s = NEW.function), NEW.text,"
	"  " RESULT_INT("NEW.result_code") ","
	"  (SELECT id FROM strings WHERE s = NEW.result_symbol),"
	"  (SELECT id FROM strings WHERE s = NEW.transport), NEW.peer,"
	"  NEW.fqdn, NEW.call_id, NEW.cseq,"
	"  (SELECT id FROM strings WHERE s = NEW.method), NEW.status,"
	"  (SELECT id FROM strings WHERE s = NEW.direction), NEW.ms_diag_code,"
	"  NEW.ms_diag_reason, NEW.chunk_id, NEW.raw_off, NEW.raw_len, "
	EXTRA_JSON("NEW.", "NEW.reason") ");"
	" END;\n"
	TYPED_VIEWS_V5
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.kind, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status,"
	" r.ms_diag_code, r.ms_diag_reason, r.ts_ms, r.result_int"
	" FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.id IN (SELECT e.id FROM record_rows e"
	" WHERE " SIP_IS_ERROR_ROW_V4_SQL("e") ");\n"
	/* the rules one of whose patterns gave up at the PCRE2 match or
	   depth limit on a record (counted as no match) */
	"CREATE TABLE limit_hits(record_id INTEGER NOT NULL, rule_id TEXT NOT NULL,"
	" PRIMARY KEY(record_id, rule_id)) WITHOUT ROWID;\n",
	/* 6: what a finding is about, how findings group and merge, how
	   well the reference backs them; inputs with the same content */
	"ALTER TABLE findings ADD COLUMN subject TEXT;\n"
	"ALTER TABLE findings ADD COLUMN group_id INTEGER;\n"
	"ALTER TABLE findings ADD COLUMN confidence TEXT;\n"
	"ALTER TABLE findings ADD COLUMN related TEXT;\n"
	"ALTER TABLE files ADD COLUMN content_hash TEXT;\n"
	"ALTER TABLE files ADD COLUMN duplicate_of INTEGER;\n"
	/* the catalogue that evaluated the stored records, and the rule
	   files given with --rules, kept so later runs load them too */
	"CREATE TABLE catalogue(hash TEXT NOT NULL, rules INTEGER NOT NULL,"
	" custom_files INTEGER NOT NULL, evaluated_at TEXT);\n"
	"CREATE TABLE custom_rules(file TEXT PRIMARY KEY, text TEXT NOT NULL,"
	" added_at TEXT);\n",
	/* 7: errors scans record_rows (e) first, then reads the records
	   view of its error rows (CROSS JOIN keeps that order), instead of
	   r.id IN (a scan of every row); its ts_ms is e.ts, so a range on
	   ts_ms uses the ts index: the errors of one hour of 1 GiB of
	   traces in 0.013 s instead of 0.22 s; a range on the text ts, and
	   the whole view, read the error rows only, as before */
	"DROP VIEW errors;\n"
	ERRORS_VIEW_V7(SIP_IS_ERROR_ROW_V4_SQL("e")),
	/* 8: tagsets.  The twelve columns of a row whose values repeat (the
	   nine of strings, the reason phrase from extra, the ms-diagnostics
	   code and reason), a few dozen combinations in a log, become one
	   id into tagsets, which holds each combination once, with its
	   strings (strings goes); a cseq of the form '<number> <method>' is
	   stored as its number: 17 columns a row instead of 27 (the bench's
	   SQLite floor for a 100 MiB trace 0.144 s against 0.197 s with
	   schema 7, the database 0.91x the size).  The views show the same columns and
	   values, each with one lookup.  A combination is added the first
	   time a row has it (ids in that order, as a fresh analyze gives). */
	"DROP VIEW connections; DROP VIEW diagnostics; DROP VIEW messages;"
	" DROP VIEW errors; DROP TRIGGER records_insert; DROP VIEW records;\n"
	TAGSETS_V8
	"CREATE TEMP TABLE sip_tagmap AS SELECT row_number() OVER (ORDER BY min(id))"
	" AS tid, level_id, flag_id, host_id, component_id, function_id,"
	" result_symbol_id, transport_id, method_id, direction_id,"
	" json_extract(extra, '$.reason') AS reason, ms_diag_reason, ms_diag_code"
	" FROM record_rows GROUP BY level_id, flag_id, host_id, component_id,"
	" function_id, result_symbol_id, transport_id, method_id, direction_id,"
	" json_extract(extra, '$.reason'), ms_diag_reason, ms_diag_code;\n"
	"CREATE INDEX temp.sip_tagmap_key ON sip_tagmap(level_id, flag_id, host_id,"
	" component_id, function_id, result_symbol_id, transport_id, method_id,"
	" direction_id, reason, ms_diag_reason, ms_diag_code);\n"
	"INSERT INTO tagsets(id, " TAG_COLS ") SELECT m.tid,"
	" (SELECT s FROM strings WHERE id = m.level_id),"
	" (SELECT s FROM strings WHERE id = m.flag_id),"
	" (SELECT s FROM strings WHERE id = m.host_id),"
	" (SELECT s FROM strings WHERE id = m.component_id),"
	" (SELECT s FROM strings WHERE id = m.function_id),"
	" (SELECT s FROM strings WHERE id = m.result_symbol_id),"
	" (SELECT s FROM strings WHERE id = m.transport_id),"
	" (SELECT s FROM strings WHERE id = m.method_id),"
	" (SELECT s FROM strings WHERE id = m.direction_id), m.reason,"
	" m.ms_diag_reason, m.ms_diag_code FROM temp.sip_tagmap m ORDER BY m.tid;\n"
	"ALTER TABLE record_rows RENAME TO record_rows_v7;\n"
	RECORD_ROWS_V8
	"INSERT INTO record_rows(id, file_id, line, kind, tagset_id, ts, text,"
	" result_code, peer, fqdn, call_id, cseq, status, chunk_id, raw_off,"
	" raw_len, extra) SELECT n.id,"
	" n.file_id, n.line, n.kind, (SELECT m.tid FROM temp.sip_tagmap m"
	" WHERE m.level_id IS n.level_id AND m.flag_id IS n.flag_id"
	" AND m.host_id IS n.host_id AND m.component_id IS n.component_id"
	" AND m.function_id IS n.function_id"
	" AND m.result_symbol_id IS n.result_symbol_id"
	" AND m.transport_id IS n.transport_id AND m.method_id IS n.method_id"
	" AND m.direction_id IS n.direction_id"
	" AND m.reason IS json_extract(n.extra, '$.reason')"
	" AND m.ms_diag_reason IS n.ms_diag_reason AND m.ms_diag_code IS n.ms_diag_code),"
	" n.ts, n.text,"
	" n.result_code, n.peer, n.fqdn, n.call_id, "
	CSEQ_INT("n.cseq", "(SELECT s FROM strings WHERE id = n.method_id)") ","
	" n.status, n.chunk_id, n.raw_off, n.raw_len,"
	" CASE WHEN json_extract(n.extra, '$.reason') IS NULL THEN n.extra"
	" ELSE nullif(json_remove(n.extra, '$.reason'), '{}') END"
	" FROM record_rows_v7 n ORDER BY n.id;\n"
	"DROP TABLE record_rows_v7; DROP TABLE temp.sip_tagmap; DROP TABLE strings;\n"
	RECORD_INDEXES_V5
	"CREATE VIEW records AS SELECT " SIP_RECORDS_COLUMNS_SQL(TAG_OF)
	" FROM record_rows r;\n"
	/* writes through the view: the tagset is added when new */
	"CREATE TRIGGER records_insert INSTEAD OF INSERT ON records BEGIN"
	" INSERT INTO tagsets(" TAG_COLS ") SELECT " TAG_NEW("level") ","
	"  " TAG_NEW("flag") ", " TAG_NEW("host") ", " TAG_NEW("component") ","
	"  " TAG_NEW("function") ", " TAG_NEW("result_symbol") ","
	"  " TAG_NEW("transport") ", " TAG_NEW("method") ", " TAG_NEW("direction") ","
	"  " TAG_NEW("reason") ", " TAG_NEW("ms_diag_reason") ","
	"  " TAG_NEW("ms_diag_code") " WHERE NOT EXISTS (SELECT 1 FROM tagsets t"
	"  WHERE " TAG_MATCH_NEW("t") ");"
	" INSERT INTO record_rows(id, file_id, line, kind, tagset_id, ts, text,"
	"  result_code, peer, fqdn, call_id, cseq, status, chunk_id, raw_off,"
	"  raw_len, extra) VALUES(NEW.id,"
	"  NEW.file_id, NEW.line, CASE NEW.kind WHEN 'connection' THEN 1"
	"  WHEN 'diagnostic' THEN 2 WHEN 'protocol' THEN 3 ELSE 0 END,"
	"  (SELECT min(t.id) FROM tagsets t WHERE " TAG_MATCH_NEW("t") "),"
	"  " TS_INT("NEW.ts") ", NEW.text, " RESULT_INT("NEW.result_code") ","
	"  NEW.peer, NEW.fqdn, NEW.call_id, " CSEQ_INT("NEW.cseq", "NEW.method") ","
	"  NEW.status, NEW.chunk_id, NEW.raw_off,"
	"  NEW.raw_len, " EXTRA_JSON("NEW.", "NULL") ");"
	" END;\n"
	TYPED_VIEWS_V5
	ERRORS_VIEW_V7(SIP_IS_ERROR_ROW_SQL("e")),
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/*
 * A new database gets the schema the migrations end in, at once: the
 * same tables, indexes, views and trigger, as sqlite_master holds them
 * after the last migration (the statements are its sql column, in its
 * order).  Running the migrations on a new database re-reads the whole
 * schema after each statement that alters a table or drops a view: 36 M
 * instructions, about 10 ms, every time a database is made.  When a
 * migration is added this text is made anew from the migrated schema
 * (test_store checks that both give the same sqlite_master, and fails
 * until they do).
 */
static const char schema_current[] =
	"CREATE TABLE files( id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
	" size INTEGER, mtime INTEGER, fingerprint TEXT, tail_hash TEXT, format"
	" TEXT, compression TEXT, encoding TEXT, host TEXT, first_ts TEXT,"
	" last_ts TEXT, records INTEGER, lines INTEGER, status TEXT NOT NULL,"
	" error TEXT, ingested_at TEXT, resume_offset INTEGER, resume_line"
	" INTEGER, first_id INTEGER, resume_id INTEGER, content_hash TEXT,"
	" duplicate_of INTEGER);\n"
	"CREATE TABLE chunks(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL,"
	" data BLOB NOT NULL);\n"
	"CREATE TABLE matches(record_id INTEGER NOT NULL, rule_id TEXT NOT"
	" NULL, key TEXT NOT NULL, vars TEXT, PRIMARY KEY(record_id, rule_id))"
	" WITHOUT ROWID;\n"
	"CREATE TABLE unexplained(record_id INTEGER PRIMARY KEY, template TEXT"
	" NOT NULL);\n"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, rule_id TEXT, severity"
	" TEXT, title TEXT, cause TEXT, fix TEXT, refs TEXT, key TEXT,"
	" keys_json TEXT, count INTEGER, first_seen TEXT, last_seen TEXT, hosts"
	" TEXT, sample_ids TEXT, benign INTEGER, subject TEXT, group_id"
	" INTEGER, confidence TEXT, related TEXT);\n"
	"CREATE TABLE finding_records(finding_id INTEGER, record_id INTEGER,"
	" PRIMARY KEY(finding_id, record_id)) WITHOUT ROWID;\n"
	"CREATE TABLE topology(id INTEGER PRIMARY KEY, fqdn TEXT NOT NULL, kind"
	" TEXT, source TEXT, UNIQUE(fqdn, source));\n"
	"CREATE TABLE file_stats(file_id INTEGER NOT NULL, from_line INTEGER"
	" NOT NULL, to_line INTEGER NOT NULL, what TEXT NOT NULL, value TEXT,"
	" records INTEGER NOT NULL, first_ts TEXT, last_ts TEXT);\n"
	"CREATE INDEX file_stats_file ON file_stats(file_id, what);\n"
	"CREATE TABLE client_facts(record_id INTEGER NOT NULL, fact TEXT NOT"
	" NULL, value TEXT NOT NULL, source TEXT);\n"
	"CREATE INDEX client_facts_record ON client_facts(record_id);\n"
	"CREATE TABLE trusted_domains(domain TEXT PRIMARY KEY, source TEXT);\n"
	"CREATE TABLE limit_hits(record_id INTEGER NOT NULL, rule_id TEXT NOT"
	" NULL, PRIMARY KEY(record_id, rule_id)) WITHOUT ROWID;\n"
	"CREATE TABLE catalogue(hash TEXT NOT NULL, rules INTEGER NOT NULL,"
	" custom_files INTEGER NOT NULL, evaluated_at TEXT);\n"
	"CREATE TABLE custom_rules(file TEXT PRIMARY KEY, text TEXT NOT NULL,"
	" added_at TEXT);\n"
	"CREATE TABLE tagsets(id INTEGER PRIMARY KEY, level TEXT, flag TEXT,"
	" host TEXT, component TEXT, function TEXT, result_symbol TEXT,"
	" transport TEXT, method TEXT, direction TEXT, reason TEXT,"
	" ms_diag_reason TEXT, ms_diag_code INTEGER);\n"
	"CREATE INDEX tagsets_key ON tagsets(level, flag, host, component,"
	" function, result_symbol, transport, method, direction, reason,"
	" ms_diag_reason, ms_diag_code);\n"
	"CREATE TABLE record_rows( id INTEGER PRIMARY KEY, file_id INTEGER NOT"
	" NULL REFERENCES files(id), line INTEGER NOT NULL, kind INTEGER NOT"
	" NULL, tagset_id INTEGER, ts, text TEXT, result_code, peer TEXT, fqdn"
	" TEXT, call_id TEXT, cseq, status INTEGER, chunk_id INTEGER, raw_off"
	" INTEGER, raw_len INTEGER, extra TEXT);\n"
	"CREATE INDEX records_ts ON record_rows(ts);\n"
	"CREATE INDEX records_fqdn ON record_rows(fqdn) WHERE fqdn IS NOT"
	" NULL;\n"
	"CREATE INDEX records_call_id ON record_rows(call_id) WHERE call_id IS"
	" NOT NULL;\n"
	"CREATE INDEX records_result_code ON record_rows(result_code) WHERE"
	" result_code IS NOT NULL;\n"
	"CREATE VIEW records AS SELECT r.id AS id, r.file_id AS file_id, r.line"
	" AS line, CASE WHEN typeof(r.ts) = 'integer' THEN strftime('%Y-%m-%d"
	" %H:%M:%S', r.ts / 1000, 'unixepoch') || printf('.%03d', r.ts % 1000)"
	" ELSE r.ts END AS ts, CASE r.kind WHEN 1 THEN 'connection' WHEN 2 THEN"
	" 'diagnostic'  WHEN 3 THEN 'protocol' ELSE 'trace' END AS kind,"
	" (SELECT level FROM tagsets WHERE id = r.tagset_id) AS level, (SELECT"
	" flag FROM tagsets WHERE id = r.tagset_id) AS flag, (SELECT host FROM"
	" tagsets WHERE id = r.tagset_id) AS host, (SELECT component FROM"
	" tagsets WHERE id = r.tagset_id) AS component, (SELECT function FROM"
	" tagsets WHERE id = r.tagset_id) AS function, r.text AS text, CASE"
	" WHEN typeof(r.result_code) = 'integer' THEN printf('0x%08x',"
	" r.result_code) ELSE r.result_code END AS result_code, (SELECT"
	" result_symbol FROM tagsets WHERE id = r.tagset_id) AS result_symbol,"
	" (SELECT transport FROM tagsets WHERE id = r.tagset_id) AS transport,"
	" r.peer AS peer, json_extract(r.extra, '$.local') AS local, r.fqdn AS"
	" fqdn, json_extract(r.extra, '$.conn_id') AS conn_id, r.call_id AS"
	" call_id, CASE WHEN typeof(r.cseq) = 'integer'  THEN r.cseq || ' ' ||"
	" (SELECT method FROM tagsets WHERE id = r.tagset_id) ELSE r.cseq END"
	" AS cseq, (SELECT method FROM tagsets WHERE id = r.tagset_id) AS"
	" method, r.status AS status, (SELECT direction FROM tagsets WHERE id ="
	" r.tagset_id) AS direction, (SELECT ms_diag_code FROM tagsets WHERE id"
	" = r.tagset_id) AS ms_diag_code, (SELECT ms_diag_reason FROM tagsets"
	" WHERE id = r.tagset_id) AS ms_diag_reason,"
	" coalesce(json_extract(r.extra, '$.truncated'), 0) AS truncated,"
	" r.chunk_id AS chunk_id, r.raw_off AS raw_off, r.raw_len AS raw_len,"
	" r.ts AS ts_ms, r.result_code AS result_int, (SELECT reason FROM"
	" tagsets WHERE id = r.tagset_id) AS reason FROM record_rows r;\n"
	"CREATE TRIGGER records_insert INSTEAD OF INSERT ON records BEGIN"
	" INSERT INTO tagsets(level, flag, host, component, function,"
	" result_symbol, transport, method, direction, reason, ms_diag_reason,"
	" ms_diag_code) SELECT nullif(NEW.level, ''),  nullif(NEW.flag, ''),"
	" nullif(NEW.host, ''), nullif(NEW.component, ''), "
	" nullif(NEW.function, ''), nullif(NEW.result_symbol, ''), "
	" nullif(NEW.transport, ''), nullif(NEW.method, ''),"
	" nullif(NEW.direction, ''),  nullif(NEW.reason, ''),"
	" nullif(NEW.ms_diag_reason, ''),  nullif(NEW.ms_diag_code, '') WHERE"
	" NOT EXISTS (SELECT 1 FROM tagsets t  WHERE t.level IS"
	" nullif(NEW.level, '') AND t.flag IS nullif(NEW.flag, '') AND t.host"
	" IS nullif(NEW.host, '') AND t.component IS nullif(NEW.component, '')"
	" AND t.function IS nullif(NEW.function, '') AND t.result_symbol IS"
	" nullif(NEW.result_symbol, '') AND t.transport IS"
	" nullif(NEW.transport, '') AND t.method IS nullif(NEW.method, '') AND"
	" t.direction IS nullif(NEW.direction, '') AND t.reason IS"
	" nullif(NEW.reason, '') AND t.ms_diag_reason IS"
	" nullif(NEW.ms_diag_reason, '') AND t.ms_diag_code IS"
	" nullif(NEW.ms_diag_code, '')); INSERT INTO record_rows(id, file_id,"
	" line, kind, tagset_id, ts, text,  result_code, peer, fqdn, call_id,"
	" cseq, status, chunk_id, raw_off,  raw_len, extra) VALUES(NEW.id, "
	" NEW.file_id, NEW.line, CASE NEW.kind WHEN 'connection' THEN 1  WHEN"
	" 'diagnostic' THEN 2 WHEN 'protocol' THEN 3 ELSE 0 END,  (SELECT"
	" min(t.id) FROM tagsets t WHERE t.level IS nullif(NEW.level, '') AND"
	" t.flag IS nullif(NEW.flag, '') AND t.host IS nullif(NEW.host, '') AND"
	" t.component IS nullif(NEW.component, '') AND t.function IS"
	" nullif(NEW.function, '') AND t.result_symbol IS"
	" nullif(NEW.result_symbol, '') AND t.transport IS"
	" nullif(NEW.transport, '') AND t.method IS nullif(NEW.method, '') AND"
	" t.direction IS nullif(NEW.direction, '') AND t.reason IS"
	" nullif(NEW.reason, '') AND t.ms_diag_reason IS"
	" nullif(NEW.ms_diag_reason, '') AND t.ms_diag_code IS"
	" nullif(NEW.ms_diag_code, '')),  CASE WHEN NEW.ts GLOB"
	" '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
	" [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]' AND NEW.ts >="
	" '1970' AND datetime(unixepoch(NEW.ts), 'unixepoch') = substr(NEW.ts,"
	" 1, 19) THEN unixepoch(NEW.ts) * 1000 + CAST(substr(NEW.ts, 21, 3) AS"
	" INTEGER) ELSE nullif(NEW.ts, '') END, NEW.text, CASE WHEN"
	" NEW.result_code GLOB"
	" '0x[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'"
	" THEN ((instr('0123456789abcdef', lower(substr(NEW.result_code, 3,"
	" 1))) - 1) << 28) | ((instr('0123456789abcdef',"
	" lower(substr(NEW.result_code, 4, 1))) - 1) << 24) |"
	" ((instr('0123456789abcdef', lower(substr(NEW.result_code, 5, 1))) -"
	" 1) << 20) | ((instr('0123456789abcdef', lower(substr(NEW.result_code,"
	" 6, 1))) - 1) << 16) | ((instr('0123456789abcdef',"
	" lower(substr(NEW.result_code, 7, 1))) - 1) << 12) |"
	" ((instr('0123456789abcdef', lower(substr(NEW.result_code, 8, 1))) -"
	" 1) << 8) | ((instr('0123456789abcdef', lower(substr(NEW.result_code,"
	" 9, 1))) - 1) << 4) | (instr('0123456789abcdef',"
	" lower(substr(NEW.result_code, 10, 1))) - 1) ELSE"
	" nullif(NEW.result_code, '') END,  NEW.peer, NEW.fqdn, NEW.call_id,"
	" CASE WHEN nullif(NEW.method, '') IS NOT NULL AND NEW.cseq GLOB"
	" '[1-9]*' AND CAST(NEW.cseq AS INTEGER) BETWEEN 1 AND 999999999 AND"
	" NEW.cseq = CAST(CAST(NEW.cseq AS INTEGER) AS TEXT) || ' ' ||"
	" NEW.method THEN CAST(NEW.cseq AS INTEGER) ELSE NEW.cseq END, "
	" NEW.status, NEW.chunk_id, NEW.raw_off,  NEW.raw_len, CASE WHEN"
	" nullif(NEW.local, '') IS NULL AND nullif(NEW.conn_id, '') IS NULL AND"
	" nullif(NULL, '') IS NULL AND coalesce(NEW.truncated, 0) = 0 THEN NULL"
	" ELSE json_object('local', nullif(NEW.local, ''), 'conn_id',"
	" nullif(NEW.conn_id, ''), 'reason', nullif(NULL, ''), 'truncated',"
	" CASE WHEN coalesce(NEW.truncated, 0) <> 0 THEN 1 END) END); END;\n"
	"CREATE VIEW connections AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.transport, r.peer, r.local, r.fqdn, r.conn_id,"
	" r.ts_ms, r.result_int FROM records r JOIN files f ON f.id = r.file_id"
	" WHERE r.kind = 'connection';\n"
	"CREATE VIEW diagnostics AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.transport, r.peer, r.fqdn, r.call_id, r.cseq,"
	" r.method, r.ts_ms, r.result_int FROM records r JOIN files f ON f.id ="
	" r.file_id WHERE r.kind = 'diagnostic';\n"
	"CREATE VIEW messages AS SELECT r.id, r.file_id, f.path AS file,"
	" r.line, r.ts, r.level, r.host, r.direction, r.peer, r.transport,"
	" r.method, r.status, r.call_id, r.cseq, r.ms_diag_code,"
	" r.ms_diag_reason, r.ts_ms, r.reason FROM records r JOIN files f ON"
	" f.id = r.file_id WHERE r.kind = 'protocol';\n"
	"CREATE VIEW errors AS SELECT r.id, r.file_id, f.path AS file, r.line,"
	" r.ts, r.kind, r.level, r.host, r.text, r.result_code,"
	" r.result_symbol, r.peer, r.fqdn, r.call_id, r.method, r.status,"
	" r.ms_diag_code, r.ms_diag_reason, e.ts AS ts_ms, r.result_int FROM"
	" record_rows e CROSS JOIN records r ON r.id = e.id JOIN files f ON"
	" f.id = r.file_id WHERE (e.tagset_id IN (SELECT id FROM tagsets WHERE"
	" level IN ('TL_ERROR', 'TL_FATAL', 'ERROR', 'FATAL')) OR (e.kind = 3"
	" AND e.status >= 400 AND e.tagset_id IN (SELECT id FROM tagsets WHERE"
	" ms_diag_code IS NOT NULL)));\n";

/* call_id: random keys, cheaper sorted once after a large load than kept
   up row by row once the index outgrows the page cache (1 GiB bench
   trace: 4.6 s against 6.9 s).  ts grows with one log, so for one file
   its entries go at the end of the index and stay cheap: kept up, it
   saves building it at the end, when only the writer works (1 GiB: 4.6 s
   against 5.0 s when dropped too).  Files of several servers cover the
   same hours and interleave in ts: when they are small, each file's
   entries land a few to a page all over the index, and it is cheaper
   dropped too (200 files of 1 MiB: 1.06 s against 1.34 s; the same
   measured again later: kept up 1.08x the wall of dropped).  Large files
   put hundreds of entries in each page they touch, and the index is
   cheaper kept up while the parsers run than built at the end, when only
   the writer works (4 files of 25 MiB, --jobs 2: 0.89x the wall of
   dropped; --jobs 1: 1.03x, within the noise); the caller decides by the
   mean file size.  The sparse partial indexes (fqdn, result_code) cost
   almost nothing per row and stay. */
static const char bulk_index_drop[] =
	"DROP INDEX IF EXISTS records_call_id;";
static const char bulk_index_drop_ts[] =
	"DROP INDEX IF EXISTS records_ts;";

static const char index_create[] =
	"CREATE INDEX IF NOT EXISTS records_ts ON record_rows(ts);"
	"CREATE INDEX IF NOT EXISTS records_fqdn ON record_rows(fqdn)"
	" WHERE fqdn IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS records_call_id ON record_rows(call_id)"
	" WHERE call_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS records_result_code ON record_rows(result_code)"
	" WHERE result_code IS NOT NULL;";

/*
 * The record insert, for one row and for INS_GROUP rows at once: one
 * statement per INS_GROUP rows costs 15% fewer instructions per row (fewer
 * steps, resets and statement ends).  The id is not given, so SQLite picks
 * max(id) + 1 without looking the id up first (5% fewer instructions than
 * giving it); the writer, the only one, knows max(id) and so the ids of a
 * group, and checks the last one after each statement.  OR FAIL: a
 * statement that inserts many rows and may abort makes SQLite keep a
 * statement journal (213 MB of temp-file writes for a 100 MiB trace); with
 * FAIL it need not, and a failure rolls the whole transaction back anyway.
 */
#define INS_GROUP 16
#define INS_NCOL 16
static const char insert_head[] =
	"INSERT OR FAIL INTO record_rows(file_id, line, kind, tagset_id, status,"
	" chunk_id, raw_off, raw_len, extra, ts, text, result_code, peer, fqdn,"
	" call_id, cseq) VALUES";
static const char insert_tuple[] =
	"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
/* The parameter (from 1) of each column of sip_row in a tuple; 0: not a
   parameter of its own (local and conn_id go into extra, the tag columns
   into the tagset). */
static const unsigned char col_param[SIP_COL_N] = {
	[SIP_COL_TS] = 10, [SIP_COL_TEXT] = 11, [SIP_COL_RESULT_CODE] = 12,
	[SIP_COL_PEER] = 13, [SIP_COL_FQDN] = 14, [SIP_COL_CALL_ID] = 15,
	[SIP_COL_CSEQ] = 16,
};
#define INS_TAGSET 4
#define INS_EXTRA 9

static const char tag_get_sql[] =
	"SELECT min(id) FROM tagsets WHERE level IS ?1 AND flag IS ?2 AND host IS ?3"
	" AND component IS ?4 AND function IS ?5 AND result_symbol IS ?6"
	" AND transport IS ?7 AND method IS ?8 AND direction IS ?9 AND reason IS ?10"
	" AND ms_diag_reason IS ?11 AND ms_diag_code IS ?12";
static const char tag_ins_sql[] =
	"INSERT INTO tagsets(" TAG_COLS ")"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/* The string tag columns of sip_row, in the order of TAG_COLS; its last,
   ms_diag_code, is the row's number (the last key of a tagset, + 1). */
static const unsigned char tag_col[TAG_NSTR] = {
	SIP_COL_LEVEL, SIP_COL_FLAG, SIP_COL_HOST, SIP_COL_COMPONENT,
	SIP_COL_FUNCTION, SIP_COL_RESULT_SYMBOL, SIP_COL_TRANSPORT,
	SIP_COL_METHOD, SIP_COL_DIRECTION, SIP_COL_REASON, SIP_COL_MS_DIAG_REASON,
};

static const char insert_chunk_sql[] =
	"INSERT INTO chunks(file_id, data, id) VALUES(?1, ?2, ?3)";

static int db_error(sqlite3 *db, sip_diag *diag, const char *what)
{
	int code = db ? sip_db_code(db) : SIP_EDB;
	char m[512];

	return sip_diag_set(diag, code, db ? sqlite3_db_filename(db, "main") : "",
			    0, "%s: %s", what,
			    db ? sip_db_errmsg(db, m, sizeof m) : "no database");
}

static int exec_sql(sqlite3 *db, const char *sql, sip_diag *diag)
{
	char *err = NULL, m[512];
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		int code = sip_db_code(db);
		const char *msg = sip_db_errmsg(db, m, sizeof m);
		sip_diag_set(diag, code, sqlite3_db_filename(db, "main"), 0, "%s",
			     msg == m ? msg : err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return code;
	}
	return SIP_OK;
}

/*
 * Check the identity of the open database: returns SIP_OK with *version,
 * or SIP_EDB when it is not ours or too new.
 */
static int check_identity(sqlite3 *db, const char *path, int *version,
			  sip_diag *diag)
{
	int64_t app, ver, ntables;

	app = sip_db_int(db, "PRAGMA application_id");
	ver = sip_db_int(db, "PRAGMA user_version");
	ntables = sip_db_int(db, "SELECT count(*) FROM sqlite_master");
	if (app < 0 || ver < 0 || ntables < 0)
		return db_error(db, diag, "cannot read the database header");
	if (app != 0 && app != SIP_STORE_APP_ID)
		return sip_diag_set(diag, SIP_EDB, path, 0,
				    "not a sipscan database (application_id 0x%08llx)",
				    (unsigned long long)(uint32_t)app);
	if (app == 0 && ntables > 0)
		return sip_diag_set(diag, SIP_EDB, path, 0,
				    "not a sipscan database (it holds other tables)");
	if (ver > SIP_STORE_SCHEMA_VERSION)
		return sip_diag_set(diag, SIP_EDB, path, 0,
				    "database schema version %lld is newer than this "
				    "sipscan knows (%d); upgrade sipscan",
				    (long long)ver, SIP_STORE_SCHEMA_VERSION);
	*version = (int)ver;
	return SIP_OK;
}

/* Apply the migrations after *version, in one write transaction. */
static int migrate(sqlite3 *db, const char *path, int migrate_all, sip_diag *diag)
{
	char sql[128];
	int version = 0, rc;

	if ((rc = exec_sql(db, "BEGIN IMMEDIATE", diag)))
		return rc;
	/* Re-check under the write lock: another process may have migrated. */
	if ((rc = check_identity(db, path, &version, diag)))
		goto out;
	if (version == 0 && !migrate_all) {
		/* a new database: the current schema at once */
		if ((rc = exec_sql(db, schema_current, diag)))
			goto out;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", NMIGRATIONS);
		if ((rc = exec_sql(db, sql, diag)))
			goto out;
	}
	for (int v = version; v < NMIGRATIONS && (version || migrate_all); v++) {
		if ((rc = exec_sql(db, migrations[v], diag)))
			goto out;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if ((rc = exec_sql(db, sql, diag)))
			goto out;
	}
	if (version < NMIGRATIONS) {
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d", SIP_STORE_APP_ID);
		if ((rc = exec_sql(db, sql, diag)))
			goto out;
	}
	rc = exec_sql(db, "COMMIT", diag);
out:
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int sip_store_open(sip_store **out, const char *path, int flags, sip_diag *diag)
{
	sip_store *s;
	int rc, version = 0;
	int oflags = (flags & SIP_STORE_READONLY) ? SQLITE_OPEN_READONLY
		   : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

	*out = NULL;
	if (!(s = calloc(1, sizeof *s)))
		return sip_diag_set(diag, SIP_ENOMEM, path, 0, "out of memory");
	s->readonly = !!(flags & SIP_STORE_READONLY);
	sip_buf_init(&s->extra, 0);
	if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = sip_diag_set(diag, sip_db_code(s->db) == SIP_ENOMEM ? SIP_ENOMEM : SIP_EDB,
				  path, 0, "cannot open database: %s",
				  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, 600000);
	if ((rc = check_identity(s->db, path, &version, diag)))
		goto out;
	if (s->readonly) {
		if (version == 0) {
			rc = sip_diag_set(diag, SIP_EDB, path, 0,
					  "no sipscan database here (run 'sipscan analyze' first)");
			goto out;
		}
	} else {
		/* page_size only matters for a new database: 8 KiB pages made
		   the ingest ~8% faster than 4 KiB (fewer b-tree splits and WAL
		   frames) for 0.4% more bytes. */
		/* A rollback journal, not WAL: a bulk load appends pages to
		   the file, which a rollback journal writes once, where WAL
		   writes each page twice (log, then checkpoint) and reads it
		   back: 20% of an analyze's wall time.  The database stays one
		   file, as read-only media and network shares want.  A WAL
		   database of an earlier version is switched when nothing else
		   has it open, and otherwise stays WAL (the result is not an
		   error either way). */
		/* A 4 MiB page cache: the load appends, so a larger cache only
		   holds pages it will not touch again (16 MiB: 0.49 s against
		   0.44 s for a 100 MiB trace, 16 MiB more peak RSS). */
		/* secure_delete=FAST whatever the library's default (Debian's
		   is ON, SQLite's OFF): deleted rows are zeroed in the pages
		   that are written anyway, but a page freed whole is not
		   written (and journaled) again full of zeros.  Replacing the
		   records of a changed 100 MiB trace: 0.93x the wall of ON (11
		   pairs; OFF 0.91x); a first load the same (0.99x). */
		sqlite3_exec(s->db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
		if ((rc = exec_sql(s->db, "PRAGMA page_size=8192;"
				   "PRAGMA synchronous=FULL;"
				   "PRAGMA cache_size=-4096;"
				   "PRAGMA secure_delete=FAST;"
				   "PRAGMA foreign_keys=OFF;", diag)))
			goto out;
		if ((flags & SIP_STORE_NOSYNC) &&
		    (rc = exec_sql(s->db, "PRAGMA synchronous=OFF;", diag)))
			goto out;
		if (version < SIP_STORE_SCHEMA_VERSION && (rc = migrate(s->db, path, !!(flags & SIP_STORE_MIGRATE), diag)))
			goto out;
		s->migrated = version < SIP_STORE_SCHEMA_VERSION;
		char sql[sizeof insert_head + INS_GROUP * sizeof insert_tuple];
		size_t n = 0;
		n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s", insert_head,
				      insert_tuple);
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->ins, NULL) != SQLITE_OK) {
			rc = db_error(s->db, diag, "prepare insert");
			goto out;
		}
		/* calloc: every parameter of a new statement is NULL */
		if (!(s->bound = calloc((size_t)(1 + INS_GROUP) * INS_NCOL,
					sizeof *s->bound))) {
			rc = sip_diag_set(diag, SIP_ENOMEM, path, 0, "out of memory");
			goto out;
		}
		for (int i = 1; i < INS_GROUP; i++)
			n += (size_t)snprintf(sql + n, sizeof sql - n, ",%s", insert_tuple);
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->ins_group, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v3(s->db, insert_chunk_sql, -1,
				       SQLITE_PREPARE_PERSISTENT, &s->ins_chunk,
				       NULL) != SQLITE_OK ||
		    sqlite3_prepare_v3(s->db, tag_get_sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->tag_get, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v3(s->db, tag_ins_sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->tag_ins, NULL) != SQLITE_OK) {
			rc = db_error(s->db, diag, "prepare insert");
			goto out;
		}
	}
	rc = SIP_OK;
out:
	if (rc)
		sip_store_free(s);
	else
		*out = s;
	return rc;
}

static void intern_clear(sip_store *s)
{
	if (s->itab)
		for (size_t i = 0; i < INTERN_SLOTS; i++)
			free(s->itab[i].s);
	free(s->itab);
	s->itab = NULL;
	s->icount = 0;
	free(s->ttab);
	s->ttab = NULL;
	s->tslots = s->tcount = 0;
	memset(s->last, 0, sizeof s->last);
	s->next_id = 0;
}

void sip_store_free(sip_store *s)
{
	if (!s)
		return;
	intern_clear(s);
	sip_buf_release(&s->extra);
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->ins_group);
	free(s->bound);
	sqlite3_finalize(s->ins_chunk);
	sqlite3_finalize(s->tag_get);
	sqlite3_finalize(s->tag_ins);
	sqlite3_finalize(s->file_get);
	sqlite3_close(s->db);
	free(s);
}

sqlite3 *sip_store_db(sip_store *s)
{
	return s->db;
}

int sip_store_migrated(const sip_store *s)
{
	return s->migrated;
}

int sip_store_schema_version(sip_store *s)
{
	return (int)sip_db_int(s->db, "PRAGMA user_version");
}

int sip_store_exec(sip_store *s, const char *sql, sip_diag *diag)
{
	s->next_id = 0;   /* sql may have written records */
	return exec_sql(s->db, sql, diag);
}

int sip_store_begin(sip_store *s, sip_diag *diag)
{
	s->next_id = 0;   /* another connection may have written in between */
	return exec_sql(s->db, "BEGIN IMMEDIATE", diag);
}

int sip_store_commit(sip_store *s, sip_diag *diag)
{
	return exec_sql(s->db, "COMMIT", diag);
}

int sip_store_in_tx(const sip_store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

void sip_store_rollback(sip_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	intern_clear(s);
}

int sip_store_drop_bulk_indexes(sip_store *s, int ts_too, sip_diag *diag)
{
	int rc = exec_sql(s->db, bulk_index_drop, diag);

	if (!rc && ts_too)
		rc = exec_sql(s->db, bulk_index_drop_ts, diag);
	return rc;
}

/*
 * CREATE INDEX sorts in memory up to cache_size before it spills to temp
 * files, and that sort buffer comes on top of the page cache: with 16 MiB
 * the peak RSS of a large load grew by up to 16 MiB with the input (43 MiB
 * at 100 MiB, 52 MiB at 1 GiB).  A 2 MiB cache while the indexes are built
 * keeps the peak that of the ingest; the build measured no slower.
 */
int sip_store_create_indexes(sip_store *s, sip_diag *diag)
{
	int rc, rc2;

	if ((rc = exec_sql(s->db, "PRAGMA cache_size=-2048;", diag)))
		return rc;
	rc = exec_sql(s->db, index_create, diag);
	rc2 = exec_sql(s->db, "PRAGMA cache_size=-4096;", rc ? NULL : diag);
	return rc ? rc : rc2;
}

/* ---- files ------------------------------------------------------------ */

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, dstsz, "%s", t ? (const char *)t : "");
}

int sip_store_file_by_content(sip_store *s, const char *content, const char *path,
			      int64_t *id, char **canon, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	*canon = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT id, path FROM files WHERE content_hash = ?1"
			       " AND path <> ?2 AND status IN ('ingested', 'partial')"
			       " AND duplicate_of IS NULL ORDER BY id LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_error(s->db, diag, "prepare files lookup by content");
	sqlite3_bind_text(st, 1, content, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 1);
		*id = sqlite3_column_int64(st, 0);
		if (!(*canon = strdup(p ? p : "")))
			rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
		else
			rc = SIP_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SIP_OK;
	} else {
		rc = db_error(s->db, diag, "files lookup by content");
	}
	sqlite3_finalize(st);
	return rc;
}

int sip_store_file_get(sip_store *s, const char *path, sip_store_file *f,
		       sip_diag *diag)
{
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof *f);
	/* prepared once: a directory of 200 inputs prepared it 200 times,
	   a tenth of a re-run that found nothing new */
	if (!s->file_get &&
	    sqlite3_prepare_v3(s->db,
			       "SELECT id, path, size, mtime, fingerprint, tail_hash,"
			       " status, error, records, lines, resume_offset,"
			       " resume_line, first_ts, last_ts, host"
			       " FROM files WHERE path = ?", -1, SQLITE_PREPARE_PERSISTENT,
			       &s->file_get, NULL) != SQLITE_OK)
		return db_error(s->db, diag, "prepare files lookup");
	st = s->file_get;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		f->id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, f->path, sizeof f->path);
		f->size = sqlite3_column_int64(st, 2);
		f->mtime = sqlite3_column_int64(st, 3);
		col_copy(st, 4, f->fingerprint, sizeof f->fingerprint);
		col_copy(st, 5, f->tail_hash, sizeof f->tail_hash);
		col_copy(st, 6, f->status, sizeof f->status);
		col_copy(st, 7, f->error, sizeof f->error);
		f->records = (uint64_t)sqlite3_column_int64(st, 8);
		f->lines = (uint64_t)sqlite3_column_int64(st, 9);
		f->resume_offset = (uint64_t)sqlite3_column_int64(st, 10);
		f->resume_line = (uint64_t)sqlite3_column_int64(st, 11);
		col_copy(st, 12, f->first_ts, sizeof f->first_ts);
		col_copy(st, 13, f->last_ts, sizeof f->last_ts);
		col_copy(st, 14, f->host, sizeof f->host);
		rc = SIP_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SIP_OK;
	} else {
		rc = db_error(s->db, diag, "files lookup");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/*
 * Run a statement with up to two int64 parameters; with out, the integer
 * of its first row and column into *out (-1 when there is none, or NULL).
 */
static int run2_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t *out,
		    sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(db, diag, "prepare");
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	if (out && rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(st, 0);
	rc = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? SIP_OK
	     : db_error(db, diag, out ? "read" : "write");
	sqlite3_finalize(st);
	return rc;
}

static int run2(sqlite3 *db, const char *sql, int64_t a, int64_t b, sip_diag *diag)
{
	return run2_int(db, sql, a, b, NULL, diag);
}

/*
 * The records of file id from line from_line on are those with that
 * file_id and an id from the lower bound this gives: resume_id when they
 * are the resume record and after, else first_id (the ids of a file grow
 * with its lines).  A file of a version 4 database without first_id gets
 * 0, a scan.
 */
#define FILE_RANGE(r) \
	r ".file_id = ?1 AND " r ".line >= ?2 AND " r ".id >= (SELECT CASE" \
	" WHEN ?2 > 0 AND resume_id IS NOT NULL AND ?2 >= resume_line THEN resume_id" \
	" ELSE coalesce(first_id, 0) END FROM files WHERE id = ?1)"

int sip_store_delete_records(sip_store *s, int64_t id, uint64_t from_line,
			     sip_diag *diag)
{
	int64_t from = (int64_t)from_line;
	int rc;

	if ((rc = run2(s->db, "DELETE FROM matches WHERE record_id IN (SELECT r.id"
		       " FROM record_rows r WHERE " FILE_RANGE("r") ")", id, from, diag)))
		return rc;
	if ((rc = run2(s->db, "DELETE FROM unexplained WHERE record_id IN (SELECT r.id"
		       " FROM record_rows r WHERE " FILE_RANGE("r") ")", id, from, diag)))
		return rc;
	if ((rc = run2(s->db, "DELETE FROM client_facts WHERE record_id IN (SELECT r.id"
		       " FROM record_rows r WHERE " FILE_RANGE("r") ")", id, from, diag)) ||
	    (rc = run2(s->db, "DELETE FROM limit_hits WHERE record_id IN (SELECT r.id"
		       " FROM record_rows r WHERE " FILE_RANGE("r") ")", id, from, diag)))
		return rc;
	/* the ranges of lines that lose a record; the ingest keeps a file's
	   last record in a range of its own, so an incremental run (which
	   deletes from that record on) keeps the counts of the rest */
	if ((rc = run2(s->db, "DELETE FROM file_stats WHERE file_id = ?1 AND to_line >= ?2",
		       id, from, diag)))
		return rc;
	s->next_id = 0;   /* the deleted rows may have been the last ids */
	/* The file's chunk ids grow with its lines: the chunks after the one
	   of the last kept record hold deleted records only. */
	if ((rc = run2(s->db, "DELETE FROM chunks WHERE file_id = ?1 AND id > coalesce("
		       "(SELECT r.chunk_id FROM record_rows r WHERE r.file_id = ?1"
		       " AND r.id >= (SELECT coalesce(first_id, 0) FROM files WHERE id = ?1)"
		       " AND r.id < coalesce((SELECT CASE WHEN ?2 > 0 AND resume_id IS NOT NULL"
		       " AND ?2 >= resume_line THEN resume_id END FROM files WHERE id = ?1),"
		       " 9223372036854775807) AND r.line < ?2"
		       " AND r.chunk_id IS NOT NULL ORDER BY r.id DESC LIMIT 1), 0)",
		       id, from, diag)))
		return rc;
	return run2(s->db, "DELETE FROM record_rows WHERE " FILE_RANGE("record_rows"),
		    id, from, diag);
}

int sip_store_drop_overlap(sip_store *s, int64_t id, int64_t other, uint64_t *n,
			   sip_diag *diag)
{
	static const char *const del[] = {
		"DELETE FROM matches WHERE record_id IN temp.sip_dup",
		"DELETE FROM unexplained WHERE record_id IN temp.sip_dup",
		"DELETE FROM client_facts WHERE record_id IN temp.sip_dup",
		"DELETE FROM limit_hits WHERE record_id IN temp.sip_dup",
		"DELETE FROM record_rows WHERE id IN temp.sip_dup",
		"DELETE FROM file_stats WHERE file_id = ?1",
		("UPDATE files SET records = (SELECT count(*) FROM record_rows r WHERE"
		 " r.file_id = ?1 AND r.id >= coalesce(files.first_id, 0)) WHERE id = ?1"),
	};
	int rc;

	*n = 0;
	if ((rc = run2(s->db, "CREATE TEMP TABLE IF NOT EXISTS sip_dup(id INTEGER PRIMARY KEY)",
		       0, 0, diag)) ||
	    (rc = run2(s->db, "DELETE FROM temp.sip_dup", 0, 0, diag)))
		return rc;
	if ((rc = run2(s->db, "INSERT INTO temp.sip_dup SELECT r.id FROM record_rows r"
		       " WHERE r.file_id = ?1 AND r.id >= (SELECT coalesce(first_id, 0) FROM files"
		       " WHERE id = ?1) AND r.ts IS NOT NULL AND EXISTS (SELECT 1 FROM record_rows g"
		       " WHERE " SIP_SAME_RECORD_SQL("g", "r") " AND g.file_id = ?2)", id, other, diag)))
		return rc;
	*n = (uint64_t)sqlite3_changes(s->db);
	if (!*n)
		return SIP_OK;
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++)
		if ((rc = run2(s->db, del[i], id, 0, diag)))
			return rc;
	s->next_id = 0;
	return SIP_OK;
}

/* ---- file statistics ------------------------------------------------- */

static int stat_row(sqlite3_stmt *st, const char *what, const char *v, size_t len,
		    uint64_t n, const char *t0, const char *t1)
{
	int rc;

	if (!n)
		return 0;   /* counted only in the other range */
	sqlite3_bind_text(st, 4, what, -1, SQLITE_STATIC);
	if (v)
		sqlite3_bind_text(st, 5, v, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, (int64_t)n);
	if (t0 && *t0)
		sqlite3_bind_text(st, 7, t0, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (t1 && *t1)
		sqlite3_bind_text(st, 8, t1, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int stat_set(sqlite3_stmt *st, const char *what, const sip_tally_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const sip_tally_ent *e = &set->v[i];
		if (stat_row(st, what, e->s, e->len, e->n, e->t0, e->t1))
			return -1;
	}
	return 0;
}

static const char *const kind_name[4] = { "trace", "connection", "diagnostic", "protocol" };

int sip_store_stats_put(sip_store *s, int64_t id, sip_tally *t, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_tally_one one;
	int bad = 0;

	if (!t->rows)
		return SIP_OK;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO file_stats(file_id, from_line, to_line,"
			       " what, value, records, first_ts, last_ts)"
			       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) != SQLITE_OK)
		return db_error(s->db, diag, "prepare file_stats insert");
	sqlite3_bind_int64(st, 1, id);
	/* the last record alone, then the records before it */
	sip_tally_take_last(t, &one);
	sqlite3_bind_int64(st, 2, (int64_t)one.line);
	sqlite3_bind_int64(st, 3, (int64_t)one.line);
	bad = stat_row(st, "kind", kind_name[one.kind], strlen(kind_name[one.kind]), 1,
		       NULL, NULL) ||
	      stat_row(st, "level", one.level, one.level_len, 1, NULL, NULL) ||
	      stat_row(st, "host", one.host, one.host_len, 1, one.ts, one.ts) ||
	      (one.err && stat_row(st, "error", one.err, one.err_len, 1, NULL, NULL)) ||
	      (one.outcome && stat_row(st, "outcome", one.outcome, one.outcome_len, 1,
				       NULL, NULL));
	if (!bad && t->rows) {
		sqlite3_bind_int64(st, 2, (int64_t)t->first_line);
		sqlite3_bind_int64(st, 3, (int64_t)t->prev_line);
		for (int k = 0; k < 4 && !bad; k++)
			bad = stat_row(st, "kind", kind_name[k], strlen(kind_name[k]),
				       t->kinds[k], NULL, NULL);
		if (!bad)
			bad = stat_set(st, "level", &t->levels) ||
			      stat_set(st, "host", &t->hosts) ||
			      stat_set(st, "error", &t->errors) ||
			      stat_set(st, "outcome", &t->outcomes);
	}
	sqlite3_finalize(st);
	return bad ? db_error(s->db, diag, "file_stats insert") : SIP_OK;
}

/* The same statistics as src/tally.c counts, from the records of file ?1
   with lines in [?2, ?3], as the range [?2, ?3]; the error rows are the
   errors view's, picked on the file's rows alone. */
#define FILL_RANGE "r.file_id = ?1 AND r.line BETWEEN ?2 AND ?3" \
	" AND r.id >= (SELECT coalesce(first_id, 0) FROM files WHERE id = ?1)"
static const char *const stats_fill_sql[] = {
	"INSERT INTO file_stats(file_id, from_line, to_line, what, value, records)"
	" SELECT ?1, ?2, ?3, 'kind',"
	" CASE r.kind WHEN 1 THEN 'connection' WHEN 2 THEN 'diagnostic'"
	"  WHEN 3 THEN 'protocol' ELSE 'trace' END AS k, count(*)"
	" FROM record_rows r WHERE " FILL_RANGE " GROUP BY k",
	"INSERT INTO file_stats(file_id, from_line, to_line, what, value, records)"
	" SELECT ?1, ?2, ?3, 'level', " TAG_OF("level") " AS v,"
	" count(*) FROM record_rows r WHERE " FILL_RANGE " GROUP BY v",
	"INSERT INTO file_stats(file_id, from_line, to_line, what, value, records,"
	" first_ts, last_ts) SELECT ?1, ?2, ?3, 'host', " TAG_OF("host") " AS v,"
	" count(*), " TS_TEXT("min(r.ts)") ", " TS_TEXT("max(r.ts)")
	" FROM record_rows r WHERE " FILL_RANGE " GROUP BY v",
	"INSERT INTO file_stats(file_id, from_line, to_line, what, value, records)"
	" SELECT ?1, ?2, ?3, 'error',"
	" coalesce(r.text, " TAG_OF("ms_diag_reason") ", " TAG_OF("result_symbol") ","
	"  '(no text)') AS t,"
	" count(*) FROM record_rows r WHERE " FILL_RANGE
	" AND " SIP_IS_ERROR_ROW_SQL("r")
	" GROUP BY t",
	/* the outcomes, "486 Busy Here" (the reason kept from schema 5 on) */
	"INSERT INTO file_stats(file_id, from_line, to_line, what, value, records)"
	" SELECT ?1, ?2, ?3, 'outcome', r.status || coalesce(' ' ||"
	" " TAG_OF("reason") ", '') AS o, count(*) FROM record_rows r"
	" WHERE " FILL_RANGE " AND " SIP_IS_OUTCOME_ROW_SQL("r") " GROUP BY o",
};

static int fill_range(sqlite3 *db, int64_t id, int64_t from, int64_t to, sip_diag *diag)
{
	int rc = SIP_OK;

	for (size_t i = 0; !rc && i < sizeof stats_fill_sql / sizeof *stats_fill_sql; i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, stats_fill_sql[i], -1, &st, NULL) != SQLITE_OK)
			return db_error(db, diag, "prepare file_stats fill");
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, to);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_error(db, diag, "file_stats fill");
		sqlite3_finalize(st);
	}
	return rc;
}

int sip_store_stats_fill(sip_store *s, int64_t id, sip_diag *diag)
{
	int64_t first, prev, last;
	int rc;

	if ((rc = run2(s->db, "DELETE FROM file_stats WHERE file_id = ?1", id, 0, diag)))
		return rc;
	/* the ranges the ingest writes: the last record alone, the rest */
	if ((rc = run2_int(s->db, "SELECT max(line) FROM record_rows WHERE file_id = ?1",
			    id, 0, &last, diag)) || last < 0)
		return rc;
	if ((rc = run2_int(s->db, "SELECT min(line) FROM record_rows WHERE file_id = ?1",
			    id, 0, &first, diag)) ||
	    (rc = run2_int(s->db, "SELECT max(line) FROM record_rows WHERE file_id = ?1"
			    " AND line < ?2", id, last, &prev, diag)) ||
	    (rc = fill_range(s->db, id, last, last, diag)))
		return rc;
	return prev < 0 ? SIP_OK : fill_range(s->db, id, first, prev, diag);
}

/* s->next_id, asked of the database when not known */
static int next_id(sip_store *s, sip_diag *diag)
{
	if (s->next_id <= 0) {
		int64_t max = sip_db_int(s->db, "SELECT coalesce(max(id), 0) FROM record_rows");
		if (max < 0)
			return db_error(s->db, diag, "records max id");
		s->next_id = max + 1;
	}
	return SIP_OK;
}

int sip_store_file_start(sip_store *s, const char *path, int64_t *id,
			 uint64_t from_line, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc;

	s->file_last = 0;
	if (*id == 0) {
		if ((rc = next_id(s, diag)))
			return rc;
		if (sqlite3_prepare_v2(s->db, "INSERT INTO files(path, status, first_id)"
				       " VALUES(?, 'ingesting', ?)", -1, &st, NULL) != SQLITE_OK)
			return db_error(s->db, diag, "prepare files insert");
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, s->next_id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return db_error(s->db, diag, "files insert");
		*id = sqlite3_last_insert_rowid(s->db);
		return SIP_OK;
	}
	if ((rc = run2(s->db, "UPDATE files SET status = 'ingesting' WHERE id = ?",
		       *id, 0, diag)) ||
	    (rc = sip_store_delete_records(s, *id, from_line, diag)))
		return rc;
	if ((rc = next_id(s, diag)))
		return rc;
	/* replaced: its records start again at the end; appended: they
	   start where they did (or, for a file that had none, at the end) */
	return run2(s->db, from_line > 0
		    ? "UPDATE files SET first_id = coalesce(first_id, ?2) WHERE id = ?1"
		    : "UPDATE files SET first_id = ?2, resume_id = NULL WHERE id = ?1",
		    *id, s->next_id, diag);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t)
{
	if (t && *t)
		sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int sip_store_file_finish(sip_store *s, const sip_store_file *f,
			  const char *format, const char *compression,
			  const char *encoding, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S", &tm);
	if (sqlite3_prepare_v2(s->db,
			       "UPDATE files SET size=?1, mtime=?2, fingerprint=?3,"
			       " tail_hash=?4, format=?5, compression=?6, encoding=?7,"
			       " host=?8, first_ts=?9, last_ts=?10, records=?11,"
			       " lines=?12, status=?13, error=?14, ingested_at=?15,"
			       " resume_offset=?16, resume_line=?17, resume_id=?19,"
			       " content_hash=?20, duplicate_of=?21"
			       " WHERE id=?18",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(s->db, diag, "prepare files update");
	sqlite3_bind_int64(st, 1, f->size);
	sqlite3_bind_int64(st, 2, f->mtime);
	bind_text_or_null(st, 3, f->fingerprint);
	bind_text_or_null(st, 4, f->tail_hash);
	bind_text_or_null(st, 5, format);
	bind_text_or_null(st, 6, compression);
	bind_text_or_null(st, 7, encoding);
	bind_text_or_null(st, 8, f->host);
	bind_text_or_null(st, 9, f->first_ts);
	bind_text_or_null(st, 10, f->last_ts);
	sqlite3_bind_int64(st, 11, (int64_t)f->records);
	sqlite3_bind_int64(st, 12, (int64_t)f->lines);
	bind_text_or_null(st, 13, f->status);
	bind_text_or_null(st, 14, f->error);
	sqlite3_bind_text(st, 15, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, (int64_t)f->resume_offset);
	sqlite3_bind_int64(st, 17, (int64_t)f->resume_line);
	sqlite3_bind_int64(st, 18, f->id);
	if (s->file_last > 0)
		sqlite3_bind_int64(st, 19, s->file_last);
	bind_text_or_null(st, 20, f->content);
	if (f->duplicate_of > 0)
		sqlite3_bind_int64(st, 21, f->duplicate_of);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? SIP_OK : db_error(s->db, diag, "files update");
	sqlite3_finalize(st);
	return rc;
}

int sip_store_file_count(sip_store *s, int64_t id, uint64_t *n, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM record_rows WHERE file_id = ?1"
			       " AND id >= (SELECT coalesce(first_id, 0) FROM files WHERE id = ?1)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(s->db, diag, "prepare count");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		rc = SIP_OK;
	} else {
		rc = db_error(s->db, diag, "count");
	}
	sqlite3_finalize(st);
	return rc;
}


/* ---- chunks ---------------------------------------------------------------- */

/* A chunk's text is never larger than this (a sip_buf's own limit). */
#define CHUNK_MAX_TEXT SIP_BUF_MAX

struct sip_zctx {
	ZSTD_CCtx *cctx;
};

sip_zctx *sip_zctx_new(void)
{
	sip_zctx *z = calloc(1, sizeof *z);

	if (!z)
		return NULL;
	/* Level 1 with a hash table of 2^13 entries instead of its 2^14 for
	   1 MiB: 1.06x the speed at 0.98x the ratio on SIPStack text (zstd
	   -b, 50 MiB of the bench trace in 1 MiB blocks: 920 against 870
	   MB/s, 9.91x against 10.12x). */
	if (!(z->cctx = ZSTD_createCCtx()) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_hashLog, 13))) {
		ZSTD_freeCCtx(z->cctx);
		free(z);
		return NULL;
	}
	return z;
}

void sip_zctx_free(sip_zctx *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	free(z);
}

int sip_store_chunk_compress(sip_zctx *z, const void *text, size_t n,
			     sip_buf *out)
{
	size_t bound = ZSTD_compressBound(n), got;

	if (n > CHUNK_MAX_TEXT || ZSTD_isError(bound))
		return SIP_ENOMEM;
	if (sip_buf_reserve(out, bound))
		return SIP_ENOMEM;
	/* ~900 MB/s per core at a ratio near 0.1 on SIPStack text, with the
	   parameters of sip_zctx_new; ZSTD_compress2 keeps them and writes
	   the content size into the frame header. */
	got = ZSTD_compress2(z->cctx, out->p + out->n, bound, text, n);
	if (ZSTD_isError(got))
		return ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation
		       ? SIP_ENOMEM : SIP_EINTERNAL;
	out->n += got;
	out->p[out->n] = 0;
	return SIP_OK;
}

/* Decompress blob into out (replacing it), with dctx or a temporary one. */
static int chunk_decompress(ZSTD_DCtx *dctx, const void *blob, size_t n,
			    sip_buf *out)
{
	unsigned long long size;
	size_t got;

	sip_buf_reset(out);
	if (!blob || n == 0)
		return SIP_EFORMAT;
	size = ZSTD_getFrameContentSize(blob, n);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size > CHUNK_MAX_TEXT)
		return SIP_EFORMAT;
	if (sip_buf_reserve(out, (size_t)size))
		return SIP_ENOMEM;
	got = dctx ? ZSTD_decompressDCtx(dctx, out->p, (size_t)size + 1, blob, n)
		   : ZSTD_decompress(out->p, (size_t)size + 1, blob, n);
	if (ZSTD_isError(got) || got != size) {
		sip_buf_reset(out);
		return ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation
		       ? SIP_ENOMEM : SIP_EFORMAT;
	}
	out->n = got;
	out->p[got] = 0;
	return SIP_OK;
}

int sip_store_chunk_decompress(const void *blob, size_t n, sip_buf *out)
{
	return chunk_decompress(NULL, blob, n, out);
}

int64_t sip_store_next_chunk_id(sip_store *s)
{
	return sip_db_int(s->db, "SELECT coalesce(max(id), 0) + 1 FROM chunks");
}

int sip_store_insert_chunk(sip_store *s, int64_t file_id, const void *blob,
			   size_t n, int64_t *id, sip_diag *diag)
{
	sqlite3_stmt *st = s->ins_chunk;
	int rc;

	if (!st)
		return sip_diag_set(diag, SIP_EREADONLY, "", 0, "store opened read-only");
	if (n > 0x7fffffffu)
		return sip_diag_set(diag, SIP_EDB, "", 0, "chunk too large");
	sqlite3_bind_int64(st, 1, file_id);
	sqlite3_bind_blob(st, 2, blob ? blob : "", (int)n, SQLITE_STATIC);
	if (*id > 0)
		sqlite3_bind_int64(st, 3, *id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_error(s->db, diag, "insert chunk");
	*id = sqlite3_last_insert_rowid(s->db);
	return SIP_OK;
}

/* ---- reading the text back ----------------------------------------------- */

/* The last chunk decompressed, for sequential reads. */
typedef struct chunk_cache {
	int64_t id;          /* chunks.id of text, 0 = none */
	sip_buf text;
	ZSTD_DCtx *dctx;
} chunk_cache;

static int cache_init(chunk_cache *c)
{
	c->id = 0;
	sip_buf_init(&c->text, 0);
	return (c->dctx = ZSTD_createDCtx()) ? SIP_OK : SIP_ENOMEM;
}

static void cache_release(chunk_cache *c)
{
	sip_buf_release(&c->text);
	ZSTD_freeDCtx(c->dctx);
	c->dctx = NULL;
	c->id = 0;
}

static const char chunk_sql[] = "SELECT data FROM chunks WHERE id = ?1";

/*
 * Make chunk id the cached one.  *stp is a statement kept by the caller
 * (prepared on first use), or with stp NULL one is made and finalized
 * here, so that nothing stays prepared on db.
 */
static int cache_load(chunk_cache *c, sqlite3 *db, sqlite3_stmt **stp,
		      int64_t id, sip_diag *diag)
{
	sqlite3_stmt *st = stp ? *stp : NULL;
	int rc, src;

	if (c->id == id)
		return SIP_OK;
	c->id = 0;
	if (!st && sqlite3_prepare_v3(db, chunk_sql, -1, stp ? SQLITE_PREPARE_PERSISTENT : 0,
				      &st, NULL) != SQLITE_OK)
		return db_error(db, diag, "prepare chunk lookup");
	if (stp)
		*stp = st;
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		rc = chunk_decompress(c->dctx, sqlite3_column_blob(st, 0),
				      (size_t)sqlite3_column_bytes(st, 0), &c->text);
		if (rc)
			sip_diag_set(diag, rc, sqlite3_db_filename(db, "main"), 0,
				     "chunk %lld: %s", (long long)id,
				     rc == SIP_EFORMAT ? "damaged compressed text"
						       : sip_strerror(rc));
		else
			c->id = id;
	} else if (src == SQLITE_DONE) {
		rc = sip_diag_set(diag, SIP_EFORMAT, sqlite3_db_filename(db, "main"), 0,
				  "chunk %lld is missing", (long long)id);
	} else {
		rc = db_error(db, diag, "chunk lookup");
	}
	if (stp)
		sqlite3_reset(st);
	else
		sqlite3_finalize(st);
	return rc;
}

/* Check the place of a record's text in the cached chunk. */
static int cache_slice(chunk_cache *c, sqlite3 *db, int64_t off, int64_t len,
		       const char **p, size_t *n, sip_diag *diag)
{
	if (off < 0 || len < 0 || (uint64_t)off > c->text.n ||
	    (uint64_t)len > c->text.n - (uint64_t)off)
		return sip_diag_set(diag, SIP_EFORMAT, sqlite3_db_filename(db, "main"), 0,
				    "chunk %lld: text [%lld, +%lld) out of range",
				    (long long)c->id, (long long)off, (long long)len);
	*p = c->text.p + off;
	*n = (size_t)len;
	return SIP_OK;
}

struct sip_store_text_reader {
	sqlite3 *db;
	sqlite3_stmt *rec;    /* chunk_id, raw_off, raw_len, file_id of a record */
	sqlite3_stmt *chunk;  /* data of a chunk (prepared on first use) */
	chunk_cache cache;
	sip_srctext *src;     /* texts kept by reference */
};

int sip_store_text_reader_new(sip_store_text_reader **out, sqlite3 *db,
			      sip_diag *diag)
{
	sip_store_text_reader *tr;

	*out = NULL;
	if (!(tr = calloc(1, sizeof *tr)))
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	tr->db = db;
	if (cache_init(&tr->cache) || !(tr->src = sip_srctext_new())) {
		sip_store_text_reader_free(tr);
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	}
	if (sqlite3_prepare_v3(db, "SELECT chunk_id, raw_off, raw_len, file_id FROM records"
			       " WHERE id = ?1", -1, SQLITE_PREPARE_PERSISTENT,
			       &tr->rec, NULL) != SQLITE_OK) {
		int rc = db_error(db, diag, "prepare record lookup");
		sip_store_text_reader_free(tr);
		return rc;
	}
	*out = tr;
	return SIP_OK;
}

void sip_store_text_reader_free(sip_store_text_reader *tr)
{
	if (!tr)
		return;
	sqlite3_finalize(tr->rec);
	sqlite3_finalize(tr->chunk);
	cache_release(&tr->cache);
	sip_srctext_free(tr->src);
	free(tr);
}

/* Append p (n bytes) to out, or as much as out's cap allows. */
static int add_capped(sip_buf *out, const char *p, size_t n)
{
	size_t max = out->max ? out->max : SIP_BUF_MAX, room;

	if (sip_buf_add(out, p, n) == SIP_OK)
		return SIP_OK;
	room = max > out->n + 1 ? max - out->n - 1 : 0;
	if (room > n)
		room = n;
	while (room && sip_buf_add(out, p, room) != SIP_OK)
		room /= 2;  /* out of memory rather than at the cap */
	return SIP_ENOMEM;
}

int sip_store_text_get_at(sip_store_text_reader *tr, int64_t chunk_id,
			  int64_t file_id, int64_t raw_off, int64_t raw_len,
			  sip_buf *out, sip_diag *diag)
{
	const char *p = NULL;
	size_t n = 0;
	int rc;

	if (chunk_id <= 0)   /* kept by reference, or no text */
		return sip_srctext_get(tr->src, tr->db, file_id, raw_off, raw_len, out, diag);
	if ((rc = cache_load(&tr->cache, tr->db, &tr->chunk, chunk_id, diag)) ||
	    (rc = cache_slice(&tr->cache, tr->db, raw_off, raw_len, &p, &n, diag)))
		return rc;
	return add_capped(out, p, n);
}

int sip_store_text_get(sip_store_text_reader *tr, int64_t record_id,
		       sip_buf *out, sip_diag *diag)
{
	sqlite3_stmt *st = tr->rec;
	int64_t chunk_id, off, len, file_id;
	int src;

	sqlite3_bind_int64(st, 1, record_id);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		int rc = src == SQLITE_DONE
			 ? sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(tr->db, "main"), 0,
					"no record with id %lld", (long long)record_id)
			 : db_error(tr->db, diag, "record lookup");
		sqlite3_reset(st);
		return rc;
	}
	chunk_id = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0);
	off = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
	len = sqlite3_column_int64(st, 2);
	file_id = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	return sip_store_text_get_at(tr, chunk_id, file_id, off, len, out, diag);
}

/* What sipscan_raw keeps between calls. */
typedef struct raw_ctx {
	chunk_cache c;
	sip_srctext *src;
	sip_buf text;
} raw_ctx;

/*
 * sipscan_raw(chunk_id, raw_off, raw_len [, file_id]): the record's text as
 * a BLOB; with file_id, a text kept by reference (chunk_id NULL, --text
 * evidence) is read from the original file.
 */
static void raw_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	raw_ctx *x = sqlite3_user_data(ctx);
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	const char *p = NULL;
	size_t n = 0;
	sip_diag d;
	int rc;

	if (argc != 3 && argc != 4) {
		sqlite3_result_error(ctx, "sipscan_raw takes 3 or 4 arguments", -1);
		return;
	}
	sip_diag_clear(&d);
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		if (argc < 4 || sqlite3_value_type(argv[1]) == SQLITE_NULL ||
		    sqlite3_value_int64(argv[2]) <= 0) {
			sqlite3_result_null(ctx);
			return;
		}
		sip_buf_reset(&x->text);
		rc = sip_srctext_get(x->src, db, sqlite3_value_int64(argv[3]),
				     sqlite3_value_int64(argv[1]),
				     sqlite3_value_int64(argv[2]), &x->text, &d);
		p = x->text.p ? x->text.p : "";
		n = x->text.n;
	} else if (!(rc = cache_load(&x->c, db, NULL, sqlite3_value_int64(argv[0]), &d))) {
		rc = cache_slice(&x->c, db, sqlite3_value_int64(argv[1]),
				 sqlite3_value_int64(argv[2]), &p, &n, &d);
	}
	if (rc) {
		if (rc == SIP_ENOMEM)
			sqlite3_result_error_nomem(ctx);
		else
			sqlite3_result_error(ctx, d.msg, -1);
		return;
	}
	sqlite3_result_blob64(ctx, p, (sqlite3_uint64)n, SQLITE_TRANSIENT);
}

static void raw_fn_free(void *p)
{
	raw_ctx *x = p;

	if (x) {
		cache_release(&x->c);
		sip_srctext_free(x->src);
		sip_buf_release(&x->text);
		free(x);
	}
}

int sip_store_register_raw_fn(sqlite3 *db, sip_diag *diag)
{
	raw_ctx *x = calloc(1, sizeof *x);

	if (!x || cache_init(&x->c) || !(x->src = sip_srctext_new())) {
		raw_fn_free(x);
		return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	}
	sip_buf_init(&x->text, 0);
	/* On failure SQLite calls raw_fn_free itself. */
	if (sqlite3_create_function_v2(db, "sipscan_raw", -1,
				       SQLITE_UTF8 | SQLITE_DIRECTONLY, x, raw_fn,
				       NULL, NULL, raw_fn_free) != SQLITE_OK)
		return db_error(db, diag, "register sipscan_raw");
	return SIP_OK;
}

/* ---- rows ---------------------------------------------------------------- */

/* src[col] = v for a stored field; col SIP_NOCOL: not stored. */
static void put_col(sip_str *src, int col, sip_str v)
{
	if (col >= 0 && col < SIP_COL_N)
		src[col] = v;
}

/*
 * A value that runs over lines (a header folded, or wrapped by whoever
 * pasted it: "reason=\"Cannot route ... to or\n from federated
 * partners\"") is one line in its column: each line break, with the
 * blanks around it, becomes one blank (as a fold reads in SIP), in place.
 */
static void fold_value(sip_str *v)
{
	char *q = (char *)v->p;
	size_t w = 0;

	for (size_t r = 0; r < v->n; r++) {
		if (q[r] != '\n' && !(q[r] == '\r' && r + 1 < v->n && q[r + 1] == '\n')) {
			q[w++] = q[r];
			continue;
		}
		while (w && (q[w - 1] == ' ' || q[w - 1] == '\t'))
			w--;
		while (r + 1 < v->n && (q[r + 1] == '\n' || q[r + 1] == '\r' ||
					q[r + 1] == ' ' || q[r + 1] == '\t'))
			r++;
		if (w && r + 1 < v->n)
			q[w++] = ' ';   /* none at either end */
	}
	v->n = w;
}

int sip_row_fill(sip_row *row, const sip_record *rec, sip_arena *a)
{
	char code[16];
	sip_str *src = row->col;   /* slices into rec, then into the arena */
	size_t total = 0;
	char *p = NULL;

	/* every field set here: no memset of the row (cold batch memory) */
	row->line = rec->line;
	row->end_line = rec->end_line;
	row->offset = rec->offset;
	row->kind = rec->kind;
	row->truncated = !!rec->truncated;
	row->status = rec->status >= 0 ? rec->status : -1;
	row->ms_diag_code = -1;
	row->raw_off = row->raw_len = 0;
	row->by_ref = 0;
	row->src_off = 0;
	row->payload = SIP_STR_NULL;
	for (int i = 0; i < SIP_COL_N; i++)
		src[i] = SIP_STR_NULL;
	src[SIP_COL_TS] = (sip_str){ rec->ts, strnlen(rec->ts, sizeof rec->ts) };
	src[SIP_COL_LEVEL] = rec->level;
	src[SIP_COL_FLAG] = rec->flag;
	src[SIP_COL_TEXT] = rec->text;
	/* the stored fields of record_fields.def */
#define SIP_S(m, name, col) put_col(src, col, rec->m);
#include "record_fields.def"
	if (rec->has_result) {
		static const char hex[] = "0123456789abcdef";
		code[0] = '0';
		code[1] = 'x';
		for (int k = 0; k < 8; k++)
			code[2 + k] = hex[((unsigned)rec->result_code >> (28 - 4 * k)) & 15];
		src[SIP_COL_RESULT_CODE] = (sip_str){ code, 10 };
	}
	src[SIP_COL_RESULT_SYMBOL] = rec->result_symbol;
	if (rec->ndiags > 0 && rec->diags) {
		row->ms_diag_code = rec->diags[0].code >= 0 ? rec->diags[0].code : -1;
		src[SIP_COL_MS_DIAG_REASON] = rec->diags[0].reason;
	}
	/* the values side by side in one allocation (one arena call a row,
	   not one a column); empty and absent both become a NULL slice */
	for (int i = 0; i < SIP_COL_N; i++)
		if (src[i].p && src[i].n)
			total += src[i].n;
	if (total && !(p = sip_arena_alloc(a, total)))
		return SIP_ENOMEM;
	for (int i = 0; i < SIP_COL_N; i++) {
		if (!src[i].p || !src[i].n) {
			src[i] = SIP_STR_NULL;
			continue;
		}
		memcpy(p, src[i].p, src[i].n);
		src[i].p = p;
		p += src[i].n;
	}
	if (total && memchr(p - total, '\n', total))
		for (int i = 0; i < SIP_COL_N; i++)
			if (src[i].n && memchr(src[i].p, '\n', src[i].n)) {
				fold_value(&src[i]);
				if (!src[i].n)
					src[i] = SIP_STR_NULL;
			}
	return SIP_OK;
}


/* The number of column col's value v (not empty), through the memory;
   0 when the memory cannot hold it. */
static int64_t intern(sip_store *s, int col, sip_str v)
{
	const intern_ent *e = s->last[col];
	uint64_t h;
	size_t i;

	if (e && e->n == v.n && memcmp(e->s, v.p, v.n) == 0)
		return e->id;
	if (!s->itab && !(s->itab = calloc(INTERN_SLOTS, sizeof *s->itab)))
		return 0;
	h = sip_fnv(v.p, v.n);
	for (i = h & (INTERN_SLOTS - 1); s->itab[i].s; i = (i + 1) & (INTERN_SLOTS - 1)) {
		e = &s->itab[i];
		if (e->h == h && e->n == v.n && memcmp(e->s, v.p, v.n) == 0) {
			s->last[col] = e;
			return e->id;
		}
	}
	if (s->icount >= INTERN_MAX || !(s->itab[i].s = malloc(v.n + 1)))
		return 0;
	memcpy(s->itab[i].s, v.p, v.n);
	s->itab[i].s[v.n] = 0;
	s->itab[i].n = v.n;
	s->itab[i].h = h;
	s->itab[i].id = (int64_t)++s->icount;
	s->last[col] = &s->itab[i];
	return s->itab[i].id;
}

/* The tagsets.id of row's tag values (found, or added in the open
   transaction). */
static int tagset_db(sip_store *s, const sip_row *row, int64_t *id, sip_diag *diag)
{
	int rc;

	if (row->ms_diag_code >= 0) {
		sqlite3_bind_int64(s->tag_get, TAG_NKEY, row->ms_diag_code);
		sqlite3_bind_int64(s->tag_ins, TAG_NKEY, row->ms_diag_code);
	} else {
		sqlite3_bind_null(s->tag_get, TAG_NKEY);
		sqlite3_bind_null(s->tag_ins, TAG_NKEY);
	}
	for (int i = 0; i < TAG_NSTR; i++) {
		const sip_str *v = &row->col[tag_col[i]];
		if (!v->p || !v->n) {
			sqlite3_bind_null(s->tag_get, i + 1);
			sqlite3_bind_null(s->tag_ins, i + 1);
		} else if (v->n > 0x7fffffffu) {
			return sip_diag_set(diag, SIP_EDB, "", 0, "value too long");
		} else {
			sqlite3_bind_text(s->tag_get, i + 1, v->p, (int)v->n, SQLITE_STATIC);
			sqlite3_bind_text(s->tag_ins, i + 1, v->p, (int)v->n, SQLITE_STATIC);
		}
	}
	rc = sqlite3_step(s->tag_get);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s->tag_get, 0) : 0;
	sqlite3_reset(s->tag_get);
	if (rc != SQLITE_ROW)
		return db_error(s->db, diag, "tagsets lookup");
	if (*id > 0)
		return SIP_OK;
	rc = sqlite3_step(s->tag_ins);
	sqlite3_reset(s->tag_ins);
	if (rc != SQLITE_DONE)
		return db_error(s->db, diag, "tagsets insert");
	*id = sqlite3_last_insert_rowid(s->db);
	return SIP_OK;
}

static size_t tag_hash(const int64_t *key)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (int i = 0; i < TAG_NKEY; i++)
		h = (h ^ (uint64_t)key[i]) * 0x100000001b3u;
	return (size_t)(h ^ h >> 29);
}

/* Double the tagset memory (from none to TAG_SLOTS0); 0 when it cannot. */
static int tag_grow(sip_store *s)
{
	size_t n = s->tslots ? s->tslots * 2 : TAG_SLOTS0;
	tag_ent *t;

	if (n > TAG_SLOTS_MAX || !(t = calloc(n, sizeof *t)))
		return 0;
	for (size_t i = 0; i < s->tslots; i++) {
		size_t j;
		if (!s->ttab[i].id)
			continue;
		for (j = tag_hash(s->ttab[i].key) & (n - 1); t[j].id; j = (j + 1) & (n - 1))
			;
		t[j] = s->ttab[i];
	}
	free(s->ttab);
	s->ttab = t;
	s->tslots = n;
	return 1;
}

/* The tagsets.id of row's tag values, through the memories. */
static int tagset(sip_store *s, const sip_row *row, int64_t *id, sip_diag *diag)
{
	int64_t key[TAG_NKEY];
	size_t i = 0, h;
	int rc;

	for (int c = 0; c < TAG_NSTR; c++) {
		const sip_str *v = &row->col[tag_col[c]];
		key[c] = 0;
		if (v->p && v->n && !(key[c] = intern(s, tag_col[c], *v)))
			return tagset_db(s, row, id, diag);   /* not in memory */
	}
	key[TAG_NSTR] = row->ms_diag_code >= 0 ? (int64_t)row->ms_diag_code + 1 : 0;
	h = tag_hash(key);
	if (s->ttab) {
		for (i = h & (s->tslots - 1); s->ttab[i].id; i = (i + 1) & (s->tslots - 1))
			if (!memcmp(s->ttab[i].key, key, sizeof key)) {
				*id = s->ttab[i].id;
				return SIP_OK;
			}
	}
	if ((rc = tagset_db(s, row, id, diag)))
		return rc;
	if (s->tcount + 1 > s->tslots / 2) {
		if (!tag_grow(s))
			return SIP_OK;   /* not remembered: still correct */
		for (i = h & (s->tslots - 1); s->ttab[i].id; i = (i + 1) & (s->tslots - 1))
			;
	}
	memcpy(s->ttab[i].key, key, sizeof key);
	s->ttab[i].id = *id;
	s->tcount++;
	return SIP_OK;
}

/* Bind row as the tuple starting at parameter base + 1. */
static void bind_i64(sqlite3_stmt *st, bound_slot *b, int p, int64_t v)
{
	if (b[p - 1].tag == BOUND_INT && b[p - 1].v == v)
		return;
	sqlite3_bind_int64(st, p, v);
	b[p - 1].tag = BOUND_INT;
	b[p - 1].v = v;
}

static void bind_nul(sqlite3_stmt *st, bound_slot *b, int p)
{
	if (b[p - 1].tag == BOUND_NULL)
		return;
	sqlite3_bind_null(st, p);
	b[p - 1].tag = BOUND_NULL;
}

/* sqlite3_clear_bindings, and the record of it */
static void unbind_all(sip_store *s, sqlite3_stmt *st)
{
	sqlite3_clear_bindings(st);
	if (st == s->ins)
		memset(s->bound, 0, INS_NCOL * sizeof *s->bound);
	else
		memset(s->bound + INS_NCOL, 0, INS_GROUP * INS_NCOL * sizeof *s->bound);
}

/* 1 when c may stand unescaped in a JSON string */
static int json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/* Append v to b as a JSON string. */
static void json_str(sip_buf *b, sip_str v)
{
	sip_buf_addc(b, '"');
	for (size_t i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (json_plain(c))
			sip_buf_addc(b, (char)c);
		else if (c == '"' || c == '\\')
			sip_buf_printf(b, "\\%c", c);
		else
			sip_buf_printf(b, "\\u%04x", c);
	}
	sip_buf_addc(b, '"');
}

/* The extra column of row (see EXTRA_JSON) into s->extra; 0 when NULL. */
static int extra_json(sip_store *s, const sip_row *row)
{
	static const struct { int col; const char *key; } keys[] = {
		{ SIP_COL_LOCAL, "local" }, { SIP_COL_CONN_ID, "conn_id" },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const sip_str *v = &row->col[keys[i].col];
		if (!v->p || !v->n)
			continue;
		if (!n++) {
			sip_buf_reset(&s->extra);
			sip_buf_addc(&s->extra, '{');
		} else {
			sip_buf_addc(&s->extra, ',');
		}
		sip_buf_addc(&s->extra, '"');
		sip_buf_adds(&s->extra, keys[i].key);
		sip_buf_adds(&s->extra, "\":");
		json_str(&s->extra, *v);
	}
	if (row->truncated) {
		if (!n++) {
			sip_buf_reset(&s->extra);
			sip_buf_addc(&s->extra, '{');
		} else {
			sip_buf_addc(&s->extra, ',');
		}
		sip_buf_adds(&s->extra, "\"truncated\":1");
	}
	if (n)
		sip_buf_addc(&s->extra, '}');
	return n > 0;
}

int64_t sip_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void sip_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		*v = *v * 10 + (p[i] - '0');
	}
	return 1;
}

int sip_store_ts_ms(const char *t, size_t n, int64_t *ms)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se, f;

	if (n != 23 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' ||
	    t[16] != ':' || t[19] != '.' || !digits(t, 4, &y) || !digits(t + 5, 2, &mo) ||
	    !digits(t + 8, 2, &d) || !digits(t + 11, 2, &h) || !digits(t + 14, 2, &mi) ||
	    !digits(t + 17, 2, &se) || !digits(t + 20, 3, &f))
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || se > 59)
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	*ms = ((sip_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000 + f;
	return 1;
}

/*
 * sip_store_ts_ms for the writer: most rows share the minute of the row
 * before, so only the seconds and milliseconds are read then (a fifth of
 * the instructions).  The minute is remembered only once the whole value
 * was found valid, so any other value takes the full test.
 */
static int ts_ms(sip_store *s, sip_str t, int64_t *ms)
{
	int se, f;

	if (t.n == 23 && s->ts_minute[0] && memcmp(t.p, s->ts_minute, 16) == 0 &&
	    t.p[16] == ':' && t.p[19] == '.' && digits(t.p + 17, 2, &se) && se <= 59 &&
	    digits(t.p + 20, 3, &f)) {
		*ms = s->ts_minute_ms + se * 1000 + f;
		return 1;
	}
	if (!sip_store_ts_ms(t.p, t.n, ms))
		return 0;
	memcpy(s->ts_minute, t.p, 16);
	s->ts_minute_ms = *ms - (*ms % 60000);
	return 1;
}

/* The number of cseq v when v is that number (1 to 999999999, no leading
   zero) and then m after one space, as CSEQ_INT says in SQL; else 0. */
static int cseq_int(sip_str v, sip_str m, int64_t *out)
{
	size_t i = 0;
	int64_t x = 0;

	if (!m.p || !m.n || !v.n || v.p[0] < '1' || v.p[0] > '9')
		return 0;
	for (; i < v.n && i < 10 && v.p[i] >= '0' && v.p[i] <= '9'; i++)
		x = x * 10 + (v.p[i] - '0');
	if (i > 9 || i + 1 + m.n != v.n || v.p[i] != ' ' || memcmp(v.p + i + 1, m.p, m.n))
		return 0;
	*out = x;
	return 1;
}

/* The integer of "0x" + 8 hex digits; 0 when v is not of that form. */
static int result_int(sip_str v, int64_t *out)
{
	uint32_t x = 0;

	if (v.n != 10 || v.p[0] != '0' || (v.p[1] != 'x' && v.p[1] != 'X'))
		return 0;
	for (size_t i = 2; i < 10; i++) {
		char c = v.p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d > 15)
			return 0;
		x = x << 4 | d;
	}
	*out = x;
	return 1;
}

static int bind_row(sip_store *s, sqlite3_stmt *st, bound_slot *b, int base,
		    int64_t file_id, int64_t chunk_id, const sip_row *row,
		    sip_diag *diag)
{
	int64_t tid;
	int rc;

	bind_i64(st, b, base + 1, file_id);
	bind_i64(st, b, base + 2, (int64_t)row->line);
	bind_i64(st, b, base + 3, row->kind >= 0 && row->kind <= 3 ? row->kind : 0);
	if ((rc = tagset(s, row, &tid, diag)))
		return rc;
	bind_i64(st, b, base + INS_TAGSET, tid);
	if (row->status >= 0)
		bind_i64(st, b, base + 5, row->status);
	else
		bind_nul(st, b, base + 5);
	if (row->by_ref) {
		/* the text is at raw_off in the original file */
		bind_nul(st, b, base + 6);
		bind_i64(st, b, base + 7, (int64_t)row->src_off);
		bind_i64(st, b, base + 8, (int64_t)row->raw_len);
	} else if (chunk_id > 0) {
		bind_i64(st, b, base + 6, chunk_id);
		bind_i64(st, b, base + 7, (int64_t)row->raw_off);
		bind_i64(st, b, base + 8, (int64_t)row->raw_len);
	} else {
		bind_nul(st, b, base + 6);
		bind_nul(st, b, base + 7);
		bind_nul(st, b, base + 8);
	}
	if (extra_json(s, row)) {
		if (s->extra.err)
			return sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
		sqlite3_bind_text(st, base + INS_EXTRA, s->extra.p, (int)s->extra.n,
				  SQLITE_TRANSIENT);
		b[base + INS_EXTRA - 1].tag = BOUND_OTHER;
	} else {
		bind_nul(st, b, base + INS_EXTRA);
	}
	for (int i = 0; i < SIP_COL_N; i++) {
		int p = base + col_param[i];
		int64_t v = 0;
		if (!col_param[i])
			continue;
		if (!row->col[i].p || !row->col[i].n) {
			bind_nul(st, b, p);
		} else if (i == SIP_COL_TS ? ts_ms(s, row->col[i], &v)
			   : i == SIP_COL_RESULT_CODE ? result_int(row->col[i], &v)
			   : i == SIP_COL_CSEQ && cseq_int(row->col[i], row->col[SIP_COL_METHOD], &v)) {
			bind_i64(st, b, p, v);
		} else {
			sqlite3_bind_text(st, p, row->col[i].p, (int)row->col[i].n,
					  SQLITE_STATIC);
			b[p - 1].tag = BOUND_OTHER;
		}
	}
	return SIP_OK;
}

static int run_insert(sip_store *s, sqlite3_stmt *st, sip_diag *diag)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		unbind_all(s, st);
		return db_error(s->db, diag, "insert record");
	}
	return SIP_OK;
}

int sip_store_insert_rows(sip_store *s, int64_t file_id, int64_t chunk_id,
			  const sip_row *rows, size_t n, int64_t *first_id,
			  sip_diag *diag)
{
	size_t i = 0;
	int rc;

	if (!s->ins)
		return sip_diag_set(diag, SIP_EREADONLY, "", 0, "store opened read-only");
	if ((rc = next_id(s, diag)))
		return rc;
	if (first_id)
		*first_id = s->next_id;
	while (i < n) {
		sqlite3_stmt *st = n - i >= INS_GROUP ? s->ins_group : s->ins;
		size_t k = st == s->ins ? 1 : INS_GROUP;
		bound_slot *b = st == s->ins ? s->bound : s->bound + INS_NCOL;
		for (size_t j = 0; j < k; j++) {
			if ((rc = bind_row(s, st, b, (int)j * INS_NCOL, file_id, chunk_id,
					   &rows[i + j], diag))) {
				unbind_all(s, st);
				return rc;
			}
		}
		if ((rc = run_insert(s, st, diag))) {
			s->next_id = 0;
			return rc;
		}
		s->next_id += (int64_t)k;
		s->file_last = s->next_id - 1;
		if (sqlite3_last_insert_rowid(s->db) != s->next_id - 1) {
			s->next_id = 0;
			return sip_diag_set(diag, SIP_EINTERNAL, sqlite3_db_filename(s->db, "main"),
					    0, "record ids are not consecutive");
		}
		i += k;
	}
	return SIP_OK;
}

int sip_store_insert(sip_store *s, int64_t file_id, int64_t chunk_id,
		     const sip_row *row, int64_t *id, sip_diag *diag)
{
	return sip_store_insert_rows(s, file_id, chunk_id, row, 1, id, diag);
}

void sip_store_hash_hex(const void *p, size_t n, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)sip_fnv(p, n));
}
