/*
 * topology.c -- load topology FQDNs from a plain list or a PowerShell
 * Export-Csv file, and compare a name seen in a trace with them.
 *
 * CSV: the first line may be "#TYPE Microsoft.Rtc....", the next is the
 * header row.  Columns holding names: PoolFqdn, Fqdn, Identity, Pool,
 * Computers, ComputerFqdn (case-insensitive).  A value may hold several
 * names separated by blanks (Computers); each loses its "Word:" prefixes
 * ("TrustedApplicationPool:", "Service:Registrar:").  Values that do not
 * look like host names ("Site:1", "System.Object[]") are skipped.
 *
 * Design note: the topology is small (tens to thousands of names), so the
 * comparison is a linear scan; it runs once per finding, not per record.
 */
#include "topology.h"
#include "hash.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOPO_MAX_FILE (64u * 1024 * 1024)
#define TOPO_MAX_NAME 255
#define TOPO_MAX_COLS 256

typedef struct topo_entry {
	char *fqdn;
	char *kind;
	char *source;
} topo_entry;

struct sip_topology {
	topo_entry *e;
	size_t n, cap;
	uint32_t *idx;     /* open addressing on (fqdn, source): entry index
	                      + 1, 0 = empty; a power of two >= 2n (300,000
	                      entries were quadratic on a linear search) */
	size_t idx_cap;
};

static size_t entry_slot(const sip_topology *t, const char *fqdn, const char *source)
{
	/* fqdn, a 0xff byte (in neither), source */
	uint64_t h = sip_fnv_add_str(sip_fnv_add(sip_fnv_add_str(SIP_FNV_OFFSET, fqdn),
						 "\xff", 1), source);
	size_t mask = t->idx_cap - 1, i;

	for (i = (size_t)h & mask; t->idx[i]; i = (i + 1) & mask) {
		const topo_entry *e = &t->e[t->idx[i] - 1];
		if (!strcmp(e->fqdn, fqdn) && !strcmp(e->source, source))
			break;
	}
	return i;
}

static int index_reserve(sip_topology *t)
{
	size_t cap = t->idx_cap ? t->idx_cap : 64;
	uint32_t *old = t->idx;

	if (t->idx && 2 * (t->n + 1) <= t->idx_cap)
		return 0;
	while (2 * (t->n + 1) > cap)
		cap *= 2;
	if (!(t->idx = calloc(cap, sizeof *t->idx))) {
		t->idx = old;
		return SIP_ENOMEM;
	}
	free(old);
	t->idx_cap = cap;
	for (size_t i = 0; i < t->n; i++)
		t->idx[entry_slot(t, t->e[i].fqdn, t->e[i].source)] = (uint32_t)(i + 1);
	return 0;
}

sip_topology *sip_topology_new(void)
{
	return calloc(1, sizeof(sip_topology));
}

void sip_topology_free(sip_topology *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].fqdn);
		free(t->e[i].kind);
		free(t->e[i].source);
	}
	free(t->e);
	free(t->idx);
	free(t);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Trim blanks, prefixes, ":port", a final '.' from [*p, *p+*n). */
static void normalise(const char **pp, size_t *pn)
{
	const char *p = *pp;
	size_t n = *pn;

	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	/* Prefixes: "Word:" segments whose word has no dot. */
	for (;;) {
		size_t i = 0;
		while (i < n && p[i] != ':' && p[i] != '.')
			i++;
		if (i < n && p[i] == ':' && i > 0 && i + 1 < n &&
		    !isdigit((unsigned char)p[i + 1])) {
			p += i + 1;
			n -= i + 1;
			continue;
		}
		break;
	}
	/* ":port" (digits after the last colon). */
	for (size_t i = n; i > 0; i--) {
		if (p[i - 1] == ':') {
			size_t j = i;
			while (j < n && (isdigit((unsigned char)p[j]) || p[j] == ' '))
				j++;
			if (j == n)
				n = i - 1;
			break;
		}
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n && p[n - 1] == '.')
		n--;
	*pp = p;
	*pn = n;
}

static int looks_like_host(const char *p, size_t n)
{
	int dot = 0, alnum = 0;

	if (!n || n > TOPO_MAX_NAME || p[0] == '.' || p[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '.')
			dot = 1;
		else if (isalnum(c))
			alnum = 1;
		else if (c != '-' && c != '_' && c < 0x80)
			return 0;
	}
	return alnum && dot;
}

