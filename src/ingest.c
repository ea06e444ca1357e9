/*
 * ingest.c -- batch ingest: inputs -> parser threads -> one writer -> store.
 *
 * Design
 *   1. Plan (calling thread): every input is stat'ed and fingerprinted
 *      (FNV-1a 64 of the first 64 KiB, and of the 4 KiB before the size)
 *      and compared with its files row: unchanged -> nothing to read;
 *      grown with the old prefix and old tail intact -> APPEND (delete the
 *      records from resume_line on, read from resume_offset); anything
 *      else, or a row left 'ingesting' by a killed run -> FULL (replace).
 *   2. Parse (jobs - 1 worker threads): workers take the planned files in
 *      list order.  Each record is flattened by sip_row_fill() into a
 *      batch (rows + an arena), its text appended to the worker's open
 *      chunk, and, when the caller set an eval hook, evaluated there (the
 *      payload is copied into the arena with the row).  A chunk is closed
 *      when it holds SIP_CHUNK_TARGET bytes, when its batch is full, and at
 *      the end of the file, where the last record gets a chunk of its own
 *      (an incremental run deletes and re-reads that record, so it never
 *      has to cut into a chunk).  A closed chunk is compressed with zstd
 *      on the worker, into the batch, or, while the writer waits for work,
 *      copied there for the writer to compress (leave_raw); one of little
 *      text (--text evidence) is copied there for the writer to gather
 *      with the next ones into one chunk (group_store).  The chunks of a
 *      batch never span batches; the writer's groups may.  Full batches
 *      go to the file's bounded queue (QUEUE_MAX batches; and QUEUE_MAX in
 *      all for the files after the one being written); a worker blocks
 *      while its queue is full, so memory is bounded by about 2 *
 *      QUEUE_MAX + workers batches (each at most BATCH_ROWS rows,
 *      BATCH_CHUNKS chunks, about BATCH_BYTES of arena) plus one open
 *      chunk per worker and the writer's group, whatever the input size.
 *      Files are opened by the name given, so messages name them that way.
 *   3. Write (calling thread = the single writer): files in list order, so
 *      ids are the same for any jobs.  Transactions hold about COMMIT_ROWS
 *      rows / COMMIT_BYTES bytes, whatever the files: a large file spans
 *      several, small files share one (a commit costs several fsyncs, and
 *      committing each small file on its own made a directory of 1 MiB
 *      files 3x slower than one large file).  Per file, in whichever
 *      transaction is open: the row is marked 'ingesting' and what will be
 *      re-read is deleted; chunks and rows are inserted (the writer only
 *      inserts); the final status is written.  A kill at any point leaves
 *      each file either in its old final state (its work was not
 *      committed) or 'ingesting' (partly committed), which the next run
 *      replaces -- never duplicates.  Rows go in with multi-row inserts,
 *      a chunk's rows at a time; the write hook runs on the writer, inside
 *      the transaction, after the rows of the chunk its record belongs to
 *      were inserted.  The last transaction stays open for the indexes
 *      built after the load and for the analysis (the finish hook, in a
 *      savepoint: a failed analysis is rolled back alone), and one commit
 *      ends all three.
 *
 * Threads.  jobs is the number of threads that work, the writer included:
 * jobs - 1 parser threads (at most one per file) and the calling thread.
 * With jobs = 1 there is no other thread at all, not even the reader's
 * gzip inflate thread: the calling thread parses each file itself, and
 * where a worker would queue a full batch (push_batch) it writes it at
 * once (hand_over), so parsing and writing alternate and one batch is all
 * the memory there is.  The per-file transactions are those of step 3.
 */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>

#include "reader.h"
#include "record.h"
#include "scan.h"
#include "tally.h"

#define FP_BYTES (64 * 1024)
#define TAIL_BYTES 4096
#define BATCH_ROWS 2048
#define BATCH_CHUNKS 4
#define BATCH_BYTES (4u * 1024 * 1024)
#define QUEUE_MAX 8
#define COMMIT_ROWS 50000
#define COMMIT_BYTES (32u * 1024 * 1024)
#define GROUP_CHUNK (256u * 1024)    /* see group_store */
#define GROUP_TEXT SIP_CHUNK_TARGET
/* Records that repeat an earlier one of their input (see repeated() in
   scan.c) are looked for in what can be a paste: an input of up to
   ONCE_BYTES of text, or of a size not known (a pipe).  A server's own
   log never repeats a sequence number, and on a large one the table's
   cache misses cost 1 to 3 % of the wall. */
#define ONCE_BYTES (16u * 1024 * 1024)
#define MAX_HOSTS 8
/* Files of this size or more on average keep the ts index up during a
   large load (see sip_store_drop_bulk_indexes). */
#define TS_KEEP_BYTES (8u * 1024 * 1024)

enum action { ACT_NONE = 0, ACT_FULL, ACT_APPEND };

static void set_file_error(sip_ingest_file *f, const sip_diag *d, int code,
			   const char *msg);

const char *sip_ingest_display_name(const sip_ingest_file *f)
{
	return strcmp(f->path, "-") ? f->path : "<stdin>";
}

const char *sip_ingest_status_name(int status)
{
	switch (status) {
	case SIP_FILE_INGESTED: return "ingested";
	case SIP_FILE_UNCHANGED: return "unchanged";
	case SIP_FILE_PARTIAL: return "partial";
	case SIP_FILE_SKIPPED: return "skipped";
	case SIP_FILE_FAILED: return "failed";
	case SIP_FILE_DUPLICATE: return "duplicate";
	case SIP_FILE_SAME: return "same content";
	case SIP_FILE_ARCHIVE: return "archive";
	default: return "pending";
	}
}

/* ---- the input list ---------------------------------------------------- */

void sip_ingest_list_init(sip_ingest_list *l)
{
	l->v = NULL;
	l->n = l->cap = 0;
}

void sip_ingest_list_release(sip_ingest_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].canon);
		free(l->v[i].error);
		free(l->v[i].diag);
		free(l->v[i].same_buf);
		free(l->v[i].overlap_path);
		free(l->v[i].archive);
		free(l->v[i].member);
	}
	free(l->v);
	sip_ingest_list_init(l);
}

static sip_ingest_file *list_push(sip_ingest_list *l, const char *path, int named)
{
	sip_ingest_file *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		sip_ingest_file *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n];
	memset(f, 0, sizeof *f);
	if (!(f->path = strdup(path)))
		return NULL;
	f->named = named;
	l->n++;
	return f;
}

typedef struct dir_id {
	dev_t dev;
	ino_t ino;
} dir_id;

typedef struct walk {
	sip_ingest_list *l;
	const char *skip_db;
	size_t skip_len;
	dir_id *seen;
	size_t nseen, capseen;
} walk;

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is path (as walked) the database or one of its side files? */
static int is_db_file(const walk *w, const char *path)
{
	char canon[PATH_MAX];
	size_t n;

	if (!w->skip_db || !realpath(path, canon))
		return 0;
	n = strlen(canon);
	if (n < w->skip_len || memcmp(canon, w->skip_db, w->skip_len))
		return 0;
	return n == w->skip_len || !strcmp(canon + w->skip_len, "-wal") ||
	       !strcmp(canon + w->skip_len, "-shm") ||
	       !strcmp(canon + w->skip_len, "-lock") ||
	       !strcmp(canon + w->skip_len, "-journal");
}

static int walk_dir(walk *w, const char *dir, const struct stat *st, int depth)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = SIP_OK;

	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return SIP_OK; /* visited: a symlink loop or a second path */
	if (w->nseen == w->capseen) {
		size_t c = w->capseen ? w->capseen * 2 : 16;
		dir_id *v = realloc(w->seen, c * sizeof *v);
		if (!v)
			return SIP_ENOMEM;
		w->seen = v;
		w->capseen = c;
	}
	w->seen[w->nseen].dev = st->st_dev;
	w->seen[w->nseen].ino = st->st_ino;
	w->nseen++;
	if (depth > 64 || !(d = opendir(dir))) {
		/* Not read: said, counted, in the exit status too. */
		int err = errno;
		sip_ingest_file *f = list_push(w->l, dir, 0);
		if (!f)
			return SIP_ENOMEM;
		f->status = SIP_FILE_FAILED;
		if (depth > 64)
			set_file_error(f, NULL, SIP_EIO, "directory deeper than 64 levels: "
				       "not walked (name it on the command line)");
		else {
			char msg[300];
			snprintf(msg, sizeof msg, "cannot read the directory: %s", strerror(err));
			set_file_error(f, NULL, SIP_EIO, msg);
		}
		return SIP_OK;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 32;
			char **v = realloc(names, c * sizeof *v);
			if (!v) {
				rc = SIP_ENOMEM;
				goto out;
			}
			names = v;
			cap = c;
		}
		if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
			rc = SIP_ENOMEM;
			goto out;
		}
		sprintf(names[n], "%s%s%s", dir,
			dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		n++;
	}
	closedir(d);
	d = NULL;
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n && rc == SIP_OK; i++) {
		struct stat cst;
		if (stat(names[i], &cst) != 0)
			continue; /* dangling symlink */
		if (S_ISDIR(cst.st_mode))
			rc = walk_dir(w, names[i], &cst, depth + 1);
		else if (S_ISREG(cst.st_mode) && !is_db_file(w, names[i]))
			rc = list_push(w->l, names[i], 0) ? SIP_OK : SIP_ENOMEM;
	}
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int sip_ingest_list_add(sip_ingest_list *l, const char *path,
			const char *skip_db, sip_diag *diag)
{
	struct stat st;
	sip_ingest_file *f;
	char dbcanon[PATH_MAX];
	walk w;
	int rc;

	if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		int err = errno;
		int bad = strcmp(path, "-") && stat(path, &st) != 0;
		if (!(f = list_push(l, path, 1)) ||
		    (!strcmp(path, "-") && l->stdin_name && !(f->canon = strdup(l->stdin_name))))
			return sip_diag_set(diag, SIP_ENOMEM, path, 0, "out of memory");
		if (bad) {
			f->status = SIP_FILE_FAILED;
			set_file_error(f, NULL, SIP_EIO, strerror(err));
		}
		return SIP_OK;
	}
	memset(&w, 0, sizeof w);
	w.l = l;
	if (skip_db && realpath(skip_db, dbcanon)) {
		w.skip_db = dbcanon;
		w.skip_len = strlen(dbcanon);
	}
	rc = walk_dir(&w, path, &st, 0);
	free(w.seen);
	if (rc)
		return sip_diag_set(diag, rc, path, 0, "out of memory");
	return SIP_OK;
}

/* ---- locking ------------------------------------------------------------- */

/*
 * The database's own name, whatever path names it: the realpath of the file,
 * or (not created yet) of its directory plus its name, so that the same
 * database reached through a symlink or "./" takes the same lock.
 */
