/*
 * test_tally.c -- the summary's statistics counted while writing
 * (src/tally.c): counting, the bounds, telling values apart, and which
 * rows count as errors under which text.
 */
#include "t.h"

#include <stdint.h>

#include "tally.h"

static sip_str S(const char *s)
{
	return s ? (sip_str){ s, strlen(s) } : SIP_STR_NULL;
}

static sip_row row(int kind, const char *level, const char *host, const char *ts,
		   const char *text)
{
	sip_row r;

	memset(&r, 0, sizeof r);
	r.kind = kind;
	r.status = -1;
	r.ms_diag_code = -1;
	r.col[SIP_COL_LEVEL] = S(level);
	r.col[SIP_COL_HOST] = S(host);
	r.col[SIP_COL_TS] = S(ts);
	r.col[SIP_COL_TEXT] = S(text);
	return r;
}

static const sip_tally_ent *find(const sip_tally_set *set, const char *s)
{
	for (size_t i = 0; i < set->n; i++)
		if (s ? set->v[i].s && !strcmp(set->v[i].s, s) : !set->v[i].s)
			return &set->v[i];
	return NULL;
}

static void test_counts_and_times(void)
{
	sip_tally t;
	sip_row r[5];
	const sip_tally_ent *e;

	sip_tally_init(&t);
	r[0] = row(SIP_KIND_CONNECTION, "TL_INFO", "fe01", "2012-03-14 08:00:02.000", "a");
	r[1] = row(SIP_KIND_CONNECTION, "TL_INFO", "fe01", "2012-03-14 08:00:01.000", "b");
	r[2] = row(SIP_KIND_PROTOCOL, "TL_INFO", "fe02", "2012-03-14 09:00:00.000", NULL);
	r[3] = row(SIP_KIND_TRACE, NULL, "fe01", "2012-03-14 08:30:00.000", NULL);
	r[4] = row(7, "", NULL, NULL, NULL); /* out-of-range kind: trace; '' = NULL */
	for (int i = 0; i < 5; i++)
		sip_tally_row(&t, &r[i]);
	CHECK_INT(t.rows, 5);
	CHECK_INT(t.kinds[SIP_KIND_CONNECTION], 2);
	CHECK_INT(t.kinds[SIP_KIND_PROTOCOL], 1);
	CHECK_INT(t.kinds[SIP_KIND_TRACE], 2);
	CHECK_INT(t.levels.n, 2);
	CHECK(find(&t.levels, "TL_INFO") && find(&t.levels, "TL_INFO")->n == 3);
	CHECK(find(&t.levels, NULL) && find(&t.levels, NULL)->n == 2);
	CHECK((e = find(&t.hosts, "fe01")) != NULL);
	if (e) {
		CHECK_INT(e->n, 3);
		CHECK_STR(e->t0, "2012-03-14 08:00:01.000");
		CHECK_STR(e->t1, "2012-03-14 08:30:00.000");
	}
	CHECK((e = find(&t.hosts, NULL)) != NULL);
	if (e) {
		CHECK_INT(e->n, 1);
		CHECK_STR(e->t0, "");
		CHECK_STR(e->t1, "");
	}
	CHECK_INT(t.errors.n, 0);
	CHECK(!t.full && !t.errors_full);
	sip_tally_release(&t);
}

static void test_errors(void)
{
	sip_tally t;
	sip_row r;

	sip_tally_init(&t);
	r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, "Peer not trusted");
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_FATAL", NULL, NULL, "Peer not trusted");
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, NULL);
	r.col[SIP_COL_RESULT_SYMBOL] = S("SEC_E_UNTRUSTED_ROOT");
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, NULL);
	sip_tally_row(&t, &r);
	/* a response with an ms-diagnostics code is an error at any level,
	   named by the reason when there is no text */
	r = row(SIP_KIND_PROTOCOL, "TL_INFO", NULL, NULL, NULL);
	r.status = 504;
	r.ms_diag_code = 1010;
	r.col[SIP_COL_MS_DIAG_REASON] = S("Certificate trust");
	r.col[SIP_COL_RESULT_SYMBOL] = S("ignored");
	sip_tally_row(&t, &r);
	/* not errors: a 504 without a code, a 401 challenge, a warning,
	   a level that only starts like one */
	r = row(SIP_KIND_PROTOCOL, "TL_INFO", NULL, NULL, "x");
	r.status = 504;
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_PROTOCOL, "TL_INFO", NULL, NULL, "x");
	r.status = 401;
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_WARN", NULL, NULL, "x");
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_ERRORS", NULL, NULL, "x");
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_INFO", NULL, NULL, "x");
	r.ms_diag_code = 1010;
	r.status = 504;
	sip_tally_row(&t, &r); /* not a protocol record */

	CHECK_INT(t.errors.n, 4);
	CHECK(find(&t.errors, "Peer not trusted") && find(&t.errors, "Peer not trusted")->n == 2);
	CHECK(find(&t.errors, "SEC_E_UNTRUSTED_ROOT") != NULL);
	CHECK(find(&t.errors, "(no text)") != NULL);
	CHECK(find(&t.errors, "Certificate trust") != NULL);
	CHECK(find(&t.errors, "x") == NULL);
	sip_tally_release(&t);
}

