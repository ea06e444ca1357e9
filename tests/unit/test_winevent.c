/*
 * test_winevent.c -- Windows events copied as text (parsers/winevent.c),
 * through sip_scan_mem so that the probe takes part: Event Viewer's
 * "Copy details as text" (the description at the margin, its Event Xml
 * part, prose around), PowerShell's Format-List of Get-WinEvent and
 * Get-EventLog (indented message lines, a prompt after the events), the
 * brief "Event ID: 1" and its text that posts quote, the
 * dates of every form (and none when the month cannot be told), levels,
 * the result code in a description, the same events saved as CSV (Event
 * Viewer's, PowerShell's Export-Csv), and what is no event.
 */
#include "t.h"

#include "scan.h"

typedef struct ev_copy {
	char format[16], kind[16], level[16], ts[24], host[64], component[64];
	char text[512], symbol[64], event_id[16], raw_tail[32];
	long long line, end_line, nfields;
	unsigned result;
	int has_result;
} ev_copy;

#define MAXR 8
static ev_copy rc[MAXR];
static int nr;

static void cp(char *d, size_t dn, sip_str s)
{
	size_t n = s.p ? (s.n < dn - 1 ? s.n : dn - 1) : 0;

	if (n)
		memcpy(d, s.p, n);
	d[n] = 0;
}

static int collect(void *ctx, const sip_record *r)
{
	ev_copy *c;

	(void)ctx;
	if (!CHECK(nr < MAXR))
		return 1;
	c = &rc[nr++];
	memset(c, 0, sizeof *c);
	snprintf(c->format, sizeof c->format, "%s", r->format ? r->format : "");
	snprintf(c->kind, sizeof c->kind, "%s", sip_kind_name(r->kind));
	snprintf(c->ts, sizeof c->ts, "%s", r->ts);
	cp(c->level, sizeof c->level, r->level);
	cp(c->host, sizeof c->host, r->host);
	cp(c->component, sizeof c->component, r->component);
	cp(c->text, sizeof c->text, r->text);
	cp(c->symbol, sizeof c->symbol, r->result_symbol);
	cp(c->event_id, sizeof c->event_id, sip_record_field(r, "Event ID"));
	if (!c->event_id[0])
		cp(c->event_id, sizeof c->event_id, sip_record_field(r, "Id"));
	{
		size_t t = r->raw.n > 20 ? r->raw.n - 20 : 0;
		cp(c->raw_tail, sizeof c->raw_tail, (sip_str){ r->raw.p + t, r->raw.n - t });
	}
	c->line = (long long)r->line;
	c->end_line = (long long)r->end_line;
	c->nfields = (long long)r->nfields;
	c->result = r->result_code;
	c->has_result = r->has_result;
	return 0;
}

static int scan(const char *text, const char **parser)
{
	sip_scan_opts o;
	sip_scan_result res;
	sip_diag d;
	int code;

	memset(&o, 0, sizeof o);
	nr = 0;
	code = sip_scan_mem(text, strlen(text), "t.txt", &o, collect, NULL, &res, &d);
	if (parser)
		*parser = res.parser;
	return code;
}

