/*
 * rules_render.c -- a rule's title, cause and fix with the variables of a
 * match and, for topology rules, the case the topology comparison chose.
 */
#include "rules_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- rendering -------------------------------------------------------------- */

/* Find "name" in the flat JSON object vars; decode its string value into
   out.  Returns 1 if found. */
static int json_get(const char *vars, const char *name, size_t nn, sip_buf *out)
{
	const char *p = vars;
	if (!p)
		return 0;
	while (*p && *p != '{')
		p++;
	if (*p)
		p++;
	for (;;) {
		const char *ks;
		size_t kl;
		int match;
		while (*p == ' ' || *p == ',')
			p++;
		if (*p != '"')
			return 0;
		ks = ++p;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		if (!*p)
			return 0;
		kl = (size_t)(p - ks);
		match = kl == nn && !memcmp(ks, name, nn);
		p++;
		while (*p == ' ' || *p == ':')
			p++;
		if (*p != '"')
			return 0;
		p++;
		while (*p && *p != '"') {
			char ch = *p;
			if (ch == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				case 'r': ch = '\r'; break;
				case 'b': ch = '\b'; break;
				case 'f': ch = '\f'; break;
				case 'u': {
					unsigned cp = 0;
					int k;
					for (k = 1; k <= 4 && isxdigit((unsigned char)p[k]); k++)
						cp = cp * 16 + (unsigned)(isdigit((unsigned char)p[k]) ? p[k] - '0' : (tolower((unsigned char)p[k]) - 'a' + 10));
					p += k - 1;
					if (match) {
						char u[4];
						size_t un;
						if (cp < 0x80) u[0] = (char)cp, un = 1;
						else if (cp < 0x800) u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), un = 2;
						else u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)), un = 3;
						if (sip_buf_add(out, u, un))
							return 1;
					}
					p++;
					continue;
				}
				default: ch = *p; break;
				}
			}
			if (match && sip_buf_addc(out, ch))
				return 1;
			p++;
		}
		if (match)
			return 1;
		if (*p)
			p++;
	}
}

/*
 * The value of {nm} (nn bytes) appended to out; 0 when it has none (absent
 * or empty), then out is as it was.
 */
static int put_var(const char *nm, size_t nn, const char *vars,
		   const sip_topo_result *tr, int tcase, sip_buf *out, int *rc)
{
	size_t before = out->n;

	*rc = SIP_OK;
	if (nn == 10 && !memcmp(nm, "topo.entry", 10)) {
		if (!tr->entry || !*tr->entry)
			return 0;
		*rc = sip_buf_adds(out, tr->entry);
		return 1;
	}
	if (nn == 10 && !memcmp(nm, "topo.match", 10)) {
		if (tcase < 0)
			return 0;
		*rc = sip_buf_adds(out, rules_case_names[tcase]);
		return 1;
	}
	if (!json_get(vars, nm, nn, out) || out->n == before) {
		out->n = before;
		if (out->p)
			out->p[before] = 0;
		return 0;
	}
	return 1;
}

/*
 * After a value was left out: no run of blanks, no blank before , . ; : )
 * or after (, and no empty () '' "" left behind.
 */
static void tidy(sip_buf *b, size_t from)
{
	size_t w = from;

	for (size_t r = from; r < b->n; r++) {
		char c = b->p[r];
		if (c == ' ' && (w == from || b->p[w - 1] == ' ' || b->p[w - 1] == '('))
			continue;
		if (strchr(",.;:)", c) && w > from && b->p[w - 1] == ' ' &&
		    !(c == '.' && r + 1 < b->n && b->p[r + 1] != ' '))
			w--;
		if (c == '.' && w > from && (b->p[w - 1] == ',' || b->p[w - 1] == ';'))
			w--;   /* "is," + "." */
		if (((c == ')' && w > from && b->p[w - 1] == '(') ||
		     (c == '\'' && w > from && b->p[w - 1] == '\'') ||
		     (c == '"' && w > from && b->p[w - 1] == '"'))) {
			w--;
			while (w > from && b->p[w - 1] == ' ' && r + 1 < b->n && b->p[r + 1] == ' ')
				w--;
			continue;
		}
		b->p[w++] = c;
	}
	while (w > from && b->p[w - 1] == ' ')
		w--;
	b->n = w;
	if (b->p)
		b->p[w] = 0;
}

/*
 * Render tmpl: {name} is the variable's value, {{ a literal {, and
 * {?phrase} the phrase only when every variable in it has a value.  A
 * variable without one outside such a phrase is left out, and the text
 * tidied where it stood: no ? and no empty quotes reach a reader.
 */