int sip_topology_add(sip_topology *t, const char *fqdn, size_t n,
		     const char *kind, const char *source)
{
	char name[TOPO_MAX_NAME + 1];
	topo_entry *e;

	normalise(&fqdn, &n);
	if (!looks_like_host(fqdn, n))
		return SIP_EFORMAT;
	memcpy(name, fqdn, n);
	name[n] = 0;
	if (!source)
		source = "";
	if (!kind)
		kind = "";
	if (index_reserve(t))
		return SIP_ENOMEM;
	if (t->idx[entry_slot(t, name, source)])
		return SIP_OK;
	if (t->n >= UINT32_MAX - 1)
		return SIP_ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		topo_entry *ne = realloc(t->e, cap * sizeof(*ne));
		if (!ne)
			return SIP_ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	e = &t->e[t->n];
	e->fqdn = dup_str(name);
	e->kind = dup_str(kind);
	e->source = dup_str(source);
	if (!e->fqdn || !e->kind || !e->source) {
		free(e->fqdn);
		free(e->kind);
		free(e->source);
		return SIP_ENOMEM;
	}
	t->idx[entry_slot(t, e->fqdn, e->source)] = (uint32_t)(t->n + 1);
	t->n++;
	return SIP_OK;
}

/* Add every blank-separated name of a value. */
static int add_names(sip_topology *t, const char *p, size_t n,
		     const char *kind, const char *source)
{
	size_t i = 0;

	while (i < n) {
		size_t s;
		int rc;
		while (i < n && (isspace((unsigned char)p[i]) || p[i] == ','))
			i++;
		s = i;
		while (i < n && !isspace((unsigned char)p[i]) && p[i] != ',')
			i++;
		if (i > s) {
			rc = sip_topology_add(t, p + s, i - s, kind, source);
			if (rc == SIP_ENOMEM)
				return rc;
		}
	}
	return SIP_OK;
}

/* ---- CSV ------------------------------------------------------------------ */

typedef struct csv_field {
	char *p;     /* unquoted value (in a scratch buffer) */
	size_t n;
} csv_field;

/*
 * Parse one CSV record starting at *pos: fields are unquoted into scratch
 * (at least the input size); returns the number of fields, -1 for an
 * unterminated quote.  Records may span lines inside quotes.
 */
static int csv_record(const char *buf, size_t len, size_t *pos, char *scratch,
		      csv_field *f, int maxf, uint64_t *lineno)
{
	size_t i = *pos, w = 0;
	int nf = 0;

	for (;;) {
		size_t start = w;
		if (i < len && buf[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return -1;
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						scratch[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					(*lineno)++;
				scratch[w++] = buf[i++];
			}
			/* Anything up to the separator is kept as is. */
			while (i < len && buf[i] != ',' && buf[i] != '\n')
				if (buf[i++] != '\r')
					scratch[w++] = buf[i - 1];
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n')
				scratch[w++] = buf[i++];
			while (w > start && scratch[w - 1] == '\r')
				w--;
		}
		if (nf < maxf) {
			f[nf].p = scratch + start;
			f[nf].n = w - start;
			nf++;
		}
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i < len && buf[i] == '\n')
			i++;
		break;
	}
	*pos = i;
	return nf;
}

static int col_kind(const char *name, size_t n, int computer_type,
		    const char **kind)
{
	static const struct { const char *name; int computer; } cols[] = {
		{ "PoolFqdn", 0 }, { "Fqdn", -1 }, { "Identity", -1 },
		{ "Pool", 0 }, { "Computers", 1 }, { "ComputerFqdn", 1 },
		{ NULL, 0 }
	};
	for (int i = 0; cols[i].name; i++) {
		if (strlen(cols[i].name) == n && !strncasecmp(cols[i].name, name, n)) {
			int c = cols[i].computer < 0 ? computer_type : cols[i].computer;
			*kind = c ? "computer" : "pool";
			return 1;
		}
	}
	return 0;
}

