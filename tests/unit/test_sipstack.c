/*
 * test_sipstack.c -- the SIPStack parser (parsers/sipstack.c) fed from
 * memory: every verbatim sample of the reference document, CRLF raw
 * reproduction, truncation, caps, message bodies, ms-diagnostics.
 *
 * The test has its own line splitter (text -> sip_line with the right eol)
 * so it does not depend on the reader.  Each emitted record is deep-copied
 * by the callback, and every slice in it is checked to lie inside raw.
 */
#include "t.h"

#include "parser.h"

/* ---- a saved record: raw copied, every slice rebased onto the copy ---- */

typedef struct saved {
	sip_record r;
	char *raw;
	sip_kv *fields, *data, *attrs;
	sip_msdiag *diags;
} saved;

#define MAXREC 32
static saved recs[MAXREC];
static int nrec, nwarn, stop_after;
static sip_diag last_warn;

static void rebase(sip_str *s, const sip_record *r, char *nr)
{
	if (!s->p)
		return;
	if (!CHECK(s->p >= r->raw.p && s->p + s->n <= r->raw.p + r->raw.n))
		return;
	s->p = nr + (s->p - r->raw.p);
}

static int collect(void *ctx, const sip_record *rec)
{
	saved *sv;
	size_t nattrs = 0, k = 0;

	(void)ctx;
	if (!CHECK(nrec < MAXREC))
		return 1;
	sv = &recs[nrec++];
	sv->r = *rec;
	sv->raw = malloc(rec->raw.n + 1);
	memcpy(sv->raw, rec->raw.p, rec->raw.n);
	sv->raw[rec->raw.n] = 0;
	rebase(&sv->r.raw, rec, sv->raw);
#define RB(f) rebase(&sv->r.f, rec, sv->raw)
	/* a record quoted without its header has the level its Severity:
	   stands for, a constant of the parser's: left as it is */
	if (!rec->level.p || (rec->level.p >= rec->raw.p && rec->level.p < rec->raw.p + rec->raw.n))
		RB(level);
	RB(flag); RB(slot); RB(host); RB(component); RB(function);
	RB(src_file); RB(header_text); RB(corr_id); RB(body); RB(log_type);
	RB(severity); RB(text); RB(result_symbol); RB(fqdn); RB(transport);
	RB(peer); RB(peer_host); RB(local); RB(conn_id); RB(start_line);
	RB(method); RB(request_uri); RB(reason); RB(call_id); RB(cseq);
	RB(from_uri); RB(to_uri); RB(from_tag); RB(to_tag);
	/* a client log record's direction is the parser's constant */
	if (!rec->direction.p || (rec->direction.p >= rec->raw.p &&
				  rec->direction.p < rec->raw.p + rec->raw.n))
		RB(direction);
	RB(content_type);
#undef RB
	sv->fields = calloc(rec->nfields + 1, sizeof *sv->fields);
	for (size_t i = 0; i < rec->nfields; i++) {
		sv->fields[i] = rec->fields[i];
		rebase(&sv->fields[i].name, rec, sv->raw);
		rebase(&sv->fields[i].value, rec, sv->raw);
	}
	sv->r.fields = sv->fields;
	sv->data = calloc(rec->ndata + 1, sizeof *sv->data);
	for (size_t i = 0; i < rec->ndata; i++) {
		sv->data[i] = rec->data[i];
		rebase(&sv->data[i].name, rec, sv->raw);
		rebase(&sv->data[i].value, rec, sv->raw);
	}
	sv->r.data = sv->data;
	for (size_t i = 0; i < rec->ndiags; i++)
		nattrs += rec->diags[i].nattrs;
	sv->diags = calloc(rec->ndiags + 1, sizeof *sv->diags);
	sv->attrs = calloc(nattrs + 1, sizeof *sv->attrs);
	for (size_t i = 0; i < rec->ndiags; i++) {
		sip_msdiag *d = &sv->diags[i];
		*d = rec->diags[i];
		rebase(&d->header, rec, sv->raw);
		rebase(&d->reason, rec, sv->raw);
		rebase(&d->source, rec, sv->raw);
		for (size_t j = 0; j < d->nattrs; j++) {
			sv->attrs[k + j] = rec->diags[i].attrs[j];
			rebase(&sv->attrs[k + j].name, rec, sv->raw);
			rebase(&sv->attrs[k + j].value, rec, sv->raw);
		}
		d->attrs = sv->attrs + k;
		k += d->nattrs;
	}
	sv->r.diags = sv->diags;
	if (stop_after && nrec >= stop_after)
		return 42;
	return 0;
}

static void on_warn(void *ctx, const sip_diag *d)
{
	(void)ctx;
	nwarn++;
	last_warn = *d;
}

static void clear(void)
{
	for (int i = 0; i < nrec; i++) {
		free(recs[i].raw);
		free(recs[i].fields);
		free(recs[i].data);
		free(recs[i].attrs);
		free(recs[i].diags);
	}
	memset(recs, 0, sizeof recs);
	nrec = nwarn = stop_after = 0;
}

/*
 * Split text into lines (LF, CRLF, or none for a last unterminated line),
 * feed them all to a new parser with these caps, then close it.  Returns
 * the last non-zero return of feed/close, else 0.
 */
static int parse_caps(const char *text, size_t max_record, size_t max_fields)
{
	const sip_parser_ops *ops = &sip_sipstack_parser;
	sip_parse_opts o = { "mem.log", on_warn, NULL, max_record, max_fields };
	void *st;
	const char *p = text, *e = text + strlen(text);
	uint64_t lineno = 0;
	int rc = 0;

	clear();
	st = ops->open(&o);
	if (!CHECK(st != NULL))
		return -1;
	while (p < e && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		sip_line ln = { p, 0, ++lineno, (uint64_t)(p - text), SIP_EOL_NONE, 0 };
		if (nl) {
			ln.n = (size_t)(nl - p);
			ln.eol = SIP_EOL_LF;
			if (ln.n && p[ln.n - 1] == '\r') {
				ln.n--;
				ln.eol = SIP_EOL_CRLF;
			}
			p = nl + 1;
		} else {
			ln.n = (size_t)(e - p);
			p = e;
		}
		rc = ops->feed(st, &ln, collect, NULL);
	}
	if (rc == 0)
		rc = ops->close(st, collect, NULL);
	ops->free(st);
	return rc;
}

static int parse(const char *text)
{
	return parse_caps(text, 0, 0);
}

/* ---- samples from the reference (verbatim) --------------------------- */

#define LYNC2010_CONN \
	"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\n" \
	"LogType: connection\n" \
	"Severity: error\n" \
	"Text: The peer is not a configured server on this network interface\n" \
	"Transport: TLS\n" \
	"Data: fqdn=\"deitterick.com\"\n"

