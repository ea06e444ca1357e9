/*
 * sip.c -- SIP message knowledge and the SIPStack header matcher, over
 * slices (see sip.h).  Owns nothing: every output points into the input.
 *
 * Tolerance is the design goal: the texts come from Windows traces and from
 * blog and knowledge-base copies of them, so quotes may be typographic,
 * spaces may sit around '=' and inside quotes, hex may be either case.
 */
#include "sip.h"

#include <stdio.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The value of each hex digit plus one; 0 for any other byte.  (Every
   record header has three hex fields: the branches of a range test were
   a percent of the parser's instructions.) */
static const unsigned char hex_tab[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hex_val(char c)
{
	return (int)hex_tab[(unsigned char)c] - 1;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

sip_str sip_trim(sip_str s)
{
	if (!s.p)
		return s;
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

int sip_ieq(const char *s, size_t n, const char *lit, size_t litn)
{
	if (n != litn)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != lower(lit[i]))
			return 0;
	return 1;
}

size_t sip_csv_cell_end(const char *p, size_t n, size_t i)
{
	if (i < n && p[i] == '"') {
		for (i++; i < n; i++) {
			if (p[i] != '"')
				continue;
			if (i + 1 < n && p[i + 1] == '"')
				i++;
			else
				break;
		}
	}
	while (i < n && p[i] != ',')
		i++;
	return i;
}

size_t sip_count_char(sip_str s, char c)
{
	size_t k = 0;
	const char *p = s.p, *e = s.p + s.n;

	if (!s.p)
		return 0;
	while (p < e && (p = memchr(p, c, (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

static sip_str mk(const char *p, const char *e)
{
	return (sip_str){ p, (size_t)(e - p) };
}

/* ---- SIP ------------------------------------------------------------- */

int sip_parse_start_line(sip_str line, sip_str *method, sip_str *request_uri,
			 int64_t *status, sip_str *reason)
{
	sip_str s = sip_trim(line);
	const char *p, *e, *t;

	if (method)
		*method = SIP_STR_NULL;
	if (request_uri)
		*request_uri = SIP_STR_NULL;
	if (status)
		*status = -1;
	if (reason)
		*reason = SIP_STR_NULL;
	if (!s.p || !s.n)
		return -1;
	p = s.p;
	e = s.p + s.n;
	if (s.n >= 4 && SIP_IEQ(p, 4, "SIP/")) {
		int64_t code = 0;
		while (p < e && *p != ' ' && *p != '\t')
			p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		t = p;
		while (p < e && is_digit(*p) && p - t < 3)
			code = code * 10 + (*p++ - '0');
		if (p - t != 3 || (p < e && !is_space(*p)))
			return -1;
		if (status)
			*status = code;
		if (reason)
			*reason = sip_trim(mk(p, e));
		return 0;
	}
	t = p;
	while (p < e && !is_space(*p))
		p++;
	if (p == t || p == e)
		return -1;
	if (method)
		*method = mk(t, p);
	while (p < e && is_space(*p))
		p++;
	t = p;
	while (p < e && !is_space(*p))
		p++;
	if (p == t)
		return -1;
	if (request_uri)
		*request_uri = mk(t, p);
	return 1;
}

sip_str sip_cseq_method(sip_str cseq)
{
	sip_str s = sip_trim(cseq);
	const char *p, *e, *t;

	if (!s.p)
		return SIP_STR_NULL;
	p = s.p;
	e = s.p + s.n;
	while (p < e && is_digit(*p))
		p++;
	while (p < e && is_space(*p))
		p++;
	t = p;
	while (p < e && !is_space(*p))
		p++;
	return p > t ? mk(t, p) : SIP_STR_NULL;
}

/* The value of param `name` in ";a=b;tag=xyz" (p..e), absent if none. */
static sip_str find_param(const char *p, const char *e, const char *name,
			  size_t name_n)
{
	while (p < e) {
		const char *sc = memchr(p, ';', (size_t)(e - p));
		const char *ps, *pe, *eq;
		if (!sc)
			break;
		ps = sc + 1;
		pe = memchr(ps, ';', (size_t)(e - ps));
		if (!pe)
			pe = e;
		eq = memchr(ps, '=', (size_t)(pe - ps));
		if (eq) {
			sip_str k = sip_trim(mk(ps, eq));
			if (sip_ieq(k.p, k.n, name, name_n))
				return sip_trim(mk(eq + 1, pe));
		}
		p = pe;
	}
	return SIP_STR_NULL;
}

void sip_parse_name_addr(sip_str value, sip_str *uri, sip_str *tag)
{
	sip_str s = sip_trim(value);
	const char *p, *e, *lt, *gt, *params;
	sip_str u;

	if (uri)
		*uri = SIP_STR_NULL;
	if (tag)
		*tag = SIP_STR_NULL;
	if (!s.p || !s.n)
		return;
	p = s.p;
	e = s.p + s.n;
	/* A quoted display name may hold '<' or ';'. */
	if (*p == '"') {
		const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
		p = q ? q + 1 : e;
	}
	lt = memchr(p, '<', (size_t)(e - p));
	if (lt) {
		gt = memchr(lt + 1, '>', (size_t)(e - lt - 1));
		u = sip_trim(mk(lt + 1, gt ? gt : e));
		params = gt ? gt + 1 : e;
	} else {
		const char *sc = memchr(p, ';', (size_t)(e - p));
		u = sip_trim(mk(p, sc ? sc : e));
		params = sc ? sc : e;
	}
	if (uri && u.n)
		*uri = u;
	if (tag)
		*tag = find_param(params, e, "tag", 3);
}

sip_str sip_via_transport(sip_str via)
{
	sip_str s = sip_trim(via);
	const char *p, *e, *t;
	int slashes = 0;

	if (!s.p)
		return SIP_STR_NULL;
	p = s.p;
	e = s.p + s.n;
	while (p < e && !is_space(*p) && slashes < 2)
		if (*p++ == '/')
			slashes++;
	if (slashes < 2)
		return SIP_STR_NULL;
	t = p;
	while (p < e && !is_space(*p) && *p != ';' && *p != ',')
		p++;
	return p > t ? mk(t, p) : SIP_STR_NULL;
}

static int64_t parse_port(const char *p, const char *e)
{
	int64_t v = 0;

	if (p >= e || e - p > 5)
		return -1;
	for (; p < e; p++) {
		if (!is_digit(*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= 65535 ? v : -1;
}

void sip_parse_hostport(sip_str in, sip_str *host, int64_t *port)
{
	sip_str s = sip_trim(in);
	const char *p, *e, *c;

	*host = SIP_STR_NULL;
	*port = -1;
	if (!s.p || !s.n)
		return;
	p = s.p;
	e = s.p + s.n;
	if (*p == '[') {
		const char *rb = memchr(p, ']', s.n);
		if (!rb) {
			*host = sip_trim(mk(p + 1, e));
			return;
		}
		*host = sip_trim(mk(p + 1, rb));
		if (rb + 1 < e && rb[1] == ':') {
			sip_str ps = sip_trim(mk(rb + 2, e));
			*port = parse_port(ps.p, ps.p + ps.n);
		}
		return;
	}
	c = memchr(p, ':', s.n);
	if (!c || memchr(c + 1, ':', (size_t)(e - c - 1))) {
		*host = s; /* no port, or a bare IPv6 address */
		return;
	}
	*host = sip_trim(mk(p, c));
	{
		sip_str ps = sip_trim(mk(c + 1, e));
		*port = parse_port(ps.p, ps.p + ps.n);
	}
}

size_t sip_quote_len(const char *p, const char *e)
{
	if (*p == '"')
		return 1;
	/* copied from a page's HTML source: &quot; or &#34; */
	if (*p == '&' && e - p >= 6 && !memcmp(p, "&quot;", 6))
		return 6;
	if (*p == '&' && e - p >= 5 && !memcmp(p, "&#34;", 5))
		return 5;
	if ((unsigned char)p[0] == 0xE2 && e - p >= 3 &&
	    (unsigned char)p[1] == 0x80 &&
	    ((unsigned char)p[2] == 0x9C || (unsigned char)p[2] == 0x9D))
		return 3;
	return 0;
}

size_t sip_parse_params(sip_str s, sip_kv *out, size_t max, size_t *found)
{
	const char *p = s.p, *e = s.p + s.n;
	size_t stored = 0, total = 0;

	if (!s.p)
		goto out;
	while (p < e) {
		const char *ks, *vs;
		sip_str key, val;

		while (p < e && (*p == ';' || is_space(*p)))
			p++;
		if (p >= e)
			break;
		ks = p;
		while (p < e && *p != '=' && *p != ';')
			p++;
		key = sip_trim(mk(ks, p));
		if (p < e && *p == '=') {
			size_t ql;
			p++;
			while (p < e && is_space(*p))
				p++;
			ql = p < e ? sip_quote_len(p, e) : 0;
			if (ql) {
				size_t cl = 0;
				p += ql;
				vs = p;
				while (p < e && !(cl = sip_quote_len(p, e)))
					p++;
				val = sip_trim(mk(vs, p));
				p += cl;
				while (p < e && *p != ';')
					p++;
			} else {
				vs = p;
				while (p < e && *p != ';')
					p++;
				val = sip_trim(mk(vs, p));
			}
		} else {
			val = (sip_str){ p, 0 };
		}
		if (!key.n)
			continue;
		total++;
		if (stored < max)
			out[stored++] = (sip_kv){ key, val };
	}
out:
	if (found)
		*found = total;
	return stored;
}

int sip_error_code_value(sip_str s)
{
	s = sip_trim(s);
	return s.p && s.n > 10 && SIP_IEQ(s.p, 10, "ErrorCode=") && is_digit(s.p[10]);
}

int sip_test_diagnosis(sip_str name, sip_str value)
{
	return (SIP_IEQ(name.p, name.n, "Diagnosis") || SIP_IEQ(name.p, name.n, "ErrorCode")) &&
	       sip_error_code_value(value);
}

/*
 * The Diagnosis of a Test-Cs* cmdlet's result: "ErrorCode=4005,Source=
 * fe01.contoso.com,Reason=Destination URI either not enabled for SIP or
 * does not exist." and the type name PowerShell prints under it,
 * "Microsoft.Rtc.Signaling.DiagnosticHeader" (left out).  Attributes are
 * separated by commas, unquoted; Reason, the last, runs to the end.
 */
static size_t parse_diagnosis(sip_str s, sip_msdiag *d, sip_kv *attrs, size_t max)
{
	static const char tname[] = "Microsoft.Rtc.Signaling.DiagnosticHeader";
	const size_t tn = sizeof tname - 1;
	const char *p = s.p + 10, *e = s.p + s.n;
	size_t found = 0, stored = 0;
	int64_t v = 0;

	if ((size_t)(e - p) >= tn && !memcmp(e - tn, tname, tn))
		e -= tn;
	while (p < e && is_digit(*p) && v < ((int64_t)1 << 40))
		v = v * 10 + (*p++ - '0');
	d->code = v;
	while (p < e) {
		const char *ks, *eq, *ve;
		sip_str key, val;
		while (p < e && (*p == ',' || is_space(*p)))
			p++;
		ks = p;
		while (p < e && *p != '=' && *p != ',')
			p++;
		if (p >= e || *p != '=') {
			continue;
		}
		eq = p;
		key = sip_trim(mk(ks, eq));
		if (SIP_IEQ(key.p, key.n, "Reason"))
			ve = e;
		else
			for (ve = eq + 1; ve < e && *ve != ','; ve++)
				;
		val = sip_trim(mk(eq + 1, ve));
		p = ve;
		if (!key.n)
			continue;
		found++;
		if (stored < max)
			attrs[stored++] = (sip_kv){ key, val };
	}
	d->nattrs = stored;
	for (size_t i = 0; i < stored; i++) {
		if (!d->reason.p && SIP_IEQ(attrs[i].name.p, attrs[i].name.n, "reason"))
			d->reason = attrs[i].value;
		else if (!d->source.p && SIP_IEQ(attrs[i].name.p, attrs[i].name.n, "source"))
			d->source = attrs[i].value;
	}
	return found;
}

size_t sip_parse_msdiag(sip_str header, sip_str value, sip_msdiag *d,
			sip_kv *attrs, size_t max)
{
	sip_str s = sip_trim(value);
	const char *p, *e, *sc;
	size_t found = 0, stored;

	d->header = header;
	d->code = -1;
	d->subcode = -1;
	d->reason = SIP_STR_NULL;
	d->source = SIP_STR_NULL;
	d->attrs = attrs;
	d->nattrs = 0;
	if (!s.p)
		return 0;
	if (sip_error_code_value(s))
		return parse_diagnosis(s, d, attrs, max);
	p = s.p;
	e = s.p + s.n;
	if (p < e && is_digit(*p)) {
		int64_t v = 0;
		const char *t = p;
		while (p < e && is_digit(*p) && p - t < 18)
			v = v * 10 + (*p++ - '0');
		d->code = v;
		if (p + 1 < e && *p == '.' && is_digit(p[1])) {
			v = 0;
			t = ++p;
			while (p < e && is_digit(*p) && p - t < 18)
				v = v * 10 + (*p++ - '0');
			d->subcode = v;
		}
	}
	sc = memchr(p, ';', (size_t)(e - p));
	if (!sc)
		return 0;
	stored = sip_parse_params(mk(sc + 1, e), attrs, max, &found);
	d->nattrs = stored;
	for (size_t i = 0; i < stored; i++) {
		if (!d->reason.p && SIP_IEQ(attrs[i].name.p, attrs[i].name.n, "reason"))
			d->reason = attrs[i].value;
		else if (!d->source.p &&
			 SIP_IEQ(attrs[i].name.p, attrs[i].name.n, "source"))
			d->source = attrs[i].value;
	}
	return found;
}

/* Hex digits at *pp (at most 8, 0x optional), advancing *pp. */
static int parse_hex32(const char **pp, const char *e, uint32_t *out)
{
	const char *p = *pp, *t;
	uint32_t v = 0;

	if (e - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	t = p;
	while (p < e && hex_val(*p) >= 0 && p - t < 8)
		v = (v << 4) | (uint32_t)hex_val(*p++);
	if (p == t || (p < e && hex_val(*p) >= 0))
		return 0;
	*out = v;
	*pp = p;
	return 1;
}

static int is_sym_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       is_digit(c) || c == '_';
}

int sip_parse_result_code(sip_str in, uint32_t *code, sip_str *symbol)
{
	sip_str s = sip_trim(in);
	const char *p, *e, *t;

	*symbol = SIP_STR_NULL;
	if (!s.p || !s.n)
		return 0;
	p = s.p;
	e = s.p + s.n;
	if (!parse_hex32(&p, e, code))
		return 0;
	while (p < e && is_space(*p))
		p++;
	t = p;
	while (p < e && is_sym_char(*p))
		p++;
	if (p > t)
		*symbol = mk(t, p);
	return 1;
}

int sip_split_inline_result(sip_str text, sip_str *text_out, uint32_t *code,
			    sip_str *symbol)
{
	static const char key[] = "Result-Code:";
	const char *p, *e, *hit;

	*text_out = text;
	if (!text.p || text.n < sizeof key - 1)
		return 0;
	p = text.p;
	e = text.p + text.n;
	while ((hit = memmem(p, (size_t)(e - p), key, sizeof key - 1)) != NULL) {
		if (hit > text.p && is_space(hit[-1]) &&
		    sip_parse_result_code(mk(hit + sizeof key - 1, e), code, symbol)) {
			*text_out = sip_trim(mk(text.p, hit));
			return 1;
		}
		p = hit + 1;
	}
	return 0;
}

int sip_find_result_text(sip_str text, uint32_t *code, sip_str *symbol)
{
	static const char key[] = "Result 0x";
	const char *p, *e, *hit;

	*symbol = SIP_STR_NULL;
	if (!text.p || text.n < sizeof key - 1)
		return 0;
	p = text.p;
	e = text.p + text.n;
	while ((hit = memmem(p, (size_t)(e - p), key, sizeof key - 1)) != NULL) {
		const char *q = hit + 7; /* at "0x" */
		if (parse_hex32(&q, e, code)) {
			if (q < e && *q == '(') {
				const char *rp = memchr(q + 1, ')', (size_t)(e - q - 1));
				if (rp && rp > q + 1)
					*symbol = sip_trim(mk(q + 1, rp));
			}
			return 1;
		}
		p = hit + 1;
	}
	return 0;
}

int sip_find_code_symbol(sip_str text, uint32_t *code, sip_str *symbol)
{
	const char *p = text.p, *e = text.p + text.n, *hit;

	while (p && (hit = memchr(p, '0', (size_t)(e - p))) != NULL) {
		const char *q = hit, *s;
		if (e - hit >= 2 && (hit[1] == 'x' || hit[1] == 'X') &&
		    parse_hex32(&q, e, code) && q - hit == 10 && q < e && *q == '(') {
			for (s = ++q; q < e && ((*q >= 'A' && *q <= 'Z') || is_digit(*q) ||
						*q == '_'); q++)
				;
			if (q > s && q < e && *q == ')') {
				*symbol = mk(s, q);
				return 1;
			}
		}
		p = hit + 1;
	}
	return 0;
}

/* ---- SIPStack header lines ------------------------------------------- */

static sip_span span(size_t off, size_t n)
{
	return (sip_span){ off, n };
}

/* 1..maxd hex digits at p[*i]; advances *i. */
static int hex_field(const char *p, size_t n, size_t *i, size_t maxd,
		     uint64_t *out)
{
	size_t s = *i, j = s;
	uint64_t v = 0;
	unsigned d;

	while (j < n && j - s < maxd && (d = hex_tab[(unsigned char)p[j]]) != 0) {
		v = (v << 4) | (d - 1);
		j++;
	}
	*i = j;
	if (j == s || (j < n && hex_tab[(unsigned char)p[j]]))
		return 0;
	*out = v;
	return 1;
}

static int is_mask(char c)
{
	return c == 'X' || c == 'x' || c == '*' || c == '#';
}

/* hex_field's fallback, off the hot path: a field a post masked
   ("XXXX.XXXX", "0000047*"): hex digits and at least one 'X', 'x', '*'
   or '#', at most maxd of them, for which *out is -1 (not known). */
static __attribute__((noinline)) int masked_field(const char *p, size_t n, size_t *i,
						  size_t maxd, int64_t *out)
{
	size_t s = *i, j = s;
	int masks = 0;

	for (; j < n && j - s < maxd; j++) {
		if (is_mask(p[j]))
			masks = 1;
		else if (!hex_tab[(unsigned char)p[j]])
			break;
	}
	if (!masks || (j < n && (hex_tab[(unsigned char)p[j]] || is_mask(p[j]))))
		return 0;
	*i = j;
	*out = -1;
	return 1;
}

/* A hex field of at most maxd digits at p[*i], or one a post masked: its
   value, -1 when masked.  Moves *i past it; 0 when there is none. */
static int id_field(const char *p, size_t n, size_t *i, size_t maxd, int64_t *out)
{
	size_t s = *i;
	uint64_t v;

	if (hex_field(p, n, i, maxd, &v) && (*i >= n || !is_mask(p[*i]))) {
		*out = (int64_t)v;
		return 1;
	}
	*i = s;
	return masked_field(p, n, i, maxd, out);
}

static int digits2(const char *p, int *v)
{
	if (!is_digit(p[0]) || !is_digit(p[1]))
		return 0;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return 1;
}

int sip_dmy_stamp(const char *p, size_t n, char ts[24])
{
	int a, b, day, mon, hh, mm, ss;

	if (n < 24 || !digits2(p, &a) || p[2] != '/' || !digits2(p + 3, &b) ||
	    p[5] != '/' || !is_digit(p[6]) || !is_digit(p[7]) || !is_digit(p[8]) ||
	    !is_digit(p[9]) || p[10] != '-' || !digits2(p + 11, &hh) || p[13] != ':' ||
	    !digits2(p + 14, &mm) || p[16] != ':' || !digits2(p + 17, &ss) ||
	    p[19] != '.' || !is_digit(p[20]) || !is_digit(p[21]) ||
	    !is_digit(p[22]) || p[23] != ' ')
		return 0;
	day = a;
	mon = b;
	if (mon > 12 && day <= 12) {
		day = b;
		mon = a;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	snprintf(ts, 24, "%.4s-%02d-%02d %.12s", p + 6, mon, day, p + 11);
	return 1;
}

int sip_ss_alt_header_parse(const char *p, size_t n, sip_ss_header *h)
{
	static const sip_span none = { SIP_SPAN_NONE, 0 };
	size_t i = 24, end = n, s;
	uint64_t v;
	char ts[24];

	while (end > 0 && is_space(p[end - 1]))
		end--;
	if (end < 24 + 14 || memcmp(p + end - 14, "$$begin_record", 14) != 0)
		return 0;
	end -= 14;
	if (!sip_dmy_stamp(p, end, ts))
		return 0;
	memset(h, 0, sizeof *h);
	h->level = h->flag = h->slot = h->host = none;
	h->component = h->function = h->src_file = none;
	h->corr_id = h->peer = none;
	h->pid = h->tid = h->seq = h->src_line = -1;
	memcpy(h->ts, ts, sizeof h->ts);
	/* [0xTID] */
	if (i + 3 < end && p[i] == '[' && p[i + 1] == '0' && (p[i + 2] | 32) == 'x') {
		s = i + 3;
		if (hex_field(p, end, &s, 16, &v) && s < end && p[s] == ']') {
			h->tid = (int64_t)v;
			i = s + 1;
		}
	}
	/* TEXT: without "- " before it and ":" after it */
	while (i < end && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i + 1 < end && p[i] == '-' && p[i + 1] == ' ')
		i += 2;
	while (i < end && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (end > i && (is_space(p[end - 1]) || p[end - 1] == ':'))
		end--;
	h->text = span(i, end - i);
	h->has_begin = 1;
	/* the peer: "(Dest Address IP:  10.50.14.2:4165)" */
	for (s = i; s + 11 <= end; s++)
		if (!memcmp(p + s, "Address IP:", 11)) {
			size_t a = s + 11, b;
			while (a < end && (p[a] == ' ' || p[a] == '\t'))
				a++;
			for (b = a; b < end && p[b] != ')' && p[b] != ' ' && p[b] != '\t'; b++)
				;
			if (b > a)
				h->peer = span(a, b - a);
			break;
		}
	return 1;
}

int sip_ss_header_parse(const char *p, size_t n, sip_ss_header *h)
{
	size_t i = 3, s, e;
	uint64_t v;
	int mon, day, hh, mm, ss;
	const char *q, *fp, *colon;

	if (n < 50 || memcmp(p, "TL_", 3) != 0)
		return 0;
	/* LEVEL(TF_FLAG) */
	while (i < n && p[i] >= 'A' && p[i] <= 'Z' && i < 3 + 16)
		i++;
	if (i == 3 || p[i] != '(')
		return 0;
	h->level = span(0, i);
	s = ++i;
	if (memcmp(p + i, "TF_", 3) != 0)
		return 0;
	i += 3;
	while (i < n && i - s < 32 &&
	       ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_' || is_digit(p[i])))
		i++;
	if (i == s + 3 || i >= n || p[i] != ')')
		return 0;
	h->flag = span(s, i - s);
	i++;
	/* [slot] (a blank before it: a space, or a tab an editor made) */
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] != '[')
		return 0;
	s = ++i;
	q = memchr(p + s, ']', (n - s) < 256 ? n - s : 256);
	if (!q || q == p + s)
		return 0;
	e = (size_t)(q - p);
	h->slot = span(s, e - s);
	q = memchr(p + s, '\\', e - s);
	h->host = span(s, q ? (size_t)(q - (p + s)) : 0);
	i = e + 1;
	/* PID.TID:: */
	if (!id_field(p, n, &i, 8, &h->pid))
		return 0;
	if (i >= n || p[i++] != '.' || !id_field(p, n, &i, 8, &h->tid))
		return 0;
	if (n - i < 2 + 23 + 2 || p[i] != ':' || p[i + 1] != ':')
		return 0;
	i += 2;
	/* MM/DD/YYYY-HH:MM:SS.mmm */
	q = p + i;
	if (!digits2(q, &mon) || q[2] != '/' || !digits2(q + 3, &day) ||
	    q[5] != '/' || !is_digit(q[6]) || !is_digit(q[7]) ||
	    !is_digit(q[8]) || !is_digit(q[9]) || q[10] != '-' ||
	    !digits2(q + 11, &hh) || q[13] != ':' || !digits2(q + 14, &mm) ||
	    q[16] != ':' || !digits2(q + 17, &ss) || q[19] != '.' ||
	    !is_digit(q[20]) || !is_digit(q[21]) || !is_digit(q[22]))
		return 0;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
	    ss > 60)
		return 0;
	{
		char *t = h->ts;
		memcpy(t, q + 6, 4);
		t[4] = '-';
		memcpy(t + 5, q, 2);
		t[7] = '-';
		memcpy(t + 8, q + 3, 2);
		t[10] = ' ';
		memcpy(t + 11, q + 11, 12);
		t[23] = 0;
	}
	i += 23;
	/* .SEQ */
	if (i >= n || p[i++] != '.' || !id_field(p, n, &i, 15, &h->seq))
		return 0;
	/* (Component,Function:File(line)) */
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= n || p[i] != '(')
		return 0;
	s = ++i;
	q = memchr(p + s, ',', (n - s) < 128 ? n - s : 128);
	if (!q || q == p + s || memchr(p + s, ')', (size_t)(q - (p + s))))
		return 0;
	h->component = span(s, (size_t)(q - (p + s)));
	s = (size_t)(q - p) + 1;
	fp = memchr(p + s, '(', (n - s) < 512 ? n - s : 512);
	if (!fp)
		return 0;
	colon = NULL;
	for (q = fp - 1; q >= p + s; q--)
		if (*q == ':') {
			colon = q;
			break;
		}
	if (!colon || colon == p + s || colon[-1] == ':' || colon + 1 == fp ||
	    memchr(p + s, ')', (size_t)(fp - (p + s))))
		return 0;
	h->function = span(s, (size_t)(colon - (p + s)));
	h->src_file = span((size_t)(colon - p) + 1, (size_t)(fp - colon) - 1);
	i = (size_t)(fp - p) + 1;
	s = i;
	v = 0;
	while (i < n && is_digit(p[i]) && i - s < 9)
		v = v * 10 + (uint64_t)(p[i++] - '0');
	if (i == s || n - i < 2 || p[i] != ')' || p[i + 1] != ')')
		return 0;
	h->src_line = (int64_t)v;
	i += 2;
	/* tail */
	{
		size_t t = i, cs = 0, cn = 0, end = n;
		while (end > i && is_space(p[end - 1]))
			end--;
		while (t < end && p[t] == ' ')
			t++;
		if (t < end && p[t] == '[') {
			size_t d = t + 1;
			while (d < end && is_digit(p[d]) && d - t <= 20)
				d++;
			if (d > t + 1 && d < end && p[d] == ']') {
				cs = t + 1;
				cn = d - cs;
				t = d + 1;
				while (t < end && p[t] == ' ')
					t++;
			}
		}
		if (end - t == 14 && memcmp(p + t, "$$begin_record", 14) == 0) {
			h->has_begin = 1;
			h->text = span(end, 0);
			h->corr_id = cn ? span(cs, cn) : span(SIP_SPAN_NONE, 0);
		} else {
			h->has_begin = 0;
			while (i < end && is_space(p[i]))
				i++;
			h->text = span(i, end - i);
			h->corr_id = span(SIP_SPAN_NONE, 0);
		}
	}
	h->peer = span(SIP_SPAN_NONE, 0);
	return 1;
}
