/*
 * rules_lit.c -- the literal pre-filter: the literals a pattern cannot
 * match without (derived from the PCRE2 source), and the index that finds
 * in one pass which of them occur in a record's values.  See the
 * design note in rules.c.
 */
#include "rules_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Skip a [...] class starting at p[i] == '['; returns the index after. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			const char *e = strstr(p + i + 2, ":]");
			if (e && (size_t)(e - p) < n)
				i = (size_t)(e - p) + 1;
		}
		i++;
	}
	return i < n ? i + 1 : n;
}

/* Skip a (...) group starting at p[i] == '('. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
	int depth = 0;
	while (i < n) {
		if (p[i] == '\\') {
			i += 2;
			continue;
		}
		if (p[i] == '[') {
			i = skip_class(p, n, i);
			continue;
		}
		if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* Skip a quantifier at p[i], if any (with its lazy/possessive suffix). */
static size_t skip_quant(const char *p, size_t n, size_t i)
{
	if (i < n && (p[i] == '?' || p[i] == '*' || p[i] == '+'))
		i++;
	else if (i < n && p[i] == '{') {
		size_t j = i + 1;
		while (j < n && (isdigit((unsigned char)p[j]) || p[j] == ','))
			j++;
		if (j < n && p[j] == '}' && j > i + 1)
			i = j + 1;
		else
			return i;
	} else
		return i;
	if (i < n && (p[i] == '?' || p[i] == '+'))
		i++;
	return i;
}

static int is_quant_start(const char *p, size_t n, size_t i)
{
	if (i >= n)
		return 0;
	if (p[i] == '?' || p[i] == '*')
		return 1;
	if (p[i] == '{')
		return skip_quant(p, n, i) != i;
	return 0;
}

/* The longest required literal of one branch p[0..n). */
static void branch_literal(const char *p, size_t n, int caseless, char *best,
			   size_t *bestn, size_t cap)
{
	char run[256];
	size_t rn = 0, i = 0;

	*bestn = 0;
#define FLUSH() do { if (rn > *bestn && rn <= cap) { memcpy(best, run, rn); *bestn = rn; } rn = 0; } while (0)
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		int lit = -1;
		size_t next = i + 1;
		if (c == '(') {
			FLUSH();
			i = skip_quant(p, n, skip_group(p, n, i));
			continue;
		}
		if (c == '[') {
			FLUSH();
			i = skip_quant(p, n, skip_class(p, n, i));
			continue;
		}
		if (c == '\\') {
			if (i + 1 < n && !isalnum((unsigned char)p[i + 1]) &&
			    (unsigned char)p[i + 1] < 0x80) {
				lit = (unsigned char)p[i + 1];
				next = i + 2;
			} else {
				FLUSH();
				/* \Q...\E, \x{..}, \p{..}: stop deriving here. */
				if (i + 1 < n && strchr("QxpPNogkc", p[i + 1]))
					return;
				i = skip_quant(p, n, i + 2);
				continue;
			}
		} else if (c == '.' || c == '^' || c == '$' || c == ')' || c >= 0x80 ||
			   c == '+' || c == '*' || c == '?' || c == '{' || c == '|') {
			FLUSH();
			i = skip_quant(p, n, i + 1);
			continue;
		} else if (caseless && (c == 'k' || c == 'K' || c == 's' || c == 'S')) {
			/* Unicode caseless: K matches U+212A, S matches U+017F. */
			FLUSH();
			i = skip_quant(p, n, i + 1);
			continue;
		} else
			lit = c;
		if (is_quant_start(p, n, next)) {
			FLUSH();
			i = skip_quant(p, n, next);
			continue;
		}
		if (rn < sizeof run)
			run[rn++] = (char)lit;
		if (next < n && p[next] == '+') {
			FLUSH();
			next = skip_quant(p, n, next);
		}
		i = next;
	}
	FLUSH();
#undef FLUSH
}

/* Derive the pre-filter literals of a pattern into c. */
int rules_derive_literals(cond *c, const char *p, size_t n)
{
	size_t starts[RULE_MAX_LITS + 1], ends[RULE_MAX_LITS + 1];
	int nb = 0, caseless = 0;
	size_t i = 0, s;

	c->nlit = 0;
	if (n >= 4 && !memcmp(p, "(?i)", 4)) {
		caseless = 1;
		p += 4, n -= 4;
	}
	/* Give up on inline options anywhere else, and on \Q. */
	for (i = 0; i + 2 < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (p[i] == '(' && p[i + 1] == '?' &&
		    !strchr(":<=!|>P'", p[i + 2]))
			return SIP_OK;
		if (p[i] == '(' && p[i + 1] == '*')
			return SIP_OK;
	}
	/* Split on top-level '|'. */
	s = 0;
	for (i = 0; i <= n;) {
		if (i == n || p[i] == '|') {
			if (nb == RULE_MAX_LITS)
				return SIP_OK;
			starts[nb] = s, ends[nb] = i, nb++;
			s = ++i;
			continue;
		}
		if (p[i] == '\\') {
			i += 2;
			continue;
		}
		if (p[i] == '(') {
			i = skip_group(p, n, i);
			continue;
		}
		if (p[i] == '[') {
			i = skip_class(p, n, i);
			continue;
		}
		i++;
	}
	for (int b = 0; b < nb; b++) {
		char lit[128];
		size_t ln;
		branch_literal(p + starts[b], ends[b] - starts[b], caseless, lit, &ln,
			       sizeof lit);
		if (ln < RULE_MIN_LIT) {
			for (int k = 0; k < c->nlit; k++)
				free(c->lit[k]);
			c->nlit = 0;
			return SIP_OK;
		}
		if (caseless)
			for (size_t k = 0; k < ln; k++)
				lit[k] = (char)tolower((unsigned char)lit[k]);
		if (!(c->lit[c->nlit] = rules_strndup(lit, ln)))
			return SIP_ENOMEM;
		c->lita[c->nlit] = 0;
		while (c->lita[c->nlit] < ln && isalpha((unsigned char)lit[c->lita[c->nlit]]))
			c->lita[c->nlit]++;
		c->litn[c->nlit++] = ln;
	}
	c->lit_caseless = caseless;
	return SIP_OK;
}

