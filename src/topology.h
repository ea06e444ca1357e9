/*
 * topology.h -- the FQDNs of a Lync / SfB topology, loaded from what an
 * administrator can produce in one command: a plain list (one FQDN per
 * line, '#' comments) or the CSV that PowerShell's Export-Csv writes for
 * Get-CsTrustedApplicationPool, Get-CsTrustedApplicationComputer or
 * Get-CsPool.  The rules engine compares a name seen in a trace (a peer's
 * certificate name) with it and says how they relate.
 *
 * A sip_topology owns copies of every string.  It is immutable once
 * loaded and may then be read from any number of threads.
 */
#ifndef SIP_TOPOLOGY_H
#define SIP_TOPOLOGY_H

#include <stddef.h>

#include "err.h"

typedef struct sip_topology sip_topology; /* opaque */

/* An empty topology, or NULL when out of memory. */
sip_topology *sip_topology_new(void);
void sip_topology_free(sip_topology *t);

/*
 * Add one FQDN (n bytes; surrounding blanks, a trailing '.', a ":port" and
 * prefixes such as "TrustedApplicationPool:" or "Service:Registrar:" are
 * removed).  kind ("pool", "computer", "fqdn") and source (file name) may
 * be NULL.  A name already present with the same source is not added
 * twice.  Returns SIP_OK, SIP_ENOMEM, or SIP_EFORMAT when what is left
 * does not look like a host name (the entry is skipped).
 */
int sip_topology_add(sip_topology *t, const char *fqdn, size_t n,
		     const char *kind, const char *source);

/*
 * Load a list or CSV held in memory (a UTF-8 BOM, CRLF, a "#TYPE" first
 * line and RFC 4180 quoting are handled; the format is recognised from the
 * content).  source names it in errors and in the topology table.  Returns
 * SIP_OK, SIP_ENOMEM, or SIP_EFORMAT (diag names source:line) when a CSV
 * has no column holding FQDNs or a quoted field is not closed.
 */
int sip_topology_load_mem(sip_topology *t, const char *buf, size_t n,
			  const char *source, sip_diag *diag);
/* The same for a file (at most 64 MB).  SIP_EIO when it cannot be read. */
int sip_topology_load_file(sip_topology *t, const char *path, sip_diag *diag);

size_t sip_topology_count(const sip_topology *t);
/* Entry i: fqdn (never NULL), kind and source ("" when unknown). */
int sip_topology_entry(const sip_topology *t, size_t i, const char **fqdn,
		       const char **kind, const char **source);

enum sip_topo_match {
	SIP_TOPO_NONE = 0,   /* no entry resembles the name */
	SIP_TOPO_CASE = 1,   /* equal except for letter case */
	SIP_TOPO_PARENT = 2, /* the name is a parent domain of an entry */
	SIP_TOPO_CHILD = 3,  /* the name is a sub-domain of an entry */
	SIP_TOPO_EXACT = 4   /* the name is in the topology */
};

typedef struct sip_topo_result {
	int match;           /* enum sip_topo_match */
	const char *entry;   /* the entry it relates to (owned by the
	                        topology), NULL for SIP_TOPO_NONE */
} sip_topo_result;

/*
 * Compare fqdn (n bytes; blanks, ":port" and a trailing '.' ignored) with
 * every entry.  The best relation wins: exact, then case, then the nearest
 * parent or child (fewest extra labels; parent on a tie).  Returns
 * res->match.
 */
int sip_topology_compare(const sip_topology *t, const char *fqdn, size_t n,
			 sip_topo_result *res);

/* "none", "case", "parent", "child", "exact". */
const char *sip_topo_match_name(int match);

#endif
