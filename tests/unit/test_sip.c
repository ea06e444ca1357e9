/*
 * test_sip.c -- the slice helpers of parsers/sip.c: start lines, name-addr,
 * Via transport, host:port, tolerant pairs, ms-diagnostics, Result-Code,
 * and the SIPStack header matcher on valid and broken lines.
 */
#include "t.h"

#include "sip.h"

static sip_str S(const char *s)
{
	return (sip_str){ s, strlen(s) };
}

static sip_str at(const char *line, sip_span sp)
{
	return sp.off == SIP_SPAN_NONE ? SIP_STR_NULL : (sip_str){ line + sp.off, sp.n };
}

static void test_trim_ieq(void)
{
	CHECK_SLICE(sip_trim(S("  a b \t")), "a b");
	CHECK_SLICE(sip_trim(S("   ")), "");
	CHECK_SLICE(sip_trim(SIP_STR_NULL), NULL);
	CHECK(SIP_IEQ("Call-ID", 7, "call-id"));
	CHECK(!SIP_IEQ("Call-IDx", 8, "call-id"));
	CHECK_INT(sip_count_char(S("a;b;;c"), ';'), 3);
	CHECK_INT(sip_count_char(SIP_STR_NULL, ';'), 0);
}

static void test_start_line(void)
{
	sip_str m, u, r;
	int64_t st;

	CHECK_INT(sip_parse_start_line(S("OPTIONS sip:Options_User@fabrikam.com SIP/2.0"), &m, &u, &st, &r), 1);
	CHECK_SLICE(m, "OPTIONS");
	CHECK_SLICE(u, "sip:Options_User@fabrikam.com");
	CHECK_INT(st, -1);
	CHECK_SLICE(r, NULL);
	CHECK_INT(sip_parse_start_line(S("SIP/2.0 504 Server time-out"), &m, &u, &st, &r), 0);
	CHECK_INT(st, 504);
	CHECK_SLICE(r, "Server time-out");
	CHECK_SLICE(m, NULL);
	CHECK_INT(sip_parse_start_line(S("SIP/2.0 200"), &m, &u, &st, &r), 0);
	CHECK_INT(st, 200);
	CHECK_SLICE(r, "");
	CHECK_INT(sip_parse_start_line(S("SIP/2.0 20x OK"), &m, &u, &st, &r), -1);
	CHECK_INT(st, -1);
	CHECK_INT(sip_parse_start_line(S("INVITE"), &m, &u, &st, &r), -1);
	CHECK_INT(sip_parse_start_line(S(""), &m, &u, &st, &r), -1);
	/* what starts a bare message agrees: a status line without its
	   reason (cut off by a paste) is one */
	CHECK_INT(sip_is_start_line("SIP/2.0 200", 11), 1);
	CHECK_INT(sip_is_start_line("SIP/2.0 200 OK", 14), 1);
	CHECK_INT(sip_is_start_line("SIP/2.0 20", 10), 0);
	CHECK_INT(sip_is_start_line("SIP/2.0 2000", 12), 0);
	CHECK_INT(sip_is_start_line("OPTIONS sip:a@b.com SIP/2.0", 27), 1);
	CHECK_SLICE(sip_cseq_method(S("1567605805 INVITE")), "INVITE");
	CHECK_SLICE(sip_cseq_method(S(" 1  ACK ")), "ACK");
	CHECK_SLICE(sip_cseq_method(S("12")), NULL);
}

static void test_name_addr(void)
{
	sip_str u, t;

	sip_parse_name_addr(S("\"Bob <b>; x\" <sip:bob@x.com;transport=tls>;tag=12ab;epid=9"), &u, &t);
	CHECK_SLICE(u, "sip:bob@x.com;transport=tls");
	CHECK_SLICE(t, "12ab");
	sip_parse_name_addr(S("<sip:Options_User@fabrikam.com>"), &u, &t);
	CHECK_SLICE(u, "sip:Options_User@fabrikam.com");
	CHECK_SLICE(t, NULL);
	sip_parse_name_addr(S("sip:a@b.com ; TAG = zz ;x=y"), &u, &t);
	CHECK_SLICE(u, "sip:a@b.com");
	CHECK_SLICE(t, "zz");
	sip_parse_name_addr(S(""), &u, &t);
	CHECK_SLICE(u, NULL);
	sip_parse_name_addr(S("<sip:unterminated"), &u, &t);
	CHECK_SLICE(u, "sip:unterminated");
}

