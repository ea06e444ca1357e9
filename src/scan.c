/*
 * scan.c -- one input from bytes to records.
 *
 * Design: the reader is pull-based (sip_reader_next) and the parsers are
 * push-based (feed one line, records come out of a callback).  scan sits
 * between them: it keeps the first lines of the input (copied, because a
 * reader line lives only until the next call) to let every registered
 * parser score them, then replays those lines into the winner and streams
 * the rest.  Probing on content, never on the file name, is what lets a
 * renamed .txt or an extension-less CLS export be read.
 *
 * Incremental runs: when the caller gives resume_offset/resume_line, a plain
 * UTF-8 file is entered by seeking (the reader does it); any other input is
 * read from the start and records before resume_line are dropped here.
 *
 * Pasted traces: when the first lines carry a prefix (line numbers, '>'
 * quoting, indentation: prefix.h) whose removal lets a parser recognise
 * them better, every line is fed without it; the line numbers and offsets
 * stay those of the file, the record text is the text without the prefix,
 * and one note says what was stripped.  An input that a parser accepted
 * but that gave no record is an error (SIP_EFORMAT), never a silent
 * success.
 */
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prefix.h"

/* The lines kept for probing: their text lives in one buffer. */
typedef struct probe_set {
	sip_line lines[SIP_PROBE_LINES];
	size_t starts[SIP_PROBE_LINES];
	size_t n;
	sip_buf text;
} probe_set;

typedef struct scan_ctx {
	sip_record_fn fn;
	void *ctx;
	uint64_t skip_before; /* drop records whose line is before this */
	sip_scan_result *res;
	sip_warn_fn warn;
	void *warn_ctx;
	int closing;          /* inside ops->close: the input has ended */
	sip_diag *cut;        /* where a record cut short by the end goes */
	int has_cut;
} scan_ctx;

static void count_warn(void *ctx, const sip_diag *d)
{
	scan_ctx *s = ctx;

	if (d->code == SIP_ETOOLONG)
		s->res->long_lines++;
	/* A record cut short by the end of the input is not a warning but
	   the result of the scan (SIP_ETRUNCATED): held back here. */
	if (s->closing && d->code == SIP_ETRUNCATED && !s->has_cut) {
		*s->cut = *d;
		s->has_cut = 1;
		return;
	}
	if (s->warn)
		s->warn(s->warn_ctx, d);
}

static int on_record(void *ctx, const sip_record *rec)
{
	scan_ctx *s = ctx;

	if (rec->line < s->skip_before)
		return 0;
	s->res->records++;
	if (rec->truncated)
		s->res->truncated++;
	s->res->last_offset = rec->offset;
	s->res->last_line = rec->line;
	s->res->last_complete = !rec->truncated &&
		(rec->has_end || rec->kind == SIP_KIND_TRACE);
	return s->fn ? s->fn(s->ctx, rec) : 0;
}

/* Copy the reader's current line into the probe set.  Fails only on ENOMEM. */
static int probe_keep(probe_set *ps, const sip_line *ln)
{
	size_t at = ps->text.n;

	if (sip_buf_add(&ps->text, ln->p, ln->n))
		return SIP_ENOMEM;
	ps->lines[ps->n] = *ln;
	ps->starts[ps->n] = at;
	ps->n++;
	return SIP_OK;
}

/* Point the kept lines into the (now stable) text buffer. */
static void probe_fix(probe_set *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		ps->lines[i].p = ps->text.p ? ps->text.p + ps->starts[i] : "";
}

/* The container format whose magic bytes start p, or NULL: archives and
   compressors sipscan does not open (gzip it does). */
static const char *container_of(const char *p, size_t n, const char **hint)
{
	static const struct {
		const char *magic;
		size_t n;
		const char *name, *hint;
	} m[] = {
		{ "PK\x03\x04", 4, "a zip archive", "extract it (unzip) and analyze the folder" },
		{ "PK\x05\x06", 4, "an empty zip archive", "there is nothing in it" },
		{ "\x28\xb5\x2f\xfd", 4, "a zstd file", "decompress it (zstd -d) first" },
		{ "BZh", 3, "a bzip2 file", "decompress it (bunzip2) first" },
		{ "\xfd" "7zXZ\x00", 6, "an xz file", "decompress it (unxz) first" },
		{ "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive", "extract it (7z x) and analyze the folder" },
		{ "Rar!\x1a\x07", 6, "a RAR archive", "extract it and analyze the folder" },
		{ "\xd0\xcf\x11\xe0", 4, "an Office document", "save the trace as text" },
		{ "%PDF", 4, "a PDF document", "save the trace as text" },
	};

	for (size_t i = 0; p && i < sizeof m / sizeof m[0]; i++)
		if (n >= m[i].n && !memcmp(p, m[i].magic, m[i].n)) {
			*hint = m[i].hint;
			return m[i].name;
		}
	return NULL;
}

