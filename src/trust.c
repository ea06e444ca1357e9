/*
 * trust.c -- the client trust analysis (see trust.h).
 *
 * The decision, from the shared reference client-logs.md section 2.4 (an
 * inference from Microsoft's documented behaviour, marked so there):
 *
 *   sign-in domain   the domain of the first REGISTER's From: address;
 *   trusted          the sign-in domain and its sub-domains, the domains
 *                    the clients are configured with (TrustModelData) or,
 *                    when that is not known, the four Microsoft defaults
 *                    for Lync 2013 and later (none for Lync 2010), and the
 *                    domain of the registrar after a REGISTER succeeded
 *                    there ("the domain of the Lync server which Lync
 *                    successfully connected to last");
 *   a name matches a domain when it equals it or ends with "." + it.
 *
 * Every server name outside the trusted set is grouped by its leg (the
 * Exchange leg for EWS / autodiscover-for-Exchange URLs, the sign-in leg
 * for the rest) and its domain (the name without its first label): one
 * prompt per leg and domain, whatever the number of names and records
 * that show it.  The sign-in leg's finding is a warning when a REGISTER
 * succeeded afterwards (the user clicked Connect, or the answer was
 * cached), an error when none did.  Office Communicator 2007 / R2 clients
 * (OC/2.x, OC/3.x) predate the trust check: their logs give no finding.
 */
#include "trust.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "scan.h"
#include "dbopen.h"

/* ---- variables ------------------------------------------------------------ */

static const char *const trust_vars[] = {
	"sign_in", "sign_in_domain", "server", "server_domain", "source",
	"servers", "client", "policy", "trusted", "records", NULL
};

int sip_trust_var_known(const char *name, size_t n)
{
	for (size_t i = 0; trust_vars[i]; i++)
		if (strlen(trust_vars[i]) == n && !memcmp(trust_vars[i], name, n))
			return 1;
	return 0;
}

/* ---- facts ----------------------------------------------------------------- */

int sip_trust_facts(const sip_record *r, sip_fact_fn fn, void *ctx)
{
	int rc;

	/* Client logs, and SIP messages pasted from one; a server trace holds
	   every user's traffic, not one client's sign-in. */
	if (!r->format || (strcmp(r->format, "uccapi") && strcmp(r->format, "sip")))
		return 0;
	if (r->is_request >= 0 && sip_str_ieq(r->method, "REGISTER")) {
		/* the REGISTER, or its response when an excerpt has no request */
		sip_str u = r->is_request ? (r->from_uri.p ? r->from_uri : r->to_uri) :
			    (r->to_uri.p ? r->to_uri : r->from_uri);
		/* a page took <sip:alice@contoso.com> for markup and dropped
		   it: the Request-URI (sip:contoso.com) still names the
		   domain */
		if (!u.p && r->is_request)
			u = r->request_uri;
		if (u.p && (rc = fn(ctx, SIP_FACT_SIGNIN, u, r->format[0] == 'u' ?
				    SIP_STR_LIT(SIP_SIGNIN_LOG) : SIP_STR_LIT(SIP_SIGNIN_EXCERPT))))
			return rc;
		if (r->is_request && r->user_agent.p &&
		    (rc = fn(ctx, SIP_FACT_AGENT, r->user_agent, SIP_STR_NULL)))
			return rc;
	}
	for (size_t i = 0; i < r->nservers; i++)
		if ((rc = fn(ctx, SIP_FACT_SERVER, r->servers[i].fqdn,
			     r->servers[i].source)))
			return rc;
	if (r->is_request == 0 && r->status >= 200 && r->status < 300 &&
	    sip_str_ieq(r->method, "REGISTER") &&
	    (rc = fn(ctx, SIP_FACT_REGISTERED, SIP_STR_LIT(""), SIP_STR_NULL)))
		return rc;
	return 0;
}

/* ---- the analysis of one file ------------------------------------------------ */

enum { F_SIGNIN, F_AGENT, F_SERVER, F_REGISTERED };

typedef struct fact {
	int64_t record_id;
	int type;
	char *value, *source;
} fact;

/* At most this many facts per file: a client log holds a few hundred; a
   pathological one cannot make the analysis grow without bound. */
#define MAX_FACTS 100000
#define MAX_GROUPS 64

struct sip_trust {
	char **trusted;          /* configured, NULL = not known */
	size_t ntrusted;
	fact *f;
	size_t n, cap;
	int cut;                 /* the current file was cut short */
};

