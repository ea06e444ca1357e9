/*
 * test_report.c -- the report renderers of report.h over a real store
 * (sip_store_open creates the schema in a scratch file): an XHTML
 * well-formedness checker run on the HTML report (tag balance, quoted
 * attributes, entity escaping, nothing loaded) with hostile record text
 * (<script>, ]]>, &, quotes, control bytes), the order of findings, the
 * 80-column text report, and the helpers sip_wrap, sip_html_escape and
 * sip_ts_ms.
 */
#include "t.h"

#include <unistd.h>

#include "report.h"
#include "wrap.h"
#include "store.h"

/* ---- the well-formedness checker ------------------------------------------- */

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_';
}

/* 0 when the entity at s ("&...;") is one the escaper may write. */
static int check_entity(const char *s, size_t *len)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strncmp(s, named[i], strlen(named[i])) == 0) {
			*len = strlen(named[i]);
			return 0;
		}
	if (s[1] == '#') {
		size_t k = 2;
		while (s[k] >= '0' && s[k] <= '9')
			k++;
		if (k > 2 && s[k] == ';') {
			*len = k + 1;
			return 0;
		}
	}
	return -1;
}

/*
 * Returns NULL when doc is well-formed XML in the XHTML style this report
 * promises, else a static message naming the first fault.
 */
static const char *xml_check(const char *doc)
{
	static char msg[200];
	char stack[256][32];
	size_t depth = 0, len;
	const char *p = doc;

	if (strncmp(p, "<!DOCTYPE html>", 15) == 0)
		p += 15;
	while (*p) {
		if (*p == '&') {
			if (check_entity(p, &len))
				return "bare & in text";
			p += len;
			continue;
		}
		if (*p == '>')
			return "unescaped > in text";
		if (*p != '<') {
			p++;
			continue;
		}
		if (p[1] == '/') { /* end tag */
			size_t n = 0;
			p += 2;
			while (name_char(p[n]))
				n++;
			if (!depth)
				return "end tag without start";
			depth--;
			if (n != strlen(stack[depth]) || strncmp(p, stack[depth], n) != 0) {
				snprintf(msg, sizeof msg, "</%.*s> closes <%.31s>", (int)(n > 31 ? 31 : n), p, stack[depth]);
				return msg;
			}
			p += n;
			if (*p != '>')
				return "junk in end tag";
			p++;
			continue;
		}
		/* start tag */
		{
			size_t n = 0;
			p++;
			while (name_char(p[n]))
				n++;
			if (!n || n >= sizeof stack[0])
				return "bad tag name";
			if (depth == sizeof stack / sizeof stack[0])
				return "too deep";
			snprintf(stack[depth], sizeof stack[0], "%.*s", (int)n, p);
			p += n;
			for (;;) {
				char q;
				size_t an = 0;
				while (*p == ' ' || *p == '\n')
					p++;
				if (*p == '/' && p[1] == '>') {
					p += 2; /* empty element */
					break;
				}
				if (*p == '>') {
					depth++;
					p++;
					break;
				}
				while (name_char(p[an]))
					an++;
				if (!an)
					return "bad attribute name";
				if (strncmp(p, "src", an) == 0 && an == 3)
					return "src= loads something";
				/* links: to a place in the report, or a reference
				   (http/https, opened by the reader: nothing loads) */
				if (an == 4 && strncmp(p, "href", 4) == 0 && p[6] != '#' &&
				    strncmp(p + 6, "https://", 8) && strncmp(p + 6, "http://", 7))
					return "href to another document";
				p += an;
				if (*p != '=' || (p[1] != '"' && p[1] != '\''))
					return "unquoted attribute";
				q = p[1];
				p += 2;
				while (*p && *p != q) {
					if (*p == '<')
						return "< in attribute";
					if (*p == '&') {
						if (check_entity(p, &len))
							return "bare & in attribute";
						p += len;
						continue;
					}
					p++;
				}
				if (!*p)
					return "unterminated attribute";
				p++;
			}
		}
	}
	if (depth) {
		snprintf(msg, sizeof msg, "<%.31s> never closed", stack[depth - 1]);
		return msg;
	}
	return NULL;
}

static void test_checker_rejects(void)
{
	/* the checker itself must be able to fail */
	CHECK(xml_check("<p>ok &amp; fine<br/></p>") == NULL);
	CHECK(xml_check("<p><b></p>") != NULL);
	CHECK(xml_check("<p>") != NULL);
	CHECK(xml_check("<a href=x>t</a>") != NULL);
	CHECK(xml_check("<a href=\"javascript:x\">t</a>") != NULL);
	CHECK(xml_check("<a href=\"file:///etc\">t</a>") != NULL);
	CHECK(xml_check("<a href=\"https://x\">t</a>") == NULL);   /* a reference */
	CHECK(xml_check("<img src=\"a.png\"/>") != NULL);
	CHECK(xml_check("<p>a & b</p>") != NULL);
	CHECK(xml_check("<p>]]></p>") != NULL);
	CHECK(xml_check("<p title=\"a<b\">x</p>") != NULL);
}

