/*
 * redact.c -- stable aliases for addresses and names (see redact.h).
 */
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

enum { K_IP, K_USER, K_HOST, K_SERVER, K_N };

typedef struct alias {
	char *from;            /* lower case */
	int kind, n;
} alias;

struct sip_redactor {
	alias *v;
	size_t n, cap;
	int next[K_N];
	char **names;          /* the servers to replace wherever they stand */
	size_t nnames;
	char **keep;           /* URLs kept as they are (the references) */
	size_t nkeep;
};

int sip_redactor_keep(sip_redactor *r, const char *url)
{
	char **nk;

	if (!(nk = realloc(r->keep, (r->nkeep + 1) * sizeof *nk)))
		return SIP_ENOMEM;
	r->keep = nk;
	if (!(nk[r->nkeep] = strdup(url)))
		return SIP_ENOMEM;
	r->nkeep++;
	return SIP_OK;
}

sip_redactor *sip_redactor_new(void)
{
	return calloc(1, sizeof(sip_redactor));
}

void sip_redactor_free(sip_redactor *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].from);
	free(r->v);
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	for (size_t i = 0; i < r->nkeep; i++)
		free(r->keep[i]);
	free(r->keep);
	free(r);
}

int sip_redactor_add_name(sip_redactor *r, const char *name)
{
	char **nn;

	if (!name || strlen(name) < 3)
		return SIP_OK;
	if (!(nn = realloc(r->names, (r->nnames + 1) * sizeof *nn)))
		return SIP_ENOMEM;
	r->names = nn;
	if (!(nn[r->nnames] = strdup(name)))
		return SIP_ENOMEM;
	r->nnames++;
	return SIP_OK;
}

/* The alias number of s (n bytes) of kind k: the same s, the same number
   (a linear search: a report names hundreds of values, not millions). */
static int alias_of(sip_redactor *r, const char *s, size_t n, int k)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind == k && strlen(r->v[i].from) == n &&
		    !strncasecmp(r->v[i].from, s, n))
			return r->v[i].n;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		alias *nv = realloc(r->v, cap * sizeof *nv);
		if (!nv)
			return -1;
		r->v = nv;
		r->cap = cap;
	}
	if (!(r->v[r->n].from = malloc(n + 1)))
		return -1;
	memcpy(r->v[r->n].from, s, n);
	r->v[r->n].from[n] = 0;
	r->v[r->n].kind = k;
	r->v[r->n].n = ++r->next[k];
	return r->v[r->n++].n;
}

/* A file name's extension, not a domain's last label. */
static int is_file_ext(const char *s, size_t n)
{
	static const char *const ext[] = { "cpp", "c", "h", "cs", "log", "gz", "txt", "dll",
		"exe", "xml", "json", "html", "htm", "zip", "etl", "csv", "uccapilog", "rules",
		"db", "sql", "ps1", "md", NULL };
	for (int i = 0; ext[i]; i++)
		if (strlen(ext[i]) == n && !strncasecmp(s, ext[i], n))
			return 1;
	return 0;
}

static int host_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* An IPv4 address at s: its length, else 0. */
static size_t ipv4_at(const char *s, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t d = 0;
		if (part && (i >= n || s[i++] != '.'))
			return 0;
		while (i < n && isdigit((unsigned char)s[i]) && d < 4)
			i++, d++;
		if (!d || d > 3)
			return 0;
	}
	if (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'))
		return 0;
	return i;
}

int sip_redact(sip_redactor *r, const char *in, size_t n, sip_buf *out)
{
	size_t i = 0;

	while (i < n) {
		const char *p = in + i;
		size_t left = n - i, m, k;
		int before = i ? (unsigned char)in[i - 1] : ' ', a;

		/* a URL: a reference as it is; another one with its host
		   aliased (the rest of it is redacted as any text) */
		if ((left > 7 && !strncmp(p, "http://", 7)) || (left > 8 && !strncmp(p, "https://", 8))) {
			size_t h = p[4] == 's' ? 8 : 7, e;
			for (m = 0; m < left && !isspace((unsigned char)p[m]) && p[m] != '"' &&
			     p[m] != '<' && p[m] != '\'' && p[m] != ')' && p[m] != '&'; m++)
				;
			for (k = 0; k < r->nkeep; k++)
				if (strlen(r->keep[k]) == m && !strncmp(r->keep[k], p, m))
					break;
			if (k < r->nkeep) {
				if (sip_buf_add(out, p, m))
					return SIP_ENOMEM;
				i += m;
				continue;
			}
			for (e = h; e < m && p[e] != '/' && p[e] != ':' && p[e] != '?'; e++)
				;
			if ((a = alias_of(r, p + h, e - h, K_HOST)) < 0 || sip_buf_add(out, p, h) ||
			    sip_buf_printf(out, "host%d.example", a))
				return SIP_ENOMEM;
			i += e;
			continue;
		}
		if (!host_char(before) && before != '.') {
			/* a server of the database, a whole word */
			for (k = 0; k < r->nnames; k++) {
				m = strlen(r->names[k]);
				if (m <= left && !strncasecmp(p, r->names[k], m) &&
				    (m == left || (!host_char((unsigned char)p[m]) && p[m] != '.'))) {
					if ((a = alias_of(r, p, m, K_SERVER)) < 0 ||
					    sip_buf_printf(out, "server%d", a))
						return SIP_ENOMEM;
					break;
				}
			}
			if (k < r->nnames) {
				i += m;
				continue;
			}
			/* an IPv4 address */
			if ((m = ipv4_at(p, left))) {
				if ((a = alias_of(r, p, m, K_IP)) < 0 ||
				    sip_buf_printf(out, "192.0.2.%d", a % 254 + 1))
					return SIP_ENOMEM;
				i += m;
				continue;
			}
			/* a word: a user part (before @), a host name (with dots
			   and a letter-only last label), or left as it is */
			for (m = 0; m < left && (host_char((unsigned char)p[m]) || p[m] == '.'); m++)
				;
			while (m && p[m - 1] == '.')
				m--;
			if (m && m < left && p[m] == '@') {
				if ((a = alias_of(r, p, m, K_USER)) < 0 || sip_buf_printf(out, "user%d", a))
					return SIP_ENOMEM;
				i += m;
				continue;
			}
			if (m) {
				const char *dot = memchr(p, '.', m), *last = NULL;
				int letters = 1;
				for (size_t t = 0; t < m; t++)
					if (p[t] == '.')
						last = p + t;
				if (last) {
					for (const char *q = last + 1; q < p + m; q++)
						letters &= isalpha((unsigned char)*q) != 0;
					letters &= p + m - last - 1 >= 2;
				}
				if (letters && last && is_file_ext(last + 1, (size_t)(p + m - last - 1)))
					letters = 0;   /* SIPAdminLog.cpp, trace.log: files */
				if (dot && letters && isalnum((unsigned char)p[0])) {
					if ((a = alias_of(r, p, m, K_HOST)) < 0 ||
					    sip_buf_printf(out, "host%d.example", a))
						return SIP_ENOMEM;
					i += m;
					continue;
				}
				if (sip_buf_add(out, p, m))
					return SIP_ENOMEM;
				i += m;
				continue;
			}
		}
		if (sip_buf_addc(out, *p))
			return SIP_ENOMEM;
		i++;
	}
	return SIP_OK;
}
