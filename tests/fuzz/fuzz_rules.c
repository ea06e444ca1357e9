/*
 * fuzz_rules.c -- the rule loader and everything a loaded rule does:
 * arbitrary bytes as one *.rules file (sip_rules_add_text); when they
 * load, every rule is evaluated against the records of a small embedded
 * trace, and its title, cause, fix and key are rendered with the
 * variables of each match (and with a hostile variables object), with and
 * without a topology.  Template expansion, the JSON of the variables and
 * the PCRE2 limits all run on what the fuzzer wrote.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "rules.h"
#include "scan.h"
#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TRACE[] =
	"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::03/14/2012-09:12:03.367.0000000A "
	"(SIPStack,SIPAdminLog::WriteConnectionEvent:SIPAdminLog.cpp(454))"
	"$$begin_record\r\n"
	"LogType: connection\r\nSeverity: error\r\n"
	"Text: The peer is not a configured server on this network interface\r\n"
	"Peer-IP: 10.0.1.40:50001\r\nTransport: TLS\r\n"
	"Result-Code: 0xC3E93C0A SIPPROXY_E_CONNECTION_UNKNOWN_SERVER\r\n"
	"Data: fqdn=\"deitterick.com\"\r\n$$end_record\r\n"
	"TL_INFO(TF_PROTOCOL) [0]0AC0.1278::03/14/2012-09:12:04.000.0000000B "
	"(SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))"
	"$$begin_record\r\n"
	"Trace-Correlation-Id: 1\r\nInstance-Id: 2\r\nDirection: outgoing\r\n"
	"Peer: 10.0.1.40:5061\r\nMessage-Type: response\r\nStart-Line: "
	"SIP/2.0 504 Server time-out\r\nFrom: <sip:a@x.com>;tag=1\r\n"
	"To: <sip:b@y.com>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
	"ms-diagnostics: 1008;reason=\"Unable to resolve DNS SRV record\";"
	"Domain=\"y.com\";source=\"fe.x.com\"\r\n"
	"Content-Length: 0\r\nMessage-Body: \r\n$$end_record\r\n";

struct state {
	sip_rules *rs;
	sip_rules_ctx *ctx;
	sip_rules_out out;
	sip_topology *topo;
	sip_buf b;
	int oom;
};

static void render_all(struct state *st, const sip_rule *rule, const char *vars)
{
	for (int which = SIP_TEXT_TITLE; which <= SIP_TEXT_FIX; which++) {
		sip_buf_reset(&st->b);
		if (sip_rule_render(rule, which, vars, NULL, &st->b) ||
		    sip_rule_render(rule, which, vars, st->topo, &st->b))
			st->oom = 1;
	}
	sip_buf_reset(&st->b);
	if (sip_rule_key_json(rule, vars, &st->b))
		st->oom = 1;
}

static int on_record(void *ctx, const sip_record *r)
{
	struct state *st = ctx;
	int n;

	sip_rules_out_reset(&st->out);
	n = sip_rules_eval(st->ctx, r, 1, &st->out);
	for (int i = 0; i < n && (size_t)i < st->out.n; i++) {
		const sip_rule_match *m = &st->out.m[i];
		render_all(st, m->rule, st->out.text.p + m->vars_off);
	}
	for (size_t i = 0; i < sip_rules_count(st->rs); i++)
		(void)sip_rule_matches(st->ctx, sip_rules_at(st->rs, i), r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hostile[] = {
		NULL, "{}", "{\"fqdn\":\"deitterick.com\",\"peer\":\"\\u001b[2J\"}",
		"{\"fqdn\":", "[1,2", "{\"a\":\"\\ud800\"}",
	};
	struct state st;
	sip_rules_errors err = { NULL, NULL, 0 };
	sip_scan_opts opts;
	sip_scan_result res;
	sip_diag d;

	memset(&st, 0, sizeof st);
	st.rs = sip_rules_new();
	st.topo = sip_topology_new();
	if (!st.rs || !st.topo)
		goto out;
	sip_topology_add(st.topo, "mail.deitterick.com", 19, "pool", "fuzz");
	sip_topology_add(st.topo, "FE.X.COM", 8, "pool", "fuzz");
	if (sip_rules_add_text(st.rs, "fuzz.rules", (const char *)data, size,
			       &err, &d) != SIP_OK || err.count)
		goto out;
	st.ctx = sip_rules_ctx_new(st.rs);
	if (!st.ctx)
		goto out;
	sip_rules_out_init(&st.out);
	sip_buf_init(&st.b, 0);
	for (size_t i = 0; i < sip_rules_count(st.rs); i++) {
		const sip_rule *rule = sip_rules_at(st.rs, i);
		(void)sip_rules_find(st.rs, sip_rule_id(rule));
		for (size_t h = 0; h < sizeof hostile / sizeof hostile[0]; h++)
			render_all(&st, rule, hostile[h]);
	}
	memset(&opts, 0, sizeof opts);
	sip_scan_mem(TRACE, sizeof TRACE - 1, "fuzz", &opts, on_record, &st, &res, &d);
	sip_rules_ctx_set_prefilter(st.ctx, 0);
	sip_scan_mem(TRACE, sizeof TRACE - 1, "fuzz", &opts, on_record, &st, &res, &d);
	sip_buf_release(&st.b);
	sip_rules_out_release(&st.out);
	sip_rules_ctx_free(st.ctx);
out:
	sip_topology_free(st.topo);
	sip_rules_free(st.rs);
	return 0;
}
