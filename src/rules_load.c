/*
 * rules_load.c -- rule files: the parser and validator, and the PCRE2
 * compilation of each rule (see rules/FORMAT.md for the format).
 *
 * Parsing is two-step: the lines of one [rule] section are collected with
 * the line and column of every value segment (a value may continue over
 * several lines), then the section is compiled as a whole, so that an
 * error anywhere in it can be reported at its exact file:line:col and the
 * checks that need the whole rule (capture names used by {substitutions})
 * can run.
 */
#include "rules_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

#include "trust.h"

static const struct target_def {
	const char *name;
	int id;
	unsigned need;
} target_defs[] = {
	{ "text", T_TEXT, 0 }, { "header_text", T_HEADER_TEXT, 0 },
	{ "kind", T_KIND, 0 }, { "level", T_LEVEL, 0 }, { "flag", T_FLAG, 0 },
	{ "result", T_RESULT, N_RESULT }, { "symbol", T_SYMBOL, N_RESULT },
	{ "status", T_STATUS, N_STATUS }, { "ts", T_TS, 0 },
	{ "line", T_LINE, 0 }, { "format", T_FORMAT, 0 },
	{ "server", T_SERVER, 0 },
#define SIP_S(m, name, col) { name, T_F_##m, 0 },
#include "record_fields.def"
	{ "diag.code", T_DIAG_CODE, N_DIAG }, { "diag.subcode", T_DIAG_SUBCODE, N_DIAG },
	{ "diag.reason", T_DIAG_REASON, N_DIAG }, { "diag.source", T_DIAG_SOURCE, N_DIAG },
	{ "diag.header", T_DIAG_HEADER, N_DIAG },
	{ "anywhere", T_ANYWHERE, 0 },
	{ NULL, 0, 0 }
};

/* Parse a target name: fills *id and *sub (the NAME of data.NAME etc.,
   pointing into name).  Returns 0 if unknown. */
static int parse_target(const char *name, int *id, const char **sub, unsigned *need)
{
	*sub = NULL;
	*need = 0;
	for (int i = 0; target_defs[i].name; i++)
		if (!strcmp(target_defs[i].name, name)) {
			*id = target_defs[i].id;
			*need = target_defs[i].need;
			return 1;
		}
	if (!strncmp(name, "data.", 5) && name[5]) {
		*id = T_DATA, *sub = name + 5, *need = N_DATA;
		return 1;
	}
	if (!strncmp(name, "field.", 6) && name[6]) {
		*id = T_FIELD, *sub = name + 6;
		return 1;
	}
	if (!strncmp(name, "diag.", 5) && name[5]) {
		*id = T_DIAG_ATTR, *sub = name + 5, *need = N_DIAG;
		return 1;
	}
	return 0;
}
/* ---- the rule-file parser -------------------------------------------------- */

typedef struct seg {
	size_t off;            /* offset in the value */
	uint64_t line;
	unsigned col;          /* 1-based column of that offset */
} seg;

typedef struct kv {
	char *key;
	uint64_t line;
	unsigned keycol;
	sip_buf val;
	seg *segs;
	size_t nsegs;
	int heredoc;
	int dup;               /* a repeated key: reported, then skipped */
} kv;

typedef struct loader {
	sip_rules *rs;
	const char *file;
	sip_rules_errors *err;
	sip_diag *diag;
	int nerr;
	/* the section being collected */
	char *id;
	uint64_t line;
	kv *kvs;
	size_t nkv, capkv;
} loader;

