/*
 * test_render.c -- the result-set renderers of render.h over an in-memory
 * SQLite database: CSV quoting and CRLF, JSON types (integers, reals, NULL,
 * text escaping, blobs as hex), JSON lines, table alignment with UTF-8
 * widths, truncation with an ellipsis, the blob_text hook and SQL errors.
 */
#include "t.h"

#include <sqlite3.h>

#include "render.h"

static sqlite3 *db;

/* Render sql in format f; returns a static copy of the output. */
static const char *run_opts(const char *sql, const sip_render_opts *o, int *rcp)
{
	static char *text;
	size_t n = 0;
	FILE *out;
	sqlite3_stmt *st = NULL;
	sip_diag d;
	int rc;

	free(text);
	text = NULL;
	out = open_memstream(&text, &n);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
		fclose(out);
		return "";
	}
	rc = sip_render_stmt(st, o, out, NULL, &d);
	if (rcp)
		*rcp = rc;
	sqlite3_finalize(st);
	fclose(out);
	return text;
}

static const char *run(const char *sql, sip_render_format f)
{
	sip_render_opts o;
	memset(&o, 0, sizeof o);
	o.format = f;
	return run_opts(sql, &o, NULL);
}

static void test_format_names(void)
{
	sip_render_format f;
	CHECK_INT(sip_render_format_parse("jsonl", &f), 0);
	CHECK_INT(f, SIP_RENDER_JSONL);
	CHECK_INT(sip_render_format_parse("table", &f), 0);
	CHECK_INT(f, SIP_RENDER_TABLE);
	CHECK_INT(sip_render_format_parse("xml", &f), -1);
}

static void test_csv_quoting(void)
{
	CHECK_STR(run("SELECT 1 AS a, 'x,y' AS \"b,c\", 'say \"hi\"' AS d, NULL AS e, "
		      "'l1' || char(13,10) || 'l2' AS f", SIP_RENDER_CSV),
		  "a,\"b,c\",d,e,f\r\n1,\"x,y\",\"say \"\"hi\"\"\",,\"l1\r\nl2\"\r\n");
	/* no rows: the header alone */
	CHECK_STR(run("SELECT 1 AS a WHERE 0", SIP_RENDER_CSV), "a\r\n");
	/* blob as hex */
	CHECK_STR(run("SELECT x'00ff10' AS b", SIP_RENDER_CSV), "b\r\n00ff10\r\n");
}

static void test_json_types(void)
{
	CHECK_STR(run("SELECT 42 AS i, -7 AS n, 0.5 AS r, 0.1 AS t, NULL AS z, "
		      "'a\"b' AS s, x'0a0b' AS b", SIP_RENDER_JSON),
		  "[\n{\"i\":42,\"n\":-7,\"r\":0.5,\"t\":0.1,\"z\":null,\"s\":\"a\\\"b\","
		  "\"b\":\"0a0b\"}\n]\n");
	CHECK_STR(run("SELECT 9223372036854775807 AS big, 1e300*1e300 AS inf",
		      SIP_RENDER_JSON),
		  "[\n{\"big\":9223372036854775807,\"inf\":null}\n]\n");
	CHECK_STR(run("SELECT 1 AS a WHERE 0", SIP_RENDER_JSON), "[]\n");
	CHECK_STR(run("SELECT value AS v FROM (SELECT 1 AS value UNION ALL SELECT 2)",
		      SIP_RENDER_JSON), "[\n{\"v\":1},\n{\"v\":2}\n]\n");
	/* invalid UTF-8 never passes raw */
	CHECK_STR(run("SELECT CAST(x'41ff42' AS TEXT) AS s", SIP_RENDER_JSONL),
		  "{\"s\":\"A\xef\xbf\xbd" "B\"}\n");
}

static void test_jsonl(void)
{
	CHECK_STR(run("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL", SIP_RENDER_JSONL),
		  "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n");
	CHECK_STR(run("SELECT 1 AS a WHERE 0", SIP_RENDER_JSONL), "");
}

