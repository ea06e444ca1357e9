/*
 * redact.h -- `report --redact`: the names that identify people and
 * machines replaced by stable aliases, so a report can be attached to a
 * public ticket.  IPv4 addresses become 192.0.2.N (the documentation
 * range), the user part of an address (user@, sip:user@) userN, host names
 * and FQDNs hostN (keeping the shape: a name with dots stays one, ending
 * .example), the servers the database names serverN.  The same value is
 * the same alias everywhere in one report; the catalogue's references
 * (URLs) are left as they are, other URLs get their host aliased.
 */
#ifndef SIP_REDACT_H
#define SIP_REDACT_H

#include <stddef.h>

#include "buf.h"

typedef struct sip_redactor sip_redactor;

sip_redactor *sip_redactor_new(void);
void sip_redactor_free(sip_redactor *r);
/* A name to replace wherever it stands (a server of the database). */
int sip_redactor_add_name(sip_redactor *r, const char *name);
/* A URL kept as it is (a reference of the catalogue); other URLs get
   their host aliased. */
int sip_redactor_keep(sip_redactor *r, const char *url);
/* in (n bytes) redacted into out (appended).  SIP_OK or SIP_ENOMEM. */
int sip_redact(sip_redactor *r, const char *in, size_t n, sip_buf *out);

#endif