static void lerr(loader *ld, uint64_t line, unsigned col, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

static void lerr(loader *ld, uint64_t line, unsigned col, const char *fmt, ...)
{
	sip_diag d;
	va_list ap;

	sip_diag_clear(&d);
	d.code = SIP_ERULE;
	snprintf(d.file, sizeof d.file, "%s", ld->file);
	d.line = line;
	d.column = col ? col : 1;
	va_start(ap, fmt);
	vsnprintf(d.msg, sizeof d.msg, fmt, ap);
	va_end(ap);
	if (ld->nerr == 0 && ld->diag && ld->diag->code == SIP_OK)
		*ld->diag = d;
	ld->nerr++;
	if (ld->err) {
		ld->err->count++;
		if (ld->err->fn)
			ld->err->fn(ld->err->ctx, &d);
	}
}

/* Line and column of offset off in a value. */
static void kv_pos(const kv *v, size_t off, uint64_t *line, unsigned *col)
{
	size_t i = 0;
	for (size_t k = 0; k < v->nsegs; k++)
		if (v->segs[k].off <= off)
			i = k;
	*line = v->segs[i].line;
	*col = v->segs[i].col + (unsigned)(off - v->segs[i].off);
}

static void kv_err(loader *ld, const kv *v, size_t off, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
static void kv_err(loader *ld, const kv *v, size_t off, const char *fmt, ...)
{
	uint64_t line;
	unsigned col;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kv_pos(v, off, &line, &col);
	lerr(ld, line, col, "%s", msg);
}

static void section_clear(loader *ld)
{
	for (size_t i = 0; i < ld->nkv; i++) {
		free(ld->kvs[i].key);
		sip_buf_release(&ld->kvs[i].val);
		free(ld->kvs[i].segs);
	}
	ld->nkv = 0;
	free(ld->id);
	ld->id = NULL;
}

static int kv_add_seg(kv *v, uint64_t line, unsigned col)
{
	seg *ns = realloc(v->segs, (v->nsegs + 1) * sizeof(*ns));
	if (!ns)
		return SIP_ENOMEM;
	v->segs = ns;
	ns[v->nsegs].off = v->val.n;
	ns[v->nsegs].line = line;
	ns[v->nsegs].col = col;
	v->nsegs++;
	return SIP_OK;
}

static kv *kv_new(loader *ld, const char *key, size_t keyn, uint64_t line, unsigned col)
{
	kv *v;
	if (ld->nkv == ld->capkv) {
		size_t cap = ld->capkv ? ld->capkv * 2 : 32;
		kv *nk = realloc(ld->kvs, cap * sizeof(*nk));
		if (!nk)
			return NULL;
		ld->kvs = nk;
		ld->capkv = cap;
	}
	v = &ld->kvs[ld->nkv];
	memset(v, 0, sizeof(*v));
	if (!(v->key = rules_strndup(key, keyn)))
		return NULL;
	sip_buf_init(&v->val, RULE_MAX_FILE);
	v->line = line;
	v->keycol = col;
	ld->nkv++;
	return v;
}

/* --- literal derivation ------------------------------------------------ */


static int parse_ranges(const char *s, range **out, size_t *nout)
{
	range *r = NULL;
	size_t n = 0;
	const char *p = s;

	while (*p) {
		char *e;
		long long lo, hi;
		range *nr;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = strtoll(p, &e, 10);
		hi = lo;
		p = e;
		while (*p == ' ')
			p++;
		if (*p == '-') {
			p++;
			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			hi = strtoll(p, &e, 10);
			p = e;
		}
		if (hi < lo)
			goto bad;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != ',')
			goto bad;
		if (!(nr = realloc(r, (n + 1) * sizeof(*nr)))) {
			free(r);
			return SIP_ENOMEM;
		}
		r = nr;
		r[n].lo = lo, r[n].hi = hi, n++;
	}
	if (!n)
		goto bad;
	*out = r;
	*nout = n;
	return SIP_OK;
bad:
	free(r);
	return SIP_ERULE;
}

int rules_in_ranges(const range *r, size_t n, int64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (v >= r[i].lo && v <= r[i].hi)
			return 1;
	return 0;
}

/* Split a comma list into lower-level calls: fn(ctx, word, len) -> 0 ok. */
static int for_each_word(const char *s, int (*fn)(void *, const char *, size_t, size_t),
			 void *ctx)
{
	const char *p = s;
	while (*p) {
		const char *w;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		w = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (p > w) {
			int rc = fn(ctx, w, (size_t)(p - w), (size_t)(w - s));
			if (rc)
				return rc;
		}
	}
	return 0;
}

typedef struct word_ctx {
	loader *ld;
	const kv *v;
	sip_rule *r;
	int bad;
} word_ctx;

static int kind_word(void *vc, const char *w, size_t n, size_t off)
{
	word_ctx *wc = vc;
	for (int k = 0; k <= SIP_KIND_PROTOCOL; k++) {
		const char *nm = sip_kind_name(k);
		if (strlen(nm) == n && !memcmp(nm, w, n)) {
			wc->r->kind_mask |= 1u << k;
			return 0;
		}
	}
	{
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%.*s", (int)(n > 40 ? 40 : n), w);
		kv_err(wc->ld, wc->v, off, "unknown kind '%s' (trace, connection, diagnostic, protocol)", tmp);
	}
	wc->bad = 1;
	return 0;
}

static int level_word(void *vc, const char *w, size_t n, size_t off)
{
	word_ctx *wc = vc;
	for (int k = 0; rules_level_names[k]; k++)
		if (strlen(rules_level_names[k]) == n && !memcmp(rules_level_names[k], w, n)) {
			wc->r->level_mask |= 1u << k;
			return 0;
		}
	{
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%.*s", (int)(n > 40 ? 40 : n), w);
		kv_err(wc->ld, wc->v, off, "unknown level '%s'", tmp);
	}
	wc->bad = 1;
	return 0;
}

typedef struct name_list {
	char **v;
	size_t n;
} name_list;

static int add_name(name_list *l, const char *s, size_t n)
{
	char **nv;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == n && !memcmp(l->v[i], s, n))
			return SIP_OK;
	if (!(nv = realloc(l->v, (l->n + 1) * sizeof(*nv))))
		return SIP_ENOMEM;
	l->v = nv;
	if (!(nv[l->n] = rules_strndup(s, n)))
		return SIP_ENOMEM;
	l->n++;
	return SIP_OK;
}

static void free_names(name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Is name a known variable for rule r (captures in caps)? */
static int known_var(const sip_rule *r, const name_list *caps, const char *name, size_t n)
{
	char tmp[128];
	int id;
	const char *sub;
	unsigned need;

	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, name, n);
	tmp[n] = 0;
	for (size_t i = 0; i < caps->n; i++)
		if (!strcmp(caps->v[i], tmp))
			return 1;
	if (r->topology && (!strcmp(tmp, "topo.entry") || !strcmp(tmp, "topo.match")))
		return 1;
	if (r->computed && sip_trust_var_known(tmp, n))
		return 1;
	return parse_target(tmp, &id, &sub, &need) && id != T_ANYWHERE;
}

