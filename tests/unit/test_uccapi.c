/*
 * test_uccapi.c -- the client log parser (parsers/uccapi.c) and the bare
 * SIP message parser (parsers/sipmsg.c), through sip_scan_mem so the probe
 * and the reader (CRLF, UTF-16) are part of what is tested: every grammar
 * element of the client log (stamp, levels, framing lines with and without
 * their address tails, the start line stamped or not, folded headers, the
 * body kept verbatim, a missing "End of", a message cut by the end of the
 * input), the server names of challenges and provisioning data, and the
 * bare messages (several in a file, prose around them, Content-Length).
 */
#include "t.h"

#include "scan.h"
#include "trust.h"

/* What a test looks at of a record, copied out of the callback. */
typedef struct rec_copy {
	char format[16], kind[16], level[16], ts[24], text[256], start[256];
	char method[32], call_id[64], peer[64], local[64], direction[16];
	char body[512], ua[128], servers[512], diag_reason[128];
	long long status, line, end_line, pid, tid, diag_code, nfields;
	int truncated, has_end, is_request;
	char field_via[128];
	char raw_tail[64];
} rec_copy;

#define MAXR 16
static rec_copy rc[MAXR];
static int nr, nwarn;

static void cp(char *d, size_t dn, sip_str s)
{
	size_t n = s.p ? (s.n < dn - 1 ? s.n : dn - 1) : 0;

	if (n)
		memcpy(d, s.p, n);
	d[n] = 0;
}

static int collect(void *ctx, const sip_record *r)
{
	rec_copy *c;

	(void)ctx;
	if (!CHECK(nr < MAXR))
		return 1;
	c = &rc[nr++];
	memset(c, 0, sizeof *c);
	snprintf(c->format, sizeof c->format, "%s", r->format ? r->format : "");
	snprintf(c->kind, sizeof c->kind, "%s", sip_kind_name(r->kind));
	cp(c->level, sizeof c->level, r->level);
	snprintf(c->ts, sizeof c->ts, "%s", r->ts);
	cp(c->text, sizeof c->text, r->text);
	cp(c->start, sizeof c->start, r->start_line);
	cp(c->method, sizeof c->method, r->method);
	cp(c->call_id, sizeof c->call_id, r->call_id);
	cp(c->peer, sizeof c->peer, r->peer);
	cp(c->local, sizeof c->local, r->local);
	cp(c->direction, sizeof c->direction, r->direction);
	cp(c->body, sizeof c->body, r->body);
	cp(c->ua, sizeof c->ua, r->user_agent);
	cp(c->field_via, sizeof c->field_via, sip_record_field(r, "Via"));
	for (size_t i = 0; i < r->nservers; i++) {
		size_t l = strlen(c->servers);
		snprintf(c->servers + l, sizeof c->servers - l, "%s%.*s=%.*s",
			 i ? " " : "", (int)r->servers[i].fqdn.n, r->servers[i].fqdn.p,
			 (int)r->servers[i].source.n, r->servers[i].source.p);
	}
	c->diag_code = r->ndiags ? r->diags[0].code : -1;
	if (r->ndiags)
		cp(c->diag_reason, sizeof c->diag_reason, r->diags[0].reason);
	c->status = r->status;
	c->line = (long long)r->line;
	c->end_line = (long long)r->end_line;
	c->pid = r->pid;
	c->tid = r->tid;
	c->nfields = (long long)r->nfields;
	c->truncated = r->truncated;
	c->has_end = r->has_end;
	c->is_request = r->is_request;
	{
		size_t t = r->raw.n > 40 ? r->raw.n - 40 : 0;
		cp(c->raw_tail, sizeof c->raw_tail, (sip_str){ r->raw.p + t, r->raw.n - t });
	}
	return 0;
}

static void count_warn(void *ctx, const sip_diag *d)
{
	(void)ctx;
	(void)d;
	nwarn++;
}

/* Scan text; returns the scan's code, the parser's name in *parser. */
static int scan(const char *text, size_t n, const char **parser)
{
	sip_scan_opts o;
	sip_scan_result res;
	sip_diag d;
	int code;

	memset(&o, 0, sizeof o);
	o.warn = count_warn;
	nr = nwarn = 0;
	code = sip_scan_mem(text, n, "t.log", &o, collect, NULL, &res, &d);
	if (parser)
		*parser = res.parser;
	return code;
}
#define SCAN(s, p) scan((s), strlen(s), (p))