/* memmem ignoring ASCII case; needle is lower case.  Anchors on byte a,
   the first of the needle that is not a letter (memchr), if a < nn. */
static int ci_contains(const char *h, size_t hn, const char *nd, size_t nn, size_t a)
{
	if (nn > hn)
		return 0;
	if (a < nn) {
		const char *p = h + a, *end = h + hn - (nn - a - 1);
		while (p < end && (p = memchr(p, nd[a], (size_t)(end - p)))) {
			if (!strncasecmp(p - a, nd, nn))
				return 1;
			p++;
		}
		return 0;
	}
	{
		unsigned char f = (unsigned char)nd[0], F = (unsigned char)toupper(f);
		for (size_t i = 0; i + nn <= hn; i++) {
			unsigned char c = (unsigned char)h[i];
			if ((c == f || c == F) && !strncasecmp(h + i, nd, nn))
				return 1;
		}
	}
	return 0;
}

int rules_lit_ok(const cond *c, sip_str v)
{
	for (int k = 0; k < c->nlit; k++) {
		if (c->lit_caseless ? ci_contains(v.p, v.n, c->lit[k], c->litn[k], c->lita[k])
				    : memmem(v.p, v.n, c->lit[k], c->litn[k]) != NULL)
			return 1;
	}
	return c->nlit == 0;
}

/* --- the shared literal index --------------------------------------------- */

/* Targets whose every value is scanned by scan_lits (anywhere is the union
   of these; header is the ms-diagnostics header name). */
int rules_shared_target(int t)
{
	switch (t) {
	case T_TEXT: case T_HEADER_TEXT: case T_RESULT: case T_SYMBOL:
	case T_DATA: case T_DIAG_ATTR: case T_DIAG_CODE: case T_DIAG_REASON:
	case T_DIAG_SOURCE: case T_DIAG_HEADER: case T_ANYWHERE:
		return 1;
	default:
		return 0;
	}
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The index bit of a literal (any case). */
uint64_t rules_lit_bit(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ fold((unsigned char)s[i])) * 16777619u;
	return 1ull << ((h ^ (h >> 16)) & 63);
}

/* The hash of a trigram key (three bytes, each | 0x20): its top
   LIT_FILTER_BITS bits index the filter, its top LIT_HASH_BITS the
   buckets. */
static uint32_t tri_hash(const unsigned char *u)
{
	/* (the | 0x20 of each byte, written so that the loads can merge) */
	uint32_t key = ((uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16)) |
		       0x202020u;
	return key * 2654435761u;
}

void rules_lit_index_release(lit_index *x)
{
	for (size_t i = 0; i < x->nlits; i++)
		free(x->lits[i].s);
	free(x->lits);
	free(x->hits);
	memset(x, 0, sizeof(*x));
}

/* (Re)build rs->lx from the shared conditions of every rule.  On failure
   the index stays off (x->ok == 0) and evaluation skips the shared checks. */