/* Check the {names} of a text value; add them to used. */
static void check_subst(loader *ld, const sip_rule *r, const kv *v,
			const name_list *caps, name_list *used, int *bad)
{
	const char *s = v->val.p ? v->val.p : "";
	size_t group = 0;   /* 1 + the offset of an open {?optional phrase} */

	for (size_t i = 0; s[i]; i++) {
		size_t j;
		if (s[i] == '}' && group) {
			group = 0;
			continue;
		}
		if (s[i] != '{')
			continue;
		if (s[i + 1] == '{') {
			i++;
			continue;
		}
		if (s[i + 1] == '?') {
			if (group) {
				kv_err(ld, v, i, "{?optional phrase} inside another");
				*bad = 1;
				return;
			}
			group = i + 1;
			i++;
			continue;
		}
		for (j = i + 1; s[j] && s[j] != '}' && s[j] != '{'; j++)
			;
		if (s[j] != '}') {
			kv_err(ld, v, i, "unterminated {substitution}");
			*bad = 1;
			return;
		}
		/* {name|text if it has no value} */
		const char *bar = memchr(s + i + 1, '|', j - i - 1);
		size_t nl = bar ? (size_t)(bar - (s + i + 1)) : j - i - 1;
		if (!known_var(r, caps, s + i + 1, nl)) {
			char tmp[128];
			snprintf(tmp, sizeof tmp, "%.*s", (int)(nl > 100 ? 100 : nl), s + i + 1);
			kv_err(ld, v, i, "unknown substitution name '{%s}'", tmp);
			*bad = 1;
		} else if (add_name(used, s + i + 1, nl)) {
			*bad = 1;
		}
		i = j;
	}
	if (group) {
		kv_err(ld, v, group - 1, "unterminated {?optional phrase}");
		*bad = 1;
	}
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > RULE_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("-_.", id[i]))
			return 0;
	return 1;
}

/* mode: 'm' match., 'n' not., 'o' maybe. (optional) */
static int compile_cond(loader *ld, sip_rule *r, const kv *v, int mode,
			const char *tname, name_list *caps)
{
	int negate = mode == 'n', optional = mode == 'o';
	cond *c, *nc;
	int id, errcode;
	unsigned need;
	const char *sub;
	PCRE2_SIZE erroff;
	const char *pat = v->val.p ? v->val.p : "";

	if (!parse_target(tname, &id, &sub, &need)) {
		lerr(ld, v->line, v->keycol + (unsigned)(negate ? 4 : 6),
		     "unknown target '%s'", tname);
		return SIP_ERULE;
	}
	if (!*pat) {
		kv_err(ld, v, 0, "empty pattern");
		return SIP_ERULE;
	}
	if (!(nc = realloc(r->conds, (r->nconds + 1) * sizeof(*nc))))
		return SIP_ENOMEM;
	r->conds = nc;
	c = &nc[r->nconds];
	memset(c, 0, sizeof(*c));
	c->target = id;
	c->negate = negate;
	c->optional = optional;
	if (sub && !(c->sub = rules_strdup(sub)))
		return SIP_ENOMEM;
	r->nconds++;
	c->re = pcre2_compile((PCRE2_SPTR)pat, v->val.n,
			      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode,
			      &erroff, NULL);
	if (!c->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof msg);
		kv_err(ld, v, erroff, "regex error: %s", (const char *)msg);
		return SIP_ERULE;
	}
	(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE); /* fallback: interpreter */
	if (!negate && !optional)
		r->need |= need;
	pcre2_pattern_info(c->re, PCRE2_INFO_NAMECOUNT, &c->namecount);
	pcre2_pattern_info(c->re, PCRE2_INFO_NAMEENTRYSIZE, &c->nameentry);
	pcre2_pattern_info(c->re, PCRE2_INFO_NAMETABLE, &c->nametable);
	for (uint32_t k = 0; k < c->namecount; k++) {
		const char *nm = (const char *)c->nametable + k * c->nameentry + 2;
		if (add_name(caps, nm, strlen(nm)))
			return SIP_ENOMEM;
	}
	{
		int drc = rules_derive_literals(c, pat, v->val.n);
		if (drc)
			return drc;
	}
	/* Literals shorter than LIT_MAX_STEP + 2 would make the shared scan
	   look at more bytes for every record: such a condition keeps its
	   own check (rules_lit_ok) instead. */
	c->shared = c->nlit > 0 && !negate && !optional && rules_shared_target(id);
	for (int k = 0; c->shared && k < c->nlit; k++) {
		if (c->litn[k] < LIT_MAX_STEP + 2)
			c->shared = 0;
		c->litmask |= rules_lit_bit(c->lit[k], c->litn[k]);
	}
	if (!c->shared)
		c->litmask = 0;
	return SIP_OK;
}

static const char *kv_str(const kv *v)
{
	return v->val.p ? v->val.p : "";
}

/* ---- one [rule] section ------------------------------------------------------
 *
 * section_finish builds a rule from the keys collected for its section in
 * four steps: each key by its handler (key_handlers), the whole-rule
 * checks, the names the texts, key and topology use, and adding (or
 * overriding) the rule.  Errors are reported as they are found and the
 * rule is not added; only SIP_ENOMEM stops the load.
 */

typedef struct build {
	loader *ld;
	sip_rule *r;
	name_list caps;        /* capture names of the patterns */
	name_list used;        /* variables the texts, key and topology use */
	const kv *textkv[2 + 2 * C_NCASES + 4]; /* for the substitution checks */
	size_t ntext;
	const kv *keykv, *topokv, *subjkv;
	int seen_title, seen_sev;
	int bad;
} build;

/* A key's handler: SIP_OK (errors reported, b->bad set) or SIP_ENOMEM. */
typedef int (*key_fn)(build *b, const kv *v, const char *k, const char *s);