#define REGISTER_OUT \
	"04/16/2013|03:17:30.168 1F68:C14 INFO  :: Sending Packet - 192.168.100.100:5061 (From Local Address: 192.168.103.35:20323) 503 bytes:\n" \
	"04/16/2013|03:17:30.168 1F68:C14 INFO  :: REGISTER sip:contoso.com SIP/2.0\n" \
	"Via: SIP/2.0/TLS 192.168.103.35:20323\n" \
	"From: <sip:alice@contoso.com>;tag=1a;epid=2b\n" \
	"To: <sip:alice@contoso.com>\n" \
	"Call-ID: 133283aed71a47eeb4f366e6cc32d17c\n" \
	"CSeq: 1 REGISTER\n" \
	"User-Agent: UCCAPI/15.0.4569.1503 OC/15.0.4569.1506 (Microsoft Lync)\n" \
	"Content-Length: 0\n" \
	"\n" \
	"04/16/2013|03:17:30.168 1F68:C14 INFO :: End of Sending Packet - 192.168.100.100:5061 (From Local Address: 192.168.103.35:20323) 503 bytes\n"

static void test_framed_request(void)
{
	const char *parser = NULL;

	CHECK_INT(SCAN(REGISTER_OUT, &parser), SIP_OK);
	CHECK_STR(parser, "uccapi");
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].format, "uccapi");
	CHECK_STR(rc[0].kind, "protocol");
	CHECK_STR(rc[0].level, "INFO");
	CHECK_STR(rc[0].ts, "2013-04-16 03:17:30.168");
	CHECK_INT(rc[0].pid, 0x1F68);
	CHECK_INT(rc[0].tid, 0xC14);
	CHECK_STR(rc[0].start, "REGISTER sip:contoso.com SIP/2.0");
	CHECK_STR(rc[0].method, "REGISTER");
	CHECK_INT(rc[0].is_request, 1);
	CHECK_STR(rc[0].call_id, "133283aed71a47eeb4f366e6cc32d17c");
	CHECK_STR(rc[0].direction, "outgoing");
	CHECK_STR(rc[0].peer, "192.168.100.100:5061");
	CHECK_STR(rc[0].local, "192.168.103.35:20323");
	CHECK_STR(rc[0].ua, "UCCAPI/15.0.4569.1503 OC/15.0.4569.1506 (Microsoft Lync)");
	CHECK_INT(rc[0].nfields, 7);
	CHECK_INT(rc[0].line, 1);
	CHECK_INT(rc[0].end_line, 11);
	CHECK_INT(rc[0].truncated, 0);
	CHECK_INT(rc[0].has_end, 1);
	CHECK_INT(nwarn, 0);
}

/* A stamp whose first field is past 12 is day first (a day-first
   locale); one that could be either stays month first. */
static void test_day_first_stamp(void)
{
	static const char text[] =
		"16/04/2013|03:17:30.168 1F68:C14 INFO  :: Sign-in started for sip:alice@contoso.com\n"
		"04/05/2013|03:17:31.000 1F68:C14 INFO  :: Sign-in started for sip:bob@contoso.com\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].ts, "2013-04-16 03:17:30.168");
	CHECK_STR(rc[1].ts, "2013-04-05 03:17:31.000");
}

/* The verbatim lines of the reference (msxfaq): "End of Data Received -192"
   without the blank, one blank after INFO. */
static void test_received_verbatim(void)
{
	static const char text[] =
		"04/16/2013|03:17:31.555 1F68:C14 INFO :: Data Received -192.168.100.100:5061 (To Local Address: 192.168.103.35:20323) 1096 bytes\n"
		"04/16/2013|03:17:31.555 1F68:C14 INFO :: SIP/2.0 504 Server time-out\n"
		"ms-diagnostics: 1034;reason=\"Previous hop federated peer did not report diagnostic information\";Domain=\"fabrikam.com\"\n"
		"CSeq: 3 SUBSCRIBE\n"
		"Content-Length: 0\n"
		"\n"
		"04/16/2013|03:17:31.555 1F68:C14 INFO :: End of Data Received -192.168.100.100:5061 (To Local Address: 192.168.103.35:20323) 1096 bytes\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].direction, "incoming");
	CHECK_STR(rc[0].peer, "192.168.100.100:5061");
	CHECK_STR(rc[0].local, "192.168.103.35:20323");
	CHECK_INT(rc[0].status, 504);
	CHECK_STR(rc[0].method, "SUBSCRIBE");
	CHECK_INT(rc[0].diag_code, 1034);
	CHECK_STR(rc[0].diag_reason, "Previous hop federated peer did not report diagnostic information");
}