void sip_trust_file_cut(sip_trust *t)
{
	t->cut = 1;
}

static const char *const default_domains[] = {
	"lync.com", "outlook.com", "lync.glbdns.microsoft.com",
	"microsoftonline.com", NULL
};

static char *lower_dup(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = 0;
	return d;
}

sip_trust *sip_trust_new(const char *const *trusted, size_t ntrusted)
{
	sip_trust *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	if (trusted) {
		if (!(t->trusted = calloc(ntrusted + 1, sizeof *t->trusted)))
			goto nomem;
		for (size_t i = 0; i < ntrusted; i++)
			if (!(t->trusted[t->ntrusted++] = lower_dup(trusted[i])))
				goto nomem;
	}
	return t;
nomem:
	sip_trust_free(t);
	return NULL;
}

static void clear_facts(sip_trust *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->f[i].value);
		free(t->f[i].source);
	}
	t->n = 0;
}

void sip_trust_free(sip_trust *t)
{
	if (!t)
		return;
	clear_facts(t);
	free(t->f);
	for (size_t i = 0; i < t->ntrusted; i++)
		free(t->trusted[i]);
	free(t->trusted);
	free(t);
}

int sip_trust_add(sip_trust *t, int64_t record_id, const char *type,
		  const char *value, const char *source)
{
	fact *f;
	int ty;

	if (!strcmp(type, SIP_FACT_SIGNIN))
		ty = F_SIGNIN;
	else if (!strcmp(type, SIP_FACT_AGENT))
		ty = F_AGENT;
	else if (!strcmp(type, SIP_FACT_SERVER))
		ty = F_SERVER;
	else if (!strcmp(type, SIP_FACT_REGISTERED))
		ty = F_REGISTERED;
	else
		return 0;       /* a fact of a later version: ignored */
	if (t->n == MAX_FACTS)
		return 0;
	if (t->n == t->cap) {
		fact *nf = sip_grow(t->f, &t->cap, t->n + 1, sizeof *nf);
		if (!nf)
			return SIP_ENOMEM;
		t->f = nf;
	}
	f = &t->f[t->n];
	f->record_id = record_id;
	f->type = ty;
	f->value = ty == F_AGENT ? strdup(value ? value : "") : lower_dup(value ? value : "");
	f->source = strdup(source ? source : "");
	if (!f->value || !f->source) {
		free(f->value);
		free(f->source);
		return SIP_ENOMEM;
	}
	t->n++;
	return 0;
}

/* name == d, or name ends with "." d. */
static int in_domain(const char *name, const char *d)
{
	size_t n = strlen(name), dn = strlen(d);

	if (!dn)
		return 0;
	if (n == dn)
		return !strcmp(name, d);
	return n > dn && name[n - dn - 1] == '.' && !strcmp(name + n - dn, d);
}

/* The name without its first label ("pool.contoso.local" ->
   "contoso.local"); a name of two labels is its own domain. */
static const char *domain_of(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot && strchr(dot + 1, '.') ? dot + 1 : name;
}

/* The Exchange leg: EWS and the other URLs of an Exchange Autodiscover
   response (KB 2833618 scenario 2). */
static int exchange_source(const char *src)
{
	static const char *const keys[] = {
		"asurl", "oofurl", "oaburl", "umurl", "ecpurl", "emwsurl", NULL
	};
	char low[64];
	size_t n = strlen(src);

	if (n >= sizeof low)
		n = sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)src[i]);
	low[n] = 0;
	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(low, keys[i]))
			return 1;
	return strstr(low, "ews") != NULL;
}

/* The client generation from a User-Agent: the OC/N. major version (2, 3:
   Communicator 2007 / R2; 4: Lync 2010; 15: Lync 2013 / SfB 2015; 16:
   SfB 2016), 0 when unknown. */
