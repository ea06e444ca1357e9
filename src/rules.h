/*
 * rules.h -- the rules engine: load rule files (rules/FORMAT.md), validate
 * them, compile their patterns once (PCRE2, JIT with interpreter fallback,
 * match and depth limits), evaluate records against them, render the cause
 * and fix of a match, and name the "unexplained" errors no rule matched.
 *
 * Threading: a sip_rules is built on one thread (new, add_*) and is then
 * immutable; any number of threads may evaluate records against it, each
 * with its own sip_rules_ctx (PCRE2 match data, JIT stack, scratch
 * buffers).  Results go into a caller-owned sip_rules_out, which a worker
 * thread can hand to the database writer (see findings.h).
 *
 * Layers: rules are added in layers (the built-in catalogue, then each
 * --rules directory).  A duplicate id inside one layer is an error; a rule
 * of a later layer replaces an earlier rule with the same id.
 */
#ifndef SIP_RULES_H
#define SIP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "record.h"
#include "topology.h"

typedef struct sip_rules sip_rules;         /* opaque: the compiled set */
typedef struct sip_rule sip_rule;           /* opaque: one rule */
typedef struct sip_rules_ctx sip_rules_ctx; /* opaque: per-thread state */

enum sip_severity {
	SIP_SEV_INFO = 0,
	SIP_SEV_WARNING = 1,
	SIP_SEV_ERROR = 2,
	SIP_SEV_CRITICAL = 3
};

/* "info", "warning", "error", "critical"; "?" for anything else. */
const char *sip_severity_name(int sev);
/* The severity named s (exact lower case), or -1. */
int sip_severity_parse(const char *s);

/* ---- loading ------------------------------------------------------------ */

/* An empty set, or NULL when out of memory.  Free with sip_rules_free. */
sip_rules *sip_rules_new(void);
void sip_rules_free(sip_rules *rs);

/*
 * Every error found while adding goes to err (may be NULL) as a sip_diag
 * with code SIP_ERULE, file, line and column; loading goes on past a bad
 * rule so that one run reports all of them.  The add functions return
 * SIP_OK, SIP_ERULE if any error was reported (diag holds the first), or
 * SIP_EIO / SIP_ENOMEM.  A set that got an error must not be used to
 * evaluate (the caller stops the run).
 */
typedef struct sip_rules_errors {
	sip_warn_fn fn;      /* called once per error; may be NULL */
	void *ctx;
	unsigned count;      /* errors reported so far (all calls) */
} sip_rules_errors;

/* Starts a new layer: the rules added after it may override earlier ones. */
void sip_rules_new_layer(sip_rules *rs);

/* Parse and compile one rule file held in memory; name is used in errors
   and for `rules test` output. */
int sip_rules_add_text(sip_rules *rs, const char *name, const char *text,
		       size_t len, sip_rules_errors *err, sip_diag *diag);
/* The compiled-in catalogue (sip_builtin_rules[]), as one layer. */
int sip_rules_add_builtin(sip_rules *rs, sip_rules_errors *err, sip_diag *diag);
/* Every *.rules file of dir (sorted by name), as one new layer.  A dir
   that cannot be read is SIP_EIO. */
int sip_rules_add_dir(sip_rules *rs, const char *dir, sip_rules_errors *err,
		      sip_diag *diag);

/* ---- inspecting ------------------------------------------------------- */

/* The catalogue's identity: FNV-1a 64 (16 hex digits) of every rule text
   added, in order (the built-in files, then the others). */
void sip_rules_hash(const sip_rules *rs, char out[17]);
/* The rule files added that are not built in (--rules, or stored in the
   database), with their texts, in the order added. */
size_t sip_rules_custom_count(const sip_rules *rs);
void sip_rules_custom_at(const sip_rules *rs, size_t i, const char **name,
			 const char **text, size_t *len);

size_t sip_rules_count(const sip_rules *rs);
/* The i-th active rule (definition order, overridden rules replaced in
   place), or NULL. */