static int scan_reader(sip_reader *r, const sip_scan_opts *opts, int can_seek,
		       sip_record_fn fn, void *ctx, sip_scan_result *res,
		       sip_diag *diag)
{
	probe_set ps;
	scan_ctx sc = { fn, ctx, 0, res, NULL, NULL, 0, NULL, 0 };
	sip_diag cut;
	const sip_parser_ops *ops = NULL;
	sip_parse_opts popts;
	void *state = NULL;
	sip_line ln;
	sip_diag rdiag;
	sip_prefix pf;
	int rc = SIP_OK, got, stopped = 0;

	memset(&ps, 0, sizeof ps);
	sip_buf_init(&ps.text, SIP_PROBE_BYTES + SIP_READER_MAX_LINE + 1);
	sip_diag_clear(&rdiag);
	if (opts) {
		sc.warn = opts->warn;
		sc.warn_ctx = opts->warn_ctx;
	}

	/* 1. Keep the first lines for probing (giving up on a first line
	   without an end: an endless input that is no trace). */
	sip_reader_set_skip_limit(r, SIP_PROBE_SKIP_LIMIT);
	for (;;) {
		if (ps.n == SIP_PROBE_LINES || ps.text.n >= SIP_PROBE_BYTES) {
			got = 1;
			break;
		}
		got = sip_reader_next(r, &ln, &rdiag);
		if (got <= 0)
			break;
		res->lines++;
		if ((rc = probe_keep(&ps, &ln)))
			goto out;
	}
	probe_fix(&ps);
	sip_reader_set_skip_limit(r, 0);
	res->gzip = sip_reader_is_gzip(r);
	res->gzip_members = sip_reader_gzip_members(r);
	res->encoding = sip_reader_encoding(r);
	if (opts && opts->resume_line > 1) {
		res->seeked = can_seek && opts->resume_offset > 0 && !res->gzip &&
			(res->encoding == SIP_ENC_UTF8 ||
			 res->encoding == SIP_ENC_UTF8_BOM);
		if (!res->seeked)
			sc.skip_before = opts->resume_line;
	}

	/* A pasted trace: strip its prefix from the probed lines (and from
	   every line after them, below) when that lets a parser know them. */
	sip_prefix_detect(ps.lines, ps.n, &pf);
	if (pf.n) {
		char what[64];
		for (size_t i = 0; i < ps.n; i++) {
			size_t k = sip_prefix_len(&pf, ps.lines[i].p, ps.lines[i].n);
			ps.lines[i].p += k;
			ps.lines[i].n -= k;
		}
		sip_prefix_describe(&pf, what, sizeof what);
		snprintf(res->prefix, sizeof res->prefix, "%s", what);
		if (sc.warn) {
			sip_diag note;
			sip_diag_set(&note, SIP_OK, sip_reader_name(r), 0,
				     "note: read without the %s at the start of its lines "
				     "(a pasted trace)", what);
			sc.warn(sc.warn_ctx, &note);
		}
	}
	ops = sip_parser_probe(ps.lines, ps.n);
	if (!ops) {
		if (got < 0) {
			/* Damaged before anything recognisable was read. */
			*diag = rdiag;
			rc = rdiag.code ? rdiag.code : SIP_EIO;
			goto out;
		}
		const char *hint, *what = ps.n ? container_of(ps.lines[0].p,
							       ps.lines[0].n, &hint) : NULL;
		if (what)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "%s, not a trace: %s", what, hint);
		else if (ps.n == 0)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "empty input, not a trace");
		else if (ps.n == 1)
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "not a trace (no SIPStack record header, client log "
					  "line or SIP message in its first line)");
		else
			rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
					  "not a trace (no SIPStack record header, client log "
					  "line or SIP message in its first %zu lines)", ps.n);
		goto out;
	}
	res->parser = ops->name;

	memset(&popts, 0, sizeof popts);
	popts.name = sip_reader_name(r);
	popts.warn = count_warn;
	popts.warn_ctx = &sc;
	if (opts)
		popts.max_record = opts->max_record;
	if (!(state = ops->open(&popts))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, sip_reader_name(r), 0,
				  "out of memory");
		goto out;
	}

	/* 2. Replay the probed lines, then stream the rest. */
	for (size_t i = 0; i < ps.n && !stopped; i++) {
		if ((rc = ops->feed(state, &ps.lines[i], on_record, &sc)))
			stopped = 1;
	}
	sip_buf_release(&ps.text);
	while (!stopped && got > 0) {
		got = sip_reader_next(r, &ln, &rdiag);
		if (got <= 0)
			break;
		res->lines++;
		if (pf.n) {
			size_t k = sip_prefix_len(&pf, ln.p, ln.n);
			ln.p += k;
			ln.n -= k;
		}
		if ((rc = ops->feed(state, &ln, on_record, &sc)))
			stopped = 1;
	}
	if (!stopped) {
		/* Flush the record still open, also after a read error: every
		   record before the fault is kept. */
		sc.closing = 1;
		sc.cut = &cut;
		rc = ops->close(state, on_record, &sc);
		sc.closing = 0;
		if (!rc && got < 0) {
			*diag = rdiag;
			rc = rdiag.code ? rdiag.code : SIP_EIO;
			if (sc.has_cut && sc.warn)  /* the fault's consequence */
				sc.warn(sc.warn_ctx, &cut);
		} else if (!rc && sc.has_cut) {
			/* Every record was kept (the last one marked truncated),
			   but the input did not end where a record does: an
			   excerpt cut short, or a log still being written. */
			*diag = cut;
			rc = SIP_ETRUNCATED;
		}
	}
	/* Accepted, read whole, and not one record: say so (a resumed run
	   may rightly find nothing new). */
	if (!stopped && !rc && res->records == 0 && !(opts && opts->resume_line > 1))
		rc = sip_diag_set(diag, SIP_EFORMAT, sip_reader_name(r), 0,
				  "no records (it looks like %s, but no line of it could be "
				  "read as a record)", ops->description);
