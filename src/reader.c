/*
 * reader.c -- bytes -> lines: plain files, stdin, memory buffers, gzip
 * (every member), UTF-8 BOM, UTF-16LE/BE with a BOM or told by content,
 * LF/CRLF, a line cap.
 *
 * Design.  Input flows through two stages into one decoded buffer (dbuf):
 *
 *   stage A, produce():  raw bytes -> stream bytes.  Plain input is read
 *            straight into the destination with read(2); gzip input is read
 *            into ibuf and inflated straight into the destination.
 *   stage B, fill():     stream bytes -> UTF-8 text appended to dbuf.  For
 *            UTF-8 it is stage A itself (no copy); UTF-16 is staged in
 *            u16buf and transcoded.
 *
 * fill() is the only thing sip_reader_next() asks for more text; it gets
 * stream bytes from pull(), which is stage A itself or, when a producer
 * thread runs, the ring that thread fills (below).
 *
 * Lines are handed out as pointers into dbuf: memchr finds the LF, nothing
 * is copied per line; only the unfinished tail of the buffer is moved to
 * the front before a refill.  dbuf holds max(256 KiB, 2 * max_line) bytes,
 * so a line of up to max_line always fits with room to read behind it.  A
 * longer line keeps its first max_line bytes at the front of dbuf while the
 * rest of it is read into the space behind them and dropped, chunk by
 * chunk, until its LF: memory never depends on the input.
 *
 * Errors of stage A (read error, damaged gzip) are sticky and deferred:
 * every byte decoded before the fault is turned into lines first (the last
 * partial one included), then sip_reader_next returns -1 with the diag.
 *
 * Pipeline.  For gzip input (inflate costs about as much as everything
 * downstream together) stage A runs on a producer thread once detection is
 * done: it inflates (or reads) into a ring of NBLK blocks of BLK_SIZE bytes,
 * filling each block completely unless the input ends, and the caller of
 * sip_reader_next (the consumer) copies blocks into dbuf through pull() and
 * splits lines exactly as on one thread; the copy is cheap next to inflate
 * and keeps the line, cap and UTF-16 code unaware of the thread.  From the
 * moment the thread starts it alone owns the source, the inflater, the stage A
 * counters, a_state and err; the consumer learns about them only through a
 * block: each carries, besides its bytes, the counters as they were when it
 * was published and, on the last one, how stage A ended (the error is in
 * err, written before that block was published under the mutex).  So an
 * error still comes after every byte produced before it, with the same
 * offset, and bytes_in / bytes_out / gzip_members, as seen by the consumer,
 * are those of the blocks it has taken: they trail the producer by at most
 * the ring, and once sip_reader_next has returned 0 or -1 they are the same
 * as on one thread.  The thread runs only where a read cannot block for
 * ever (a regular file, or memory), so sip_reader_free can always stop it:
 * it sets `stop`, wakes it and joins it (the producer checks `stop` between
 * inflate calls).  Pipes, ttys and small inputs stay on one thread, and so
 * does plain text by default: read(2) costs little next to the parsers, and
 * a thread measured no faster (see want_thread() and SIPSCAN_READER_THREADS
 * in reader.h).
 *
 * Offsets.  A line's offset is counted in source units: decoded stream
 * bytes for plain and gzip input, UTF-16 bytes for UTF-16.  For UTF-16 the
 * size of a line in the source is recomputed from its UTF-8 text (which
 * this file produced, so it is well formed): one code unit per UTF-8 lead
 * byte, two for a 4-byte sequence.
 */
#include "reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* gzip is inflated with ISA-L's igzip: 4.7x less CPU than gzip(1) (zlib)
   on the bench trace, and inflate is the largest single cost of reading a
   gzipped trace. */
#include <isa-l/igzip_lib.h>

#include "buf.h"

#define IBUF_SIZE ((size_t)256 * 1024)   /* raw (compressed) input chunk */
#define U16BUF_SIZE ((size_t)256 * 1024) /* UTF-16 staging */
#define DBUF_MIN ((size_t)256 * 1024)    /* decoded text, at least */
#define MAX_LINE_LIMIT ((size_t)1 << 30) /* max_line is clamped here */
#define BLK_SIZE SIP_READER_BLOCK        /* producer -> consumer block */
#define NBLK 4                           /* blocks in the ring */
#define AUTO_MIN ((uint64_t)128 * 1024)  /* auto: thread gzip from this size */

enum { ST_RUN = 0, ST_EOF = 1, ST_ERR = 2 };

/* One block of the ring: bytes, and stage A as it was when it was filled. */
struct block {
	size_t n;             /* stream bytes in the block */
	uint64_t bytes_in, bytes_out;
	int members;
	int end;              /* ST_RUN, or how stage A ended after these bytes */
};

/*
 * libarchive, loaded when the first archive is met (dlopen): linked, its
 * libraries (libxml2, ICU, OpenSSL ...) doubled the start of every
 * sipscan command, 5.4 ms to 11.2 ms, archives or not.
 */
static struct {
	struct archive * (*read_new)(void);
	int (*read_support_filter_all)(struct archive *);
	int (*read_support_format_all)(struct archive *);
	int (*read_support_format_raw)(struct archive *);
	int (*read_open_filename)(struct archive *, const char *, size_t);
	int (*read_next_header)(struct archive *, struct archive_entry **);
	la_ssize_t (*read_data)(struct archive *, void *, size_t);
	int (*read_data_skip)(struct archive *);
	int (*read_free)(struct archive *);
	const char * (*error_string)(struct archive *);
	const char * (*entry_pathname)(struct archive_entry *);
	__LA_MODE_T (*entry_filetype)(struct archive_entry *);
	la_int64_t (*entry_size)(struct archive_entry *);
	int (*entry_size_is_set)(struct archive_entry *);
	time_t (*entry_mtime)(struct archive_entry *);
} la;
static int la_ok;
static pthread_once_t la_once = PTHREAD_ONCE_INIT;