const sip_rule *sip_rules_at(const sip_rules *rs, size_t i);
/* The rule with this id, or NULL. */
const sip_rule *sip_rules_find(const sip_rules *rs, const char *id);

const char *sip_rule_id(const sip_rule *r);
const char *sip_rule_title(const sip_rule *r);  /* unrendered */
int sip_rule_severity(const sip_rule *r);
int sip_rule_benign(const sip_rule *r);
const char *sip_rule_refs(const sip_rule *r);   /* URLs separated by ' ', "" */
/* How well the reference backs the rule (`confidence =`): the signature,
   cause and fix all stated by a source (verified), the signature verbatim
   but cause or fix partly stated (partial), or an inference (inferred). */
enum { SIP_CONF_VERIFIED, SIP_CONF_PARTIAL, SIP_CONF_INFERRED };
int sip_rule_confidence(const sip_rule *r);
const char *sip_confidence_name(int c);     /* "verified" ... */
int sip_confidence_parse(const char *s);    /* SIP_CONF_*, or -1 */
/* The analysis that makes this rule's matches (`computed =`, e.g.
   "client-trust"), NULL for an ordinary rule. */
const char *sip_rule_computed(const sip_rule *r);
const char *sip_rule_file(const sip_rule *r);   /* file it came from */
uint64_t sip_rule_line(const sip_rule *r);      /* line of its [rule] */

/* The examples of a rule (for `rules test`). */
typedef struct sip_rule_example {
	int must_match;      /* example.match (1) or example.nomatch (0) */
	uint64_t line;       /* line of the example.* key in its file */
	const char *text;    /* the verbatim record text, LF-terminated lines */
	size_t len;
} sip_rule_example;
size_t sip_rule_nexamples(const sip_rule *r);
const sip_rule_example *sip_rule_example_at(const sip_rule *r, size_t i);

/* ---- evaluating ----------------------------------------------------------- */

/* Per-thread state for rs, or NULL when out of memory.  rs must outlive it. */
sip_rules_ctx *sip_rules_ctx_new(const sip_rules *rs);
void sip_rules_ctx_free(sip_rules_ctx *ctx);

/* Disable the literal pre-filters and gates (tests compare both paths). */
void sip_rules_ctx_set_prefilter(sip_rules_ctx *ctx, int on);

/* One match of one rule on one record.  Offsets index out->text. */
typedef struct sip_rule_match {
	uint64_t tag;        /* the caller's tag of the record */
	const sip_rule *rule;/* valid while the sip_rules lives */
	size_t key_off, key_len;   /* "fqdn=deitterick.com" ("" without key) */
	size_t vars_off, vars_len; /* JSON object of the variables */
	int benign;
} sip_rule_match;

/* An error/warning record that no rule matched, with its template. */
typedef struct sip_rule_unexplained {
	uint64_t tag;
	size_t tmpl_off, tmpl_len;
} sip_rule_unexplained;

/*
 * Caller-owned results: matches and unexplained records are appended by
 * sip_rules_eval until sip_rules_out_reset.  Strings live in text, each
 * NUL-terminated (out->text.p + off is a C string).  text has a cap of
 * SIP_BUF_MAX.
 */
typedef struct sip_rules_out {
	sip_rule_match *m;
	size_t n, cap;
	sip_rule_unexplained *u;
	size_t nu, capu;
	sip_buf text;
	uint64_t limit_hits; /* patterns that hit the PCRE2 match/depth limit
	                        (counted as "did not match") */
	const struct sip_rule **lim; /* the rules one of whose patterns hit a
	                        limit on the records evaluated since the reset
	                        (each once per record) */
	size_t nlim, caplim;
} sip_rules_out;

void sip_rules_out_init(sip_rules_out *out);
void sip_rules_out_reset(sip_rules_out *out);
void sip_rules_out_release(sip_rules_out *out);

/*
 * Evaluate r against every rule: append one sip_rule_match per matching
 * rule (at most one per rule), tagged with tag; if no rule matched
 * (a benign rule counts) and the record is an error or warning (see
 * sip_rules_template), append a sip_rule_unexplained.  Returns the number
 * of matches appended (>= 0), or -SIP_ENOMEM when out's cap was reached
 * (out keeps what it had before the call).
 */