static int render_text(const char *tmpl, const char *vars, const sip_topo_result *tr,
		       int tcase, sip_buf *out)
{
	size_t start = out->n, group = 0;   /* 1 + out->n where {? began */
	int group_ok = 1, missing = 0, rc;

	for (const char *p = tmpl; *p; p++) {
		const char *e;
		if (*p == '}' && group) {
			if (!group_ok) {
				out->n = group - 1;
				if (out->p)
					out->p[out->n] = 0;
				missing = 1;
			}
			group = 0;
			continue;
		}
		if (*p == '{' && p[1] == '{') {
			if (sip_buf_addc(out, '{'))
				return SIP_ENOMEM;
			p++;
			continue;
		}
		if (*p == '{' && p[1] == '?' && !group) {
			group = out->n + 1;
			group_ok = 1;
			p++;
			continue;
		}
		if (*p != '{' || !(e = strchr(p, '}'))) {
			if (sip_buf_addc(out, *p))
				return SIP_ENOMEM;
			continue;
		}
		{
			const char *bar = memchr(p + 1, '|', (size_t)(e - p - 1));
			size_t nl = bar ? (size_t)(bar - p - 1) : (size_t)(e - p - 1);
			if (!put_var(p + 1, nl, vars, tr, tcase, out, &rc) && !rc) {
				if (bar) {   /* {name|text}: the text instead */
					size_t at = out->n;
					rc = sip_buf_add(out, bar + 1, (size_t)(e - bar - 1));
					/* capitalised where a sentence starts */
					if (!rc && out->n > at && out->p[at] >= 'a' && out->p[at] <= 'z' &&
					    (at == start || (at >= start + 2 && out->p[at - 1] == ' ' &&
							     (out->p[at - 2] == '.' || out->p[at - 2] == ' '))))
						out->p[at] = (char)(out->p[at] - 'a' + 'A');
				}
				else if (group)
					group_ok = 0;
				else
					missing = 1;
			}
		}
		if (rc)
			return SIP_ENOMEM;
		p = e;
	}
	if (missing)
		tidy(out, start);
	return sip_buf_add(out, "", 0);
}

int sip_rule_render(const sip_rule *ru, int which, const char *vars,
		    const sip_topology *topo, sip_buf *out)
{
	const char *tmpl;
	sip_topo_result tr = { SIP_TOPO_NONE, NULL };
	int tcase = -1;
	sip_buf tv;

	sip_buf_init(&tv, 4096);
	if (ru->topology) {
		if (!topo || !sip_topology_count(topo))
			tcase = C_NOTOPO;
		else if (json_get(vars, ru->topology, strlen(ru->topology), &tv) && tv.n) {
			static const int map[] = { C_NONE, C_CASE, C_PARENT, C_CHILD, C_EXACT };
			sip_topology_compare(topo, tv.p, tv.n, &tr);
			tcase = map[tr.match];
		}
	}
	sip_buf_release(&tv);
	if (which == SIP_TEXT_TITLE)
		tmpl = ru->title;
	else {
		char *const *cs = which == SIP_TEXT_FIX ? ru->fix_case : ru->cause_case;
		tmpl = which == SIP_TEXT_FIX ? ru->fix : ru->cause;
		if (tcase >= 0 && cs[tcase])
			tmpl = cs[tcase];
	}
	if (!tmpl)
		tmpl = "";
	return render_text(tmpl, vars, &tr, tcase, out);
}

int sip_rule_key_json(const sip_rule *ru, const char *vars, sip_buf *out)
{
	sip_buf v;
	int rc = SIP_OK;

	sip_buf_init(&v, 64 * 1024);
	if (sip_buf_addc(out, '{'))
		rc = SIP_ENOMEM;
	for (size_t k = 0; k < ru->nkey && !rc; k++) {
		sip_buf_reset(&v);
		if ((k && sip_buf_addc(out, ',')) ||
		    sip_buf_json_str(out, ru->key[k], strlen(ru->key[k])) ||
		    sip_buf_addc(out, ':'))
			rc = SIP_ENOMEM;
		else if (json_get(vars, ru->key[k], strlen(ru->key[k]), &v))
			rc = sip_buf_json_str(out, v.p ? v.p : "", v.n);
		else
			rc = sip_buf_adds(out, "null");
	}
	if (!rc)
		rc = sip_buf_addc(out, '}');
	sip_buf_release(&v);
	return rc;
}


int sip_vars_get(const char *vars, const char *name, sip_buf *out)
{
	sip_buf_reset(out);
	return json_get(vars, name, strlen(name), out) && out->n > 0;
}

size_t sip_rule_nkey(const sip_rule *ru) { return ru->nkey; }
size_t sip_rule_nvars(const sip_rule *ru) { return ru->nvars; }
const char *sip_rule_var_at(const sip_rule *ru, size_t i) { return i < ru->nvars ? ru->vars[i].name : NULL; }
const char *sip_rule_key_at(const sip_rule *ru, size_t i) { return i < ru->nkey ? ru->key[i] : NULL; }

int sip_rule_subject(const sip_rule *ru, const char *vars, sip_buf *out)
{
	char *const *names = ru->nsubject ? ru->subject : ru->key;
	size_t n = ru->nsubject ? ru->nsubject : ru->nkey;

	for (size_t i = 0; i < n; i++)
		if (sip_vars_get(vars, names[i], out))
			return 1;
	sip_buf_reset(out);
	return 0;
}

const char *sip_rule_template(const sip_rule *ru, int which, int tcase)
{
	if (which == SIP_TEXT_TITLE)
		return ru->title;
	if (tcase >= 0 && tcase < C_NCASES)
		return which == SIP_TEXT_FIX ? ru->fix_case[tcase] : ru->cause_case[tcase];
	return which == SIP_TEXT_FIX ? ru->fix : ru->cause;
}

const char *sip_rule_case_name(int tcase)
{
	return tcase >= 0 && tcase < C_NCASES ? rules_case_names[tcase] : NULL;
}

int sip_rule_ncases(void)
{
	return C_NCASES;
}

const char *sip_rule_topology_var(const sip_rule *ru)
{
	return ru->topology;
}

size_t sip_rule_nsubject(const sip_rule *ru) { return ru->nsubject; }
const char *sip_rule_subject_at(const sip_rule *ru, size_t i) { return i < ru->nsubject ? ru->subject[i] : NULL; }
