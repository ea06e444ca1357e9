/*
 * rules_eval.c -- evaluating a record against the rule set: the record's
 * signature and candidate rules, the gates, the literal checks, the
 * patterns, and the matches with their variables.  See the design note
 * in rules.c.
 */
#include "rules_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void cand_free(cand_list *l)
{
	if (l) {
		free(l->m0);
		free(l->idx);
		free(l);
	}
}
/* ---- evaluation ------------------------------------------------------------- */

sip_rules_ctx *sip_rules_ctx_new(const sip_rules *rs)
{
	sip_rules_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rs = rs;
	c->prefilter = 1;
	c->diag_idx = -1;
	sip_buf_init(&c->capbuf, 16u * 1024 * 1024);
	sip_buf_init(&c->scratch, TEMPLATE_BUF);
	c->md = pcre2_match_data_create(rs->max_groups ? rs->max_groups : 1, NULL);
	c->mctx = pcre2_match_context_create(NULL);
	c->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!c->md || !c->mctx) {
		sip_rules_ctx_free(c);
		return NULL;
	}
	pcre2_set_match_limit(c->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, RULE_DEPTH_LIMIT);
	if (c->jit)
		pcre2_jit_stack_assign(c->mctx, NULL, c->jit);
	return c;
}

void sip_rules_ctx_free(sip_rules_ctx *c)
{
	if (!c)
		return;
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	if (c->jit)
		pcre2_jit_stack_free(c->jit);
	if (c->cand)
		for (unsigned i = 0; i < SIG_COUNT; i++)
			cand_free(c->cand[i]);
	free(c->cand);
	sip_buf_release(&c->capbuf);
	sip_buf_release(&c->scratch);
	free(c);
}

void sip_rules_ctx_set_prefilter(sip_rules_ctx *ctx, int on)
{
	ctx->prefilter = on;
}

static sip_str num_str(sip_rules_ctx *c, int hex, long long v)
{
	char *b;
	if (c->nnums >= MAX_NUMS)
		return SIP_STR_NULL;
	b = c->nums[c->nnums++];
	if (hex)
		snprintf(b, 24, "0x%08llX", v);
	else
		snprintf(b, 24, "%lld", v);
	return (sip_str){ b, strlen(b) };
}

static sip_str level_or_kind(const sip_record *r, int t)
{
	if (t == T_KIND) {
		const char *k = sip_kind_name(r->kind);
		return (sip_str){ k, strlen(k) };
	}
	return SIP_STR_NULL;
}

static sip_str simple_value(sip_rules_ctx *c, const sip_record *r, int t)
{
	switch (t) {
	case T_TEXT: return r->text;
	case T_HEADER_TEXT: return r->header_text;
	case T_KIND: return level_or_kind(r, t);
	case T_LEVEL: return r->level;
	case T_FLAG: return r->flag;
	case T_RESULT:
		return r->has_result ? num_str(c, 1, (long long)r->result_code)
				     : SIP_STR_NULL;
	case T_SYMBOL: return r->has_result ? r->result_symbol : SIP_STR_NULL;
	case T_STATUS: return r->status >= 0 ? num_str(c, 0, (long long)r->status) : SIP_STR_NULL;
#define SIP_S(m, name, col) case T_F_##m: return r->m;
#include "record_fields.def"
	case T_TS: return r->ts[0] ? (sip_str){ r->ts, strlen(r->ts) } : SIP_STR_NULL;
	case T_LINE: return num_str(c, 0, (long long)r->line);
	case T_FORMAT: return r->format ? (sip_str){ r->format, strlen(r->format) } : SIP_STR_NULL;
	default: return SIP_STR_NULL;
	}
}

static size_t push(sip_str *v, size_t n, sip_str s)
{
	if (s.p && n < MAX_VALUES)
		v[n++] = s;
	return n;
}

/* The ms-diagnostics headers diag.* targets read: the one a rule's diag
   gate chose (each header's attributes stay with that header), else all. */