static void test_event_viewer(void)
{
	const char *parser = NULL;
	const char *t =
		"Seen on the FE:\n"
		"\n"
		"Log Name:      Lync Server\n"
		"Source:        LS Protocol Stack\n"
		"Date:          3/14/2012 9:12:03 PM\n"
		"Event ID:      14428\n"
		"Task Category: (1001)\n"
		"Level:         Error\n"
		"Keywords:      Classic\n"
		"User:          N/A\n"
		"Computer:      fe01.contoso.com\n"
		"Description:\n"
		"TLS outgoing connection failures.\n"
		"\n"
		"Source: a line of the description that looks like a field\n"
		"The error code of the last failure is 0x80090322(SEC_E_WRONG_PRINCIPAL) while\n"
		"trying to connect to the host \"edge.contoso.com\".\n"
		"Event Xml:\n"
		"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
		"  <System><EventID>14428</EventID></System>\n"
		"</Event>\n"
		"Thanks for any idea\n"
		"Log Name:      System\n"
		"Source:        Schannel\n"
		"Date:          2012-03-15T08:00:01.5000000Z\n"
		"Event ID:      36888\n"
		"Level:         Warning\n"
		"Computer:      fe01.contoso.com\n"
		"Description:\n"
		"A fatal alert was generated.\n"
		"\n";

	CHECK_INT(scan(t, &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 2);
	if (nr != 2)
		return;
	CHECK_STR(rc[0].format, "event");
	CHECK_STR(rc[0].kind, "diagnostic");
	CHECK_STR(rc[0].level, "TL_ERROR");
	CHECK_STR(rc[0].ts, "2012-03-14 21:12:03.000");
	CHECK_STR(rc[0].host, "fe01.contoso.com");
	CHECK_STR(rc[0].component, "LS Protocol Stack");
	CHECK_STR(rc[0].event_id, "14428");
	CHECK_STR(rc[0].text, "TLS outgoing connection failures. Source: a line of the"
		  " description that looks like a field The error code of the last failure"
		  " is 0x80090322(SEC_E_WRONG_PRINCIPAL) while trying to connect to the"
		  " host \"edge.contoso.com\".");
	CHECK_INT(rc[0].has_result, 1);
	CHECK_INT(rc[0].result, 0x80090322u);
	CHECK_STR(rc[0].symbol, "SEC_E_WRONG_PRINCIPAL");
	CHECK_INT(rc[0].line, 3);
	CHECK_INT(rc[0].end_line, 21);   /* the XML's end; the prose after it is not its */
	CHECK_STR(rc[0].raw_tail, "></System>\n</Event>\n");
	CHECK_INT(rc[0].nfields, 10);
	CHECK_STR(rc[1].level, "TL_WARN");
	CHECK_STR(rc[1].ts, "2012-03-15 08:00:01.500");
	CHECK_STR(rc[1].text, "A fatal alert was generated.");
	CHECK_INT(rc[1].has_result, 0);
	CHECK_INT(rc[1].end_line, 30);   /* no blank line after it */
}

static void test_format_list(void)
{
	const char *parser = NULL;
	const char *t =
		"PS C:\\> Get-WinEvent -LogName 'Lync Server' | Format-List\n"
		"\n"
		"TimeCreated  : 14/03/2012 21:12:03\n"
		"ProviderName : LS Protocol Stack\n"
		"Id           : 14428\n"
		"Message      : TLS outgoing connection failures.\n"
		"\n"
		"               Over the past 1 minutes, Lync Server has experienced\n"
		"               failures 3 time(s).\n"
		"\n"
		"TimeCreated  : 03/04/2012 09:10:00\n"
		"ProviderName : LS Server\n"
		"Id           : 12303\n"
		"Message      : Server startup is being delayed.\n"
		"\n"
		"PS C:\\> Get-EventLog -LogName System -Newest 1 | Format-List\n"
		"\n"
		"Index              : 48211\n"
		"EntryType          : Error\n"
		"InstanceId         : 36888\n"
		"Message            : A fatal alert was generated.\n"
		"Source             : Schannel\n"
		"TimeGenerated      : 14.03.2012 21:13:10\n"
		"UserName           :\n";

	CHECK_INT(scan(t, &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 3);
	if (nr != 3)
		return;
	CHECK_STR(rc[0].ts, "2012-03-14 21:12:03.000");   /* the day above 12 */
	CHECK_STR(rc[0].level, "");
	CHECK_STR(rc[0].event_id, "14428");
	CHECK_STR(rc[0].text, "TLS outgoing connection failures. Over the past 1 minutes,"
		  " Lync Server has experienced failures 3 time(s).");
	CHECK_INT(rc[0].end_line, 9);
	CHECK_STR(rc[1].ts, "");                          /* 03/04: which is the month? */
	CHECK_STR(rc[1].text, "Server startup is being delayed.");
	CHECK_INT(rc[1].end_line, 14);                    /* the prompt is not its */
	CHECK_STR(rc[2].component, "Schannel");
	CHECK_STR(rc[2].level, "TL_ERROR");
	CHECK_STR(rc[2].ts, "2012-03-14 21:13:10.000");
	CHECK_INT(rc[2].end_line, 24);
}

static void test_brief(void)
{
	const char *parser = NULL;
	/* as a post quotes client events: the id, then the text */
	const char *t =
		"```\n"
		"Event ID: 1\n"
		"Communicator was unable to locate the login server.  No DNS SRV records exist"
		" for domain schertz.local, so Communicator was unable to login.\n"
		"Event ID: 3\n"
		"Communicator was unable to resolve the DNS hostname of the login server\n"
		"sipinternal.schertz.local.\n"
		"```\n"
		"Any idea?\n";

	CHECK_INT(scan(t, &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 2);
	if (nr != 2)
		return;
	CHECK_STR(rc[0].event_id, "1");
	CHECK_STR(rc[0].text, "Communicator was unable to locate the login server.  No DNS SRV"
		  " records exist for domain schertz.local, so Communicator was unable to login.");
	CHECK_INT(rc[0].line, 2);
	CHECK_INT(rc[0].end_line, 3);
	CHECK_STR(rc[1].event_id, "3");
	CHECK_STR(rc[1].text, "Communicator was unable to resolve the DNS hostname of the login"
		  " server sipinternal.schertz.local.");
	CHECK_INT(rc[1].end_line, 6);   /* the fence ends it */
	CHECK_STR(rc[1].ts, "");
	/* an id that is no number, or no text after it, is no event */
	CHECK(scan("Event ID: 14428 keeps coming back\nWhat does it mean?\n", &parser) != SIP_OK);
	CHECK(scan("Event ID: 14428\n\nWhat does it mean?\n", &parser) != SIP_OK);
}

static void test_not_events(void)
{
	const char *parser = NULL;

	/* a field or two of an event named in prose is no event */
	CHECK(scan("We saw Event ID: 14428 on the FE.\nSource: LS Protocol Stack\n", &parser) != SIP_OK);
	CHECK(parser == NULL);
	/* a server trace with a Source: line stays a trace */
	CHECK_INT(scan("TL_INFO(TF_COMPONENT) [0]0AC0.1278::03/14/2012-09:12:03.367.0000047e"
		       " (SIPStack,A::B:c.cpp(1))( 0 ) Source: x\n"
		       "Log Name:      Lync Server\n", &parser), SIP_OK);
	CHECK_STR(parser, "sipstack");
}

static void test_csv(void)
{
	const char *parser = NULL;

	/* Event Viewer's CSV: the description in a sixth column the header
	   does not name, a quoted cell over lines, "" for a quote, a line of
	   prose after the rows (no event) and the header again (no event) */
	CHECK_INT(scan("Level,Date and Time,Source,Event ID,Task Category\r\n"
		       "Error,3/14/2012 9:12:03 AM,LS Protocol Stack,14428,(1001),\"TLS outgoing"
		       " connection failures.\r\n\r\nThe host \"\"edge.contoso.com\"\", error"
		       " 0x80090322(SEC_E_WRONG_PRINCIPAL).\"\r\n"
		       "\r\n"
		       "Level,Date and Time,Source,Event ID,Task Category\r\n"
		       "Warning,14.03.2012 21:13:10,LS User Services,30988,(1006),Plain, unquoted\r\n"
		       "Thanks!\r\n", &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].format, "event");
	CHECK_STR(rc[0].kind, "diagnostic");
	CHECK_STR(rc[0].level, "TL_ERROR");
	CHECK_STR(rc[0].ts, "2012-03-14 09:12:03.000");
	CHECK_STR(rc[0].component, "LS Protocol Stack");
	CHECK_STR(rc[0].event_id, "14428");
	CHECK_STR(rc[0].text, "TLS outgoing connection failures. The host \"edge.contoso.com\","
		  " error 0x80090322(SEC_E_WRONG_PRINCIPAL).");
	CHECK_STR(rc[0].symbol, "SEC_E_WRONG_PRINCIPAL");
	CHECK_INT(rc[0].line, 2);
	CHECK_INT(rc[0].end_line, 4);
	CHECK_INT(rc[0].nfields, 6);
	CHECK_STR(rc[0].raw_tail, "WRONG_PRINCIPAL).\"\r\n");
	/* Event Viewer's description unquoted: to the end of the row, its
	   commas too */
	CHECK_STR(rc[1].level, "TL_WARN");
	CHECK_STR(rc[1].ts, "2012-03-14 21:13:10.000");
	CHECK_STR(rc[1].text, "Plain, unquoted");
	CHECK_INT(rc[1].line, 7);

	/* Get-WinEvent | Export-Csv: the message first, the level a number
	   when LevelDisplayName is empty, the host */
	CHECK_INT(scan("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n"
		       "\"Message\",\"Id\",\"Level\",\"ProviderName\",\"MachineName\","
		       "\"TimeCreated\",\"LevelDisplayName\"\n"
		       "\"TLS outgoing connection failures.\n\nOver the past 1 minutes.\",\"14428\","
		       "\"2\",\"LS Protocol Stack\",\"fe01.contoso.com\",\"3/14/2012 9:12:03 AM\",\n"
		       "\"Startup.\",\"12303\",\"4\",\"LS Server\",\"fe01.contoso.com\","
		       "\"3/14/2012 9:10:00 AM\",\"Information\"\n", &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 2);
	CHECK_STR(rc[0].level, "TL_ERROR");
	CHECK_STR(rc[0].host, "fe01.contoso.com");
	CHECK_STR(rc[0].event_id, "14428");
	CHECK_STR(rc[0].text, "TLS outgoing connection failures. Over the past 1 minutes.");
	CHECK_INT(rc[0].line, 3);
	CHECK_INT(rc[0].end_line, 5);
	CHECK_STR(rc[1].level, "TL_INFO");

	/* cut inside a quoted cell: the event, truncated, and the cut said */
	CHECK_INT(scan("Level,Date and Time,Source,Event ID,Task Category\n"
		       "Error,3/14/2012 9:12:03 AM,Schannel,36888,None,\"A fatal alert\n"
		       "was generated", &parser), SIP_ETRUNCATED);
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].text, "A fatal alert was generated");

	/* a CSV of other names is no events CSV: a log platform's export
	   with a message column is read by that column (src/scan.c) */
	CHECK(scan("Level,Date,Source,Id,Category\nError,x,y,1,z\nError,x,y,2,z\n", &parser) != SIP_OK);
	CHECK(parser == NULL);
	CHECK(scan("\"message\",\"id\",\"source\"\n\"a\",\"1\",\"b\"\n", &parser) != SIP_OK);
	CHECK(scan("\"Message\",\"Id\",\"Version\"\n\"a\",\"1\",\"b\"\n", &parser) != SIP_OK);

	/* Event Viewer's header with the sixth column named by hand, and
	   more after it */
	CHECK_INT(scan("Level,Date and Time,Source,Event ID,Task Category,EventDescription,Computer\n"
		       "Error,10/7/2016 06:38:24 PM,Schannel,36888,None,\"A fatal alert, code 40.\",fe01\n",
		       &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].text, "A fatal alert, code 40.");
	CHECK_STR(rc[0].ts, "2016-10-07 18:38:24.000");
	CHECK_STR(rc[0].host, "fe01");
	CHECK_INT(rc[0].nfields, 7);

	/* Select-Object TimeCreated, Id, Message | Export-Csv: enough */
	CHECK_INT(scan("\"TimeCreated\",\"Id\",\"Message\"\n\"3/14/2012 9:12:03 AM\",\"14428\","
		       "\"TLS outgoing connection failures.\"\n", &parser), SIP_OK);
	CHECK_STR(parser, "event");
	CHECK_INT(nr, 1);
	CHECK_STR(rc[0].ts, "2012-03-14 09:12:03.000");
	CHECK_STR(rc[0].event_id, "14428");
	CHECK_STR(rc[0].text, "TLS outgoing connection failures.");
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_event_viewer), T(test_format_list), T(test_brief), T(test_not_events),
		T(test_csv), { 0, 0 }
	};
	return t_main_args(cases, argc, argv);
}