/* The minimal form of the reference (syslog2snooper): no address tails,
   two blanks after INFO, "End of" alone. */
static void test_minimal_framing(void)
{
	static const char text[] =
		"10/16/2013|08:40:18.943 2D8:1C98 INFO  :: Sending Packet\n"
		"10/16/2013|08:40:18.943 2D8:1C98 INFO  :: SERVICE sip:frank.carius@netatwork.de SIP/2.0\n"
		"From: <sip:sender>\n"
		"To: <sip:ziel>\n"
		"Call-ID: 133283aed71a47eeb4f366e6cc32d17c\n"
		"10/16/2013|08:40:18.943 2D8:1C98 INFO  :: End of\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].kind, "protocol");
	CHECK_STR(rc[0].method, "SERVICE");
	CHECK_STR(rc[0].peer, "");
	CHECK_STR(rc[0].call_id, "133283aed71a47eeb4f366e6cc32d17c");
	CHECK_INT(rc[0].has_end, 1);
	CHECK_INT(rc[0].truncated, 0);
}

/* Folded headers continue the value; the body is verbatim, never fields;
   CRLF is kept in the record's text. */
static void test_folded_and_body_crlf(void)
{
	static const char text[] =
		"03/11/2014|08:14:09.502 1A2C:1D40 INFO  :: Sending Packet - 10.20.1.15:5061 (From Local Address: 10.20.8.44:52811) 600 bytes:\r\n"
		"03/11/2014|08:14:09.502 1A2C:1D40 INFO  :: MESSAGE sip:bob@contoso.com SIP/2.0\r\n"
		"Via: SIP/2.0/TLS 10.20.8.44:52811\r\n"
		"  ;branch=z9hG4bK1\r\n"
		"Call-ID: 77\r\n"
		"CSeq: 2 MESSAGE\r\n"
		"Content-Type: text/plain\r\n"
		"Content-Length: 49\r\n"
		"\r\n"
		"Text: The peer is not a configured server\r\n"
		"x: y\r\n"
		"03/11/2014|08:14:09.502 1A2C:1D40 INFO  :: End of Sending Packet - 10.20.1.15:5061 (From Local Address: 10.20.8.44:52811) 600 bytes\r\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].field_via, "SIP/2.0/TLS 10.20.8.44:52811\r\n  ;branch=z9hG4bK1");
	CHECK_STR(rc[0].body, "Text: The peer is not a configured server\r\nx: y");
	CHECK_STR(rc[0].text, "");  /* a body line is never the record's Text */
	CHECK_INT(rc[0].nfields, 5);
	CHECK_INT(rc[0].truncated, 0);
	CHECK(strstr(rc[0].raw_tail, "600 bytes\r\n") != NULL);
}

/* No "End of": the next stamped line cuts the message short (truncated,
   one warning) and starts its own record. */
static void test_missing_end(void)
{
	static const char text[] =
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: Data Received - 10.0.0.1:5061 (To Local Address: 10.0.0.2:5000) 300 bytes:\n"
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: SIP/2.0 200 OK\n"
		"CSeq: 1 OPTIONS\n"
		"Content-Length: 0\n"
		"04/16/2013|03:17:30.200 1F68:C14 ERROR :: CSipConnection::Receive - connection reset\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 2);
	CHECK_INT(rc[0].truncated, 1);
	CHECK_INT(rc[0].has_end, 0);
	CHECK_INT(rc[0].status, 200);
	CHECK_STR(rc[1].kind, "trace");
	CHECK_STR(rc[1].level, "ERROR");
	CHECK_STR(rc[1].text, "CSipConnection::Receive - connection reset");
	CHECK_INT(nwarn, 1);
}

/* A message cut by the end of the input, and a body shorter than its
   Content-Length: kept, marked truncated, and the scan's result (not a
   warning) says so. */