static int key_title(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	free(b->r->title);
	if (!(b->r->title = rules_strdup(s)))
		return SIP_ENOMEM;
	b->textkv[b->ntext++] = v;
	b->seen_title = 1;
	return SIP_OK;
}

static int key_severity(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	b->r->severity = sip_severity_parse(s);
	b->seen_sev = 1;
	if (b->r->severity < 0) {
		kv_err(b->ld, v, 0, "bad severity '%s' (info, warning, error, critical)", s);
		b->bad = 1;
	}
	return SIP_OK;
}

/* cause, fix, cause.CASE, fix.CASE */
static int key_text(build *b, const kv *v, const char *k, const char *s)
{
	int isfix = k[0] == 'f';
	const char *dot = strchr(k, '.');
	char **slot = isfix ? &b->r->fix : &b->r->cause;

	if (dot) {
		int ci = -1;
		for (int c = 0; c < C_NCASES; c++)
			if (!strcmp(dot + 1, rules_case_names[c]))
				ci = c;
		if (ci < 0) {
			lerr(b->ld, v->line, v->keycol + (unsigned)(dot - k) + 1,
			     "unknown topology case '%s' (exact, case, parent, child, none, notopology)",
			     dot + 1);
			b->bad = 1;
			return SIP_OK;
		}
		slot = isfix ? &b->r->fix_case[ci] : &b->r->cause_case[ci];
	}
	free(*slot);
	if (!(*slot = rules_strdup(s)))
		return SIP_ENOMEM;
	if (b->ntext < sizeof b->textkv / sizeof b->textkv[0])
		b->textkv[b->ntext++] = v;
	return SIP_OK;
}

static int key_key(build *b, const kv *v, const char *k, const char *s)
{
	(void)k, (void)s;
	b->keykv = v;
	return SIP_OK;
}

static int key_subject(build *b, const kv *v, const char *k, const char *s)
{
	(void)k, (void)s;
	b->subjkv = v;
	return SIP_OK;
}

static int key_confidence(build *b, const kv *v, const char *k, const char *s)
{
	int c = sip_confidence_parse(s);
	(void)k;
	if (c < 0) {
		kv_err(b->ld, v, 0, "unknown confidence '%s' (verified, partial or inferred)", s);
		b->bad = 1;
	} else
		b->r->confidence = c;
	return SIP_OK;
}

static int key_topology(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	b->topokv = v;
	free(b->r->topology);
	return (b->r->topology = rules_strdup(s)) ? SIP_OK : SIP_ENOMEM;
}

static int key_computed(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	if (strcmp(s, SIP_TRUST_COMPUTED)) {
		kv_err(b->ld, v, 0, "unknown computed analysis '%s' (%s)", s,
		       SIP_TRUST_COMPUTED);
		b->bad = 1;
		return SIP_OK;
	}
	free(b->r->computed);
	return (b->r->computed = rules_strdup(s)) ? SIP_OK : SIP_ENOMEM;
}

/* refs may repeat: the URLs are joined with spaces */
static int key_refs(build *b, const kv *v, const char *k, const char *s)
{
	size_t old = b->r->refs ? strlen(b->r->refs) : 0;
	char *nr = realloc(b->r->refs, old + strlen(s) + 2);

	(void)v, (void)k;
	if (!nr)
		return SIP_ENOMEM;
	if (old)
		nr[old++] = ' ';
	strcpy(nr + old, s);
	b->r->refs = nr;
	return SIP_OK;
}

static int key_benign(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	if (!strcmp(s, "yes") || !strcmp(s, "true"))
		b->r->benign = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false"))
		b->r->benign = 0;
	else {
		kv_err(b->ld, v, 0, "bad boolean '%s' (yes or no)", s);
		b->bad = 1;
	}
	return SIP_OK;
}

static int key_prefilter(build *b, const kv *v, const char *k, const char *s)
{
	(void)k;
	if (!*s) {
		kv_err(b->ld, v, 0, "empty prefilter");
		b->bad = 1;
		return SIP_OK;
	}
	free(b->r->prefilter);
	if (!(b->r->prefilter = rules_strdup(s)))
		return SIP_ENOMEM;
	b->r->prefilter_n = strlen(s);
	return SIP_OK;
}

/* kind, level: word lists */
static int key_gate_list(build *b, const kv *v, const char *k, const char *s)
{
	word_ctx wc = { b->ld, v, b->r, 0 };

	for_each_word(s, k[0] == 'k' ? kind_word : level_word, &wc);
	if (wc.bad)
		b->bad = 1;
	else if (!(k[0] == 'k' ? b->r->kind_mask : b->r->level_mask)) {
		kv_err(b->ld, v, 0, "empty %s list", k);
		b->bad = 1;
	}
	return SIP_OK;
}

/* status, diag: number ranges */
static int key_ranges(build *b, const kv *v, const char *k, const char *s)
{
	int st = k[0] == 's';
	int prc = parse_ranges(s, st ? &b->r->status : &b->r->diag,
			       st ? &b->r->nstatus : &b->r->ndiag);

	if (prc == SIP_ENOMEM)
		return SIP_ENOMEM;
	if (prc) {
		kv_err(b->ld, v, 0, "bad number list '%s' (e.g. 403, 480-499)", s);
		b->bad = 1;
	}
	return SIP_OK;
}