static void la_load(void)
{
	void *h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	if (
	    !(la.read_new = (struct archive * (*)(void))dlsym(h, "archive_read_new")) ||
	    !(la.read_support_filter_all = (int (*)(struct archive *))dlsym(h, "archive_read_support_filter_all")) ||
	    !(la.read_support_format_all = (int (*)(struct archive *))dlsym(h, "archive_read_support_format_all")) ||
	    !(la.read_support_format_raw = (int (*)(struct archive *))dlsym(h, "archive_read_support_format_raw")) ||
	    !(la.read_open_filename = (int (*)(struct archive *, const char *, size_t))dlsym(h, "archive_read_open_filename")) ||
	    !(la.read_next_header = (int (*)(struct archive *, struct archive_entry **))dlsym(h, "archive_read_next_header")) ||
	    !(la.read_data = (la_ssize_t (*)(struct archive *, void *, size_t))dlsym(h, "archive_read_data")) ||
	    !(la.read_data_skip = (int (*)(struct archive *))dlsym(h, "archive_read_data_skip")) ||
	    !(la.read_free = (int (*)(struct archive *))dlsym(h, "archive_read_free")) ||
	    !(la.error_string = (const char * (*)(struct archive *))dlsym(h, "archive_error_string")) ||
	    !(la.entry_pathname = (const char * (*)(struct archive_entry *))dlsym(h, "archive_entry_pathname")) ||
	    !(la.entry_filetype = (__LA_MODE_T (*)(struct archive_entry *))dlsym(h, "archive_entry_filetype")) ||
	    !(la.entry_size = (la_int64_t (*)(struct archive_entry *))dlsym(h, "archive_entry_size")) ||
	    !(la.entry_size_is_set = (int (*)(struct archive_entry *))dlsym(h, "archive_entry_size_is_set")) ||
	    !(la.entry_mtime = (time_t (*)(struct archive_entry *))dlsym(h, "archive_entry_mtime"))) {
		dlclose(h);
		return;
	}
	la_ok = 1;
}

int sip_archive_available(void)
{
	pthread_once(&la_once, la_load);
	return la_ok;
}

struct sip_reader {
	char *name;

	/* the source */
	int fd;               /* -1 for memory input */
	int own_fd;
	int src_regular;      /* a regular file or memory: reads never block */
	uint64_t src_size;    /* its size (regular files and memory) */
	const unsigned char *mem;
	size_t mem_n, mem_pos;
	struct archive *ar;   /* a member of an archive (libarchive) */
	uint64_t bytes_in;    /* raw bytes consumed from the source */
	uint64_t bytes_out;   /* stream bytes produced by stage A */

	/* options */
	size_t max_line;
	uint64_t skip_limit;     /* 0, or give up on a line longer than this */
	sip_warn_fn warn;
	void *warn_ctx;
	uint64_t start_offset, start_line;

	/* stage A */
	int started;
	int a_state;          /* ST_*: sticky */
	int gzip;
	unsigned char *ibuf;  /* raw input; for plain input only the head */
	size_t ihead_pos, ihead_len; /* plain: detection bytes not yet handed out */
	int in_eof;
	uint64_t in_base;     /* source offset of ibuf[0] (gzip) */
	struct inflate_state z;   /* ISA-L */
	unsigned char *zstage;    /* GZ_OUT_STEP bytes for small requests */
	size_t zs_pos, zs_len;    /* its bytes not yet handed out */
	int member_active;
	int members;
	int saw_nul;          /* NUL padding after a member was seen */

	/* stage B */
	enum sip_encoding enc;
	int u16;              /* 0, or 1 = LE, 2 = BE */
	int cp1252;           /* read as Windows-1252 (detect_cp1252) */
	unsigned char *u16buf;  /* UTF-16 or Windows-1252 staging */
	size_t upos, ulen;
	int b_done;           /* stage A finished (EOF or error) for UTF-16 */
	int b_err;            /* ... and it was an error */
	int cr_eol;           /* 1: lines end in a lone CR (classic Mac):
	                         read as LF; -1: they do not; 0: not known */

	/* the producer thread; the ring fields are the consumer's unless
	   noted */
	int threads;          /* <0 never, 0 auto, >0 whenever the source allows */
	int thr;              /* the thread runs: stage A belongs to it */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv_full;  /* a block was published */
	pthread_cond_t cv_free;  /* a block was released, or stop */
	atomic_int stop;
	unsigned char *ring;  /* NBLK * BLK_SIZE bytes */
	struct block blk[NBLK];
	unsigned count;       /* published, not yet released (under mu) */
	unsigned head;        /* producer: the block it fills next */
	unsigned tail;        /* the block being copied from */
	int have_blk;         /* blk[tail] is taken */
	size_t cpos;          /* copied from blk[tail] so far */
	uint64_t seen_in, seen_out; /* the counters of the last block taken */
	int seen_members;

	/* lines */
	char *dbuf;
	size_t dcap, dpos, dlen, scan;
	uint64_t next_off;    /* source offset of the next line */
	uint64_t lineno;      /* number of the next line */
	int state;            /* ST_*: what next() returns once done */

	sip_diag err;         /* the stage A error, then the final one */
};

/* ---- the source ----------------------------------------------------------- */

/* Read up to cap raw bytes.  Returns the count, 0 at EOF, -1 with errno. */
static ssize_t raw_read(sip_reader *r, void *dst, size_t cap)
{
	ssize_t n;

	if (r->ar) {
		la_ssize_t got = la.read_data(r->ar, dst, cap);
		if (got < 0) {
			const char *m = la.error_string(r->ar);
			sip_diag_set(&r->err, SIP_EIO, r->name, 0, "damaged archive: %s",
				     m ? m : "read error");
			errno = EIO;
			return -1;
		}
		r->bytes_in += (uint64_t)got;
		return (ssize_t)got;
	}
	if (r->fd < 0) {
		size_t left = r->mem_n - r->mem_pos;
		if (cap > left)
			cap = left;
		if (cap)
			memcpy(dst, r->mem + r->mem_pos, cap);
		r->mem_pos += cap;
		r->bytes_in += cap;
		return (ssize_t)cap;
	}
	do
		n = read(r->fd, dst, cap);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->bytes_in += (uint64_t)n;
	return n;
}

/* Record a sticky stage A error; returns -1. */
static int a_fail(sip_reader *r, int code, uint64_t offset, const char *msg,
		  const char *detail)
{
	if (detail)
		sip_diag_set(&r->err, code, r->name, 0, "%s (%s)", msg, detail);
	else
		sip_diag_set(&r->err, code, r->name, 0, "%s", msg);
	r->err.offset = offset;
	r->err.has_offset = 1;
	r->a_state = ST_ERR;
	return -1;
}

static int read_fail(sip_reader *r, int errnum)
{
	if (r->ar && r->err.code)   /* raw_read said what the archive said */
		return -1;
	return a_fail(r, SIP_EIO, r->bytes_in, "read error", strerror(errnum));
}

/* ---- stage A: gzip ---------------------------------------------------------- */

