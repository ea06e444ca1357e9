/*
 * unexplained.c -- which records are problems, and the template of an
 * error or warning that no rule explains: its text with the values
 * (addresses, GUIDs, numbers, quoted values, host names) masked, so one
 * error seen for many peers is one group.
 */
#include "rules_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- unexplained ---------------------------------------------------------- */

/* sip_record_is_problem with the level index known. */
int sip_record_is_problem_lvl(const sip_record *r, int lvl)
{
	if (lvl <= 2) /* TL_FATAL, TL_ERROR, TL_WARN */
		return 1;
	switch (r->severity.n) {
	case 5:
		if (sip_str_ieq(r->severity, "error") || sip_str_ieq(r->severity, "fatal"))
			return 1;
		break;
	case 7:
		if (sip_str_ieq(r->severity, "warning"))
			return 1;
		break;
	case 8:
		if (sip_str_ieq(r->severity, "critical"))
			return 1;
		break;
	default:
		break;
	}
	/* normal outcomes (busy, declined, cancelled, no answer, an unknown
	   contact looked up) are counted apart, not faults */
	if (r->is_request == 0 && sip_is_outcome(r->kind, r->status, r->method))
		return 0;
	/* 401 / 407 without ms-diagnostics are the normal NTLM / Kerberos
	   challenge of every sign-in, not failures. */
	if (r->is_request == 0 && r->status >= 400 &&
	    ((r->status != 401 && r->status != 407) || r->ndiags > 0))
		return 1;
	return r->ndiags > 0;
}

int sip_record_is_problem(const sip_record *r)
{
	return sip_record_is_problem_lvl(r, rules_level_index(r->level));
}

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80;
}

static int hexrun(const char *p, size_t n, size_t len)
{
	if (len > n)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

/* Append the masked form of s to out. */
static int mask_text(sip_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	int space = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int prev_word = i > 0 && is_word((unsigned char)s[i - 1]);
		if (isspace(c)) {
			space = 1;
			i++;
			continue;
		}
		if (space && out->n && sip_buf_addc(out, ' '))
			return SIP_ENOMEM;
		space = 0;
		if (c == '"') {
			const char *e = memchr(s + i + 1, '"', n - i - 1);
			if (e) {
				if (sip_buf_adds(out, "\"<v>\""))
					return SIP_ENOMEM;
				i = (size_t)(e - s) + 1;
				continue;
			}
		}
		if (!prev_word && (c == 's' || c == 'S') &&
		    (n - i > 4 && (!strncasecmp(s + i, "sip:", 4) || !strncasecmp(s + i, "sips:", 5)))) {
			while (i < n && !isspace((unsigned char)s[i]) && s[i] != '>' && s[i] != ';' && s[i] != '"')
				i++;
			if (sip_buf_adds(out, "<uri>"))
				return SIP_ENOMEM;
			continue;
		}
		if (!prev_word && isxdigit(c) && hexrun(s + i, n - i, 8) && n - i >= 36 &&
		    s[i + 8] == '-' && hexrun(s + i + 9, n - i - 9, 4) && s[i + 13] == '-' &&
		    hexrun(s + i + 14, n - i - 14, 4) && s[i + 18] == '-' &&
		    hexrun(s + i + 19, n - i - 19, 4) && s[i + 23] == '-' &&
		    hexrun(s + i + 24, n - i - 24, 12)) {
			i += 36;
			if (sip_buf_adds(out, "<guid>"))
				return SIP_ENOMEM;
			continue;
		}
		if (!prev_word && c == '0' && i + 2 < n && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		    isxdigit((unsigned char)s[i + 2])) {
			i += 2;
			while (i < n && isxdigit((unsigned char)s[i]))
				i++;
			if (sip_buf_adds(out, "<hex>"))
				return SIP_ENOMEM;
			continue;
		}
		if (!prev_word && (isxdigit(c) || c == ':')) {
			/* IPv6: hex digits, colons, dots, >= 2 colons. */
			size_t j = i, colons = 0;
			while (j < n && (isxdigit((unsigned char)s[j]) || s[j] == ':' || s[j] == '.'))
				colons += s[j++] == ':';
			if (colons >= 2 && (j == n || !is_word((unsigned char)s[j]))) {
				i = j;
				if (sip_buf_adds(out, "<ip>"))
					return SIP_ENOMEM;
				continue;
			}
		}
		if (is_word(c) && !prev_word) {
			size_t j = i, dots = 0, digits = 0, alpha = 0, hex = 1, len;
			while (j < n && is_word((unsigned char)s[j]))
				j++;
			while (j > i && s[j - 1] == '.')
				j--; /* sentence end */
			len = j - i;
			for (size_t k = i; k < j; k++) {
				unsigned char d = (unsigned char)s[k];
				dots += d == '.';
				digits += isdigit(d) != 0;
				alpha += isalpha(d) != 0;
				if (!isxdigit(d))
					hex = 0;
			}
			if (len && digits == len - dots && dots == 3 && digits >= 4) {
				i = j;
				if (i < n && s[i] == ':')
					while (++i < n && isdigit((unsigned char)s[i]))
						;
				if (sip_buf_adds(out, "<ip>"))
					return SIP_ENOMEM;
				continue;
			}
			if (len && digits == len) {
				i = j;
				if (sip_buf_adds(out, "<n>"))
					return SIP_ENOMEM;
				continue;
			}
			if (len >= 8 && hex && digits) {
				i = j;
				if (sip_buf_adds(out, "<hex>"))
					return SIP_ENOMEM;
				continue;
			}
			if (dots >= 2 && alpha) {
				i = j;
				if (sip_buf_adds(out, "<host>"))
					return SIP_ENOMEM;
				continue;
			}
			if (len == 0)
				j = i + 1;
			if (sip_buf_add(out, s + i, j - i))
				return SIP_ENOMEM;
			i = j;
			continue;
		}
		if (sip_buf_addc(out, (char)c))
			return SIP_ENOMEM;
		i++;
	}
	return SIP_OK;
}