int rules_lit_index_build(sip_rules *rs)
{
	lit_index *x = &rs->lx;
	size_t cap = 0;
	uint32_t *count = NULL;

	rules_lit_index_release(x);
	for (size_t i = 0; i < rs->n; i++)
		for (size_t k = 0; k < rs->r[i]->nconds; k++) {
			const cond *cd = &rs->r[i]->conds[k];
			if (!cd->shared)
				continue;
			for (int l = 0; l < cd->nlit; l++) {
				size_t j;
				lit_entry *e;
				for (j = 0; j < x->nlits; j++)
					if (x->lits[j].n == cd->litn[l] &&
					    !strncasecmp(x->lits[j].s, cd->lit[l], cd->litn[l]))
						break;
				if (j < x->nlits)
					continue;
				if (x->nlits == cap) {
					lit_entry *nl = realloc(x->lits, (cap = cap ? 2 * cap : 64) * sizeof(*nl));
					if (!nl)
						goto nomem;
					x->lits = nl;
				}
				e = &x->lits[x->nlits];
				if (!(e->s = rules_strndup(cd->lit[l], cd->litn[l])))
					goto nomem;
				x->nlits++;
				e->n = cd->litn[l];
				for (size_t b = 0; b < e->n; b++)
					e->s[b] = (char)fold((unsigned char)e->s[b]);
				e->bit = rules_lit_bit(e->s, e->n);
			}
		}
	x->step = LIT_MAX_STEP;
	for (size_t j = 0; j < x->nlits; j++)
		if (x->lits[j].n - 2 < x->step)
			x->step = (unsigned)(x->lits[j].n - 2);
	if (!(count = calloc(LIT_NBUCKETS, sizeof(*count))) ||
	    !(x->hits = malloc((x->nlits ? x->nlits * x->step : 1) * sizeof(*x->hits))))
		goto nomem;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < x->nlits; j++)
			for (unsigned o = 0; o < x->step; o++) {
				uint32_t h = tri_hash((const unsigned char *)x->lits[j].s + o);
				unsigned b = h >> (32 - LIT_HASH_BITS), f = h >> (32 - LIT_FILTER_BITS);
				if (!pass) {
					count[b]++;
					x->filter[f / 64] |= 1ull << (f % 64);
					continue;
				}
				x->hits[x->start[b] + count[b]].id = (uint32_t)j;
				x->hits[x->start[b] + count[b]++].off = o;
			}
		if (pass)
			break;
		x->start[0] = 0;
		for (unsigned b = 0; b < LIT_NBUCKETS; b++)
			x->start[b + 1] = x->start[b] + count[b];
		memset(count, 0, LIT_NBUCKETS * sizeof(*count));
	}
	free(count);
	x->ok = 1;
	return SIP_OK;
nomem:
	free(count);
	rules_lit_index_release(x);
	return SIP_ENOMEM;
}

/* OR into acc the bits of the index literals that occur in p[0..n),
   ignoring ASCII case. */
static uint64_t scan_lits(const lit_index *x, const char *p, size_t n, uint64_t acc)
{
	const unsigned char *u = (const unsigned char *)p;
	const size_t step = x->step;

	if (n < 3 || !p)
		return acc;
	/* sampled trigram starts: step-1, 2*step-1, ... (and every literal
	   is at least step + 2 long, so none is missed) */
	for (size_t i = step - 1; i + 3 <= n; i += step) {
		uint32_t h = tri_hash(u + i);
		unsigned f = h >> (32 - LIT_FILTER_BITS), b;
		if (!(x->filter[f / 64] >> (f % 64) & 1))
			continue;
		b = h >> (32 - LIT_HASH_BITS);
		for (uint32_t k = x->start[b]; k < x->start[b + 1]; k++) {
			const lit_entry *e = &x->lits[x->hits[k].id];
			size_t j;
			if (i < x->hits[k].off || (acc & e->bit))
				continue;
			j = i - x->hits[k].off;
			if (e->n > n - j)
				continue;
			{
				size_t q;
				for (q = 0; q < e->n && fold(u[j + q]) == (unsigned char)e->s[q]; q++)
					;
				if (q == e->n)
					acc |= e->bit;
			}
		}
	}
	return acc;
}

static size_t fmt_hex8(char *b, uint32_t v)
{
	static const char hx[] = "0123456789ABCDEF";
	b[0] = '0', b[1] = 'x';
	for (int i = 0; i < 8; i++)
		b[2 + i] = hx[(v >> (28 - 4 * i)) & 15];
	b[10] = 0;
	return 10;
}

size_t rules_fmt_dec(char *b, int64_t v)
{
	char t[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do
		t[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		b[k++] = '-';
	while (n)
		b[k++] = t[--n];
	b[k] = 0;
	return k;
}

/* The literal bits of every value a shared target can see in r. */
uint64_t rules_record_lits(const lit_index *x, const sip_record *r)
{
	uint64_t acc = scan_lits(x, r->text.p, r->text.n, 0);
	char nb[24];

	if (!(r->header_text.p == r->text.p && r->header_text.n == r->text.n))
		acc = scan_lits(x, r->header_text.p, r->header_text.n, acc);
	if (r->has_result) {
		acc = scan_lits(x, nb, fmt_hex8(nb, r->result_code), acc);
		acc = scan_lits(x, r->result_symbol.p, r->result_symbol.n, acc);
	}
	for (size_t i = 0; i < r->ndata; i++)
		acc = scan_lits(x, r->data[i].value.p, r->data[i].value.n, acc);
	for (size_t i = 0; i < r->ndiags; i++) {
		const sip_msdiag *d = &r->diags[i];
		if (d->code >= 0)
			acc = scan_lits(x, nb, rules_fmt_dec(nb, d->code), acc);
		acc = scan_lits(x, d->header.p, d->header.n, acc);
		acc = scan_lits(x, d->reason.p, d->reason.n, acc);
		acc = scan_lits(x, d->source.p, d->source.n, acc);
		for (size_t k = 0; k < d->nattrs; k++)
			acc = scan_lits(x, d->attrs[k].value.p, d->attrs[k].value.n, acc);
	}
	return acc;
}

/* --- compiling one section ---------------------------------------------- */
