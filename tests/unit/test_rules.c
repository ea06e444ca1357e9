/*
 * test_rules.c -- the rules engine: format parsing and every error message
 * with its exact file:line:col, substitution, key, benign, topology cases,
 * gates and pre-filters (same results with and without), the PCRE2 limit
 * on a catastrophic pattern, the built-in catalogue, records parsed from
 * real SIPStack text, unexplained templates.
 *
 * SIPSCAN_BENCH=N runs the evaluation benchmark over N parsed records and
 * prints ns/record (not a check); SIPSCAN_BENCH_FILE=trace.log does the
 * same over a real file (see test_bench_file).
 */
#include "t.h"

#include <time.h>

#include "rules.h"
#include "scan.h"

/* ---- helpers ------------------------------------------------------------ */

static char errs[16][1200];
static int nerrs;

static void collect(void *ctx, const sip_diag *d)
{
	(void)ctx;
	if (nerrs < 16)
		sip_diag_format(d, errs[nerrs++], sizeof errs[0]);
}

static sip_rules *load_text(const char *name, const char *text, int *rc)
{
	sip_rules *rs = sip_rules_new();
	sip_rules_errors e = { collect, NULL, 0 };
	sip_diag d;
	sip_diag_clear(&d);
	nerrs = 0;
	*rc = sip_rules_add_text(rs, name, text, strlen(text), &e, &d);
	return rs;
}

/* The first error of loading text, "" when none. */
static const char *first_error(const char *text)
{
	int rc;
	sip_rules *rs = load_text("t.rules", text, &rc);
	sip_rules_free(rs);
	return nerrs ? errs[0] : "";
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection record built by hand. */
static sip_record conn_record(const char *level, const char *text, sip_kv *data, size_t ndata)
{
	sip_record r;
	memset(&r, 0, sizeof r);
	r.kind = SIP_KIND_CONNECTION;
	r.level = (sip_str){ level, strlen(level) };
	r.flag = SIP_STR_LIT("TF_CONNECTION");
	r.text = (sip_str){ text, strlen(text) };
	r.severity = SIP_STR_LIT("error");
	r.raw = r.text;
	r.data = data;
	r.ndata = ndata;
	for (size_t i = 0; i < ndata; i++)
		if (sip_str_ieq(data[i].name, "fqdn"))
			r.fqdn = data[i].value;
	r.status = -1;
	r.is_request = -1;
	r.pid = r.tid = r.seq = r.src_line = r.peer_port = -1;
	return r;
}

static const char rule_head[] =
	"[rule PNC]\n"
	"title = Peer {fqdn} not configured\n"
	"severity = error\n"
	"kind = connection\n"
	"match.text = ^The peer is not a (?<what>configured server)\n"
	"key = fqdn\n"
	"topology = fqdn\n"
	"cause = generic {fqdn} {what}\n"
	"cause.parent = subject {fqdn} but pool {topo.entry}\n"
	"cause.notopology = {fqdn}: --topology would make it precise\n"
	"fix = fix {fqdn}\n"
	"refs = https://a.example/1\n"
	"  https://a.example/2\n"
	"\n"
	"[rule BEN]\n"
	"title = benign\n"
	"severity = info\n"
	"benign = yes\n"
	"match.anywhere = SIPPROXY_E_UNKNOWN_USER_OR_EPID|0xC3E93C2F\n"
	"cause = c\n"
	"fix = f\n";

/* ---- format and errors ------------------------------------------------- */

static void test_errors(void)
{
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = huge\nmatch.text = x\ncause = c\nfix = f\n"),
		  "t.rules:3:12: bad severity 'huge' (info, warning, error, critical)");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\ncolour = red\nmatch.text = x\ncause = c\nfix = f\n"),
		  "t.rules:4:1: unknown key 'colour'");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = ab(c\ncause = c\nfix = f\n"),
		  "t.rules:4:18: regex error: missing closing parenthesis");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\ncause = c\n"),
		  "t.rules:1:1: rule 'A': missing required key 'fix'");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\ncause = c\nfix = f\n"
			      "[rule A]\ntitle = t\nseverity = info\nmatch.text = y\ncause = c\nfix = f\n"),
		  "t.rules:7:7: duplicate id 'A' (first defined at t.rules:1)");
	CHECK_STR(first_error("[rule A]\ntitle = t {nosuch}\nseverity = info\nmatch.text = x\ncause = c\nfix = f\n"),
		  "t.rules:2:11: unknown substitution name '{nosuch}'");
	/* the column of a name on a continuation line */
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\ncause = c\n    more {bad}\nfix = f\n"),
		  "t.rules:6:10: unknown substitution name '{bad}'");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\ncause = c\nfix = f\n"
			      "example.match = <<EOT\nline\n"),
		  "t.rules:7:17: unterminated example: no line 'EOT' before the end of the file");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.nowhere = x\ncause = c\nfix = f\n"),
		  "t.rules:4:7: unknown target 'nowhere'");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nkind = connection, bogus\ncause = c\nfix = f\n"),
		  "t.rules:4:20: unknown kind 'bogus' (trace, connection, diagnostic, protocol)");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nstatus = 4xx\ncause = c\nfix = f\n"),
		  "t.rules:4:10: bad number list '4xx' (e.g. 403, 480-499)");
	CHECK_STR(first_error("title = t\n"), "t.rules:1:1: 'title' outside a [rule] section");
	CHECK_STR(first_error("[rule A]\ntitle = t\ntitle = u\nseverity = info\nmatch.text = x\ncause = c\nfix = f\n"),
		  "t.rules:3:1: duplicate key 'title' (first at line 2)");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\ncause = c\nfix = f\n"),
		  "t.rules:1:1: rule 'A': no condition (match., not., kind, level, status, diag)");
	/* a maybe. pattern only captures: alone, the rule would match all */
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmaybe.to = (?<d>.+)\ncause = c\nfix = f\n"),
		  "t.rules:1:1: rule 'A': no condition (match., not., kind, level, status, diag)");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\ncause = c\nfix = f\n"
			      "cause.parent = p\n"),
		  "t.rules:1:1: rule 'A': 'cause.parent' needs 'topology ='");
	CHECK_STR(first_error("[rule A]\ntitle = t\nseverity = info\nmatch.text = x\nkey = fqdn, zork\ncause = c\nfix = f\n"),
		  "t.rules:5:13: unknown key variable 'zork'");
	CHECK_STR(first_error("[rule bad id!]\n"), "t.rules:1:7: bad rule id 'bad id!' (letters, digits, - _ . ; at most 64)");
	/* several errors in one file are all reported */
	{
		int rc;
		sip_rules *rs = load_text("m.rules", "[rule A]\nseverity = x\nfoo = 1\n", &rc);
		CHECK_INT(rc, SIP_ERULE);
		CHECK_INT(nerrs, 2);
		CHECK_INT(sip_rules_count(rs), 0);
		sip_rules_free(rs);
	}
	CHECK_STR(first_error(rule_head), "");
}

