/*
 * rules.c -- the rules engine's rule set: severities, levels, the rules by
 * id and their accessors.  The engine's other files are listed in
 * rules_int.h: rule-file loading (rules_load.c), the literal pre-filter
 * (rules_lit.c), evaluation (rules_eval.c) and rendering (rules_render.c).
 *
 * Evaluation (design note: most records of a busy trace are ordinary 200
 * OKs, REGISTERs and NOTIFYs, and must cost a few tens of nanoseconds for
 * the whole rule set, not a few comparisons per rule):
 *   1. once per record, a signature: kind, level, and whether it has a
 *      result code, ms-diagnostics, Data pairs, a status.  Per signature
 *      the context keeps the list of rules whose kind/level gates and
 *      "needs" (a positive condition on result needs has_result, on
 *      diag.* ms-diagnostics ...; a diag gate needs ms-diagnostics, a
 *      status gate a status) it passes, so most rules are never looked at;
 *   2. once per record, when a candidate needs it, one pass over the
 *      values of text, header text, result, symbol, Data and
 *      ms-diagnostics (lit_index, scan_lits) gives a 64-bit mask of the
 *      literals derived from the rules' positive patterns on those
 *      targets that occur.  A rule whose condition finds none of its
 *      literals there is rejected with one AND; a record with none of
 *      them (nearly all) only visits the rules that need no literal;
 *   3. for the rules left, rule_eval: the semantic gates (kind, level,
 *      status and ms-diagnostics code ranges), the needs, the declared
 *      prefilter (memmem over the raw text), then per condition and value
 *      the derived literal(s) (memmem, or an ASCII caseless search for
 *      (?i) patterns), then the regex.  The anywhere values are built
 *      only here, once per record.
 * sip_rules_ctx_set_prefilter(ctx, 0) switches 1, 2 and the needs and
 * literals of 3 off: that is the reference the tests compare with.
 * Every pattern has a match limit and a depth limit; a pattern that hits
 * one is counted (limit_hits) and treated as "no match".
 */
#include "rules_int.h"
#include "hash.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const rules_case_names[C_NCASES] = {
	"exact", "case", "parent", "child", "none", "notopology"
};


const char *sip_severity_name(int sev)
{
	static const char *const names[] = { "info", "warning", "error", "critical" };
	return sev >= 0 && sev <= 3 ? names[sev] : "?";
}

int sip_severity_parse(const char *s)
{
	for (int i = 0; i <= 3; i++)
		if (!strcmp(s, sip_severity_name(i)))
			return i;
	return -1;
}

const char *const rules_level_names[] = {
	"TL_FATAL", "TL_ERROR", "TL_WARN", "TL_INFO", "TL_VERBOSE", "TL_NOISE", NULL
};

/* The level of a client log (UccApi: "INFO", "ERROR" ...) as the index of
   the server level it stands for; 6 for anything else. */
static int client_level_index(sip_str s)
{
	static const struct { const char *name; int idx; } map[] = {
		{ "FATAL", 0 }, { "ERROR", 1 }, { "WARN", 2 }, { "WARNING", 2 },
		{ "INFO", 3 }, { "VERBOSE", 4 }, { "TRACE", 4 }, { "NOISE", 5 },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (sip_str_eq(s, map[i].name))
			return map[i].idx;
	return 6;
}

/* The index of s in rules_level_names (exact), 6 for anything else; a client
   log's level counts as the server level of the same name. */
int rules_level_index(sip_str s)
{
	static const unsigned char len[] = { 8, 8, 7, 7, 10, 8 };
	int i;

	if (s.n < 7 || s.n > 10 || s.p[0] != 'T' || s.p[1] != 'L' || s.p[2] != '_')
		return s.n >= 4 && s.n <= 7 && s.p[0] != 'T' ? client_level_index(s) :
		       s.n == 5 && s.p[0] == 'T' ? client_level_index(s) : 6;
	/* fixed-length compares, which the compiler inlines */
	switch (s.p[3]) {
	case 'F': i = 0; break;
	case 'E': i = 1; break;
	case 'W': i = 2; break;
	case 'I': i = 3; break;
	case 'V': i = 4; break;
	case 'N': i = 5; break;
	default: return 6;
	}
	if (len[i] != s.n)
		return 6;
	switch (s.n) {
	case 7: return !memcmp(s.p, rules_level_names[i], 7) ? i : 6;
	case 8: return !memcmp(s.p, rules_level_names[i], 8) ? i : 6;
	default: return !memcmp(s.p, rules_level_names[i], 10) ? i : 6;
	}
}

char *rules_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

char *rules_strdup(const char *s)
{
	return s ? rules_strndup(s, strlen(s)) : NULL;
}

void rules_rule_free(sip_rule *r)
{
	if (!r)
		return;
	free(r->id), free(r->title), free(r->cause), free(r->fix);
	free(r->refs), free(r->file), free(r->topology), free(r->prefilter);
	free(r->computed);
	for (int i = 0; i < C_NCASES; i++)
		free(r->cause_case[i]), free(r->fix_case[i]);
	free(r->status), free(r->diag);
	for (size_t i = 0; i < r->nconds; i++) {
		free(r->conds[i].sub);
		pcre2_code_free(r->conds[i].re);
		for (int k = 0; k < r->conds[i].nlit; k++)
			free(r->conds[i].lit[k]);
	}
	free(r->conds);
	for (size_t i = 0; i < r->nkey; i++)
		free(r->key[i]);
	free(r->key);
	for (size_t i = 0; i < r->nsubject; i++)
		free(r->subject[i]);
	free(r->subject);
	for (size_t i = 0; i < r->nvars; i++)
		free(r->vars[i].name), free(r->vars[i].sub);
	free(r->vars);
	for (size_t i = 0; i < r->nex; i++)
		free((char *)r->ex[i].text);
	free(r->ex);
	free(r);
}

sip_rules *sip_rules_new(void)
{
	sip_rules *rs = calloc(1, sizeof(sip_rules));
	if (rs)
		rs->text_hash = 0xcbf29ce484222325ull;
	return rs;
}

void sip_rules_hash(const sip_rules *rs, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)rs->text_hash);
}