static void test_via_hostport(void)
{
	sip_str h;
	int64_t port;

	CHECK_SLICE(sip_via_transport(S("SIP/2.0/TLS 10.10.10.10:61182;branch=z9")), "TLS");
	CHECK_SLICE(sip_via_transport(S("  SIP/2.0/tcp host")), "tcp");
	CHECK_SLICE(sip_via_transport(S("garbage")), NULL);
	sip_parse_hostport(S("lyncservr.contoso.com:61182"), &h, &port);
	CHECK_SLICE(h, "lyncservr.contoso.com");
	CHECK_INT(port, 61182);
	sip_parse_hostport(S("[2001:db8::1]:5061"), &h, &port);
	CHECK_SLICE(h, "2001:db8::1");
	CHECK_INT(port, 5061);
	sip_parse_hostport(S("[2001:db8::1]"), &h, &port);
	CHECK_SLICE(h, "2001:db8::1");
	CHECK_INT(port, -1);
	sip_parse_hostport(S("fe80::1"), &h, &port);
	CHECK_SLICE(h, "fe80::1");
	CHECK_INT(port, -1);
	sip_parse_hostport(S("host.only"), &h, &port);
	CHECK_SLICE(h, "host.only");
	CHECK_INT(port, -1);
	sip_parse_hostport(S("h:99999"), &h, &port);
	CHECK_SLICE(h, "h");
	CHECK_INT(port, -1);
	sip_parse_hostport(S("vcse.steven.lab :5061"), &h, &port);
	CHECK_SLICE(h, "vcse.steven.lab");
	CHECK_INT(port, 5061);
}

static void test_params(void)
{
	sip_kv kv[4];
	size_t found;

	CHECK_INT(sip_parse_params(S("expected-fqdn =\" vcse.acano.steven.lab \"; certName =\" vcse.steven.lab \";info=\"The peer; certificate\""), kv, 4, &found), 3);
	CHECK_INT(found, 3);
	CHECK_SLICE(kv[0].name, "expected-fqdn");
	CHECK_SLICE(kv[0].value, "vcse.acano.steven.lab");
	CHECK_SLICE(kv[1].name, "certName");
	CHECK_SLICE(kv[1].value, "vcse.steven.lab");
	CHECK_SLICE(kv[2].value, "The peer; certificate");
	/* Typographic quotes, unquoted value, a bare key, empty segments. */
	CHECK_INT(sip_parse_params(S("a=\xE2\x80\x9Cx y\xE2\x80\x9D;; b = 7 ;flag;c=\xE2\x80\x9Dz\xE2\x80\x9D"), kv, 4, &found), 4);
	CHECK_SLICE(kv[0].value, "x y");
	CHECK_SLICE(kv[1].name, "b");
	CHECK_SLICE(kv[1].value, "7");
	CHECK_SLICE(kv[2].name, "flag");
	CHECK_SLICE(kv[2].value, "");
	CHECK_SLICE(kv[3].value, "z");
	/* Quotes as HTML entities (copied from a page's source): the ';' of
	   the entity does not end the value. */
	CHECK_INT(sip_parse_params(S("fqdn=&quot;deitterick.com&quot;; x=&#34;a;b&#34;"), kv, 4,
				   &found), 2);
	CHECK_SLICE(kv[0].name, "fqdn");
	CHECK_SLICE(kv[0].value, "deitterick.com");
	CHECK_SLICE(kv[1].value, "a;b");
	/* The cap: stores 2, reports 3. */
	CHECK_INT(sip_parse_params(S("a=1;b=2;c=3"), kv, 2, &found), 2);
	CHECK_INT(found, 3);
	/* Unterminated quote runs to the end. */
	CHECK_INT(sip_parse_params(S("a=\"open ended "), kv, 4, &found), 1);
	CHECK_SLICE(kv[0].value, "open ended");
}