/* match.TARGET, not.TARGET, maybe.TARGET */
static int key_cond(build *b, const kv *v, const char *k, const char *s)
{
	int mode = !strncmp(k, "not.", 4) ? 'n' : !strncmp(k, "maybe.", 6) ? 'o' : 'm';
	int crc = compile_cond(b->ld, b->r, v, mode, strchr(k, '.') + 1, &b->caps);

	(void)s;
	if (crc == SIP_ENOMEM)
		return SIP_ENOMEM;
	if (crc)
		b->bad = 1;
	return SIP_OK;
}

/* example.match, example.nomatch */
static int key_example(build *b, const kv *v, const char *k, const char *s)
{
	sip_rule *r = b->r;
	sip_rule_example *ne = realloc(r->ex, (r->nex + 1) * sizeof(*ne));

	if (!ne)
		return SIP_ENOMEM;
	r->ex = ne;
	ne[r->nex].must_match = k[8] == 'm';
	ne[r->nex].line = v->line;
	ne[r->nex].len = v->val.n;
	if (!(ne[r->nex].text = rules_strndup(s, v->val.n)))
		return SIP_ENOMEM;
	r->nex++;
	return SIP_OK;
}

/* Every key of the format (rules/FORMAT.md); prefix: the name ends in '.'
   and a suffix follows. */
static const struct key_handler {
	const char *name;
	int prefix;
	key_fn fn;
} key_handlers[] = {
	{ "title", 0, key_title },         { "severity", 0, key_severity },
	{ "cause", 0, key_text },          { "fix", 0, key_text },
	{ "cause.", 1, key_text },         { "fix.", 1, key_text },
	{ "key", 0, key_key },             { "topology", 0, key_topology },
	{ "computed", 0, key_computed },   { "refs", 0, key_refs },
	{ "benign", 0, key_benign },       { "prefilter", 0, key_prefilter },
	{ "subject", 0, key_subject },     { "confidence", 0, key_confidence },
	{ "kind", 0, key_gate_list },      { "level", 0, key_gate_list },
	{ "status", 0, key_ranges },       { "diag", 0, key_ranges },
	{ "match.", 1, key_cond },         { "not.", 1, key_cond },
	{ "maybe.", 1, key_cond },
	{ "example.match", 0, key_example }, { "example.nomatch", 0, key_example },
	{ NULL, 0, NULL }
};

static key_fn find_key(const char *k)
{
	for (const struct key_handler *h = key_handlers; h->name; h++)
		if (h->prefix ? !strncmp(k, h->name, strlen(h->name))
			      : !strcmp(k, h->name))
			return h->fn;
	return NULL;
}

/* A key given twice (example.* and refs may repeat): reported, skipped. */
static void mark_duplicate_keys(build *b)
{
	loader *ld = b->ld;

	for (size_t i = 0; i < ld->nkv; i++) {
		if (!strncmp(ld->kvs[i].key, "example.", 8) || !strcmp(ld->kvs[i].key, "refs"))
			continue;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ld->kvs[i].key, ld->kvs[j].key)) {
				lerr(ld, ld->kvs[i].line, ld->kvs[i].keycol,
				     "duplicate key '%s' (first at line %llu)",
				     ld->kvs[i].key, (unsigned long long)ld->kvs[j].line);
				ld->kvs[i].dup = 1;
				b->bad = 1;
				break;
			}
	}
}

static int apply_keys(build *b)
{
	loader *ld = b->ld;

	for (size_t i = 0; i < ld->nkv; i++) {
		const kv *v = &ld->kvs[i];
		const char *k = v->key;
		key_fn fn;

		if (v->dup)
			continue;
		if (v->heredoc && strncmp(k, "example.", 8)) {
			lerr(ld, v->line, v->keycol, "'%s' cannot take a <<block", k);
			b->bad = 1;
			continue;
		}
		if (!(fn = find_key(k))) {
			lerr(ld, v->line, v->keycol, "unknown key '%s'", k);
			b->bad = 1;
			continue;
		}
		if (fn(b, v, k, kv_str(v)))
			return SIP_ENOMEM;
	}
	return SIP_OK;
}

/* Required keys, and the checks that need the whole rule. */
static void check_rule(build *b)
{
	loader *ld = b->ld;
	sip_rule *r = b->r;
	int has_cond = r->kind_mask || r->level_mask || r->nstatus || r->ndiag ||
		       r->prefilter;

	for (size_t i = 0; i < r->nconds; i++)
		has_cond |= !r->conds[i].optional;   /* maybe. alone matches all */

	if (!b->seen_title) {
		lerr(ld, r->line, 1, "rule '%s': missing required key 'title'", r->id);
		b->bad = 1;
	}
	if (!b->seen_sev) {
		lerr(ld, r->line, 1, "rule '%s': missing required key 'severity'", r->id);
		b->bad = 1;
	}
	for (int f = 0; f < 2; f++) {
		char **gen = f ? &r->fix : &r->cause;
		char **cs = f ? r->fix_case : r->cause_case;
		int all = r->topology != NULL;
		for (int c = 0; c < C_NCASES; c++)
			if (!cs[c])
				all = 0;
		if (!*gen && !all) {
			lerr(ld, r->line, 1, "rule '%s': missing required key '%s'", r->id,
			     f ? "fix" : "cause");
			b->bad = 1;
		}
		for (int c = 0; c < C_NCASES && !r->topology; c++)
			if (cs[c]) {
				lerr(ld, r->line, 1, "rule '%s': '%s.%s' needs 'topology ='",
				     r->id, f ? "fix" : "cause", rules_case_names[c]);
				b->bad = 1;
				break;
			}
	}
	if (r->computed && has_cond) {
		lerr(ld, r->line, 1, "rule '%s': a computed rule takes no condition", r->id);
		b->bad = 1;
	} else if (!r->computed && !has_cond) {
		lerr(ld, r->line, 1, "rule '%s': no condition (match., not., kind, level, status, diag)", r->id);
		b->bad = 1;
	}
}