/* Offset in the source of the next compressed byte inflate would read (up
   to 8 bytes early: igzip reads its input a word at a time). */
static uint64_t gz_in_offset(const sip_reader *r)
{
	return r->in_base + (uint64_t)(r->z.next_in - r->ibuf);
}

/* Refill ibuf, keeping the avail_in bytes still unread.  0 or -1. */
static int gz_refill(sip_reader *r)
{
	size_t keep = r->z.avail_in;
	ssize_t n;

	if (keep && r->z.next_in != r->ibuf)
		memmove(r->ibuf, r->z.next_in, keep);
	r->in_base = gz_in_offset(r);
	r->z.next_in = r->ibuf;
	n = raw_read(r, r->ibuf + keep, IBUF_SIZE - keep);
	if (n < 0)
		return read_fail(r, errno);
	if (n == 0)
		r->in_eof = 1;
	r->z.avail_in = (uint32_t)(keep + (size_t)n);
	return 0;
}

static void gz_start_member(sip_reader *r)
{
	isal_inflate_reset(&r->z);
	r->z.crc_flag = ISAL_GZIP;   /* parse the header, check CRC and size */
}

static int gz_data_error(sip_reader *r, int ret)
{
	uint64_t off = gz_in_offset(r);

	switch (ret) {
	case ISAL_INCORRECT_CHECKSUM:
		return a_fail(r, SIP_EGZIP, off, "gzip CRC or length mismatch", NULL);
	case ISAL_INVALID_WRAPPER:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt", "invalid header");
	case ISAL_UNSUPPORTED_METHOD:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt",
			      "unknown compression method");
	case ISAL_INVALID_BLOCK:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt", "invalid block");
	case ISAL_INVALID_SYMBOL:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt", "invalid code");
	case ISAL_INVALID_LOOKBACK:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt",
			      "invalid distance too far back");
	default:
		return a_fail(r, SIP_EGZIP, off, "gzip data corrupt", NULL);
	}
}

/*
 * Between members: start the next one, skip trailing NULs, or fail on
 * garbage.  Returns 1 when a member was started, 0 at the clean end, -1.
 */
static int gz_next_member(sip_reader *r)
{
	for (;;) {
		if (r->z.avail_in < 2 && !r->in_eof) {
			if (gz_refill(r) < 0)
				return -1;
			continue;
		}
		if (r->z.avail_in == 0)
			return 0;
		if (r->z.next_in[0] == 0) {
			while (r->z.avail_in && r->z.next_in[0] == 0) {
				r->z.next_in++;
				r->z.avail_in--;
			}
			r->saw_nul = 1;
			continue;
		}
		if (!r->saw_nul && r->z.avail_in >= 2 && r->z.next_in[0] == 0x1f &&
		    r->z.next_in[1] == 0x8b) {
			gz_start_member(r);
			r->member_active = 1;
			r->members++;
			return 1;
		}
		return a_fail(r, SIP_EGZIP, gz_in_offset(r),
			      "trailing garbage after gzip member", NULL);
	}
}

#define GZ_OUT_STEP (16 * 1024)

/* Inflate into dst.  Returns bytes produced (> 0), 0 at the end, -1. */
static ssize_t gz_inflate(sip_reader *r, unsigned char *dst, size_t cap)
{
	for (;;) {
		size_t produced;
		uint32_t in_before;
		int ret;

		if (!r->member_active) {
			int m = gz_next_member(r);
			if (m <= 0)
				return m;
		}
		if (r->z.avail_in == 0) {
			if (!r->in_eof && gz_refill(r) < 0)
				return -1;
			if (r->z.avail_in == 0)
				return a_fail(r, SIP_EGZIP, r->bytes_in,
					      "gzip stream truncated", NULL);
		}
		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		r->z.next_out = dst;
		r->z.avail_out = (uint32_t)cap;
		in_before = r->z.avail_in;
		ret = isal_inflate(&r->z);
		produced = cap - r->z.avail_out;
		if (ret < 0)
			gz_data_error(r, ret);
		else if (r->z.block_state == ISAL_BLOCK_FINISH)
			r->member_active = 0;
		if (produced) {
			r->bytes_out += produced;
			return (ssize_t)produced;
		}
		if (r->a_state == ST_ERR)
			return -1;
		/* No output and no input taken: igzip wants more than is in
		   ibuf (it takes what it can otherwise).  Read more behind
		   it, or the stream ends here. */
		if (r->member_active && r->z.avail_in == in_before) {
			if (r->in_eof || r->z.avail_in >= IBUF_SIZE)
				return a_fail(r, SIP_EGZIP, r->bytes_in,
					      "gzip stream truncated", NULL);
			if (gz_refill(r) < 0)
				return -1;
		}
	}
}

/*
 * gz_inflate for any cap.  A request smaller than GZ_OUT_STEP (the BOM
 * probe asks for 3 bytes) is served from zstage, inflated GZ_OUT_STEP at a
 * time: igzip decodes a small request into its own buffer, and what that
 * buffer held would be lost if the data went bad in that call.  Staged
 * bytes are handed out before an error that came after them.
 */
static ssize_t gz_produce(sip_reader *r, unsigned char *dst, size_t cap)
{
	ssize_t n;

	if (r->zs_pos == r->zs_len && cap >= GZ_OUT_STEP)
		return r->a_state == ST_ERR ? -1 : gz_inflate(r, dst, cap);
	if (r->zs_pos == r->zs_len) {
		if (r->a_state == ST_ERR)
			return -1;
		if (!r->zstage && !(r->zstage = malloc(GZ_OUT_STEP)))
			return a_fail(r, SIP_ENOMEM, gz_in_offset(r), "out of memory", NULL);
		n = gz_inflate(r, r->zstage, GZ_OUT_STEP);
		if (n <= 0)
			return n;
		r->bytes_out -= (uint64_t)n;   /* counted when handed out */
		r->zs_pos = 0;
		r->zs_len = (size_t)n;
	}
	n = (ssize_t)(r->zs_len - r->zs_pos < cap ? r->zs_len - r->zs_pos : cap);
	memcpy(dst, r->zstage + r->zs_pos, (size_t)n);
	r->zs_pos += (size_t)n;
	r->bytes_out += (uint64_t)n;
	return n;
}

/*
 * Stage A: append up to cap stream bytes at dst.  Returns the count (> 0),
 * 0 at the end of input, -1 on an error (r->err filled; sticky: every later
 * call returns the same).
 */