static void test_msdiag(void)
{
	sip_kv kv[8];
	sip_msdiag d;

	CHECK_INT(sip_parse_msdiag(S("ms-diagnostics"), S("1034;reason=\"Previous hop federated peer did not report diagnostic information\";Domain=\"fabrikam.com\";PeerServer=\"sip.fabrikam.com\";source=\"edge.contoso.com\""), &d, kv, 8), 4);
	CHECK_INT(d.code, 1034);
	CHECK_INT(d.subcode, -1);
	CHECK_SLICE(d.header, "ms-diagnostics");
	CHECK_SLICE(d.reason, "Previous hop federated peer did not report diagnostic information");
	CHECK_SLICE(d.source, "edge.contoso.com");
	CHECK_INT(d.nattrs, 4);
	CHECK_SLICE(d.attrs[1].name, "Domain");
	CHECK_SLICE(d.attrs[2].value, "sip.fabrikam.com");
	sip_parse_msdiag(S("ms-diagnostics"), S(" 10003.5 ;source=\"gw\";reason=\"Proxy returned a SIP failure code\";SipResponseCode=\"404\""), &d, kv, 8);
	CHECK_INT(d.code, 10003);
	CHECK_INT(d.subcode, 5);
	CHECK_SLICE(d.source, "gw");
	CHECK_SLICE(d.attrs[2].value, "404");
	sip_parse_msdiag(S("ms-diagnostics"), S("abc"), &d, kv, 8);
	CHECK_INT(d.code, -1);
	CHECK_INT(d.nattrs, 0);
	CHECK_SLICE(d.reason, NULL);
}

static void test_result_codes(void)
{
	uint32_t code = 0;
	sip_str sym, text;

	CHECK_INT(sip_parse_result_code(S("0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH"), &code, &sym), 1);
	CHECK_INT(code, 0xc3e93d67u);
	CHECK_SLICE(sym, "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");
	CHECK_INT(sip_parse_result_code(S("0XC3E93C5E"), &code, &sym), 1);
	CHECK_INT(code, 0xC3E93C5Eu);
	CHECK_SLICE(sym, NULL);
	CHECK_INT(sip_parse_result_code(S("0x123456789 X"), &code, &sym), 0);
	CHECK_INT(sip_parse_result_code(S("none"), &code, &sym), 0);
	CHECK_INT(sip_split_inline_result(S("Message cannot be routed Result-Code: 0xc3e93d67 SIPPROXY_E_X"), &text, &code, &sym), 1);
	CHECK_SLICE(text, "Message cannot be routed");
	CHECK_INT(code, 0xc3e93d67u);
	CHECK_SLICE(sym, "SIPPROXY_E_X");
	CHECK_INT(sip_split_inline_result(S("No code here"), &text, &code, &sym), 0);
	CHECK_SLICE(text, "No code here");
	CHECK_INT(sip_find_result_text(S("( 00000000028FDD70 ) Exit - route headers. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)"), &code, &sym), 1);
	CHECK_INT(code, 0xC3E93C5Eu);
	CHECK_SLICE(sym, "SIPPROXY_E_ROUTING");
	CHECK_INT(sip_find_result_text(S("Result 0xZZ then Result 0x80090322"), &code, &sym), 1);
	CHECK_INT(code, 0x80090322u);
	CHECK_SLICE(sym, NULL);
	CHECK_INT(sip_find_result_text(S("nothing"), &code, &sym), 0);
}

/* The record headers of Avaya Contact Center's CCMS_SGM_SipMessages.log
   (reference: sipstack-logs.md 1.4, item 9). */
