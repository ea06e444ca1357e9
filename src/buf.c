/*
 * buf.c -- sip_buf and the JSON / CSV encoders.
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void sip_buf_init(sip_buf *b, size_t max)
{
	b->p = NULL;
	b->n = b->cap = 0;
	b->max = max ? max : SIP_BUF_MAX;
}

void sip_buf_release(sip_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

int sip_buf_reserve(sip_buf *b, size_t more)
{
	size_t need, cap;
	char *np;

	if (!b->max)
		b->max = SIP_BUF_MAX;
	if (more > b->max || b->n > b->max - more)
		return SIP_ENOMEM;
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
		return SIP_ENOMEM;
	b->p = np;
	b->cap = cap;
	return SIP_OK;
}

int sip_buf_add(sip_buf *b, const void *p, size_t n)
{
	if (sip_buf_reserve(b, n))
		return SIP_ENOMEM;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return SIP_OK;
}

int sip_buf_addc(sip_buf *b, char c)
{
	return sip_buf_add(b, &c, 1);
}

int sip_buf_adds(sip_buf *b, const char *s)
{
	return sip_buf_add(b, s, strlen(s));
}

int sip_buf_printf(sip_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || sip_buf_reserve(b, (size_t)len))
		return SIP_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return SIP_OK;
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

int sip_buf_json_str(sip_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;
	int rc = sip_buf_addc(b, '"');

	while (!rc && i < n) {
		/* Copy the longest run of bytes that need no escaping. */
		for (run = i; run < n && u[run] >= 0x20 && u[run] < 0x80 &&
			      u[run] != '"' && u[run] != '\\'; run++)
			;
		if (run > i) {
			rc = sip_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		unsigned c = u[i];
		if (c < 0x80) {
			switch (c) {
			case '"': rc = sip_buf_add(b, "\\\"", 2); break;
			case '\\': rc = sip_buf_add(b, "\\\\", 2); break;
			case '\n': rc = sip_buf_add(b, "\\n", 2); break;
			case '\r': rc = sip_buf_add(b, "\\r", 2); break;
			case '\t': rc = sip_buf_add(b, "\\t", 2); break;
			case '\b': rc = sip_buf_add(b, "\\b", 2); break;
			case '\f': rc = sip_buf_add(b, "\\f", 2); break;
			default: rc = sip_buf_printf(b, "\\u%04x", c); break;
			}
			i++;
			continue;
		}
		size_t len = sip_utf8_seq(u + i, n - i);
		if (len) {
			rc = sip_buf_add(b, s + i, len);
			i += len;
		} else {
			rc = sip_buf_add(b, "\xef\xbf\xbd", 3); /* U+FFFD */
			i++;
		}
	}
	if (!rc)
		rc = sip_buf_addc(b, '"');
	return rc;
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
