/*
 * tally.h -- the statistics of the analyze summary, counted as the writer
 * stores the rows: records by kind, by level, by host (with the first and
 * last time), and the error texts.  A run that wrote every record of its
 * files prints its summary from the tally instead of reading the records
 * back (three scans of the table, about a fifth of the run's time).
 *
 * The counts are the ones the summary's SQL gives over the same records
 * (tests/cli/test_analyze.sh compares the two): kind as stored; level and
 * host as their strings, absent = NULL; errors as the `errors` view selects
 * them (level TL_ERROR or TL_FATAL, or a protocol record with status >= 400
 * and an ms-diagnostics code), each named by coalesce(text,
 * ms_diag_reason, result_symbol, '(no text)').
 *
 * Memory is bounded: beyond SIP_TALLY_MAX distinct levels or hosts the
 * tally gives those up (full), beyond SIP_TALLY_ERR_BYTES of distinct error
 * texts it gives the errors up (errors_full), and the summary reads the
 * database for what was given up.
 */
#ifndef SIP_TALLY_H
#define SIP_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SIP_TALLY_MAX 4096
#define SIP_TALLY_ERR_BYTES (4u << 20)

/* One value and its count; hosts also keep their first and last time. */
typedef struct sip_tally_ent {
	char *s;             /* NUL-terminated copy; NULL = the NULL value */
	size_t len;
	uint64_t h, n;
	char t0[32], t1[32]; /* min and max ts, "" = none */
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
 * times t0 and t1 (may be NULL) for hosts.  0, or -1 when the set would
 * pass its bound (max values, max bytes) or memory ran out: the set is
 * then unchanged.
 */
int sip_tally_add(sip_tally_set *set, const char *s, size_t len, uint64_t n,
		  const char *t0, const char *t1, size_t max, size_t max_bytes);

/*
 * The entries of set in order: by value (NULL first, then bytewise, as
 * SQLite's BINARY collation sorts), or by count descending then value.
 * Returns a malloc'd array of set->n pointers into set, or NULL (out of
 * memory, or an empty set).
 */
enum { SIP_TALLY_BY_VALUE, SIP_TALLY_BY_COUNT };
const sip_tally_ent **sip_tally_sorted(const sip_tally_set *set, int order);

/* A writer hook (sip_ingest_opts.rows_hook): count each row; ctx is the tally. */
void sip_tally_rows_hook(void *ctx, const sip_row *rows, size_t n);

#endif