static size_t diag_lo(const sip_rules_ctx *c)
{
	return c->diag_idx >= 0 ? (size_t)c->diag_idx : 0;
}

static size_t diag_hi(const sip_rules_ctx *c, const sip_record *r)
{
	return c->diag_idx >= 0 && (size_t)c->diag_idx < r->ndiags
		? (size_t)c->diag_idx + 1 : r->ndiags;
}

/* Every value of target t (sub for data./field./diag.) into c->vals. */
static size_t values(sip_rules_ctx *c, const sip_record *r, int t, const char *sub,
		     const sip_str **out)
{
	sip_str *v = c->vals;
	size_t n = 0;

	*out = c->vals;

	switch (t) {
	case T_DATA:
		for (size_t i = 0; i < r->ndata; i++)
			if (sip_str_ieq(r->data[i].name, sub))
				n = push(v, n, r->data[i].value);
		return n;
	case T_FIELD:
		for (size_t i = 0; i < r->nfields; i++)
			if (sip_str_ieq(r->fields[i].name, sub))
				n = push(v, n, r->fields[i].value);
		return n;
	case T_SERVER:
		for (size_t i = 0; i < r->nservers; i++)
			n = push(v, n, r->servers[i].fqdn);
		return n;
	case T_DIAG_CODE:
	case T_DIAG_SUBCODE:
		for (size_t i = diag_lo(c), e = diag_hi(c, r); i < e; i++) {
			int64_t x = t == T_DIAG_CODE ? r->diags[i].code : r->diags[i].subcode;
			if (x >= 0)
				n = push(v, n, num_str(c, 0, (long long)x));
		}
		return n;
	case T_DIAG_REASON:
	case T_DIAG_SOURCE:
	case T_DIAG_HEADER:
		for (size_t i = diag_lo(c), e = diag_hi(c, r); i < e; i++)
			n = push(v, n, t == T_DIAG_REASON ? r->diags[i].reason :
				 t == T_DIAG_SOURCE ? r->diags[i].source : r->diags[i].header);
		return n;
	case T_DIAG_ATTR:
		for (size_t i = diag_lo(c), e = diag_hi(c, r); i < e; i++)
			for (size_t k = 0; k < r->diags[i].nattrs; k++)
				if (sip_str_ieq(r->diags[i].attrs[k].name, sub))
					n = push(v, n, r->diags[i].attrs[k].value);
		return n;
	case T_ANYWHERE:
		*out = c->anyv;
		if (c->any_gen == c->gen && c->gen)
			return c->nany;
		v = c->anyv;
		n = push(v, n, r->text);
		if (r->header_text.p && !(r->text.p == r->header_text.p && r->text.n == r->header_text.n))
			n = push(v, n, r->header_text);
		if (r->has_result) {
			snprintf(c->anynums[0], sizeof c->anynums[0], "0x%08llX",
				 (unsigned long long)r->result_code);
			n = push(v, n, (sip_str){ c->anynums[0], strlen(c->anynums[0]) });
			n = push(v, n, r->result_symbol);
		}
		for (size_t i = 0; i < r->ndata; i++)
			n = push(v, n, r->data[i].value);
		for (size_t i = 0; i < r->ndiags; i++) {
			if (r->diags[i].code >= 0 && i + 1 < MAX_NUMS) {
				char *b = c->anynums[i + 1];
				snprintf(b, sizeof c->anynums[0], "%lld", (long long)r->diags[i].code);
				n = push(v, n, (sip_str){ b, strlen(b) });
			}
			for (size_t k = 0; k < r->diags[i].nattrs; k++)
				n = push(v, n, r->diags[i].attrs[k].value);
		}
		c->nany = n;
		c->any_gen = c->gen;
		return n;
	default:
		return push(v, n, simple_value(c, r, t));
	}
}