static void test_builtin(void)
{
	sip_rules *rs = sip_rules_new();
	sip_rules_errors e = { collect, NULL, 0 };
	sip_diag d;
	sip_diag_clear(&d);
	nerrs = 0;
	CHECK_INT(sip_rules_add_builtin(rs, &e, &d), SIP_OK);
	CHECK_INT(nerrs, 0);
	if (nerrs)
		fprintf(stderr, "    %s\n", errs[0]);
	CHECK(sip_rules_count(rs) >= 3);
	CHECK(sip_rules_find(rs, "PEER-NOT-CONFIGURED") != NULL);
	CHECK(sip_rule_benign(sip_rules_find(rs, "UNKNOWN-USER-OR-EPID")));
	/* a later layer overrides by id */
	{
		static const char over[] = "[rule PEER-NOT-CONFIGURED]\ntitle = mine\nseverity = warning\n"
					   "match.text = x\ncause = c\nfix = f\n";
		size_t n = sip_rules_count(rs);
		sip_rules_new_layer(rs);
		CHECK_INT(sip_rules_add_text(rs, "o.rules", over, sizeof over - 1, &e, &d), SIP_OK);
		CHECK_INT(sip_rules_count(rs), n);
		CHECK_STR(sip_rule_title(sip_rules_find(rs, "PEER-NOT-CONFIGURED")), "mine");
	}
	sip_rules_free(rs);
}

/* ---- evaluation ------------------------------------------------------------ */

