/*
 * fuzz_reader.c -- fuzz target for src/reader.c: reads the input as a
 * memory buffer with a small line cap (so the truncation path is reached),
 * touching every byte of every line, and checks the reader's own promises
 * (line bounded by the cap, no LF inside a line, line numbers consecutive,
 * a sticky end).  Built with replay.c it replays tests/fuzz/corpus under
 * ctest; with -DSIPSCAN_FUZZ=ON it is a libFuzzer binary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_warn(void *ctx, const sip_diag *d)
{
	(*(unsigned long *)ctx)++;
	if (d->code != SIP_ETOOLONG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sip_reader_opts o;
	sip_reader *r = NULL;
	sip_line ln;
	sip_diag d;
	unsigned long warns = 0, truncated = 0;
	uint64_t expect = 1;
	unsigned sum = 0;
	int rc;

	memset(&o, 0, sizeof o);
	o.max_line = 4096;
	o.warn = count_warn;
	o.warn_ctx = &warns;
	if (sip_reader_open_mem(&r, data, size, "fuzz", &o, &d) != SIP_OK)
		return 0;
	while ((rc = sip_reader_next(r, &ln, &d)) == 1) {
		if (ln.n > o.max_line || ln.lineno != expect++ ||
		    (ln.n && memchr(ln.p, '\n', ln.n)))
			abort();
		for (size_t i = 0; i < ln.n; i++)
			sum += (unsigned char)ln.p[i];
		truncated += ln.truncated;
	}
	if (truncated != warns || sip_reader_next(r, &ln, &d) != rc)
		abort();
	if (rc < 0 && d.code != SIP_EGZIP && d.code != SIP_EIO &&
	    d.code != SIP_ENOMEM)
		abort();
	sip_reader_free(r);
	return (int)(sum & 0); /* sum keeps the reads from being optimised out */
}
