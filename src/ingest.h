/*
 * ingest.h -- batch ingest of trace files into the store: collect the inputs
 * (walking directories), decide per file what to read (nothing, the new
 * tail, or everything), parse files on jobs - 1 threads and write them on
 * the calling thread (with jobs = 1 it does both).
 *
 * Guarantees (see ingest.c for the design):
 *   - idempotent: a file with the same size, mtime and fingerprint as its
 *     files row is not read again;
 *   - incremental: a grown file whose first 64 KiB and the 4 KiB before
 *     its old size are unchanged has only its tail read;
 *   - atomic per file and crash-safe: a file's final status is written in
 *     the transaction that writes its last rows; a file found 'ingesting'
 *     is read again from scratch;
 *   - deterministic: the database (ids included) is the same for any jobs.
 */
#ifndef SIP_INGEST_H
#define SIP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* What happened to one input (the files.status values, plus unchanged). */
enum sip_ingest_status {
	SIP_FILE_PENDING = 0,
	SIP_FILE_INGESTED,   /* read whole (or its new tail) */
	SIP_FILE_UNCHANGED,  /* already in the store; not read */
	SIP_FILE_PARTIAL,    /* damaged: what was readable is kept */
	SIP_FILE_SKIPPED,    /* not a trace, or a trace with no records */
	SIP_FILE_FAILED,     /* cannot be read at all */
	SIP_FILE_DUPLICATE,  /* named twice: the first entry did the work */
	SIP_FILE_SAME,       /* the same content as another input (a gzip and
	                        its extracted copy, one file under two names):
	                        stored once, under that one (files.status
	                        'duplicate') */
	SIP_FILE_ARCHIVE     /* an archive (zip, tar, 7z, xz ...): its members
	                        are inputs of their own, "ARCHIVE!MEMBER" */
};

/* "ingested", "unchanged", "partial", "skipped", "failed", "duplicate",
   "same content". */
const char *sip_ingest_status_name(int status);

/* One input and, after sip_ingest_run, its outcome. */
typedef struct sip_ingest_file {
	char *path;           /* as named (argument, or the walked path) */
	char *canon;          /* files.path: realpath, or "-"; NULL if none */
	int named;            /* named on the command line (not walked) */
	int status;           /* enum sip_ingest_status */
	int prev_status;      /* for unchanged files: the stored status */
	int appended;         /* only the new tail was read */
	int64_t file_id;      /* files.id, 0 when no row */
	uint64_t records;     /* records of the file in the store after the run */
	uint64_t new_records; /* records written by this run */
	uint64_t overlap;     /* of them, dropped: another input holds them */
	char *overlap_path;   /* that input (the first, when several) */
	int64_t overlap_id;   /* and its files.id */
	char *error;          /* why skipped / partial / failed, with the place
	                         but not the file: "byte 7994: gzip stream
	                         truncated" (also files.error); NULL when none */
	sip_diag *diag;       /* the same as a diagnostic naming path, for
	                         sip_print_diag(); NULL when none.  Both are
	                         allocated only for the files that need them:
	                         a list of 100,000 files stays small. */
	/* private to ingest.c */
	int action;
	int regular;          /* a regular file: its text can be read again */
	int64_t size, mtime;
	int64_t text_size;    /* size once decompressed, or a guess (a gzip's
	                         ISIZE, an archive's member size): how large
	                         a load is, to choose how to build indexes */
	char fingerprint[17], tail_hash[17];
	char content[40];     /* content_key(): files.content_hash */
	char *archive;        /* a member: the archive to open (as named) */
	char *member;         /* and its name there; NULL for a file */
	uint64_t members;     /* an archive: how many it holds */
	int is_archive;       /* 1 an archive, 2 maybe a lone compressed file,
	                         3 one (its member is the file itself) */
	int64_t same_id;      /* SIP_FILE_SAME: files.id of the one stored */
	const char *same_path;/* and its path (as named, or files.path) */
	char *same_buf;       /* owns same_path when it came from the store */
	struct {               /* what the run keeps of the stored row */
		uint64_t resume_offset, resume_line;
		char first_ts[24], last_ts[24];
	} prev;
} sip_ingest_file;

/* The input's name in messages: its path, "<stdin>" for "-". */
const char *sip_ingest_display_name(const sip_ingest_file *f);

typedef struct sip_ingest_list {
	sip_ingest_file *v;
	size_t n, cap;
	const char *stdin_name;  /* files.path of '-' (e.g. "stdin:LABEL"):
	                            each stdin input its own; NULL = "-" */
} sip_ingest_list;

void sip_ingest_list_init(sip_ingest_list *l);
void sip_ingest_list_release(sip_ingest_list *l);

/*
 * Add path to l: "-" (stdin, stored under l->stdin_name), a file, or a
 * directory walked recursively
 * (entries sorted by name, hidden entries skipped, each directory visited
 * once so symlink loops end; only regular files are added).  skip names
 * files never to add (the database and its -wal/-shm/-lock), may be NULL.
 * A path that cannot be stat'ed is added with status SIP_FILE_FAILED.
 * Returns SIP_OK, or SIP_ENOMEM.
 */
int sip_ingest_list_add(sip_ingest_list *l, const char *path,
			const char *skip_db, sip_diag *diag);