static void test_match_key_vars_render(void)
{
	int rc;
	sip_rules *rs = load_text("h.rules", rule_head, &rc);
	sip_rules_ctx *ctx = sip_rules_ctx_new(rs);
	sip_rules_out out;
	sip_kv data[] = { { SIP_STR_LIT("fqdn"), SIP_STR_LIT("deitterick.com") } };
	sip_record r = conn_record("TL_ERROR", "The peer is not a configured server on this network interface", data, 1);
	sip_buf b;
	sip_topology *topo = sip_topology_new();

	CHECK_INT(rc, SIP_OK);
	sip_rules_out_init(&out);
	sip_buf_init(&b, 0);
	CHECK_INT(sip_rules_eval(ctx, &r, 7, &out), 1);
	CHECK_INT(out.n, 1);
	CHECK_INT(out.nu, 0);
	CHECK_STR(sip_rule_id(out.m[0].rule), "PNC");
	CHECK_INT(out.m[0].tag, 7);
	CHECK_STR(out.text.p + out.m[0].key_off, "fqdn=deitterick.com");
	CHECK_STR(out.text.p + out.m[0].vars_off,
		  "{\"fqdn\":\"deitterick.com\",\"what\":\"configured server\"}");
	CHECK_STR(sip_rule_refs(out.m[0].rule), "https://a.example/1 https://a.example/2");

	/* rendering: title, generic cause, per-topology causes */
	CHECK_INT(sip_rule_render(out.m[0].rule, SIP_TEXT_TITLE, out.text.p + out.m[0].vars_off, NULL, &b), SIP_OK);
	CHECK_STR(b.p, "Peer deitterick.com not configured");
	sip_buf_reset(&b);
	sip_rule_render(out.m[0].rule, SIP_TEXT_CAUSE, out.text.p + out.m[0].vars_off, NULL, &b);
	CHECK_STR(b.p, "deitterick.com: --topology would make it precise");
	sip_topology_add(topo, "mail.deitterick.com", 19, "pool", "t");
	sip_buf_reset(&b);
	sip_rule_render(out.m[0].rule, SIP_TEXT_CAUSE, out.text.p + out.m[0].vars_off, topo, &b);
	CHECK_STR(b.p, "subject deitterick.com but pool mail.deitterick.com");
	/* no cause.exact: falls back to cause */
	sip_buf_reset(&b);
	sip_rule_render(out.m[0].rule, SIP_TEXT_CAUSE, "{\"fqdn\":\"mail.deitterick.com\",\"what\":\"w\"}", topo, &b);
	CHECK_STR(b.p, "generic mail.deitterick.com w");
	/* escapes in vars are decoded; an absent var is left out, never ? */
	sip_buf_reset(&b);
	sip_rule_render(out.m[0].rule, SIP_TEXT_FIX, "{\"fqdn\":\"a\\\"b\\u00e9\"}", NULL, &b);
	CHECK_STR(b.p, "fix a\"b\xc3\xa9");
	sip_buf_reset(&b);
	sip_rule_render(out.m[0].rule, SIP_TEXT_FIX, "{}", NULL, &b);
	CHECK_STR(b.p, "fix");
	sip_buf_reset(&b);
	CHECK_INT(sip_rule_key_json(out.m[0].rule, out.text.p + out.m[0].vars_off, &b), SIP_OK);
	CHECK_STR(b.p, "{\"fqdn\":\"deitterick.com\"}");

	/* kind gate: the same text in a trace record does not match; it is
	   an error, so it is unexplained */
	sip_rules_out_reset(&out);
	r.kind = SIP_KIND_TRACE;
	CHECK_INT(sip_rules_eval(ctx, &r, 8, &out), 0);
	CHECK_INT(out.nu, 1);
	CHECK_INT(out.u[0].tag, 8);
	CHECK_STR(out.text.p + out.u[0].tmpl_off, "The peer is not a configured server on this network interface");

	/* benign: matched (so not unexplained), flagged */
	{
		sip_record b2 = conn_record("TL_WARN", "Failed to deliver", NULL, 0);
		b2.has_result = 1;
		b2.result_code = 0xC3E93C2Fu;
		sip_rules_out_reset(&out);
		CHECK_INT(sip_rules_eval(ctx, &b2, 9, &out), 1);
		CHECK_STR(sip_rule_id(out.m[0].rule), "BEN");
		CHECK(out.m[0].benign);
		CHECK_INT(out.nu, 0);
		CHECK_STR(out.text.p + out.m[0].key_off, "");
	}
	sip_topology_free(topo);
	sip_buf_release(&b);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

/* Every target kind, negation, numeric gates; with and without pre-filter. */
static const char prefilter_rules[] =
	"[rule R1]\ntitle = t\nseverity = info\nmatch.text = configured server\ncause = c\nfix = f\n"
	"[rule R2]\ntitle = t\nseverity = info\nmatch.text = (?i)PEER IS\nnot.data.fqdn = ^bad\\.\ncause = c\nfix = f\n"
	"[rule R3]\ntitle = t\nseverity = info\nmatch.anywhere = 0xC3E93D67|ROUTING_MSG\ncause = c\nfix = f\n"
	"[rule R4]\ntitle = t\nseverity = info\nmatch.data.fqdn = contoso\\.(com|net)$\ncause = c\nfix = f\n"
	"[rule R5]\ntitle = t\nseverity = info\nmatch.text = a+b?c*dd\\.e\ncause = c\nfix = f\n"
	"[rule R6]\ntitle = t\nseverity = info\nlevel = TL_ERROR, TL_FATAL\nnot.text = peer\ncause = c\nfix = f\n"
	"[rule R7]\ntitle = t\nseverity = info\nmatch.result = ^0xC3E9\ncause = c\nfix = f\n"
	"[rule R8]\ntitle = t\nseverity = info\nmatch.text = x{2,}yy(z|w)?q\ncause = c\nfix = f\n"
	"[rule R9]\ntitle = t\nseverity = info\nmatch.symbol = (?i)^sipproxy_e_\\w+mismatch\ncause = c\nfix = f\n";

static void test_prefilter_equivalence(void)
{
	int rc;
	sip_rules *rs = load_text("p.rules", prefilter_rules, &rc);
	sip_rules_ctx *fast = sip_rules_ctx_new(rs), *slow = sip_rules_ctx_new(rs);
	static const char *const texts[] = {
		"The peer is not a configured server on this network interface",
		"the PEER is gone", "configured", "aadd.e", "abcccdd.e", "add_e",
		"xxyyq", "xxyyzq", "xyyq", "xxxyywq", "nothing at all", "", "ROUTING_MSG",
		"Peer Is", "\xff\xfe invalid utf8 configured server \xc3",
	};
	static const char *const fqdns[] = { "deitterick.com", "bad.contoso.com", "x.contoso.net", NULL };
	static const char *const levels[] = { "TL_ERROR", "TL_INFO", "TL_FATAL" };
	int compared = 0, matched = 0, differ = 0;
	sip_str sym = SIP_STR_LIT("SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");

	CHECK_INT(rc, SIP_OK);
	CHECK_INT(sip_rules_count(rs), 9);
	sip_rules_ctx_set_prefilter(slow, 0);
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
		for (size_t f = 0; f < 4; f++)
			for (size_t l = 0; l < 3; l++)
				for (int res = 0; res < 3; res++) {
					sip_kv data[1];
					sip_record r;
					size_t nd = 0;
					if (fqdns[f]) {
						data[0].name = SIP_STR_LIT("fqdn");
						data[0].value = (sip_str){ fqdns[f], strlen(fqdns[f]) };
						nd = 1;
					}
					r = conn_record(levels[l], texts[t], data, nd);
					if (res) {
						r.has_result = 1;
						r.result_code = res == 1 ? 0xC3E93D67u : 0x80090322u;
						r.result_symbol = res == 1 ? sym : SIP_STR_LIT("SEC_E_WRONG_PRINCIPAL");
					}
					for (size_t k = 0; k < sip_rules_count(rs); k++) {
						const sip_rule *ru = sip_rules_at(rs, k);
						int a = sip_rule_matches(fast, ru, &r);
						int b = sip_rule_matches(slow, ru, &r);
						compared++;
						matched += a;
						differ += a != b;
					}
				}
	CHECK_INT(differ, 0);
	CHECK(matched > 50);
	CHECK(compared - matched > 50);
	/* spot checks that would expose a wrong literal */
	{
		sip_record r = conn_record("TL_INFO", "abcccdd.e", NULL, 0);
		CHECK(sip_rule_matches(fast, sip_rules_find(rs, "R5"), &r));
		r = conn_record("TL_INFO", "xxxyywq", NULL, 0);
		CHECK(sip_rule_matches(fast, sip_rules_find(rs, "R8"), &r));
		r = conn_record("TL_INFO", "the PEER is gone", NULL, 0);
		CHECK(sip_rule_matches(fast, sip_rules_find(rs, "R2"), &r));
		r = conn_record("TL_ERROR", "no such thing", NULL, 0);
		CHECK(sip_rule_matches(fast, sip_rules_find(rs, "R6"), &r));
		r = conn_record("TL_INFO", "no such thing", NULL, 0);
		CHECK(!sip_rule_matches(fast, sip_rules_find(rs, "R6"), &r));
	}
	sip_rules_ctx_free(fast);
	sip_rules_ctx_free(slow);
	sip_rules_free(rs);
}

/* The shared literal scan samples every 4th byte: a literal must be found
   at every offset, in any case for (?i), at the very end of a value, in a
   Data value, a result code and an ms-diagnostics attribute; short
   literals keep their own check. */
static const char literal_rules[] =
	"[rule L1]\ntitle = t\nseverity = info\nmatch.anywhere = (?i)0xC3E93D67|ROUTING_MSG_CERT\ncause = c\nfix = f\n"
	"[rule L2]\ntitle = t\nseverity = info\nmatch.text = Exact Case Words\ncause = c\nfix = f\n"
	"[rule L3]\ntitle = t\nseverity = info\nmatch.text = (?i)foo\ncause = c\nfix = f\n"
	"[rule L4]\ntitle = t\nseverity = info\nmatch.data.x = some-value-here\nmatch.text = (?i)exact case\ncause = c\nfix = f\n"
	"[rule L5]\ntitle = t\nseverity = info\nmatch.diag.HRESULT = (?i)sec_e_wrong_principal\ncause = c\nfix = f\n"
	"[rule L6]\ntitle = t\nseverity = info\nmatch.anywhere = Q7_Z9W\ncause = c\nfix = f\n";

static void test_literal_scan(void)
{
	int rc;
	sip_rules *rs = load_text("l.rules", literal_rules, &rc);
	sip_rules_ctx *fast = sip_rules_ctx_new(rs), *slow = sip_rules_ctx_new(rs);
	static const char *const words[] = {
		"0xc3e93d67", "0XC3E93D67", "routing_msg_cert", "ROUTING_MSG_CERT", "Exact Case Words",
		"exact case words", "FOO", "foo", "some-value-here", "SEC_E_WRONG_PRINCIPAL", "nothing",
		"Q7_Z9W", "q7_z9w",
	};
	int differ = 0, matched = 0, hits[6] = { 0 };

	CHECK_INT(rc, SIP_OK);
	sip_rules_ctx_set_prefilter(slow, 0);
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
		for (int pre = 0; pre < 9; pre++)
			for (int post = 0; post < 3; post++)
				for (int where = 0; where < 4; where++) {
					char text[128];
					sip_kv data[1] = { { SIP_STR_LIT("x"), SIP_STR_NULL } };
					sip_kv attr[1] = { { SIP_STR_LIT("HRESULT"), SIP_STR_NULL } };
					sip_msdiag md;
					sip_record r;
					int n = snprintf(text, sizeof text, "%.*s%s%.*s", pre, "abcdefghi",
							 words[w], post, "xyz");
					sip_str v = { text, (size_t)n };
					/* where: 0 text, 1 Data value (text "exact case"),
					   2 ms-diagnostics attribute, 3 result symbol */
					r = conn_record("TL_INFO", where ? "exact case" : text, data, where == 1);
					data[0].value = v;
					memset(&md, 0, sizeof md);
					md.code = 1010;
					md.subcode = -1;
					attr[0].value = v;
					md.attrs = attr;
					md.nattrs = 1;
					if (where == 2)
						r.diags = &md, r.ndiags = 1;
					if (where == 3) {
						r.has_result = 1;
						r.result_code = 0x80004005u;
						r.result_symbol = v;
					}
					for (size_t k = 0; k < sip_rules_count(rs); k++) {
						const sip_rule *ru = sip_rules_at(rs, k);
						int a = sip_rule_matches(fast, ru, &r);
						int b = sip_rule_matches(slow, ru, &r);
						differ += a != b;
						matched += a;
						hits[k] += a;
					}
				}
	CHECK_INT(differ, 0);
	/* L1: 4 words x 27 placements, in text, data, diag attr and symbol */
	CHECK_INT(hits[0], 4 * 27 * 4);
	/* L2: the exact-case word in text only */
	CHECK_INT(hits[1], 27);
	/* L3: FOO and foo in text only (the other places have "exact case") */
	CHECK_INT(hits[2], 2 * 27);
	/* L4: some-value-here as Data x */
	CHECK_INT(hits[3], 27);
	/* L5: as an HRESULT attribute */
	CHECK_INT(hits[4], 27);
	/* L6: the shortest literal the scan takes (6), case-sensitive, in
	   all four places, at every offset including the very end */
	CHECK_INT(hits[5], 27 * 4);
	CHECK(matched > 0);
	sip_rules_ctx_free(fast);
	sip_rules_ctx_free(slow);
	sip_rules_free(rs);
}

static void test_catastrophic_pattern(void)
{
	int rc;
	sip_rules *rs = load_text("c.rules",
		"[rule CAT]\ntitle = t\nseverity = info\nmatch.text = ^(a+)+$\ncause = c\nfix = f\n", &rc);
	sip_rules_ctx *ctx = sip_rules_ctx_new(rs);
	sip_rules_out out;
	size_t n = 20000;
	char *text = malloc(n + 2);
	sip_record r;
	double t0;

	CHECK_INT(rc, SIP_OK);
	memset(text, 'a', n);
	text[n] = 'b';
	text[n + 1] = 0;
	r = conn_record("TL_ERROR", text, NULL, 0);
	sip_rules_out_init(&out);
	t0 = now();
	CHECK_INT(sip_rules_eval(ctx, &r, 1, &out), 0);
	CHECK(now() - t0 < 5.0);
	CHECK(out.limit_hits >= 1);
	CHECK_INT(out.nu, 1); /* reported as unexplained, not crashed */
	/* a short text still matches normally */
	r = conn_record("TL_ERROR", "aaaa", NULL, 0);
	sip_rules_out_reset(&out);
	CHECK_INT(sip_rules_eval(ctx, &r, 2, &out), 1);
	sip_rules_out_release(&out);
	free(text);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

/* ---- real records through the parser ----------------------------------- */

typedef struct eval_state {
	sip_rules_ctx *ctx;
	sip_rules_out *out;
	uint64_t n;
} eval_state;

static int on_rec(void *vctx, const sip_record *r)
{
	eval_state *st = vctx;
	return sip_rules_eval(st->ctx, r, st->n++, st->out) < 0;
}

static const char trace[] =
	"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\r\n"
	"LogType: connection\r\nSeverity: error\r\n"
	"Text: The peer is not a configured server on this network interface\r\n"
	"Transport: TLS\r\nData: fqdn=\"deitterick.com\"\r\n$$end_record\r\n"
	"TL_ERROR(TF_DIAG) [sfvedge\\sfvedge]0B60.0D6C::03/02/2017-06:30:40.025.00005602 (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(833)) [3634190282] $$begin_record\r\n"
	"Severity: error\r\n"
	"Text: Message cannot be routed because the peer's certificate does not contain a matching FQDN\r\n"
	"Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH\r\n"
	"Peer: vcse.steven.lab:25001\r\n"
	"Data: expected-fqdn=\" vcse.acano.steven.lab \"; certName=\" vcse.steven.lab \"\r\n$$end_record\r\n"
	"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\r\n"
	"Trace-Correlation-Id: 2003888399\r\nInstance-Id: 0000C23F\r\nDirection: outgoing\r\n"
	"Peer: lyncservr.contoso.com:61182\r\nMessage-Type: response\r\n"
	"Start-Line: SIP/2.0 504 Server time-out\r\n"
	"From: <sip:a@contoso.com>;tag=1\r\nTo: <sip:b@fabrikam.com>;tag=2\r\n"
	"CSeq: 1 INVITE\r\nCall-ID: 017b06f397b14886bba5edf97ea206bd\r\n"
	"ms-diagnostics: 1047;reason=\"Failed to complete TLS negotiation with a federated peer server\";"
	"WinsockFailureCode=\"10054(WSAECONNRESET)\";source=\"edge.contoso.com\"\r\n"
	"Content-Length: 0\r\nMessage-Body: -\r\n$$end_record\r\n"
	"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:44.101.00005387 (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\r\n"
	"Trace-Correlation-Id: 2003888400\r\nInstance-Id: 0000C23F\r\nDirection: incoming\r\n"
	"Peer: lyncservr.contoso.com:61182\r\nMessage-Type: response\r\n"
	"Start-Line: SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nCall-ID: abc\r\nContent-Length: 0\r\n"
	"Message-Body: -\r\n$$end_record\r\n";

static void test_parsed_records(void)
{
	sip_rules *rs = sip_rules_new();
	sip_rules_ctx *ctx;
	sip_rules_out out;
	eval_state st;
	sip_diag d;
	int rc;
	static const char extra[] =
		"[rule FED-TLS]\ntitle = t\nseverity = error\ndiag = 1047\n"
		"match.diag.WinsockFailureCode = ^(?<wsa>\\d+)\nmatch.anywhere = WSAECONNRESET\n"
		"key = diag.source\ncause = reset {wsa} by {diag.source}\nfix = f\n";

	sip_diag_clear(&d);
	/* Only core.rules (not the whole, growing, catalogue), so the match
	   list below is exactly what these records must give. */
	{
		static char core[65536];
		FILE *f = fopen(t_src("rules/core.rules"), "rb");
		size_t n = f ? fread(core, 1, sizeof core, f) : 0;
		if (f)
			fclose(f);
		CHECK(n > 0 && n < sizeof core);
		CHECK_INT(sip_rules_add_text(rs, "core.rules", core, n, NULL, &d), SIP_OK);
	}
	sip_rules_new_layer(rs);
	CHECK_INT(sip_rules_add_text(rs, "x.rules", extra, sizeof extra - 1, NULL, &d), SIP_OK);
	ctx = sip_rules_ctx_new(rs);
	sip_rules_out_init(&out);
	st.ctx = ctx, st.out = &out, st.n = 0;
	rc = sip_scan_mem(trace, sizeof trace - 1, "trace.log", NULL, on_rec, &st, NULL, &d);
	CHECK_INT(rc, SIP_OK);
	CHECK_INT(st.n, 4);
	CHECK_INT(out.n, 3);
	if (out.n == 3) {
		CHECK_STR(sip_rule_id(out.m[0].rule), "PEER-NOT-CONFIGURED");
		CHECK_STR(out.text.p + out.m[0].key_off, "fqdn=deitterick.com");
		CHECK_STR(sip_rule_id(out.m[1].rule), "ROUTING-MSG-CERT-MISMATCH");
		CHECK_STR(out.text.p + out.m[1].key_off, "expected=vcse.acano.steven.lab");
		CHECK_STR(sip_rule_id(out.m[2].rule), "FED-TLS");
		CHECK_INT(out.m[2].tag, 2);
		CHECK_STR(out.text.p + out.m[2].key_off, "diag.source=edge.contoso.com");
		{
			sip_buf b;
			sip_buf_init(&b, 0);
			sip_rule_render(out.m[2].rule, SIP_TEXT_CAUSE, out.text.p + out.m[2].vars_off, NULL, &b);
			CHECK_STR(b.p, "reset 10054 by edge.contoso.com");
			sip_buf_reset(&b);
			sip_rule_render(out.m[1].rule, SIP_TEXT_FIX, out.text.p + out.m[1].vars_off, NULL, &b);
			CHECK(strstr(b.p, "vcse.steven.lab:25001") != NULL);
			sip_buf_release(&b);
		}
	}
	CHECK_INT(out.nu, 0); /* the 200 OK is not a problem */
	CHECK_INT(out.limit_hits, 0);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

static void test_template(void)
{
	sip_record r = conn_record("TL_ERROR",
		"Failed to connect to 10.1.2.3:5061 for \"user@x\" id {0x8007274C} guid "
		"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 call c00bc6180f284b948be61febf274d05e "
		"host fe01.pool.contoso.com retry 3 at sip:a@b.com; v6 fe80::1 file SIPAdminLog.cpp.",
		NULL, 0);
	sip_buf b;
	sip_buf_init(&b, 0);
	CHECK(sip_record_is_problem(&r));
	CHECK_INT(sip_rules_template(&r, &b), SIP_OK);
	CHECK_STR(b.p, "Failed to connect to <ip> for \"<v>\" id {<hex>} guid <guid> call <hex> "
		       "host <host> retry <n> at <uri>; v6 <ip> file SIPAdminLog.cpp.");
	/* a SIP error response with ms-diagnostics */
	{
		sip_msdiag md;
		sip_record s;
		memset(&md, 0, sizeof md);
		md.code = 1009;
		md.subcode = -1;
		md.reason = SIP_STR_LIT("No match for domain in DNS SRV results");
		memset(&s, 0, sizeof s);
		s.kind = SIP_KIND_PROTOCOL;
		s.level = SIP_STR_LIT("TL_INFO");
		s.is_request = 0;
		s.status = 504;
		s.reason = SIP_STR_LIT("Server time-out");
		s.diags = &md;
		s.ndiags = 1;
		CHECK(sip_record_is_problem(&s));
		sip_buf_reset(&b);
		sip_rules_template(&s, &b);
		CHECK_STR(b.p, "SIP 504 Server time-out | ms-diagnostics 1009 No match for domain in DNS SRV results");
		s.status = 200;
		s.ndiags = 0;
		CHECK(!sip_record_is_problem(&s));
	}
	sip_buf_release(&b);
}

/* ---- the catalogue, fast path against reference path -------------------- */

static const char *argv0;

/* Every record is evaluated by the full catalogue twice: with the gates,
   masks and literal pre-filters (fast) and without (slow); the matches,
   their key and variable texts, the unexplained templates and the limit
   hits must be identical, and so must sip_rule_matches for every rule. */
typedef struct equiv_state {
	const sip_rules *rs;
	sip_rules_ctx *fast, *slow;
	sip_rules_out a, b;
	uint64_t records, matches, unexplained, differ, rule_checks, rule_hits;
} equiv_state;

static int equiv_rec(void *vctx, const sip_record *r)
{
	equiv_state *st = vctx;
	int ma, mb, same;

	sip_rules_out_reset(&st->a);
	sip_rules_out_reset(&st->b);
	ma = sip_rules_eval(st->fast, r, st->records, &st->a);
	mb = sip_rules_eval(st->slow, r, st->records, &st->b);
	same = ma == mb && st->a.n == st->b.n && st->a.nu == st->b.nu &&
	       st->a.limit_hits == st->b.limit_hits;
	for (size_t i = 0; same && i < st->a.n; i++) {
		const sip_rule_match *x = &st->a.m[i], *y = &st->b.m[i];
		same = x->rule == y->rule && x->tag == y->tag && x->benign == y->benign &&
		       !strcmp(st->a.text.p + x->key_off, st->b.text.p + y->key_off) &&
		       !strcmp(st->a.text.p + x->vars_off, st->b.text.p + y->vars_off);
	}
	for (size_t i = 0; same && i < st->a.nu; i++)
		same = !strcmp(st->a.text.p + st->a.u[i].tmpl_off,
			       st->b.text.p + st->b.u[i].tmpl_off);
	if (!same) {
		if (st->differ < 5)
			fprintf(stderr, "    record at line %llu: fast %d matches, slow %d\n",
				(unsigned long long)r->line, ma, mb);
		st->differ++;
	}
	for (size_t k = 0; k < sip_rules_count(st->rs); k++) {
		const sip_rule *ru = sip_rules_at(st->rs, k);
		int x = sip_rule_matches(st->fast, ru, r), y = sip_rule_matches(st->slow, ru, r);
		if (x != y) {
			if (st->differ < 5)
				fprintf(stderr, "    record at line %llu: rule %s fast %d slow %d\n",
					(unsigned long long)r->line, sip_rule_id(ru), x, y);
			st->differ++;
		}
		st->rule_checks++;
		st->rule_hits += (uint64_t)x;
	}
	st->records++;
	st->matches += ma > 0 ? (uint64_t)ma : 0;
	st->unexplained += st->a.nu;
	return 0;
}

/* The output of sipscan-gen (next to this test binary), or NULL. */
static char *generate(const char *args, size_t *n)
{
	char cmd[4600], *buf = NULL;
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	size_t cap = 0, got;
	FILE *p;

	*n = 0;
	if (!slash)
		return NULL;
	snprintf(cmd, sizeof cmd, "'%.*s/sipscan-gen' %s 2>/dev/null", (int)(slash - argv0),
		 argv0, args);
	if (!(p = popen(cmd, "r")))
		return NULL;
	for (;;) {
		if (*n == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);
			if (!nb)
				break;
			buf = nb;
		}
		if (!(got = fread(buf + *n, 1, cap - *n, p)))
			break;
		*n += got;
	}
	if (pclose(p) != 0 || !*n) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_catalogue_equivalence(void)
{
	sip_rules *rs = sip_rules_new();
	equiv_state st;
	sip_diag d;
	uint64_t sample_records = 0, gen_records = 0, example_records = 0;
	int files = 0;

	memset(&st, 0, sizeof st);
	sip_diag_clear(&d);
	CHECK_INT(sip_rules_add_builtin(rs, NULL, &d), SIP_OK);
	st.rs = rs;
	st.fast = sip_rules_ctx_new(rs);
	st.slow = sip_rules_ctx_new(rs);
	sip_rules_ctx_set_prefilter(st.slow, 0);
	sip_rules_out_init(&st.a);
	sip_rules_out_init(&st.b);

	/* the .log and .gz samples, through the real reader */
	{
		static const char *const names[] = {
			"lync2010-fe-owa.log", "ocs2007r2-edge.log", "sfb-edge-federation.log.gz",
		};
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			char path[4200];
			uint64_t before = st.records;
			snprintf(path, sizeof path, "%s", t_src("samples"));
			snprintf(path + strlen(path), sizeof path - strlen(path), "/%s", names[i]);
			CHECK_INT(sip_scan_file(path, NULL, equiv_rec, &st, NULL, &d), SIP_OK);
			CHECK(st.records > before);
			files++;
		}
		sample_records = st.records;
	}
	/* the examples of every rule, parsed */
	for (size_t k = 0; k < sip_rules_count(rs); k++) {
		const sip_rule *ru = sip_rules_at(rs, k);
		for (size_t e = 0; e < sip_rule_nexamples(ru); e++) {
			const sip_rule_example *ex = sip_rule_example_at(ru, e);
			sip_scan_mem(ex->text, ex->len, "example", NULL, equiv_rec, &st, NULL, &d);
		}
	}
	example_records = st.records - sample_records;
	/* two generated traces (both styles), when the generator is built */
	{
		static const char *const args[] = {
			"--size 2 --seed 11", "--style sfb --size 2 --seed 12 --crlf",
		};
		for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
			size_t n;
			char *text = generate(args[i], &n);
			uint64_t before = st.records;
			if (!text) {
				printf("     (sipscan-gen not found next to the test: generated trace skipped)\n");
				continue;
			}
			CHECK_INT(sip_scan_mem(text, n, "gen.log", NULL, equiv_rec, &st, NULL, &d), SIP_OK);
			CHECK(st.records > before + 1000);
			gen_records += st.records - before;
			free(text);
		}
	}
	CHECK_INT(st.differ, 0);
	CHECK(files == 3);
	CHECK(example_records > 0);
	CHECK(st.matches > 20);
	CHECK(st.rule_hits > 20);
	printf("     %llu records (%llu samples, %llu examples, %llu generated), %llu matches, "
	       "%llu unexplained, %llu rule checks\n",
	       (unsigned long long)st.records, (unsigned long long)sample_records,
	       (unsigned long long)example_records, (unsigned long long)gen_records,
	       (unsigned long long)st.matches, (unsigned long long)st.unexplained,
	       (unsigned long long)st.rule_checks);
	sip_rules_out_release(&st.a);
	sip_rules_out_release(&st.b);
	sip_rules_ctx_free(st.fast);
	sip_rules_ctx_free(st.slow);
	sip_rules_free(rs);
}

/* ---- benchmark (SIPSCAN_BENCH=N) ------------------------------------------ */

static int count_rec(void *vctx, const sip_record *r)
{
	eval_state *st = vctx;
	(void)r;
	st->n++;
	return 0;
}

/* Benchmark callback: evaluate r reps times, resetting the results each
   time (a real consumer drains them per record or per batch), and count
   the matches. */
typedef struct bench_state {
	sip_rules_ctx *ctx;
	sip_rules_out *out;
	uint64_t n, matches;
	int reps;
} bench_state;

static int bench_rec(void *vctx, const sip_record *r)
{
	bench_state *st = vctx;
	for (int k = 0; k < st->reps; k++) {
		int m;
		sip_rules_out_reset(st->out);
		m = sip_rules_eval(st->ctx, r, st->n, st->out);
		if (m < 0)
			return 1;
		if (!k)
			st->matches += (uint64_t)m;
	}
	st->n++;
	return 0;
}

static void test_bench(void)
{
	const char *env = getenv("SIPSCAN_BENCH");
	long n = env ? atol(env) : 0;
	sip_rules *rs;
	sip_rules_ctx *ctx;
	sip_rules_out out;
	sip_buf in;
	bench_state bst = { 0 };
	sip_diag d;
	double t0, t1, t2;
	int rc;

	if (n <= 0)
		return;
	rs = sip_rules_new();
	sip_diag_clear(&d);
	CHECK_INT(sip_rules_add_builtin(rs, NULL, &d), SIP_OK);
	ctx = sip_rules_ctx_new(rs);
	sip_rules_out_init(&out);
	sip_buf_init(&in, 0);
	/* mix: the four records above = 2 errors, 1 error response, 1 200 OK;
	   add 16 more 200 OKs per block so ~80% are ordinary. */
	for (long i = 0; i < n / 20 + 1; i++) {
		sip_buf_add(&in, trace, sizeof trace - 1);
		for (int k = 0; k < 16; k++)
			sip_buf_add(&in, strstr(trace, "TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:44"),
				    strlen(strstr(trace, "TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:44")));
	}
	t0 = now();
	/* parse only */
	{
		eval_state p = { NULL, NULL, 0 };
		rc = sip_scan_mem(in.p, in.n, "bench", NULL, count_rec, &p, NULL, &d);
		(void)rc;
	}
	t1 = now();
	bst.ctx = ctx;
	bst.out = &out;
	bst.reps = 1;
	rc = sip_scan_mem(in.p, in.n, "bench", NULL, bench_rec, &bst, NULL, &d);
	t2 = now();
	CHECK_INT(rc, SIP_OK);
	printf("bench: %llu records, %zu rules: parse %.0f ns/record, parse+eval %.0f ns/record, "
	       "eval %.0f ns/record, %llu matches\n",
	       (unsigned long long)bst.n, sip_rules_count(rs), (t1 - t0) * 1e9 / (double)bst.n,
	       (t2 - t1) * 1e9 / (double)bst.n, ((t2 - t1) - (t1 - t0)) * 1e9 / (double)bst.n,
	       (unsigned long long)bst.matches);
	sip_buf_release(&in);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

/*
 * SIPSCAN_BENCH_FILE=trace.log: scan the file without and with evaluation
 * and print ns/record for each (best of SIPSCAN_BENCH_RUNS runs, default
 * 3).  SIPSCAN_BENCH_REPS=K (default 10) adds a run that evaluates every
 * record K times, which measures the evaluation alone with the parse cost
 * divided out.  SIPSCAN_BENCH_RUNS=1 SIPSCAN_BENCH_REPS=1 is the setting
 * for callgrind (--toggle-collect=sip_rules_eval).
 */
static void test_bench_file(void)
{
	const char *path = getenv("SIPSCAN_BENCH_FILE");
	const char *e_runs = getenv("SIPSCAN_BENCH_RUNS"), *e_reps = getenv("SIPSCAN_BENCH_REPS");
	int runs = e_runs ? atoi(e_runs) : 3, reps = e_reps ? atoi(e_reps) : 10;
	double best_scan = 1e30, best_eval = 1e30, best_reps = 1e30;
	sip_rules *rs;
	sip_rules_ctx *ctx;
	sip_rules_out out;
	bench_state bst;
	sip_diag d;
	int rc;

	if (!path || !*path)
		return;
	if (runs < 1)
		runs = 1;
	rs = sip_rules_new();
	sip_diag_clear(&d);
	CHECK_INT(sip_rules_add_builtin(rs, NULL, &d), SIP_OK);
	ctx = sip_rules_ctx_new(rs);
	sip_rules_out_init(&out);
	memset(&bst, 0, sizeof bst);
	for (int run = 0; run < runs; run++) {
		double t0, t1, t2, t3;
		eval_state p = { NULL, NULL, 0 };
		t0 = now();
		rc = sip_scan_file(path, NULL, count_rec, &p, NULL, &d);
		CHECK_INT(rc, SIP_OK);
		t1 = now();
		memset(&bst, 0, sizeof bst);
		bst.ctx = ctx, bst.out = &out, bst.reps = 1;
		rc = sip_scan_file(path, NULL, bench_rec, &bst, NULL, &d);
		CHECK_INT(rc, SIP_OK);
		t2 = now();
		if (reps > 1) {
			bench_state b2 = { ctx, &out, 0, 0, reps };
			rc = sip_scan_file(path, NULL, bench_rec, &b2, NULL, &d);
			CHECK_INT(rc, SIP_OK);
		}
		t3 = now();
		if (t1 - t0 < best_scan)
			best_scan = t1 - t0;
		if (t2 - t1 < best_eval)
			best_eval = t2 - t1;
		if (t3 - t2 < best_reps)
			best_reps = t3 - t2;
	}
	if (bst.n) {
		double n = (double)bst.n;
		printf("bench-file: %s: %llu records, %zu rules, %llu matches\n"
		       "  scan %.0f ns/record, scan+eval %.0f ns/record, eval %.0f ns/record "
		       "(%.1f%% of scan+eval)\n",
		       path, (unsigned long long)bst.n, sip_rules_count(rs),
		       (unsigned long long)bst.matches, best_scan * 1e9 / n, best_eval * 1e9 / n,
		       (best_eval - best_scan) * 1e9 / n,
		       100.0 * (best_eval - best_scan) / best_eval);
		if (reps > 1)
			printf("  scan+%dx eval %.0f ns/record: eval alone %.1f ns/record\n", reps,
			       best_reps * 1e9 / n, (best_reps - best_scan) * 1e9 / n / reps);
	}
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

/* {name|text}, {?phrase} and the tidying after a value left out. */
static void test_render_absent(void)
{
	static const char rules_txt[] =
		"[rule OPT]\n"
		"title = {fqdn|A peer} refused{? (port {call_id})} the call{? from {from}}\n"
		"severity = error\n"
		"kind = connection\n"
		"match.text = refused\n"
		"cause = Server {host} said ({fqdn}) and '{peer}'.  {fqdn|the peer} is {peer}, {host}.\n"
		"fix = Test-NetConnection{? {fqdn} -Port {call_id|5061}} now.\n";
	static const struct { const char *vars; int which; const char *want; } cases[] = {
		{ "{}", SIP_TEXT_TITLE, "A peer refused the call" },
		{ "{\"fqdn\":\"edge.x.com\",\"call_id\":\"5061\"}", SIP_TEXT_TITLE,
		  "edge.x.com refused (port 5061) the call" },
		{ "{\"from\":\"sip:a@x.com\"}", SIP_TEXT_TITLE, "A peer refused the call from sip:a@x.com" },
		{ "{\"fqdn\":\"\"}", SIP_TEXT_TITLE, "A peer refused the call" },
		{ "{}", SIP_TEXT_CAUSE, "Server said and. The peer is." },
		{ "{\"fqdn\":\"f\",\"peer\":\"p\",\"host\":\"h\"}", SIP_TEXT_CAUSE,
		  "Server h said (f) and 'p'.  f is p, h." },
		{ "{}", SIP_TEXT_FIX, "Test-NetConnection now." },
		{ "{\"fqdn\":\"f\"}", SIP_TEXT_FIX, "Test-NetConnection f -Port 5061 now." },
	};
	int rc;
	sip_rules *rs = load_text("opt.rules", rules_txt, &rc);
	sip_buf b;

	CHECK_INT(rc, SIP_OK);
	if (!rs)
		return;
	sip_buf_init(&b, 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		sip_buf_reset(&b);
		CHECK_INT(sip_rule_render(sip_rules_at(rs, 0), cases[i].which, cases[i].vars, NULL, &b),
			  SIP_OK);
		CHECK_STR(b.p ? b.p : "", cases[i].want);
	}
	/* a phrase left open, or one inside another, is refused at load */
	sip_rules_free(load_text("bad.rules", "[rule B]\ntitle = a {?b {fqdn}\nseverity = info\n"
				 "kind = connection\nmatch.text = x\ncause = c\nfix = f\n", &rc));
	CHECK(rc != SIP_OK);
	sip_rules_free(load_text("bad2.rules", "[rule B]\ntitle = a {?b {?c}}\nseverity = info\n"
				 "kind = connection\nmatch.text = x\ncause = c\nfix = f\n", &rc));
	CHECK(rc != SIP_OK);
	sip_buf_release(&b);
	sip_rules_free(rs);
}

/*
 * Every built-in rule rendered with no value at all reads as a sentence:
 * no ?, no empty brackets or quotes, no blank at an end or before a comma.
 */
static void test_catalogue_absent_values(void)
{
	sip_rules *rs = sip_rules_new();
	sip_buf b;
	sip_diag d;

	CHECK(rs != NULL);
	if (!rs || sip_rules_add_builtin(rs, NULL, &d) != SIP_OK) {
		sip_rules_free(rs);
		return;
	}
	sip_buf_init(&b, 0);
	for (size_t i = 0; i < sip_rules_count(rs); i++) {
		for (int w = 0; w < 3; w++) {
			static const int which[3] = { SIP_TEXT_TITLE, SIP_TEXT_CAUSE, SIP_TEXT_FIX };
			const char *t;
			sip_buf_reset(&b);
			CHECK_INT(sip_rule_render(sip_rules_at(rs, i), which[w], "{}", NULL, &b), SIP_OK);
			t = b.p ? b.p : "";
			if (strstr(t, "()") || strstr(t, "( )") || strstr(t, "''") || strstr(t, "\"\"") ||
			    strstr(t, " ,") || strstr(t, "<host>") || (b.n && (t[0] == ' ' || t[b.n - 1] == ' ')) ||
			    /* a word left hanging by the value after it: "as, which" */
			    strstr(t, " as,") || strstr(t, " is,") || strstr(t, " of,") ||
			    strstr(t, " as.") || strstr(t, " is.") || strstr(t, " of.") ||
			    (strchr(t, '?') && !strstr(t, "?\"") && !strstr(t, "? ") && !strstr(t, "?)"))) {
				fprintf(stderr, "     rule %s text %d: %s\n", sip_rule_id(sip_rules_at(rs, i)), w, t);
				CHECK(0 && "a rendering with no values reads badly");
			}
		}
	}
	sip_buf_release(&b);
	sip_rules_free(rs);
}

/* A response with two ms-diagnostics headers: each code's rule reads the
   attributes of its own header (issue 15, item 3), never the other's. */
/* The builtin catalogue's matches of text, read as a file named name,
   into *out (the rules and their context to free after). */
static void eval_builtin(const char *text, size_t n, const char *name, sip_rules **rs,
			 sip_rules_ctx **ctx, sip_rules_out *out)
{
	eval_state st;
	sip_diag d;

	sip_diag_clear(&d);
	*rs = sip_rules_new();
	CHECK_INT(sip_rules_add_builtin(*rs, NULL, &d), SIP_OK);
	*ctx = sip_rules_ctx_new(*rs);
	sip_rules_out_init(out);
	st.ctx = *ctx, st.out = out, st.n = 0;
	CHECK_INT(sip_scan_mem(text, n, name, NULL, on_rec, &st, NULL, &d), SIP_OK);
}

static void test_two_diag_headers(void)
{
	static const char rec[] =
		"TL_INFO(TF_PROTOCOL) [fe01\\fe01]0584.0A44::03/02/2017-07:10:47.100.0000574A (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125)) [3634190359] $$begin_record\n"
		"Direction: outgoing;source=\"local\";destination=\"client\"\n"
		"Peer: 192.168.20.31:50744\nMessage-Type: response\n"
		"Start-Line: SIP/2.0 504 Server time-out\n"
		"From: <sip:alice@contoso.com>;tag=1a\nTo: <sip:bob@fabrikam.com>;tag=4d\n"
		"CSeq: 1 INVITE\nCall-ID: 9f8e7d6c5b4a\n"
		"ms-diagnostics: 1034;reason=\"Previous hop federated peer did not report diagnostic information\";Domain=\"fabrikam.com\";PeerServer=\"sip.fabrikam.com\";source=\"sfbedge01.contoso.com\"\n"
		"ms-diagnostics: 10003;source=\"sfbmed01.contoso.com\";reason=\"Proxy returned a SIP failure code\";component=\"MediationServer\";SipResponseCode=\"404\";SipResponseText=\"Not Found\"\n"
		"Content-Length: 0\nMessage-Body: -\n$$end_record\n";
	sip_rules *rs;
	sip_rules_ctx *ctx;
	sip_rules_out out;
	int seen = 0;

	eval_builtin(rec, sizeof rec - 1, "two.log", &rs, &ctx, &out);
	for (size_t i = 0; i < out.n; i++) {
		const char *id = sip_rule_id(out.m[i].rule);
		const char *key = out.text.p + out.m[i].key_off;
		if (!strcmp(id, "MSDIAG-10003-GATEWAY-FAILURE")) {
			CHECK_STR(key, "diag.source=sfbmed01.contoso.com; diag.SipResponseCode=404");
			seen |= 1;
		} else if (!strcmp(id, "MSDIAG-1034-PARTNER-NO-DIAGNOSTIC")) {
			CHECK_STR(key, "diag.Domain=fabrikam.com; diag.PeerServer=sip.fabrikam.com");
			seen |= 2;
		}
	}
	CHECK_INT(seen, 3);
	/* the 10003 header has no Domain: its rule never borrows the 1034's */
	for (size_t i = 0; i < out.n; i++)
		if (!strcmp(sip_rule_id(out.m[i].rule), "MSDIAG-10003-GATEWAY-FAILURE"))
			CHECK(strstr(out.text.p + out.m[i].vars_off, "sfbedge01") == NULL);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

/* maybe.: the capture when the value is there, the match either way
   (ms-diagnostics 1008 in a response, and quoted alone) */
static void test_maybe_capture(void)
{
	static const char rec[] =
		"SIP/2.0 504 Server time-out\n"
		"From: <sip:alice@contoso.com>;tag=1a\nTo: <sip:bob@fabrikam.com>;tag=4d\n"
		"CSeq: 1 INVITE\nCall-ID: 9f8e7d6c5b4a\n"
		"ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";source=\"edge.contoso.com\"\n"
		"Content-Length: 0\n\n"
		"and the other one, quoted alone:\n\n"
		"ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";source=\"edge.contoso.com\"\n";
	sip_rules *rs;
	sip_rules_ctx *ctx;
	sip_rules_out out;
	int seen = 0;

	eval_builtin(rec, sizeof rec - 1, "maybe.log", &rs, &ctx, &out);
	for (size_t i = 0; i < out.n; i++) {
		const char *key = out.text.p + out.m[i].key_off;
		if (strcmp(sip_rule_id(out.m[i].rule), "MSDIAG-1008-SRV-NOT-RESOLVED"))
			continue;
		if (!strcmp(key, "dest=fabrikam.com"))
			seen |= 1;
		else if (!strstr(key, "fabrikam"))
			seen |= 2;
	}
	CHECK_INT(seen, 3);
	sip_rules_out_release(&out);
	sip_rules_ctx_free(ctx);
	sip_rules_free(rs);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_errors), T(test_builtin), T(test_match_key_vars_render),
		T(test_prefilter_equivalence), T(test_literal_scan), T(test_catastrophic_pattern),
		T(test_parsed_records), T(test_template), T(test_catalogue_equivalence),
		T(test_bench), T(test_bench_file), T(test_render_absent),
		T(test_catalogue_absent_values), T(test_two_diag_headers), T(test_maybe_capture),
		{ 0 }
	};
	argv0 = argc > 0 ? argv[0] : NULL;
	return t_main(cases);
}
