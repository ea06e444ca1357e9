/*
 * fuzz_topology.c -- the topology loader: arbitrary bytes as a topology
 * file (list, CSV, Get-CsPool / Get-CsTrustedApplicationPool exports,
 * quoting, BOM, CRLF), then every entry read back and compared with
 * names cut from the input itself and with fixed near-misses (case,
 * parent, child, port, trailing dot), so the hash index and the
 * parent/child walk see what the loader produced.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"deitterick.com", "MAIL.Deitterick.com", "a.mail.deitterick.com",
		"mail.deitterick.com.", "mail.deitterick.com:5061", "", ".", "..",
		" x ", "com",
	};
	sip_topology *t = sip_topology_new();
	sip_topo_result res;
	sip_diag d;
	const char *s = (const char *)data;
	size_t n, start;
	unsigned h = 0;

	if (!t)
		return 0;
	sip_topology_load_mem(t, s, size, "fuzz.csv", &d);
	n = sip_topology_count(t);
	for (size_t i = 0; i < n; i++) {
		const char *fqdn, *kind, *source;
		if (sip_topology_entry(t, i, &fqdn, &kind, &source) == 0) {
			h += (unsigned)strlen(fqdn) + (unsigned)strlen(kind) +
			     (unsigned)strlen(source);
			sip_topology_compare(t, fqdn, strlen(fqdn), &res);
			h += (unsigned)res.match;
		}
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		h += (unsigned)sip_topology_compare(t, names[i], strlen(names[i]), &res);
	/* every line of the input as a name to look up (first 64) */
	start = 0;
	for (size_t i = 0, lines = 0; i <= size && lines < 64; i++) {
		if (i == size || s[i] == '\n') {
			h += (unsigned)sip_topology_compare(t, s + start, i - start, &res);
			if (res.entry)
				h += (unsigned)strlen(res.entry);
			start = i + 1;
			lines++;
		}
	}
	/* and the input as entries added one by one */
	sip_topology_add(t, s, size < 300 ? size : 300, NULL, NULL);
	sip_topology_free(t);
	return h == 0xffffffffu;
}