static int client_major(const char *ua)
{
	const char *p = ua ? strstr(ua, "OC/") : NULL;
	int v = 0;

	if (!p)
		return 0;
	for (p += 3; *p >= '0' && *p <= '9' && v < 1000; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static const char *client_name(int major)
{
	switch (major) {
	case 4: return "Lync 2010";
	case 15: return "Lync 2013";
	case 16: return "Skype for Business 2016";
	default: return major > 16 ? "Skype for Business" : "The client";
	}
}

/* "Lync 2013 15.0.4569.1506": the name and the OC/ version of the agent. */
static void client_label(char *out, size_t n, int major, const char *ua)
{
	const char *v = ua ? strstr(ua, "OC/") : NULL;
	size_t vn = 0;

	if (v) {
		v += 3;
		while (v[vn] && ((v[vn] >= '0' && v[vn] <= '9') || v[vn] == '.') && vn < 32)
			vn++;
	}
	if (vn)
		snprintf(out, n, "%s %.*s", client_name(major), (int)vn, v);
	else
		snprintf(out, n, "%s", client_name(major));
}

/* Where the Trusted Domain List lives for each client generation
   (reference section 2.5 B and B'). */
static const char *policy_text(int major)
{
	switch (major) {
	case 4:
		return "append it to the REG_SZ value TrustModelData under "
		       "HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Communicator "
		       "(append, separated by a comma: never replace the existing value)";
	case 15:
		return "set the Trusted Domain List policy (Lync 2013 ADMX; REG_SZ "
		       "TrustModelData under HKLM or HKCU\\Software\\Policies\\Microsoft"
		       "\\Office\\15.0\\Lync). The policy replaces the built-in trusted "
		       "domains lync.com, outlook.com, lync.glbdns.microsoft.com and "
		       "microsoftonline.com: list those too if users also sign in to "
		       "Office 365";
	case 16:
		return "set the Trusted Domain List policy (Skype for Business 2016 "
		       "ADMX, Microsoft Lync Feature Policies; REG_SZ TrustModelData "
		       "under HKLM or HKCU\\Software\\Policies\\Microsoft\\Office\\16.0"
		       "\\Lync). The policy replaces the built-in trusted domains "
		       "lync.com, outlook.com, lync.glbdns.microsoft.com and "
		       "microsoftonline.com: list those too if users also sign in to "
		       "Office 365";
	default:
		return "set the Trusted Domain List policy (REG_SZ TrustModelData under "
		       "HKLM\\Software\\Policies\\Microsoft\\Office\\16.0\\Lync for "
		       "Skype for Business 2016, ...\\Office\\15.0\\Lync for Lync 2013, "
		       "where it replaces the built-in trusted domains; for Lync 2010 "
		       "append it to HKLM\\Software\\Policies\\Microsoft\\Communicator"
		       "\\TrustModelData)";
	}
}

typedef struct group {
	int rule;               /* 0 sign-in, 1 exchange, 2 defaults replaced */
	const char *domain;
	size_t first;           /* index of the first fact */
	sip_buf servers;        /* "name (src, src), name (src)" */
	const char *server, *source;
	int64_t *ids;
	size_t nids, capids;
} group;

static int group_add_id(group *g, int64_t id)
{
	if (g->nids && g->ids[g->nids - 1] == id)
		return 0;
	for (size_t i = 0; i < g->nids; i++)
		if (g->ids[i] == id)
			return 0;
	if (g->nids == g->capids) {
		int64_t *ni = sip_grow(g->ids, &g->capids, g->nids + 1, sizeof *ni);
		if (!ni)
			return SIP_ENOMEM;
		g->ids = ni;
	}
	g->ids[g->nids++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Add "name (source" or ", source" to the group's server list. */
static int group_add_server(group *g, const char *name, const char *src)
{
	const char *p = g->servers.p;
	size_t nl = strlen(name);
	int rc = 0;

	/* Already listed: add the source inside its parenthesis. */
	for (const char *s = p; s && (s = strstr(s, name)); s += nl) {
		const char *paren = s + nl;
		if ((s != p && s[-1] != ' ') || strncmp(paren, " (", 2))
			continue;
		{
			const char *close = strchr(paren, ')');
			size_t at = (size_t)(close - p), sl = strlen(src);
			/* the source already there? */
			const char *q = paren + 2;
			while (q < close) {
				const char *e = memchr(q, ',', (size_t)(close - q));
				if (!e)
					e = close;
				if ((size_t)(e - q) == sl && !memcmp(q, src, sl))
					return 0;
				q = e + 2;
			}
			{
				sip_buf nb;
				sip_buf_init(&nb, 0);
				rc = sip_buf_add(&nb, p, at) || sip_buf_adds(&nb, ", ") ||
				     sip_buf_adds(&nb, src) ||
				     sip_buf_adds(&nb, p + at);
				if (rc) {
					sip_buf_release(&nb);
					return SIP_ENOMEM;
				}
				sip_buf_release(&g->servers);
				g->servers = nb;
			}
			return 0;
		}
	}
	if (g->servers.n)
		rc = sip_buf_adds(&g->servers, ", ");
	if (!rc)
		rc = sip_buf_adds(&g->servers, name) || sip_buf_adds(&g->servers, " (") ||
		     sip_buf_adds(&g->servers, src) || sip_buf_adds(&g->servers, ")");
	return rc ? SIP_ENOMEM : 0;
}

static int add_json(sip_buf *b, const char *name, const char *value, int first)
{
	return (!first && sip_buf_addc(b, ',')) || sip_buf_json_str(b, name, strlen(name)) ||
	       sip_buf_addc(b, ':') || sip_buf_json_str(b, value, strlen(value));
}

/* The analysis of the facts f[from, to): one sign-in of one client. */
static int end_part(sip_trust *t, size_t from, size_t to, sip_trust_result_fn fn,
		    void *ctx)
{
	static const char *const rule_ids[] = {
		SIP_TRUST_RULE_SIGNIN, SIP_TRUST_RULE_EXCHANGE, SIP_TRUST_RULE_DEFAULTS
	};
	char *sign_in = NULL, *at;
	const char *agent = NULL;
	int excerpt = 0;
	const char *reg_domains[16];
	size_t nreg = 0, ng = 0;
	group g[MAX_GROUPS];
	sip_buf trusted, vars;
	int major, rc = 0;

	memset(g, 0, sizeof g);
	sip_buf_init(&trusted, 0);
	sip_buf_init(&vars, 0);
	for (size_t i = from; i < to; i++) {
		if (t->f[i].type == F_SIGNIN && !sign_in) {
			sign_in = t->f[i].value;
			excerpt = !strcmp(t->f[i].source, SIP_SIGNIN_EXCERPT);
		}
		else if (t->f[i].type == F_AGENT && !agent)
			agent = t->f[i].value;
	}
	if (!sign_in)
		goto out;
	if (!strncmp(sign_in, "sip:", 4))
		sign_in += 4;
	else if (!strncmp(sign_in, "sips:", 5))
		sign_in += 5;
	/* user@domain; the domain alone from a Request-URI */
	at = strchr(sign_in, '@');
	at = at ? at + 1 : sign_in;
	at[strcspn(at, ";>?: \t")] = 0;
	if (!*at)
		goto out;
	major = client_major(agent);
	if (major == 2 || major == 3)
		goto out;

	/* The trusted set, as the finding will state it. */
	rc = sip_buf_adds(&trusted, at);
	if (t->trusted) {
		for (size_t k = 0; k < t->ntrusted && !rc; k++)
			if (strcmp(t->trusted[k], at))
				rc = sip_buf_adds(&trusted, ", ") ||
				     sip_buf_adds(&trusted, t->trusted[k]);
	} else if (major != 4) {
		for (size_t k = 0; default_domains[k] && !rc; k++)
			rc = sip_buf_adds(&trusted, ", ") || sip_buf_adds(&trusted, default_domains[k]);
	}
	if (rc)
		goto nomem;

	for (size_t i = from; i < to; i++) {
		const fact *f = &t->f[i];
		int trusted_here = 0, rule;
		const char *dom, *is_default = NULL;
		size_t k;

		if (f->type == F_REGISTERED) {
			/* The registrar: the last challenge's targetname. */
			for (size_t j = i; j-- > from;)
				if (t->f[j].type == F_SERVER &&
				    !strcmp(t->f[j].source, "targetname")) {
					if (nreg < sizeof reg_domains / sizeof reg_domains[0])
						reg_domains[nreg++] = domain_of(t->f[j].value);
					break;
				}
			continue;
		}
		if (f->type != F_SERVER)
			continue;
		if (in_domain(f->value, at))
			continue;
		for (k = 0; default_domains[k]; k++)
			if (in_domain(f->value, default_domains[k]))
				is_default = default_domains[k];
		if (t->trusted) {
			for (k = 0; k < t->ntrusted; k++)
				if (in_domain(f->value, t->trusted[k]))
					trusted_here = 1;
		} else if (major != 4 && is_default) {
			trusted_here = 1;
		}
		for (k = 0; k < nreg && !trusted_here; k++)
			if (in_domain(f->value, reg_domains[k]))
				trusted_here = 1;
		if (trusted_here)
			continue;
		rule = t->trusted && is_default && major != 4 ? 2 :
		       exchange_source(f->source) ? 1 : 0;
		/* one finding per Microsoft domain left out of the list */
		dom = rule == 2 ? is_default : domain_of(f->value);
		for (k = 0; k < ng; k++)
			if (g[k].rule == rule && !strcmp(g[k].domain, dom))
				break;
		if (k == ng) {
			if (ng == MAX_GROUPS)
				continue;
			g[ng].rule = rule;
			g[ng].domain = dom;
			g[ng].first = i;
			g[ng].server = f->value;
			g[ng].source = f->source;
			sip_buf_init(&g[ng].servers, 0);
			ng++;
		}
		if (group_add_server(&g[k], f->value, f->source) ||
		    group_add_id(&g[k], f->record_id))
			goto nomem;
	}

	for (size_t k = 0; k < ng && !rc; k++) {
		const char *rule_id = rule_ids[g[k].rule];
		if (g[k].rule == 0) {
			int registered = 0;
			for (size_t i = g[k].first + 1; i < to; i++)
				if (t->f[i].type == F_REGISTERED)
					registered = 1;
			/* a client log that goes on without a successful
			   REGISTER: sign-in failed; pasted messages, or a log
			   cut short, do not show the outcome */
			if (!registered)
				rule_id = excerpt || t->cut ? SIP_TRUST_RULE_PROMPT :
					  SIP_TRUST_RULE_BLOCKED;
		}
		sip_buf_reset(&vars);
		{
			char client[128];
			client_label(client, sizeof client, major, agent);
			if (sip_buf_addc(&vars, '{') ||
			    add_json(&vars, "sign_in", sign_in, 1) ||
			    add_json(&vars, "sign_in_domain", at, 0) ||
			    add_json(&vars, "server", g[k].server, 0) ||
			    add_json(&vars, "server_domain", g[k].domain, 0) ||
			    add_json(&vars, "source", g[k].source, 0) ||
			    add_json(&vars, "servers", g[k].servers.p ? g[k].servers.p : "", 0) ||
			    add_json(&vars, "client", client, 0) ||
			    add_json(&vars, "policy", policy_text(major), 0) ||
			    add_json(&vars, "trusted", trusted.p ? trusted.p : "", 0) ||
			    sip_buf_addc(&vars, '}'))
				goto nomem;
		}
		qsort(g[k].ids, g[k].nids, sizeof *g[k].ids, cmp_id);
		rc = fn(ctx, rule_id, g[k].domain, vars.p, g[k].ids, g[k].nids);
	}
	goto out;
nomem:
	rc = SIP_ENOMEM;
out:
	for (size_t k = 0; k < ng; k++) {
		sip_buf_release(&g[k].servers);
		free(g[k].ids);
	}
	sip_buf_release(&trusted);
	sip_buf_release(&vars);
	return rc;
}

/* Whether sign-in values a and b (addresses, "sip:" or not) differ. */
static int other_sign_in(const char *a, const char *b)
{
	if (!strncasecmp(a, "sip:", 4))
		a += 4;
	if (!strncasecmp(b, "sip:", 4))
		b += 4;
	return strcasecmp(a, b) != 0;
}

/*
 * The facts of one file may hold the sign-ins of more than one client or
 * user (logs appended into one file, a client upgraded, another account):
 * each is judged on its own, with its own address, client and trusted
 * set.  A REGISTER of another address or client starts the next part.
 * Between the two, the servers after the last part's sign-in facts up to
 * its last Exchange server (the Exchange leg comes after a sign-in) stay
 * in it; the servers after that (the autodiscover before the next
 * REGISTER) go with the next part.
 */
int sip_trust_end_file(sip_trust *t, sip_trust_result_fn fn, void *ctx)
{
	const char *user = NULL, *agent = NULL;
	size_t from = 0, anchor = 0;
	int rc = 0;

	for (size_t i = 0; i < t->n && !rc; i++) {
		const fact *f = &t->f[i];
		if (f->type == F_SIGNIN) {
			/* the REGISTER's User-Agent, when it is in the log */
			const fact *ua = i + 1 < t->n && t->f[i + 1].type == F_AGENT &&
					 t->f[i + 1].record_id == f->record_id ? &t->f[i + 1] : NULL;
			if ((user && other_sign_in(user, f->value)) ||
			    (ua && agent && strcmp(agent, ua->value))) {
				size_t b = anchor + 1;
				for (size_t j = anchor + 1; j < i; j++)
					if (t->f[j].type == F_SERVER &&
					    exchange_source(t->f[j].source))
						b = j + 1;
				if (b > from && (rc = end_part(t, from, b, fn, ctx)))
					break;
				from = b;
			}
			user = f->value;
			if (ua)
				agent = ua->value;
		}
		if (f->type == F_SIGNIN || f->type == F_AGENT || f->type == F_REGISTERED)
			anchor = i;
	}
	if (!rc && from < t->n)
		rc = end_part(t, from, t->n, fn, ctx);
	clear_facts(t);
	t->cut = 0;
	return rc;
}

/* ---- over the database -------------------------------------------------------- */

static int db_err(sqlite3 *db, sip_diag *diag, const char *what)
{
	return sip_diag_set(diag, sip_db_code(db), "", 0, "%s: %s", what, sqlite3_errmsg(db));
}

typedef struct insert_ctx {
	sqlite3 *db;
	sqlite3_stmt *ins;
	sip_diag *diag;
} insert_ctx;

static int insert_result(void *p, const char *rule_id, const char *key,
			 const char *vars, const int64_t *ids, size_t n)
{
	insert_ctx *c = p;

	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(c->ins, 1, ids[i]);
		sqlite3_bind_text(c->ins, 2, rule_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(c->ins, 3, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(c->ins, 4, vars, -1, SQLITE_STATIC);
		if (sqlite3_step(c->ins) != SQLITE_DONE) {
			sqlite3_reset(c->ins);
			return db_err(c->db, c->diag, "storing a client trust match");
		}
		sqlite3_reset(c->ins);
	}
	return 0;
}

int sip_trust_compute(sqlite3 *db, sip_diag *diag)
{
	sqlite3_stmt *st = NULL, *ins = NULL;
	char **dom = NULL;
	size_t nd = 0, capd = 0;
	int has_table, configured = 0, rc = SIP_OK, step;
	int64_t file = -1;
	sip_trust *t = NULL;
	insert_ctx ic;

	/* The trusted domains, when configured. */
	if (sqlite3_prepare_v2(db, "SELECT domain FROM trusted_domains ORDER BY rowid",
			       -1, &st, NULL) == SQLITE_OK) {
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 0);
			if (!d)
				continue;
			if (nd == capd) {
				char **nd2 = sip_grow(dom, &capd, nd + 1, sizeof *nd2);
				if (!nd2)
					goto nomem;
				dom = nd2;
			}
			if (!(dom[nd] = strdup(d)))
				goto nomem;
			nd++;
		}
		configured = nd > 0;
		sqlite3_finalize(st);
		st = NULL;
	}
	/* a partial file: cut short, or damaged at its end */
	has_table = sqlite3_prepare_v2(db, "SELECT c.record_id, r.file_id, c.fact, c.value,"
				       " c.source, f.status = 'partial' FROM client_facts c"
				       " JOIN record_rows r ON r.id = c.record_id"
				       " JOIN files f ON f.id = r.file_id"
				       " ORDER BY r.file_id, c.record_id, c.rowid",
				       -1, &st, NULL) == SQLITE_OK;
	if (!has_table) {
		rc = db_err(db, diag, "reading the client facts");
		goto out;
	}
	if (sqlite3_exec(db, "DELETE FROM matches WHERE rule_id IN ('" SIP_TRUST_RULE_SIGNIN
			 "', '" SIP_TRUST_RULE_BLOCKED "', '" SIP_TRUST_RULE_PROMPT
			 "', '" SIP_TRUST_RULE_EXCHANGE
			 "', '" SIP_TRUST_RULE_DEFAULTS "')", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "clearing the client trust matches");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO matches(record_id, rule_id, key, vars)"
			       " VALUES(?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "preparing the client trust matches");
		goto out;
	}
	if (!(t = sip_trust_new(configured ? (const char *const *)dom : NULL, nd)))
		goto nomem;
	ic.db = db;
	ic.ins = ins;
	ic.diag = diag;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t fid = sqlite3_column_int64(st, 1);
		if (fid != file && file >= 0 &&
		    (rc = sip_trust_end_file(t, insert_result, &ic)))
			goto out;
		if (fid != file && sqlite3_column_int(st, 5))
			sip_trust_file_cut(t);
		file = fid;
		if ((rc = sip_trust_add(t, sqlite3_column_int64(st, 0),
					(const char *)sqlite3_column_text(st, 2),
					(const char *)sqlite3_column_text(st, 3),
					(const char *)sqlite3_column_text(st, 4))))
			goto out;
	}
	if (step != SQLITE_DONE) {
		rc = db_err(db, diag, "reading the client facts");
		goto out;
	}
	if (file >= 0)
		rc = sip_trust_end_file(t, insert_result, &ic);
	goto out;
nomem:
	rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
out:
	if (rc == SIP_ENOMEM && !diag->code)
		sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	sip_trust_free(t);
	for (size_t i = 0; i < nd; i++)
		free(dom[i]);
	free(dom);
	return rc;
}

static int valid_domain(const char *s, size_t n)
{
	int dot = 0;

	if (!n || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.')
			dot = 1;
		else if (!isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	return dot;
}

int sip_trust_save_domains(sqlite3 *db, const char *list, sip_diag *diag)
{
	sqlite3_stmt *ins = NULL;
	const char *p = list;
	int rc = SIP_OK;

	if (sqlite3_exec(db, "SAVEPOINT sip_trusted; DELETE FROM trusted_domains;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, diag, "saving the trusted domains");
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO trusted_domains(domain)"
			       " VALUES(lower(?1))", -1, &ins, NULL) != SQLITE_OK) {
		rc = db_err(db, diag, "saving the trusted domains");
		goto out;
	}
	while (*p) {
		const char *b;
		size_t n;
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == ';')
			p++;
		b = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != ';')
			p++;
		n = (size_t)(p - b);
		if (!n)
			continue;
		/* "*.contoso.com" and ".contoso.com" mean contoso.com */
		if (n > 2 && b[0] == '*' && b[1] == '.')
			b += 2, n -= 2;
		else if (n > 1 && b[0] == '.')
			b++, n--;
		while (n && b[n - 1] == '.')
			n--;
		if (!valid_domain(b, n)) {
			rc = sip_diag_set(diag, SIP_EUSAGE, "", 0,
					  "--trusted-domains: '%.*s' is not a domain name",
					  (int)(n > 200 ? 200 : n), b);
			goto out;
		}
		sqlite3_bind_text(ins, 1, b, (int)n, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = db_err(db, diag, "saving the trusted domains");
			goto out;
		}
		sqlite3_reset(ins);
	}
out:
	sqlite3_finalize(ins);
	if (rc)
		sqlite3_exec(db, "ROLLBACK TO sip_trusted; RELEASE sip_trusted;", NULL, NULL, NULL);
	else if (sqlite3_exec(db, "RELEASE sip_trusted;", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(db, diag, "saving the trusted domains");
	return rc;
}

/* ---- rules test -------------------------------------------------------------- */

typedef struct test_ctx {
	sip_trust *t;
	int64_t n;
	int err;
	const char *rule_id;
	int fired;
} test_ctx;

static int test_fact(void *p, const char *type, sip_str value, sip_str source)
{
	test_ctx *c = p;
	char v[1024], s[256];

	snprintf(v, sizeof v, "%.*s", (int)(value.n > 1000 ? 1000 : value.n),
		 value.p ? value.p : "");
	snprintf(s, sizeof s, "%.*s", (int)(source.n > 250 ? 250 : source.n),
		 source.p ? source.p : "");
	return sip_trust_add(c->t, c->n, type, v, s);
}

static int test_record(void *p, const sip_record *r)
{
	test_ctx *c = p;

	c->n++;
	return sip_trust_facts(r, test_fact, c);
}

static int test_result(void *p, const char *rule_id, const char *key,
		       const char *vars, const int64_t *ids, size_t n)
{
	test_ctx *c = p;

	(void)key;
	(void)vars;
	(void)ids;
	(void)n;
	if (!strcmp(rule_id, c->rule_id))
		c->fired = 1;
	return 0;
}

int sip_trust_test(const char *text, size_t n, const char *name,
		   const char *rule_id, int *fired, sip_diag *diag)
{
	test_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.rule_id = rule_id;
	*fired = 0;
	if (!(c.t = sip_trust_new(NULL, 0)))
		return sip_diag_set(diag, SIP_ENOMEM, name, 0, "out of memory");
	rc = sip_scan_mem(text, n, name, NULL, test_record, &c, NULL, diag);
	if (!rc)
		rc = sip_trust_end_file(c.t, test_result, &c);
	*fired = c.fired;
	sip_trust_free(c.t);
	return rc;
}
