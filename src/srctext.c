/*
 * srctext.c -- the text of records kept by reference, read from the
 * original file (see srctext.h).
 *
 * The ingest keeps a record by reference only where the bytes at its
 * offset are its text (a regular UTF-8 file without a BOM or a pasted
 * prefix, or the gzip of one; see by_ref in ingest.c), so reading them
 * back needs no parser: a pread for a plain file, the reader's lines for a
 * gzip one.  The check that the file is the one analyzed is the ingest's
 * own (fingerprint and tail hash, src/ingest.c plan_file), made once per
 * file opened.
 */
#include "srctext.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "reader.h"

#define FP_BYTES (64 * 1024)   /* as ingest.c */
#define TAIL_BYTES 4096

struct sip_srctext {
	int64_t file_id;      /* the file open (or failed), 0 = none */
	int rc;               /* SIP_OK, or why it cannot be read */
	char msg[600];        /* ... in words */
	char path[4096];
	int fd;               /* plain file, else -1 */
	sip_reader *rd;       /* gzip: the stream, its next line at pos */
	uint64_t pos;
};

sip_srctext *sip_srctext_new(void)
{
	sip_srctext *s = calloc(1, sizeof *s);

	if (s)
		s->fd = -1;
	return s;
}

static void src_close(sip_srctext *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	sip_reader_free(s->rd);
	s->rd = NULL;
	s->pos = 0;
	s->file_id = 0;
}

void sip_srctext_free(sip_srctext *s)
{
	if (!s)
		return;
	src_close(s);
	free(s);
}

/* The FNV-1a 64 hex of bytes [off, off + n) of fd, as ingest.c stores it. */
static int hash_at(int fd, int64_t off, size_t n, char out[17])
{
	unsigned char *buf = malloc(n ? n : 1);
	size_t got = 0;

	if (!buf)
		return -1;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + (int64_t)got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return -1;
		}
		got += (size_t)r;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)sip_fnv(buf, n));
	free(buf);
	return 0;
}

static int fail(sip_srctext *s, int rc, const char *what, const char *detail)
{
	s->rc = rc;
	snprintf(s->msg, sizeof s->msg, "%.200s%s%.300s%s", what, detail ? " (" : "",
		 detail ? detail : "", detail ? ")" : "");
	return rc;
}

