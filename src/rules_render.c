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
	for (const char *p = tmpl; *p; p++) {
		const char *e;
		if (*p == '{' && p[1] == '{') {
			if (sip_buf_addc(out, '{'))
				return SIP_ENOMEM;
			p++;
			continue;
		}
		if (*p != '{' || !(e = strchr(p, '}'))) {
			if (sip_buf_addc(out, *p))
				return SIP_ENOMEM;
			continue;
		}
		{
			const char *nm = p + 1;
			size_t nn = (size_t)(e - nm), before = out->n;
			int rc = SIP_OK;
			if (nn == 10 && !memcmp(nm, "topo.entry", 10))
				rc = sip_buf_adds(out, tr.entry ? tr.entry : "?");
			else if (nn == 10 && !memcmp(nm, "topo.match", 10))
				rc = sip_buf_adds(out, tcase >= 0 ? rules_case_names[tcase] : "?");
			else if (!json_get(vars, nm, nn, out)) {
				out->n = before;
				rc = sip_buf_addc(out, '?');
			}
			if (rc)
				return SIP_ENOMEM;
			p = e;
		}
	}
	return sip_buf_add(out, "", 0);
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

