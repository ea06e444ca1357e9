/*
 * t.h -- the unit-test harness: a handful of CHECK macros, a test table run
 * by t_main(), and a closing "N passed, N failed" line.  A failed check
 * prints file:line and the values; the process exits 1 if any check failed.
 *
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_STR(s, "x"); }
 *   int main(void) { static const t_case cases[] = { T(test_x), {0} };
 *                    return t_main(cases); }
 */
#ifndef T_H
#define T_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct t_case {
	const char *name;
	void (*fn)(void);
} t_case;
#define T(fn) { #fn, fn }

static int t_checks, t_failed_checks, t_cur_failed;

#define CHECK(cond) t_check((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (!t_check(a_ == b_, __FILE__, __LINE__, #a " == " #b)) \
		fprintf(stderr, "    got %lld, want %lld\n", a_, b_); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!t_check(a_ && b_ && strcmp(a_, b_) == 0, __FILE__, __LINE__, #a " == " #b)) \
		fprintf(stderr, "    got \"%s\", want \"%s\"\n", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
/* A sip_str (or any {p, n}) against a C string. */
#define CHECK_SLICE(s, b) do { const char *b_ = (b); size_t bn_ = b_ ? strlen(b_) : 0; \
	int ok_ = b_ ? ((s).p && (s).n == bn_ && memcmp((s).p, b_, bn_) == 0) : ((s).p == NULL); \
	if (!t_check(ok_, __FILE__, __LINE__, #s " == " #b)) \
		fprintf(stderr, "    got \"%.*s\" (p=%s), want \"%s\"\n", (int)(s).n, (s).p ? (s).p : "", \
			(s).p ? "set" : "NULL", b_ ? b_ : "(null)"); } while (0)

static int t_check(int ok, const char *file, int line, const char *what)
{
	t_checks++;
	if (!ok) {
		t_failed_checks++;
		t_cur_failed = 1;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

/* Runs the NULL-terminated table; argv[1], if given, runs only that test. */
static int t_main_args(const t_case *cases, int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (const t_case *c = cases; c->name; c++) {
		if (argc > 1 && strcmp(argv[1], c->name) != 0)
			continue;
		t_cur_failed = 0;
		c->fn();
		if (t_cur_failed) {
			failed++;
			fprintf(stderr, "FAIL %s\n", c->name);
		} else {
			passed++;
			printf("ok   %s\n", c->name);
		}
	}
	printf("%d checks\n%d passed, %d failed\n", t_checks, passed, failed);
	return failed ? 1 : 0;
}
#define t_main(cases) t_main_args((cases), argc, argv)

/* Path of a file in the source tree (tests run from the source dir). */
static inline const char *t_src(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("SIPSCAN_SOURCE_DIR");
	snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
	return buf;
}

#endif