/* Open file_id, check it, and remember the outcome. */
static int src_open(sip_srctext *s, sqlite3 *db, int64_t file_id, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int64_t size;
	char fp[17], tail[17], want_fp[17] = "", want_tail[17] = "";
	int gzip, src;
	struct stat sb;

	src_close(s);
	if (sqlite3_prepare_v2(db, "SELECT path, size, fingerprint, tail_hash, compression"
			       " FROM files WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(db, "main"), 0,
				    "files lookup: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, file_id);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		int rc = src == SQLITE_DONE
			 ? sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(db, "main"), 0,
					"no file with id %lld", (long long)file_id)
			 : sip_diag_set(diag, SIP_EDB, sqlite3_db_filename(db, "main"), 0,
					"files lookup: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return rc;
	}
	snprintf(s->path, sizeof s->path, "%s",
		 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
	size = sqlite3_column_int64(st, 1);
	if (sqlite3_column_text(st, 2))
		snprintf(want_fp, sizeof want_fp, "%s", (const char *)sqlite3_column_text(st, 2));
	if (sqlite3_column_text(st, 3))
		snprintf(want_tail, sizeof want_tail, "%s", (const char *)sqlite3_column_text(st, 3));
	gzip = sqlite3_column_type(st, 4) != SQLITE_NULL;
	sqlite3_finalize(st);
	s->file_id = file_id;
	s->rc = SIP_OK;

	if ((s->fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(s->fd, &sb) != 0)
		return fail(s, SIP_EIO, "it is gone or unreadable", strerror(errno));
	if (!S_ISREG(sb.st_mode) || (int64_t)sb.st_size < size ||
	    hash_at(s->fd, 0, (size_t)(size < FP_BYTES ? size : FP_BYTES), fp) ||
	    hash_at(s->fd, size - (size < TAIL_BYTES ? size : TAIL_BYTES),
		    (size_t)(size < TAIL_BYTES ? size : TAIL_BYTES), tail) ||
	    strcmp(fp, want_fp) || strcmp(tail, want_tail))
		return fail(s, SIP_EIO, "it has changed since it was analyzed", NULL);
	if (gzip) {
		sip_reader_opts ro;
		sip_diag d;
		memset(&ro, 0, sizeof ro);
		ro.threads = -1;
		close(s->fd);
		s->fd = -1;
		if (sip_reader_open(&s->rd, s->path, &ro, &d) != SIP_OK)
			return fail(s, d.code == SIP_ENOMEM ? SIP_ENOMEM : SIP_EIO,
				    "it cannot be opened", d.msg);
	}
	return SIP_OK;
}

static int src_diag(const sip_srctext *s, sip_diag *diag)
{
	return sip_diag_set(diag, s->rc, s->path, 0,
			    "the record's text is not in the database (analyzed with "
			    "--text evidence) and cannot be read from %.2000s: %s",
			    s->path, s->msg);
}

/* Append p (n bytes) to out; SIP_ENOMEM at out's cap. */
static int add(sip_buf *out, const char *p, size_t n)
{
	return sip_buf_add(out, p, n) == SIP_OK ? SIP_OK : SIP_ENOMEM;
}

static int get_plain(sip_srctext *s, int64_t off, int64_t len, sip_buf *out)
{
	char buf[65536];

	while (len > 0) {
		size_t want = len < (int64_t)sizeof buf ? (size_t)len : sizeof buf;
		ssize_t r = pread(s->fd, buf, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(s, SIP_EIO, r < 0 ? "it cannot be read"
				    : "it ends before the record", r < 0 ? strerror(errno) : NULL);
		if (add(out, buf, (size_t)r))
			return SIP_ENOMEM;
		off += r;
		len -= r;
	}
	return SIP_OK;
}

static int get_gzip(sip_srctext *s, sqlite3 *db, int64_t off, int64_t len,
		    sip_buf *out, sip_diag *diag)
{
	sip_line ln;
	sip_diag d;
	int got, started = 0;

	if ((uint64_t)off < s->pos) {
		int64_t id = s->file_id;
		int rc = src_open(s, db, id, diag);   /* back to the start */
		if (rc)
			return rc;
	}
	while (len > 0) {
		got = sip_reader_next(s->rd, &ln, &d);
		if (got <= 0) {
			s->pos = UINT64_MAX;   /* open again on the next call */
			return fail(s, got < 0 && d.code == SIP_ENOMEM ? SIP_ENOMEM : SIP_EIO,
				    got < 0 ? "it cannot be read" : "it ends before the record",
				    got < 0 ? d.msg : NULL);
		}
		s->pos = ln.offset + ln.n + (ln.eol == SIP_EOL_CRLF ? 2 : ln.eol ? 1 : 0);
		if (!started && ln.offset < (uint64_t)off)
			continue;
		if (!started && ln.offset != (uint64_t)off)
			return fail(s, SIP_EIO, "no line starts at the record's offset", NULL);
		started = 1;
		if (add(out, ln.p, ln.n) ||
		    (ln.eol == SIP_EOL_CRLF && add(out, "\r\n", 2)) ||
		    (ln.eol == SIP_EOL_LF && add(out, "\n", 1)))
			return SIP_ENOMEM;
		len -= (int64_t)ln.n + (ln.eol == SIP_EOL_CRLF ? 2 : ln.eol ? 1 : 0);
	}
	return SIP_OK;
}

int sip_srctext_get(sip_srctext *s, sqlite3 *db, int64_t file_id, int64_t off,
		    int64_t len, sip_buf *out, sip_diag *diag)
{
	int rc;

	if (off < 0 || len <= 0)
		return SIP_OK;
	if (s->file_id != file_id && (rc = src_open(s, db, file_id, diag)) &&
	    rc != SIP_EIO)
		return rc;
	if (s->rc)
		return src_diag(s, diag);
	rc = s->rd ? get_gzip(s, db, off, len, out, diag) : get_plain(s, off, len, out);
	if (rc == SIP_EIO) {
		src_diag(s, diag);
		s->file_id = 0;   /* try again next time */
	} else if (rc == SIP_ENOMEM) {
		sip_diag_set(diag, SIP_ENOMEM, s->path, 0, "out of memory");
	}
	return rc;
}