static int load_csv(sip_topology *t, const char *buf, size_t len,
		    const char *source, sip_diag *diag)
{
	char *scratch = NULL;
	csv_field *f = NULL;
	const char *kinds[TOPO_MAX_COLS];
	int use[TOPO_MAX_COLS];
	size_t pos = 0;
	uint64_t lineno = 1;
	int computer_type = 0, nf, ncols = 0, rc = SIP_OK;

	if (len >= 5 && !strncmp(buf, "#TYPE", 5)) {
		const char *eol = memchr(buf, '\n', len);
		size_t l = eol ? (size_t)(eol - buf) : len;
		for (size_t i = 0; i + 8 <= l; i++)
			if (!strncasecmp(buf + i, "Computer", 8))
				computer_type = 1;
		pos = eol ? l + 1 : len;
		lineno = 2;
	}
	scratch = malloc(len + 1);
	f = calloc(TOPO_MAX_COLS, sizeof(*f));
	if (!scratch || !f) {
		rc = SIP_ENOMEM;
		goto out;
	}
	nf = csv_record(buf, len, &pos, scratch, f, TOPO_MAX_COLS, &lineno);
	if (nf < 0) {
		rc = sip_diag_set(diag, SIP_EFORMAT, source, lineno,
				  "unterminated quoted field in the CSV header");
		goto out;
	}
	for (int i = 0; i < nf; i++) {
		use[i] = col_kind(f[i].p, f[i].n, computer_type, &kinds[i]);
		ncols += use[i];
	}
	if (!ncols) {
		rc = sip_diag_set(diag, SIP_EFORMAT, source, lineno,
				  "no column holding FQDNs (PoolFqdn, Fqdn, Identity, Computers)");
		goto out;
	}
	{
		int hdr_n = nf;
		while (pos < len) {
			uint64_t at = ++lineno;
			nf = csv_record(buf, len, &pos, scratch, f, TOPO_MAX_COLS, &lineno);
			if (nf < 0) {
				rc = sip_diag_set(diag, SIP_EFORMAT, source, at,
						  "unterminated quoted field");
				goto out;
			}
			for (int i = 0; i < nf && i < hdr_n; i++) {
				const char *kind = kinds[i];
				if (!use[i])
					continue;
				/* TrustedApplicationComputer:x in a pool export. */
				if (f[i].n > 27 && !strncasecmp(f[i].p, "TrustedApplicationComputer:", 27))
					kind = "computer";
				rc = add_names(t, f[i].p, f[i].n, kind, source);
				if (rc)
					goto out;
			}
		}
	}
out:
	free(scratch);
	free(f);
	return rc;
}

static int load_list(sip_topology *t, const char *buf, size_t len,
		     const char *source)
{
	size_t i = 0;

	while (i < len) {
		const char *eol = memchr(buf + i, '\n', len - i);
		size_t e = eol ? (size_t)(eol - buf) : len, s = i, k;
		int rc;
		while (s < e && isspace((unsigned char)buf[s]))
			s++;
		if (s < e && buf[s] != '#') {
			k = s;
			while (k < e && !isspace((unsigned char)buf[k]) && buf[k] != '#')
				k++;
			rc = sip_topology_add(t, buf + s, k - s, "fqdn", source);
			if (rc == SIP_ENOMEM)
				return rc;
		}
		i = e + 1;
	}
	return SIP_OK;
}

int sip_topology_load_mem(sip_topology *t, const char *buf, size_t n,
			  const char *source, sip_diag *diag)
{
	size_t i;

	if (!source)
		source = "";
	if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		buf += 3, n -= 3;
	/* CSV if the first non-comment, non-blank line is "#TYPE" or holds a
	   comma or a quote. */
	for (i = 0; i < n;) {
		const char *eol = memchr(buf + i, '\n', n - i);
		size_t e = eol ? (size_t)(eol - buf) : n, s = i;
		while (s < e && isspace((unsigned char)buf[s]))
			s++;
		if (e - s >= 5 && !strncmp(buf + s, "#TYPE", 5))
			return load_csv(t, buf + s, n - s, source, diag);
		if (s < e && buf[s] != '#') {
			if (memchr(buf + s, ',', e - s) || memchr(buf + s, '"', e - s))
				return load_csv(t, buf + i, n - i, source, diag);
			break;
		}
		i = e + 1;
	}
	return load_list(t, buf, n, source);
}

