/*
 * test_prefix.c -- pasted traces (src/prefix.c): each kind of prefix, the
 * sequences of kinds, and inputs that must be left alone.
 */
#include "t.h"

#include "prefix.h"

#define MAXL 64
static sip_line lines[MAXL];
static char store[MAXL][512];
static size_t nlines;

/* Split text at '\n' (a '\r' before it is dropped) into lines. */
static void split(const char *text)
{
	const char *p = text;

	nlines = 0;
	while (*p && nlines < MAXL) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && p[n - 1] == '\r')
			n--;
		memcpy(store[nlines], p, n);
		lines[nlines] = (sip_line){ store[nlines], n, nlines + 1, 0, SIP_EOL_LF, 0 };
		nlines++;
		p = e ? e + 1 : p + n;
	}
}

static const char *stripped(const sip_prefix *pf, size_t i)
{
	static char out[512];
	size_t k = sip_prefix_len(pf, lines[i].p, lines[i].n);

	snprintf(out, sizeof out, "%.*s", (int)(lines[i].n - k), lines[i].p + k);
	return out;
}

static const char *describe(const sip_prefix *pf)
{
	static char b[192];

	return sip_prefix_describe(pf, b, sizeof b);
}

#define HDR1 "TL_ERROR(TF_CONNECTION) [0]0AC0.1278::03/14/2012-09:12:03.367.0000047e (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record"
#define BODY1 "LogType: connection\nSeverity: error\nText: The peer is not a configured server on this network interface\nData: fqdn=\"deitterick.com\"\n$$end_record\n"

static void test_line_numbers(void)
{
	/* "96. ", "96:", "96: ", "0096| ", "96)<tab>", "96 ", "   96  " */
	static const struct { int width, zero; const char *sep; } styles[] = {
		{ 3, 0, ". " }, { 0, 0, ":" }, { 0, 0, ": " }, { 4, 1, "| " },
		{ 0, 0, ")\t" }, { 0, 0, " " }, { 5, 0, "  " },
	};
	sip_prefix pf;

	for (size_t s = 0; s < sizeof styles / sizeof styles[0]; s++) {
		char text[4096];
		const char *src = HDR1 "\n" BODY1;
		size_t at = 0;
		int no = 96;
		for (const char *p = src; *p;) {
			const char *e = strchr(p, '\n');
			at += (size_t)snprintf(text + at, sizeof text - at,
					       styles[s].zero ? "%0*d%s%.*s\n" : "%*d%s%.*s\n",
					       styles[s].width, no++, styles[s].sep,
					       (int)(e - p), p);
			p = e + 1;
		}
		split(text);
		sip_prefix_detect(lines, nlines, &pf);
		/* "   96  " is the number and one blank, then an indentation
		   of one blank common to the lines */
		CHECK_INT(pf.n, s == 6 ? 2 : 1);
		CHECK_INT(pf.kind[0], SIP_PREFIX_LINENO);
		CHECK_STR(stripped(&pf, 0), HDR1);
		CHECK_STR(stripped(&pf, 3), "Text: The peer is not a configured server on this network interface");
		CHECK_STR(describe(&pf), s == 6 ? "line numbers and indentation" : "line numbers");
	}
}