static void test_table_alignment(void)
{
	/* numbers right-aligned, text left, NULL empty, no trailing blanks;
	   "é" and "日本" count 1 and 4 columns. */
	CHECK_STR(run("SELECT 'ab' AS name, 5 AS n, NULL AS z UNION ALL "
		      "SELECT 'é', 1234, 'x' UNION ALL SELECT '日本', 7, NULL",
		      SIP_RENDER_TABLE),
		  "name     n  z\n"
		  "----  ----  -\n"
		  "ab       5\n"
		  "é     1234  x\n"
		  "日本     7\n");
	/* control characters become blanks */
	CHECK_STR(run("SELECT 'a' || char(10) || 'b' AS t", SIP_RENDER_TABLE),
		  "t\n---\na b\n");
}

static void test_table_truncation(void)
{
	sip_render_opts o;
	memset(&o, 0, sizeof o);
	o.format = SIP_RENDER_TABLE;
	o.max_cell = 5;
	CHECK_STR(run_opts("SELECT 'abcdefgh' AS t, 'héllo wörld' AS u", &o, NULL),
		  "t      u\n-----  -----\nabcd\xe2\x80\xa6  h\xc3\xa9ll\xe2\x80\xa6\n");
	/* rows after the sample are cut to the sampled width */
	o.max_cell = 0;
	o.sample_rows = 1;
	CHECK_STR(run_opts("SELECT 'ab' AS t UNION ALL SELECT 'abcdef'", &o, NULL),
		  "t\n--\nab\na\xe2\x80\xa6\n");
}

static void test_cell_and_width(void)
{
	sip_buf b;
	size_t w = 0;

	CHECK_INT(sip_render_width("abc", 3), 3);
	CHECK_INT(sip_render_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4);
	CHECK_INT(sip_render_width("a\xff", 2), 2);
	sip_buf_init(&b, 0);
	/* a wide character that would straddle the cut is left out */
	CHECK_INT(sip_render_cell(&b, "a\xe6\x97\xa5\xe6\x9c\xac", 7, 3, &w), 0);
	CHECK_STR(b.p, "a\xe2\x80\xa6");
	CHECK_INT(w, 2);
	sip_buf_release(&b);
}

static int upper_blob(void *ctx, sqlite3_stmt *st, int col, const void *blob,
		      size_t n, sip_buf *out)
{
	const unsigned char *u = blob;
	(void)ctx;
	if (strcmp(sqlite3_column_name(st, col), "raw") != 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		sip_buf_addc(out, (char)(u[i] >= 'a' && u[i] <= 'z' ? u[i] - 32 : u[i]));
	return 0;
}

static void test_blob_hook(void)
{
	sip_render_opts o;
	memset(&o, 0, sizeof o);
	o.format = SIP_RENDER_JSONL;
	o.blob_text = upper_blob;
	CHECK_STR(run_opts("SELECT CAST('ab\r\n' AS BLOB) AS raw, x'01' AS other", &o, NULL),
		  "{\"raw\":\"AB\\r\\n\",\"other\":\"01\"}\n");
}

static void test_step_error(void)
{
	sip_render_opts o;
	int rc = 0;
	memset(&o, 0, sizeof o);
	o.format = SIP_RENDER_JSON;
	/* json_extract on malformed JSON fails while stepping, after one row */
	const char *out = run_opts("SELECT json_extract(j, '$.a') AS v FROM (SELECT '{\"a\":1}' AS j "
				   "UNION ALL SELECT 'not json')", &o, &rc);
	CHECK_INT(rc, SIP_EDB);
	CHECK_STR(out, "[\n{\"v\":1}\n]\n");
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_format_names), T(test_csv_quoting), T(test_json_types),
		T(test_jsonl), T(test_table_alignment), T(test_table_truncation),
		T(test_cell_and_width), T(test_blob_hook), T(test_step_error),
		{ 0 }
	};
	int rc;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	rc = t_main(cases);
	sqlite3_close(db);
	return rc;
}