static ssize_t produce(sip_reader *r, unsigned char *dst, size_t cap)
{
	ssize_t n;

	if (r->a_state == ST_EOF)
		return 0;
	if (r->a_state == ST_ERR && !(r->gzip && r->zs_pos < r->zs_len))
		return -1;
	if (r->gzip) {
		n = gz_produce(r, dst, cap);
		if (n == 0)
			r->a_state = ST_EOF;
		return n;
	}
	if (r->ihead_pos < r->ihead_len) {
		size_t k = r->ihead_len - r->ihead_pos;
		if (k > cap)
			k = cap;
		memcpy(dst, r->ibuf + r->ihead_pos, k);
		r->ihead_pos += k;
		r->bytes_out += k;
		return (ssize_t)k;
	}
	n = raw_read(r, dst, cap);
	if (n < 0)
		return read_fail(r, errno);
	if (n == 0)
		r->a_state = ST_EOF;
	r->bytes_out += (uint64_t)n;
	return n;
}

/* ---- the producer thread ------------------------------------------------------- */

static void *producer_main(void *arg)
{
	sip_reader *r = arg;

	for (;;) {
		struct block *b;
		unsigned char *p;
		size_t n = 0;
		int end = ST_RUN;

		pthread_mutex_lock(&r->mu);
		while (r->count == NBLK && !atomic_load(&r->stop))
			pthread_cond_wait(&r->cv_free, &r->mu);
		pthread_mutex_unlock(&r->mu);
		if (atomic_load(&r->stop))
			break;
		b = &r->blk[r->head];
		p = r->ring + (size_t)r->head * BLK_SIZE;
		while (n < BLK_SIZE) {
			ssize_t k;
			if (atomic_load_explicit(&r->stop, memory_order_relaxed))
				break;
			k = produce(r, p + n, BLK_SIZE - n);
			if (k <= 0) {
				end = k == 0 ? ST_EOF : ST_ERR;
				break;
			}
			n += (size_t)k;
		}
		b->n = n;
		b->bytes_in = r->bytes_in;
		b->bytes_out = r->bytes_out;
		b->members = r->members;
		b->end = end;
		r->head = (r->head + 1) % NBLK;
		pthread_mutex_lock(&r->mu);
		r->count++;
		pthread_cond_signal(&r->cv_full);
		pthread_mutex_unlock(&r->mu);
		if (end != ST_RUN)
			break;
	}
	return NULL;
}

/*
 * The consumer's side of the ring: copy up to cap stream bytes to dst.
 * Returns the count (> 0), 0 at the end of input, -1 on an error (r->err,
 * complete once the last block was taken); sticky, like produce().
 */
static ssize_t ring_pull(sip_reader *r, unsigned char *dst, size_t cap)
{
	for (;;) {
		struct block *b = &r->blk[r->tail];

		if (r->have_blk) {
			if (r->cpos < b->n) {
				size_t k = b->n - r->cpos < cap ? b->n - r->cpos : cap;
				memcpy(dst, r->ring + (size_t)r->tail * BLK_SIZE + r->cpos, k);
				r->cpos += k;
				return (ssize_t)k;
			}
			if (b->end != ST_RUN)
				return b->end == ST_EOF ? 0 : -1;
			pthread_mutex_lock(&r->mu);
			r->count--;
			pthread_cond_signal(&r->cv_free);
			pthread_mutex_unlock(&r->mu);
			r->tail = (r->tail + 1) % NBLK;
			r->have_blk = 0;
			continue;
		}
		pthread_mutex_lock(&r->mu);
		while (r->count == 0)
			pthread_cond_wait(&r->cv_full, &r->mu);
		pthread_mutex_unlock(&r->mu);
		r->have_blk = 1;
		r->cpos = 0;
		r->seen_in = b->bytes_in;
		r->seen_out = b->bytes_out;
		r->seen_members = b->members;
	}
}

/* Stream bytes for stage B: from the ring, or stage A on this thread. */
static ssize_t pull(sip_reader *r, unsigned char *dst, size_t cap)
{
	return r->thr ? ring_pull(r, dst, cap) : produce(r, dst, cap);
}

/*
 * Whether to hand stage A to a thread (detection done, nothing failed):
 * never where a read may block (pipes, ttys: free could not stop it), and
 * by default only for gzip of some size, where inflate is worth a core.
 */
static int want_thread(const sip_reader *r)
{
	if (r->threads < 0 || r->a_state != ST_RUN || !r->src_regular)
		return 0;
	if (r->threads > 0)
		return 1;
	return r->gzip && r->src_size >= AUTO_MIN;
}

/*
 * Start the producer; on any failure stage A just stays on this thread.
 * The thread blocks every signal, so they still go to the caller's threads.
 */
static void start_thread(sip_reader *r)
{
	sigset_t all, old;
	int rc;

	r->ring = malloc((size_t)NBLK * BLK_SIZE);
	if (!r->ring)
		return;
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		goto no_mu;
	if (pthread_cond_init(&r->cv_full, NULL) != 0)
		goto no_full;
	if (pthread_cond_init(&r->cv_free, NULL) != 0)
		goto no_free;
	atomic_init(&r->stop, 0);
	r->seen_in = r->bytes_in;
	r->seen_out = r->bytes_out;
	r->seen_members = r->members;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->tid, NULL, producer_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		r->thr = 1;
		return;
	}
	pthread_cond_destroy(&r->cv_free);
no_free:
	pthread_cond_destroy(&r->cv_full);
no_full:
	pthread_mutex_destroy(&r->mu);
no_mu:
	free(r->ring);
	r->ring = NULL;
}

/* Stop the producer wherever it is and join it. */
static void stop_thread(sip_reader *r)
{
	if (!r->thr)
		return;
	atomic_store(&r->stop, 1);
	pthread_mutex_lock(&r->mu);
	pthread_cond_broadcast(&r->cv_free);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->tid, NULL);
	pthread_cond_destroy(&r->cv_free);
	pthread_cond_destroy(&r->cv_full);
	pthread_mutex_destroy(&r->mu);
	r->thr = 0;
}

/* ---- stage B: text ------------------------------------------------------------ */

static uint32_t u16_at(const sip_reader *r, size_t i)
{
	const unsigned char *p = r->u16buf + i;
	return r->u16 == 1 ? (uint32_t)p[0] | ((uint32_t)p[1] << 8)
			   : ((uint32_t)p[0] << 8) | (uint32_t)p[1];
}

/*
 * Transcode the staged UTF-16 into dst (room cap >= 4).  A high surrogate
 * at the end of the staged bytes waits for more unless the input is done.
 */
