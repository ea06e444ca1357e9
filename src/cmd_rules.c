/*
 * cmd_rules.c -- `sipscan rules list|check|test [--rules DIR]... [DIR]`
 *
 *   list   id, severity and title of every active rule, aligned;
 *   check  load and compile; every error as file:line:col: message on
 *          stderr, exit 4 (SIP_EXIT_RULES) on any, else one OK line;
 *   test   run each rule's example.match / example.nomatch records through
 *          the real parser (sip_scan_mem) and the rule; each failure as
 *          file:line: rule ID: ..., then "N examples passed, N failed".
 *
 * Without DIR, check and test take the built-in catalogue plus any
 * --rules directories; with DIR, only the *.rules files of DIR.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "rules.h"
#include "scan.h"
#include "trust.h"

#define MAX_DIRS 32

static void print_rule_error(void *ctx, const sip_diag *d)
{
	char buf[2200];
	(void)ctx;
	fprintf(stderr, "%s\n", sip_diag_format(d, buf, sizeof buf));
}

/* Load builtin + dirs, or only dir.  Returns an exit code. */
static int load(sip_rules **out, const char *only_dir, char **dirs, int ndirs)
{
	sip_rules *rs = sip_rules_new();
	sip_rules_errors err = { print_rule_error, NULL, 0 };
	sip_diag d;
	int rc = SIP_OK;

	sip_diag_clear(&d);
	if (!rs) {
		fprintf(stderr, "sipscan: out of memory\n");
		return SIP_EXIT_INTERNAL;
	}
	if (only_dir) {
		rc = sip_rules_add_dir(rs, only_dir, &err, &d);
	} else {
		rc = sip_rules_add_builtin(rs, &err, &d);
		for (int i = 0; i < ndirs && rc != SIP_ENOMEM && rc != SIP_EIO; i++) {
			int r1 = sip_rules_add_dir(rs, dirs[i], &err, &d);
			if (r1 && (!rc || r1 != SIP_ERULE))
				rc = r1;
		}
	}
	if (rc == SIP_ERULE || err.count) {
		fprintf(stderr, "sipscan: %u error%s in the rules\n", err.count,
			err.count == 1 ? "" : "s");
		sip_rules_free(rs);
		return SIP_EXIT_RULES;
	}
	if (rc) {
		sip_print_diag(&d);
		sip_rules_free(rs);
		return rc == SIP_EIO ? SIP_EXIT_RULES : sip_exit_code(rc);
	}
	*out = rs;
	return SIP_EXIT_OK;
}

typedef struct ex_state {
	sip_rules_ctx *ctx;
	const sip_rule *rule;
	int matched;
	unsigned records;
} ex_state;

static int on_record(void *vctx, const sip_record *rec)
{
	ex_state *st = vctx;
	st->records++;
	if (sip_rule_matches(st->ctx, st->rule, rec))
		st->matched = 1;
	return 0;
}

static int run_tests(const sip_rules *rs)
{
	sip_rules_ctx *ctx = sip_rules_ctx_new(rs);
	unsigned passed = 0, failed = 0;

	if (!ctx) {
		fprintf(stderr, "sipscan: out of memory\n");
		return SIP_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < sip_rules_count(rs); i++) {
		const sip_rule *r = sip_rules_at(rs, i);
		for (size_t k = 0; k < sip_rule_nexamples(r); k++) {
			const sip_rule_example *ex = sip_rule_example_at(r, k);
			ex_state st = { ctx, r, 0, 0 };
			uint64_t hits0 = sip_rules_ctx_limit_hits(ctx);
			sip_diag d;
			int rc;
			sip_diag_clear(&d);
			if (sip_rule_computed(r)) {
				/* A client log excerpt through the trust
				   analysis (trust.c), which makes the matches
				   of these rules. */
				rc = sip_trust_test(ex->text, ex->len, sip_rule_file(r),
						    sip_rule_id(r), &st.matched, &d);
				st.records = 1;
			} else
				rc = sip_scan_mem(ex->text, ex->len, sip_rule_file(r), NULL,
						  on_record, &st, NULL, &d);
			if (rc != SIP_OK || st.records == 0) {
				char buf[2200];
				fprintf(stderr, "%s:%llu: rule %s: example is not a readable record: %s\n",
					sip_rule_file(r), (unsigned long long)ex->line,
					sip_rule_id(r), rc ? sip_diag_format(&d, buf, sizeof buf)
							   : "no record parsed");
				failed++;
			} else if (st.matched != ex->must_match) {
				fprintf(stderr, "%s:%llu: rule %s: example expected %s%s\n",
					sip_rule_file(r), (unsigned long long)ex->line,
					sip_rule_id(r), ex->must_match
					? "to match but did not" : "not to match but did",
					sip_rules_ctx_limit_hits(ctx) > hits0
					? " (a pattern gave up at the PCRE2 match or depth limit,"
					  " which counts as no match)" : "");
				failed++;
			} else
				passed++;
		}
	}
	sip_rules_ctx_free(ctx);
	printf("%u examples passed, %u failed\n", passed, failed);
	return failed ? SIP_EXIT_RULES : SIP_EXIT_OK;
}

