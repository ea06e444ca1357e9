/*
 * sipderive.c -- the values every parser derives from a record's fields:
 * Call-ID, CSeq, From/To, Via transport, the ms-diagnostics headers with
 * their attributes, Data: pairs, the result code, the peer's host and port,
 * the User-Agent, and the server names of authentication challenges; plus
 * the scanner that finds server URLs in provisioning and autodiscover text.
 *
 * Shared by parsers/sipstack.c (fields are "Name: value" lines of a
 * record), parsers/uccapi.c and parsers/sipmsg.c (fields are the headers of
 * a SIP message), so a header means the same thing in every format.  The
 * scratch arrays belong to the calling parser and are reused record after
 * record: after warm-up a record costs no allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "../src/err.h"
#include "sip.h"

void sip_derive_release(sip_derive_scratch *s)
{
	free(s->pool);
	free(s->diags);
	free(s->didx);
	free(s->servers);
	memset(s, 0, sizeof *s);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* ---- server names ------------------------------------------------------ */

/* Whether v, a value of the Data: pairs d, opened with a quote that is
   not closed: fqdn="deitter at the end of a line cut short. */
static int quote_unclosed(sip_str d, sip_str v)
{
	const char *b = v.p, *q = v.p + v.n, *e = d.p + d.n;

	while (b > d.p && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	if (q < e && sip_quote_len(q, e))
		return 0;
	/* "  &quot;  &#34;  and the typographic quotes (3 bytes) */
	return (b - d.p >= 1 && b[-1] == '"') ||
	       (b - d.p >= 6 && !memcmp(b - 6, "&quot;", 6)) ||
	       (b - d.p >= 5 && !memcmp(b - 5, "&#34;", 5)) ||
	       (b - d.p >= 3 && (unsigned char)b[-3] == 0xE2 &&
		(unsigned char)b[-2] == 0x80 &&
		((unsigned char)b[-1] == 0x9C || (unsigned char)b[-1] == 0x9D));
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static int host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* Hosts that are XML namespaces or schema owners, never servers. */
static int is_namespace_host(sip_str h)
{
	static const char *const ns[] = {
		"schemas.microsoft.com", "www.w3.org", "schemas.xmlsoap.org",
		"schemas.openxmlformats.org", "purl.org", NULL
	};

	for (size_t i = 0; ns[i]; i++)
		if (sip_ieq(h.p, h.n, ns[i], strlen(ns[i])))
			return 1;
	return 0;
}

int sip_servers_add(sip_derive_scratch *s, sip_str fqdn, sip_str source)
{
	size_t n = 0;

	/* Trim blanks (Microsoft's own sample has fqdn=" pool01.contoso.com"),
	   a Kerberos "sip/" prefix, a port and a final dot. */
	fqdn = sip_trim(fqdn);
	if (fqdn.n > 4 && sip_ieq(fqdn.p, 4, "sip/", 4)) {
		fqdn.p += 4;
		fqdn.n -= 4;
	}
	while (n < fqdn.n && host_char((unsigned char)fqdn.p[n]))
		n++;
	fqdn.n = n;
	while (fqdn.n && fqdn.p[fqdn.n - 1] == '.')
		fqdn.n--;
	/* A name with a dot and a letter: IP addresses and single labels are
	   not names a certificate check compares. */
	{
		int dot = 0, alpha = 0;
		for (size_t i = 0; i < fqdn.n; i++) {
			char c = lower(fqdn.p[i]);
			if (c == '.')
				dot = 1;
			else if (c >= 'a' && c <= 'z')
				alpha = 1;
		}
		if (!dot || !alpha || is_namespace_host(fqdn))
			return 0;
	}
	for (size_t i = 0; i < s->nservers; i++)
		if (sip_ieq(s->servers[i].fqdn.p, s->servers[i].fqdn.n, fqdn.p,
			    fqdn.n) &&
		    s->servers[i].source.n == source.n &&
		    memcmp(s->servers[i].source.p, source.p, source.n) == 0)
			return 0;
	if (s->nservers == SIP_MAX_SERVERS)
		return 0;
	if (s->nservers == s->servers_cap) {
		void *np = sip_grow(s->servers, &s->servers_cap, s->nservers + 1,
				sizeof *s->servers);
		if (!np)
			return SIP_ENOMEM;
		s->servers = np;
	}
	s->servers[s->nservers++] = (sip_server){ fqdn, source };
	return 0;
}

static int ends_ci(const char *p, size_t n, const char *lit)
{
	size_t ln = strlen(lit);

	return n >= ln && sip_ieq(p + n - ln, ln, lit, ln);
}

/* 3 when the bytes before e (lim at the most) are a typographic quote
   (U+201C, U+201D: a sample copied out of a page), else 0. */
static size_t tquote_before(const char *lim, const char *e)
{
	const unsigned char *u = (const unsigned char *)e;

	return e - lim >= 3 && u[-3] == 0xE2 && u[-2] == 0x80 &&
	       (u[-1] == 0x9C || u[-1] == 0x9D) ? 3 : 0;
}

/* The word that ends at e (looking back no further than lim). */
static sip_str word_before(const char *lim, const char *e)
{
	const char *b;

	for (size_t tq;;) {
		if (e > lim && (e[-1] == '"' || e[-1] == '\'' || e[-1] == '=' ||
				e[-1] == '>' || e[-1] == ':' || e[-1] == '{' ||
				is_ws(e[-1])))
			e--;
		else if ((tq = tquote_before(lim, e)) != 0)
			e -= tq;
		else
			break;
	}
	b = e;
	while (b > lim && (host_char((unsigned char)b[-1]) || b[-1] == '/'))
		b--;
	return b == e ? SIP_STR_NULL : (sip_str){ b, (size_t)(e - b) };
}

/* The quoted value of attr="..." between lim and e (the nearest one), or
   SIP_STR_NULL. */
static sip_str attr_before(const char *lim, const char *e, const char *attr)
{
	size_t an = strlen(attr);

	for (const char *t = e; (size_t)(t - lim) >= an + 2; t--) {
		/* attr=" or attr=“ (copied out of a page) ending at t */
		size_t ql = t[-1] == '"' ? 1 : tquote_before(lim, t);
		const char *a = t - an - 1 - ql;
		if (t[-1] == '<')
			break;
		if (ql && a >= lim && a[an] == '=' && sip_ieq(a, an, attr, an) &&
		    (a == lim || !host_char((unsigned char)a[-1]))) {
			const char *qe = t;
			while (qe < e && *qe != '"' && !sip_quote_len(qe, e))
				qe++;
			return (sip_str){ t, (size_t)(qe - t) };
		}
	}
	return SIP_STR_NULL;
}

/*
 * The key that names the URL starting at v (lim..v precedes it on the
 * line): the word of `<KEY>`, `KEY="`, `"KEY":"`, `KEY=` or `KEY: `; for
 * `<property name="KEY">` the name attribute; for `<Link token="T"
 * href="...">` the token T; for JSON `"T":{"href":"..."}` the word T.
 * *always is set when the key is an href (every link is a server).
 */
static sip_str key_before(const char *lim, const char *v, int *always)
{
	sip_str k = word_before(lim, v), t;

	*always = 0;
	if (!k.p)
		return k;
	if (sip_str_ieq(k, "href")) {
		*always = 1;
		if ((t = attr_before(lim, k.p, "token")).p && t.n)
			return t;
		if ((t = word_before(lim, k.p)).p)
			return t;
		return k;
	}
	if (k.p > lim && (k.p[-1] == '"' || k.p[-1] == '\'')) {
		/* name="KEY">value: k is the attribute's value already. */
		return k;
	}
	return k;
}

/* Does a key name a server URL?  Keys that end in Url / Uri / Server,
   the autodiscover Sip*Access elements. */
static int server_key(sip_str k)
{
	if (!k.p || !k.n)
		return 0;
	return ends_ci(k.p, k.n, "url") || ends_ci(k.p, k.n, "uri") ||
	       ends_ci(k.p, k.n, "access") || ends_ci(k.p, k.n, "server");
}

static const char *host_end(const char *v, const char *e)
{
	while (v < e && host_char((unsigned char)*v))
		v++;
	return v;
}

int sip_servers_scan(sip_derive_scratch *s, sip_str text)
{
	const char *p = text.p, *e, *q = p;
	int rc;

	if (!p)
		return 0;
	e = p + text.n;
	while (q < e) {
		const char *h = memchr(q, 'h', (size_t)(e - q));
		const char *f = memchr(q, 'f', (size_t)(e - q));
		const char *v, *lim;
		sip_str key;
		int always = 0;

		if (!h && !f)
			break;
		if (h && (!f || h < f)) {
			/* https://HOST */
			q = h + 1;
			if ((size_t)(e - h) < 9 || memcmp(h, "https://", 8) != 0)
				continue;
			v = h + 8;
			lim = h - p > 200 ? h - 200 : p;
			key = key_before(lim, h, &always);
		} else {
			/* fqdn="HOST" of <SipClientInternalAccess fqdn=...> */
			q = f + 1;
			if ((size_t)(e - f) < 6 || memcmp(f, "fqdn=", 5) != 0 ||
			    (f > p && host_char((unsigned char)f[-1])))
				continue;
			v = f + 5;
			for (size_t ql; v < e && (ql = *v == '\'' || *v == ' ' ? 1 :
						  sip_quote_len(v, e)); )
				v += ql;
			lim = f - p > 200 ? f - 200 : p;
			key = SIP_STR_NULL;
			for (const char *t = f; t > lim; t--)
				if (t[-1] == '<') {
					key = (sip_str){ t, (size_t)(host_end(t, f) - t) };
					break;
				}
			/* only the autodiscover elements (SipClientInternalAccess,
			   SipServerExternalAccess ...): a bare fqdn= is a log's
			   own data, not where the client was sent */
			if (!key.p || !ends_ci(key.p, key.n, "access"))
				continue;
		}
		if (!always && !server_key(key))
			continue;
		if ((rc = sip_servers_add(s, (sip_str){ v, (size_t)(host_end(v, e) - v) },
					  key)))
			return rc;
	}
	return 0;
}

/* The targetname= and sts-uri= of a WWW-Authenticate value:
   `TLS-DSK realm="SIP Communications Service", targetname="x", version=4,
   sts-uri="https://y:443/CertProv/..."`. */
static int auth_servers(sip_derive_scratch *s, sip_str value)
{
	static const char *const names[] = { "targetname", "sts-uri" };
	const char *e = value.p + value.n;
	int rc;

	for (size_t k = 0; k < 2; k++) {
		size_t ln = strlen(names[k]);
		for (const char *a = value.p; a + ln < e; a++) {
			const char *v;
			if ((a > value.p && a[-1] != ' ' && a[-1] != ',' &&
			     a[-1] != '\t') || !sip_ieq(a, ln, names[k], ln))
				continue;
			v = a + ln;
			while (v < e && (*v == ' ' || *v == '='))
				v++;
			if (v == a + ln)
				continue;
			for (size_t q; v < e && (q = *v == ' ' ? 1 : sip_quote_len(v, e)); )
				v += q;
			if (k == 1 && (size_t)(e - v) > 8 && sip_ieq(v, 8, "https://", 8))
				v += 8;
			/* Kerberos: targetname="sip/server.contoso.com" */
			if (k == 0 && (size_t)(e - v) > 4 && sip_ieq(v, 4, "sip/", 4))
				v += 4;
			if ((rc = sip_servers_add(s, (sip_str){ v, (size_t)(host_end(v, e) - v) },
						  k ? SIP_STR_LIT("sts-uri") :
						      SIP_STR_LIT("targetname"))))
				return rc;
			break;
		}
	}
	return 0;
}

/* ---- deriving a record's values ------------------------------------------ */

#define IS(lit) SIP_IEQ(nm.p, nm.n, lit)
#define SET1(dst) do { if (!(dst).p) (dst) = v; } while (0)

int sip_derive(sip_derive_scratch *s, sip_record *r, size_t max_fields,
	       sip_str *text_field, int *capped)
{
	sip_str text = SIP_STR_NULL, result = SIP_STR_NULL, data = SIP_STR_NULL;
	sip_str via = SIP_STR_NULL, from = SIP_STR_NULL, to = SIP_STR_NULL;
	sip_str tcorr = SIP_STR_NULL, start_line = SIP_STR_NULL;
	size_t ndi = 0, need, room, used = 0;
	int pool_full = 0, rc;

	s->nservers = 0;
	for (size_t i = 0; i < r->nfields; i++) {
		sip_str nm = r->fields[i].name, v = r->fields[i].value;
		if (!nm.n)
			continue;
		switch (nm.p[0] | 32) {
		case 'c':
			if (IS("Call-ID"))
				SET1(r->call_id);
			else if (IS("CSeq"))
				SET1(r->cseq);
			else if (IS("Content-Type") || IS("c"))
				SET1(r->content_type);
			else if (IS("Connection-ID"))
				SET1(r->conn_id);
			break;
		case 'd':
			if (IS("Data"))
				SET1(data);
			else if (IS("Direction"))
				SET1(r->direction);
			else if (sip_test_diagnosis(nm, v))
				goto msdiag;
			break;
		case 'e':
			if (sip_test_diagnosis(nm, v))
				goto msdiag;
			break;
		case 'f':
			if (IS("From") || IS("f"))
				SET1(from);
			break;
		case 'i':
			if (IS("i"))
				SET1(r->call_id);
			break;
		case 'l':
			if (IS("LogType"))
				SET1(r->log_type);
			else if (IS("Local") || IS("Local-IP"))
				SET1(r->local);
			break;
		case 'm':
			if (IS("ms-diagnostics") || IS("ms-diagnostics-public") ||
			    IS("ms-client-diagnostics")) {
			msdiag:   /* or a Test-Cs* Diagnosis (d, e) */
				if (ndi == s->didx_cap) {
					void *np = sip_grow(s->didx, &s->didx_cap,
							ndi + 1, sizeof *s->didx);
					if (!np)
						return SIP_ENOMEM;
					s->didx = np;
				}
				s->didx[ndi++] = i;
			}
			break;
		case 'p':
			if (IS("Peer"))
				SET1(r->peer);
			else if (IS("Proxy-Authenticate") &&
				 (rc = auth_servers(s, v)))
				return rc;
			break;
		case 'r':
			if (IS("Result-Code"))
				SET1(result);
			break;
		case 's':
			if (IS("Severity"))
				SET1(r->severity);
			else if (IS("Start-Line") || IS("SIP-Start-Line"))
				SET1(start_line);
			else if (IS("SIP-Call-ID"))
				SET1(r->call_id);
			else if (IS("SIP-CSeq"))
				SET1(r->cseq);
			else if (IS("Server"))
				SET1(r->server_agent);
			break;
		case 't':
			if (IS("Text"))
				SET1(text);
			else if (IS("Transport"))
				SET1(r->transport);
			else if (IS("To") || IS("t"))
				SET1(to);
			else if (IS("Trace-Correlation-Id"))
				SET1(tcorr);
			break;
		case 'u':
			if (IS("User-Agent") || IS("UserAgent"))
				SET1(r->user_agent);
			break;
		case 'v':
			if (IS("Via") || IS("v"))
				SET1(via);
			break;
		case 'w':
			if (IS("WWW-Authenticate") && (rc = auth_servers(s, v)))
				return rc;
			break;
		default:
			break;
		}
	}
	*text_field = text;

	/* Text and the result code. */
	if (result.p)
		r->has_result = sip_parse_result_code(result, &r->result_code,
						      &r->result_symbol);
	if (text.p) {
		uint32_t code;
		sip_str sym;
		if (sip_split_inline_result(text, &r->text, &code, &sym) &&
		    !r->has_result) {
			r->has_result = 1;
			r->result_code = code;
			r->result_symbol = sym;
		}
	} else if (r->header_text.n && !r->has_begin) {
		/* a one-line trace's free text (the header text of a record,
		   which another product writes, is framing) */
		r->text = r->header_text;
	}
	if (!r->has_result && r->header_text.n)
		r->has_result = sip_find_result_text(r->header_text,
						     &r->result_code,
						     &r->result_symbol);

	/* Data pairs and ms-diagnostics share the pool, capped at max_fields. */
	need = data.p ? sip_count_char(data, ';') + 1 : 0;
	for (size_t k = 0; k < ndi; k++) {
		sip_str dv = r->fields[s->didx[k]].value;
		/* a Test-Cs* Diagnosis separates its attributes by commas */
		need += sip_count_char(dv, sip_error_code_value(dv) ? ',' : ';') + 1;
	}
	if (need > max_fields)
		need = max_fields;
	if (need > s->pool_cap) {
		void *np = sip_grow(s->pool, &s->pool_cap, need, sizeof *s->pool);
		if (!np)
			return SIP_ENOMEM;
		s->pool = np;
	}
	if (ndi > s->diags_cap) {
		void *np = sip_grow(s->diags, &s->diags_cap, ndi, sizeof *s->diags);
		if (!np)
			return SIP_ENOMEM;
		s->diags = np;
	}
	room = need;
	if (data.p) {
		size_t found;
		r->data = s->pool;
		r->ndata = sip_parse_params(data, s->pool, room, &found);
		used = r->ndata;
		if (found > r->ndata)
			pool_full = 1;
		for (size_t k = 0; k < r->ndata; k++)
			if (sip_str_ieq(r->data[k].name, "fqdn")) {
				if (quote_unclosed(data, r->data[k].value))
					r->fqdn_cut = r->data[k].value;
				else
					r->fqdn = r->data[k].value;
				break;
			}
	}
	for (size_t k = 0; k < ndi; k++) {
		const sip_kv *f = &r->fields[s->didx[k]];
		size_t found = sip_parse_msdiag(f->name, f->value, &s->diags[k],
						s->pool + used, room - used);
		if (found > s->diags[k].nattrs)
			pool_full = 1;
		used += s->diags[k].nattrs;
	}
	r->diags = ndi ? s->diags : NULL;
	r->ndiags = ndi;
	*capped = pool_full;

	/* Transport, peer, correlation. */
	if (!r->transport.p && via.p)
		r->transport = sip_via_transport(via);
	if (r->peer.p)
		sip_parse_hostport(r->peer, &r->peer_host, &r->peer_port);
	if (!r->corr_id.p)
		r->corr_id = tcorr;

	/* The SIP message: the start line the parser found (client logs,
	   bare messages), else a Start-Line field (SIPStack). */
	if (start_line.p && !r->start_line.p)
		r->start_line = start_line;
	if (r->start_line.p)
		r->is_request = sip_parse_start_line(r->start_line, &r->method,
						     &r->request_uri, &r->status,
						     &r->reason);
	if (r->is_request == 0 && r->cseq.p)
		r->method = sip_cseq_method(r->cseq);
	if (from.p)
		sip_parse_name_addr(from, &r->from_uri, &r->from_tag);
	if (to.p)
		sip_parse_name_addr(to, &r->to_uri, &r->to_tag);
	if (r->direction.p) {
		size_t k = 0;
		while (k < r->direction.n && r->direction.p[k] != ';' &&
		       !is_ws(r->direction.p[k]))
			k++;
		r->direction.n = k;
	}
	r->servers = s->nservers ? s->servers : NULL;
	r->nservers = s->nservers;
	return 0;
}

#undef IS
#undef SET1