static void test_cut_by_eof(void)
{
	static const char text[] =
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: Data Received - 10.0.0.1:5061 (To Local Address: 10.0.0.2:5000) 900 bytes:\n"
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: SIP/2.0 200 OK\n"
		"CSeq: 1 SUBSCRIBE\n"
		"Content-Length: 800\n"
		"\n"
		"<provisionGroupList><provisionGroup name=\"ServerConfiguration\">";

	CHECK_INT(SCAN(text, NULL), SIP_ETRUNCATED);
	CHECK_INT(nr, 1);
	CHECK_INT(rc[0].truncated, 1);
	CHECK_INT(rc[0].has_end, 0);
	CHECK_INT(nwarn, 0);
}

/* Trace lines: a line without a stamp continues the one before. */
static void test_trace_continuation(void)
{
	static const char text[] =
		"03/11/2014|08:14:02.101 1A2C:1D40 INFO  :: first line\n"
		"continued here\n"
		"03/11/2014|08:14:02.117 1A2C:1D40 WARN  :: second\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].text, "first line");
	CHECK_INT(rc[0].end_line, 2);
	CHECK_STR(rc[1].level, "WARN");
}

/* Server names: targetname (a Kerberos "sip/" prefix cut), sts-uri, the
   URLs of provisioning and autodiscover data, XML and JSON; namespace
   hosts and URLs under other keys are not servers. */
static void test_servers(void)
{
	static const char text[] =
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: Data Received - 10.0.0.1:443 (To Local Address: 10.0.0.2:5000) 300 bytes:\n"
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: SIP/2.0 401 Unauthorized\n"
		"WWW-Authenticate: TLS-DSK realm=\"SIP Communications Service\", targetname=\"SN20A00DIR01.infra.lync.com\", version=4, sts-uri=\"https://webdir0a-ext.online.lync.com:443/CertProv/CertProvisioningService.svc\"\n"
		"WWW-Authenticate: Kerberos realm=\"SIP Communications Service\", targetname=\"sip/pool.contoso.local\", version=4\n"
		"CSeq: 1 REGISTER\n"
		"\n"
		"04/16/2013|03:17:30.168 1F68:C14 INFO  :: End of Data Received - 10.0.0.1:443 (To Local Address: 10.0.0.2:5000) 300 bytes\n"
		"04/16/2013|03:17:31.000 1F68:C14 INFO  :: <AutodiscoverResponse><User><SipClientInternalAccess fqdn=\" pool01.contoso.com\" port=\"443\"/><Link token=\"Internal/Autodiscover\" href=\"https://webinternal.contoso.net/Autodiscover/AutodiscoverService.svc/root\"/></User></AutodiscoverResponse>\n"
		"04/16/2013|03:17:32.000 1F68:C14 INFO  :: {\"_links\":{\"self\":{\"href\":\"https://lyncdiscover.contoso.com/Autodiscover\"},\"user\":{\"href\":\"https://web.contoso.org/Autodiscover/User\"}}}\n"
		"04/16/2013|03:17:33.000 1F68:C14 INFO  :: <provisionGroup xmlns=\"https://schemas.microsoft.com/x\"><property name=\"hybridConfigServiceInternalUrl\">https://hybrid.contoso.com/x</property><CrlUrl>http://crl.contoso.com/a.crl</CrlUrl><Note>see https://example.org/help</Note></provisionGroup>\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 4);
	CHECK_STR(rc[0].servers, "SN20A00DIR01.infra.lync.com=targetname "
		  "webdir0a-ext.online.lync.com=sts-uri pool.contoso.local=targetname");
	CHECK_STR(rc[1].servers, "pool01.contoso.com=SipClientInternalAccess "
		  "webinternal.contoso.net=Internal/Autodiscover");
	CHECK_STR(rc[2].servers, "lyncdiscover.contoso.com=self web.contoso.org=user");
	CHECK_STR(rc[3].servers, "hybrid.contoso.com=hybridConfigServiceInternalUrl");
}