/* A JSON string or null. */
static void jstr(sip_buf *b, const char *k, const char *v)
{
	sip_buf_printf(b, ",\"%s\":", k);
	if (v)
		sip_buf_json_str(b, v, strlen(v));
	else
		sip_buf_adds(b, "null");
}

/*
 * rules list --format jsonl: one object per active rule, machine-readable
 * for an engine that computes findings itself (issue 17): its id,
 * severity, benign, confidence, key, subject and topology variables, the
 * title / cause / fix templates (and the per-topology-case ones), refs,
 * where it was defined, and the catalogue's hash.
 */
static int list_jsonl(const sip_rules *rs)
{
	char hash[17];
	sip_buf b;

	sip_rules_hash(rs, hash);
	sip_buf_init(&b, 0);
	for (size_t i = 0; i < sip_rules_count(rs); i++) {
		const sip_rule *r = sip_rules_at(rs, i);
		const char *refs = sip_rule_refs(r), *p;
		int any;
		sip_buf_reset(&b);
		sip_buf_adds(&b, "{\"id\":");
		sip_buf_json_str(&b, sip_rule_id(r), strlen(sip_rule_id(r)));
		jstr(&b, "severity", sip_severity_name(sip_rule_severity(r)));
		sip_buf_printf(&b, ",\"benign\":%s", sip_rule_benign(r) ? "true" : "false");
		jstr(&b, "confidence", sip_confidence_name(sip_rule_confidence(r)));
		sip_buf_adds(&b, ",\"key\":[");
		for (size_t k = 0; k < sip_rule_nkey(r); k++) {
			if (k)
				sip_buf_addc(&b, ',');
			sip_buf_json_str(&b, sip_rule_key_at(r, k), strlen(sip_rule_key_at(r, k)));
		}
		sip_buf_adds(&b, "],\"subject\":[");
		for (size_t k = 0; k < sip_rule_nsubject(r); k++) {
			if (k)
				sip_buf_addc(&b, ',');
			sip_buf_json_str(&b, sip_rule_subject_at(r, k), strlen(sip_rule_subject_at(r, k)));
		}
		sip_buf_addc(&b, ']');
		jstr(&b, "topology", sip_rule_topology_var(r));
		jstr(&b, "computed", sip_rule_computed(r));
		jstr(&b, "title", sip_rule_template(r, SIP_TEXT_TITLE, -1));
		jstr(&b, "cause", sip_rule_template(r, SIP_TEXT_CAUSE, -1));
		jstr(&b, "fix", sip_rule_template(r, SIP_TEXT_FIX, -1));
		for (int w = SIP_TEXT_CAUSE; w <= SIP_TEXT_FIX; w++) {
			any = 0;
			sip_buf_printf(&b, ",\"%s_cases\":{", w == SIP_TEXT_CAUSE ? "cause" : "fix");
			for (int c = 0; c < sip_rule_ncases(); c++) {
				const char *t = sip_rule_template(r, w, c);
				if (!t)
					continue;
				if (any++)
					sip_buf_addc(&b, ',');
				sip_buf_json_str(&b, sip_rule_case_name(c), strlen(sip_rule_case_name(c)));
				sip_buf_addc(&b, ':');
				sip_buf_json_str(&b, t, strlen(t));
			}
			sip_buf_addc(&b, '}');
		}
		sip_buf_adds(&b, ",\"refs\":[");
		any = 0;
		for (p = refs; *p;) {
			size_t n;
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (!n)
				break;
			if (any++)
				sip_buf_addc(&b, ',');
			sip_buf_json_str(&b, p, n);
			p += n;
		}
		sip_buf_addc(&b, ']');
		jstr(&b, "file", sip_rule_file(r));
		sip_buf_printf(&b, ",\"line\":%llu", (unsigned long long)sip_rule_line(r));
		jstr(&b, "catalogue", hash);
		sip_buf_adds(&b, "}\n");
		if (!b.p || fwrite(b.p, 1, b.n, stdout) != b.n) {
			sip_buf_release(&b);
			return SIP_EXIT_OUTPUT;
		}
	}
	sip_buf_release(&b);
	return SIP_EXIT_OK;
}