static size_t u16_transcode(sip_reader *r, char *dst, size_t cap)
{
	size_t out = 0;

	while (r->ulen - r->upos >= 2 && cap - out >= 4) {
		uint32_t c = u16_at(r, r->upos);
		size_t used = 2;

		if (c >= 0xD800 && c <= 0xDBFF) {
			if (r->ulen - r->upos < 4) {
				if (!r->b_done)
					break;
				c = 0xFFFD;
			} else {
				uint32_t lo = u16_at(r, r->upos + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
					used = 4;
				} else {
					c = 0xFFFD;
				}
			}
		} else if (c >= 0xDC00 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		out += sip_utf8_put(c, dst + out);
		r->upos += used;
	}
	if (r->b_done && r->ulen - r->upos == 1 && cap - out >= 3) {
		out += sip_utf8_put(0xFFFD, dst + out); /* odd trailing byte */
		r->upos++;
	}
	return out;
}

/* Windows-1252's characters for the bytes 0x80..0x9F (the five it leaves
   undefined kept as the C1 code points); from 0xA0 it is Latin-1. */
static const uint16_t cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* The staged Windows-1252 bytes as UTF-8 into dst (cap bytes); the count. */
static size_t cp1252_transcode(sip_reader *r, char *dst, size_t cap)
{
	size_t out = 0;

	while (r->upos < r->ulen && cap - out >= 3) {
		unsigned c = r->u16buf[r->upos++];
		if (c < 0x80)
			dst[out++] = (char)c;
		else
			out += sip_utf8_put(c < 0xA0 ? cp1252_c1[c - 0x80] : c, dst + out);
	}
	return out;
}

/*
 * Stage B: append decoded UTF-8 text at dbuf + dlen (there is room).
 * Returns the count (> 0), 0 at the end of input, -1 on an error (r->err).
 */
static ssize_t fill_text(sip_reader *r)
{
	char *dst = r->dbuf + r->dlen;
	size_t cap = r->dcap - r->dlen;

	if (!r->u16 && !r->cp1252) {
		ssize_t n = pull(r, (unsigned char *)dst, cap);
		if (n > 0)
			r->dlen += (size_t)n;
		return n;
	}
	for (;;) {
		size_t out;

		if (r->ulen - r->upos < 4 && !r->b_done) {
			ssize_t n;
			memmove(r->u16buf, r->u16buf + r->upos, r->ulen - r->upos);
			r->ulen -= r->upos;
			r->upos = 0;
			n = pull(r, r->u16buf + r->ulen, U16BUF_SIZE - r->ulen);
			if (n > 0) {
				r->ulen += (size_t)n;
			} else {
				r->b_done = 1;
				r->b_err = n < 0;
			}
			continue;
		}
		out = r->u16 ? u16_transcode(r, dst, cap) : cp1252_transcode(r, dst, cap);
		if (out) {
			r->dlen += out;
			return (ssize_t)out;
		}
		if (r->b_done)
			return r->b_err ? -1 : 0;
	}
}

/*
 * Whether the lines end in a lone CR, told once the text so far holds a LF
 * (no), or 4 KiB or all of it without one (yes when CRs come at least every
 * 512 bytes on average, as line ends do, two at the least).  Such a text (a
 * file saved with classic Mac line ends, or by a tool that writes CR alone)
 * is read with each CR as a LF: one byte for one, so offsets stay right.
 */
static void cr_decide(sip_reader *r, int eof)
{
	size_t n = r->dlen - r->dpos, crs = 0;
	const char *p = r->dbuf + r->dpos;

	if (memchr(p, '\n', n)) {
		r->cr_eol = -1;
		return;
	}
	if (n < 4096 && !eof)
		return;
	for (const char *q = p; (q = memchr(q, '\r', n - (size_t)(q - p))) != NULL; q++)
		crs++;
	r->cr_eol = crs >= 2 && crs * 512 >= n ? 1 : -1;
}

static void cr_to_lf(char *p, size_t n)
{
	char *e = p + n;

	while ((p = memchr(p, '\r', (size_t)(e - p))) != NULL)
		*p++ = '\n';
}

/* fill_text, with each lone CR made a LF once cr_decide says the lines end
   so.  Returns as fill_text does, but 1 at the end of input when the text
   held back has just got its line ends (the caller scans it again). */
static ssize_t fill(sip_reader *r)
{
	size_t from = r->dlen;
	ssize_t got = fill_text(r);

	if (r->cr_eol == 0) {
		cr_decide(r, got <= 0);
		if (r->cr_eol > 0 && r->dlen > r->dpos) {
			/* the text held back so far (scanned for a LF in vain)
			   has its line ends now: scan it again */
			cr_to_lf(r->dbuf + r->dpos, r->dlen - r->dpos);
			r->scan = r->dpos;
			/* also at the end or at an error (which the next fill
			   says again): else the text was handed out as one
			   line with its line ends in it */
			return got <= 0 ? 1 : got;
		}
	}
	if (r->cr_eol > 0 && r->dlen > from)
		cr_to_lf(r->dbuf + from, r->dlen - from);
	return got;
}

/* ---- detection ------------------------------------------------------------------ */

/*
 * Skip to opts.start_offset in a plain UTF-8 input: the detection bytes in
 * ibuf[0..ihead_len) came from offset 0.  0 or -1 (r->err).
 */
static int seek_start(sip_reader *r)
{
	uint64_t skip = r->start_offset, have = r->ihead_len;

	r->dpos = r->dlen = r->scan = 0;
	if (r->fd < 0) {
		r->ihead_pos = r->ihead_len = 0;
		r->mem_pos = skip < r->mem_n ? (size_t)skip : r->mem_n;
	} else if (lseek(r->fd, (off_t)skip, SEEK_SET) >= 0) {
		r->ihead_pos = r->ihead_len = 0;
	} else if (errno != ESPIPE) {
		return a_fail(r, SIP_EIO, skip, "cannot seek", strerror(errno));
	} else if (skip <= have) {
		/* A pipe whose head already holds the offset. */
		r->ihead_pos = (size_t)skip;
	} else {
		/* A pipe: read up to the offset, the same result. */
		r->ihead_pos = r->ihead_len = 0;
		while (have < skip) {
			size_t want = skip - have < IBUF_SIZE ? (size_t)(skip - have)
							      : IBUF_SIZE;
			ssize_t n = raw_read(r, r->ibuf, want);
			if (n < 0)
				return read_fail(r, errno);
			if (n == 0)
				break;
			have += (uint64_t)n;
		}
	}
	r->next_off = skip;
	r->lineno = r->start_line ? r->start_line : 1;
	r->bytes_out = 0; /* counts from the start offset */
	return 0;
}

/*
 * UTF-16 without a byte-order mark (a PowerShell or Notepad export that
 * lost it), told by its content: in the first bytes, nearly every code
 * unit has one zero byte, always the same one (ASCII text).  1 little
 * endian, 2 big endian, 0 neither.
 */
/*
 * Whether a plain input is Windows-1252 rather than UTF-8, told from the
 * bytes detection read (up to IBUF_SIZE): a byte that starts no UTF-8
 * sequence, before any sequence that is one.  A sequence cut at the end of
 * those bytes tells nothing.  One real UTF-8 character before any stray
 * byte keeps the input UTF-8, whatever comes after: a UTF-8 log with one
 * damaged byte is not transcoded.  Bytes with a NUL or more than one
 * control character in a hundred are no text (an archive, a binary): they
 * stay as they are, for the message that names them.
 */
static int detect_cp1252(const unsigned char *p, size_t n)
{
	size_t i = 0, ctl = 0, j;

	/* the first byte above ASCII, eight bytes at a time (most logs have
	   none: this runs on the head of every plain input) */
	for (uint64_t w; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080u)
			break;
	}
	while (i < n && p[i] < 0x80)
		i++;
	if (i >= n)
		return 0;
	if (sip_utf8_seq(p + i, n - i) >= 2)
		return 0;
	for (j = i + 1; j < n && j < i + 4 && (p[j] & 0xC0) == 0x80; j++)
		;
	if (j == n && n - i < 4 && p[i] >= 0xC2 && p[i] <= 0xF4)
		return 0;   /* cut at the end: undecided, UTF-8 */
	for (i = 0; i < n; i++) {
		if (!p[i])
			return 0;
		ctl += p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
		       p[i] != '\f' && p[i] != 0x1b;
	}
	return ctl * 100 <= n;
}