size_t sip_rules_custom_count(const sip_rules *rs)
{
	return rs->ntexts;
}

void sip_rules_custom_at(const sip_rules *rs, size_t i, const char **name,
			 const char **text, size_t *len)
{
	*name = rs->texts[i].name;
	*text = rs->texts[i].text;
	*len = rs->texts[i].len;
}

void sip_rules_free(sip_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rules_rule_free(rs->r[i]);
	free(rs->r);
	free(rs->idx);
	rules_lit_index_release(&rs->lx);
	for (size_t i = 0; i < rs->ntexts; i++)
		free(rs->texts[i].name), free(rs->texts[i].text);
	free(rs->texts);
	free(rs);
}

void sip_rules_new_layer(sip_rules *rs)
{
	rs->layer++;
}

size_t sip_rules_count(const sip_rules *rs) { return rs ? rs->n : 0; }
const sip_rule *sip_rules_at(const sip_rules *rs, size_t i)
{
	return rs && i < rs->n ? rs->r[i] : NULL;
}
/* The slot of id in rs->idx: where it is, or the empty slot it would take.
   (A 40,000-rule catalogue was quadratic on a linear search.) */
size_t rules_id_slot(const sip_rules *rs, const char *id)
{
	uint64_t h = sip_fnv_add_str(SIP_FNV_OFFSET, id);
	size_t mask = rs->idx_cap - 1, i;

	for (i = (size_t)h & mask; rs->idx[i]; i = (i + 1) & mask)
		if (!strcmp(rs->r[rs->idx[i] - 1]->id, id))
			break;
	return i;
}

/* Room in the id index for one more rule.  0 or SIP_ENOMEM. */
int rules_idx_reserve(sip_rules *rs)
{
	size_t cap = rs->idx_cap ? rs->idx_cap : 128;
	uint32_t *old = rs->idx;

	if (rs->idx && 2 * (rs->n + 1) <= rs->idx_cap)
		return 0;
	while (2 * (rs->n + 1) > cap)
		cap *= 2;
	if (!(rs->idx = calloc(cap, sizeof *rs->idx))) {
		rs->idx = old;
		return SIP_ENOMEM;
	}
	free(old);
	rs->idx_cap = cap;
	for (size_t i = 0; i < rs->n; i++)
		rs->idx[rules_id_slot(rs, rs->r[i]->id)] = (uint32_t)(i + 1);
	return 0;
}

const sip_rule *sip_rules_find(const sip_rules *rs, const char *id)
{
	size_t k;

	if (!rs || !rs->idx)
		return NULL;
	k = rules_id_slot(rs, id);
	return rs->idx[k] ? rs->r[rs->idx[k] - 1] : NULL;
}
const char *sip_rule_id(const sip_rule *r) { return r->id; }
const char *sip_rule_title(const sip_rule *r) { return r->title; }
int sip_rule_severity(const sip_rule *r) { return r->severity; }
int sip_rule_benign(const sip_rule *r) { return r->benign; }
int sip_rule_confidence(const sip_rule *r) { return r->confidence; }

static const char *const conf_names[] = { "verified", "partial", "inferred" };

const char *sip_confidence_name(int c)
{
	return c >= 0 && c < 3 ? conf_names[c] : "verified";
}

int sip_confidence_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, conf_names[i]))
			return i;
	return -1;
}
const char *sip_rule_refs(const sip_rule *r) { return r->refs ? r->refs : ""; }
const char *sip_rule_computed(const sip_rule *r) { return r->computed; }
const char *sip_rule_file(const sip_rule *r) { return r->file; }
uint64_t sip_rule_line(const sip_rule *r) { return r->line; }
size_t sip_rule_nexamples(const sip_rule *r) { return r->nex; }
const sip_rule_example *sip_rule_example_at(const sip_rule *r, size_t i)
{
	return i < r->nex ? &r->ex[i] : NULL;
}

