/*
 * test_flow.c -- the ladder layout of flow.h: endpoint columns in order of
 * appearance, arrow directions and labels, the date line, ms-diagnostics
 * under the arrow, arrows that cross a lifeline, truncation of long names
 * and labels, and the width limit.
 */
#include "t.h"

#include "flow.h"

static const char *render(const sip_flow *f, unsigned width)
{
	static sip_buf b;
	sip_buf_release(&b);
	sip_buf_init(&b, 0);
	CHECK_INT(sip_flow_render_text(f, width, &b), 0);
	return b.p ? b.p : "";
}

static void test_two_endpoints(void)
{
	sip_flow f;
	size_t a, b;

	sip_flow_init(&f);
	CHECK_INT(sip_flow_endpoint(&f, "client", &a), 0);
	CHECK_INT(sip_flow_endpoint(&f, "fe01", &b), 0);
	CHECK_INT(sip_flow_endpoint(&f, "client", &a), 0); /* found, not added */
	CHECK_INT(a, 0);
	CHECK_INT(b, 1);
	CHECK_INT(f.nendpoints, 2);
	CHECK_INT(sip_flow_add(&f, "2012-03-14 09:12:03.199", a, b, "INVITE", -1, NULL), 0);
	CHECK_INT(sip_flow_add(&f, "2012-03-14 09:12:03.206", b, a, "486 Busy Here", 1034,
			       "Previous hop federated peer did not report diagnostic"), 0);
	CHECK_INT(sip_flow_add(&f, "2012-03-15 00:00:00.001", a, b, "ACK", -1, NULL), 0);
	CHECK_STR(render(&f, 120),
		  "Time                 client                fe01\n"
		  "2012-03-14              |                    |\n"
		  "09:12:03.199            |--INVITE----------->|\n"
		  "09:12:03.206            |<--486 Busy Here----|\n"
		  "                        |  ms-diag 1034: Previous hop federated peer did not report diagnostic\n"
		  "2012-03-15              |                    |\n"
		  "00:00:00.001            |--ACK-------------->|\n");
	/* a bad endpoint index is refused */
	CHECK_INT(sip_flow_add(&f, "", 0, 7, "X", -1, NULL), SIP_EINTERNAL);
	sip_flow_release(&f);
	CHECK_INT(f.nendpoints, 0);
}

static void test_crossing_and_width(void)
{
	sip_flow f;
	size_t a, b, c;
	const char *out, *line;

	sip_flow_init(&f);
	sip_flow_endpoint(&f, "a.contoso.com", &a);
	sip_flow_endpoint(&f, "b", &b);
	sip_flow_endpoint(&f, "a-very-long-endpoint-name-that-cannot-fit.example.com", &c);
	sip_flow_add(&f, "2020-01-01 10:00:00.000", a, c, "OPTIONS", -1, NULL);
	sip_flow_add(&f, "2020-01-01 10:00:00.100", c, a,
		     "504 Server time-out with a reason phrase far longer than any column", -1, NULL);
	out = render(&f, 60);
	/* every line fits in 60 columns */
	for (line = out; *line;) {
		size_t n = strcspn(line, "\n");
		CHECK(n <= 60);
		line += n + (line[n] ? 1 : 0);
	}
	/* the long name and label are cut with "..." */
	CHECK(strstr(out, "...") != NULL);
	CHECK(strstr(out, "a-very-long-endpoint-name-that-cannot-fit.example.com") == NULL);
	/* the arrow passes over b's lifeline: no '|' between the ends */
	line = strstr(out, "10:00:00.000");
	CHECK(line != NULL);
	if (line) {
		const char *l = strchr(line, '|'), *r = strchr(l + 1, '|');
		CHECK(r && r[-1] == '>');
		CHECK(strncmp(l, "|--OPTIONS", 10) == 0);
	}
	line = strstr(out, "10:00:00.100");
	CHECK(line && strstr(line, "|<--504") != NULL);
	sip_flow_release(&f);
}

static void test_self_and_ascii(void)
{
	sip_flow f;
	size_t a;
	const char *out;

	sip_flow_init(&f);
	sip_flow_endpoint(&f, "h\xc3\xa9te", &a);
	sip_flow_add(&f, "2020-01-01 10:00:00.000", a, a, "NOTIFY", -1, NULL);
	out = render(&f, 80);
	CHECK(strstr(out, "h?te") != NULL);     /* non-ASCII drawn as '?' */
	CHECK(strstr(out, "|<> NOTIFY") != NULL);
	if (!strstr(out, "|<> NOTIFY"))
		fprintf(stderr, "%s", out);
	sip_flow_release(&f);
}

static void test_caps(void)
{
	sip_flow f;
	size_t k;
	char name[16];
	int rc = 0;

	sip_flow_init(&f);
	for (int i = 0; i <= SIP_FLOW_MAX_ENDPOINTS && !rc; i++) {
		snprintf(name, sizeof name, "h%d", i);
		rc = sip_flow_endpoint(&f, name, &k);
	}
	CHECK_INT(rc, SIP_ECAP);
	CHECK_INT(f.nendpoints, SIP_FLOW_MAX_ENDPOINTS);
	sip_flow_release(&f);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_two_endpoints), T(test_crossing_and_width), T(test_self_and_ascii),
		T(test_caps), { 0 }
	};
	return t_main(cases);
}