static void test_alt_header_forms(void)
{
	sip_ss_header h;
	const char *l;

	l = "01/08/2022-11:36:14.354 [0x000021ac] - --> Message to Send (Dest Address IP:  10.50.14.2:4165):$$begin_record";
	CHECK_INT(sip_ss_alt_header_parse(l, strlen(l), &h), 1);
	CHECK_STR(h.ts, "2022-08-01 11:36:14.354");   /* day first */
	CHECK_INT(h.tid, 0x21ac);
	CHECK_INT(h.has_begin, 1);
	CHECK_SLICE(at(l, h.text), "--> Message to Send (Dest Address IP:  10.50.14.2:4165)");
	CHECK_SLICE(at(l, h.level), NULL);
	CHECK_SLICE(at(l, h.flag), NULL);
	CHECK_SLICE(at(l, h.host), NULL);
	CHECK_SLICE(at(l, h.component), NULL);
	CHECK_SLICE(at(l, h.corr_id), NULL);
	/* the SIPStack parser knows it, with the line end and trailing blanks */
	l = "24/08/2021-14:04:02.432 [0x1F40] - <-- Message Received (Source Address IP:  10.1.2.3:5061):$$begin_record \r";
	CHECK_INT(sip_ss_alt_header_parse(l, strlen(l), &h), 1);
	CHECK_STR(h.ts, "2021-08-24 14:04:02.432");
	CHECK_SLICE(at(l, h.text), "<-- Message Received (Source Address IP:  10.1.2.3:5061)");
	/* only month first can be a date; no thread */
	l = "08/24/2021-14:04:02.432 - --> Message to Send:$$begin_record";
	CHECK_INT(sip_ss_alt_header_parse(l, strlen(l), &h), 1);
	CHECK_STR(h.ts, "2021-08-24 14:04:02.432");
	CHECK_INT(h.tid, -1);
	CHECK_SLICE(at(l, h.text), "--> Message to Send");

	static const char *bad[] = {
		/* no $$begin_record: a line of text, not a record */
		"24/08/2021-14:04:02.432 --> message sent to 192.168.123.22:5061",
		"24/13/2021-14:04:02.432 [0x1] - x:$$begin_record",
		"32/08/2021-14:04:02.432 [0x1] - x:$$begin_record",
		"24/08/2021 14:04:02.432 [0x1] - x:$$begin_record",
		"24/08/2021-24:04:02.432 [0x1] - x:$$begin_record",
		"24/08/2021-14:04:02.43 [0x1] - x:$$begin_record",
		"24/08/21-14:04:02.432 [0x1] - xxx:$$begin_record",
		"$$begin_record",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!CHECK(sip_ss_alt_header_parse(bad[i], strlen(bad[i]), &h) == 0))
			fprintf(stderr, "    accepted: %s\n", bad[i]);
	/* Every prefix of a valid header is rejected without overreading. */
	l = "01/08/2022-11:36:14.354 [0x000021ac] - --> Message to Send (Dest Address IP:  10.50.14.2:4165):$$begin_record";
	for (size_t n = 0; n < strlen(l); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, l, n);
		CHECK_INT(sip_ss_alt_header_parse(copy, n, &h), 0);
		free(copy);
	}
}