/* "[ | ]<label> <number> " into t. */
static int template_num(sip_buf *t, const char *label, int64_t v)
{
	char nb[24];
	size_t nn = rules_fmt_dec(nb, v);
	if ((t->n && sip_buf_adds(t, " | ")) || sip_buf_adds(t, label) ||
	    sip_buf_add(t, nb, nn) || sip_buf_addc(t, ' '))
		return SIP_ENOMEM;
	return SIP_OK;
}

/* sip_rules_template, building in t (a buffer with a 64 KiB cap, reset
   here and reused by the evaluation context). */
int sip_template_build(const sip_record *r, sip_buf *t, sip_buf *out)
{
	sip_str text = r->text.n ? r->text : r->header_text;
	size_t n;

	sip_buf_reset(t);
	if (text.n && mask_text(t, text.p, text.n > 8192 ? 8192 : text.n))
		return SIP_ENOMEM;
	if (r->is_request == 0 && r->status >= 400) {
		if (template_num(t, "SIP ", r->status) ||
		    mask_text(t, r->reason.p, r->reason.n))
			return SIP_ENOMEM;
	}
	for (size_t i = 0; i < r->ndiags && i < 4; i++) {
		if (template_num(t, "ms-diagnostics ", r->diags[i].code) ||
		    mask_text(t, r->diags[i].reason.p, r->diags[i].reason.n > 1024 ? 1024 : r->diags[i].reason.n))
			return SIP_ENOMEM;
	}
	if (!t->n && sip_buf_printf(t, "%.*s %s", (int)(r->level.n > 32 ? 32 : r->level.n),
				    r->level.p ? r->level.p : "", sip_kind_name(r->kind)))
		return SIP_ENOMEM;
	n = t->n;
	if (n > TEMPLATE_MAX) {
		n = TEMPLATE_MAX;
		while (n && ((unsigned char)t->p[n] & 0xC0) == 0x80)
			n--;
	}
	return sip_buf_add(out, t->p, n);
}

int sip_rules_template(const sip_record *r, sip_buf *out)
{
	sip_buf t;
	int rc;

	sip_buf_init(&t, TEMPLATE_BUF);
	rc = sip_template_build(r, &t, out);
	sip_buf_release(&t);
	return rc;
}