/* One option of rules (before or after the subcommand): --rules DIR,
   --format text|jsonl.  0, or the usage error's exit status. */
static int take_option(int c, char **argv, char **dirs, int *ndirs, int *jsonl)
{
	if (c == 'f') {
		if (strcmp(optarg, "text") && strcmp(optarg, "jsonl"))
			return sip_usage_error("rules", "--format wants text or jsonl, not '%s'",
					       optarg);
		*jsonl = !strcmp(optarg, "jsonl");
		return 0;
	}
	if (c != 'r')
		return sip_option_error("rules", c, argv);
	if (*ndirs == MAX_DIRS)
		return sip_usage_error("rules", "at most %d --rules directories", MAX_DIRS);
	dirs[(*ndirs)++] = optarg;
	return 0;
}

int cmd_rules(int argc, char **argv)
{
	struct option opts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	char *dirs[MAX_DIRS];
	int ndirs = 0, c, rc, jsonl = 0;
	const char *sub, *only = NULL;
	sip_rules *rs = NULL;

	sip_cmd_getopt(sip_cmd_find("rules"), opts, optstring + 1);
	optstring[0] = '+';   /* the verb's options end at the first word */
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		if ((rc = take_option(c, argv, dirs, &ndirs, &jsonl)))
			return rc;
	}
	if (optind >= argc)
		return sip_usage_error("rules", "missing subcommand: list, check or test");
	sub = argv[optind++];
	/* Options may also follow the subcommand. */
	while ((c = getopt_long(argc, argv, optstring + 1, opts, NULL)) != -1) {
		if ((rc = take_option(c, argv, dirs, &ndirs, &jsonl)))
			return rc;
	}
	if (strcmp(sub, "list") && strcmp(sub, "check") && strcmp(sub, "test"))
		return sip_usage_error("rules", "unknown subcommand '%s' (list, check, test)", sub);
	if (optind < argc) {
		if (!strcmp(sub, "list"))
			return sip_usage_error("rules", "list takes no DIR; use --rules DIR");
		if (optind + 1 < argc)
			return sip_usage_error("rules", "one DIR at most");
		only = argv[optind];
	}
	if ((rc = load(&rs, only, dirs, ndirs)) != SIP_EXIT_OK)
		return rc;
	if (!strcmp(sub, "list") && jsonl) {
		rc = list_jsonl(rs);
	} else if (!strcmp(sub, "list")) {
		size_t w = 2;
		for (size_t i = 0; i < sip_rules_count(rs); i++) {
			size_t l = strlen(sip_rule_id(sip_rules_at(rs, i)));
			if (l > w)
				w = l;
		}
		for (size_t i = 0; i < sip_rules_count(rs); i++) {
			const sip_rule *r = sip_rules_at(rs, i);
			printf("%-*s  %-8s  %s%s\n", (int)w, sip_rule_id(r),
			       sip_severity_name(sip_rule_severity(r)), sip_rule_title(r),
			       sip_rule_benign(r) ? " (benign)" : "");
		}
	} else if (!strcmp(sub, "check")) {
		size_t nex = 0;
		for (size_t i = 0; i < sip_rules_count(rs); i++)
			nex += sip_rule_nexamples(sip_rules_at(rs, i));
		printf("OK: %zu rules, %zu examples\n", sip_rules_count(rs), nex);
	} else {
		rc = run_tests(rs);
	}
	sip_rules_free(rs);
	return rc;
}
