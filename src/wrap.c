/*
 * wrap.c -- see wrap.h.  Columns are counted as UTF-8 code points (no
 * East Asian widths: the text is English prose and log values).
 */
#include "wrap.h"

#include <string.h>

static size_t cols(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

int sip_wrap(sip_buf *b, const char *text, size_t width, const char *indent)
{
	size_t ind = cols(indent, strlen(indent));
	size_t room = width > ind + 10 ? width - ind : 10;
	const char *p = text ? text : "";
	int rc = SIP_OK;

	do {
		const char *eol = p + strcspn(p, "\n");
		size_t used = 0;
		int started = 0;

		rc = sip_buf_adds(b, indent);
		while (!rc && p < eol) {
			const char *w = p;
			size_t wl, wc;
			while (w < eol && (*w == ' ' || *w == '\t' || *w == '\r'))
				w++;
			if (w == eol) {
				p = eol;
				break;
			}
			wl = strcspn(w, " \t\r\n");
			wc = cols(w, wl);
			if (started && used + 1 + wc > room) {
				rc = sip_buf_addc(b, '\n');
				if (!rc)
					rc = sip_buf_adds(b, indent);
				used = 0;
				started = 0;
			}
			if (!rc && started) {
				rc = sip_buf_addc(b, ' ');
				used++;
			}
			if (!rc)
				rc = sip_buf_add(b, w, wl);
			used += wc;
			started = 1;
			p = w + wl;
		}
		if (!rc)
			rc = sip_buf_addc(b, '\n');
		p = *eol ? eol + 1 : eol;
	} while (!rc && *p);
	return rc;
}

