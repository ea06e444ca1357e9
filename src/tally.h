/*
 * tally.h -- a file's statistics counted by the writer as it stores the
 * rows: records by kind, by level, by host (with the first and last time),
 * and the error texts.  They become the file's file_stats rows (see
 * store.h), from which the analyze summary is printed without reading the
 * records back.
 *
 * The counts are the ones SQL gives over the same records
 * (sip_store_stats_fill; tests/cli/test_analyze.sh compares the two): kind
 * as stored; level and host as their strings, absent = NULL; errors as the
 * `errors` view selects them (level TL_ERROR or TL_FATAL, or a protocol
 * record with status >= 400 and an ms-diagnostics code), each named by
 * coalesce(text, ms_diag_reason, result_symbol, '(no text)').
 *
 * Memory is bounded: beyond SIP_TALLY_MAX distinct levels or hosts the
 * tally gives up (full), and so beyond SIP_TALLY_ERR_MAX distinct error
 * texts or SIP_TALLY_ERR_BYTES of them (errors_full): at most about 7 MiB.
 * The file's statistics are then left to SQL.
 */
#ifndef SIP_TALLY_H
#define SIP_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SIP_TALLY_MAX 4096
#define SIP_TALLY_ERR_MAX 16384
#define SIP_TALLY_ERR_BYTES (4u << 20)

/* One value and its count; hosts also keep their first and last time. */
typedef struct sip_tally_ent {
	char *s;             /* NUL-terminated copy; NULL = the NULL value */
	size_t len;
	uint64_t h, n;
	char t0[32], t1[32]; /* min and max ts, "" = none */
	unsigned char t0n, t1n; /* their lengths */
} sip_tally_ent;

typedef struct sip_tally_set {
	sip_tally_ent *v;
	size_t n, cap;
	size_t *slots;       /* open addressing: 1-based indexes into v */
	size_t nslots;
	size_t bytes;        /* the values' lengths, summed */
	size_t last;         /* 1-based index of the last value counted */
} sip_tally_set;

typedef struct sip_tally {
	uint64_t rows;
	uint64_t kinds[4];   /* by enum sip_kind */
	sip_tally_set levels, hosts, errors;
	int full;            /* levels and hosts given up */
	int errors_full;     /* errors given up */
} sip_tally;

void sip_tally_init(sip_tally *t);
void sip_tally_release(sip_tally *t);
void sip_tally_set_release(sip_tally_set *set);

/* Count one stored row. */
void sip_tally_row(sip_tally *t, const sip_row *row);

/*
 * Add n to value s (len bytes; s NULL = the NULL value) of set, with the
 * time ts (NUL-terminated, under 32 bytes; NULL = none) for hosts.  0, or
 * -1 when the set would pass its bound (max values, max bytes) or memory
 * ran out: the set is then unchanged.
 */
int sip_tally_add(sip_tally_set *set, const char *s, size_t len, uint64_t n,
		  const char *ts, size_t max, size_t max_bytes);

#endif