/* A list of variable names (key, subject): known, not topo.*, stored in
   *names and used. */
static int resolve_list(build *b, const kv *v, const char *what, char ***names, size_t *n)
{
	const char *s = kv_str(v);
	size_t i = 0;

	while (s[i]) {
		size_t st;
		char **nk;
		while (s[i] == ' ' || s[i] == ',' || s[i] == '\t')
			i++;
		st = i;
		while (s[i] && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i == st)
			continue;
		if (!known_var(b->r, &b->caps, s + st, i - st) || !strncmp(s + st, "topo.", 5)) {
			char tmp[128];
			snprintf(tmp, sizeof tmp, "%.*s", (int)(i - st > 100 ? 100 : i - st), s + st);
			kv_err(b->ld, v, st, "unknown %s variable '%s'", what, tmp);
			b->bad = 1;
			continue;
		}
		if (!(nk = realloc(*names, (*n + 1) * sizeof(*nk))))
			return SIP_ENOMEM;
		*names = nk;
		if (!(nk[*n] = rules_strndup(s + st, i - st)))
			return SIP_ENOMEM;
		(*n)++;
		if (add_name(&b->used, s + st, i - st))
			return SIP_ENOMEM;
	}
	return SIP_OK;
}

/* Substitutions, key and topology names; then the variables a match
   serialises (every name used but topo.*). */
static int resolve_names(build *b)
{
	sip_rule *r = b->r;

	for (size_t t = 0; t < b->ntext; t++)
		check_subst(b->ld, r, b->textkv[t], &b->caps, &b->used, &b->bad);
	if (b->keykv && resolve_list(b, b->keykv, "key", &r->key, &r->nkey))
		return SIP_ENOMEM;
	if (b->subjkv && resolve_list(b, b->subjkv, "subject", &r->subject, &r->nsubject))
		return SIP_ENOMEM;
	if (b->topokv) {
		const char *s = kv_str(b->topokv);
		if (!known_var(r, &b->caps, s, strlen(s)) || !strncmp(s, "topo.", 5)) {
			kv_err(b->ld, b->topokv, 0, "unknown topology variable '%s'", s);
			b->bad = 1;
		} else if (add_name(&b->used, s, strlen(s)))
			return SIP_ENOMEM;
	}
	if (b->bad)
		return SIP_OK;
	for (size_t i = 0; i < b->used.n; i++) {
		var_ref *nv;
		const char *sub;
		int id;
		unsigned need;
		if (!strncmp(b->used.v[i], "topo.", 5))
			continue;
		if (!(nv = realloc(r->vars, (r->nvars + 1) * sizeof(*nv))))
			return SIP_ENOMEM;
		r->vars = nv;
		nv = &r->vars[r->nvars];
		memset(nv, 0, sizeof(*nv));
		nv->target = -1;
		if (!(nv->name = rules_strdup(b->used.v[i])))
			return SIP_ENOMEM;
		r->nvars++;
		if (parse_target(b->used.v[i], &id, &sub, &need)) {
			nv->target = id;
			if (sub && !(nv->sub = rules_strdup(sub)))
				return SIP_ENOMEM;
		}
	}
	return SIP_OK;
}

/* Add *rp to the set, or override the rule of an earlier layer with its
   id (a second one in the same layer is an error).  Takes *rp on success
   (sets it NULL). */
static int add_rule(build *b, sip_rule **rp)
{
	sip_rules *rs = b->ld->rs;
	sip_rule *r = *rp;
	size_t k;

	if (rules_idx_reserve(rs))
		return SIP_ENOMEM;
	k = rules_id_slot(rs, r->id);
	if (rs->idx[k]) {
		size_t i = rs->idx[k] - 1;
		sip_rule *o = rs->r[i];
		if (o->layer == r->layer) {
			lerr(b->ld, r->line, 7, "duplicate id '%s' (first defined at %s:%llu)",
			     r->id, o->file, (unsigned long long)o->line);
			b->bad = 1;
			return SIP_OK;
		}
		rules_rule_free(o);
		rs->r[i] = r;
		*rp = NULL;
		return SIP_OK;
	}
	if (rs->n >= UINT32_MAX - 1)
		return SIP_ENOMEM;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		sip_rule **nr = realloc(rs->r, cap * sizeof(*nr));
		if (!nr)
			return SIP_ENOMEM;
		rs->r = nr;
		rs->cap = cap;
	}
	rs->r[rs->n] = r;
	rs->idx[k] = (uint32_t)(rs->n + 1);
	rs->n++;
	*rp = NULL;
	return SIP_OK;
}

