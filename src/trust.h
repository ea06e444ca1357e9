/*
 * trust.h -- the client trust analysis: the "cannot verify that the server
 * is trusted for your sign-in address" prompt of Lync 2010, Lync 2013 and
 * Skype for Business, reconstructed from a client log.
 *
 * The prompt leaves nothing on the wire, so it is worked out from what the
 * client log shows (shared reference client-logs.md section 2): the
 * sign-in address (the From: of the REGISTER), the client version (its
 * User-Agent), the server names the client was sent to (the targetname and
 * sts-uri of the 401 challenge, the URLs and fqdn attributes of in-band
 * provisioning and autodiscover data: record.h's servers), and whether a
 * REGISTER later succeeded.  A server name that is neither the sign-in
 * domain nor inside it nor inside a trusted domain makes the client ask.
 *
 * Two halves, so that `analyze` and `rules test` share one decision:
 *   - sip_trust_facts() turns one record into facts (on the ingest's
 *     parser threads; the writer stores them in the client_facts table);
 *   - a sip_trust takes a file's facts in order and, at the end of the
 *     file, says which computed rules fire, with their key, variables and
 *     evidence records.  sip_trust_compute() runs it over the database
 *     (at the end of every analyze, so --trusted-domains and the catalogue
 *     of this run apply to every client log stored).
 *
 * The rules that carry the texts are ordinary catalogue rules with
 * `computed = client-trust` (rules/client.rules); their variables are the
 * names in SIP_TRUST_VARS.
 */
#ifndef SIP_TRUST_H
#define SIP_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "err.h"
#include "record.h"
#include "rules.h"

/* The value of `computed =` for these rules. */
#define SIP_TRUST_COMPUTED "client-trust"

/* The rule ids the analysis produces. */
#define SIP_TRUST_RULE_SIGNIN "CLIENT-TRUST-SIGNIN"
#define SIP_TRUST_RULE_BLOCKED "CLIENT-TRUST-SIGNIN-BLOCKED"
#define SIP_TRUST_RULE_PROMPT "CLIENT-TRUST-PROMPT"
#define SIP_TRUST_RULE_EXCHANGE "CLIENT-TRUST-EXCHANGE"
#define SIP_TRUST_RULE_DEFAULTS "CLIENT-TRUST-DEFAULTS-REPLACED"

/* 1 when name is one of the variables a client-trust match carries:
   sign_in, sign_in_domain, server, server_domain, source, servers,
   client, policy, trusted, records. */
int sip_trust_var_known(const char *name, size_t n);

/* Facts (the client_facts.fact values). */
#define SIP_FACT_SIGNIN "sign-in"        /* value: user@domain; source:
                                            SIP_SIGNIN_LOG or _EXCERPT */
#define SIP_SIGNIN_LOG "REGISTER"        /* from a client log */
#define SIP_SIGNIN_EXCERPT "SIP message" /* from bare messages: an excerpt,
                                            whose outcome is not shown */
#define SIP_FACT_AGENT "agent"           /* value: the User-Agent */
#define SIP_FACT_SERVER "server"         /* value: fqdn, source: key */
#define SIP_FACT_REGISTERED "registered" /* a 200 OK to REGISTER */

typedef int (*sip_fact_fn)(void *ctx, const char *fact, sip_str value,
			   sip_str source);

/*
 * Call fn for each fact of r (client logs and bare SIP messages: r->format
 * "uccapi" or "sip"; server trace records have none).  Returns 0, or fn's
 * non-zero value.
 */
int sip_trust_facts(const sip_record *r, sip_fact_fn fn, void *ctx);

typedef struct sip_trust sip_trust; /* opaque */

/*
 * A new analysis.  trusted: the domains the clients are configured with
 * (the Trusted Domain List policy, TrustModelData), NULL when not known
 * (then Lync 2013 and later trust the four Microsoft defaults).  NULL when
 * out of memory.
 */
sip_trust *sip_trust_new(const char *const *trusted, size_t ntrusted);
void sip_trust_free(sip_trust *t);

/* One fact of the current file, in file order.  0 or SIP_ENOMEM. */
int sip_trust_add(sip_trust *t, int64_t record_id, const char *fact,
		  const char *value, const char *source);

/* One result: rule id, key (the server domain), the variables as a JSON
   object, and the evidence records (ascending, first one first). */
typedef int (*sip_trust_result_fn)(void *ctx, const char *rule_id,
				   const char *key, const char *vars,
				   const int64_t *records, size_t nrecords);

/* The current file was cut short (its last record ends with the input):
   a sign-in with no REGISTER after the prompt is then no failure, its
   outcome is not in the log. */
void sip_trust_file_cut(sip_trust *t);

/*
 * The end of a file: call fn for each finding of its facts, then forget
 * them.  Returns 0, SIP_ENOMEM or fn's non-zero value.
 */
int sip_trust_end_file(sip_trust *t, sip_trust_result_fn fn, void *ctx);

/*
 * Over the database: replace the matches of the client-trust rules with
 * those the stored client_facts give now, with the trusted domains of the
 * trusted_domains table (none stored: not configured).  Runs in the
 * caller's transaction.  Returns SIP_OK, SIP_EDB or SIP_ENOMEM with diag.
 */
int sip_trust_compute(sqlite3 *db, sip_diag *diag);

/*
 * Replace the trusted_domains table with the comma- or blank-separated
 * list (an empty list clears it: not configured).  SIP_OK, SIP_EDB,
 * SIP_EUSAGE for a name that is not a domain (diag says which).
 */
int sip_trust_save_domains(sqlite3 *db, const char *list, sip_diag *diag);

/*
 * For `rules test`: scan the example text (a client log excerpt), run the
 * analysis over its facts with no trusted domains configured, and set
 * *fired when rule_id fires.  Returns SIP_OK or the scan's error.
 */
int sip_trust_test(const char *text, size_t n, const char *name,
		   const char *rule_id, int *fired, sip_diag *diag);

#endif