/* The same record, its body indented by ind. */
#define LYNC2010_CONN_INDENTED(ind) \
	"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\n" \
	ind "LogType: connection\n" \
	ind "Severity: error\n" \
	ind "Text: The peer is not a configured server on this network interface\n" \
	ind "Transport: TLS\n" \
	ind "Data: fqdn=\"deitterick.com\"\n"

#define OCS_PROTOCOL \
	"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\n" \
	"Trace-Correlation-Id: 2003888399\n" \
	"Instance-Id: 0000C23F\n" \
	"Direction: incoming;source=\"internal edge\";destination=\"external edge\"\n" \
	"Peer: lyncservr.contoso.com:61182\n" \
	"Message-Type: request\n" \
	"Start-Line: OPTIONS sip:Options_User@fabrikam.com SIP/2.0\n" \
	"To: <sip:Options_User@fabrikam.com>\n" \
	"CSeq: 1 OPTIONS\n" \
	"Call-ID: 017b06f397b14886bba5edf97ea206bd\n" \
	"MAX-FORWARDS: 70\n" \
	"VIA: SIP/2.0/TLS 10.10.10.10:61182;branch=z9hG4bK6de49c9a\n" \
	"ROUTE: <sip:accessedge.fabrikam.com;transport=tls;lr>;ms-edge-route\n" \
	"CONTACT: <sip:lyncserver.contoso.com;transport=Tls>\n" \
	"CONTENT-LENGTH: 0\n" \
	"USER-AGENT: RTCC/4.0.0.0\n" \
	"Message-Body: -\n" \
	"$$end_record\n"

#define OCS_DIAG \
	"TL_ERROR(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.622.000d0b31 (SIPStack,CSIPRequest::GetNextHopByRouteHeader:SIPRequest.cpp(2440))( 00000000028FDD70 ) Exit - route headers from untrusted source. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)\n" \
	"LogType: diagnostic\n" \
	"Severity: warning\n" \
	"Text: Cannot process Route headers from a non-trusted source, or with first Route field in the set not matching the connection on which the request arrived\n" \
	"Result-Code: 0xc3e93c5e SIPPROXY_E_ROUTING\n" \
	"SIP-Start-Line: OPTIONS sip:Options_User@fabrikam.com SIP/2.0\n" \
	"SIP-Call-ID: c00bc6180f284b948be61febf274d05e\n" \
	"SIP-CSeq: 1 OPTIONS\n" \
	"$$end_record\n"

#define SFB_DIAG1 \
	"TL_WARN(TF_DIAG) [sfvedge\\sfvedge]0584.0A44::03/02/2017-07:10:46.230.0000773E (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(830)) [156659184] $$begin_record\n" \
	"Severity: warning\n" \
	"Text: The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain Result-Code: 0xc3e93d6f SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH\n" \
	"SIP-Start-Line: INVITE sip:stejanss@skype.lab SIP/2.0\n" \
	"SIP-Call-ID: f1b3ad5d-183b-4632-b210-c2f9bec71960\n" \
	"SIP-CSeq: 2066245576 INVITE\n" \
	"Peer: vcse.steven.lab:25002\n" \
	"Data: domain =\" acano.steven.lab \"; fqdn1 =\" vcse.steven.lab :5061\"\n" \
	"$$end_record\n"

#define SFB_DIAG2 \
	"TL_ERROR(TF_DIAG) [sfvedge\\sfvedge]0B60.0D6C::03/02/2017-06:30:40.025.00005602 (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(833)) [3634190282] $$begin_record\n" \
	"Severity: error\n" \
	"Text: Message cannot be routed because the peer's certificate does not contain a matching FQDN Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH\n" \
	"SIP-Start-Line: INVITE sip:stejanss@skype.lab SIP/2.0\n" \
	"SIP-Call-ID: e144704c-1dd0-4ea7-929f-77e7e071c24c\n" \
	"SIP-CSeq: 1567605805 INVITE\n" \
	"Peer: vcse.steven.lab:25001\n" \
	"Data: expected-fqdn =\" vcse.acano.steven.lab \"; certName =\" vcse.steven.lab \";info=\"The peer certificate does not contain a matching FQDN\"\n" \
	"$$end_record\n"

#define HDR_PROTO(seq) \
	"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101." seq " (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record"