/* Build a rule from the collected section; on error nothing is added. */
static int section_finish(loader *ld)
{
	build b;
	sip_rule *r;
	int rc = SIP_OK;

	if (!ld->id)
		return SIP_OK;
	memset(&b, 0, sizeof b);
	b.ld = ld;
	if (!(r = b.r = calloc(1, sizeof(*r))) || !(r->id = rules_strdup(ld->id)) ||
	    !(r->file = rules_strdup(ld->file))) {
		rc = SIP_ENOMEM;
		goto out;
	}
	r->line = ld->line;
	r->layer = ld->rs->layer;
	r->severity = -1;

	mark_duplicate_keys(&b);
	if ((rc = apply_keys(&b)) || b.bad)
		goto out;
	check_rule(&b);
	if (b.bad || (rc = resolve_names(&b)) || b.bad)
		goto out;
	/* the fast path's view of the gates and conditions */
	r->req = r->need | (r->ndiag ? N_DIAG : 0u) | (r->nstatus ? N_STATUS : 0u);
	for (size_t i = 0; i < r->nconds && r->nlitreq < 4; i++)
		if (r->conds[i].shared && !r->conds[i].negate)
			r->litreq[r->nlitreq++] = r->conds[i].litmask;
	rc = add_rule(&b, &r);
out:
	rules_rule_free(r);
	free_names(&b.caps);
	free_names(&b.used);
	section_clear(ld);
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int sip_rules_add_text(sip_rules *rs, const char *name, const char *text,
		       size_t len, sip_rules_errors *err, sip_diag *diag)
{
	loader ld = { 0 };
	size_t i = 0;
	uint64_t lineno = 0;
	kv *last = NULL;          /* value that a continuation line extends */
	kv *doc = NULL;           /* open <<block */
	char term[64] = "";
	uint64_t doc_line = 0;
	unsigned doc_col = 0;
	int rc = SIP_OK;

	ld.rs = rs;
	ld.file = name ? name : "";
	ld.err = err;
	ld.diag = diag;
	/* the catalogue's identity: every text, in order (a rule file that
	   moved is the same catalogue) */
	for (size_t k = 0; k < len; k++)
		rs->text_hash = (rs->text_hash ^ (unsigned char)text[k]) * 0x100000001b3ull;
	rs->text_hash = (rs->text_hash ^ 0xffu) * 0x100000001b3ull;
	if (name && strncmp(name, "builtin:", 8)) {
		struct rules_text *nt = realloc(rs->texts, (rs->ntexts + 1) * sizeof(*nt));
		if (!nt)
			return sip_diag_set(diag, SIP_ENOMEM, name, 0, "out of memory");
		rs->texts = nt;
		if (!(nt[rs->ntexts].name = rules_strdup(name)) ||
		    !(nt[rs->ntexts].text = rules_strndup(text, len))) {
			free(nt[rs->ntexts].name);
			return sip_diag_set(diag, SIP_ENOMEM, name, 0, "out of memory");
		}
		nt[rs->ntexts++].len = len;
	}
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < len) {
		const char *p = text + i, *eol = memchr(p, '\n', len - i);
		size_t n = eol ? (size_t)(eol - p) : len - i, s = 0, e;
		i += n + (eol ? 1 : 0);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (doc) {
			if (n == strlen(term) && !memcmp(p, term, n)) {
				doc = NULL;
				continue;
			}
			if (sip_buf_add(&doc->val, p, n) || sip_buf_addc(&doc->val, '\n')) {
				rc = SIP_ENOMEM;
				goto out;
			}
			continue;
		}
		while (s < n && is_blank(p[s]))
			s++;
		if (s == n) {
			last = NULL;
			continue;
		}
		if (p[s] == '#')
			continue;
		if (s > 0 && last) {
			e = n;
			while (e > s && is_blank(p[e - 1]))
				e--;
			if (sip_buf_addc(&last->val, ' ') ||
			    kv_add_seg(last, lineno, (unsigned)s + 1) ||
			    sip_buf_add(&last->val, p + s, e - s)) {
				rc = SIP_ENOMEM;
				goto out;
			}
			continue;
		}
		if (s > 0) {
			lerr(&ld, lineno, (unsigned)s + 1, "continuation line without a value to continue");
			continue;
		}
		last = NULL;
		if (p[0] == '[') {
			const char *close = memchr(p, ']', n);
			size_t a = 1, b;
			rc = section_finish(&ld);
			if (rc)
				goto out;
			if (!close || (size_t)(close - p) + 1 != n) {
				lerr(&ld, lineno, 1, "expected [rule ID]");
				continue;
			}
			b = (size_t)(close - p);
			if (b - a < 5 || memcmp(p + 1, "rule", 4) || !is_blank(p[5])) {
				lerr(&ld, lineno, 2, "expected [rule ID]");
				continue;
			}
			a = 5;
			while (a < b && is_blank(p[a]))
				a++;
			while (b > a && is_blank(p[b - 1]))
				b--;
			if (!(ld.id = rules_strndup(p + a, b - a))) {
				rc = SIP_ENOMEM;
				goto out;
			}
			if (!valid_id(ld.id)) {
				lerr(&ld, lineno, (unsigned)a + 1,
				     "bad rule id '%s' (letters, digits, - _ . ; at most 64)", ld.id);
				free(ld.id);
				ld.id = NULL;
				continue;
			}
			ld.line = lineno;
			continue;
		}
		{
			const char *eq = memchr(p, '=', n);
			size_t kn, vs, ve;
			kv *v;
			if (!eq) {
				lerr(&ld, lineno, 1, "expected 'key = value'");
				continue;
			}
			kn = (size_t)(eq - p);
			while (kn && is_blank(p[kn - 1]))
				kn--;
			if (!kn) {
				lerr(&ld, lineno, 1, "missing key before '='");
				continue;
			}
			if (!ld.id) {
				lerr(&ld, lineno, 1, "'%.*s' outside a [rule] section", (int)kn, p);
				continue;
			}
			vs = (size_t)(eq - p) + 1;
			while (vs < n && is_blank(p[vs]))
				vs++;
			ve = n;
			while (ve > vs && is_blank(p[ve - 1]))
				ve--;
			if (!(v = kv_new(&ld, p, kn, lineno, 1)) ||
			    kv_add_seg(v, lineno, (unsigned)vs + 1)) {
				rc = SIP_ENOMEM;
				goto out;
			}
			if (ve - vs > 2 && !memcmp(p + vs, "<<", 2)) {
				size_t tn = ve - vs - 2;
				if (tn >= sizeof term) {
					lerr(&ld, lineno, (unsigned)vs + 1, "terminator word too long");
					continue;
				}
				memcpy(term, p + vs + 2, tn);
				term[tn] = 0;
				v->heredoc = 1;
				doc = v;
				doc_line = lineno;
				doc_col = (unsigned)vs + 1;
				continue;
			}
			if (sip_buf_add(&v->val, p + vs, ve - vs)) {
				rc = SIP_ENOMEM;
				goto out;
			}
			last = v;
		}
	}
	if (doc) {
		lerr(&ld, doc_line, doc_col, "unterminated example: no line '%s' before the end of the file", term);
		/* drop the open block so the section is not half-read */
		free(doc->key);
		sip_buf_release(&doc->val);
		free(doc->segs);
		ld.nkv--;
	}
	rc = section_finish(&ld);
out:
	section_clear(&ld);
	free(ld.kvs);
	if (rc == SIP_OK && ld.nerr)
		rc = SIP_ERULE;
	if (rc == SIP_ENOMEM)
		sip_diag_set(diag, SIP_ENOMEM, ld.file, lineno, "out of memory loading rules");
	/* Refresh the literal index (on failure the shared checks are off)
	   and the match-data size. */
	rs->version++;
	if (rules_lit_index_build(rs) && rc == SIP_OK)
		rc = SIP_ENOMEM, sip_diag_set(diag, SIP_ENOMEM, ld.file, lineno, "out of memory loading rules");
	for (size_t k = 0; k < rs->n; k++)
		for (size_t c = 0; c < rs->r[k]->nconds; c++) {
			uint32_t cc = 0;
			pcre2_pattern_info(rs->r[k]->conds[c].re, PCRE2_INFO_CAPTURECOUNT, &cc);
			if (cc + 1 > rs->max_groups)
				rs->max_groups = cc + 1;
		}
	return rc;
}