static int add_caps(sip_rules_ctx *c, const cond *cd, const char *subj)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
	for (uint32_t k = 0; k < cd->namecount; k++) {
		PCRE2_SPTR e = cd->nametable + k * cd->nameentry;
		unsigned g = ((unsigned)e[0] << 8) | e[1];
		const char *nm = (const char *)e + 2;
		size_t off;
		int slot = -1;
		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		for (int i = 0; i < c->ncaps; i++)
			if (!strcmp(c->caps[i].name, nm))
				slot = i;
		if (slot < 0) {
			if (c->ncaps >= (int)(sizeof c->caps / sizeof c->caps[0]))
				continue;
			slot = c->ncaps++;
		}
		off = c->capbuf.n;
		if (sip_buf_add(&c->capbuf, subj + ov[2 * g], ov[2 * g + 1] - ov[2 * g]) ||
		    sip_buf_addc(&c->capbuf, 0))
			return SIP_ENOMEM;
		c->caps[slot].name = nm;
		c->caps[slot].off = off;
		c->caps[slot].len = ov[2 * g + 1] - ov[2 * g];
	}
	return SIP_OK;
}

/* 1 match, 0 no match. */
static int run_re(sip_rules_ctx *c, const cond *cd, sip_str v)
{
	int rc = pcre2_match(cd->re, (PCRE2_SPTR)v.p, v.n, 0, 0, c->md, c->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		c->limit_hits++;
		c->lim_hit = 1;
	}
	return 0;
}

/* The signature of a record: kind, level index, N_* facts. */
static unsigned record_sig(const sip_record *r, int *lvl)
{
	unsigned has = (r->has_result ? N_RESULT : 0u) | (r->ndiags ? N_DIAG : 0u) |
		       (r->ndata ? N_DATA : 0u) | (r->status >= 0 ? N_STATUS : 0u);
	*lvl = rules_level_index(r->level);
	return ((unsigned)r->kind & 7u) | ((unsigned)*lvl << 3) | (has << 6);
}

/* Can a record of signature sig pass the kind, level and needs gates of ru? */
static int sig_passes(const sip_rule *ru, unsigned sig)
{
	unsigned has = sig >> 6;
	if (ru->kind_mask && !(ru->kind_mask & (1u << (sig & 7))))
		return 0;
	if (ru->level_mask && !(ru->level_mask & (1u << ((sig >> 3) & 7))))
		return 0;
	return (has & ru->req) == ru->req;
}

/* The candidate rules of signature sig; NULL when out of memory (the
   caller then looks at every rule). */
static const cand_list *get_cand(sip_rules_ctx *c, unsigned sig)
{
	const sip_rules *rs = c->rs;
	cand_list *l;

	if (c->cand_version != rs->version && c->cand) {
		for (unsigned i = 0; i < SIG_COUNT; i++)
			cand_free(c->cand[i]), c->cand[i] = NULL;
	}
	c->cand_version = rs->version;
	if (!c->cand && !(c->cand = calloc(SIG_COUNT, sizeof(*c->cand))))
		return NULL;
	if ((l = c->cand[sig]))
		return l;
	if (!(l = calloc(1, sizeof(*l))) ||
	    !(l->idx = malloc((2 * rs->n + 1) * sizeof(*l->idx))) ||
	    !(l->m0 = malloc((rs->n + 1) * sizeof(*l->m0)))) {
		cand_free(l);
		return NULL;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const sip_rule *ru = rs->r[i];
		if (!sig_passes(ru, sig))
			continue;
		l->m0[l->n] = ru->nlitreq && rs->lx.ok ? ru->litreq[0] : ~0ull;
		l->idx[l->n++] = (uint32_t)i;
	}
	l->free = l->idx + l->n;
	for (uint32_t k = 0; k < l->n; k++)
		if (l->m0[k] == ~0ull)
			l->free[l->nfree++] = l->idx[k];
	return c->cand[sig] = l;
}

