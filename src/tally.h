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

/*
 * The last row counted, so that it can be taken out again (see
 * sip_tally_take_last): its kind, line and time, the 1-based indexes of its
 * level, host and error text in their sets (0 = none), and the host's
 * times before it.
 */
typedef struct sip_tally_undo {
	int kind;
	uint64_t line;
	size_t lv, host, err, out;
	char ts[32];
	char t0[32], t1[32];
	unsigned char t0n, t1n;
} sip_tally_undo;

typedef struct sip_tally {
	uint64_t rows;
	uint64_t kinds[4];   /* by enum sip_kind */
	sip_tally_set levels, hosts, errors;
	sip_tally_set outcomes; /* "486 Busy Here": sip_is_outcome responses */
	int full;            /* levels, hosts or outcomes given up */
	int errors_full;     /* errors given up */
	uint64_t first_line; /* of the first row counted */
	uint64_t prev_line;  /* of the row before the last one */
	sip_tally_undo last; /* the last row (when rows > 0) */
} sip_tally;

/* The last row's values, as sip_tally_take_last gives them. */
typedef struct sip_tally_one {
	int kind;
	uint64_t line;
	const char *level, *host, *err; /* NULL = none (err: not an error) */
	size_t level_len, host_len, err_len;
	const char *outcome;            /* NULL = not an outcome */
	size_t outcome_len;
	const char *ts;                 /* "" = none */
} sip_tally_one;

void sip_tally_init(sip_tally *t);
void sip_tally_release(sip_tally *t);
void sip_tally_set_release(sip_tally_set *set);

/* Count one stored row (rows come in line order). */
void sip_tally_row(sip_tally *t, const sip_row *row);

/*
 * Take the last row counted out of t (counts, and its host's times as
 * they were before it) into *one, whose strings point into t (valid until
 * t is released).  The ingest stores a file's counts as two ranges of
 * lines, the last record alone, because an incremental run deletes that
 * record and reads it again.  t must not be full, and have rows > 0; it
 * is then for the rows before the last (values now counted 0 times are
 * skipped by whoever stores it).  Call once.
 */
void sip_tally_take_last(sip_tally *t, sip_tally_one *one);

/*
 * Add n to value s (len bytes; s NULL = the NULL value) of set.  0, or -1
 * when the set would pass its bound (max values, max bytes) or memory ran
 * out: the set is then unchanged.
 */
int sip_tally_add(sip_tally_set *set, const char *s, size_t len, uint64_t n,
		  size_t max, size_t max_bytes);

#endif