/* values are told apart by every byte and by length; NULL is a value of its own */
static void test_values(void)
{
	sip_tally_set set;
	static const char *const vals[] = { "b", "ab", "a", "a\0z", "B", "a" };
	static const size_t lens[] = { 1, 2, 1, 3, 1, 1 };

	memset(&set, 0, sizeof set);
	for (size_t i = 0; i < 6; i++)
		CHECK_INT(sip_tally_add(&set, vals[i], lens[i], i + 1, SIZE_MAX, SIZE_MAX), 0);
	CHECK_INT(sip_tally_add(&set, NULL, 0, 1, SIZE_MAX, SIZE_MAX), 0);
	CHECK_INT(sip_tally_add(&set, "", 0, 1, SIZE_MAX, SIZE_MAX), 0);
	CHECK_INT(set.n, 7);
	CHECK(find(&set, "a") && find(&set, "a")->n == 3 + 6);
	CHECK(find(&set, "B") && find(&set, "B")->n == 5);
	CHECK(find(&set, NULL) && find(&set, NULL)->n == 1);
	CHECK(find(&set, "") && find(&set, "")->n == 1);
	for (size_t i = 0; i < set.n; i++)
		if (set.v[i].len == 3)
			CHECK(!memcmp(set.v[i].s, "a\0z", 3) && set.v[i].n == 4);
	CHECK_INT(set.bytes, 1 + 2 + 1 + 3 + 1);
	sip_tally_set_release(&set);
	CHECK_INT(set.n, 0);
}

static void test_bounds(void)
{
	sip_tally_set set;
	sip_tally t;
	char name[32];

	/* values beyond max are refused and change nothing; known values still count */
	memset(&set, 0, sizeof set);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(name, sizeof name, "host%d", i);
		CHECK_INT(sip_tally_add(&set, name, (size_t)n, 1, 1000, SIZE_MAX), 0);
	}
	CHECK_INT(sip_tally_add(&set, "other", 5, 1, 1000, SIZE_MAX), -1);
	CHECK_INT(set.n, 1000);
	CHECK_INT(sip_tally_add(&set, "host7", 5, 4, 1000, SIZE_MAX), 0);
	CHECK(find(&set, "host7") && find(&set, "host7")->n == 5);
	CHECK(find(&set, "host999") && find(&set, "host999")->n == 1);
	CHECK(find(&set, "other") == NULL);
	sip_tally_set_release(&set);

	/* bytes beyond max_bytes are refused */
	memset(&set, 0, sizeof set);
	CHECK_INT(sip_tally_add(&set, "abcd", 4, 1, SIZE_MAX, 6), 0);
	CHECK_INT(sip_tally_add(&set, "efg", 3, 1, SIZE_MAX, 6), -1);
	CHECK_INT(sip_tally_add(&set, "ef", 2, 1, SIZE_MAX, 6), 0);
	CHECK_INT(set.bytes, 6);
	sip_tally_set_release(&set);

	/* a tally past SIP_TALLY_MAX hosts gives up its groups, not its kinds */
	sip_tally_init(&t);
	for (int i = 0; i <= SIP_TALLY_MAX; i++) {
		sip_row r;
		snprintf(name, sizeof name, "host%d", i);
		r = row(SIP_KIND_CONNECTION, "TL_INFO", name, NULL, NULL);
		sip_tally_row(&t, &r);
	}
	CHECK(t.full);
	CHECK(!t.errors_full);
	CHECK_INT(t.rows, SIP_TALLY_MAX + 1);
	CHECK_INT(t.kinds[SIP_KIND_CONNECTION], SIP_TALLY_MAX + 1);
	sip_tally_release(&t);

	/* error texts: bounded in number, short ones too (memory), and in bytes */
	sip_tally_init(&t);
	for (int i = 0; i < SIP_TALLY_ERR_MAX; i++) {
		sip_row r;
		snprintf(name, sizeof name, "e%d", i);
		r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, name);
		sip_tally_row(&t, &r);
	}
	CHECK(!t.errors_full);
	CHECK_INT(t.errors.n, SIP_TALLY_ERR_MAX);
	{
		sip_row r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, "one more");
		sip_tally_row(&t, &r);
	}
	CHECK(t.errors_full);
	CHECK(!t.full);
	sip_tally_release(&t);
	sip_tally_init(&t);
	{
		static char big[SIP_TALLY_ERR_BYTES / 2 + 2]; /* two pass the bound */
		sip_row r;
		memset(big, 'x', sizeof big - 1);
		r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, big);
		sip_tally_row(&t, &r);
		CHECK(!t.errors_full);
		big[0] = 'y';
		r = row(SIP_KIND_CONNECTION, "TL_ERROR", NULL, NULL, big);
		sip_tally_row(&t, &r);
		CHECK(t.errors_full);
	}
	sip_tally_release(&t);
}