/* ---- a store with hostile records ------------------------------------------ */

static const char *HOSTILE =
	"TL_ERROR(TF_DIAG) [0]0AC0.1278::03/14/2012-09:12:51.185.00000001 "
	"(SIPStack,X::Y:Z.cpp(1))$$begin_record\r\n"
	"Text: <script>alert('x')</script> ]]> & \"q\" \x01\xff\r\n"
	"$$end_record\r\n";

static sip_store *make_store(const char *path)
{
	sip_store *s = NULL;
	sip_diag d;
	sip_zctx *z;
	sip_buf blob;
	int64_t chunk_id = 0;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;

	unlink(path);
	if (sip_store_open(&s, path, 0, &d)) {
		fprintf(stderr, "store: %s\n", d.msg);
		return NULL;
	}
	db = sip_store_db(s);
	z = sip_zctx_new();
	sip_buf_init(&blob, 0);
	CHECK(z != NULL);
	CHECK_INT(sip_store_chunk_compress(z, HOSTILE, strlen(HOSTILE), &blob), 0);
	CHECK_INT(sqlite3_exec(db,
		"INSERT INTO files(id, path, status) VALUES (1, '/logs/fe<1>.log', 'ingested'),"
		" (2, '/logs/b.log', 'partial');"
		"INSERT INTO records(id, file_id, line, ts, kind, level, peer, status) VALUES"
		" (1, 1, 10, '2012-03-14 09:12:51.185', 'trace', 'TL_ERROR', '10.0.0.9:5061', NULL),"
		" (2, 1, 20, '2012-03-14 09:13:00.000', 'protocol', 'TL_INFO', '10.0.0.9:5062', 503),"
		" (3, 2, 5, '2012-03-14 10:00:00.000', 'connection', 'TL_ERROR', '[fe80::1]:5061', NULL);"
		"INSERT INTO findings(id, rule_id, severity, title, cause, fix, refs, keys_json,"
		" count, first_seen, last_seen, hosts, sample_ids, benign) VALUES"
		" (1, 'r.info', 'info', 'Info & <i>note</i>', 'c', 'f', NULL, '{}', 9,"
		"  '2012-03-14 09:12:51.185', '2012-03-14 09:12:51.185', '', '1', 0),"
		" (2, 'r.crit', 'critical', 'Critical \"one\"', 'cause <script>x</script>',"
		"  'fix ]]> now', 'https://example.invalid/a?b=1&c=2', '{\"k\":1}', 1,"
		"  '2012-03-14 09:12:51.185', '2012-03-14 10:00:00.000', 'fe1,fe2', '1,3,99', 0),"
		" (3, 'r.benign', 'critical', 'Benign crit', 'c', 'f', NULL, '{}', 100,"
		"  '2012-03-14 09:13:00.000', '2012-03-14 09:13:00.000', '', '2', 1),"
		" (4, 'r.err', 'error', 'Error many', 'c', 'f', NULL, '{}', 50,"
		"  '2012-03-14 09:13:00.000', '2012-03-14 09:13:00.000', '', '', 0);"
		"INSERT INTO finding_records VALUES (2, 1), (2, 3), (1, 1), (3, 2);"
		"INSERT INTO unexplained VALUES (1, 'tmpl <a>'), (2, 'tmpl <a>'), (3, 'other');",
		NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sip_store_insert_chunk(s, 1, blob.p, blob.n, &chunk_id, &d), SIP_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "UPDATE record_rows SET chunk_id = ?1, raw_off = 0,"
				     " raw_len = ?2 WHERE id = 1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, chunk_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)strlen(HOSTILE));
	CHECK_INT(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sip_buf_release(&blob);
	sip_zctx_free(z);
	return s;
}

static char *report_text(sip_store *s, sip_report_format f)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	sip_diag d;
	CHECK_INT(sip_report_write(sip_store_db(s), f, out, &d), 0);
	fclose(out);
	return text;
}

static void test_html_well_formed(void)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/sipscan-test-report-%d.db", (int)getpid());
	sip_store *s = make_store(path);
	char *html;
	const char *err;

	CHECK(s != NULL);
	if (!s)
		return;
	html = report_text(s, SIP_REPORT_HTML);
	err = xml_check(html);
	if (err)
		fprintf(stderr, "    not well-formed: %s\n", err);
	CHECK(err == NULL);
	/* the hostile record text is there, escaped, inside a closed <details> */
	CHECK(strstr(html, "Text: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ]]&gt; "
			   "&amp; &quot;q&quot; \xef\xbf\xbd\xef\xbf\xbd\r\n") != NULL);
	CHECK(strstr(html, "<details>") != NULL);
	CHECK(strstr(html, "<details open") == NULL);
	CHECK(strstr(html, "<script") == NULL);
	CHECK(strstr(html, "]]>") == NULL);
	/* paths relative to the files' common directory, named once */
	CHECK(strstr(html, " under <code>/logs/</code>") != NULL);
	CHECK(strstr(html, "record 1 &#8212; fe&lt;1&gt;.log:10") != NULL);
	CHECK(strstr(html, "<tr><td><code>fe&lt;1&gt;.log</code></td>") != NULL);
	CHECK(strstr(html, "(no such record)") != NULL); /* sample id 99 */
	/* nothing is loaded: no external references of any kind */
	CHECK(strstr(html, "src=") == NULL);
	CHECK(strstr(html, "url(") == NULL);
	CHECK(strstr(html, "@import") == NULL);
	CHECK(strstr(html, "<link") == NULL);
	CHECK(strstr(html, "<svg") != NULL);
	free(html);
	sip_store_free(s);
	unlink(path);
}

static void test_order_and_text(void)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/sipscan-test-report2-%d.db", (int)getpid());
	sip_store *s = make_store(path);
	char *text, *json;
	const char *crit, *err, *info, *benign, *line;

	CHECK(s != NULL);
	if (!s)
		return;
	text = report_text(s, SIP_REPORT_TEXT);
	/* benign last, then severity, then count */
	crit = strstr(text, "[CRITICAL] Critical");
	err = strstr(text, "[ERROR] Error many");
	info = strstr(text, "[INFO] Info");
	benign = strstr(text, "[CRITICAL] (benign) Benign crit");
	CHECK(crit && err && info && benign);
	CHECK(crit < err && err < info && info < benign);
	/* unexplained grouped by template, most frequent first */
	CHECK(strstr(text, "       2  tmpl <a>\n") != NULL);
	CHECK(strstr(text, "       2  tmpl <a>") < strstr(text, "       1  other"));
	/* peers without port: 10.0.0.9 twice */
	CHECK(strstr(text, "       2  10.0.0.9 (1 error records, 1 responses >= 400)") != NULL);
	CHECK(strstr(text, "[fe80::1]") != NULL);
	for (line = text; *line;) {
		size_t n = strcspn(line, "\n");
		if (n > 80)
			fprintf(stderr, "    long line: %.*s\n", (int)n, line);
		CHECK(n <= 80);
		line += n + (line[n] ? 1 : 0);
	}
	json = report_text(s, SIP_REPORT_JSON);
	CHECK(strstr(json, "\"keys\":{\"k\":1}") != NULL);
	CHECK(strstr(json, "\"refs\":[\"https://example.invalid/a?b=1&c=2\"]") != NULL);
	CHECK(strstr(json, "\"sample_records\":[{\"id\":1,\"file\":\"/logs/fe<1>.log\",\"line\":10},"
			   "{\"id\":3,\"file\":\"/logs/b.log\",\"line\":5},"
			   "{\"id\":99,\"file\":null,\"line\":null}]") != NULL);
	CHECK(strstr(json, "\"files_by_status\":{\"ingested\":1,\"partial\":1}") != NULL);
	free(text);
	free(json);
	sip_store_free(s);
	unlink(path);
}

static void test_helpers(void)
{
	sip_buf b;

	sip_buf_init(&b, 0);
	CHECK_INT(sip_wrap(&b, "aaa bbb ccc ddd", 16, "  "), 0);
	CHECK_STR(b.p, "  aaa bbb ccc\n  ddd\n");
	sip_buf_reset(&b);
	sip_wrap(&b, "one\ntwo  words averyveryverylongword x", 20, "> ");
	CHECK_STR(b.p, "> one\n> two words\n> averyveryverylongword\n> x\n");
	sip_buf_reset(&b);
	sip_html_escape(&b, "<a href='x'>&\"\x02", 15);
	CHECK_STR(b.p, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xef\xbf\xbd");
	sip_buf_release(&b);
	CHECK_INT(sip_ts_ms("1970-01-01 00:00:01.5"), 1500);
	CHECK_INT(sip_ts_ms("2012-03-14 09:12:03.131"), 1331716323131LL);
	CHECK_INT(sip_ts_ms("2012-03-14"), -1);
	CHECK_INT(sip_ts_ms("garbage"), -1);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_checker_rejects), T(test_html_well_formed), T(test_order_and_text),
		T(test_helpers), { 0 }
	};
	return t_main(cases);
}