int sip_rules_add_builtin(sip_rules *rs, sip_rules_errors *err, sip_diag *diag)
{
	int rc = SIP_OK;
	sip_rules_new_layer(rs);
	for (const sip_builtin_rule *b = sip_builtin_rules; b->name; b++) {
		char name[300];
		int r1;
		snprintf(name, sizeof name, "builtin:%s", b->name);
		r1 = sip_rules_add_text(rs, name, b->text, b->len, err, diag);
		if (r1 == SIP_ENOMEM)
			return r1;
		if (r1 && !rc)
			rc = r1;
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, char **out, size_t *outn, sip_diag *diag)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, got;
	int rc = SIP_OK;

	if (!fp)
		return sip_diag_set(diag, SIP_EIO, path, 0, "cannot open rule file");
	if (!(buf = malloc(RULE_MAX_FILE + 1))) {
		rc = SIP_ENOMEM;
		goto out;
	}
	while ((got = fread(buf + n, 1, RULE_MAX_FILE - n, fp)) > 0)
		n += got;
	if (n == RULE_MAX_FILE) {
		rc = sip_diag_set(diag, SIP_ERULE, path, 0, "rule file larger than 16 MB");
		goto out;
	}
	if (ferror(fp)) {
		rc = sip_diag_set(diag, SIP_EIO, path, 0, "read error");
		goto out;
	}
	buf[n] = 0;
	*out = buf;
	*outn = n;
	buf = NULL;
out:
	free(buf);
	fclose(fp);
	return rc;
}

int sip_rules_add_dir(sip_rules *rs, const char *dir, sip_rules_errors *err,
		      sip_diag *diag)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = SIP_OK;

	if (!d)
		return sip_diag_set(diag, SIP_EIO, dir, 0, "cannot open rules directory");
	sip_rules_new_layer(rs);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nn;
		if (l < 7 || strcmp(de->d_name + l - 6, ".rules") || de->d_name[0] == '.')
			continue;
		if (!(nn = realloc(names, (n + 1) * sizeof(*nn))) ||
		    !(nn[n] = rules_strdup(de->d_name))) {
			if (nn)
				names = nn;
			rc = SIP_ENOMEM;
			goto out;
		}
		names = nn;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096], *text = NULL;
		size_t len = 0;
		int r1;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		{
			/* a FIFO or a device named *.rules would block the
			   read, or never end */
			struct stat sb;
			if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
				rc = sip_diag_set(diag, SIP_ERULE, path, 0,
						  "not a regular file: not read");
				if (err && err->fn)
					err->fn(err->ctx, diag);
				if (err)
					err->count++;
				continue;
			}
		}
		r1 = read_file(path, &text, &len, diag);
		if (r1 == SIP_ERULE && err) {
			/* over the size cap: an error of the file, reported like
			   the others (not "0 errors") */
			if (err->fn)
				err->fn(err->ctx, diag);
			err->count++;
		}
		if (!r1)
			r1 = sip_rules_add_text(rs, path, text, len, err, diag);
		free(text);
		if (r1 == SIP_ENOMEM || r1 == SIP_EIO) {
			rc = r1;
			goto out;
		}
		if (r1 && !rc)
			rc = r1;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