/* UTF-16LE with a BOM and CRLF, as Windows tools may save a log. */
static void test_utf16(void)
{
	const char *src = REGISTER_OUT;
	size_t n = strlen(src), k = 0;
	char *u = malloc(2 * (2 * n + 1));

	u[k++] = (char)0xFF;
	u[k++] = (char)0xFE;
	for (size_t i = 0; i < n; i++) {
		if (src[i] == '\n') {
			u[k++] = '\r';
			u[k++] = 0;
		}
		u[k++] = src[i];
		u[k++] = 0;
	}
	CHECK_INT(scan(u, k, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].method, "REGISTER");
	CHECK_STR(rc[0].call_id, "133283aed71a47eeb4f366e6cc32d17c");
	free(u);
}

/* A client log a mail (or fold -s) wrapped at blanks at 60 columns: each
   piece ends with the blank it was broken at and the next line's first
   word would not have fitted; joined again, the framing, the start line
   after its stamp, the User-Agent and the trace line are whole. */
static void test_mail_wrapped(void)
{
	const char *parser = NULL;

	CHECK_INT(SCAN("04/16/2013|03:17:30.168 1F68:C14 INFO  :: Sending Packet - \n"
		       "192.168.100.100:5061 (From Local Address: \n"
		       "192.168.103.35:20323) 503 bytes:\n"
		       "04/16/2013|03:17:30.168 1F68:C14 INFO  :: REGISTER \n"
		       "sip:contoso.com SIP/2.0\n"
		       "Via: SIP/2.0/TLS 192.168.103.35:20323\n"
		       "From: <sip:alice@contoso.com>;tag=1a;epid=2b\n"
		       "To: <sip:alice@contoso.com>\n"
		       "Call-ID: 133283aed71a47eeb4f366e6cc32d17c\n"
		       "CSeq: 1 REGISTER\n"
		       "User-Agent: UCCAPI/15.0.4569.1503 OC/15.0.4569.1506 \n"
		       "(Microsoft Lync)\n"
		       "Content-Length: 0\n"
		       "\n"
		       "04/16/2013|03:17:30.168 1F68:C14 INFO :: End of Sending \n"
		       "Packet - 192.168.100.100:5061 (From Local Address: \n"
		       "192.168.103.35:20323) 503 bytes\n"
		       "04/16/2013|03:17:31.002 1F68:C14 ERROR :: \n"
		       "CUccWebServiceConnection::VerifyCertificate - certificate \n"
		       "of https://lyncweb.contoso.com/abs/handler could not be \n"
		       "checked\n", &parser), SIP_OK);
	CHECK_STR(parser, "uccapi");
	CHECK_INT(nr, 2);
	CHECK_INT(nwarn, 1);   /* the note that says so; no warning */
	CHECK_STR(rc[0].method, "REGISTER");
	CHECK_STR(rc[0].peer, "192.168.100.100:5061");
	CHECK_STR(rc[0].local, "192.168.103.35:20323");
	CHECK_STR(rc[0].ua, "UCCAPI/15.0.4569.1503 OC/15.0.4569.1506 (Microsoft Lync)");
	CHECK_INT(rc[0].has_end, 1);
	CHECK_STR(rc[1].level, "ERROR");
	CHECK_STR(rc[1].text, "CUccWebServiceConnection::VerifyCertificate - certificate "
		  "of https://lyncweb.contoso.com/abs/handler could not be checked");

	/* lines that end with a blank in a log no mail wrapped: the next
	   line's first word would have fitted, so nothing is joined */
	CHECK_INT(SCAN("04/16/2013|03:17:31.002 1F68:C14 INFO  :: Sign-in started \n"
		       "04/16/2013|03:17:31.010 1F68:C14 INFO  :: Autodiscover done \n"
		       "04/16/2013|03:17:31.020 1F68:C14 INFO  :: Sign-in complete for alice \n"
		       "04/16/2013|03:17:31.030 1F68:C14 INFO  :: Presence published \n"
		       "a continuation line of the last one\n", &parser), SIP_OK);
	CHECK_INT(nr, 4);
	CHECK_INT(nwarn, 0);
	CHECK_STR(rc[0].text, "Sign-in started");
}

/* Bare SIP messages: prose before, two messages, Content-Length ends the
   first body so the prose after it is not body. */