static void test_header_forms(void)
{
	sip_ss_header h;
	const char *l;

	l = "TL_WARN(TF_DIAG) [sfvedge\\sfvedge]0584.0A44::03/02/2017-07:10:46.230.0000773E (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(830)) [156659184] $$begin_record";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_SLICE(at(l, h.level), "TL_WARN");
	CHECK_SLICE(at(l, h.flag), "TF_DIAG");
	CHECK_SLICE(at(l, h.slot), "sfvedge\\sfvedge");
	CHECK_SLICE(at(l, h.host), "sfvedge");
	CHECK_INT(h.pid, 0x584);
	CHECK_INT(h.tid, 0xA44);
	CHECK_STR(h.ts, "2017-03-02 07:10:46.230");
	CHECK_INT(h.seq, 0x773E);
	CHECK_SLICE(at(l, h.component), "SIPStack");
	CHECK_SLICE(at(l, h.function), "SIPAdminLog::WriteDiagnosticEvent");
	CHECK_SLICE(at(l, h.src_file), "SIPAdminLog.cpp");
	CHECK_INT(h.src_line, 830);
	CHECK_SLICE(at(l, h.corr_id), "156659184");
	CHECK_INT(h.has_begin, 1);
	CHECK_SLICE(at(l, h.text), "");

	l = "TL_FATAL(TF_SECURITY) [0]1.2::01/02/2003-04:05:06.007.a (C,F:f.c(9))$$begin_record  ";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.has_begin, 1);
	CHECK_SLICE(at(l, h.corr_id), NULL);
	CHECK_SLICE(at(l, h.host), "");
	CHECK_INT(h.seq, 10);

	l = "TL_NOISE(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.622.000d0b31 (SIPStack,CSIPRequest::GetNextHopByRouteHeader:SIPRequest.cpp(2440))( 00000000028FDD70 ) Exit";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.has_begin, 0);
	CHECK_SLICE(at(l, h.text), "( 00000000028FDD70 ) Exit");
	CHECK_SLICE(at(l, h.function), "CSIPRequest::GetNextHopByRouteHeader");

	/* A bracketed number not followed by $$begin_record is free text. */
	l = "TL_INFO(TF_COMPONENT) [0]1.2::01/02/2003-04:05:06.007.a (C,F:f.c(9)) [123] hello";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.has_begin, 0);
	CHECK_SLICE(at(l, h.text), "[123] hello");
	CHECK_SLICE(at(l, h.corr_id), NULL);

	/* Ids a post masked are read as not known; the rest of the header
	   (its time above all) is kept. */
	l = "TL_ERROR(TF_CONNECTION) [0]XXXX.xxxx::03/14/2012-09:12:03.367.0000047* (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.pid, -1);
	CHECK_INT(h.tid, -1);
	CHECK_INT(h.seq, -1);
	CHECK_STR(h.ts, "2012-03-14 09:12:03.367");
	CHECK_INT(h.has_begin, 1);
	l = "TL_ERROR(TF_CONNECTION) [0]0AC0.1278::03/14/2012-09:12:03.367.######## (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record";
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.pid, 0xAC0);
	CHECK_INT(h.seq, -1);

	/* Broken forms are not headers. */
	static const char *bad[] = {
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4Q::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]XXXXXXXXX.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.0000538Z1 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.0000538G (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) not a header at all, but long enough to be looked at closely",
		"TL_info(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(XF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) []06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06G4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::13/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012|05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.0000538G (SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::Bc.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(x))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1)$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 SIPStack,A::B:c.cpp(1))$$begin_record",
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,A::B:c.cpp(1))",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!CHECK(sip_ss_header_parse(bad[i], strlen(bad[i]), &h) == 0 ||
			   /* the last one is a valid header with empty text */
			   i == sizeof bad / sizeof bad[0] - 1))
			fprintf(stderr, "    accepted: %s\n", bad[i]);
	l = bad[sizeof bad / sizeof bad[0] - 1];
	CHECK_INT(sip_ss_header_parse(l, strlen(l), &h), 1);
	CHECK_INT(h.has_begin, 0);
	CHECK_SLICE(at(l, h.text), "");
	/* Every prefix of a valid header is rejected without overreading. */
	l = "TL_WARN(TF_DIAG) [sfvedge\\sfvedge]0584.0A44::03/02/2017-07:10:46.230.0000773E (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(830)) [156659184] $$begin_record";
	for (size_t n = 0; n < strlen(l); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, l, n);
		int ok = sip_ss_header_parse(copy, n, &h);
		/* Valid prefixes end after "))": they are free-text headers. */
		if (ok)
			CHECK(n >= (size_t)(strstr(l, "))") - l) + 2 && h.has_begin == 0);
		free(copy);
	}
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_trim_ieq),
		T(test_start_line),
		T(test_name_addr),
		T(test_via_hostport),
		T(test_params),
		T(test_msdiag),
		T(test_result_codes),
		T(test_header_forms),
		T(test_alt_header_forms),
		{ 0, 0 },
	};
	return t_main(cases);
}