int sip_rules_eval(sip_rules_ctx *ctx, const sip_record *r, uint64_t tag,
		   sip_rules_out *out);

/* Does rule match r?  1 yes, 0 no (a limit hit is "no").  For tests and
   `rules test`. */
/* How many pattern evaluations of ctx gave up at the PCRE2 match or depth
   limit so far (counted as no match). */
uint64_t sip_rules_ctx_limit_hits(const sip_rules_ctx *ctx);

int sip_rule_matches(sip_rules_ctx *ctx, const sip_rule *rule,
		     const sip_record *r);

/* ---- rendering ----------------------------------------------------------- */

enum sip_rule_text { SIP_TEXT_TITLE = 0, SIP_TEXT_CAUSE = 1, SIP_TEXT_FIX = 2 };

/*
 * Render the title, cause or fix of rule with the variables vars (the JSON
 * object of a match; NULL = none) and topo (NULL = no topology given),
 * appending to out.  Returns SIP_OK or SIP_ENOMEM.
 */
int sip_rule_render(const sip_rule *rule, int which, const char *vars,
		    const sip_topology *topo, sip_buf *out);

/* Append the key variables of rule as a JSON object taken from vars
   ({"fqdn":"x"}; {} when the rule has no key).  SIP_OK or SIP_ENOMEM. */
int sip_rule_key_json(const sip_rule *rule, const char *vars, sip_buf *out);

/* The value of variable name in vars (a match's JSON object) into out
   (reset first): 1 when present and not empty, else 0. */
int sip_vars_get(const char *vars, const char *name, sip_buf *out);
/* The key variables of a rule, in order. */
size_t sip_rule_nkey(const sip_rule *rule);
const char *sip_rule_key_at(const sip_rule *rule, size_t i);
/* Every variable a match of the rule records (texts, key, subject). */
size_t sip_rule_nvars(const sip_rule *rule);
const char *sip_rule_var_at(const sip_rule *rule, size_t i);
/* The subject of a match (what the finding is about: a peer FQDN or
   host, a domain, a user): the first non-empty variable of the rule's
   `subject =` list, else of its key, into out.  1 when there is one,
   else 0 (out empty). */
int sip_rule_subject(const sip_rule *rule, const char *vars, sip_buf *out);

/* The unrendered templates of a rule: which (SIP_TEXT_*), for topology
   case tcase (0..sip_rule_ncases() - 1, named by sip_rule_case_name:
   "exact", "case", ...) or -1 for the generic text; NULL when none. */
const char *sip_rule_template(const sip_rule *rule, int which, int tcase);
const char *sip_rule_case_name(int tcase);
int sip_rule_ncases(void);
/* `topology =` (NULL: none) and `subject =` of a rule. */
const char *sip_rule_topology_var(const sip_rule *rule);
size_t sip_rule_nsubject(const sip_rule *rule);
const char *sip_rule_subject_at(const sip_rule *rule, size_t i);

/* ---- unexplained ------------------------------------------------------- */

/* 1 if r is an error or warning: TL_FATAL/TL_ERROR/TL_WARN, Severity:
   error/warning, a SIP response >= 400 (but a plain 401 / 407
   authentication challenge), or any ms-diagnostics. */
int sip_record_is_problem(const sip_record *r);

/*
 * Append to out the normalised template of r's text: IPv4/IPv6 addresses
 * -> <ip>, GUIDs -> <guid>, hex numbers (0x.., and 8+ hex digit runs with
 * a digit) -> <hex>, decimal numbers -> <n>, quoted values -> "<v>",
 * host names with two or more dots -> <host> (so one error seen for
 * many peers is one group).  The text is Text:, else the header text;
 * a SIP response adds "SIP <status>"; every ms-diagnostics adds
 * "ms-diagnostics <code> <reason>".  At most 512 bytes.  SIP_OK/ENOMEM.
 */
int sip_rules_template(const sip_record *r, sip_buf *out);

#endif