/* The shared-literal check of the fast path: 0 if some positive condition
   of ru can find none of its literals in the record. */
static int lits_pass(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r)
{
	if (!ru->nlitreq || !c->rs->lx.ok)
		return 1;
	if (!c->rec_lits_done) {
		c->rec_lits = rules_record_lits(&c->rs->lx, r);
		c->rec_lits_done = 1;
	}
	for (int k = 0; k < ru->nlitreq; k++)
		if (!(ru->litreq[k] & c->rec_lits))
			return 0;
	return 1;
}

/*
 * The whole evaluation of one rule (lvl = rules_level_index(r->level)).  With
 * c->prefilter off this is the reference: gates, then every condition's
 * regex over every value.  With it on, the needs and the literals skip
 * what cannot match (the fast path has already applied the cheap checks
 * of cand_list and lits_pass; repeating them here costs little).
 */
static int conds_hold(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r);

static int rule_eval(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r, int lvl)
{
	/* 0. rules whose matches code makes (computed =) never match a
	   record on their own */
	if (ru->computed)
		return 0;
	/* 1. semantic gates */
	if (ru->kind_mask && !(ru->kind_mask & (1u << (r->kind & 7))))
		return 0;
	if (ru->level_mask && !(ru->level_mask & (1u << lvl)))
		return 0;
	if (ru->nstatus && (r->status < 0 || !rules_in_ranges(ru->status, ru->nstatus, r->status)))
		return 0;
	c->diag_idx = -1;
	if (ru->ndiag) {
		size_t i;
		for (i = 0; i < r->ndiags; i++)
			if (r->diags[i].code >= 0 && rules_in_ranges(ru->diag, ru->ndiag, r->diags[i].code))
				break;
		if (i == r->ndiags)
			return 0;
	}
	/* 2. needs */
	if (c->prefilter && ru->need) {
		if ((ru->need & N_RESULT) && !r->has_result)
			return 0;
		if ((ru->need & N_DIAG) && !r->ndiags)
			return 0;
		if ((ru->need & N_DATA) && !r->ndata)
			return 0;
		if ((ru->need & N_STATUS) && r->status < 0)
			return 0;
	}
	if (ru->prefilter && (!r->raw.p || !memmem(r->raw.p, r->raw.n, ru->prefilter, ru->prefilter_n)))
		return 0;
	/* 3. conditions: with a diag gate, on each header the gate lets
	   through in turn (the first that meets them all is the match's) */
	if (!ru->ndiag)
		return conds_hold(c, ru, r);
	for (size_t i = 0; i < r->ndiags; i++) {
		if (r->diags[i].code < 0 || !rules_in_ranges(ru->diag, ru->ndiag, r->diags[i].code))
			continue;
		c->diag_idx = (int)i;
		if (conds_hold(c, ru, r))
			return 1;
	}
	c->diag_idx = -1;
	return 0;
}

/* Whether every condition of ru holds on r (captures into c->caps). */
static int conds_hold(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r)
{
	c->ncaps = 0;
	sip_buf_reset(&c->capbuf);
	for (size_t k = 0; k < ru->nconds; k++) {
		const cond *cd = &ru->conds[k];
		const sip_str *vals;
		size_t nv;
		int hit = 0;
		/* none of its literals anywhere in the record: no value can
		   match (shared conditions are positive) */
		if (c->prefilter && cd->shared && c->rec_lits_done &&
		    !(cd->litmask & c->rec_lits))
			return 0;
		c->nnums = 0;
		nv = values(c, r, cd->target, cd->sub, &vals);
		for (size_t i = 0; i < nv && !hit; i++) {
			if (c->prefilter && !rules_lit_ok(cd, vals[i]))
				continue;
			if (run_re(c, cd, vals[i])) {
				hit = 1;
				if (!cd->negate && cd->namecount &&
				    add_caps(c, cd, vals[i].p))
					return 0;
			}
		}
		if (hit == cd->negate && !cd->optional)
			return 0;
	}
	return 1;
}