/* the last row taken out: counts and the host's times as before it */
static void test_take_last(void)
{
	sip_tally t;
	sip_tally_one one;
	sip_row r;
	const sip_tally_ent *e;

	sip_tally_init(&t);
	r = row(SIP_KIND_CONNECTION, "TL_INFO", "fe01", "2012-03-14 08:00:01.000", NULL);
	r.line = 10;
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_CONNECTION, "TL_INFO", "fe01", "2012-03-14 08:00:03.000", NULL);
	r.line = 20;
	sip_tally_row(&t, &r);
	r = row(SIP_KIND_PROTOCOL, "TL_ERROR", "fe01", "2012-03-14 08:00:05.000", "boom");
	r.line = 30;
	sip_tally_row(&t, &r);
	CHECK_INT(t.first_line, 10);
	CHECK_INT(t.prev_line, 20);
	sip_tally_take_last(&t, &one);
	CHECK_INT(one.line, 30);
	CHECK_INT(one.kind, SIP_KIND_PROTOCOL);
	CHECK(one.level && one.level_len == 8 && !memcmp(one.level, "TL_ERROR", 8));
	CHECK(one.host && one.host_len == 4 && !memcmp(one.host, "fe01", 4));
	CHECK(one.err && one.err_len == 4 && !memcmp(one.err, "boom", 4));
	CHECK_STR(one.ts, "2012-03-14 08:00:05.000");
	CHECK_INT(t.rows, 2);
	CHECK_INT(t.kinds[SIP_KIND_PROTOCOL], 0);
	CHECK_INT(t.kinds[SIP_KIND_CONNECTION], 2);
	CHECK(find(&t.levels, "TL_ERROR") && find(&t.levels, "TL_ERROR")->n == 0);
	CHECK(find(&t.errors, "boom") && find(&t.errors, "boom")->n == 0);
	CHECK((e = find(&t.hosts, "fe01")) != NULL);
	if (e) {
		CHECK_INT(e->n, 2);
		CHECK_STR(e->t0, "2012-03-14 08:00:01.000");
		CHECK_STR(e->t1, "2012-03-14 08:00:03.000");
	}
	sip_tally_release(&t);

	/* one row: nothing left; a row that is not an error has no err */
	sip_tally_init(&t);
	r = row(SIP_KIND_TRACE, NULL, NULL, NULL, "x");
	r.line = 7;
	sip_tally_row(&t, &r);
	sip_tally_take_last(&t, &one);
	CHECK_INT(t.rows, 0);
	CHECK_INT(one.line, 7);
	CHECK(one.level == NULL && one.host == NULL && one.err == NULL);
	CHECK_STR(one.ts, "");
	CHECK((e = find(&t.hosts, NULL)) != NULL && e->n == 0 && !e->t0[0]);
	sip_tally_release(&t);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_counts_and_times),
		T(test_errors),
		T(test_values),
		T(test_bounds),
		T(test_take_last),
		{ 0 }
	};
	return t_main_args(cases, argc, argv);
}