static void test_quoting_and_numbers(void)
{
	sip_prefix pf;

	split("> > 96. " HDR1 "\n> > 97. LogType: connection\n> > 98. $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 2);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 2), "$$end_record");
	CHECK_STR(describe(&pf), "'>' quoting and line numbers");

	split(">> " HDR1 "\n>> LogType: connection\n>>\n>> $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 2), "");
}

static void test_indentation_keeps_folding(void)
{
	sip_prefix pf;

	split("    04/16/2013|03:17:30.168 1F68:C14 INFO  :: Sending Packet - 10.0.0.1:5061 (From Local Address: 10.0.0.2:5000) 100 bytes:\r\n"
	      "    04/16/2013|03:17:30.168 1F68:C14 INFO  :: REGISTER sip:contoso.com SIP/2.0\r\n"
	      "    Via: SIP/2.0/TLS 10.0.0.2:5000\r\n"
	      "      ;branch=z9hG4bK1\r\n"
	      "    04/16/2013|03:17:30.168 1F68:C14 INFO  :: End of Sending Packet\r\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_INDENT);
	CHECK_INT(pf.indent, 4);
	CHECK_STR(stripped(&pf, 2), "Via: SIP/2.0/TLS 10.0.0.2:5000");
	CHECK_STR(stripped(&pf, 3), "  ;branch=z9hG4bK1");
}

/* What grep -n, grep -Hn and PowerShell's Select-String print: "96-" for a
   context line, "99:" for a match, a path first (one whose name holds
   dashes and digits), "--" between groups, "> " or "  " before the path. */
static void test_grep_output(void)
{
	sip_prefix pf;

	split("96-" HDR1 "\n97-LogType: connection\n98-Severity: error\n"
	      "99:Text: The peer is not a configured server on this network interface\n"
	      "100-Data: fqdn=\"deitterick.com\"\n--\n"
	      "375-" HDR1 "\n376-LogType: connection\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_GREP);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 3), "Text: The peer is not a configured server on this network interface");
	CHECK_STR(stripped(&pf, 5), "");
	CHECK_STR(stripped(&pf, 6), HDR1);
	CHECK_STR(describe(&pf), "file names, line numbers and marks of grep or Select-String");

	split("logs/fe01/SIPStack-2012-03-14.log:96:" HDR1 "\n"
	      "logs/fe01/SIPStack-2012-03-14.log-97-LogType: connection\n"
	      "logs/fe01/SIPStack-2012-03-14.log-98-Text: Peer 10.0.1.40:59609-12-x\n"
	      "logs/fe01/SIPStack-2012-03-14.log-99-$$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 2), "Text: Peer 10.0.1.40:59609-12-x");

	/* grep -H without -n: a path ending as a log file's name, then the
	   mark; the header's own "-" and ":" stay */
	split("fe01.log:" HDR1 "\n"
	      "fe01.log-LogType: connection\n"
	      "C:\\logs\\SIPStack-2012-03-14.LOG-Text: Peer 10.0.1.40:59609\n"
	      "trace.log.gz-$$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_GREP);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 2), "Text: Peer 10.0.1.40:59609");
	CHECK_STR(stripped(&pf, 3), "$$end_record");

	/* no '.' in the path: the last place in the first word */
	split("InputStream:96:" HDR1 "\nInputStream:97:LogType: connection\n"
	      "InputStream:98:$$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");

	split("> C:\\Users\\admin\\SIPStack-2012-03-14.log:96:" HDR1 "\n"
	      "  C:\\Users\\admin\\SIPStack-2012-03-14.log:97:LogType: connection\n"
	      "  C:\\Users\\admin\\SIPStack-2012-03-14.log:98:$$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 2), "$$end_record");

	/* Select-String without a path (Get-Content piped to it) */
	split("> " HDR1 "\n  LogType: connection\n  Severity: error\n  $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 3), "$$end_record");
}

/* A log collector's time and host before each line: ISO 8601 with or
   without a zone, syslog's with a tag; no host when the trace begins
   right after the time. */
static void test_log_collector(void)
{
	sip_prefix pf;

	split("2026-12-05T10:00:00.123Z fe01 " HDR1 "\n"
	      "2026-12-05T10:00:00.123Z fe01 LogType: connection\n"
	      "2026-12-05T10:00:00.124Z fe01 Severity: error\n"
	      "2026-12-05T10:00:00.124Z fe01 $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_LOGSTAMP);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 3), "$$end_record");
	CHECK_STR(describe(&pf), "times and hosts of a log collector (syslog, ISO 8601)");

	split("Dec  5 10:00:00 fe01 OCSLogger[2044]: " HDR1 "\n"
	      "Dec  5 10:00:00 fe01 OCSLogger[2044]: LogType: connection\n"
	      "Dec  5 10:00:01 fe01 OCSLogger[2044]: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");

	split("2026-12-05 10:00:00,123+01:00 " HDR1 "\n"
	      "2026-12-05 10:00:00,123+01:00 LogType: connection\n"
	      "2026-12-05 10:00:00,123+01:00 $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 2), "$$end_record");
}

/* A syslog tag without a process id after the time and host ("SIPStack:"),
   or a host written with its colon: stripped as a third part, which the
   field names that look like one ("LogType:") never are. */
static void test_log_collector_tag(void)
{
	sip_prefix pf;

	split("2017-03-02T07:10:46.230Z sfvedge SIPStack: " HDR1 "\n"
	      "2017-03-02T07:10:46.230Z sfvedge SIPStack: LogType: connection\n"
	      "2017-03-02T07:10:46.231Z sfvedge SIPStack: Severity: error\n"
	      "2017-03-02T07:10:46.231Z sfvedge SIPStack: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 2);
	CHECK_INT(pf.kind[0], SIP_PREFIX_LOGSTAMP);
	CHECK_INT(pf.kind[1], SIP_PREFIX_TAG);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 3), "$$end_record");
	CHECK_STR(describe(&pf), "times and hosts of a log collector (syslog, ISO 8601)"
		  " and syslog tags");

	split("Mar  2 07:10:46 sfvedge: " HDR1 "\n"
	      "Mar  2 07:10:46 sfvedge: LogType: connection\n"
	      "Mar  2 07:10:46 sfvedge: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 2);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");

	/* without a tag, the first word after the host is a field's name */
	split("2017-03-02T07:10:46.230Z sfvedge " HDR1 "\n"
	      "2017-03-02T07:10:46.230Z sfvedge LogType: connection\n"
	      "2017-03-02T07:10:46.231Z sfvedge Severity: error\n"
	      "2017-03-02T07:10:46.231Z sfvedge $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 2), "Severity: error");

	/* the priority a syslog file keeps, RFC 3164 and RFC 5424 (there the
	   application, process id, message id and structured data follow
	   the host, one word each) */
	split("<134>Mar  2 07:10:46 sfvedge SIPStack: " HDR1 "\n"
	      "<134>Mar  2 07:10:46 sfvedge SIPStack: LogType: connection\n"
	      "<134>Mar  2 07:10:46 sfvedge SIPStack: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 2);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	split("<134>1 2017-03-02T07:10:46.230Z sfvedge SIPStack 2044 - - " HDR1 "\n"
	      "<134>1 2017-03-02T07:10:46.230Z sfvedge SIPStack 2044 - - LogType: connection\n"
	      "<134>1 2017-03-02T07:10:46.231Z sfvedge SIPStack 2044 ID47"
	      " [meta@32473 seq=\"3\"][x@1 a=\"b\"] $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_LOGSTAMP);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(stripped(&pf, 2), "$$end_record");

	/* the tag only ever follows a collector's stamp */
	split("SIPStack: " HDR1 "\nSIPStack: LogType: connection\nSIPStack: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);
}

/* A chat tool's stamp and the name of who wrote, on every line; the
   stamp alone when there is no name. */
static void test_chat_names(void)
{
	sip_prefix pf;

	split("[10:42 AM] alice: " HDR1 "\n[10:42 AM] alice: LogType: connection\n"
	      "[10:42 AM] alice: Severity: error\n[10:42 AM] alice: $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_STAMP_NAME);
	CHECK_STR(stripped(&pf, 0), HDR1);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
	CHECK_STR(describe(&pf), "chat stamps and names");

	split("[10:42 AM] " HDR1 "\n[10:42 AM] LogType: connection\n"
	      "[10:42 AM] Severity: error\n[10:42 AM] $$end_record\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_STAMP);
	CHECK_STR(stripped(&pf, 1), "LogType: connection");
}

/* Prose around the numbered lines: half of them numbered is enough, the
   prose passes as it is. */
static void test_prose_around(void)
{
	sip_prefix pf;

	split("Posted by an admin\n\nThe FE shows:\n"
	      "96. " HDR1 "\n97. LogType: connection\n98. Severity: error\n99. $$end_record\n"
	      "Any idea?\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_STR(stripped(&pf, 0), "Posted by an admin");
	CHECK_STR(stripped(&pf, 3), HDR1);

	/* a code block indented by four blanks (Markdown, a forum) between
	   lines of prose, which keep what they are */
	split("Hi all, the FE shows:\n\n"
	      "    " HDR1 "\n    LogType: connection\n    Severity: error\n"
	      "    Data: fqdn=\"deitterick.com\"\n    $$end_record\n\nAny idea?\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 1);
	CHECK_INT(pf.kind[0], SIP_PREFIX_INDENT);
	CHECK_INT((long)pf.indent, 4);
	CHECK_STR(stripped(&pf, 0), "Hi all, the FE shows:");
	CHECK_STR(stripped(&pf, 2), HDR1);
	CHECK_STR(stripped(&pf, 5), "Data: fqdn=\"deitterick.com\"");
}

/* What must be left alone: a server trace, a client log, bare messages
   with folded headers and a '>' in the body, a one-line input, prose. */
static void test_left_alone(void)
{
	sip_prefix pf;

	split(HDR1 "\n" BODY1);
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);

	split("04/16/2013|03:17:30.168 1F68:C14 INFO  :: Sending Packet - 10.0.0.1:5061 (From Local Address: 10.0.0.2:5000) 100 bytes:\n"
	      "04/16/2013|03:17:30.168 1F68:C14 INFO  :: MESSAGE sip:bob@contoso.com SIP/2.0\n"
	      "Via: SIP/2.0/TLS 10.0.0.2:5000\n"
	      "  ;branch=z9hG4bK1\n"
	      "\n"
	      "> quoted text inside an IM\n"
	      "> more\n"
	      "04/16/2013|03:17:30.168 1F68:C14 INFO  :: End of Sending Packet\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);

	split("SIP/2.0 504 Server time-out\nVia: SIP/2.0/TLS 10.0.0.2:5000\n  ;branch=1\nCSeq: 1 INVITE\n\n1 2 3\n4 5 6\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);

	split("12. hello");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);

	split("1. Open the log\n2. Search for TL_ERROR\n3. Paste it here\n");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);

	split("");
	sip_prefix_detect(lines, nlines, &pf);
	CHECK_INT(pf.n, 0);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_line_numbers), T(test_quoting_and_numbers),
		T(test_indentation_keeps_folding), T(test_prose_around), T(test_grep_output), T(test_log_collector),
		T(test_log_collector_tag), T(test_chat_names),
		T(test_left_alone), { 0, 0 }
	};
	return t_main_args(cases, argc, argv);
}