static void test_bare_messages(void)
{
	static const char text[] =
		"Here is what the client got back:\n"
		"\n"
		"SIP/2.0 504 Server time-out\n"
		"Date: Thu, 31 May 2012 13:07:20 GMT\n"
		"From: <sip:alice@contoso.com>;tag=1\n"
		"To: <sip:bob@fabrikam.com>;tag=2\n"
		"Call-ID: abc\n"
		"CSeq: 1 INVITE\n"
		"ms-diagnostics: 1010;reason=\"Certificate trust with another server could not be established\";HRESULT=\"0x80090322(SEC_E_WRONG_PRINCIPAL)\"\n"
		"Content-Type: text/plain\n"
		"Content-Length: 4\n"
		"\n"
		"abc\n"
		"Any idea what this means?\n"
		"INVITE sip:bob@fabrikam.com SIP/2.0\n"
		"Call-ID: def\n"
		"CSeq: 1 INVITE\n";
	const char *parser = NULL;

	CHECK_INT(SCAN(text, &parser), SIP_OK);
	CHECK_STR(parser, "sip");
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].format, "sip");
	CHECK_INT(rc[0].status, 504);
	CHECK_STR(rc[0].method, "INVITE");
	CHECK_INT(rc[0].diag_code, 1010);
	CHECK_STR(rc[0].body, "abc");
	CHECK_INT(rc[0].line, 3);
	CHECK_INT(rc[0].truncated, 0);
	CHECK_STR(rc[1].call_id, "def");
	CHECK_INT(rc[1].line, 15);
	CHECK_STR(rc[0].ts, "2012-05-31 13:07:20.000");
	CHECK_STR(rc[1].ts, "");
}

/* Empty header values, and a blank value after the colon (found by the
   fuzzer: the value's length went negative). */
static void test_empty_values(void)
{
	static const char text[] =
		"SIP/2.0 200 OK\n"
		"Start-Line:   \n"
		"Call-ID:\t \n"
		"CSeq: 1 OPTIONS\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].call_id, "");
	CHECK_STR(rc[0].method, "OPTIONS");
	CHECK_INT(rc[0].status, 200);
}

/* An ms-diagnostics header quoted alone, without its message (a forum
   post): a protocol record of its own, no start line, ended by the blank
   line; wrapped pieces of its value join it; an ms-diagnostics line in
   prose without a code is none. */
static void test_lone_diag_header(void)
{
	static const char text[] =
		"Calls to the partner fail, the 504 carries:\n"
		"\n"
		"ms-diagnostics: 1034;reason=\"Previous hop federated peer did not report diagnostic information\";\n"
		"  Domain=\"fabrikam.com\";PeerServer=\"sip.fabrikam.com\";source=\"sip.contoso.com\"\n"
		"\n"
		"and the client shows\n"
		"ms-client-diagnostics: 52017;reason=\"Encryption levels dont match\"\n"
		"ms-diagnostics: see above\n";
	const char *parser = NULL;

	CHECK_INT(SCAN(text, &parser), SIP_OK);
	CHECK_STR(parser, "sip");
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].kind, "protocol");
	CHECK_STR(rc[0].start, "");
	CHECK_INT(rc[0].diag_code, 1034);
	CHECK_STR(rc[0].diag_reason, "Previous hop federated peer did not report diagnostic information");
	CHECK_INT(rc[0].line, 3);
	CHECK_INT(rc[0].end_line, 4);
	CHECK_INT(rc[0].status, -1);
	CHECK_INT(rc[1].diag_code, 52017);
	CHECK_INT(rc[1].line, 7);
	CHECK_INT(rc[1].truncated, 0);
	CHECK_INT(SCAN("ms-diagnostics: none seen\n", &parser), SIP_EFORMAT);
}

/* An excerpt that begins at a stamped start line (grep -A "SIP/2.0 504"
   on a client log): a protocol record with no direction, cut short by
   grep's "--" and by the next stamped line. */