out:
	if (state)
		ops->free(state);
	sip_buf_release(&ps.text);
	res->bytes_in = sip_reader_bytes_in(r);
	res->bytes_out = sip_reader_bytes_out(r);
	/* Read again at the end: a threaded reader's counters lag its
	   producer until the input is consumed. */
	res->gzip_members = sip_reader_gzip_members(r);
	return rc;
}

static sip_reader_opts reader_opts(const sip_scan_opts *opts, scan_ctx *warnctx)
{
	sip_reader_opts ro;

	memset(&ro, 0, sizeof ro);
	if (opts) {
		ro.max_line = opts->max_line;
		ro.start_offset = opts->resume_line > 1 ? opts->resume_offset : 0;
		ro.start_line = opts->resume_line > 1 ? opts->resume_line : 0;
		ro.threads = opts->reader_threads;
	}
	ro.warn = count_warn;
	ro.warn_ctx = warnctx;
	return ro;
}

/*
 * Open the input (path, or buf/n when path is NULL), scan it, close it.
 * The reader warns through a scan_ctx that only counts and forwards.
 */
static int scan_input(const char *path, const void *buf, size_t n,
		      const char *name, const sip_scan_opts *opts,
		      sip_record_fn fn, void *ctx, sip_scan_result *res,
		      sip_diag *diag)
{
	sip_scan_result local;
	sip_diag ldiag;
	sip_reader *r = NULL;
	scan_ctx wc;
	sip_reader_opts ro;
	int rc;

	if (!res)
		res = &local;
	if (!diag)
		diag = &ldiag;
	memset(res, 0, sizeof *res);
	sip_diag_clear(diag);
	memset(&wc, 0, sizeof wc);
	wc.res = res;
	if (opts) {
		wc.warn = opts->warn;
		wc.warn_ctx = opts->warn_ctx;
	}
	ro = reader_opts(opts, &wc);
	if (path && opts && opts->member) {
		ro.start_offset = 0;
		ro.start_line = 0;
		rc = sip_reader_open_member(&r, path, opts->member, &ro, diag);
	} else if (path) {
		rc = sip_reader_open(&r, path, &ro, diag);
	} else {
		/* Memory input is never entered by seeking. */
		ro.start_offset = 0;
		ro.start_line = 0;
		rc = sip_reader_open_mem(&r, buf, n, name, &ro, diag);
	}
	if (rc)
		return rc;
	rc = scan_reader(r, opts, path != NULL, fn, ctx, res, diag);
	sip_reader_free(r);
	return rc;
}

int sip_scan_file(const char *path, const sip_scan_opts *opts,
		  sip_record_fn fn, void *ctx, sip_scan_result *res,
		  sip_diag *diag)
{
	return scan_input(path, NULL, 0, NULL, opts, fn, ctx, res, diag);
}

int sip_scan_mem(const void *buf, size_t n, const char *name,
		 const sip_scan_opts *opts, sip_record_fn fn, void *ctx,
		 sip_scan_result *res, sip_diag *diag)
{
	return scan_input(NULL, buf, n, name, opts, fn, ctx, res, diag);
}