static void test_lync2010_connection(void)
{
	CHECK_INT(parse(LYNC2010_CONN), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->kind, SIP_KIND_CONNECTION);
	CHECK_SLICE(r->level, "TL_ERROR");
	CHECK_SLICE(r->flag, "TF_CONNECTION");
	CHECK_SLICE(r->slot, "0");
	CHECK_SLICE(r->host, "");
	CHECK_INT(r->pid, 0x0AC0);
	CHECK_INT(r->tid, 0x1278);
	CHECK_STR(r->ts, "2011-12-20 20:45:01.704");
	CHECK_INT(r->seq, 0x3ca);
	CHECK_SLICE(r->component, "SIPStack");
	CHECK_SLICE(r->function, "SIPAdminLog::TraceConnectionRecord");
	CHECK_SLICE(r->src_file, "SIPAdminLog.cpp");
	CHECK_INT(r->src_line, 160);
	CHECK_SLICE(r->header_text, "");
	CHECK_SLICE(r->corr_id, NULL);
	CHECK_INT(r->has_begin, 1);
	/* The available copy stops before $$end_record: cut by end of input. */
	CHECK_INT(r->has_end, 0);
	CHECK_INT(r->truncated, 1);
	CHECK_INT(nwarn, 1);
	CHECK_INT(last_warn.code, SIP_ETRUNCATED);
	CHECK_INT(last_warn.line, 1);
	CHECK_STR(last_warn.file, "mem.log");
	CHECK_INT(r->line, 1);
	CHECK_INT(r->end_line, 6);
	CHECK_INT(r->offset, 0);
	CHECK_SLICE(r->raw, LYNC2010_CONN);
	CHECK_INT(r->nfields, 5);
	CHECK_SLICE(r->log_type, "connection");
	CHECK_SLICE(r->severity, "error");
	CHECK_SLICE(r->text, "The peer is not a configured server on this network interface");
	CHECK_SLICE(r->transport, "TLS");
	CHECK_INT(r->ndata, 1);
	CHECK_SLICE(r->data[0].name, "fqdn");
	CHECK_SLICE(r->data[0].value, "deitterick.com");
	CHECK_SLICE(r->fqdn, "deitterick.com");
	CHECK_INT(r->has_result, 0);
	CHECK_INT(r->is_request, -1);
	CHECK_INT(r->status, -1);
	CHECK_INT(r->peer_port, -1);
	CHECK_SLICE(r->body, NULL);

	/* With its end marker it is complete. */
	CHECK_INT(parse(LYNC2010_CONN "$$end_record\n"), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(recs[0].r.truncated, 0);
	CHECK_INT(recs[0].r.has_end, 1);
	CHECK_INT(recs[0].r.end_line, 7);
	CHECK_INT(nwarn, 0);
	CHECK_SLICE(recs[0].r.raw, LYNC2010_CONN "$$end_record\n");
	clear();
}

static void test_ocs_protocol(void)
{
	CHECK_INT(parse(OCS_PROTOCOL), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->kind, SIP_KIND_PROTOCOL);
	CHECK_INT(r->truncated, 0);
	CHECK_INT(r->has_end, 1);
	CHECK_INT(nwarn, 0);
	CHECK_SLICE(r->raw, OCS_PROTOCOL);
	CHECK_STR(r->ts, "2012-01-18 05:00:43.101");
	CHECK_INT(r->seq, 0x5386);
	CHECK_INT(r->nfields, 16);
	CHECK_SLICE(r->fields[0].name, "Trace-Correlation-Id");
	CHECK_SLICE(r->fields[15].name, "Message-Body");
	CHECK_SLICE(r->fields[15].value, "-");
	CHECK_SLICE(r->corr_id, "2003888399");
	CHECK_SLICE(r->conn_id, NULL); /* Instance-Id is not a connection id */
	CHECK_SLICE(r->direction, "incoming");
	CHECK_SLICE(r->peer, "lyncservr.contoso.com:61182");
	CHECK_SLICE(r->peer_host, "lyncservr.contoso.com");
	CHECK_INT(r->peer_port, 61182);
	CHECK_INT(r->is_request, 1);
	CHECK_SLICE(r->start_line, "OPTIONS sip:Options_User@fabrikam.com SIP/2.0");
	CHECK_SLICE(r->method, "OPTIONS");
	CHECK_SLICE(r->request_uri, "sip:Options_User@fabrikam.com");
	CHECK_INT(r->status, -1);
	CHECK_SLICE(r->to_uri, "sip:Options_User@fabrikam.com");
	CHECK_SLICE(r->to_tag, NULL);
	CHECK_SLICE(r->from_uri, NULL);
	CHECK_SLICE(r->call_id, "017b06f397b14886bba5edf97ea206bd");
	CHECK_SLICE(r->cseq, "1 OPTIONS");
	CHECK_SLICE(r->transport, "TLS"); /* from the Via */
	CHECK_SLICE(r->body, "-");
	CHECK_SLICE(r->text, NULL);
	CHECK_INT(r->ndiags, 0);
	/* Case-insensitive lookup, mixed-case headers. */
	CHECK_SLICE(sip_record_field(r, "via"), "SIP/2.0/TLS 10.10.10.10:61182;branch=z9hG4bK6de49c9a");
	CHECK_SLICE(sip_record_field(r, "Max-Forwards"), "70");
	CHECK_SLICE(sip_record_field(r, "CALL-ID"), "017b06f397b14886bba5edf97ea206bd");
	CHECK_SLICE(sip_record_field(r, "Content-Length"), "0");
	CHECK_SLICE(sip_record_field(r, "X-Nope"), NULL);
	clear();
}

static void test_ocs_diag_without_begin(void)
{
	CHECK_INT(parse(OCS_DIAG), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->kind, SIP_KIND_DIAGNOSTIC);
	CHECK_INT(r->has_begin, 0);
	CHECK_INT(r->has_end, 1);
	CHECK_INT(r->truncated, 0);
	CHECK_INT(nwarn, 0);
	CHECK_SLICE(r->raw, OCS_DIAG);
	CHECK_SLICE(r->level, "TL_ERROR");
	CHECK_SLICE(r->flag, "TF_COMPONENT");
	CHECK_SLICE(r->function, "CSIPRequest::GetNextHopByRouteHeader");
	CHECK_SLICE(r->src_file, "SIPRequest.cpp");
	CHECK_INT(r->src_line, 2440);
	CHECK_INT(r->seq, 0xd0b31);
	CHECK_SLICE(r->header_text, "( 00000000028FDD70 ) Exit - route headers from untrusted source. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)");
	CHECK_SLICE(r->text, "Cannot process Route headers from a non-trusted source, or with first Route field in the set not matching the connection on which the request arrived");
	CHECK_INT(r->has_result, 1);
	CHECK_INT(r->result_code, 0xc3e93c5eu);
	CHECK_SLICE(r->result_symbol, "SIPPROXY_E_ROUTING");
	CHECK_SLICE(r->log_type, "diagnostic");
	CHECK_SLICE(r->severity, "warning");
	CHECK_INT(r->is_request, 1);
	CHECK_SLICE(r->method, "OPTIONS");
	CHECK_SLICE(r->call_id, "c00bc6180f284b948be61febf274d05e");
	CHECK_SLICE(r->cseq, "1 OPTIONS");
	CHECK_INT(r->nfields, 7);
	clear();
}

static void test_sfb_cls_diagnostics(void)
{
	CHECK_INT(parse(SFB_DIAG1 SFB_DIAG2), 0);
	CHECK_INT(nrec, 2);
	CHECK_INT(nwarn, 0);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->kind, SIP_KIND_DIAGNOSTIC); /* no LogType: from function */
	CHECK_SLICE(r->log_type, NULL);
	CHECK_SLICE(r->slot, "sfvedge\\sfvedge");
	CHECK_SLICE(r->host, "sfvedge");
	CHECK_INT(r->pid, 0x584);
	CHECK_INT(r->tid, 0xa44);
	CHECK_INT(r->seq, 0x773E);
	CHECK_STR(r->ts, "2017-03-02 07:10:46.230");
	CHECK_INT(r->src_line, 830);
	CHECK_SLICE(r->corr_id, "156659184");
	CHECK_SLICE(r->header_text, "");
	CHECK_SLICE(r->raw, SFB_DIAG1);
	CHECK_SLICE(r->text, "The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain");
	CHECK_INT(r->has_result, 1);
	CHECK_INT(r->result_code, 0xc3e93d6fu);
	CHECK_SLICE(r->result_symbol, "SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH");
	CHECK_INT(r->ndata, 2);
	CHECK_SLICE(r->data[0].name, "domain");
	CHECK_SLICE(r->data[0].value, "acano.steven.lab");
	CHECK_SLICE(r->data[1].name, "fqdn1");
	CHECK_SLICE(r->data[1].value, "vcse.steven.lab :5061");
	CHECK_SLICE(r->fqdn, NULL);
	CHECK_SLICE(r->peer_host, "vcse.steven.lab");
	CHECK_INT(r->peer_port, 25002);
	CHECK_SLICE(r->method, "INVITE");
	CHECK_SLICE(r->request_uri, "sip:stejanss@skype.lab");
	CHECK_SLICE(r->cseq, "2066245576 INVITE");
	CHECK_SLICE(r->call_id, "f1b3ad5d-183b-4632-b210-c2f9bec71960");

	r = &recs[1].r;
	CHECK_INT(r->kind, SIP_KIND_DIAGNOSTIC);
	CHECK_SLICE(r->level, "TL_ERROR");
	CHECK_SLICE(r->corr_id, "3634190282");
	CHECK_INT(r->line, 10);
	CHECK_INT(r->offset, strlen(SFB_DIAG1));
	CHECK_SLICE(r->text, "Message cannot be routed because the peer's certificate does not contain a matching FQDN");
	CHECK_INT(r->result_code, 0xc3e93d67u);
	CHECK_SLICE(r->result_symbol, "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");
	CHECK_INT(r->ndata, 3);
	CHECK_SLICE(r->data[0].name, "expected-fqdn");
	CHECK_SLICE(r->data[0].value, "vcse.acano.steven.lab");
	CHECK_SLICE(r->data[1].name, "certName");
	CHECK_SLICE(r->data[1].value, "vcse.steven.lab");
	CHECK_SLICE(r->data[2].name, "info");
	CHECK_SLICE(r->data[2].value, "The peer certificate does not contain a matching FQDN");
	CHECK_INT(r->peer_port, 25001);
	clear();
}

