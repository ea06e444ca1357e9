/*
 * tally.c -- a file's statistics (file_stats), counted by the writer as it
 * stores the rows.  See tally.h.
 */
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include "record.h"
#include "hash.h"

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
	sip_tally_set_release(&t->outcomes);
	memset(t, 0, sizeof *t);
}

static uint64_t hash(const char *s, size_t len)
{
	if (!s)
		return 0x9e3779b97f4a7c15ull;
	return sip_fnv(s, len);
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

/* Bytewise, then the shorter first: strcmp's order for text without NULs. */
static int cmp_ts(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

static void put_ts(char *dst, unsigned char *dn, const char *ts, size_t n)
{
	memcpy(dst, ts, n);
	dst[n] = 0;
	*dn = (unsigned char)n;
}

/* Widen e's first and last time to ts (n bytes, NULL = none).  A log's
   times grow, so ts is mostly past t1, and then not before t0. */
static void times(sip_tally_ent *e, const char *ts, size_t n)
{
	if (!ts || !n)
		return;
	if (n > sizeof e->t0 - 1)
		n = sizeof e->t0 - 1;
	if (cmp_ts(ts, n, e->t1, e->t1n) > 0) {
		put_ts(e->t1, &e->t1n, ts, n);
		if (!e->t0n)
			put_ts(e->t0, &e->t0n, ts, n);
	} else if (cmp_ts(ts, n, e->t0, e->t0n) < 0) {
		put_ts(e->t0, &e->t0n, ts, n);
	}
}

/* The entry of value s in set, made with a count of 0 when new; NULL when
   it would pass the bounds or memory ran out (the set is then unchanged). */
static sip_tally_ent *entry(sip_tally_set *set, const char *s, size_t len, size_t max,
			    size_t max_bytes)
{
	sip_tally_ent *e;
	uint64_t h;
	size_t k;

	/* most rows repeat the value of the row before */
	if (set->last && same(&set->v[set->last - 1], s, len))
		return &set->v[set->last - 1];
	h = hash(s, len);
	if (set->nslots) {
		k = slot_of(set, s, len, h);
		if (set->slots[k]) {
			set->last = set->slots[k];
			return &set->v[set->last - 1];
		}
	}
	if (set->n >= max || set->bytes + len > max_bytes)
		return NULL;
	if ((set->n + 1) * 2 > set->nslots && grow_slots(set))
		return NULL;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 16;
		sip_tally_ent *v = realloc(set->v, nc * sizeof *v);
		if (!v)
			return NULL;
		set->v = v;
		set->cap = nc;
	}
	e = &set->v[set->n];
	memset(e, 0, sizeof *e);
	if (s) {
		if (!(e->s = malloc(len + 1)))
			return NULL;
		memcpy(e->s, s, len);
		e->s[len] = 0;
	}
	e->len = len;
	e->h = h;
	set->slots[slot_of(set, s, len, h)] = ++set->n;
	set->bytes += len;
	set->last = set->n;
	return e;
}

int sip_tally_add(sip_tally_set *set, const char *s, size_t len, uint64_t n,
		  size_t max, size_t max_bytes)
{
	sip_tally_ent *e = entry(set, s, len, max, max_bytes);

	if (!e)
		return -1;
	e->n += n;
	return 0;
}

/* A column's value: NULL when absent or empty, as the store keeps it. */
static const char *val(const sip_row *row, int col, size_t *len)
{
	const sip_str *v = &row->col[col];

	*len = v->p ? v->n : 0;
	return v->p && v->n ? v->p : NULL;
}

void sip_tally_row(sip_tally *t, const sip_row *row)
{
	size_t llen, hlen, tlen;
	const char *level = val(row, SIP_COL_LEVEL, &llen);
	const char *host = val(row, SIP_COL_HOST, &hlen);
	const char *ts = val(row, SIP_COL_TS, &tlen);
	sip_tally_ent *lv, *h;
	sip_tally_undo *u = &t->last;
	int kind = row->kind >= 0 && row->kind <= 3 ? row->kind : 0;

	if (t->rows++)
		t->prev_line = u->line;
	else
		t->first_line = row->line;
	t->kinds[kind]++;
	u->kind = kind;
	u->line = row->line;
	u->lv = u->host = u->err = u->out = 0;
	u->ts[0] = 0;
	if (ts) {
		size_t n = tlen < sizeof u->ts - 1 ? tlen : sizeof u->ts - 1;
		memcpy(u->ts, ts, n);
		u->ts[n] = 0;
	}
	if (!t->full) {
		if (!(lv = entry(&t->levels, level, llen, SIP_TALLY_MAX, SIZE_MAX)) ||
		    !(h = entry(&t->hosts, host, hlen, SIP_TALLY_MAX, SIZE_MAX))) {
			t->full = 1;
		} else {
			lv->n++;
			h->n++;
			u->lv = (size_t)(lv - t->levels.v) + 1;
			u->host = (size_t)(h - t->hosts.v) + 1;
			memcpy(u->t0, h->t0, sizeof u->t0);
			memcpy(u->t1, h->t1, sizeof u->t1);
			u->t0n = h->t0n;
			u->t1n = h->t1n;
			times(h, ts, tlen);
		}
	}
	/* a normal outcome: "486 Busy Here" */
	if (!t->full && row->status >= 0 &&
	    sip_is_outcome(row->kind, row->status, row->col[SIP_COL_METHOD])) {
		char key[160];
		size_t rlen;
		const char *reason = val(row, SIP_COL_REASON, &rlen);
		int n = snprintf(key, sizeof key, "%lld%s%.*s", (long long)row->status,
				 reason ? " " : "", reason ? (int)(rlen > 120 ? 120 : rlen) : 0,
				 reason ? reason : "");
		if (n < 0 || sip_tally_add(&t->outcomes, key, (size_t)n, 1, SIP_TALLY_MAX, SIZE_MAX))
			t->full = 1;
		else
			u->out = t->outcomes.last;
	}
	if (!t->errors_full &&
	    sip_is_error((sip_str){ level, level ? llen : 0 }, row->kind,
			 (int)(row->status > INT_MAX ? INT_MAX : row->status),
			 row->ms_diag_code >= 0)) {
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
		if (sip_tally_add(&t->errors, e, len, 1, SIP_TALLY_ERR_MAX,
				  SIP_TALLY_ERR_BYTES))
			t->errors_full = 1;
		else
			u->err = t->errors.last;
	}
}

void sip_tally_take_last(sip_tally *t, sip_tally_one *one)
{
	sip_tally_undo *u = &t->last;
	sip_tally_ent *lv = &t->levels.v[u->lv - 1], *h = &t->hosts.v[u->host - 1];

	memset(one, 0, sizeof *one);
	one->kind = u->kind;
	one->line = u->line;
	one->ts = u->ts;
	t->kinds[u->kind]--;
	t->rows--;
	lv->n--;
	one->level = lv->s;
	one->level_len = lv->len;
	h->n--;
	one->host = h->s;
	one->host_len = h->len;
	memcpy(h->t0, u->t0, sizeof h->t0);
	memcpy(h->t1, u->t1, sizeof h->t1);
	h->t0n = u->t0n;
	h->t1n = u->t1n;
	if (u->err) {
		sip_tally_ent *e = &t->errors.v[u->err - 1];
		e->n--;
		one->err = e->s;
		one->err_len = e->len;
	}
	if (u->out) {
		sip_tally_ent *o = &t->outcomes.v[u->out - 1];
		o->n--;
		one->outcome = o->s;
		one->outcome_len = o->len;
	}
}