uint64_t sip_rules_ctx_limit_hits(const sip_rules_ctx *ctx)
{
	return ctx->limit_hits;
}

int sip_rule_matches(sip_rules_ctx *ctx, const sip_rule *rule, const sip_record *r)
{
	int lvl;
	unsigned sig = record_sig(r, &lvl);

	ctx->gen++;
	ctx->rec_lits_done = 0;
	if (ctx->prefilter && (!sig_passes(rule, sig) || !lits_pass(ctx, rule, r)))
		return 0;
	return rule_eval(ctx, rule, r, lvl);
}

/* The value of variable v for the match just evaluated. */
static sip_str var_value(sip_rules_ctx *c, const var_ref *v, const sip_record *r)
{
	for (int i = 0; i < c->ncaps; i++)
		if (!strcmp(c->caps[i].name, v->name))
			return (sip_str){ c->capbuf.p + c->caps[i].off, c->caps[i].len };
	if (v->target < 0)
		return SIP_STR_NULL;
	const sip_str *vals;
	c->nnums = 0;
	if (values(c, r, v->target, v->sub, &vals) == 0)
		return SIP_STR_NULL;
	return vals[0];
}

void sip_rules_out_init(sip_rules_out *out)
{
	memset(out, 0, sizeof(*out));
	sip_buf_init(&out->text, 0);
}

void sip_rules_out_reset(sip_rules_out *out)
{
	out->n = out->nu = out->nlim = 0;
	out->limit_hits = 0;
	sip_buf_reset(&out->text);
}

void sip_rules_out_release(sip_rules_out *out)
{
	free(out->m);
	free(out->u);
	free(out->lim);
	sip_buf_release(&out->text);
	memset(out, 0, sizeof(*out));
}

static int append_match(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r,
			uint64_t tag, sip_rules_out *out)
{
	sip_rule_match *m;
	size_t key_off = out->text.n, vars_off;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		sip_rule_match *nm = realloc(out->m, cap * sizeof(*nm));
		if (!nm)
			return SIP_ENOMEM;
		out->m = nm;
		out->cap = cap;
	}
	for (size_t k = 0; k < ru->nkey; k++) {
		sip_str v = SIP_STR_NULL;
		for (size_t i = 0; i < ru->nvars; i++)
			if (!strcmp(ru->vars[i].name, ru->key[k]))
				v = var_value(c, &ru->vars[i], r);
		if ((k && sip_buf_adds(&out->text, "; ")) ||
		    sip_buf_printf(&out->text, "%s=", ru->key[k]) ||
		    (v.p && sip_buf_add(&out->text, v.p, v.n)))
			return SIP_ENOMEM;
	}
	if (sip_buf_addc(&out->text, 0))
		return SIP_ENOMEM;
	vars_off = out->text.n;
	if (sip_buf_addc(&out->text, '{'))
		return SIP_ENOMEM;
	{
		int first = 1;
		for (size_t i = 0; i < ru->nvars; i++) {
			sip_str v = var_value(c, &ru->vars[i], r);
			if (!v.p)
				continue;
			if ((!first && sip_buf_addc(&out->text, ',')) ||
			    sip_buf_json_str(&out->text, ru->vars[i].name, strlen(ru->vars[i].name)) ||
			    sip_buf_addc(&out->text, ':') ||
			    sip_buf_json_str(&out->text, v.p, v.n > 4096 ? 4096 : v.n))
				return SIP_ENOMEM;
			first = 0;
		}
	}
	if (sip_buf_addc(&out->text, '}') || sip_buf_addc(&out->text, 0))
		return SIP_ENOMEM;
	m = &out->m[out->n++];
	m->tag = tag;
	m->rule = ru;
	m->key_off = key_off;
	m->key_len = vars_off - key_off - 1;
	m->vars_off = vars_off;
	m->vars_len = out->text.n - vars_off - 1;
	m->benign = ru->benign;
	return SIP_OK;
}

