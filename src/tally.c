/*
 * tally.c -- the analyze summary's statistics, counted as rows are stored.
 * See tally.h.
 */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"

void sip_tally_init(sip_tally *t)
{
	memset(t, 0, sizeof *t);
}

void sip_tally_set_release(sip_tally_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].s);
	free(set->v);
	free(set->slots);
	memset(set, 0, sizeof *set);
}

void sip_tally_release(sip_tally *t)
{
	sip_tally_set_release(&t->levels);
	sip_tally_set_release(&t->hosts);
	sip_tally_set_release(&t->errors);
	memset(t, 0, sizeof *t);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (!s)
		return 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int same(const sip_tally_ent *e, const char *s, size_t len)
{
	if (!s || !e->s)
		return !s && !e->s;
	return e->len == len && memcmp(e->s, s, len) == 0;
}

/* The slot of value s in set->slots: where it is, or the empty slot where
   it goes. */
static size_t slot_of(const sip_tally_set *set, const char *s, size_t len, uint64_t h)
{
	size_t mask = set->nslots - 1, k = (size_t)(h ^ (h >> 31)) & mask;

	while (set->slots[k] && !(set->v[set->slots[k] - 1].h == h &&
				   same(&set->v[set->slots[k] - 1], s, len)))
		k = (k + 1) & mask;
	return k;
}

static int grow_slots(sip_tally_set *set)
{
	size_t n = set->nslots ? set->nslots * 2 : 64;
	size_t *old = set->slots;

	if (!(set->slots = calloc(n, sizeof *set->slots))) {
		set->slots = old;
		return -1;
	}
	set->nslots = n;
	for (size_t i = 0; i < set->n; i++)
		set->slots[slot_of(set, set->v[i].s, set->v[i].len, set->v[i].h)] = i + 1;
	free(old);
	return 0;
}

/* ts: NUL-terminated, shorter than t0 and t1, or NULL */
static void times(sip_tally_ent *e, const char *ts)
{
	if (!ts || !*ts)
		return;
	if (!e->t0[0] || strcmp(ts, e->t0) < 0)
		memcpy(e->t0, ts, strlen(ts) + 1);
	if (strcmp(ts, e->t1) > 0)
		memcpy(e->t1, ts, strlen(ts) + 1);
}

int sip_tally_add(sip_tally_set *set, const char *s, size_t len, uint64_t n,
		  const char *ts, size_t max, size_t max_bytes)
{
	sip_tally_ent *e;
	uint64_t h;
	size_t k;

	/* most rows repeat the value of the row before */
	if (set->last && same(&set->v[set->last - 1], s, len)) {
		e = &set->v[set->last - 1];
		e->n += n;
		times(e, ts);
		return 0;
	}
	h = hash(s, len);
	if (set->nslots) {
		k = slot_of(set, s, len, h);
		if (set->slots[k]) {
			set->last = set->slots[k];
			e = &set->v[set->last - 1];
			e->n += n;
			times(e, ts);
			return 0;
		}
	}
	if (set->n >= max || set->bytes + len > max_bytes)
		return -1;
	if ((set->n + 1) * 2 > set->nslots && grow_slots(set))
		return -1;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		sip_tally_ent *v = realloc(set->v, nc * sizeof *v);
		if (!v)
			return -1;
		set->v = v;
		set->cap = nc;
	}
	e = &set->v[set->n];
	memset(e, 0, sizeof *e);
	if (s) {
		if (!(e->s = malloc(len + 1)))
			return -1;
		memcpy(e->s, s, len);
		e->s[len] = 0;
	}
	e->len = len;
	e->h = h;
	e->n = n;
	times(e, ts);
	set->slots[slot_of(set, s, len, h)] = ++set->n;
	set->bytes += len;
	set->last = set->n;
	return 0;
}

/* A column's value: NULL when absent or empty, as the store keeps it. */
static const char *val(const sip_row *row, int col, size_t *len)
{
	const sip_str *v = &row->col[col];

	*len = v->p ? v->n : 0;
	return v->p && v->n ? v->p : NULL;
}

static int is(const char *s, size_t len, const char *lit)
{
	return s && len == strlen(lit) && memcmp(s, lit, len) == 0;
}

void sip_tally_row(sip_tally *t, const sip_row *row)
{
	size_t llen, hlen, tlen;
	const char *level = val(row, SIP_COL_LEVEL, &llen);
	const char *host = val(row, SIP_COL_HOST, &hlen);
	const char *ts = val(row, SIP_COL_TS, &tlen);
	char tsz[32];

	t->rows++;
	t->kinds[row->kind >= 0 && row->kind <= 3 ? row->kind : 0]++;
	if (!t->full) {
		if (ts) {
			size_t m = tlen < sizeof tsz - 1 ? tlen : sizeof tsz - 1;
			memcpy(tsz, ts, m);
			tsz[m] = 0;
		}
		if (sip_tally_add(&t->levels, level, llen, 1, NULL, SIP_TALLY_MAX, SIZE_MAX) ||
		    sip_tally_add(&t->hosts, host, hlen, 1, ts ? tsz : NULL, SIP_TALLY_MAX,
				  SIZE_MAX))
			t->full = 1;
	}
	if (!t->errors_full &&
	    (is(level, llen, "TL_ERROR") || is(level, llen, "TL_FATAL") ||
	     (row->kind == SIP_KIND_PROTOCOL && row->status >= 400 && row->ms_diag_code >= 0))) {
		size_t len;
		const char *e = val(row, SIP_COL_TEXT, &len);
		if (!e)
			e = val(row, SIP_COL_MS_DIAG_REASON, &len);
		if (!e)
			e = val(row, SIP_COL_RESULT_SYMBOL, &len);
		if (!e) {
			e = "(no text)";
			len = strlen(e);
		}
		if (sip_tally_add(&t->errors, e, len, 1, NULL, SIZE_MAX,
				  SIP_TALLY_ERR_BYTES))
			t->errors_full = 1;
	}
}