static void test_free_text_traces(void)
{
	static const char in[] =
		"TL_INFO(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.600.000d0b30 (SIPStack,CSIPRequest::GetNextHopByRouteHeader:SIPRequest.cpp(2400))( 00000000028FDD70 ) Enter\n"
		"TL_ERROR(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.622.000d0b31 (SIPStack,CSIPRequest::GetNextHopByRouteHeader:SIPRequest.cpp(2440))( 00000000028FDD70 ) Exit - route headers from untrusted source. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)\n"
		"some continuation text that is not a field\n"
		OCS_PROTOCOL
		"TL_VERBOSE(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:43.000.000D0B32 (SIPStack,X::Y:x.cpp(1))( 0 ) last line  \n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 4);
	CHECK_INT(nwarn, 0);
	CHECK_INT(recs[0].r.kind, SIP_KIND_TRACE);
	CHECK_INT(recs[0].r.truncated, 0);
	CHECK_INT(recs[0].r.has_begin, 0);
	CHECK_SLICE(recs[0].r.text, "( 00000000028FDD70 ) Enter");
	CHECK_INT(recs[0].r.has_result, 0);
	CHECK_INT(recs[0].r.nfields, 0);
	CHECK_INT(recs[0].r.end_line, 1);
	CHECK_INT(recs[1].r.kind, SIP_KIND_TRACE);
	CHECK_INT(recs[1].r.line, 2);
	CHECK_INT(recs[1].r.truncated, 0);
	CHECK_SLICE(recs[1].r.text, "( 00000000028FDD70 ) Exit - route headers from untrusted source. Result 0xC3E93C5E(SIPPROXY_E_ROUTING)");
	CHECK_INT(recs[1].r.has_result, 1);
	CHECK_INT(recs[1].r.result_code, 0xC3E93C5Eu);
	CHECK_SLICE(recs[1].r.result_symbol, "SIPPROXY_E_ROUTING");
	/* raw is the header line alone, not the ignored line after it. */
	CHECK(recs[1].r.raw.n > 0 && recs[1].r.raw.p[recs[1].r.raw.n - 1] == '\n' &&
	      memchr(recs[1].r.raw.p, '\n', recs[1].r.raw.n) == recs[1].r.raw.p + recs[1].r.raw.n - 1);
	CHECK_INT(recs[2].r.kind, SIP_KIND_PROTOCOL);
	CHECK_INT(recs[2].r.line, 4);
	CHECK_INT(recs[3].r.kind, SIP_KIND_TRACE);
	CHECK_SLICE(recs[3].r.level, "TL_VERBOSE");
	CHECK_INT(recs[3].r.seq, 0xD0B32);
	CHECK_SLICE(recs[3].r.text, "( 0 ) last line");
	CHECK_INT(recs[3].r.truncated, 0);
	clear();
}

static void test_crlf_raw(void)
{
	static const char in[] =
		HDR_PROTO("00000001") "\r\n"
		"Start-Line: SIP/2.0 200 OK\r\n"
		"CSeq: 7 REGISTER\r\n"
		"Message-Body: line one\r\n"
		"line two\r\n"
		"\r\n"
		"$$end_record\r\n"
		"junk\r\n"
		HDR_PROTO("00000002") "\r\n"
		"Start-Line: BYE sip:a@b SIP/2.0\r\n"
		"$$end_record";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 2);
	CHECK_INT(recs[0].r.raw.n + strlen("junk\r\n") + recs[1].r.raw.n, strlen(in));
	CHECK(recs[0].r.raw.n < sizeof in &&
	      memcmp(recs[0].r.raw.p, in, recs[0].r.raw.n) == 0);
	CHECK_SLICE(recs[1].r.raw, strstr(in, HDR_PROTO("00000002")));
	CHECK_SLICE(recs[0].r.body, "line one\r\nline two\r\n");
	CHECK_SLICE(recs[0].r.start_line, "SIP/2.0 200 OK");
	CHECK_INT(recs[0].r.is_request, 0);
	CHECK_INT(recs[0].r.status, 200);
	CHECK_SLICE(recs[0].r.reason, "OK");
	CHECK_SLICE(recs[0].r.method, "REGISTER");
	CHECK_SLICE(recs[0].r.cseq, "7 REGISTER");
	CHECK_INT(recs[0].r.has_end, 1);
	CHECK_INT(recs[1].r.has_end, 1);
	CHECK_INT(recs[1].r.truncated, 0);
	CHECK_SLICE(recs[1].r.method, "BYE");
	clear();
}