typedef struct sip_ingest_progress {
	size_t files_done, files_total;
	uint64_t bytes_done, bytes_total;
} sip_ingest_progress;

/*
 * Runs on a parser thread for every record, inside the record callback
 * (rec valid only during the call).  thread_ctx comes from eval_thread_new
 * (one per parser thread; with jobs = 1, one on the calling thread).  May
 * append an opaque payload to out (out is reset by the caller before each
 * record); the payload travels with the row to the writer.  Return 0 or a
 * sip_code to abort.
 */
typedef int (*sip_ingest_eval_fn)(void *thread_ctx, const sip_record *rec,
				  sip_buf *out);
/*
 * Runs on the writer thread, inside the ingest transaction, once the
 * record's row is inserted, only for records whose payload is non-empty
 * (so it may write rows that reference record_id through sip_store_db()).
 * Return 0 or a sip_code to abort, with diag saying what failed and why
 * (left unset, the ingest says "storing the rules' results" and the
 * code's text).
 */
typedef int (*sip_ingest_write_fn)(void *ctx, int64_t record_id,
				   const void *payload, size_t n, sip_diag *diag);

enum { SIP_ZSTD_ADAPT, SIP_ZSTD_PARSER, SIP_ZSTD_WRITER };

typedef struct sip_ingest_opts {
	int jobs;                      /* threads that work, 1..64, the
	                                  writer (the calling thread)
	                                  included: N - 1 parser threads;
	                                  1 = no thread but the caller's;
	                                  0 = the number of cores */
	uint64_t bulk_bytes;           /* drop the bulk indexes when more than
	                                  this is to be read; 0 = 64 MiB */
	uint64_t commit_rows;          /* rows per transaction; 0 = 50000
	                                  (the library reads no environment:
	                                  `analyze` sets it from
	                                  SIPSCAN_TEST_COMMIT_ROWS, for tests
	                                  of files spanning several
	                                  transactions) */
	int stages;                    /* the benchmark only: print each
	                                  stage's end (wall and CPU time) and
	                                  the threads' CPU and waits to
	                                  stderr */
	int nostore;                   /* the benchmark only: parse, evaluate
	                                  and compress, and store no record
	                                  (the floor of the parsing side) */
	int text_evidence;             /* keep in the database the text of the
	                                  evidence only (records a rule
	                                  matched, unexplained ones, errors,
	                                  client facts); the others refer to
	                                  their place in the original file
	                                  (analyze --text evidence) */
	int keep_duplicates;           /* store inputs of the same content, and
	                                  records another input holds, again
	                                  (analyze --keep-duplicates); default:
	                                  each once (SIP_FILE_SAME, overlap) */
	int chunk_zstd;                /* who compresses the chunks: 0 = the
	                                  parser, or the writer when it waits
	                                  for one (see leave_raw in ingest.c);
	                                  tests: SIP_ZSTD_PARSER or
	                                  SIP_ZSTD_WRITER, always that one
	                                  (the writer only when there is a
	                                  parser thread) */
	/* Rules evaluation: eval runs on the parsers, write on the writer.
	   Records are evaluated only when both eval_thread_new and eval are
	   set.  eval_thread_new(eval_ctx) makes each parser thread's context
	   (returning NULL means out of memory: the run stops);
	   eval_thread_free (may be NULL) frees it when the parser ends.  An
	   eval or write failure stops the run with its code; the file being
	   written stays 'ingesting' and is read again by the next run. */
	void *(*eval_thread_new)(void *eval_ctx);   /* NULL = no eval */
	void (*eval_thread_free)(void *thread_ctx);
	sip_ingest_eval_fn eval;
	void *eval_ctx;
	sip_ingest_write_fn write;
	void *write_ctx;
	sip_store_finish_hook finish_hook;
	void *finish_ctx;
	sip_warn_fn warn;              /* called from the parser threads */
	void *warn_ctx;
	void (*progress)(void *ctx, const sip_ingest_progress *p); /* writer thread */
	void *progress_ctx;
} sip_ingest_opts;

/*
 * Ingest every entry of l into s.  Per-file outcomes go into l->v[i];
 * bad inputs never stop the run.  Returns SIP_OK when the store was
 * written, or the code (SIP_EDB, SIP_EBUSY, SIP_ENOMEM, a hook's code) that
 * stopped it with diag filled; files written before that stay written.
 */
int sip_ingest_run(sip_store *s, sip_ingest_list *l, const sip_ingest_opts *o,
		   sip_diag *diag);

/*
 * Take the advisory lock of the database at db_path (flock on "<db>-lock",
 * <db> the database's real path: the same database through a symlink or
 * another relative path takes the same lock), calling on_wait(ctx) once
 * first if another process holds it, then waiting.  Returns SIP_OK and *fd (release with
 * sip_ingest_unlock), or SIP_EIO.
 */
int sip_ingest_lock(const char *db_path, int *fd, void (*on_wait)(void *ctx),
		    void *ctx, sip_diag *diag);
void sip_ingest_unlock(int fd);

/* The benchmark's stage line (opts.stages): WHAT, the wall time since
   the first stage line (or since sip_ingest_run began) and the process's
   CPU time, on stderr. */
void sip_ingest_stage(const char *what);

#endif