static int u16_no_bom(const sip_reader *r)
{
	size_t pairs = r->dlen / 2, le = 0, be = 0;
	const unsigned char *p = (const unsigned char *)r->dbuf;

	if (pairs < 8)
		return 0;
	for (size_t i = 0; i < pairs; i++) {
		le += p[2 * i] != 0 && p[2 * i + 1] == 0;
		be += p[2 * i] == 0 && p[2 * i + 1] != 0;
	}
	return le * 10 >= pairs * 9 ? 1 : be * 10 >= pairs * 9 ? 2 : 0;
}

/* First call: recognise gzip, then the BOM, then seek if asked. */
static void detect(sip_reader *r)
{
	size_t have = 0;

	r->started = 1;
	while (have < 2) {
		ssize_t n = raw_read(r, r->ibuf + have, IBUF_SIZE - have);
		if (n < 0) {
			read_fail(r, errno);
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have >= 2 && r->ibuf[0] == 0x1f && r->ibuf[1] == 0x8b) {
		r->gzip = 1;
		isal_inflate_init(&r->z);
		gz_start_member(r);
		r->z.next_in = r->ibuf;
		r->z.avail_in = (uint32_t)have;
		r->in_base = 0;
		r->member_active = 1;
		r->members = 1;
	} else {
		r->ihead_len = have;
	}

	/* The BOM: look at the first 3 stream bytes (64, for UTF-16 without
	   one). */
	while (r->dlen < 64 && (r->dlen < 3 || (!r->gzip && r->ihead_pos < r->ihead_len))) {
		/* (past 3 bytes, only what detection already read of a plain
		   input: reading on could end stage A before a seek to
		   start_offset or a producer thread starts) */
		ssize_t n = produce(r, (unsigned char *)r->dbuf + r->dlen, 64 - r->dlen);
		if (n <= 0)
			break;
		r->dlen += (size_t)n;
	}
	if (r->dlen >= 3 && memcmp(r->dbuf, "\xEF\xBB\xBF", 3) == 0) {
		r->enc = SIP_ENC_UTF8_BOM;
		r->dpos = r->scan = 3;
		r->next_off = 3;
	} else if ((r->dlen >= 2 && (memcmp(r->dbuf, "\xFF\xFE", 2) == 0 ||
				     memcmp(r->dbuf, "\xFE\xFF", 2) == 0)) || u16_no_bom(r)) {
		int bom = r->dbuf[0] == '\xFF' || r->dbuf[0] == '\xFE';
		r->u16 = bom ? (r->dbuf[0] == '\xFF' ? 1 : 2) : u16_no_bom(r);
		r->enc = r->u16 == 1 ? SIP_ENC_UTF16LE : SIP_ENC_UTF16BE;
		r->u16buf = malloc(U16BUF_SIZE);
		if (!r->u16buf) {
			a_fail(r, SIP_ENOMEM, 0, "out of memory", NULL);
			r->dpos = r->dlen = r->scan = 0;
			r->u16 = 0;
			return;
		}
		r->ulen = r->dlen - (bom ? 2 : 0);
		memcpy(r->u16buf, r->dbuf + (bom ? 2 : 0), r->ulen);
		r->dpos = r->dlen = r->scan = 0;
		r->next_off = bom ? 2 : 0;
		if (r->a_state != ST_RUN) {
			r->b_done = 1;
			r->b_err = r->a_state == ST_ERR;
		}
	} else if (!r->gzip && detect_cp1252(r->ibuf, r->ihead_len)) {
		/* what detection took as text goes back to the staging
		   buffer, to be transcoded with the rest */
		if (!(r->u16buf = malloc(U16BUF_SIZE))) {
			a_fail(r, SIP_ENOMEM, 0, "out of memory", NULL);
			r->dpos = r->dlen = r->scan = 0;
			return;
		}
		r->cp1252 = 1;
		r->enc = SIP_ENC_CP1252;
		r->ulen = r->dlen;
		memcpy(r->u16buf, r->dbuf, r->ulen);
		r->dpos = r->dlen = r->scan = 0;
		if (r->a_state != ST_RUN) {
			r->b_done = 1;
			r->b_err = r->a_state == ST_ERR;
		}
	}
	if (r->start_offset && !r->gzip && !r->u16 && !r->cp1252 && r->a_state == ST_RUN)
		seek_start(r);
	if (want_thread(r))
		start_thread(r);
}

/* ---- lines ------------------------------------------------------------------------ */

/* UTF-16 code-unit bytes that the UTF-8 text p[0..n) came from. */
static uint64_t u16_len(const char *p, size_t n)
{
	uint64_t units = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		units += (c & 0xC0) != 0x80;
		units += c >= 0xF0;
	}
	return units * 2;
}