static void test_unframed_excerpt(void)
{
	static const char text[] =
		"07/18/2012|09:00:01.374 0E5C:1A08 INFO  :: SIP/2.0 504 Server time-out\n"
		"ms-diagnostics:  1034;reason=\"Previous hop federated peer did not report diagnostic information\";Domain=\"fabrikam.com\"\n"
		"Call-ID: 2f4e6a8c\n"
		"--\n"
		"07/18/2012|09:00:02.100 0E5C:1A08 INFO  :: SIP/2.0 403 Forbidden\n"
		"Call-ID: 77aa\n"
		"07/18/2012|09:00:02.200 0E5C:1A08 INFO  :: Function: something else\n";
	const char *parser = NULL;

	CHECK_INT(SCAN(text, &parser), SIP_OK);
	CHECK_STR(parser, "uccapi");
	CHECK_INT(nr, 3);
	CHECK_STR(rc[0].kind, "protocol");
	CHECK_STR(rc[0].direction, "");
	CHECK_INT(rc[0].status, 504);
	CHECK_INT(rc[0].diag_code, 1034);
	CHECK_STR(rc[0].call_id, "2f4e6a8c");
	CHECK_INT(rc[0].end_line, 3);
	CHECK_INT(rc[0].truncated, 1);
	CHECK_STR(rc[0].ts, "2012-07-18 09:00:01.374");
	CHECK_INT(rc[1].status, 403);
	CHECK_STR(rc[1].call_id, "77aa");
	CHECK_STR(rc[2].kind, "trace");
	CHECK_INT(nwarn, 2);
}

/* The en or em dash a word processor makes of the framing's " - ". */
static void test_frame_dashes(void)
{
	static const char text[] =
		"03/11/2014|08:14:02.771 1A2C:1D40 INFO  :: Sending Packet \xe2\x80\x93 10.20.1.15:5061 (From Local Address: 10.20.8.44:52811) 120 bytes:\n"
		"03/11/2014|08:14:02.771 1A2C:1D40 INFO  :: OPTIONS sip:contoso.com SIP/2.0\n"
		"Call-ID: dd1\n"
		"CSeq: 1 OPTIONS\n"
		"03/11/2014|08:14:02.771 1A2C:1D40 INFO  :: End of Sending Packet \xe2\x80\x94 10.20.1.15:5061 (From Local Address: 10.20.8.44:52811) 120 bytes\n";

	CHECK_INT(SCAN(text, NULL), SIP_OK);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].peer, "10.20.1.15:5061");
	CHECK_STR(rc[0].local, "10.20.8.44:52811");
	CHECK_STR(rc[0].direction, "outgoing");
}

/* Lines that merely mention SIP are no bare message; a server trace wins
   over the client parser. */
static void test_probe(void)
{
	const char *parser = NULL;

	CHECK_INT(SCAN("We saw SIP/2.0 504 in the trace.\nNothing else.\n", &parser),
		  SIP_EFORMAT);
	CHECK_INT(SCAN("TL_INFO(TF_PROTOCOL) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca "
		       "(SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\n"
		       "Start-Line: OPTIONS sip:x SIP/2.0\n$$end_record\n", &parser), SIP_OK);
	CHECK_STR(parser, "sipstack");
}

/* The trust analysis: the facts of records, and the decision. */
typedef struct res_copy {
	char rule[64], key[64], vars[2048];
	size_t n;
} res_copy;
static res_copy res[8];
static int nres;

static int on_result(void *ctx, const char *rule_id, const char *key,
		     const char *vars, const int64_t *ids, size_t n)
{
	(void)ctx;
	(void)ids;
	if (!CHECK(nres < 8))
		return 1;
	snprintf(res[nres].rule, sizeof res[nres].rule, "%s", rule_id);
	snprintf(res[nres].key, sizeof res[nres].key, "%s", key);
	snprintf(res[nres].vars, sizeof res[nres].vars, "%s", vars);
	res[nres].n = n;
	nres++;
	return 0;
}

