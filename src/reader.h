/*
 * reader.h -- bytes -> lines.
 *
 * A sip_reader turns one input (a file, stdin as "-", or a memory buffer)
 * into UTF-8 lines.  It owns every decoding step, so nothing downstream ever
 * sees a FILE *, a gzip member boundary or a UTF-16 code unit:
 *
 *   - gzip is recognised by its magic bytes (1f 8b), never by the name, and
 *     every member of a multi-member stream is read (CLS output is appended);
 *   - a UTF-8 BOM is dropped; UTF-16LE/BE with a BOM is transcoded to UTF-8
 *     (unpaired surrogates become U+FFFD);
 *   - lines end at LF; a CR before the LF is removed and noted in `eol`;
 *     NUL bytes inside a line are kept (they do not end the line);
 *   - a line longer than opts.max_line is cut to max_line bytes, the rest of
 *     it is skipped, `truncated` is set and one SIP_ETOOLONG warning naming
 *     file:line goes to opts.warn; reading continues on the next line.
 *
 * Memory is bounded by max_line plus fixed-size I/O buffers, whatever the
 * input size.  Damaged gzip (truncated stream, corrupt data, CRC mismatch):
 * every complete line before the fault is delivered, then sip_reader_next
 * returns the error with the byte offset (in the compressed file) in diag.
 * gzip is inflated with ISA-L (igzip), which reads its input a word ahead:
 * the offset of corrupt data may be up to 8 bytes past the damage.
 *
 * Threads.  For gzip input from a regular file (or memory) of at least
 * 128 KiB the reader inflates on a producer thread of its own, a ring of 4
 * blocks of SIP_READER_BLOCK bytes ahead of the caller (4 MiB more memory);
 * the lines, offsets, warnings and errors are exactly those of the
 * single-threaded path.  Pipes, ttys and small inputs stay on the calling
 * thread.  opts.threads, or else the environment variable
 * SIPSCAN_READER_THREADS, overrides this: 0 (variable) / < 0 (option) never
 * starts the thread, > 0 starts it for any input that cannot block (plain
 * files too).  A sip_reader is still used from one thread at a time.
 */
#ifndef SIP_READER_H
#define SIP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct sip_reader sip_reader; /* opaque */

enum sip_eol { SIP_EOL_NONE = 0, SIP_EOL_LF = 1, SIP_EOL_CRLF = 2 };

/* A line.  p is valid until the next sip_reader_next/_free call. */
typedef struct sip_line {
	const char *p;      /* UTF-8 text without the line terminator */
	size_t n;
	uint64_t lineno;    /* 1-based */
	uint64_t offset;    /* byte offset of the line start in the source:
	                       the file for plain input, the decompressed
	                       stream for gzip, the UTF-16 bytes for UTF-16 */
	unsigned eol;       /* enum sip_eol: what ended the line */
	unsigned truncated; /* 1 when cut at max_line */
} sip_line;

/* SIP_ENC_CP1252: a plain file whose first bytes are not UTF-8 and hold
   no UTF-8 sequence at all (a paste saved by Notepad as "ANSI"): read as
   Windows-1252, each byte one character, transcoded to UTF-8. */
enum sip_encoding { SIP_ENC_UTF8 = 0, SIP_ENC_UTF8_BOM, SIP_ENC_UTF16LE, SIP_ENC_UTF16BE,
		    SIP_ENC_CP1252 };

typedef struct sip_reader_opts {
	size_t max_line;       /* 0 = SIP_READER_MAX_LINE */
	sip_warn_fn warn;      /* may be NULL */
	void *warn_ctx;
	uint64_t start_offset; /* plain files only: seek here before reading
	                          (incremental ingest of a grown file); must be
	                          the start of a line */
	uint64_t start_line;   /* the line number of the line at start_offset
	                          (1-based; 0 = 1) */
	int threads;           /* producer thread: 0 = SIPSCAN_READER_THREADS
	                          or else automatic, < 0 = never, > 0 = whenever
	                          the source cannot block */
} sip_reader_opts;

