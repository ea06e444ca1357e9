/*
 * buf.c -- sip_buf and the JSON / CSV encoders.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void sip_buf_init(sip_buf *b, size_t max)
{
	b->p = NULL;
	b->n = b->cap = 0;
	b->max = max ? max : SIP_BUF_MAX;
	b->err = 0;
}

void sip_buf_release(sip_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->err = 0;
}

int sip_buf_reserve_slow(sip_buf *b, size_t more)
{
	size_t need, cap;
	char *np;

	if (!b->max)
		b->max = SIP_BUF_MAX;
	if (more > b->max || b->n > b->max - more)
		return b->err = SIP_ENOMEM;
	need = b->n + more + 1;
	if (need <= b->cap)
		return SIP_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	np = realloc(b->p, cap);
	if (!np)
		return b->err = SIP_ENOMEM;
	b->p = np;
	b->cap = cap;
	return SIP_OK;
}

int sip_buf_add_slow(sip_buf *b, const void *p, size_t n)
{
	if (sip_buf_reserve(b, n))
		return SIP_ENOMEM;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return SIP_OK;
}


int sip_buf_printf(sip_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || sip_buf_reserve(b, (size_t)len))
		return b->err = SIP_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return SIP_OK;
}

size_t sip_utf8_put(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

size_t sip_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Byte classes for JSON: 0 = copy as is, 1 = short escape or \u00XX,
 * 2 = first byte of a multi-byte sequence (validate).
 */
static const unsigned char json_class[256] = {
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};

int sip_buf_json_str(sip_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char *o;
	size_t i = 0;

	/* Worst case: every byte becomes \u00XX (6 bytes) or U+FFFD (3). */
	if (n > (SIP_BUF_MAX - 2) / 6 || sip_buf_reserve(b, n * 6 + 2))
		return b->err = SIP_ENOMEM;
	o = b->p + b->n;
	*o++ = '"';
	while (i < n) {
		/* Eight plain ASCII bytes at a time: none below 0x20, none
		   with the high bit, no '"' and no backslash. */
		while (n - i >= 8) {
			uint64_t x, t;
			memcpy(&x, u + i, 8);
			t = (x - 0x2020202020202020ULL) | x; /* < 0x20 or >= 0x80 */
			t |= (x ^ 0x2222222222222222ULL) - 0x0101010101010101ULL;
			t |= (x ^ 0x5c5c5c5c5c5c5c5cULL) - 0x0101010101010101ULL;
			if (t & 0x8080808080808080ULL)
				break;
			memcpy(o, u + i, 8);
			o += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = u[i];
		switch (json_class[c]) {
		case 0:
			*o++ = (char)c;
			i++;
			continue;
		case 1:
			*o++ = '\\';
			switch (c) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '\n': *o++ = 'n'; break;
			case '\r': *o++ = 'r'; break;
			case '\t': *o++ = 't'; break;
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			default:
				*o++ = 'u'; *o++ = '0'; *o++ = '0';
				*o++ = hex[c >> 4]; *o++ = hex[c & 15];
			}
			i++;
			continue;
		default: {
			size_t len = sip_utf8_seq(u + i, n - i);
			if (len) {
				memcpy(o, s + i, len);
				o += len;
				i += len;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
				o += 3;
				i++;
			}
		}
		}
	}
	*o++ = '"';
	b->n = (size_t)(o - b->p);
	b->p[b->n] = 0;
	return SIP_OK;
}

int sip_buf_csv_field(sip_buf *b, const char *s, size_t n)
{
	int quote = 0, rc;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
			quote = 1;
			break;
		}
	if (!quote)
		return sip_buf_add(b, s, n);
	rc = sip_buf_addc(b, '"');
	for (size_t i = 0; i < n && !rc; i++)
		rc = s[i] == '"' ? sip_buf_add(b, "\"\"", 2) : sip_buf_addc(b, s[i]);
	if (!rc)
		rc = sip_buf_addc(b, '"');
	return rc;
}

int sip_buf_i64(sip_buf *b, long long v)
{
	char tmp[24], *e = tmp + sizeof tmp, *p = e;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return sip_buf_add(b, p, (size_t)(e - p));
}

void *sip_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t nc = *cap ? *cap : 16;
	void *np;

	while (nc < need) {
		if (nc > SIZE_MAX / 2 / elem)
			return NULL;
		nc *= 2;
	}
	np = realloc(p, nc * elem);
	if (np)
		*cap = nc;
	return np;
}

int sip_buf_add_safe(sip_buf *b, const char *s, size_t n, int keep_lines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int rc = 0;

	while (!rc && i < n) {
		size_t run = i, len;
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f)
			run++;
		if (run > i) {
			rc = sip_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (u[i] < 0x80) {
			if (keep_lines && (u[i] == '\n' || u[i] == '\t' ||
					   (u[i] == '\r' && i + 1 < n && u[i + 1] == '\n')))
				rc = sip_buf_addc(b, s[i]);
			else
				rc = sip_buf_printf(b, "\\x%02x", u[i]);
			i++;
			continue;
		}
		len = sip_utf8_seq(u + i, n - i);
		if (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			rc = sip_buf_printf(b, "\\u%04x", u[i + 1]);
			i += 2;
		} else if (len) {
			rc = sip_buf_add(b, s + i, len);
			i += len;
		} else {
			rc = sip_buf_adds(b, "\xef\xbf\xbd");
			i++;
		}
	}
	return rc ? SIP_ENOMEM : 0;
}

const char *sip_buf_one_line(sip_buf *b, const char *s)
{
	sip_buf_reset(b);
	if (!s || sip_buf_add_safe(b, s, strlen(s), 0) || !b->p)
		return "";
	return b->p;
}