static void test_trust_decision(void)
{
	static const char *const cfg[] = { "contoso.local" };
	sip_trust *t = sip_trust_new(NULL, 0);

	nres = 0;
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "sip:Alice@Contoso.com", "REGISTER");
	sip_trust_add(t, 1, SIP_FACT_AGENT, "UCCAPI/16.0.4266.1001 OC/16.0.4266.1003 (Skype for Business)", "");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "pool.contoso.local", "targetname");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "webdir.online.lync.com", "sts-uri");
	sip_trust_add(t, 3, SIP_FACT_SERVER, "sip.contoso.com", "SipClientExternalAccess");
	sip_trust_add(t, 4, SIP_FACT_SERVER, "contoso.com.evil.net", "absInternalServerUrl");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	/* no REGISTER succeeded: an error; lync.com trusted by default; a
	   name that only starts with the domain is not inside it */
	CHECK_INT(nres, 2);
	CHECK_STR(res[0].rule, SIP_TRUST_RULE_BLOCKED);
	CHECK_STR(res[0].key, "contoso.local");
	CHECK(strstr(res[0].vars, "\"sign_in_domain\":\"contoso.com\"") != NULL);
	CHECK(strstr(res[0].vars, "Skype for Business 2016 16.0.4266.1003") != NULL);
	CHECK(strstr(res[0].vars, "Office\\\\16.0\\\\Lync") != NULL);
	CHECK_STR(res[1].key, "com.evil.net");
	sip_trust_free(t);
	t = sip_trust_new(NULL, 0);

	/* pasted messages: the outcome is not shown */
	nres = 0;
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "alice@contoso.com", SIP_SIGNIN_EXCERPT);
	sip_trust_add(t, 2, SIP_FACT_SERVER, "pool.contoso.local", "targetname");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	CHECK_INT(nres, 1);
	CHECK_STR(res[0].rule, SIP_TRUST_RULE_PROMPT);
	sip_trust_free(t);

	/* configured: contoso.local trusted, the Microsoft defaults replaced */
	t = sip_trust_new(cfg, 1);
	nres = 0;
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "alice@contoso.com", "REGISTER");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "pool.contoso.local", "targetname");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "webdir.online.lync.com", "sts-uri");
	sip_trust_add(t, 3, SIP_FACT_REGISTERED, "", "");
	sip_trust_add(t, 4, SIP_FACT_SERVER, "mail.contoso.net", "ASUrl");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	CHECK_INT(nres, 2);
	CHECK_STR(res[0].rule, SIP_TRUST_RULE_DEFAULTS);
	CHECK_STR(res[1].rule, SIP_TRUST_RULE_EXCHANGE);
	sip_trust_free(t);

	/* Lync 2010: no default domains; Communicator 2007 R2: no check */
	t = sip_trust_new(NULL, 0);
	nres = 0;
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "alice@contoso.com", "REGISTER");
	sip_trust_add(t, 1, SIP_FACT_AGENT, "UCCAPI/4.0.7577.0 OC/4.0.7577.0 (Microsoft Lync 2010)", "");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "autodiscover.outlook.com", "href");
	sip_trust_add(t, 3, SIP_FACT_REGISTERED, "", "");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	CHECK_INT(nres, 1);
	CHECK_STR(res[0].rule, SIP_TRUST_RULE_SIGNIN);
	CHECK(strstr(res[0].vars, "TrustModelData under HKEY_LOCAL_MACHINE\\\\Software\\\\Policies\\\\Microsoft\\\\Communicator") != NULL);
	nres = 0;
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "alice@contoso.com", "REGISTER");
	sip_trust_add(t, 1, SIP_FACT_AGENT, "UCCP/3.5.6907.0 OC/3.5.6907.0 (Microsoft Office Communicator 2007 R2)", "");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "pool.contoso.local", "targetname");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	CHECK_INT(nres, 0);
	/* the registrar's domain is trusted after a REGISTER succeeded */
	sip_trust_add(t, 1, SIP_FACT_SIGNIN, "alice@contoso.com", "REGISTER");
	sip_trust_add(t, 2, SIP_FACT_SERVER, "pool.contoso.local", "targetname");
	sip_trust_add(t, 3, SIP_FACT_REGISTERED, "", "");
	sip_trust_add(t, 4, SIP_FACT_SERVER, "web.contoso.local", "absInternalServerUrl");
	CHECK_INT(sip_trust_end_file(t, on_result, NULL), 0);
	CHECK_INT(nres, 1);
	CHECK(strstr(res[0].vars, "web.contoso.local") == NULL);
	CHECK_INT(res[0].n, 1);
	sip_trust_free(t);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_framed_request), T(test_day_first_stamp), T(test_received_verbatim),
		T(test_minimal_framing), T(test_folded_and_body_crlf),
		T(test_missing_end), T(test_cut_by_eof), T(test_trace_continuation),
		T(test_servers), T(test_utf16), T(test_mail_wrapped), T(test_bare_messages), T(test_lone_diag_header), T(test_unframed_excerpt), T(test_frame_dashes), T(test_empty_values), T(test_probe),
		T(test_trust_decision), { 0, 0 }
	};
	return t_main_args(cases, argc, argv);
}