/* Source size of Windows-1252 text that was transcoded: a byte a
   character. */
static uint64_t cp1252_len(const char *p, size_t n)
{
	uint64_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)p[i] & 0xC0) != 0x80;
	return chars;
}

/* Source size of text that was consumed (decoded bytes, UTF-16 bytes or
   Windows-1252 bytes). */
static uint64_t src_len(const sip_reader *r, const char *p, size_t n)
{
	if (!r->u16buf)
		return n;   /* neither: the common case, one test */
	return r->u16 ? u16_len(p, n) : cp1252_len(p, n);
}

static inline int emit(sip_reader *r, sip_line *line, const char *p, size_t n,
		unsigned eol, unsigned truncated, uint64_t consumed)
{
	uint64_t skip = 0;

	/* A byte-order mark at the start of a line inside the input (files
	   that each had one, concatenated) is no text of the line. */
	if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF) {
		skip = src_len(r, p, 3);
		p += 3;
		n -= 3;
	}
	line->p = p;
	line->n = n;
	line->lineno = r->lineno++;
	line->offset = r->next_off + skip;
	line->eol = eol;
	line->truncated = truncated;
	r->next_off += consumed;
	if (truncated && r->warn) {
		sip_diag w;
		sip_diag_clear(&w);
		sip_diag_set(&w, SIP_ETOOLONG, r->name, line->lineno,
			     "line longer than %zu bytes truncated", r->max_line);
		r->warn(r->warn_ctx, &w);
	}
	return 1;
}

/*
 * The pending text [dpos, dlen) has no LF and is longer than max_line: keep
 * its first max_line bytes at the front of dbuf, read and drop the rest up
 * to the LF (or the end), then hand out the kept part.
 */
static int take_long(sip_reader *r, sip_line *line)
{
	size_t keep = r->max_line, k = keep;
	uint64_t consumed, skipped = 0;
	char last = 0;

	memmove(r->dbuf, r->dbuf + r->dpos, r->dlen - r->dpos);
	r->dlen -= r->dpos;
	r->dpos = 0;
	consumed = src_len(r, r->dbuf, keep);
	for (;;) {
		char *nl = memchr(r->dbuf + k, '\n', r->dlen - k);
		if (nl) {
			size_t e = (size_t)(nl - r->dbuf);
			int cr;
			skipped += e - k;
			if (e > k)
				last = r->dbuf[e - 1];
			cr = last == '\r';
			consumed += src_len(r, r->dbuf + k, e + 1 - k);
			r->dpos = r->scan = e + 1;
			return emit(r, line, r->dbuf, keep, cr ? SIP_EOL_CRLF : SIP_EOL_LF,
				    skipped - (uint64_t)cr > 0, consumed);
		}
		skipped += r->dlen - k;
		if (r->skip_limit && skipped > r->skip_limit) {
			/* /dev/zero, or any endless text without a line break
			   where a trace should start: give up */
			r->state = ST_ERR;
			sip_diag_set(&r->err, SIP_EFORMAT, r->name, r->lineno,
				     "not a trace: no line break in the first %llu MiB",
				     (unsigned long long)(r->skip_limit >> 20));
			if (line)
				memset(line, 0, sizeof *line);
			return -1;
		}
		if (r->dlen > k)
			last = r->dbuf[r->dlen - 1];
		consumed += src_len(r, r->dbuf + k, r->dlen - k);
		r->dlen = k;
		if (fill(r) <= 0) {
			r->dpos = r->scan = r->dlen;
			return emit(r, line, r->dbuf, keep, SIP_EOL_NONE, 1, consumed);
		}
	}
}

int sip_reader_next(sip_reader *r, sip_line *line, sip_diag *diag)
{
	if (!r->started)
		detect(r);
	if (r->state == ST_EOF)
		return 0;
	if (r->state == ST_ERR)
		goto fail;
	for (;;) {
		char *nl = memchr(r->dbuf + r->scan, '\n', r->dlen - r->scan);
		ssize_t got;

		if (nl) {
			size_t e = (size_t)(nl - r->dbuf), n = e - r->dpos;
			const char *p = r->dbuf + r->dpos;
			unsigned eol = SIP_EOL_LF, trunc = 0;
			uint64_t consumed = src_len(r, p, n + 1);

			if (n && p[n - 1] == '\r') {
				n--;
				eol = SIP_EOL_CRLF;
			}
			if (n > r->max_line) {
				n = r->max_line;
				trunc = 1;
			}
			r->dpos = r->scan = e + 1;
			return emit(r, line, p, n, eol, trunc, consumed);
		}
		r->scan = r->dlen;
		if (r->dlen - r->dpos > r->max_line) {
			if (take_long(r, line) < 0)
				goto fail;
			return 1;
		}
		if (r->dpos && r->dcap - r->dlen < r->dcap / 2) {
			memmove(r->dbuf, r->dbuf + r->dpos, r->dlen - r->dpos);
			r->dlen -= r->dpos;
			r->scan -= r->dpos;
			r->dpos = 0;
		}
		got = fill(r);
		if (got > 0)
			continue;
		if (r->dlen > r->dpos) {
			const char *p = r->dbuf + r->dpos;
			size_t n = r->dlen - r->dpos;
			r->dpos = r->scan = r->dlen;
			return emit(r, line, p, n, SIP_EOL_NONE, 0, src_len(r, p, n));
		}
		if (got == 0) {
			r->state = ST_EOF;
			return 0;
		}
		r->state = ST_ERR;
		goto fail;
	}
fail:
	if (diag)
		*diag = r->err;
	return -1;
}

/* ---- open / close ------------------------------------------------------------------ */

static int reader_new(sip_reader **out, const char *name,
		      const sip_reader_opts *opts, sip_diag *diag)
{
	sip_reader *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r)
		goto nomem;
	r->fd = -1;
	r->lineno = 1;
	r->max_line = opts && opts->max_line ? opts->max_line : SIP_READER_MAX_LINE;
	if (r->max_line > MAX_LINE_LIMIT)
		r->max_line = MAX_LINE_LIMIT;
	if (opts) {
		r->warn = opts->warn;
		r->warn_ctx = opts->warn_ctx;
		r->start_offset = opts->start_offset;
		r->start_line = opts->start_line;
		r->threads = opts->threads;
	}
	r->dcap = 2 * r->max_line > DBUF_MIN ? 2 * r->max_line : DBUF_MIN;
	r->name = strdup(name);
	r->dbuf = malloc(r->dcap);
	r->ibuf = malloc(IBUF_SIZE);
	if (!r->name || !r->dbuf || !r->ibuf)
		goto nomem;
	*out = r;
	return SIP_OK;