int sip_record_is_problem_lvl(const sip_record *r, int lvl);
int sip_template_build(const sip_record *r, sip_buf *t, sip_buf *out);

/* rule_eval, and ru in out->lim when one of its patterns hit a limit (not
   kept when out of memory: the total count still has it) */
static int eval_one(sip_rules_ctx *c, const sip_rule *ru, const sip_record *r, int lvl,
		    sip_rules_out *out)
{
	int m;

	c->lim_hit = 0;
	m = rule_eval(c, ru, r, lvl);
	if (c->lim_hit) {
		if (out->nlim == out->caplim) {
			size_t cap = out->caplim ? out->caplim * 2 : 8;
			const sip_rule **nl = realloc(out->lim, cap * sizeof *nl);
			if (!nl)
				return m;
			out->lim = nl;
			out->caplim = cap;
		}
		out->lim[out->nlim++] = ru;
	}
	return m;
}

int sip_rules_eval(sip_rules_ctx *c, const sip_record *r, uint64_t tag,
		   sip_rules_out *out)
{
	const sip_rules *rs = c->rs;
	size_t n0 = out->n, nu0 = out->nu, t0 = out->text.n;
	int found = 0;
	uint64_t lh = c->limit_hits;

	int lvl;
	unsigned sig = record_sig(r, &lvl);
	const cand_list *cand = c->prefilter ? get_cand(c, sig) : NULL;

	c->gen++;
	c->rec_lits_done = 0;
	if (cand) {
		/* fast path: only the rules the record's signature lets
		   through; with none of the index literals in the record, only
		   those that need none */
		uint64_t lits = 0;
		if (cand->n > cand->nfree) {
			lits = c->rec_lits = rules_record_lits(&rs->lx, r);
			c->rec_lits_done = 1;
		}
		if (!lits) {
			for (uint32_t k = 0; k < cand->nfree; k++) {
				const sip_rule *ru = rs->r[cand->free[k]];
				if (!eval_one(c, ru, r, lvl, out))
					continue;
				if (append_match(c, ru, r, tag, out))
					goto nomem;
				found++;
			}
		} else {
			for (uint32_t k = 0; k < cand->n; k++) {
				const sip_rule *ru;
				if (!(cand->m0[k] & lits))
					continue;
				ru = rs->r[cand->idx[k]];
				if (!lits_pass(c, ru, r) || !eval_one(c, ru, r, lvl, out))
					continue;
				if (append_match(c, ru, r, tag, out))
					goto nomem;
				found++;
			}
		}
	} else {
		for (size_t i = 0; i < rs->n; i++) {
			if (!eval_one(c, rs->r[i], r, lvl, out))
				continue;
			if (append_match(c, rs->r[i], r, tag, out))
				goto nomem;
			found++;
		}
	}
	if (!found && sip_record_is_problem_lvl(r, lvl)) {
		size_t off = out->text.n;
		if (out->nu == out->capu) {
			size_t cap = out->capu ? out->capu * 2 : 16;
			sip_rule_unexplained *nu = realloc(out->u, cap * sizeof(*nu));
			if (!nu)
				goto nomem;
			out->u = nu;
			out->capu = cap;
		}
		if (sip_template_build(r, &c->scratch, &out->text) || sip_buf_addc(&out->text, 0))
			goto nomem;
		out->u[out->nu].tag = tag;
		out->u[out->nu].tmpl_off = off;
		out->u[out->nu].tmpl_len = out->text.n - off - 1;
		out->nu++;
	}
	out->limit_hits += c->limit_hits - lh;
	return found;
nomem:
	out->n = n0;
	out->nu = nu0;
	out->text.n = t0;
	if (out->text.p)
		out->text.p[t0] = 0;
	return -SIP_ENOMEM;
}