int sip_topology_load_file(sip_topology *t, const char *path, sip_diag *diag)
{
	FILE *fp = NULL;
	char *buf = NULL;
	size_t n = 0, got;
	int rc = SIP_OK;

	if (!(fp = fopen(path, "rb"))) {
		rc = sip_diag_set(diag, SIP_EIO, path, 0, "cannot open topology file: %s",
				  strerror(errno));
		goto out;
	}
	if (!(buf = malloc(TOPO_MAX_FILE))) {
		rc = SIP_ENOMEM;
		goto out;
	}
	while ((got = fread(buf + n, 1, TOPO_MAX_FILE - n, fp)) > 0) {
		n += got;
		if (n == TOPO_MAX_FILE) {
			rc = sip_diag_set(diag, SIP_EIO, path, 0,
					  "topology file larger than 64 MB");
			goto out;
		}
	}
	if (ferror(fp)) {
		rc = sip_diag_set(diag, SIP_EIO, path, 0, "read error");
		goto out;
	}
	{
		size_t before = t->n;
		rc = sip_topology_load_mem(t, buf, n, path, diag);
		/* a file with nothing sipscan recognises is a mistake (the wrong
		   export, a binary file), not a topology of 0 entries */
		if (!rc && t->n == before)
			rc = sip_diag_set(diag, SIP_EFORMAT, path, 0,
					  "no FQDN found: expected one FQDN per line, or the "
					  "Export-Csv of Get-CsTrustedApplicationPool, "
					  "Get-CsTrustedApplicationComputer or Get-CsPool");
	}
out:
	if (fp)
		fclose(fp);
	free(buf);
	return rc;
}

size_t sip_topology_count(const sip_topology *t)
{
	return t ? t->n : 0;
}

int sip_topology_entry(const sip_topology *t, size_t i, const char **fqdn,
		       const char **kind, const char **source)
{
	if (!t || i >= t->n)
		return SIP_EINTERNAL;
	if (fqdn)
		*fqdn = t->e[i].fqdn;
	if (kind)
		*kind = t->e[i].kind;
	if (source)
		*source = t->e[i].source;
	return SIP_OK;
}

/* Does long end with "." + short (ignoring case)?  Returns the number of
   extra labels, 0 when not. */
static int suffix_labels(const char *lng, size_t ln, const char *shrt, size_t sn)
{
	int labels = 0;

	if (ln <= sn + 1 || lng[ln - sn - 1] != '.' ||
	    strncasecmp(lng + ln - sn, shrt, sn))
		return 0;
	for (size_t i = 0; i < ln - sn; i++)
		labels += lng[i] == '.';
	return labels;
}

int sip_topology_compare(const sip_topology *t, const char *fqdn, size_t n,
			 sip_topo_result *res)
{
	int best = SIP_TOPO_NONE, best_labels = 0;
	const char *entry = NULL;

	normalise(&fqdn, &n);
	res->match = SIP_TOPO_NONE;
	res->entry = NULL;
	if (!t || !n)
		return SIP_TOPO_NONE;
	for (size_t i = 0; i < t->n; i++) {
		const char *e = t->e[i].fqdn;
		size_t en = strlen(e);
		int l;
		if (en == n && !memcmp(e, fqdn, n)) {
			best = SIP_TOPO_EXACT;
			entry = e;
			break;
		}
		if (en == n && !strncasecmp(e, fqdn, n)) {
			if (best != SIP_TOPO_CASE) {
				best = SIP_TOPO_CASE;
				entry = e;
			}
			continue;
		}
		if (best == SIP_TOPO_CASE)
			continue;
		if ((l = suffix_labels(e, en, fqdn, n)) > 0 &&
		    (best == SIP_TOPO_NONE || l < best_labels)) {
			best = SIP_TOPO_PARENT;
			best_labels = l;
			entry = e;
		} else if ((l = suffix_labels(fqdn, n, e, en)) > 0 &&
			   (best == SIP_TOPO_NONE || l < best_labels)) {
			best = SIP_TOPO_CHILD;
			best_labels = l;
			entry = e;
		}
	}
	res->match = best;
	res->entry = entry;
	return best;
}

const char *sip_topo_match_name(int match)
{
	switch (match) {
	case SIP_TOPO_CASE: return "case";
	case SIP_TOPO_PARENT: return "parent";
	case SIP_TOPO_CHILD: return "child";
	case SIP_TOPO_EXACT: return "exact";
	default: return "none";
	}
}