nomem:
	sip_reader_free(r);
	return sip_diag_set(diag, SIP_ENOMEM, name, 0, "out of memory");
}

int sip_reader_open(sip_reader **out, const char *path,
		    const sip_reader_opts *opts, sip_diag *diag)
{
	int is_stdin = strcmp(path, "-") == 0;
	sip_reader *r = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	rc = reader_new(&r, is_stdin ? "<stdin>" : path, opts, diag);
	if (rc)
		return rc;
	if (is_stdin) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			rc = sip_diag_set(diag, SIP_EIO, r->name, 0, "cannot open: %s",
					  strerror(errno));
			goto out;
		}
		r->own_fd = 1;
	}
	if (fstat(r->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc = sip_diag_set(diag, SIP_EIO, r->name, 0, "cannot read: %s",
					  strerror(EISDIR));
			goto out;
		}
		if (S_ISREG(st.st_mode)) {
			r->src_regular = 1;
			r->src_size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
		}
#ifdef POSIX_FADV_SEQUENTIAL
		if (S_ISREG(st.st_mode))
			(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	*out = r;
	r = NULL;
out:
	sip_reader_free(r);
	return rc;
}


/* Open archive path with every format and filter libarchive reads (and
   a lone compressed file as one member, "data"). */
static struct archive *archive_open(const char *path)
{
	struct archive *a;

	if (!sip_archive_available() || !(a = la.read_new()))
		return NULL;

	la.read_support_filter_all(a);
	la.read_support_format_all(a);
	la.read_support_format_raw(a);
	if (la.read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
		la.read_free(a);
		return NULL;
	}
	return a;
}

int sip_reader_open_member(sip_reader **out, const char *path, const char *member,
			   const sip_reader_opts *opts, sip_diag *diag)
{
	sip_reader *r = NULL;
	struct archive_entry *e;
	char name[4096];
	int rc;

	*out = NULL;
	snprintf(name, sizeof name, "%s!%s", path, member);
	if ((rc = reader_new(&r, name, opts, diag)))
		return rc;
	r->start_offset = 0;   /* a member is read from its start */
	if (!(r->ar = archive_open(path))) {
		rc = sip_diag_set(diag, SIP_EIO, r->name, 0, "cannot open the archive");
		goto out;
	}
	for (;;) {
		int h = la.read_next_header(r->ar, &e);
		const char *p;
		if (h == ARCHIVE_EOF) {
			rc = sip_diag_set(diag, SIP_EIO, r->name, 0, "no such member in the archive");
			goto out;
		}
		if (h < ARCHIVE_WARN) {
			const char *m = la.error_string(r->ar);
			rc = sip_diag_set(diag, SIP_EIO, r->name, 0, "damaged archive: %s",
					  m ? m : "cannot read its list of members");
			goto out;
		}
		p = la.entry_pathname(e);
		if (p && !strcmp(p, member))
			break;
	}
	*out = r;
	r = NULL;
out:
	sip_reader_free(r);
	return rc;
}

int sip_archive_members(const char *path, sip_member_fn fn, void *ctx, sip_diag *diag)
{
	struct archive *a = archive_open(path);
	struct archive_entry *e;
	int rc = SIP_OK, n = 0;

	if (!a && !sip_archive_available())
		return sip_diag_set(diag, SIP_EFORMAT, path, 0, "an archive: reading it needs"
				    " libarchive.so.13 (Debian: apt-get install libarchive13)");
	if (!a)
		return sip_diag_set(diag, SIP_EFORMAT, path, 0, "not an archive libarchive reads");
	for (;;) {
		int h = la.read_next_header(a, &e);
		const char *p;
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			const char *m = la.error_string(a);
			rc = sip_diag_set(diag, n ? SIP_EIO : SIP_EFORMAT, path, 0, "%s%s",
					  n ? "damaged archive: " : "not an archive: ",
					  m ? m : "cannot read its list of members");
			break;
		}
		n++;
		p = la.entry_pathname(e);
		if (!p || (la.entry_filetype(e) != AE_IFREG && la.entry_filetype(e) != 0))
			continue;
		if ((rc = fn(ctx, p, la.entry_size_is_set(e) ? la.entry_size(e) : -1,
			     (int64_t)la.entry_mtime(e))))
			break;
		la.read_data_skip(a);
	}
	la.read_free(a);
	return rc;
}

int sip_reader_open_mem(sip_reader **out, const void *buf, size_t n,
			const char *name, const sip_reader_opts *opts,
			sip_diag *diag)
{
	int rc = reader_new(out, name ? name : "<memory>", opts, diag);

	if (rc)
		return rc;
	(*out)->mem = buf;
	(*out)->mem_n = buf ? n : 0;
	(*out)->src_regular = 1;
	(*out)->src_size = (*out)->mem_n;
	return SIP_OK;
}

void sip_reader_set_skip_limit(sip_reader *r, uint64_t bytes)
{
	r->skip_limit = bytes;
}

int sip_reader_is_gzip(const sip_reader *r)
{
	return r->gzip;
}

int sip_reader_gzip_members(const sip_reader *r)
{
	return r->thr ? r->seen_members : r->members;
}

enum sip_encoding sip_reader_encoding(const sip_reader *r)
{
	return r->enc;
}

int sip_reader_cr_eol(const sip_reader *r)
{
	return r->cr_eol > 0;
}

uint64_t sip_reader_bytes_in(const sip_reader *r)
{
	return r->thr ? r->seen_in : r->bytes_in;
}

uint64_t sip_reader_bytes_out(const sip_reader *r)
{
	return r->thr ? r->seen_out : r->bytes_out;
}

int sip_reader_threaded(const sip_reader *r)
{
	return r->thr;
}

const char *sip_reader_name(const sip_reader *r)
{
	return r->name;
}

void sip_reader_free(sip_reader *r)
{
	if (!r)
		return;
	stop_thread(r);
	free(r->ring);
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	if (r->ar)
		la.read_free(r->ar);
	free(r->u16buf);
	free(r->zstage);
	free(r->ibuf);
	free(r->dbuf);
	free(r->name);
	free(r);
}
