/*
 * hash.h -- FNV-1a, 64-bit: the one hash of the engine's tables (rule ids,
 * topology entries, interned strings, tallies) and of the fingerprints
 * stored in the database (files.fingerprint, tail_hash: changing it would
 * make every stored file look changed).  Not for adversaries: every
 * table that hashes input probes linearly and stays correct, only slower,
 * on collisions.
 */
#ifndef SIP_HASH_H
#define SIP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SIP_FNV_OFFSET 0xcbf29ce484222325ull
#define SIP_FNV_PRIME 0x100000001b3ull

/* h extended with n bytes of p. */
static inline uint64_t sip_fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ u[i]) * SIP_FNV_PRIME;
	return h;
}

/* h extended with the C string s (without its NUL). */
static inline uint64_t sip_fnv_add_str(uint64_t h, const char *s)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		h = (h ^ *u) * SIP_FNV_PRIME;
	return h;
}

static inline uint64_t sip_fnv(const void *p, size_t n)
{
	return sip_fnv_add(SIP_FNV_OFFSET, p, n);
}

#endif