static void db_identity(const char *db_path, char *out, size_t n)
{
	char dir[PATH_MAX], canon[PATH_MAX];
	const char *slash = strrchr(db_path, '/'), *base = slash ? slash + 1 : db_path;

	if (realpath(db_path, canon)) {
		snprintf(out, n, "%s", canon);
		return;
	}
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path + 1), db_path);
	else
		snprintf(dir, sizeof dir, ".");
	if (realpath(dir, canon) && *base &&
	    strlen(canon) + strlen(base) + 2 <= n) {
		size_t cl = strcmp(canon, "/") ? strlen(canon) : 0;
		memcpy(out, canon, cl);
		out[cl] = '/';
		memcpy(out + cl + 1, base, strlen(base) + 1);
	} else {
		snprintf(out, n, "%s", db_path);
	}
}

/* The lock file of this process's lock (one at a time), removed by
   sip_ingest_unlock. */
static char lock_path[PATH_MAX + 16];

int sip_ingest_lock(const char *db_path, int *fd, void (*on_wait)(void *ctx),
		    void *ctx, sip_diag *diag)
{
	char id[PATH_MAX];
	int f, waited = 0;

	*fd = -1;
	db_identity(db_path, id, sizeof id);
	snprintf(lock_path, sizeof lock_path, "%s-lock", id);
	for (;;) {
		struct stat a, b;
		if ((f = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
			/* Name the database: the lock file is an implementation
			   detail, and its failure (no such directory, no
			   permission) is the database's. */
			return sip_diag_set(diag, SIP_EIO, db_path, 0,
					    "cannot create or lock the database (%s: %s)",
					    lock_path, strerror(errno));
		if (flock(f, LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK && on_wait && !waited++)
				on_wait(ctx);
			while (flock(f, LOCK_EX) != 0) {
				if (errno != EINTR) {
					int err = errno;
					close(f);
					return sip_diag_set(diag, SIP_EIO, lock_path, 0,
							    "cannot lock: %s", strerror(err));
				}
			}
		}
		/* the run before removed the file it had locked: lock the
		   one that is there now */
		if (fstat(f, &a) == 0 && stat(lock_path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			break;
		close(f);
	}
	*fd = f;
	return SIP_OK;
}

void sip_ingest_unlock(int fd)
{
	if (fd >= 0) {
		/* removed while held: a run waiting on it sees it gone and
		   locks the next one */
		unlink(lock_path);
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* ---- planning ------------------------------------------------------------ */

/* Hash bytes [off, off + n) of fd into out; 0 on success. */
static int hash_range(int fd, int64_t off, size_t n, char out[17])
{
	static unsigned char buf[FP_BYTES]; /* plan runs on one thread */
	size_t got = 0;

	if (n > sizeof buf)
		n = sizeof buf;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + (int64_t)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	sip_store_hash_hex(buf, n, out);
	return 0;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/*
 * Whether f (open as fd) is an archive sipscan reads through libarchive:
 * zip, 7z, tar (plain, or gzip: content_key saw "ustar"), and lone xz,
 * bzip2 and zstd files.  A plain gzip file is not: its fast path is the
 * reader's own.
 */
static int archive_magic(int fd, sip_ingest_file *f)
{
	static const struct { const char *m; size_t n; } magic[] = {
		{ "PK\x03\x04", 4 }, { "PK\x05\x06", 4 }, { "7z\xbc\xaf\x27\x1c", 6 },
		{ "\xfd" "7zXZ\x00", 6 }, { "BZh", 3 }, { "\x28\xb5\x2f\xfd", 4 },
	};
	unsigned char b[263];
	ssize_t n = pread(fd, b, sizeof b, 0);

	if (f->is_archive)
		return 1;
	for (size_t i = 0; n > 0 && i < sizeof magic / sizeof magic[0]; i++)
		if ((size_t)n >= magic[i].n && !memcmp(b, magic[i].m, magic[i].n))
			return i >= 3 ? 2 : 1;   /* 2: a lone compressed file */
	return n == (ssize_t)sizeof b && !memcmp(b + 257, "ustar", 5);
}

/*
 * The content key of an input (files.content_hash): the hex FNV-1a 64 of
 * its first 64 KiB of text once decompressed, a '-', and the text's size
 * modulo 2^32 in hex (a gzip's ISIZE trailer; st_size for a plain file).
 * A gzip and its extracted copy, or one file under two names, have the
 * same key.  "" for what has none (an empty file, a gzip whose head does
 * not inflate, a gzip of several members, whose ISIZE is only the last
 * one's).  Reads at most 4 MiB of a gzip.  For a plain file that hash is
 * its fingerprint, already taken (plan_file): hashing the same 64 KiB
 * again was a third of a re-run that finds nothing new.
 */
static void content_key(int fd, sip_ingest_file *f)
{
	static unsigned char in[FP_BYTES], out[FP_BYTES]; /* plan: one thread */
	unsigned char magic[2], tail[4];
	unsigned isize;
	struct inflate_state *st;
	int64_t off = 0;

	f->content[0] = 0;
	f->text_size = f->size;
	if (f->size <= 0)
		return;
	if (f->size < 18 || pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
		snprintf(f->content, sizeof f->content, "%s-%08x", f->fingerprint,
			 (unsigned)((uint64_t)f->size & 0xffffffffu));
		return;
	}
	if (pread(fd, tail, 4, (off_t)(f->size - 4)) != 4 || !(st = malloc(sizeof *st)))
		return;
	isize = (unsigned)tail[0] | (unsigned)tail[1] << 8 | (unsigned)tail[2] << 16 |
		(unsigned)tail[3] << 24;
	/* ISIZE is modulo 2^32, and only the last member's: a guess, never
	   below the compressed size */
	if ((int64_t)isize > f->size)
		f->text_size = (int64_t)isize;
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	st->next_out = out;
	st->avail_out = sizeof out;
	while (st->avail_out > 0 && off < f->size && off < ((int64_t)4 << 20)) {
		ssize_t r = pread(fd, in, sizeof in, (off_t)off);
		int ret;
		if (r <= 0)
			break;
		off += r;
		st->next_in = in;
		st->avail_in = (uint32_t)r;
		ret = isal_inflate(st);
		if (ret != ISAL_DECOMP_OK && ret != ISAL_END_INPUT)
			break;
		if (st->block_state == ISAL_BLOCK_FINISH) {
			/* another member follows: ISIZE is only the last
			   one's size, so no key (the record-level check
			   still finds the overlap) */
			if (st->avail_in > 0 || off < f->size)
				st->avail_out = sizeof out;
			break;
		}
	}
	if (sizeof out - st->avail_out > 262 && !memcmp(out + 257, "ustar", 5))
		f->is_archive = 1;   /* a .tar.gz */
	if (st->avail_out < sizeof out) {
		size_t n = sizeof out - st->avail_out;
		char h[17];
		sip_store_hash_hex(out, n, h);
		snprintf(f->content, sizeof f->content, "%s-%08x", h, isize);
	}
	free(st);
}

/*
 * Record why f was not read whole: f->error holds the place within the file
 * and the message, f->diag the same naming f->path.
 */
static void set_file_error(sip_ingest_file *f, const sip_diag *d, int code,
			   const char *msg)
{
	static sip_diag nomem;   /* when even a diagnostic cannot be had */
	char error[1024];
	sip_diag *g;

	if (!f->diag && !(f->diag = malloc(sizeof *f->diag)))
		g = &nomem;
	else
		g = f->diag;
	sip_diag_clear(g);
	if (d) {
		*g = *d;
	} else {
		g->code = code;
		snprintf(g->msg, sizeof g->msg, "%s", msg);
	}
	if (!g->code)
		g->code = code;
	if (!g->msg[0])
		snprintf(g->msg, sizeof g->msg, "%s", sip_strerror(g->code));
	snprintf(g->file, sizeof g->file, "%s", sip_ingest_display_name(f));
	if (g->line)
		snprintf(error, sizeof error, "line %llu: %.900s",
			 (unsigned long long)g->line, g->msg);
	else if (g->has_offset)
		snprintf(error, sizeof error, "byte %llu: %.900s",
			 (unsigned long long)g->offset, g->msg);
	else
		snprintf(error, sizeof error, "%.1000s", g->msg);
	free(f->error);
	f->error = strdup(error);
}

/* Decide what to do with f; on a database error returns the code. */
/*
 * f is unchanged when its stored row (pv, of a final status) has its size,
 * mtime and fingerprint: then it is not read, and keeps that row's status
 * and records.  1 when so (f marked), else 0.
 */
static int mark_unchanged(sip_ingest_file *f, const sip_store_file *pv)
{
	static const struct { const char *name; int status, code; } st[] = {
		{ "ingested", SIP_FILE_INGESTED, SIP_OK }, { "partial", SIP_FILE_PARTIAL, SIP_EIO },
		{ "skipped", SIP_FILE_SKIPPED, SIP_EFORMAT }, { "duplicate", SIP_FILE_SAME, SIP_OK },
	};
	size_t i;

	for (i = 0; i < sizeof st / sizeof st[0]; i++)
		if (!strcmp(pv->status, st[i].name))
			break;
	if (i == sizeof st / sizeof st[0] || pv->size != f->size || pv->mtime != f->mtime ||
	    strcmp(pv->fingerprint, f->fingerprint))
		return 0;
	f->action = ACT_NONE;
	f->status = SIP_FILE_UNCHANGED;
	f->prev_status = st[i].status;
	f->records = pv->records;
	if (f->prev_status != SIP_FILE_INGESTED)
		set_file_error(f, NULL, st[i].code, pv->error);
	return 1;
}

static int plan_file(sip_store *s, sip_ingest_file *f, sip_diag *diag)
{
	char canon[PATH_MAX];
	struct stat st;
	int fd = -1, rc = SIP_OK;
	char fp_old[17], tail_old[17];
	sip_store_file *pv = NULL;   /* the stored row: only while planning */
	int ar;

	if (!strcmp(f->path, "-")) {
		/* stdin is stored under its name (list_add), "-" without one */
		if (!f->canon && !(f->canon = strdup("-")))
			return sip_diag_set(diag, SIP_ENOMEM, f->path, 0, "out of memory");
		if (!(pv = malloc(sizeof *pv)))
			return sip_diag_set(diag, SIP_ENOMEM, f->path, 0, "out of memory");
		rc = sip_store_file_get(s, f->canon, pv, diag);
		f->file_id = pv->id;
		f->action = ACT_FULL;
		free(pv);
		return rc;
	}
	if (!realpath(f->path, canon) || (fd = open(canon, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		f->status = SIP_FILE_FAILED;
		set_file_error(f, NULL, SIP_EIO, strerror(errno));
		goto out;
	}
	if (!(f->canon = strdup(canon))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, f->path, 0, "out of memory");
		goto out;
	}
	f->size = (int64_t)st.st_size;
	f->mtime = (int64_t)st.st_mtime;
	f->regular = S_ISREG(st.st_mode);
	if (hash_range(fd, 0, (size_t)min64(f->size, FP_BYTES), f->fingerprint) ||
	    hash_range(fd, f->size - min64(f->size, TAIL_BYTES),
		       (size_t)min64(f->size, TAIL_BYTES), f->tail_hash)) {
		f->status = SIP_FILE_FAILED;
		set_file_error(f, NULL, SIP_EIO, errno ? strerror(errno)
			       : "the file shrank while it was read");
		goto out;
	}
	content_key(fd, f);
	if ((ar = archive_magic(fd, f))) {
		/* its members are planned as inputs of their own */
		f->is_archive = ar;
		f->action = ACT_NONE;
		goto out;
	}
	if (!(pv = malloc(sizeof *pv))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, f->path, 0, "out of memory");
		goto out;
	}
	if ((rc = sip_store_file_get(s, canon, pv, diag)))
		goto out;
	f->prev.resume_offset = pv->resume_offset;
	f->prev.resume_line = pv->resume_line;
	memcpy(f->prev.first_ts, pv->first_ts, sizeof f->prev.first_ts);
	memcpy(f->prev.last_ts, pv->last_ts, sizeof f->prev.last_ts);
	f->file_id = pv->id;
	f->action = ACT_FULL;
	if (!pv->id)
		goto out;
	if (!strcmp(pv->status, "ingested") || !strcmp(pv->status, "partial") ||
	    !strcmp(pv->status, "skipped") || !strcmp(pv->status, "duplicate")) {
		if (mark_unchanged(f, pv))
			goto out;
		if (strcmp(pv->status, "skipped") && strcmp(pv->status, "duplicate") &&
		    pv->size > 0 &&
		    f->size > pv->size && f->prev.resume_line > 0 &&
		    !hash_range(fd, 0, (size_t)min64(pv->size, FP_BYTES), fp_old) &&
		    !strcmp(fp_old, pv->fingerprint) &&
		    !hash_range(fd, pv->size - min64(pv->size, TAIL_BYTES),
				(size_t)min64(pv->size, TAIL_BYTES), tail_old) &&
		    !strcmp(tail_old, pv->tail_hash))
			f->action = ACT_APPEND;
	}
out:
	free(pv);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int cmp_canon(const void *a, const void *b)
{
	const sip_ingest_file *x = *(sip_ingest_file *const *)a;
	const sip_ingest_file *y = *(sip_ingest_file *const *)b;
	int c = strcmp(x->canon, y->canon);
	return c ? c : (x < y ? -1 : x > y);
}

/* ---- archives ---------------------------------------------------------- */

typedef struct expand_ctx {
	sip_store *s;
	sip_ingest_list *l;
	size_t archive;       /* index of the archive in l */
	sip_diag *diag;
	int rc;
} expand_ctx;

/* One member of an archive: an input of its own, planned like a file (its
   fingerprint: the archive's, the member's name and size; a member is
   read whole when it or the archive changed). */
static int add_member(void *p, const char *name, int64_t size, int64_t mtime)
{
	expand_ctx *x = p;
	sip_ingest_list *l = x->l;
	sip_ingest_file *f, *a;
	sip_store_file *pv = NULL;
	char *disp, *canon, key[4096 + 64];
	int rc;

	(void)mtime;
	const char *shown = name;

	a = &l->v[x->archive];
	while (shown[0] == '.' && shown[1] == '/')
		shown += 2;   /* tar's "./logs/fe.log" is logs/fe.log */
	if (!(disp = malloc(strlen(a->path) + strlen(shown) + 2)) ||
	    !(canon = malloc(strlen(a->canon) + strlen(shown) + 2))) {
		free(disp);
		return x->rc = sip_diag_set(x->diag, SIP_ENOMEM, a->path, 0, "out of memory");
	}
	if (a->is_archive >= 2 && !strcmp(name, "data")) {
		/* a lone .xz, .bz2 or .zst file (libarchive's "raw" member):
		   the file itself */
		a->is_archive = 3;
		strcpy(disp, a->path);
		strcpy(canon, a->canon);
	} else {
		sprintf(disp, "%s!%s", a->path, shown);
		sprintf(canon, "%s!%s", a->canon, shown);
	}
	if (a->is_archive == 2)
		a->is_archive = 1;   /* a .tar.xz, .tar.bz2, .tar.zst */
	/* not named: a member that is no trace is noted, as a walked file */
	if (!(f = list_push(l, disp, 0))) {
		free(disp);
		free(canon);
		return x->rc = sip_diag_set(x->diag, SIP_ENOMEM, "", 0, "out of memory");
	}
	free(disp);
	a = &l->v[x->archive];   /* list_push may have moved it */
	a->members++;
	f->canon = canon;
	if (!(f->archive = strdup(a->path)) || !(f->member = strdup(name)))
		return x->rc = sip_diag_set(x->diag, SIP_ENOMEM, "", 0, "out of memory");
	f->size = size > 0 ? size : 0;
	f->text_size = size > 0 ? size : a->size;
	f->mtime = a->mtime;
	snprintf(key, sizeof key, "%s%s%s %lld", a->fingerprint, a->tail_hash, name,
		 (long long)size);
	sip_store_hash_hex(key, strlen(key), f->fingerprint);
	snprintf(f->tail_hash, sizeof f->tail_hash, "%s", f->fingerprint);
	f->action = ACT_FULL;
	if (!(pv = malloc(sizeof *pv)))
		return x->rc = sip_diag_set(x->diag, SIP_ENOMEM, "", 0, "out of memory");
	if ((rc = sip_store_file_get(x->s, canon, pv, x->diag))) {
		free(pv);
		return x->rc = rc;
	}
	f->file_id = pv->id;
	if (pv->id)
		mark_unchanged(f, pv);
	free(pv);
	return 0;
}

/* Replace every archive of l by its members (appended to l). */
static int expand_archives(sip_store *s, sip_ingest_list *l, sip_diag *diag)
{
	size_t n = l->n;

	for (size_t i = 0; i < n; i++) {
		expand_ctx x = { s, l, i, diag, SIP_OK };
		sip_diag d;
		int rc;
		if (!l->v[i].is_archive || l->v[i].status != SIP_FILE_PENDING || l->v[i].member)
			continue;
		sip_diag_clear(&d);
		rc = sip_archive_members(l->v[i].canon, add_member, &x, &d);
		if (x.rc)
			return x.rc;
		if (rc == SIP_EFORMAT && !l->v[i].members) {
			/* a compressed file libarchive cannot open either */
			l->v[i].status = SIP_FILE_SKIPPED;
			set_file_error(&l->v[i], &d, SIP_EFORMAT, "");
		} else if (rc) {
			l->v[i].status = SIP_FILE_PARTIAL;
			set_file_error(&l->v[i], &d, SIP_EIO, "");
		} else {
			l->v[i].status = SIP_FILE_ARCHIVE;
		}
		/* the archive is no input of its own (a lone .xz file's member
		   has its name) */
		free(l->v[i].canon);
		l->v[i].canon = NULL;
	}
	return SIP_OK;
}

/* Mark every later entry naming an already listed file as a duplicate. */
static int mark_duplicates(sip_ingest_list *l)
{
	sip_ingest_file **v;
	size_t n = 0;

	if (!(v = malloc((l->n + 1) * sizeof *v)))
		return SIP_ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].canon)
			v[n++] = &l->v[i];
	if (n)
		qsort(v, n, sizeof *v, cmp_canon);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(v[i]->canon, v[i - 1]->canon)) {
			v[i]->action = ACT_NONE;
			v[i]->status = SIP_FILE_DUPLICATE;
		}
	}
	free(v);
	return SIP_OK;
}

/*
 * Inputs with the same content (content_key) are stored once.  Among the
 * inputs of one key, the one already stored whole (unchanged, ingested or
 * partial) is kept, else the first to be read; every other one to be read
 * becomes SIP_FILE_SAME.  An input to be read whose key no other input
 * has is the same as a stored file of another path with that key (not
 * one this run reads again: its content is changing).
 */
static int keeper_rank(const sip_ingest_file *f)
{
	if (f->status == SIP_FILE_UNCHANGED)
		return f->prev_status == SIP_FILE_INGESTED || f->prev_status == SIP_FILE_PARTIAL
		       ? 0 : 3;
	if (f->status == SIP_FILE_PENDING && f->action != ACT_NONE && f->regular)
		return 1;
	return 3;
}

static int cmp_content(const void *a, const void *b)
{
	const sip_ingest_file *x = *(sip_ingest_file *const *)a;
	const sip_ingest_file *y = *(sip_ingest_file *const *)b;
	int c = strcmp(x->content, y->content);
	if (c)
		return c;
	if (keeper_rank(x) != keeper_rank(y))
		return keeper_rank(x) - keeper_rank(y);
	return x < y ? -1 : x > y;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int mark_same(sip_store *s, sip_ingest_list *l, sip_diag *diag)
{
	sip_ingest_file **v = malloc((l->n + 1) * sizeof *v);
	int64_t *reread = malloc((l->n + 1) * sizeof *reread);
	size_t n = 0, nr = 0;
	int rc = SIP_OK;

	if (!v || !reread) {
		rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		sip_ingest_file *f = &l->v[i];
		if (f->content[0] && keeper_rank(f) < 3)
			v[n++] = f;
		if (f->status == SIP_FILE_PENDING && f->action != ACT_NONE && f->file_id)
			reread[nr++] = f->file_id;
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_content);
	if (nr)
		qsort(reread, nr, sizeof *reread, cmp_id);
	for (size_t i = 0; i < n; i++) {
		sip_ingest_file *f = v[i], *k;
		if (keeper_rank(f) != 1)
			continue;
		/* v is sorted by key, then keeper rank: the first of the key
		   is kept, the others are the same as it */
		if (i && !strcmp(v[i - 1]->content, f->content)) {
			size_t j = i;
			while (j > 0 && !strcmp(v[j - 1]->content, f->content))
				j--;
			k = v[j];
			f->status = SIP_FILE_SAME;
			f->action = ACT_NONE;
			f->same_path = k->path;
			f->same_id = -1 - (int64_t)(k - l->v);  /* its id once written */
			continue;
		}
		if (!f->regular)
			continue;
		{
			int64_t id = 0;
			char *path = NULL;
			if ((rc = sip_store_file_by_content(s, f->content, f->canon, &id, &path, diag)))
				goto out;
			if (id && !bsearch(&id, reread, nr, sizeof *reread, cmp_id)) {
				f->status = SIP_FILE_SAME;
				f->action = ACT_NONE;
				f->same_id = id;
				f->same_buf = path;
				f->same_path = path;
			} else
				free(path);
		}
	}
out:
	free(v);
	free(reread);
	return rc;
}

/* Write the rows of the inputs stored under another one: status
   'duplicate', duplicate_of, no records (a file that had some loses
   them). */
/* The files row of f as far as its identity goes: id, size, mtime,
   fingerprint, tail and content hashes; the rest zero. */
static void file_row_init(sip_store_file *row, const sip_ingest_file *f)
{
	memset(row, 0, sizeof *row);
	row->id = f->file_id;
	row->size = f->size;
	row->mtime = f->mtime;
	memcpy(row->fingerprint, f->fingerprint, sizeof row->fingerprint);
	memcpy(row->tail_hash, f->tail_hash, sizeof row->tail_hash);
	memcpy(row->content, f->content, sizeof row->content);
}

static int write_same(sip_store *s, sip_ingest_list *l, sip_diag *diag)
{
	/* open: this function began the transaction (else it writes in the
	   caller's, outer) */
	int rc = SIP_OK, open = 0, outer = sip_store_in_tx(s);

	for (size_t i = 0; i < l->n && !rc; i++) {
		sip_ingest_file *f = &l->v[i];
		sip_store_file row;
		int64_t same = f->same_id;
		if (f->status != SIP_FILE_SAME)
			continue;
		if (same < 0) {
			const sip_ingest_file *k = &l->v[-1 - same];
			if (!k->file_id || k->status == SIP_FILE_FAILED) {
				/* the one to keep could not be read: this one
				   is read next run */
				f->status = SIP_FILE_FAILED;
				set_file_error(f, NULL, SIP_EIO, "not read: the same content as "
					       "an input that could not be read");
				continue;
			}
			same = k->file_id;
		}
		if (!open && !outer && (rc = sip_store_begin(s, diag)))
			break;
		open = !outer;
		if ((rc = sip_store_file_start(s, f->canon, &f->file_id, 0, diag)))
			break;
		file_row_init(&row, f);
		snprintf(row.status, sizeof row.status, "duplicate");
		snprintf(row.error, sizeof row.error, "same content as %s: stored once",
			 f->same_path ? f->same_path : "another input");
		row.duplicate_of = same;
		f->records = 0;
		set_file_error(f, NULL, SIP_OK, row.error);
		if ((rc = sip_store_file_finish(s, &row, NULL, NULL, NULL, diag)))
			break;
	}
	if (open)
		rc = rc ? (sip_store_rollback(s), rc) : sip_store_commit(s, diag);
	return rc;
}

/* ---- batches and per-file jobs ------------------------------------------ */

/* Rows [first, first + n) of a batch whose text is the chunk data. */
typedef struct batch_chunk {
	sip_str data;                /* the chunk, in the arena: compressed, */
	int raw;                     /* or its text, for the writer to compress */
	int last;                    /* the file's last record, alone */
	size_t first, n;
} batch_chunk;

typedef struct batch {
	struct batch *next;          /* the job's queue, or the free list */
	sip_row *rows;
	size_t n;
	batch_chunk chunks[BATCH_CHUNKS + 2];
	size_t nchunks;
	sip_arena arena;
} batch;

typedef struct host_count {
	char name[128];
	uint64_t n;
} host_count;

/* What a job needs while it is parsed and written: allocated by the
   worker that takes it, freed by the writer once the file is written, so
   that a run over 100,000 files holds a few of them, not one per file. */
typedef struct job_state {
	sip_scan_result res;
	sip_diag diag;
	sip_diag fatal_diag;
	host_count hosts[MAX_HOSTS];
	char first_ts[24], last_ts[24];
} job_state;

/* The state of a job when even that cannot be allocated (the run stops). */
static job_state oom_state;

typedef struct job {
	sip_ingest_file *f;
	/* queue, guarded by run.mu */
	batch *head, *tail;
	int queued;
	int done;
	/* the worker's result (valid once done) */
	int rc;
	int fatal;                   /* a sip_code that stops the run (eval
	                                hook, compression), with fatal_diag */
	job_state *x;                /* NULL until a worker takes the job */
} job;

static void job_state_free(job *j)
{
	if (j->x && j->x != &oom_state)
		free(j->x);
	j->x = NULL;
}

typedef struct run {
	pthread_mutex_t mu;
	pthread_cond_t cv_writer;   /* a batch was queued, or a job ended */
	pthread_cond_t cv_workers;  /* a queue has room, or abort */
	job *jobs;
	size_t njobs;
	size_t next_job;
	size_t writing;             /* the job the writer is on */
	int ahead;                  /* batches queued for the jobs after it */
	int abort;
	double writer_wait;         /* opts.stages: its waits for batches */
	batch *free_batches;
	const sip_ingest_opts *o;
} run;

/* The writer's state (the calling thread's). */
typedef struct writer {
	sip_store *s;
	run *r;
	const sip_ingest_opts *o;
	sip_ingest_progress prog;
	double last_progress;
	uint64_t tx_rows, tx_bytes;
	int in_tx;
	uint64_t commit_rows;        /* opts.commit_rows or its default */
	uint64_t last_off;           /* the current file's last row written */
	struct worker_ctx *here;     /* jobs = 1: the parser on this thread */
	sip_zctx *z;                 /* for the chunks a worker left raw */
	sip_buf zbuf;
	sip_buf gtext;               /* the open group's text (see write_batch) */
	int64_t gid;                 /* its chunk id, 0 = no group open */
	int64_t gfile;               /* and file */
	sip_tally tally;             /* the current file's statistics */
	int rc;                      /* jobs = 1: hand_over's write error, */
	sip_diag *diag;              /* and the diag it fills */
} writer;

static int write_one(writer *w, job *j, batch *b, sip_diag *diag);

/* What a parser keeps (one per worker thread, reused for its files; with
   jobs = 1 the calling thread's). */
typedef struct worker_ctx {
	run *r;
	writer *wr;                  /* jobs = 1: write batches here */
	job *j;
	batch *cur;
	sip_zctx *z;
	sip_buf text;                /* the texts of the open chunk */
	size_t cfirst;               /* its first row in cur */
	sip_buf zbuf;                /* compressed output, then copied */
	void *eval_ctx;              /* from eval_thread_new, or eval_ctx */
	int eval_on;                 /* eval is set and eval_ctx was made */
	sip_buf payload;
	double wait;                 /* opts.stages: waits for queue room, */
	unsigned long nchunks, nraw; /* chunks closed, left raw */
} worker_ctx;

static double stage_t0;

/* Seconds on clock id: CLOCK_MONOTONIC for the wall (now_s), a CPU-time
   clock for the stage lines. */
static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

void sip_ingest_stage(const char *what)
{
	if (stage_t0 <= 0)
		stage_t0 = now_s();
	fprintf(stderr, "stage %-22s wall %7.3f s  cpu %7.3f s\n", what,
		now_s() - stage_t0, clock_s(CLOCK_PROCESS_CPUTIME_ID));
}

static void stage(const run *r, const char *what)
{
	if (r->o->stages)
		sip_ingest_stage(what);
}

static void batch_free(batch *b)
{
	if (!b)
		return;
	sip_arena_release(&b->arena);
	free(b->rows);
	free(b);
}

static batch *batch_get(run *r)
{
	batch *b;

	pthread_mutex_lock(&r->mu);
	if ((b = r->free_batches))
		r->free_batches = b->next;
	pthread_mutex_unlock(&r->mu);
	if (b) {
		b->next = NULL;
		return b;
	}
	if (!(b = calloc(1, sizeof *b)))
		return NULL;
	if (!(b->rows = malloc(BATCH_ROWS * sizeof *b->rows))) {
		free(b);
		return NULL;
	}
	sip_arena_init(&b->arena);
	return b;
}

static void batch_put(run *r, batch *b)
{
	b->n = 0;
	b->nchunks = 0;
	sip_arena_reset(&b->arena);
	pthread_mutex_lock(&r->mu);
	b->next = r->free_batches;
	r->free_batches = b;
	pthread_mutex_unlock(&r->mu);
}

/* Stop the run with code rc (worker side); returns rc. */
static int job_fatal(worker_ctx *w, int rc, const char *what)
{
	job *j = w->j;

	if (!j->fatal) {
		j->fatal = rc;
		sip_diag_set(&j->x->fatal_diag, rc, j->f->path, 0, "%s: %s", what,
			     sip_strerror(rc));
	}
	return rc;
}

/*
 * Whether a chunk of j should be left for the writer to compress.  zstd is
 * a fifth of all the work, and whoever of the two threads has less of the
 * rest should do more of it.  So a chunk goes to the writer raw when the
 * writer is at this very file and has no batch of it queued: it is then
 * about to wait for this parser, or writing the batch before.  When the
 * writer is the slower one its queue fills, and the parser compresses
 * again.  Leaving raw only when the writer was already idle left it
 * waiting a sixth of the load (0.05 of 0.28 s on a 100 MiB trace); this
 * way it waits 0.01 s, and the load ends 6 % sooner.  Raw chunks are
 * only made while the queue is empty: they add at most a batch's text
 * (about 1 MiB) to the memory.
 */
static int leave_raw(worker_ctx *w)
{
	run *r = w->r;
	int raw;

	if (w->wr || r->o->chunk_zstd == SIP_ZSTD_PARSER)
		return 0;   /* jobs = 1: one thread does both anyway */
	if (r->o->chunk_zstd == SIP_ZSTD_WRITER)
		return 1;
	pthread_mutex_lock(&r->mu);
	raw = !w->j->queued && (size_t)(w->j - r->jobs) == r->writing;
	pthread_mutex_unlock(&r->mu);
	return raw;
}

/*
 * Close a chunk of the current batch: compress the texts of rows
 * [cfirst, upto) (the first bytes of w->text) into the batch, or copy them
 * there for the writer to compress (leave_raw), and keep the rest of the
 * text, rebased, as the start of the next chunk.
 */
static int flush_chunk(worker_ctx *w, size_t upto)
{
	batch *b = w->cur;
	size_t len = upto < b->n ? (size_t)b->rows[upto].raw_off : w->text.n;
	const char *data = w->text.p;
	size_t n = len;
	batch_chunk *c;
	char *p;
	int raw, rc;

	if (upto <= w->cfirst)
		return SIP_OK;
	/* no text (--text evidence kept none of these records): a chunk of
	   nothing, which the writer does not store; little text: for the
	   writer's group (group_store), compressed with it */
	if (len < GROUP_CHUNK)
		raw = 1;
	else if (!(raw = leave_raw(w))) {
		sip_buf_reset(&w->zbuf);
		if ((rc = sip_store_chunk_compress(w->z, w->text.p, len, &w->zbuf)))
			return job_fatal(w, rc, "compressing records");
		data = w->zbuf.p;
		n = w->zbuf.n;
	}
	if (!(p = sip_arena_alloc(&b->arena, n ? n : 1)))
		return job_fatal(w, SIP_ENOMEM, "compressing records");
	if (n)
		memcpy(p, data, n);
	c = &b->chunks[b->nchunks++];
	c->data = (sip_str){ p, n };
	c->raw = raw;
	c->last = 0;
	w->nchunks++;
	w->nraw += raw && len;
	c->first = w->cfirst;
	c->n = upto - w->cfirst;
	if (len < w->text.n)
		memmove(w->text.p, w->text.p + len, w->text.n - len);
	w->text.n -= len;
	if (w->text.p)
		w->text.p[w->text.n] = 0;
	for (size_t i = upto; i < b->n; i++)
		b->rows[i].raw_off -= len;
	w->cfirst = upto;
	return SIP_OK;
}

/*
 * jobs = 1: write the batch now, as the writer would have done once it
 * came out of the queue; the parse goes on when it is written.  A write
 * error is kept in the writer (write_job returns it) and stops the parse.
 */
static int hand_over(worker_ctx *w)
{
	writer *wr = w->wr;
	batch *b = w->cur;

	w->cur = NULL;
	w->cfirst = 0;
	if (wr->rc) {
		batch_put(w->r, b);
		return 1;
	}
	wr->rc = write_one(wr, w->j, b, wr->diag);
	return wr->rc != SIP_OK;
}

/* Queue the worker's current batch (every row in a closed chunk); blocks
   while the queue is full.  Returns non-zero when the run is aborted. */
static int push_batch(worker_ctx *w)
{
	run *r = w->r;
	job *j = w->j;
	int aborted;

	if (w->wr)
		return hand_over(w);
	pthread_mutex_lock(&r->mu);
	/* Per file at most QUEUE_MAX batches; and for the files after the
	   one being written, at most QUEUE_MAX in all: else a worker that
	   finishes small files faster than the writer stores them would
	   queue up any number of them.  The file being written is never
	   held back by the others, so the writer always gets what it waits
	   for. */
	if (r->o->stages)
		w->wait -= now_s();
	while (!r->abort && (j->queued >= QUEUE_MAX ||
			     ((size_t)(j - r->jobs) != r->writing && r->ahead >= QUEUE_MAX)))
		pthread_cond_wait(&r->cv_workers, &r->mu);
	if (r->o->stages)
		w->wait += now_s();
	aborted = r->abort;
	if (!aborted) {
		w->cur->next = NULL;
		if (j->tail)
			j->tail->next = w->cur;
		else
			j->head = w->cur;
		j->tail = w->cur;
		j->queued++;
		if ((size_t)(j - r->jobs) != r->writing)
			r->ahead++;
		w->cur = NULL;
		w->cfirst = 0;
		pthread_cond_signal(&r->cv_writer);
	}
	pthread_mutex_unlock(&r->mu);
	return aborted;
}

static void note_host(job *j, sip_str host)
{
	size_t n;

	if (!host.p || !host.n)
		return;
	n = host.n < sizeof j->x->hosts[0].name - 1 ? host.n : sizeof j->x->hosts[0].name - 1;
	for (int i = 0; i < MAX_HOSTS; i++) {
		if (!j->x->hosts[i].n) {
			memcpy(j->x->hosts[i].name, host.p, n);
			j->x->hosts[i].name[n] = 0;
			j->x->hosts[i].n = 1;
			return;
		}
		if (strlen(j->x->hosts[i].name) == n && !memcmp(j->x->hosts[i].name, host.p, n)) {
			j->x->hosts[i].n++;
			return;
		}
	}
}

/*
 * --text evidence: whether rec's text stays out of the chunks, found again
 * at its offset in the original file.  Only where those bytes are the text
 * itself: a regular UTF-8 file (or its gzip) without a BOM, whose lines
 * were not changed on the way in (a pasted prefix stripped, lines joined
 * where a window or a mail wrapped them, HTML entities, no-break spaces or
 * typographic hyphens decoded, a lone CR read as a line end, the blank
 * lines of a double-spaced paste or the <br> of a page's source dropped,
 * a CSV export's column taken out)
 * nor cut at
 * the reader's limit (a record of less than that limit has none); and
 * only for records that are no evidence: no rule matched them, no
 * unexplained template or client fact came of them (payload) and they are
 * not errors.
 */
static int by_ref(const worker_ctx *w, const sip_record *rec, const sip_row *row)
{
	const sip_ingest_file *f = w->j->f;
	const sip_scan_result *res = &w->j->x->res;

	return w->r->o->text_evidence && f->regular && !row->payload.n &&
	       res->encoding == SIP_ENC_UTF8 && !res->prefix[0] && !res->wrap && !res->html &&
	       !res->nbsp && !res->hyph && !res->stray && !res->cr_eol && !res->undouble &&
	       !res->br && !res->csv && !res->quoted &&
	       rec->raw.p && rec->raw.n < SIP_READER_MAX_LINE && !rec->truncated &&
	       !rec->raw_joined &&
	       !sip_is_error(rec->level, rec->kind, (int)rec->status, rec->ndiags > 0);
}

/*
 * Chunks and batches are closed when the next record arrives and finds
 * them full, never right after a record: so at the end of the file the
 * last record is still in the open chunk, and scan_job can give it a
 * chunk of its own.
 */
static int on_record(void *ctx, const sip_record *rec)
{
	worker_ctx *w = ctx;
	job *j = w->j;
	const sip_ingest_opts *o = w->r->o;
	size_t rawn = rec->raw.p ? rec->raw.n : 0;
	sip_row *row;
	batch *b;
	int rc;

	if ((b = w->cur) && (b->n >= BATCH_ROWS || b->nchunks >= BATCH_CHUNKS ||
			     b->arena.used >= BATCH_BYTES)) {
		if ((rc = flush_chunk(w, b->n)))
			return rc;
		if (push_batch(w))
			return SIP_EINTERNAL;
	} else if (b && w->text.n >= SIP_CHUNK_TARGET &&
		   (rc = flush_chunk(w, b->n))) {
		return rc;
	}
	if (!w->cur && !(w->cur = batch_get(w->r)))
		return job_fatal(w, SIP_ENOMEM, "queueing records");
	b = w->cur;
	row = &b->rows[b->n];
	if ((rc = sip_row_fill(row, rec, &b->arena)))
		return job_fatal(w, rc, "queueing records");
	row->raw_off = w->text.n;
	row->raw_len = rawn;
	if (w->eval_on) {
		sip_buf_reset(&w->payload);
		if ((rc = o->eval(w->eval_ctx, rec, &w->payload)))
			return job_fatal(w, rc, "evaluating the rules");
		if (w->payload.n) {
			char *p = sip_arena_alloc(&b->arena, w->payload.n);
			if (!p)
				return job_fatal(w, SIP_ENOMEM, "queueing records");
			memcpy(p, w->payload.p, w->payload.n);
			row->payload = (sip_str){ p, w->payload.n };
		}
	}
	if (by_ref(w, rec, row)) {
		row->by_ref = 1;
		row->src_off = rec->offset;
	} else if (rawn && sip_buf_add(&w->text, rec->raw.p, rawn)) {
		return job_fatal(w, SIP_ENOMEM, "queueing records");
	}
	b->n++;
	note_host(j, rec->host);
	if (rec->ts[0]) {
		if (!j->x->first_ts[0] || strcmp(rec->ts, j->x->first_ts) < 0)
			memcpy(j->x->first_ts, rec->ts, sizeof j->x->first_ts);
		if (strcmp(rec->ts, j->x->last_ts) > 0)
			memcpy(j->x->last_ts, rec->ts, sizeof j->x->last_ts);
	}
	return 0;
}

/* Whether the run or this file has stopped: nothing more to write. */
static int stopped(worker_ctx *w)
{
	int abort;

	if (w->j->fatal || (w->wr && w->wr->rc))
		return 1;
	pthread_mutex_lock(&w->r->mu);
	abort = w->r->abort;
	pthread_mutex_unlock(&w->r->mu);
	return abort;
}

/* The end of the file: the last record alone in the last chunk, then the
   batch to the writer. */
static void finish_scan(worker_ctx *w)
{
	batch *b = w->cur;

	if (!b || !b->n || stopped(w))
		return;
	if (flush_chunk(w, b->n - 1) || flush_chunk(w, b->n))
		return;
	if (b->nchunks)
		b->chunks[b->nchunks - 1].last = 1;
	push_batch(w);
}

static void scan_job(run *r, job *j, worker_ctx *w)
{
	sip_ingest_file *f = j->f;
	sip_scan_opts so;

	w->j = j;
	w->cur = NULL;
	w->cfirst = 0;
	sip_buf_reset(&w->text);
	memset(&so, 0, sizeof so);
	so.warn = r->o->warn;
	so.warn_ctx = r->o->warn_ctx;
	/* jobs = 1 means one thread: no inflate thread either */
	so.reader_threads = w->wr ? -1 : 0;
	so.once = !r->o->keep_duplicates &&
		  (!f->regular || (f->text_size > f->size ? f->text_size : f->size) <= ONCE_BYTES);
	if (f->action == ACT_APPEND) {
		so.resume_offset = f->prev.resume_offset;
		so.resume_line = f->prev.resume_line;
	}
	sip_diag_clear(&j->x->diag);
	if (r->o->eval && r->o->eval_thread_new && !w->eval_on) {
		j->rc = job_fatal(w, SIP_ENOMEM, "starting the rules");
	} else {
		so.member = f->member;
		j->rc = sip_scan_file(f->archive ? f->archive : f->path, &so, on_record, w,
				      &j->x->res, &j->x->diag);
		finish_scan(w);
	}
	if (w->cur)
		batch_put(r, w->cur);
	w->cur = NULL;
	pthread_mutex_lock(&r->mu);
	j->done = 1;
	pthread_cond_signal(&r->cv_writer);
	pthread_mutex_unlock(&r->mu);
}

/* A parser's state, on the thread that will use it; wr as worker_ctx.wr. */
static void worker_init(worker_ctx *w, run *r, writer *wr)
{
	const sip_ingest_opts *o = r->o;

	memset(w, 0, sizeof *w);
	w->r = r;
	w->wr = wr;
	w->z = sip_zctx_new();
	sip_buf_init(&w->text, 0);
	sip_buf_init(&w->zbuf, 0);
	sip_buf_init(&w->payload, 0);
	if (o->eval && o->eval_thread_new) {
		w->eval_ctx = o->eval_thread_new(o->eval_ctx);
		w->eval_on = w->eval_ctx != NULL;  /* NULL: out of memory */
	}
}

static void worker_release(worker_ctx *w)
{
	const sip_ingest_opts *o = w->r->o;

	if (o->eval_thread_free && w->eval_on)
		o->eval_thread_free(w->eval_ctx);
	sip_buf_release(&w->text);
	sip_buf_release(&w->zbuf);
	sip_buf_release(&w->payload);
	sip_zctx_free(w->z);
}

/* Parse the file of j; j is done when this returns. */
static void run_job(run *r, job *j, worker_ctx *w)
{
	if (!j->x && !(j->x = calloc(1, sizeof *j->x))) {
		/* no memory for its state: the run stops on this job */
		j->x = &oom_state;
		j->fatal = SIP_ENOMEM;
		sip_diag_set(&oom_state.fatal_diag, SIP_ENOMEM, j->f->path, 0,
			     "out of memory");
	}
	if (w->z) {
		scan_job(r, j, w);
		return;
	}
	w->j = j;
	j->rc = job_fatal(w, SIP_ENOMEM, "starting a parser");
	pthread_mutex_lock(&r->mu);
	j->done = 1;
	pthread_cond_signal(&r->cv_writer);
	pthread_mutex_unlock(&r->mu);
}

/* A worker parses the next file while there is one. */
static void *worker_main(void *arg)
{
	run *r = arg;
	worker_ctx w;

	worker_init(&w, r, NULL);
	for (;;) {
		job *j = NULL;
		pthread_mutex_lock(&r->mu);
		if (!r->abort && r->next_job < r->njobs)
			j = &r->jobs[r->next_job++];
		pthread_mutex_unlock(&r->mu);
		if (!j)
			break;
		run_job(r, j, &w);
	}
	if (r->o->stages)
		fprintf(stderr, "stage parser thread ended    wall %7.3f s  thread cpu %.3f s,"
			" waited for the writer %.3f s, chunks %lu, left raw %lu\n",
			now_s() - stage_t0, clock_s(CLOCK_THREAD_CPUTIME_ID), w.wait,
			w.nchunks, w.nraw);
	worker_release(&w);
	return NULL;
}

/* ---- the writer ------------------------------------------------------------ */


static const char *encoding_name(int e)
{
	switch (e) {
	case SIP_ENC_UTF8_BOM: return "utf-8-bom";
	case SIP_ENC_UTF16LE: return "utf-16le";
	case SIP_ENC_UTF16BE: return "utf-16be";
	case SIP_ENC_CP1252: return "windows-1252";
	default: return "utf-8";
	}
}

/*
 * The most frequent host of file id's records, first seen first on a tie
 * (what note_host finds in one pass), into out ("" when none).
 */
static int file_host(sip_store *s, int64_t id, char *out, size_t outsz,
		     sip_diag *diag)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL;
	int src;

	out[0] = 0;
	if (sqlite3_prepare_v2(db, "SELECT host FROM records WHERE file_id = ?1"
			       " AND host IS NOT NULL GROUP BY host"
			       " ORDER BY count(*) DESC, min(line) LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(db, "main"), 0,
				    "file host: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(db, "main"), 0,
				    "file host: %s", sqlite3_errmsg(db));
	return SIP_OK;
}

/* Fill the final files row of job j and write it, and t, the counts of
   the rows this run wrote (used up). */
static int finish_file(sip_store *s, job *j, sip_tally *t, sip_diag *diag)
{
	sip_ingest_file *f = j->f;
	sip_store_file row;
	const host_count *best = NULL;
	int rc;

	file_row_init(&row, f);
	/* A full read replaced every earlier row of the file: its records
	   are the rows just written (no need to count the file's range). */
	if (f->action != ACT_APPEND)
		f->records = f->new_records;
	else if ((rc = sip_store_file_count(s, f->file_id, &f->records, diag)))
		return rc;
	if (j->rc == SIP_OK && f->records == 0) {
		/* recognised, but nothing in it: a note quoting a header line */
		snprintf(row.status, sizeof row.status, "skipped");
		f->status = SIP_FILE_SKIPPED;
		set_file_error(f, NULL, SIP_EFORMAT, "no records");
	} else if (j->rc == SIP_OK) {
		snprintf(row.status, sizeof row.status, "ingested");
		f->status = SIP_FILE_INGESTED;
	} else if (j->rc == SIP_EFORMAT) {
		snprintf(row.status, sizeof row.status, "skipped");
		f->status = SIP_FILE_SKIPPED;
		set_file_error(f, &j->x->diag, j->rc, "");
	} else {
		int nothing = j->x->res.bytes_in == 0 && j->x->res.records == 0 &&
			      f->action == ACT_FULL;
		snprintf(row.status, sizeof row.status, nothing ? "failed" : "partial");
		f->status = nothing ? SIP_FILE_FAILED : SIP_FILE_PARTIAL;
		set_file_error(f, &j->x->diag, j->rc, "");
	}
	snprintf(row.error, sizeof row.error, "%s",
		 f->status == SIP_FILE_INGESTED || !f->error ? "" : f->error);
	row.records = f->records;
	if (f->action == ACT_APPEND && j->x->res.seeked)
		row.lines = f->prev.resume_line - 1 + j->x->res.lines;
	else
		row.lines = j->x->res.lines;
	if (j->x->res.from_start) {
		/* a CSV export: its header says how to read it, and a read
		   resumed at its last record would not see it; when it
		   grows, it is read whole again */
		row.resume_offset = 0;
		row.resume_line = 0;
	} else if (j->x->res.records > 0) {
		row.resume_offset = j->x->res.last_offset;
		row.resume_line = j->x->res.last_line;
	} else if (f->action == ACT_APPEND) {
		row.resume_offset = f->prev.resume_offset;
		row.resume_line = f->prev.resume_line;
	}
	for (int i = 0; i < MAX_HOSTS; i++)
		if (j->x->hosts[i].n && (!best || j->x->hosts[i].n > best->n))
			best = &j->x->hosts[i];
	if (f->action == ACT_APPEND) {
		/* over the whole file, not just its tail: as a fresh run would */
		if ((rc = file_host(s, f->file_id, row.host, sizeof row.host, diag)))
			return rc;
	} else if (best) {
		snprintf(row.host, sizeof row.host, "%.*s", (int)sizeof row.host - 1, best->name);
	}
	memcpy(row.first_ts, j->x->first_ts, sizeof row.first_ts);
	memcpy(row.last_ts, j->x->last_ts, sizeof row.last_ts);
	if (f->action == ACT_APPEND) {
		if (f->prev.first_ts[0] && (!row.first_ts[0] ||
					     strcmp(f->prev.first_ts, row.first_ts) < 0))
			memcpy(row.first_ts, f->prev.first_ts, sizeof row.first_ts);
		if (strcmp(f->prev.last_ts, row.last_ts) > 0)
			memcpy(row.last_ts, f->prev.last_ts, sizeof row.last_ts);
	}
	if ((rc = sip_store_file_finish(s, &row,
					j->x->res.parser ? j->x->res.parser : NULL,
					j->x->res.gzip ? "gzip" : NULL,
					j->x->res.parser ? encoding_name(j->x->res.encoding) : NULL,
					diag)))
		return rc;
	/* A grown file keeps the counts of the records before its last one
	   (sip_store_delete_records); counts past the tally's bounds are left
	   to sip_store_stats_fill. */
	if (t->rows > 0 && t->rows == f->new_records && !t->full && !t->errors_full)
		rc = sip_store_stats_put(s, f->file_id, t, diag);
	return rc;
}

static void progress(writer *w, uint64_t cur_bytes, int force)
{
	double t;
	sip_ingest_progress p;

	if (!w->o->progress)
		return;
	t = now_s();
	if (!force && t - w->last_progress < 0.25)
		return;
	w->last_progress = t;
	p = w->prog;
	p.bytes_done += cur_bytes;
	w->o->progress(w->o->progress_ctx, &p);
}

/*
 * Chunks of little text are gathered into one, a group: --text evidence
 * keeps a few KiB of text per batch, and a chunk of each batch left
 * SQLite a page of 8 KiB with half of it empty for each (a third of the
 * chunks' pages); the group is also compressed as a whole, with a window
 * over all its text.  A chunk of less than GROUP_CHUNK bytes of text
 * (left raw by the parser: flush_chunk) joins the open group: its rows
 * get the group's chunk id, which is max(chunks.id) + 1 when the
 * group opens, and their offsets past the text before theirs.  The group
 * is stored when it holds GROUP_TEXT bytes, before any other chunk, at
 * the end of its file and before each commit: so the ids of a file's
 * chunks still grow with its lines, a commit never leaves rows without
 * their text, and the memory is at most GROUP_TEXT + GROUP_CHUNK.  A
 * file's last record keeps its chunk of its own (see finish_scan).  The
 * other chunks of a full load are near SIP_CHUNK_TARGET and go in as they
 * come.  group_store stores the open group, if any.
 */
/* Compress n bytes of text into w->zbuf, on the writer (path for the
   message). */
static int writer_compress(writer *w, const char *text, size_t n, const char *path,
			   sip_diag *diag)
{
	int rc;

	sip_buf_reset(&w->zbuf);
	if (!w->z && !(w->z = sip_zctx_new()))
		rc = SIP_ENOMEM;
	else
		rc = sip_store_chunk_compress(w->z, text, n, &w->zbuf);
	return rc ? sip_diag_set(diag, rc, path, 0, "compressing records: %s",
				 sip_strerror(rc)) : SIP_OK;
}

static int group_store(writer *w, sip_diag *diag)
{
	int64_t id = w->gid;
	int rc;

	if (!w->gid)
		return SIP_OK;
	w->gid = 0;
	if ((rc = writer_compress(w, w->gtext.p, w->gtext.n, "", diag)))
		return rc;
	w->tx_bytes += w->zbuf.n;
	return sip_store_insert_chunk(w->s, w->gfile, w->zbuf.p, w->zbuf.n, &id, diag);
}

/* Open a transaction unless one is open. */
static int writer_begin(writer *w, sip_diag *diag)
{
	int rc;

	if (w->in_tx)
		return SIP_OK;
	if ((rc = sip_store_begin(w->s, diag)))
		return rc;
	w->in_tx = 1;
	w->tx_rows = w->tx_bytes = 0;
	return SIP_OK;
}

/* Commit the open transaction once it holds enough (always when force). */
static int writer_commit_if(writer *w, int force, sip_diag *diag)
{
	int rc;

	if (!w->in_tx || (!force && w->tx_rows < w->commit_rows && w->tx_bytes < COMMIT_BYTES))
		return SIP_OK;
	/* the rows committed have their chunks */
	if ((rc = group_store(w, diag)) || (rc = sip_store_commit(w->s, diag)))
		return rc;
	w->in_tx = 0;
	return SIP_OK;
}

/*
 * Make ch's text (raw) part of the open group (opened for j's file if
 * none is): *chunk_id gets the group's id, and the offsets of ch's rows
 * that have their text in it move past the group's text so far.
 */
static int group_add(writer *w, job *j, batch *b, const batch_chunk *ch,
		     int64_t *chunk_id, sip_diag *diag)
{
	size_t at;
	int rc;

	if (w->gid && w->gfile != j->f->file_id && (rc = group_store(w, diag)))
		return rc;
	if (!w->gid) {
		if ((w->gid = sip_store_next_chunk_id(w->s)) <= 0) {
			w->gid = 0;
			return sip_diag_set(diag, SIP_EDB, j->f->path, 0,
					    "numbering a chunk: %s",
					    sqlite3_errmsg(sip_store_db(w->s)));
		}
		w->gfile = j->f->file_id;
		sip_buf_reset(&w->gtext);
	}
	at = w->gtext.n;
	if (sip_buf_add(&w->gtext, ch->data.p, ch->data.n))
		return sip_diag_set(diag, SIP_ENOMEM, j->f->path, 0,
				    "gathering records: %s", sip_strerror(SIP_ENOMEM));
	for (size_t i = ch->first; i < ch->first + ch->n; i++)
		if (!b->rows[i].by_ref)
			b->rows[i].raw_off += at;
	*chunk_id = w->gid;
	return SIP_OK;
}

static int write_batch(writer *w, job *j, batch *b, sip_diag *diag)
{
	const sip_ingest_opts *o = w->o;
	int rc;

	if (o->nostore) {
		j->f->new_records += b->n;
		return SIP_OK;
	}
	for (size_t c = 0; c < b->nchunks; c++) {
		const batch_chunk *ch = &b->chunks[c];
		sip_str data = ch->data;
		int64_t chunk_id = 0, first_id;
		if ((rc = writer_begin(w, diag)))
			return rc;
		if (ch->raw && !data.n) {
			/* no text to keep: no chunk */
		} else if (ch->raw && data.n < GROUP_CHUNK && !ch->last) {
			/* flush_chunk leaves every chunk of so little text raw */
			if ((rc = group_add(w, j, b, ch, &chunk_id, diag)))
				return rc;
			data.n = 0;
		} else {
			if ((rc = group_store(w, diag)))
				return rc;
			if (ch->raw) {
				if ((rc = writer_compress(w, data.p, data.n, j->f->path, diag)))
					return rc;
				data = (sip_str){ w->zbuf.p, w->zbuf.n };
			}
			if ((rc = sip_store_insert_chunk(w->s, j->f->file_id, data.p,
							 data.n, &chunk_id, diag)))
				return rc;
		}
		if ((rc = sip_store_insert_rows(w->s, j->f->file_id, chunk_id,
						&b->rows[ch->first], ch->n, &first_id,
						diag)))
			return rc;
		for (size_t i = ch->first; i < ch->first + ch->n; i++)
			sip_tally_row(&w->tally, &b->rows[i]);
		for (size_t i = ch->first; o->write && i < ch->first + ch->n; i++) {
			const sip_row *row = &b->rows[i];
			int64_t id = first_id + (int64_t)(i - ch->first);
			sip_diag hd;
			if (!row->payload.n)
				continue;
			sip_diag_clear(&hd);
			if ((rc = o->write(o->write_ctx, id, row->payload.p, row->payload.n, &hd)))
				return sip_diag_set(diag, rc, j->f->path, row->line,
						    "storing the rules' results: %s",
						    hd.code ? hd.msg : sip_strerror(rc));
		}
		j->f->new_records += ch->n;
		w->tx_rows += ch->n;
		w->tx_bytes += data.n + 128 * ch->n;
		if (w->gid && w->gtext.n >= GROUP_TEXT && (rc = group_store(w, diag)))
			return rc;
		if ((rc = writer_commit_if(w, 0, diag)))
			return rc;
	}
	return SIP_OK;
}

/* Write batch b of job j, give it back, and tell the progress. */
static int write_one(writer *w, job *j, batch *b, sip_diag *diag)
{
	const sip_ingest_file *f = j->f;
	uint64_t off;
	int rc;

	rc = write_batch(w, j, b, diag);
	if (b->n)
		w->last_off = b->rows[b->n - 1].offset;
	batch_put(w->r, b);
	if (rc)
		return rc;
	off = w->last_off;
	if (f->action == ACT_APPEND && off >= (uint64_t)f->prev.resume_offset)
		off -= f->prev.resume_offset;
	progress(w, off < (uint64_t)f->size ? off : (uint64_t)f->size, 0);
	return SIP_OK;
}

/* The batches of j from its queue, as the worker queues them. */
static int write_queued(writer *w, job *j, sip_diag *diag)
{
	run *r = w->r;
	int rc;

	/* j is now the job being written: its batches no longer count as
	   ahead, and the workers held back may go on. */
	pthread_mutex_lock(&r->mu);
	r->writing = (size_t)(j - r->jobs);
	r->ahead -= j->queued;
	pthread_cond_broadcast(&r->cv_workers);
	pthread_mutex_unlock(&r->mu);
	for (;;) {
		batch *b;
		int done;
		pthread_mutex_lock(&r->mu);
		if (r->o->stages)
			r->writer_wait -= now_s();
		while (!j->head && !j->done)
			pthread_cond_wait(&r->cv_writer, &r->mu);
		if (r->o->stages)
			r->writer_wait += now_s();
		b = j->head;
		if (b) {
			j->head = b->next;
			if (!j->head)
				j->tail = NULL;
			j->queued--;
			pthread_cond_broadcast(&r->cv_workers);
		}
		done = !b && j->done;
		pthread_mutex_unlock(&r->mu);
		if (done)
			return SIP_OK;
		if (b && (rc = write_one(w, j, b, diag)))
			return rc;
	}
}

/* jobs = 1: parse j here; hand_over writes each batch as it is full. */
static int write_here(writer *w, job *j, sip_diag *diag)
{
	w->rc = SIP_OK;
	w->diag = diag;
	run_job(w->r, j, w->here);
	w->diag = NULL;
	return w->rc;
}

static int write_job_state(writer *w, job *j, sip_diag *diag);

/*
 * Write the file of j, then free its state.  Not after a failure: the
 * writer stops at once, and the worker may still be parsing j (a disk
 * that fills up half way); the run frees every state once its threads
 * are joined.
 */
static int write_job(writer *w, job *j, sip_diag *diag)
{
	int rc = write_job_state(w, j, diag);

	if (!rc)
		job_state_free(j);
	return rc;
}

static int write_job_state(writer *w, job *j, sip_diag *diag)
{
	sip_ingest_file *f = j->f;
	uint64_t from_line = f->action == ACT_APPEND ? f->prev.resume_line : 0;
	int rc;

	f->appended = f->action == ACT_APPEND;
	if ((rc = writer_begin(w, diag)))
		return rc;
	if ((rc = sip_store_file_start(w->s, f->canon, &f->file_id, from_line, diag)))
		return rc;
	w->last_off = 0;
	sip_tally_release(&w->tally);
	rc = w->here ? write_here(w, j, diag) : write_queued(w, j, diag);
	if (rc)
		return rc;
	if (j->fatal) {
		if (diag)
			*diag = j->x->fatal_diag;
		return j->fatal;
	}
	if ((rc = writer_begin(w, diag)) || (rc = group_store(w, diag)) ||
	    (rc = finish_file(w->s, j, &w->tally, diag)))
		return rc;
	w->tx_rows++;   /* a file of no records still counts */
	return writer_commit_if(w, 0, diag);
}

/*
 * How many parser threads for jobs (0 = the cores) and njobs files: jobs
 * counts the writer, so jobs - 1, and no more than there are files.
 */
static int parser_threads(int jobs, size_t njobs)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (jobs <= 0)
		jobs = cores > 0 ? (int)(cores < 64 ? cores : 64) : 1;
	else if (jobs > 64)
		jobs = 64;
	if ((size_t)(jobs - 1) > njobs)
		return (int)njobs;
	return jobs - 1;
}

/*
 * Overlapping inputs: a file written by this run whose records another
 * stored input of the same host and hours holds too (overlapping exports
 * of one capture, a gzip and its extracted parts) loses those records
 * (sip_store_drop_overlap): each record is stored once, under the input
 * stored first (an earlier run, or an earlier input of this run).  A file
 * left with no records is marked 'duplicate' of that input.
 */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

#define OVERLAP_SAMPLES 8

static int drop_overlaps(sip_store *s, job *jobs, size_t njobs, sip_diag *diag)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *st = NULL, *fs = NULL, *rg = NULL;
	int rc = SIP_OK, open = 0, outer = sip_store_in_tx(s);   /* as in write_same */

	/* The candidates of a file: the inputs that hold the twin of one of
	   OVERLAP_SAMPLES of its timed records, taken evenly over its ids
	   (each an index probe on ts: a few per file, whatever the number
	   of files; an overlap of an eighth of the file or more is seen). */
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT t.file_id FROM record_rows r, record_rows t"
			       " WHERE r.id = (SELECT e.id FROM record_rows e WHERE e.file_id = ?1"
			       " AND e.id >= ?2 AND e.id <= ?3 AND e.ts IS NOT NULL ORDER BY e.id"
			       " LIMIT 1) AND t.ts = r.ts AND t.file_id <> ?1 AND "
			       SIP_SAME_RECORD_SQL("t", "r"), -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT path FROM files WHERE id = ?1 AND records > 0"
			       " AND duplicate_of IS NULL AND status IN ('ingested', 'partial')",
			       -1, &fs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT coalesce(first_id, 0), coalesce(resume_id, 0),"
			       " records FROM files WHERE id = ?1", -1, &rg, NULL) != SQLITE_OK) {
		rc = sip_diag_set(diag, SIP_EDB, "", 0, "finding overlapping inputs: %s",
				  sqlite3_errmsg(db));
		goto done;
	}
	for (size_t i = 0; i < njobs && !rc; i++) {
		sip_ingest_file *f = jobs[i].f;
		int64_t cand[64], lo = 0, hi = 0, recs = 0;
		char *cpath[64];
		size_t nc = 0, nu = 0;
		if (f->status != SIP_FILE_INGESTED && f->status != SIP_FILE_PARTIAL)
			continue;
		sqlite3_bind_int64(rg, 1, f->file_id);
		if (sqlite3_step(rg) == SQLITE_ROW) {
			lo = sqlite3_column_int64(rg, 0);
			hi = sqlite3_column_int64(rg, 1);
			recs = sqlite3_column_int64(rg, 2);
		}
		sqlite3_reset(rg);
		if (recs <= 0 || hi < lo)
			continue;
		/* the candidates first: the drops change the tables read */
		for (int k = 0; k < OVERLAP_SAMPLES && nu < 64; k++) {
			sqlite3_bind_int64(st, 1, f->file_id);
			sqlite3_bind_int64(st, 2, lo + (hi - lo) * k / (OVERLAP_SAMPLES - 1));
			sqlite3_bind_int64(st, 3, hi);
			while (nu < 64 && sqlite3_step(st) == SQLITE_ROW) {
				int64_t g = sqlite3_column_int64(st, 0);
				size_t u;
				for (u = 0; u < nu && cand[u] != g; u++)
					;
				if (u == nu)
					cand[nu++] = g;
			}
			sqlite3_reset(st);
		}
		qsort(cand, nu, sizeof cand[0], cmp_i64);
		/* of them, the inputs whose records stand (not duplicates) */
		for (size_t u = 0; u < nu && !rc; u++) {
			sqlite3_bind_int64(fs, 1, cand[u]);
			if (sqlite3_step(fs) == SQLITE_ROW) {
				const char *p = (const char *)sqlite3_column_text(fs, 0);
				cand[nc] = cand[u];
				if (!(cpath[nc++] = strdup(p ? p : "?")))
					rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
			}
			sqlite3_reset(fs);
		}
		for (size_t c = 0; c < nc && !rc; c++) {
			int64_t g = cand[c];
			const char *gpath = cpath[c];
			uint64_t n = 0;
			size_t k;
			/* a file this run writes after f loses its records to f */
			for (k = i + 1; k < njobs; k++)
				if (jobs[k].f->file_id == g)
					break;
			if (k < njobs)
				continue;
			if (!open && !outer && (rc = sip_store_begin(s, diag)))
				break;
			open = !outer;
			if ((rc = sip_store_drop_overlap(s, f->file_id, g, &n, diag)) || !n)
				continue;
			f->overlap += n;
			f->records = f->records > n ? f->records - n : 0;
			f->new_records = f->new_records > n ? f->new_records - n : 0;
			if (!f->overlap_id)
				f->overlap_id = g;
			if (!f->overlap_path) {
				for (k = 0; k < i; k++)
					if (jobs[k].f->file_id == g)
						break;
				f->overlap_path = strdup(k < i ? jobs[k].f->path : gpath ? gpath : "?");
				if (!f->overlap_path)
					rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
			}
		}
		for (size_t c = 0; c < nc; c++)
			free(cpath[c]);
		if (!rc && f->overlap && !f->records) {
			/* all of it is stored under another input */
			char sql[256];
			f->status = SIP_FILE_SAME;
			snprintf(sql, sizeof sql, "UPDATE files SET status = 'duplicate',"
				 " duplicate_of = ?2, error = ?3"
				 " WHERE id = ?1");
			{
				sqlite3_stmt *u = NULL;
				char msg[1024];
				snprintf(msg, sizeof msg, "the same records as %s: stored once",
					 f->overlap_path);
				if (sqlite3_prepare_v2(db, sql, -1, &u, NULL) != SQLITE_OK) {
					rc = sip_diag_set(diag, SIP_EDB, "", 0, "%s", sqlite3_errmsg(db));
					break;
				}
				sqlite3_bind_int64(u, 1, f->file_id);
				sqlite3_bind_int64(u, 2, f->overlap_id);
				sqlite3_bind_text(u, 3, msg, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(u) != SQLITE_DONE)
					rc = sip_diag_set(diag, SIP_EDB, "", 0, "%s", sqlite3_errmsg(db));
				sqlite3_finalize(u);
				set_file_error(f, NULL, SIP_OK, msg);
			}
		}
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(fs);
	sqlite3_finalize(rg);
	if (open)
		rc = rc ? (sip_store_rollback(s), rc) : sip_store_commit(s, diag);
	return rc;
}

int sip_ingest_run(sip_store *s, sip_ingest_list *l, const sip_ingest_opts *o,
		   sip_diag *diag)
{
	run r;
	writer w;
	worker_ctx here;
	pthread_t tids[64];
	int nthreads = 0, rc = SIP_OK;
	uint64_t bytes_total = 0, text_total = 0;
	int64_t *written = NULL;
	size_t nwritten = 0;

	memset(&r, 0, sizeof r);
	memset(&w, 0, sizeof w);
	sip_buf_init(&w.zbuf, 0);
	sip_buf_init(&w.gtext, 0);
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv_writer, NULL);
	pthread_cond_init(&r.cv_workers, NULL);
	r.o = o;
	if (o->stages && stage_t0 <= 0)
		stage_t0 = now_s();

	/* 1. plan */
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].status != SIP_FILE_PENDING)
			continue;
		if ((rc = plan_file(s, &l->v[i], diag)))
			goto out;
	}
	if ((rc = expand_archives(s, l, diag)))
		goto out;
	if ((rc = mark_duplicates(l))) {
		sip_diag_set(diag, rc, "", 0, "out of memory");
		goto out;
	}
	if (!o->keep_duplicates && (rc = mark_same(s, l, diag)))
		goto out;
	if (!(r.jobs = calloc(l->n + 1, sizeof *r.jobs)) ||
	    !(written = calloc(l->n + 1, sizeof *written))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		sip_ingest_file *f = &l->v[i];
		if (f->status != SIP_FILE_PENDING || f->action == ACT_NONE)
			continue;
		r.jobs[r.njobs++].f = f;
		bytes_total += (uint64_t)(f->action == ACT_APPEND
					  ? f->size - (int64_t)f->prev.resume_offset : f->size);
		text_total += (uint64_t)(f->action == ACT_APPEND
					 ? f->size - (int64_t)f->prev.resume_offset
					 : f->text_size > f->size ? f->text_size : f->size);
	}
	w.s = s;
	w.r = &r;
	w.o = o;
	w.commit_rows = o->commit_rows;
	if (!w.commit_rows)
		w.commit_rows = COMMIT_ROWS;
	stage(&r, "planned");
	w.prog.files_total = r.njobs;
	w.prog.bytes_total = bytes_total;
	if (r.njobs == 0)
		goto indexes;
	/* A large load drops the index with random keys (call_id), and ts
	   too when there are many small files (their times interleave), and
	   builds them at the end: cheaper than keeping them up row by row
	   (see store.c).  Large by the text's size: a 12 MB gzip of 100 MiB
	   of text that kept them up took 1.06x the wall. */
	if (text_total > (o->bulk_bytes ? o->bulk_bytes : 64u * 1024 * 1024) &&
	    (rc = sip_store_drop_bulk_indexes(s, r.njobs > 1 &&
					      text_total / r.njobs < TS_KEEP_BYTES,
					      diag)))
		goto out;

	/* 2. parse: on jobs - 1 threads, or on this one */
	nthreads = parser_threads(o->jobs, r.njobs);
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&tids[i], NULL, worker_main, &r) != 0) {
			nthreads = i;
			break;
		}
	}
	if (nthreads == 0) {
		/* also when no thread could be started: one is enough */
		worker_init(&here, &r, &w);
		w.here = &here;
	}

	/* 3. write */
	for (size_t i = 0; i < r.njobs; i++) {
		if ((rc = write_job(&w, &r.jobs[i], diag)))
			break;
		written[nwritten++] = r.jobs[i].f->file_id;
		w.prog.files_done++;
		w.prog.bytes_done += (uint64_t)r.jobs[i].f->size;
		progress(&w, 0, 0);
	}
	/* The last transaction stays open: the indexes are built in it, and
	   one commit (its journal and fsyncs) ends both. */
	if (rc) {
		sip_store_rollback(s);
		pthread_mutex_lock(&r.mu);
		r.abort = 1;
		pthread_cond_broadcast(&r.cv_workers);
		pthread_mutex_unlock(&r.mu);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	nthreads = 0;
	if (w.here) {
		/* as a worker thread would end: before the finish hook */
		worker_release(w.here);
		w.here = NULL;
	}
	if (rc)
		goto out;
	if (o->stages)
		fprintf(stderr, "stage written                wall %7.3f s  cpu %7.3f s,"
			" writer thread cpu %.3f s, waited for the parsers %.3f s\n",
			now_s() - stage_t0, clock_s(CLOCK_PROCESS_CPUTIME_ID),
			clock_s(CLOCK_THREAD_CPUTIME_ID), r.writer_wait);
	progress(&w, 0, 1);
indexes:
	if ((rc = write_same(s, l, diag)))
		goto out;
	if (!o->keep_duplicates && ((rc = sip_store_create_indexes(s, diag)) ||
				    (rc = drop_overlaps(s, r.jobs, r.njobs, diag))))
		goto out;
	if ((rc = sip_store_create_indexes(s, diag)))
		goto out;
	stage(&r, "indexes built");
	/* The analysis goes into the load's last transaction when one is
	   open: one commit, and its fsyncs, for both (its own commits took
	   half of its time; fsyncs of a small server trace: 16 -> 8, of a
	   client log, whose trust analysis committed each sign-in: 28 ->
	   8).  A savepoint keeps what it was before: an analysis that fails
	   leaves no trace, and the load is committed all the same. */
	if (o->finish_hook) {
		sip_diag hd;
		int in_tx = w.in_tx, hrc;
		sip_diag_clear(&hd);
		if (in_tx && (rc = sip_store_exec(s, "SAVEPOINT sip_finish;", diag)))
			goto out;
		hrc = o->finish_hook(o->finish_ctx, s, written, nwritten, &hd);
		if (in_tx)
			rc = sip_store_exec(s, hrc ? "ROLLBACK TO sip_finish; RELEASE sip_finish;"
					    : "RELEASE sip_finish;", hrc ? NULL : diag);
		if (!rc)
			rc = writer_commit_if(&w, 1, diag);
		if (hrc) {
			/* the analysis's failure is what to tell, also when it
			   took the transaction with it (the next run reads again
			   what was not committed) */
			rc = hrc;
			sip_diag_set(diag, rc, "", 0, "finishing the analysis failed: %s",
				     hd.code ? hd.msg : sip_strerror(rc));
		}
		if (rc)
			goto out;
		stage(&r, "analysis finished, committed");
	} else {
		if ((rc = writer_commit_if(&w, 1, diag)))
			goto out;
		stage(&r, "committed");
	}
out:
	if (rc)
		sip_store_rollback(s);   /* the load's last transaction, if open */
	for (size_t i = 0; r.jobs && i < r.njobs; i++) {
		batch *b, *next;
		for (b = r.jobs[i].head; b; b = next) {
			next = b->next;
			batch_free(b);
		}
		job_state_free(&r.jobs[i]);
	}
	while (r.free_batches) {
		batch *b = r.free_batches;
		r.free_batches = b->next;
		batch_free(b);
	}
	free(r.jobs);
	free(written);
	sip_zctx_free(w.z);
	sip_buf_release(&w.zbuf);
	sip_buf_release(&w.gtext);
	sip_tally_release(&w.tally);
	pthread_cond_destroy(&r.cv_workers);
	pthread_cond_destroy(&r.cv_writer);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
