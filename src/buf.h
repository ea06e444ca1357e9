/*
 * buf.h -- a growable byte buffer with a hard cap (after curl's dynbuf), and
 * the text encoders every output format shares: JSON string escaping (with
 * invalid UTF-8 replaced by U+FFFD, never passed through raw) and CSV
 * quoting (RFC 4180).
 *
 * sip_buf is a small value type: {p, n} is the content, always followed by
 * a NUL once anything was added.  Appends fail with SIP_ENOMEM, leaving the
 * buffer as it was, when the result would pass max (0 = SIP_BUF_MAX) or
 * memory runs out.  A failure is also remembered in err until the next
 * sip_buf_reset (later appends still work): code that builds a document
 * with many appends checks err once, at the end, and no failed append
 * goes unnoticed.
 */
#ifndef SIP_BUF_H
#define SIP_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sip_buf {
	char *p;
	size_t n;
	size_t cap;
	size_t max;
	int err;     /* SIP_ENOMEM once an append failed (sticky until reset) */
} sip_buf;

#define SIP_BUF_MAX ((size_t)1 << 30)

void sip_buf_init(sip_buf *b, size_t max);
void sip_buf_release(sip_buf *b);          /* free the contents */
static inline void sip_buf_reset(sip_buf *b) { b->n = 0; b->err = 0; if (b->p) b->p[0] = 0; }
int sip_buf_reserve_slow(sip_buf *b, size_t more);
/* Room for more bytes + NUL (inline fast path when there is room). */
static inline int sip_buf_reserve(sip_buf *b, size_t more)
{
	return b->cap - b->n > more ? 0 : sip_buf_reserve_slow(b, more);
}
int sip_buf_add_slow(sip_buf *b, const void *p, size_t n);
/* Append n bytes (inline fast path when there is room). */
static inline int sip_buf_add(sip_buf *b, const void *p, size_t n)
{
	if (b->cap - b->n > n) {
		memcpy(b->p + b->n, p, n);
		b->n += n;
		b->p[b->n] = 0;
		return 0;
	}
	return sip_buf_add_slow(b, p, n);
}
static inline int sip_buf_addc(sip_buf *b, char c)
{
	return sip_buf_add(b, &c, 1);
}
static inline int sip_buf_adds(sip_buf *b, const char *s)
{
	return sip_buf_add(b, s, strlen(s));
}
/* Append a signed / unsigned decimal number. */
int sip_buf_i64(sip_buf *b, long long v);
int sip_buf_printf(sip_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Append s (n bytes) as a JSON string literal, quotes included. */
int sip_buf_json_str(sip_buf *b, const char *s, size_t n);
/* Append s as a CSV field: quoted when it holds , " CR or LF. */
int sip_buf_csv_field(sip_buf *b, const char *s, size_t n);

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * (n available) do not start a valid, shortest-form, non-surrogate sequence.
 */
size_t sip_utf8_seq(const unsigned char *s, size_t n);

/* Write code point c (at most 0x10FFFF, no surrogate) as UTF-8 at o (room
   for 4 bytes); returns its length. */
size_t sip_utf8_put(uint32_t c, char *o);

/*
 * Append s (n bytes) for a terminal or a text document, so that a hostile
 * log cannot drive the screen: valid, printable UTF-8 as it is; C0 control
 * characters and DEL as "\xHH", C1 controls (U+0080..U+009F, CSI among
 * them) as "\u00HH", invalid UTF-8 bytes as U+FFFD.  With keep_lines,
 * '\n', '\t' and a '\r' before '\n' are kept; without, they are escaped
 * too (one-line messages).  Returns 0 or SIP_ENOMEM.
 */
int sip_buf_add_safe(sip_buf *b, const char *s, size_t n, int keep_lines);
/* s (a C string; NULL = "") made safe on one line in b, reset first: b's
   text, valid until b changes; "" when out of memory. */
const char *sip_buf_one_line(sip_buf *b, const char *s);

/*
 * Grow an array p of *cap elements of elem bytes to hold at least need
 * (doubling from 16).  Returns the new array with *cap updated, or NULL
 * (p and *cap unchanged) when out of memory.
 */
void *sip_grow(void *p, size_t *cap, size_t need, size_t elem);

#endif
