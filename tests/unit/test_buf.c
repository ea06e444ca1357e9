/*
 * test_buf.c -- sip_buf, the JSON and CSV encoders, UTF-8 validation, and
 * the error texts / diagnostics formatting of err.c.
 */
#include "t.h"

#include "buf.h"
#include "err.h"

static void test_buf_grow_and_cap(void)
{
	sip_buf b;
	sip_buf_init(&b, 10);
	CHECK_INT(sip_buf_adds(&b, "hello"), SIP_OK);
	CHECK_INT(sip_buf_adds(&b, "world"), SIP_OK);
	CHECK_STR(b.p, "helloworld");
	/* One more byte passes the cap: refused, buffer unchanged. */
	CHECK_INT(sip_buf_addc(&b, '!'), SIP_ENOMEM);
	CHECK_INT(b.n, 10);
	CHECK_STR(b.p, "helloworld");
	sip_buf_reset(&b);
	CHECK_INT(b.n, 0);
	CHECK_INT(sip_buf_printf(&b, "%d-%s", 42, "x"), SIP_OK);
	CHECK_STR(b.p, "42-x");
	sip_buf_release(&b);
	CHECK(b.p == NULL);
}

static const char *json(const char *s, size_t n)
{
	static sip_buf b;
	sip_buf_release(&b);
	sip_buf_init(&b, 0);
	sip_buf_json_str(&b, s, n);
	return b.p;
}

/* A failed append is remembered until reset; later appends still work. */
static void test_sticky_error(void)
{
	sip_buf b;

	sip_buf_init(&b, 8);
	CHECK_INT(sip_buf_adds(&b, "abc"), 0);
	CHECK_INT(b.err, 0);
	CHECK_INT(sip_buf_adds(&b, "0123456789"), SIP_ENOMEM);
	CHECK_INT(b.err, SIP_ENOMEM);
	CHECK_STR(b.p, "abc");
	CHECK_INT(sip_buf_adds(&b, "de"), 0);
	CHECK_INT(b.err, SIP_ENOMEM);
	CHECK_INT(sip_buf_printf(&b, "%s", "0123456789"), SIP_ENOMEM);
	CHECK_INT(sip_buf_json_str(&b, "xxxxxxxxxx", 10), SIP_ENOMEM);
	sip_buf_reset(&b);
	CHECK_INT(b.err, 0);
	sip_buf_release(&b);
}

static void test_json_escapes(void)
{
	CHECK_STR(json("plain", 5), "\"plain\"");
	CHECK_STR(json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(json("l1\r\nl2\t", 7), "\"l1\\r\\nl2\\t\"");
	CHECK_STR(json("\x01\x1f", 2), "\"\\u0001\\u001f\"");
	CHECK_STR(json("nul\0x", 5), "\"nul\\u0000x\"");
	/* Valid UTF-8 passes through: typographic quotes, 4-byte emoji. */
	CHECK_STR(json("\xe2\x80\x9cq\xe2\x80\x9d", 7), "\"\xe2\x80\x9cq\xe2\x80\x9d\"");
	CHECK_STR(json("\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"");
	json("", 0);
	CHECK_STR(json("", 0), "\"\"");
}

static void test_json_invalid_utf8_replaced(void)
{
	/* Lone continuation byte, truncated sequence, overlong, surrogate,
	   Latin-1 byte: each invalid byte becomes U+FFFD. */
	CHECK_STR(json("a\x80z", 3), "\"a\xef\xbf\xbdz\"");
	CHECK_STR(json("\xe2\x80", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(json("\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(json("\xed\xa0\x80", 3), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(json("caf\xe9", 4), "\"caf\xef\xbf\xbd\"");
}

static void test_utf8_seq(void)
{
	CHECK_INT(sip_utf8_seq((const unsigned char *)"A", 1), 1);
	CHECK_INT(sip_utf8_seq((const unsigned char *)"\xc3\xa9", 2), 2);
	CHECK_INT(sip_utf8_seq((const unsigned char *)"\xc3", 1), 0);
	CHECK_INT(sip_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	CHECK_INT(sip_utf8_seq((const unsigned char *)"\xf0\x80\x80\x80", 4), 0); /* overlong */
}

static void test_csv_field(void)
{
	sip_buf b;
	sip_buf_init(&b, 0);
	sip_buf_csv_field(&b, "plain", 5);
	sip_buf_addc(&b, ',');
	sip_buf_csv_field(&b, "a,b", 3);
	sip_buf_addc(&b, ',');
	sip_buf_csv_field(&b, "say \"hi\"", 8);
	sip_buf_addc(&b, ',');
	sip_buf_csv_field(&b, "two\r\nlines", 10);
	CHECK_STR(b.p, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\"");
	sip_buf_release(&b);
}

static void test_diag_format(void)
{
	sip_diag d;
	char buf[256];

	sip_diag_clear(&d);
	sip_diag_set(&d, SIP_EGZIP, "trace.log.gz", 0, "gzip stream truncated");
	d.offset = 18422;
	d.has_offset = 1;
	CHECK_STR(sip_diag_format(&d, buf, sizeof buf),
		  "trace.log.gz: byte 18422: gzip stream truncated");
	sip_diag_set(&d, SIP_ERULE, "x.rules", 12, "unknown key 'foo'");
	d.column = 3;
	CHECK_STR(sip_diag_format(&d, buf, sizeof buf), "x.rules:12:3: unknown key 'foo'");
	sip_diag_set(&d, SIP_ETOOLONG, "a.log", 7, "line too long");
	CHECK_STR(sip_diag_format(&d, buf, sizeof buf), "a.log:7: line too long");
	sip_diag_set(&d, SIP_EFORMAT, "", 0, "%s", "");
	CHECK_STR(sip_diag_format(&d, buf, sizeof buf), "not a trace sipscan reads");
	CHECK_STR(sip_strerror(SIP_EDB), "database error");
	CHECK_STR(sip_strerror(999), "unknown error");
	CHECK_STR(sip_strerror(-1), "unknown error");
}

static void test_exit_codes(void)
{
	CHECK_INT(sip_exit_code(SIP_OK), 0);
	CHECK_INT(sip_exit_code(SIP_EGZIP), SIP_EXIT_INPUT);
	CHECK_INT(sip_exit_code(SIP_EFORMAT), SIP_EXIT_INPUT);
	CHECK_INT(sip_exit_code(SIP_EUSAGE), SIP_EXIT_USAGE);
	CHECK_INT(sip_exit_code(SIP_EDB), SIP_EXIT_DB);
	CHECK_INT(sip_exit_code(SIP_EBUSY), SIP_EXIT_DB);
	CHECK_INT(sip_exit_code(SIP_ERULE), SIP_EXIT_RULES);
	CHECK_INT(sip_exit_code(SIP_ENOMEM), SIP_EXIT_INTERNAL);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_buf_grow_and_cap), T(test_sticky_error), T(test_json_escapes),
		T(test_json_invalid_utf8_replaced), T(test_utf8_seq),
		T(test_csv_field), T(test_diag_format), T(test_exit_codes),
		{ NULL, NULL }
	};
	return t_main(cases);
}