#define SIP_READER_MAX_LINE (1024 * 1024)
/* Stream bytes per block handed from the producer thread to the caller. */
#define SIP_READER_BLOCK ((size_t)1024 * 1024)

/*
 * Open path ("-" = stdin).  opts may be NULL.  Returns SIP_OK and *out, or
 * SIP_EIO / SIP_ENOMEM with diag filled and *out = NULL.  The name used in
 * messages is path ("<stdin>" for "-").
 */
int sip_reader_open(sip_reader **out, const char *path,
		    const sip_reader_opts *opts, sip_diag *diag);

/*
 * Read from memory (used by the fuzz targets and unit tests).  buf must
 * outlive the reader; name is used in messages.
 */
/*
 * Open member of the archive path (zip, tar, tar.gz, 7z, or a lone .xz,
 * .bz2, .zst file, whose one member libarchive calls "data"), read with
 * libarchive; the reader then works as on a file (a gzip member is
 * inflated as any gzip input), named "path!member", never seeking.
 * SIP_OK and *out, or SIP_EIO / SIP_ENOMEM with diag filled.
 */
int sip_reader_open_member(sip_reader **out, const char *path, const char *member,
			   const sip_reader_opts *opts, sip_diag *diag);

/* Call fn(ctx, name, size (-1 unknown), mtime) for each regular member of
   the archive path, in archive order; a non-zero return stops and is
   returned.  SIP_EFORMAT when path is no archive libarchive reads,
   SIP_EIO when its list breaks off after some members. */
/* Whether libarchive could be loaded (it is loaded on first use). */
int sip_archive_available(void);
typedef int (*sip_member_fn)(void *ctx, const char *name, int64_t size, int64_t mtime);
int sip_archive_members(const char *path, sip_member_fn fn, void *ctx, sip_diag *diag);

int sip_reader_open_mem(sip_reader **out, const void *buf, size_t n,
			const char *name, const sip_reader_opts *opts,
			sip_diag *diag);

/*
 * Next line.  Returns 1 with *line filled, 0 at the clean end of input, or
 * -1 on an error (diag filled: SIP_EGZIP with the byte offset, SIP_EIO, ...);
 * after 0 or -1 every further call returns the same.
 */
int sip_reader_next(sip_reader *r, sip_line *line, sip_diag *diag);

/* What was detected (valid after the first sip_reader_next call). */
/*
 * Give up (sip_reader_next returns -1, SIP_EFORMAT "no line break in the
 * first N MiB") on a line that runs on for more than bytes without a line
 * break; 0 = never.  src/scan.c sets it while it looks for a format, so an
 * endless input that is no trace (/dev/zero) ends; a trace may then hold
 * lines of any length.
 */
void sip_reader_set_skip_limit(sip_reader *r, uint64_t bytes);

int sip_reader_is_gzip(const sip_reader *r);
int sip_reader_gzip_members(const sip_reader *r); /* members started so far */
enum sip_encoding sip_reader_encoding(const sip_reader *r);
/* Whether the lines end in a lone CR, each read as a LF (so far). */
int sip_reader_cr_eol(const sip_reader *r);

/*
 * The counters below and sip_reader_gzip_members are read-ahead counts:
 * they include bytes decoded but not yet returned as lines.  With the
 * producer thread they are those of the last block the caller has taken
 * (they trail the thread by at most the ring, and do not move between two
 * blocks); once sip_reader_next has returned 0 or -1 they are final and
 * the same on both paths.
 */
/* Bytes consumed from the underlying file so far (for progress and MB/s). */
uint64_t sip_reader_bytes_in(const sip_reader *r);
/* Decoded (decompressed) bytes produced so far. */
uint64_t sip_reader_bytes_out(const sip_reader *r);

/* 1 when the producer thread runs (after the first sip_reader_next). */
int sip_reader_threaded(const sip_reader *r);

/* The name used in messages. */
const char *sip_reader_name(const sip_reader *r);

/* Close the input and free r (NULL is fine). */
void sip_reader_free(sip_reader *r);

#endif