static void test_truncated(void)
{
	static const char in[] =
		HDR_PROTO("00000001") "\n"
		"Start-Line: INVITE sip:a@b SIP/2.0\n"
		"Call-ID: one\n"
		HDR_PROTO("00000002") "\n"
		"Start-Line: ACK sip:a@b SIP/2.0\n"
		"Message-Body: v=0\n"
		"o=- 0 0 IN IP4 1.2.3.4\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 2);
	CHECK_INT(nwarn, 2);
	CHECK_INT(recs[0].r.truncated, 1);
	CHECK_INT(recs[0].r.has_end, 0);
	CHECK_INT(recs[0].r.end_line, 3);
	CHECK_SLICE(recs[0].r.call_id, "one");
	CHECK_INT(recs[0].r.nfields, 2);
	CHECK_INT(recs[1].r.truncated, 1);
	CHECK_INT(recs[1].r.line, 4);
	CHECK_INT(recs[1].r.end_line, 7);
	CHECK_SLICE(recs[1].r.method, "ACK");
	CHECK_SLICE(recs[1].r.body, "v=0\no=- 0 0 IN IP4 1.2.3.4");
	/* A no-begin header followed by fields, cut at EOF. */
	CHECK_INT(parse("TL_ERROR(TF_COMPONENT) [0]1.2::01/18/2012-05:07:42.622.1 (SIPStack,A::B:c.cpp(1))( 0 ) x\nText: t\n"), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(recs[0].r.kind, SIP_KIND_DIAGNOSTIC);
	CHECK_INT(recs[0].r.truncated, 1);
	CHECK_SLICE(recs[0].r.text, "t");
	clear();
}

static void test_im_body_not_fields(void)
{
	static const char in[] =
		HDR_PROTO("00000010") "\n"
		"Start-Line: MESSAGE sip:bob@contoso.com SIP/2.0\n"
		"From: \"Alice\" <sip:alice@contoso.com>;tag=abc123;epid=1\n"
		"To: <sip:bob@contoso.com>;tag=xyz\n"
		"Content-Type: text/plain; charset=UTF-8\n"
		"Message-Body: hello\n"
		"Text: The peer is not a configured server on this network interface\n"
		"Data: fqdn=\"evil.example\"\n"
		"Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH\n"
		"$$end_record\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->kind, SIP_KIND_PROTOCOL);
	CHECK_INT(r->nfields, 5);
	CHECK_SLICE(sip_record_field(r, "Text"), NULL);
	CHECK_SLICE(sip_record_field(r, "Data"), NULL);
	CHECK_SLICE(r->text, NULL);
	CHECK_INT(r->has_result, 0);
	CHECK_INT(r->ndata, 0);
	CHECK_SLICE(r->fqdn, NULL);
	CHECK_SLICE(r->body, "hello\nText: The peer is not a configured server on this network interface\n"
			     "Data: fqdn=\"evil.example\"\nResult-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");
	CHECK_SLICE(sip_record_field(r, "Message-Body"), "hello\nText: The peer is not a configured server on this network interface\n"
			     "Data: fqdn=\"evil.example\"\nResult-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");
	CHECK_SLICE(r->from_uri, "sip:alice@contoso.com");
	CHECK_SLICE(r->from_tag, "abc123");
	CHECK_SLICE(r->to_uri, "sip:bob@contoso.com");
	CHECK_SLICE(r->to_tag, "xyz");
	CHECK_SLICE(r->content_type, "text/plain; charset=UTF-8");
	CHECK_SLICE(r->method, "MESSAGE");
	clear();
}

static void test_duplicate_via_and_continuation(void)
{
	static const char in[] =
		HDR_PROTO("00000011") "\r\n"
		"Start-Line: INVITE sip:a@b SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 10.0.0.1:5060;branch=1\r\n"
		"Via: SIP/2.0/TLS 10.0.0.2:5061;branch=2\r\n"
		"via: SIP/2.0/UDP 10.0.0.3;branch=3\r\n"
		"Route: <sip:a>,\r\n"
		"   <sip:b>\r\n"
		"Message-Body: -\r\n"
		"$$end_record\r\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->nfields, 6);
	CHECK_SLICE(r->fields[1].value, "SIP/2.0/TCP 10.0.0.1:5060;branch=1");
	CHECK_SLICE(r->fields[2].value, "SIP/2.0/TLS 10.0.0.2:5061;branch=2");
	CHECK_SLICE(r->fields[3].name, "via");
	CHECK_SLICE(r->fields[3].value, "SIP/2.0/UDP 10.0.0.3;branch=3");
	CHECK_SLICE(r->transport, "TCP");
	CHECK_SLICE(sip_record_field(r, "VIA"), "SIP/2.0/TCP 10.0.0.1:5060;branch=1");
	/* The continuation grows the value over the CRLF in raw. */
	CHECK_SLICE(r->fields[4].value, "<sip:a>,\r\n   <sip:b>");
	CHECK_SLICE(r->body, "-");
	clear();
}

static void test_ms_diagnostics(void)
{
	static const char in[] =
		HDR_PROTO("00000012") "\n"
		"Start-Line: SIP/2.0 504 Server time-out\n"
		"CSeq: 12 INVITE\n"
		"f: <sip:a@contoso.com>;tag=ft\n"
		"t: sip:b@fabrikam.com;tag=tt\n"
		"i: compact-call-id\n"
		"v: SIP/2.0/TLS 10.0.0.9:443\n"
		"c: application/sdp\n"
		"ms-diagnostics: 1047;reason=\xE2\x80\x9D" "Failed to complete TLS negotiation with a federated peer server\xE2\x80\x9D;WinsockFailureCode=\xE2\x80\x9D" "10054(WSAECONNRESET)\xE2\x80\x9D;WinsockFailureDescription=\xE2\x80\x9DThe peer forced closure of the connection\xE2\x80\x9D\n"
		"ms-diagnostics: 1010; reason =\"Certificate trust with another server could not be established\";ErrorType=\"The peer certificate does not contain a matching FQDN\"; tls-target =\" vcse.steven.lab \"; PeerServer =\" vcse.steven.lab \";HRESULT=\"0x80090322(SEC_E_WRONG_PRINCIPAL)\";source=\"sfvedge.skype.lab\"\n"
		"MS-DIAGNOSTICS-PUBLIC: 4141.2;reason=\"User disabled\"\n"
		"ms-client-diagnostics: 52017;reason=\"Encryption levels dont match\"\n"
		"Message-Body: -\n"
		"$$end_record\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->is_request, 0);
	CHECK_INT(r->status, 504);
	CHECK_SLICE(r->reason, "Server time-out");
	CHECK_SLICE(r->method, "INVITE");
	CHECK_SLICE(r->request_uri, NULL);
	CHECK_SLICE(r->from_uri, "sip:a@contoso.com");
	CHECK_SLICE(r->from_tag, "ft");
	CHECK_SLICE(r->to_uri, "sip:b@fabrikam.com");
	CHECK_SLICE(r->to_tag, "tt");
	CHECK_SLICE(r->call_id, "compact-call-id");
	CHECK_SLICE(r->transport, "TLS");
	CHECK_SLICE(r->content_type, "application/sdp");
	CHECK_INT(r->ndiags, 4);
	const sip_msdiag *d = &r->diags[0];
	CHECK_SLICE(d->header, "ms-diagnostics");
	CHECK_INT(d->code, 1047);
	CHECK_INT(d->subcode, -1);
	CHECK_SLICE(d->reason, "Failed to complete TLS negotiation with a federated peer server");
	CHECK_INT(d->nattrs, 3);
	CHECK_SLICE(d->attrs[1].name, "WinsockFailureCode");
	CHECK_SLICE(d->attrs[1].value, "10054(WSAECONNRESET)");
	CHECK_SLICE(d->attrs[2].value, "The peer forced closure of the connection");
	CHECK_SLICE(d->source, NULL);
	d = &r->diags[1];
	CHECK_INT(d->code, 1010);
	CHECK_SLICE(d->reason, "Certificate trust with another server could not be established");
	CHECK_SLICE(d->source, "sfvedge.skype.lab");
	CHECK_INT(d->nattrs, 6);
	CHECK_SLICE(d->attrs[0].name, "reason");
	CHECK_SLICE(d->attrs[2].name, "tls-target");
	CHECK_SLICE(d->attrs[2].value, "vcse.steven.lab");
	CHECK_SLICE(d->attrs[3].name, "PeerServer");
	CHECK_SLICE(d->attrs[3].value, "vcse.steven.lab");
	CHECK_SLICE(d->attrs[4].name, "HRESULT");
	CHECK_SLICE(d->attrs[4].value, "0x80090322(SEC_E_WRONG_PRINCIPAL)");
	d = &r->diags[2];
	CHECK_SLICE(d->header, "MS-DIAGNOSTICS-PUBLIC");
	CHECK_INT(d->code, 4141);
	CHECK_INT(d->subcode, 2);
	CHECK_SLICE(d->reason, "User disabled");
	d = &r->diags[3];
	CHECK_SLICE(d->header, "ms-client-diagnostics");
	CHECK_INT(d->code, 52017);
	CHECK_SLICE(d->reason, "Encryption levels dont match");
	CHECK_INT(d->nattrs, 1);
	clear();
}

static void test_typographic_data(void)
{
	static const char in[] =
		"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\n"
		"LogType: connection\n"
		"Text: The peer is not a configured server on this network interface\n"
		"Data: fqdn=\xE2\x80\x9C Mail.Deitterick.com \xE2\x80\x9D; port = 5061 ;x=\"a;b\"\n"
		"Peer: [fe80::1]:5061\n"
		"Local: 10.0.0.5:5061\n"
		"Connection-ID: 0x1A2B\n"
		"$$end_record\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->ndata, 3);
	CHECK_SLICE(r->fqdn, "Mail.Deitterick.com");
	CHECK_SLICE(r->data[1].name, "port");
	CHECK_SLICE(r->data[1].value, "5061");
	CHECK_SLICE(r->data[2].value, "a;b");
	CHECK_SLICE(r->peer_host, "fe80::1");
	CHECK_INT(r->peer_port, 5061);
	CHECK_SLICE(r->local, "10.0.0.5:5061");
	CHECK_SLICE(r->conn_id, "0x1A2B");
	clear();
}

static void test_max_record(void)
{
	char *in = malloc(64 * 1024);
	size_t n = 0;
	n += (size_t)sprintf(in + n, "%s\n", HDR_PROTO("00000001"));
	n += (size_t)sprintf(in + n, "Start-Line: INVITE sip:a@b SIP/2.0\n");
	for (int i = 0; i < 400; i++)
		n += (size_t)sprintf(in + n, "X-Filler-%d: %040d\n", i, i);
	n += (size_t)sprintf(in + n, "$$end_record\n%s\n$$end_record\n", HDR_PROTO("00000002"));
	CHECK_INT(parse_caps(in, 4096, 0), 0);
	CHECK_INT(nrec, 2);
	CHECK_INT(nwarn, 1);
	CHECK_INT(last_warn.code, SIP_ETRUNCATED);
	CHECK(recs[0].r.raw.n <= 4096);
	CHECK(recs[0].r.raw.n > 3000);
	CHECK_INT(recs[0].r.truncated, 1);
	CHECK_INT(recs[0].r.has_end, 1);
	CHECK_SLICE(recs[0].r.method, "INVITE");
	CHECK(recs[0].r.nfields > 10 && recs[0].r.nfields < 400);
	/* The next record is whole again. */
	CHECK_INT(recs[1].r.truncated, 0);
	CHECK_INT(recs[1].r.line, 404);
	free(in);
	clear();
}

static void test_max_fields(void)
{
	static const char in[] =
		HDR_PROTO("00000001") "\n"
		"A: 1\nB: 2\nC: 3\n continued\nD: 4\n continued\nE: 5\n"
		"ms-diagnostics: 1;a=1;b=2;c=3;d=4\n"
		"$$end_record\n";
	CHECK_INT(parse_caps(in, 0, 3), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(nwarn, 1);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->nfields, 3);
	CHECK_INT(r->truncated, 1);
	CHECK_SLICE(r->fields[2].value, "3\n continued");
	CHECK_INT(r->ndiags, 0);
	/* Attributes are capped as well (max 3). */
	CHECK_INT(parse_caps(HDR_PROTO("00000001") "\nms-diagnostics: 1;a=1;b=2;c=3;d=4\n$$end_record\n", 0, 3), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(recs[0].r.ndiags, 1);
	CHECK_INT(recs[0].r.diags[0].nattrs, 3);
	CHECK_SLICE(recs[0].r.diags[0].attrs[2].name, "c");
	CHECK_INT(recs[0].r.truncated, 1);
	CHECK_INT(nwarn, 1);
	/* Within the cap: no warning, not truncated. */
	CHECK_INT(parse_caps(HDR_PROTO("00000001") "\nms-diagnostics: 1;a=1;b=2;c=3\n$$end_record\n", 0, 3), 0);
	CHECK_INT(recs[0].r.diags[0].nattrs, 3);
	CHECK_INT(recs[0].r.truncated, 0);
	CHECK_INT(nwarn, 0);
	clear();
}

static void test_outside_and_invalid_tl(void)
{
	static const char in[] =
		"\n"
		"garbage before anything\n"
		"$$end_record\n"
		"Peer: not in a record\n"
		"TL_INFO(TF_PROTOCOL) not a header at all\n"
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::13/18/2012-05:00:43.101.00005386 (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\n"
		HDR_PROTO("00000001") "\n"
		"Start-Line: OPTIONS sip:x SIP/2.0\n"
		"TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,broken\n"
		"$$end_record\n"
		"trailing junk\n";
	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(nwarn, 0);
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->line, 7);
	CHECK_INT(r->truncated, 0);
	CHECK_INT(r->nfields, 1);
	/* The invalid TL_ line inside the record continues the value. */
	CHECK_SLICE(r->fields[0].value, "OPTIONS sip:x SIP/2.0\n"
		    "TL_INFO(TF_PROTOCOL) [0]06E4.0EB4::01/18/2012-05:00:43.101.00005386 (SIPStack,broken");
	CHECK(strstr(recs[0].raw, "(SIPStack,broken\n$$end_record\n") != NULL);
	clear();
}

/* Record bodies quoted without their header line (a forum post, a
   ticket): a record begins at its LogType: or Severity: field, takes its
   level from Severity:, has no time, and ends at $$end_record or at a
   blank line; a LogType: inside a record is a field as before. */
static void test_headerless_bodies(void)
{
	static const char in[] =
		"The FE log shows this:\n"
		"LogType: connection\n"
		"Severity: error\n"
		"Text: The peer is not a configured server on this network interface\n"
		"Transport: TLS\n"
		"Data: fqdn=\"deitterick.com\"\n"
		"\n"
		"and on the Edge:\n"
		"Severity: warning\n"
		"Text: Message cannot be routed because the peer's certificate does not contain a matching FQDN\n"
		"Result-Code: 0xc3e93d67 SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH\n"
		"SIP-Call-ID: e144704c\n"
		"$$end_record\n"
		"Severity: none of these\n"
		"Peer: prose\n"
		"\n"
		LYNC2010_CONN "$$end_record\n"
		"Text: The peer is not a configured server on this network interface\n"
		"Data: fqdn=\"deitterick.com\"\n"
		"--\n"
		"Start-Line: SIP/2.0 504 Server time-out\n"
		"ms-diagnostics: 1047;reason=\"Failed to complete TLS negotiation with a federated peer server\"\n"
		"--\n";
	sip_line l[3] = {
		{ "Severity: error", 15, 1, 0, SIP_EOL_LF, 0 },
		{ "Text: The peer is not a configured server", 41, 2, 20, SIP_EOL_LF, 0 },
		{ "Start-Line: SIP/2.0 504 Server time-out", 39, 3, 62, SIP_EOL_LF, 0 },
	};

	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 5);
	if (nrec < 5)
		return;
	const sip_record *r = &recs[0].r;
	CHECK_INT(r->line, 2);
	CHECK_INT(r->end_line, 6);
	CHECK_INT(r->kind, SIP_KIND_CONNECTION);
	CHECK_SLICE(r->level, "TL_ERROR");
	CHECK_SLICE(r->fqdn, "deitterick.com");
	CHECK_STR(r->ts, "");
	CHECK_INT(r->truncated, 0);
	CHECK_INT(r->has_end, 0);
	CHECK(!r->flag.p && !r->host.p && !r->function.p);
	r = &recs[1].r;
	CHECK_INT(r->line, 9);
	CHECK_INT(r->kind, SIP_KIND_DIAGNOSTIC);
	CHECK_SLICE(r->level, "TL_WARN");
	CHECK_SLICE(r->result_symbol, "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH");
	CHECK_SLICE(r->call_id, "e144704c");
	CHECK_INT(r->has_end, 1);
	/* the record with its header: LogType: is one of its fields */
	r = &recs[2].r;
	CHECK_INT(r->line, 17);
	CHECK_SLICE(r->level, "TL_ERROR");
	CHECK_STR(r->ts, "2011-12-20 20:45:01.704");
	CHECK_INT(r->nfields, 5);

	/* the Text: line alone (the line most quoted), cut by grep's "--" */
	r = &recs[3].r;
	CHECK_INT(r->line, 24);
	CHECK_INT(r->kind, SIP_KIND_DIAGNOSTIC);
	CHECK_SLICE(r->fqdn, "deitterick.com");
	CHECK_INT(r->truncated, 1);
	/* a protocol record from its Start-Line: (grep -A on a status) */
	r = &recs[4].r;
	CHECK_INT(r->line, 27);
	CHECK_INT(r->kind, SIP_KIND_PROTOCOL);
	CHECK_INT(r->status, 504);
	CHECK_INT(nwarn, 2);

	/* Severity: then Text: is a body; Severity: alone is none; a
	   Start-Line: whose value is a start line is one on its own */
	CHECK_INT(sip_sipstack_parser.probe(l, 2), 50);
	CHECK_INT(sip_sipstack_parser.probe(l, 1), 0);
	CHECK_INT(sip_sipstack_parser.probe(l + 2, 1), 50);
	clear();

	/* grep -B that began inside a record: an IM quoting the log in its
	   body is no record; after grep's "--" records begin again */
	CHECK_INT(parse("CONTENT-TYPE: text/plain\n"
			"Message-Body: I see it in the front end log:\n"
			"Text: The peer is not a configured server on this network interface\n"
			"$$end_record\n"
			"Message-Body: and this\n"
			"--\n"
			"Text: The peer is not a configured server on this network interface\n"), 0);
	CHECK_INT(nrec, 1);
	if (nrec == 1)
		CHECK_INT(recs[0].r.line, 7);
	clear();
}

/* A header whose $$begin_record a paste put on the next line: one record,
   not a one-line trace and a record without its header. */
static void test_begin_on_own_line(void)
{
	static const char in[] =
		"TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))\n"
		"  $$begin_record \n"
		"LogType: connection\n"
		"Severity: error\n"
		"Text: The peer is not a configured server on this network interface\n"
		"Data: fqdn=\"deitterick.com\"\n"
		"$$end_record\n";

	CHECK_INT(parse(in), 0);
	CHECK_INT(nrec, 1);
	CHECK_INT(nwarn, 0);
	if (nrec < 1)
		return;
	CHECK_INT(recs[0].r.kind, SIP_KIND_CONNECTION);
	CHECK_INT(recs[0].r.has_begin, 1);
	CHECK_INT(recs[0].r.has_end, 1);
	CHECK_INT(recs[0].r.end_line, 7);
	CHECK_STR(recs[0].r.ts, "2011-12-20 20:45:01.704");
	CHECK_SLICE(recs[0].r.fqdn, "deitterick.com");
	CHECK_INT(recs[0].r.nfields, 4);
	clear();
}

/* A header after something else on its line, outside a record: a chat
   tool's time and name, a page's <pre>. */
static void test_embedded_header(void)
{
	sip_line l[1] = { { "<pre>" HDR_PROTO("00000001"), sizeof("<pre>" HDR_PROTO("00000001")) - 1,
			    1, 0, SIP_EOL_LF, 0 } };

	CHECK_INT(parse("[10:42 AM] alice: " LYNC2010_CONN "$$end_record\n"
			"<pre>" HDR_PROTO("00000002") "\nStart-Line: OPTIONS sip:x SIP/2.0\n$$end_record\n"), 0);
	CHECK_INT(nrec, 2);
	if (nrec == 2) {
		CHECK_INT(recs[0].r.kind, SIP_KIND_CONNECTION);
		CHECK_INT(recs[0].r.offset, 18);
		CHECK_STR(recs[0].r.ts, "2011-12-20 20:45:01.704");
		CHECK(!strncmp(recs[0].raw, "TL_ERROR(TF_CONNECTION)", 23));
		CHECK_INT(recs[1].r.kind, SIP_KIND_PROTOCOL);
		CHECK_INT(recs[1].r.line, 8);
	}
	CHECK_INT(sip_sipstack_parser.probe(l, 1), 90);
	clear();
}

/* A record as a list item, its body indented under it, and a header at
   the margin with its body indented: the indent is the paste's.  A body
   whose first field is at the margin keeps its indented lines as the
   continuations they are. */
static void test_indented_bodies(void)
{
	CHECK_INT(parse("- " LYNC2010_CONN_INDENTED("  ") "  $$end_record\n"
			LYNC2010_CONN_INDENTED("\t") "\t$$end_record\n"), 0);
	CHECK_INT(nrec, 2);
	for (int i = 0; i < 2 && i < nrec; i++) {
		const sip_record *r = &recs[i].r;
		CHECK_INT(r->kind, SIP_KIND_CONNECTION);
		CHECK_INT(r->has_end, 1);
		CHECK_INT(r->truncated, 0);
		CHECK_SLICE(r->fqdn, "deitterick.com");
		CHECK_SLICE(r->text, "The peer is not a configured server on this network interface");
		CHECK_INT(r->nfields, 5);
	}
	if (nrec == 2) {
		CHECK_INT(recs[0].r.offset, 2);
		CHECK(strstr(recs[1].raw, "\tLogType: connection\n") != NULL);   /* the text as pasted */
	}
	clear();
	/* the first field at the margin: the indented line after it is a
	   continuation of its value, not a field */
	CHECK_INT(parse("TL_ERROR(TF_COMPONENT) [0]0860.0CDC::01/18/2012-05:07:42.622.000d0b31 (SIPStack,A::B:b.cpp(1))( 0 ) Exit\n"
			"Severity: error\n"
			"  Text: not a field\n"
			"$$end_record\n"), 0);
	CHECK_INT(nrec, 1);
	if (nrec == 1) {
		CHECK_INT(recs[0].r.nfields, 1);
		CHECK_SLICE(recs[0].r.severity, "error\n  Text: not a field");
	}
	clear();
}

/* Bare SIP messages pasted between records (a post with the client's
   response and the server's record): each one a record of its own, in
   the order of the text; a header ends one with no Content-Length. */
static void test_bare_between(void)
{
	CHECK_INT(parse("SIP/2.0 504 Server time-out\n"
			"Call-ID: aa11\n"
			"ms-diagnostics: 1047;reason=\"Failed to complete TLS negotiation with a federated peer server\"\n"
			"Content-Length: 0\n"
			"\n"
			"And the FE shows:\n"
			LYNC2010_CONN "$$end_record\n"
			"  SIP/2.0 403 Forbidden\n"
			"  Call-ID: bb22\n"
			LYNC2010_CONN), 0);
	CHECK_INT(nrec, 4);
	if (nrec < 4)
		return;
	CHECK_STR(recs[0].r.format, "sip");
	CHECK_INT(recs[0].r.status, 504);
	CHECK_SLICE(recs[0].r.call_id, "aa11");
	CHECK_INT(recs[1].r.kind, SIP_KIND_CONNECTION);
	CHECK_INT(recs[1].r.line, 7);
	CHECK_INT(recs[2].r.status, 403);
	CHECK_INT(recs[2].r.line, 14);
	CHECK_INT(recs[2].r.end_line, 15);
	CHECK_INT(recs[3].r.line, 16);
	clear();

	/* client log lines after a record: the client parser's records */
	CHECK_INT(parse(LYNC2010_CONN "$$end_record\n"
			"07/18/2012|09:00:01.374 0E5C:1A08 INFO  :: Data Received - 10.0.0.5:5061 (To Local Address: 10.0.0.9:50123) 300 bytes:\n"
			"07/18/2012|09:00:01.374 0E5C:1A08 INFO  :: SIP/2.0 504 Server time-out\n"
			"Call-ID: cc33\n"
			"07/18/2012|09:00:01.374 0E5C:1A08 INFO  :: End of Data Received - 10.0.0.5:5061 (To Local Address: 10.0.0.9:50123) 300 bytes\n"
			"07/18/2012|09:00:01.400 0E5C:1A08 INFO  :: Function: done\n"
			LYNC2010_CONN "$$end_record\n"), 0);
	CHECK_INT(nrec, 4);
	if (nrec == 4) {
		CHECK_STR(recs[1].r.format, "uccapi");
		CHECK_INT(recs[1].r.status, 504);
		CHECK_SLICE(recs[1].r.peer, "10.0.0.5:5061");
		CHECK_INT(recs[2].r.kind, SIP_KIND_TRACE);
		CHECK_INT(recs[3].r.line, 13);
		CHECK_INT(recs[3].r.kind, SIP_KIND_CONNECTION);
	}
	clear();
}

static void test_probe_and_registry(void)
{
	sip_line l[3] = {
		{ "hello", 5, 1, 0, SIP_EOL_LF, 0 },
		{ "$$end_record", 12, 2, 6, SIP_EOL_LF, 0 },
		{ HDR_PROTO("00000001"), sizeof(HDR_PROTO("00000001")) - 1, 3, 19, SIP_EOL_LF, 0 },
	};
	CHECK_INT(sip_sipstack_parser.probe(l, 1), 0);
	CHECK_INT(sip_sipstack_parser.probe(l, 2), 60);
	CHECK_INT(sip_sipstack_parser.probe(l, 3), 100);
	CHECK_INT(sip_sipstack_parser.probe(NULL, 0), 0);
	CHECK(sip_parser_probe(l, 3) == &sip_sipstack_parser);
	CHECK(sip_parser_probe(l, 1) == NULL);
	CHECK(sip_parsers[0] == &sip_sipstack_parser);
	CHECK_STR(sip_sipstack_parser.name, "sipstack");
	CHECK_INT(sip_sipstack_parser.version, 1);
}

static void test_callback_stop(void)
{
	clear();
	stop_after = 1;
	{
		const sip_parser_ops *ops = &sip_sipstack_parser;
		void *st = ops->open(NULL);
		sip_line a = { HDR_PROTO("00000001"), sizeof(HDR_PROTO("00000001")) - 1, 1, 0, SIP_EOL_LF, 0 };
		sip_line e = { "$$end_record", 12, 2, 0, SIP_EOL_LF, 0 };
		CHECK_INT(ops->feed(st, &a, collect, NULL), 0);
		CHECK_INT(ops->feed(st, &e, collect, NULL), 42);
		CHECK_INT(ops->close(st, collect, NULL), 0);
		ops->free(st);
	}
	CHECK_INT(nrec, 1);
	clear();
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_lync2010_connection),
		T(test_ocs_protocol),
		T(test_ocs_diag_without_begin),
		T(test_sfb_cls_diagnostics),
		T(test_free_text_traces),
		T(test_crlf_raw),
		T(test_truncated),
		T(test_im_body_not_fields),
		T(test_duplicate_via_and_continuation),
		T(test_ms_diagnostics),
		T(test_typographic_data),
		T(test_max_record),
		T(test_max_fields),
		T(test_outside_and_invalid_tl),
		T(test_headerless_bodies), T(test_begin_on_own_line), T(test_embedded_header), T(test_indented_bodies), T(test_bare_between), T(test_probe_and_registry),
		T(test_callback_stop),
		{ 0, 0 },
	};
	return t_main(cases);
}
