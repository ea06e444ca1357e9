/*
 * test_reader.c -- unit tests of src/reader.c: plain, CRLF, BOMs, UTF-16,
 * NULs, the line cap (up to a 50 MB line), gzip with several members,
 * padding, garbage and damage, start_offset, stdin and pipes, counters,
 * and the producer thread: the same inputs read on one thread and with
 * the thread must give the same lines, numbers, offsets, counters and
 * errors.  Inputs are built in memory (gzip with zlib here) or in temp
 * files.
 */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <zlib.h>

#include "reader.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct got_line {
	char *text;
	size_t n;
	uint64_t lineno, offset;
	unsigned eol, truncated;
} got_line;

typedef struct got {
	got_line *lines;
	size_t n, cap;
	int rc;          /* the final sip_reader_next result: 0 or -1 */
	sip_diag diag;
	int again;       /* the call after the final one */
	int gzip, members;
	enum sip_encoding enc;
	uint64_t bytes_in, bytes_out;
	int threaded;    /* the producer thread ran */
} got;

typedef struct warns {
	int count;
	sip_diag last;
} warns;

static void on_warn(void *ctx, const sip_diag *d)
{
	warns *w = ctx;
	w->count++;
	w->last = *d;
}

static void got_free(got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->lines[i].text);
	free(g->lines);
	memset(g, 0, sizeof *g);
}

/* Read every line of r into g (copies), then close r. */
static void drain(sip_reader *r, got *g)
{
	sip_line ln;
	sip_diag d;
	int rc;

	memset(g, 0, sizeof *g);
	sip_diag_clear(&g->diag);
	while ((rc = sip_reader_next(r, &ln, &g->diag)) == 1) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 16;
			g->lines = realloc(g->lines, g->cap * sizeof *g->lines);
			if (!g->lines)
				abort();
		}
		got_line *l = &g->lines[g->n++];
		l->text = malloc(ln.n + 1);
		if (!l->text)
			abort();
		memcpy(l->text, ln.p, ln.n);
		l->text[ln.n] = 0;
		l->n = ln.n;
		l->lineno = ln.lineno;
		l->offset = ln.offset;
		l->eol = ln.eol;
		l->truncated = ln.truncated;
	}
	g->rc = rc;
	g->again = sip_reader_next(r, &ln, &d);
	g->gzip = sip_reader_is_gzip(r);
	g->members = sip_reader_gzip_members(r);
	g->enc = sip_reader_encoding(r);
	g->bytes_in = sip_reader_bytes_in(r);
	g->bytes_out = sip_reader_bytes_out(r);
	g->threaded = sip_reader_threaded(r);
	sip_reader_free(r);
}

static void read_mem(const void *buf, size_t n, const sip_reader_opts *o, got *g)
{
	sip_reader *r = NULL;
	sip_diag d;
	int rc = sip_reader_open_mem(&r, buf, n, "mem.log", o, &d);

	CHECK_INT(rc, SIP_OK);
	if (!r)
		abort();
	drain(r, g);
}

static int read_path(const char *path, const sip_reader_opts *o, got *g)
{
	sip_reader *r = NULL;
	int rc;

	memset(g, 0, sizeof *g);
	rc = sip_reader_open(&r, path, o, &g->diag);
	if (rc == SIP_OK)
		drain(r, g);
	return rc;
}

/* Compress into a malloc'd gzip member (one per call). */
static unsigned char *gz(const void *data, size_t n, size_t *outn)
{
	z_stream z;
	uLong bound;
	unsigned char *out;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	bound = deflateBound(&z, (uLong)n) + 64;
	out = malloc(bound);
	if (!out)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outn = bound - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* Append b to a malloc'd buffer. */
static unsigned char *cat(unsigned char *a, size_t *an, const void *b, size_t bn)
{
	unsigned char *p = realloc(a, *an + bn + 1);
	if (!p)
		abort();
	memcpy(p + *an, b, bn);
	*an += bn;
	return p;
}

static char tmpdir_path[4096];

static const char *tmp_file(const char *name, const void *data, size_t n)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir_path, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (n && fwrite(data, 1, n, f) != n)
		abort();
	fclose(f);
	return path;
}

/* Lines "line 1\n", "line 2\n", ... into a malloc'd buffer. */
static char *numbered(int count, size_t *n)
{
	size_t cap = (size_t)count * 40 + 1, len = 0;
	char *s = malloc(cap);

	if (!s)
		abort();
	for (int i = 1; i <= count; i++)
		len += (size_t)snprintf(s + len, cap - len, "line %d with some text\n", i);
	*n = len;
	return s;
}

/* Encode UTF-8-free ASCII/code points as UTF-16 with BOM. */
static size_t u16(unsigned char *out, int be, const uint32_t *units, size_t n)
{
	size_t k = 0;
	out[k++] = be ? 0xFE : 0xFF;
	out[k++] = be ? 0xFF : 0xFE;
	for (size_t i = 0; i < n; i++) {
		unsigned hi = (units[i] >> 8) & 0xFF, lo = units[i] & 0xFF;
		out[k++] = (unsigned char)(be ? hi : lo);
		out[k++] = (unsigned char)(be ? lo : hi);
	}
	return k;
}

/* ---- plain text --------------------------------------------------------- */

static void test_plain_lf(void)
{
	const char *s = "a\nbb\nccc\n";
	got g;

	read_mem(s, strlen(s), NULL, &g);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.again, 0);
	if (g.n == 3) {
		CHECK_STR(g.lines[0].text, "a");
		CHECK_STR(g.lines[1].text, "bb");
		CHECK_STR(g.lines[2].text, "ccc");
		CHECK_INT(g.lines[0].offset, 0);
		CHECK_INT(g.lines[1].offset, 2);
		CHECK_INT(g.lines[2].offset, 5);
		CHECK_INT(g.lines[2].lineno, 3);
		CHECK_INT(g.lines[1].eol, SIP_EOL_LF);
		CHECK_INT(g.lines[1].truncated, 0);
	}
	CHECK_INT(g.gzip, 0);
	CHECK_INT(g.members, 0);
	CHECK_INT(g.enc, SIP_ENC_UTF8);
	CHECK_INT(g.bytes_in, 9);
	CHECK_INT(g.bytes_out, 9);
	got_free(&g);
}

static void test_crlf_mixed(void)
{
	const char *s = "a\r\nb\nc\rd\n\r\n\r";
	got g;

	read_mem(s, strlen(s), NULL, &g);
	CHECK_INT(g.n, 5);
	if (g.n == 5) {
		CHECK_STR(g.lines[0].text, "a");
		CHECK_INT(g.lines[0].eol, SIP_EOL_CRLF);
		CHECK_STR(g.lines[1].text, "b");
		CHECK_INT(g.lines[1].eol, SIP_EOL_LF);
		CHECK_INT(g.lines[1].offset, 3);
		CHECK_STR(g.lines[2].text, "c\rd"); /* a lone CR is kept */
		CHECK_INT(g.lines[2].eol, SIP_EOL_LF);
		CHECK_INT(g.lines[3].n, 0);
		CHECK_INT(g.lines[3].eol, SIP_EOL_CRLF);
		CHECK_INT(g.lines[3].offset, 9);
		CHECK_STR(g.lines[4].text, "\r"); /* no LF: nothing stripped */
		CHECK_INT(g.lines[4].eol, SIP_EOL_NONE);
		CHECK_INT(g.lines[4].offset, 11);
	}
	CHECK_INT(g.rc, 0);
	got_free(&g);
}

/* Lines that end in a lone CR (classic Mac line ends) are read as lines,
   told by the text: no LF, CRs at least every 512 bytes. */
static void test_cr_line_ends(void)
{
	got g;
	char *big;
	size_t n = 0;

	/* short: decided at the end of the input */
	read_mem("a\rbb\rccc\r", 9, NULL, &g);
	CHECK_INT(g.n, 3);
	if (g.n == 3) {
		CHECK_STR(g.lines[0].text, "a");
		CHECK_STR(g.lines[1].text, "bb");
		CHECK_STR(g.lines[2].text, "ccc");
		CHECK_INT(g.lines[1].offset, 2);
		CHECK_INT(g.lines[2].offset, 5);
		CHECK_INT(g.lines[2].lineno, 3);
		CHECK_INT(g.lines[2].eol, SIP_EOL_LF);
	}
	CHECK_INT(g.rc, 0);
	got_free(&g);
	read_mem("x\ry\rz", 5, NULL, &g);
	CHECK_INT(g.n, 3);
	if (g.n == 3) {
		CHECK_STR(g.lines[2].text, "z");
		CHECK_INT(g.lines[2].eol, SIP_EOL_NONE);
	}
	got_free(&g);
	/* one CR alone is no line end */
	read_mem("x\ry", 3, NULL, &g);
	CHECK_INT(g.n, 1);
	got_free(&g);
	/* long: decided on the first 4 KiB, the rest read the same way */
	big = malloc(40000);
	if (!big)
		abort();
	for (int i = 0; n + 32 < 40000; i++)
		n += (size_t)snprintf(big + n, 40000 - n, "line %d\r", i);
	read_mem(big, n, NULL, &g);
	CHECK(g.n > 3000);
	if (g.n > 3000) {
		CHECK_STR(g.lines[0].text, "line 0");
		CHECK_STR(g.lines[3000].text, "line 3000");
		CHECK_INT(g.lines[3000].lineno, 3001);
		CHECK_INT(g.lines[3000].offset, (int64_t)(strstr(big, "line 3000\r") - big));
		CHECK_INT(g.lines[g.n - 1].eol, SIP_EOL_LF);
	}
	CHECK_INT(g.rc, 0);
	got_free(&g);
	/* a LF anywhere: a lone CR stays in its line */
	read_mem("one\rtwo\nthree\r", 14, NULL, &g);
	CHECK_INT(g.n, 2);
	if (g.n == 2)
		CHECK_STR(g.lines[0].text, "one\rtwo");
	got_free(&g);
	/* CRs too rare to be line ends: one line */
	memset(big, 'x', 9000);
	big[4000] = '\r';
	big[8000] = '\r';
	read_mem(big, 9000, NULL, &g);
	CHECK_INT(g.n, 1);
	got_free(&g);
	free(big);
}

static void test_no_final_newline_and_empty(void)
{
	got g;

	read_mem("a\nlast", 6, NULL, &g);
	CHECK_INT(g.n, 2);
	if (g.n == 2) {
		CHECK_STR(g.lines[1].text, "last");
		CHECK_INT(g.lines[1].eol, SIP_EOL_NONE);
		CHECK_INT(g.lines[1].offset, 2);
	}
	got_free(&g);

	read_mem("", 0, NULL, &g);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.again, 0);
	got_free(&g);

	read_mem("\n", 1, NULL, &g);
	CHECK_INT(g.n, 1);
	if (g.n == 1)
		CHECK_INT(g.lines[0].n, 0);
	got_free(&g);

	CHECK_INT(read_path(tmp_file("empty.log", "", 0), NULL, &g), SIP_OK);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.rc, 0);
	got_free(&g);
}

static void test_utf8_bom(void)
{
	const char *s = "\xEF\xBB\xBFhead\nb\n";
	got g;

	read_mem(s, strlen(s), NULL, &g);
	CHECK_INT(g.enc, SIP_ENC_UTF8_BOM);
	CHECK_INT(g.n, 2);
	if (g.n == 2) {
		CHECK_STR(g.lines[0].text, "head");
		CHECK_INT(g.lines[0].offset, 3);
		CHECK_INT(g.lines[1].offset, 8);
	}
	got_free(&g);

	/* a BOM alone, and a file shorter than a BOM */
	read_mem("\xEF\xBB\xBF", 3, NULL, &g);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.enc, SIP_ENC_UTF8_BOM);
	got_free(&g);
	read_mem("\xEF\xBB", 2, NULL, &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.enc, SIP_ENC_UTF8);
	got_free(&g);
}

/* A paste saved as "ANSI": Windows-1252, transcoded to UTF-8, offsets in
   its own bytes; what is UTF-8, or no text, stays as it is. */
static void test_cp1252(void)
{
	static const char ansi[] = "From: \"Ren\xe9 M\xfcller\" <sip:a@b>\n\x93quoted\x94 \x80\x81\nend\n";
	static const char utf8[] = "From: \"Ren\xc3\xa9\" <sip:a@b>\nthen a stray \xe9\n";
	static const char binary[] = "PK\x03\x04\x00\xe9\xff\n";
	got g;

	read_mem(ansi, sizeof ansi - 1, NULL, &g);
	CHECK_INT(g.enc, SIP_ENC_CP1252);
	CHECK_INT(g.n, 3);
	if (g.n == 3) {
		CHECK_STR(g.lines[0].text, "From: \"Ren\xc3\xa9 M\xc3\xbcller\" <sip:a@b>");
		CHECK_STR(g.lines[1].text, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac\xc2\x81");
		CHECK_INT(g.lines[1].offset, 30);   /* a byte a character */
		CHECK_INT(g.lines[2].offset, 42);
	}
	got_free(&g);
	read_mem(utf8, sizeof utf8 - 1, NULL, &g);
	CHECK_INT(g.enc, SIP_ENC_UTF8);
	if (g.n == 2)
		CHECK_STR(g.lines[1].text, "then a stray \xe9");
	got_free(&g);
	read_mem(binary, sizeof binary - 1, NULL, &g);
	CHECK_INT(g.enc, SIP_ENC_UTF8);
	got_free(&g);
	/* a sequence cut at the very end tells nothing */
	read_mem("abc \xc3", 5, NULL, &g);
	CHECK_INT(g.enc, SIP_ENC_UTF8);
	got_free(&g);
}

static void test_nul_inside_line(void)
{
	static const char s[] = "a\0b\n\0\nz";
	got g;

	read_mem(s, sizeof s - 1, NULL, &g);
	CHECK_INT(g.n, 3);
	if (g.n == 3) {
		CHECK_INT(g.lines[0].n, 3);
		CHECK(memcmp(g.lines[0].text, "a\0b", 3) == 0);
		CHECK_INT(g.lines[1].n, 1);
		CHECK_INT(g.lines[1].text[0], 0);
		CHECK_STR(g.lines[2].text, "z");
		CHECK_INT(g.lines[2].offset, 6);
	}
	got_free(&g);
}

/* ---- UTF-16 --------------------------------------------------------------- */

static void check_u16(int be)
{
	/* "a\r\n" U+1F600 "é\n" <unpaired D800> "x\n" <lone DC00> + odd byte */
	static const uint32_t units[] = { 'a', '\r', '\n', 0xD83D, 0xDE00, 0xE9,
					  '\n', 0xD800, 'x', '\n', 0xDC00 };
	unsigned char buf[64];
	size_t n = u16(buf, be, units, sizeof units / sizeof units[0]);
	got g;

	buf[n++] = 'q'; /* an odd trailing byte */
	read_mem(buf, n, NULL, &g);
	CHECK_INT(g.enc, be ? SIP_ENC_UTF16BE : SIP_ENC_UTF16LE);
	CHECK_INT(g.n, 4);
	CHECK_INT(g.rc, 0);
	if (g.n == 4) {
		CHECK_STR(g.lines[0].text, "a");
		CHECK_INT(g.lines[0].eol, SIP_EOL_CRLF);
		CHECK_INT(g.lines[0].offset, 2);
		CHECK_STR(g.lines[1].text, "\xF0\x9F\x98\x80\xC3\xA9");
		CHECK_INT(g.lines[1].offset, 8);
		CHECK_STR(g.lines[2].text, "\xEF\xBF\xBDx");
		CHECK_INT(g.lines[2].offset, 16);
		CHECK_STR(g.lines[3].text, "\xEF\xBF\xBD\xEF\xBF\xBD");
		CHECK_INT(g.lines[3].offset, 22);
		CHECK_INT(g.lines[3].lineno, 4);
	}
	CHECK_INT(g.bytes_in, n);
	got_free(&g);

	/* a high surrogate as the very last unit */
	n = u16(buf, be, units, 4);
	read_mem(buf, n, NULL, &g);
	CHECK_INT(g.n, 2);
	if (g.n == 2)
		CHECK_STR(g.lines[1].text, "\xEF\xBF\xBD");
	got_free(&g);
}

static void test_utf16le(void)
{
	check_u16(0);
}

static void test_utf16be(void)
{
	check_u16(1);
}

/* UTF-16 inside gzip, and start_offset ignored for UTF-16. */
static void test_utf16_gzip_and_long(void)
{
	uint32_t units[3000];
	unsigned char buf[sizeof units + 4];
	size_t n = 0, zn;
	unsigned char *z;
	sip_reader_opts o;
	warns w = { 0 };
	got g;

	for (int i = 0; i < 1000; i++)
		units[n++] = 'x';
	units[n++] = '\n';
	units[n++] = 0x4E2D; /* U+4E2D: 3 UTF-8 bytes */
	units[n++] = '\n';
	n = u16(buf, 0, units, n);
	z = gz(buf, n, &zn);
	memset(&o, 0, sizeof o);
	o.max_line = 100;
	o.warn = on_warn;
	o.warn_ctx = &w;
	o.start_offset = 5; /* ignored: not a plain file */
	o.start_line = 7;
	read_mem(z, zn, &o, &g);
	CHECK_INT(g.gzip, 1);
	CHECK_INT(g.enc, SIP_ENC_UTF16LE);
	CHECK_INT(g.n, 2);
	CHECK_INT(w.count, 1);
	if (g.n == 2) {
		CHECK_INT(g.lines[0].n, 100);
		CHECK_INT(g.lines[0].truncated, 1);
		CHECK_INT(g.lines[0].lineno, 1);
		CHECK_INT(g.lines[0].offset, 2);
		CHECK_STR(g.lines[1].text, "\xE4\xB8\xAD");
		CHECK_INT(g.lines[1].offset, 2 + 1001 * 2);
		CHECK_INT(g.lines[1].lineno, 2);
	}
	CHECK_INT(g.bytes_in, zn);
	CHECK_INT(g.bytes_out, n);
	got_free(&g);
	free(z);
}

/* ---- the line cap ----------------------------------------------------------- */

static void test_long_line_small_cap(void)
{
	char s[256];
	sip_reader_opts o;
	warns w = { 0 };
	got g;
	size_t n = 0;

	n += (size_t)snprintf(s + n, sizeof s - n, "short\n");
	memset(s + n, 'x', 20);
	n += 20;
	s[n++] = '\n';
	n += (size_t)snprintf(s + n, sizeof s - n, "12345678\r\n"); /* exactly 8 + CRLF */
	n += (size_t)snprintf(s + n, sizeof s - n, "next\n");
	n += (size_t)snprintf(s + n, sizeof s - n, "0123456789"); /* long, no LF */
	memset(&o, 0, sizeof o);
	o.max_line = 8;
	o.warn = on_warn;
	o.warn_ctx = &w;
	read_mem(s, n, &o, &g);
	CHECK_INT(g.n, 5);
	CHECK_INT(g.rc, 0);
	CHECK_INT(w.count, 2);
	if (g.n == 5) {
		CHECK_STR(g.lines[1].text, "xxxxxxxx");
		CHECK_INT(g.lines[1].truncated, 1);
		CHECK_INT(g.lines[1].lineno, 2);
		CHECK_INT(g.lines[1].eol, SIP_EOL_LF);
		CHECK_STR(g.lines[2].text, "12345678");
		CHECK_INT(g.lines[2].truncated, 0);
		CHECK_INT(g.lines[2].eol, SIP_EOL_CRLF);
		CHECK_INT(g.lines[2].offset, 27);
		CHECK_STR(g.lines[3].text, "next");
		CHECK_INT(g.lines[3].offset, 37);
		CHECK_INT(g.lines[3].lineno, 4);
		CHECK_STR(g.lines[4].text, "01234567");
		CHECK_INT(g.lines[4].truncated, 1);
		CHECK_INT(g.lines[4].eol, SIP_EOL_NONE);
	}
	CHECK_INT(w.last.code, SIP_ETOOLONG);
	CHECK_STR(w.last.file, "mem.log");
	CHECK_INT(w.last.line, 5);
	CHECK_STR(w.last.msg, "line longer than 8 bytes truncated");
	got_free(&g);
}

/* A line much longer than the decoded buffer, and many lines across refills. */
static void test_long_line_across_refills(void)
{
	size_t big = 3 * 1024 * 1024 + 7, n = 0, zn;
	char *s = malloc(big + 4096);
	unsigned char *z;
	sip_reader_opts o;
	warns w = { 0 };
	got g;

	if (!s)
		abort();
	memcpy(s, "first\n", 6);
	n = 6;
	for (size_t i = 0; i < big; i++)
		s[n++] = (char)('a' + i % 26);
	s[n++] = '\r';
	s[n++] = '\n';
	memcpy(s + n, "after\n", 6);
	n += 6;
	memset(&o, 0, sizeof o);
	o.max_line = 4096;
	o.warn = on_warn;
	o.warn_ctx = &w;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			read_mem(s, n, &o, &g);
		} else {
			z = gz(s, n, &zn);
			read_mem(z, zn, &o, &g);
			free(z);
			CHECK_INT(g.gzip, 1);
		}
		CHECK_INT(g.n, 3);
		if (g.n == 3) {
			CHECK_INT(g.lines[1].n, 4096);
			CHECK(memcmp(g.lines[1].text, s + 6, 4096) == 0);
			CHECK_INT(g.lines[1].truncated, 1);
			CHECK_INT(g.lines[1].eol, SIP_EOL_CRLF);
			CHECK_STR(g.lines[2].text, "after");
			CHECK_INT(g.lines[2].lineno, 3);
			CHECK_INT(g.lines[2].offset, 6 + big + 2);
		}
		got_free(&g);
	}
	CHECK_INT(w.count, 2);
	free(s);
}

/*
 * A line of about max_line bytes whose CR and LF fall around the end of
 * what one read brings in: CRLF handling and the cap agree with the line
 * read whole.  (With max_line 128 KiB the decoded buffer is 256 KiB.)
 */
static void test_cap_at_buffer_edge(void)
{
	size_t ml = 128 * 1024, bad = 0, combos = 0;
	char *s = malloc(3 * ml);
	sip_reader_opts o;
	warns w = { 0 };

	if (!s)
		abort();
	memset(&o, 0, sizeof o);
	o.max_line = ml;
	o.warn = on_warn;
	o.warn_ctx = &w;
	for (int d1 = -3; d1 <= 3; d1++) {
		for (size_t l2 = ml - 1; l2 <= ml + 2; l2++) {
			size_t l1 = ml - 2 + (size_t)(long)d1, n = 0;
			got g;
			memset(s, 'a', l1);
			n = l1;
			s[n++] = '\n';
			memset(s + n, 'b', l2);
			n += l2;
			memcpy(s + n, "\r\nz\n", 4);
			n += 4;
			w.count = 0;
			read_mem(s, n, &o, &g);
			combos++;
			if (g.n != 3 || g.rc != 0 || g.lines[1].n != (l2 > ml ? ml : l2) ||
			    g.lines[1].truncated != (l2 > ml) ||
			    g.lines[1].eol != SIP_EOL_CRLF || g.lines[1].offset != l1 + 1 ||
			    g.lines[1].text[g.lines[1].n - 1] != 'b' ||
			    strcmp(g.lines[2].text, "z") != 0 ||
			    g.lines[2].offset != l1 + 1 + l2 + 2 ||
			    w.count != (l1 > ml) + (l2 > ml)) {
				bad++;
				fprintf(stderr, "    d1=%d l2=ml%+d: %zu lines, n=%zu trunc=%u eol=%u warns=%d\n",
					d1, (int)(l2 - ml), g.n, g.n > 1 ? g.lines[1].n : 0,
					g.n > 1 ? g.lines[1].truncated : 0, g.n > 1 ? g.lines[1].eol : 0,
					w.count);
			}
			got_free(&g);
		}
	}
	CHECK_INT(combos, 28);
	CHECK_INT(bad, 0);
	free(s);
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* A 50 MB line in a file, default cap: cut, skipped without buffering it. */
static void test_50mb_line(void)
{
	char path[4200];
	size_t chunk = 1024 * 1024, total = 50 * chunk;
	char *buf = malloc(chunk);
	FILE *f;
	warns w = { 0 };
	sip_reader_opts o;
	long rss0;
	got g;

	if (!buf)
		abort();
	memset(buf, 'L', chunk);
	snprintf(path, sizeof path, "%s/big.log", tmpdir_path);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fputs("start\n", f);
	for (size_t i = 0; i < total; i += chunk)
		fwrite(buf, 1, chunk, f);
	fputs("\ntail\n", f);
	fclose(f);
	free(buf);

	memset(&o, 0, sizeof o);
	o.warn = on_warn;
	o.warn_ctx = &w;
	rss0 = max_rss_kb();
	CHECK_INT(read_path(path, &o, &g), SIP_OK);
	/* buffers are ~2.3 MiB; the copies kept by this test 1 MiB */
	CHECK(max_rss_kb() - rss0 < 24 * 1024);
	CHECK_INT(g.n, 3);
	CHECK_INT(w.count, 1);
	CHECK_INT(w.last.line, 2);
	CHECK_STR(w.last.msg, "line longer than 1048576 bytes truncated");
	if (g.n == 3) {
		CHECK_INT(g.lines[1].n, SIP_READER_MAX_LINE);
		CHECK_INT(g.lines[1].truncated, 1);
		CHECK_INT(g.lines[1].text[SIP_READER_MAX_LINE - 1], 'L');
		CHECK_STR(g.lines[2].text, "tail");
		CHECK_INT(g.lines[2].lineno, 3);
		CHECK_INT(g.lines[2].offset, 6 + total + 1);
	}
	CHECK_INT(g.bytes_in, 6 + total + 6);
	got_free(&g);
	remove(path);
}

/* Many lines of varying length, across buffer compactions: all exact. */
static void test_many_lines_exact(void)
{
	size_t cap = 3 * 1024 * 1024, n = 0;
	char *s = malloc(cap);
	sip_reader_opts o;
	got g;
	int count = 0;

	if (!s)
		abort();
	while (n + 5000 < cap) {
		size_t len = (size_t)(count * 7919 % 3000);
		for (size_t i = 0; i < len; i++)
			s[n + i] = (char)('A' + ((size_t)count + i) % 50);
		n += len;
		s[n++] = '\n';
		count++;
	}
	memset(&o, 0, sizeof o);
	o.max_line = 4096;
	read_mem(s, n, &o, &g);
	CHECK_INT(g.n, count);
	if (g.n == (size_t)count) {
		size_t off = 0, bad = 0;
		for (int k = 0; k < count; k++) {
			got_line *l = &g.lines[k];
			size_t len = (size_t)(k * 7919 % 3000);
			if (l->n != len || l->offset != off || memcmp(l->text, s + off, len) ||
			    l->lineno != (uint64_t)k + 1 || l->truncated)
				bad++;
			off += len + 1;
		}
		CHECK_INT(bad, 0);
	}
	got_free(&g);
	free(s);
}

/* ---- gzip ------------------------------------------------------------------- */

static void test_gzip_members(void)
{
	size_t n = 0, zn;
	unsigned char *all = NULL, *z;
	const char *parts[] = { "a\nb", "c\nd\n", "e\n" };
	got g;

	for (int i = 0; i < 3; i++) {
		z = gz(parts[i], strlen(parts[i]), &zn);
		all = cat(all, &n, z, zn);
		free(z);
	}
	read_mem(all, n, NULL, &g);
	CHECK_INT(g.gzip, 1);
	CHECK_INT(g.members, 3);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.n, 4);
	if (g.n == 4) {
		CHECK_STR(g.lines[0].text, "a");
		CHECK_STR(g.lines[1].text, "bc");
		CHECK_STR(g.lines[2].text, "d");
		CHECK_STR(g.lines[3].text, "e");
		CHECK_INT(g.lines[3].offset, 7);
	}
	CHECK_INT(g.bytes_in, n);
	CHECK_INT(g.bytes_out, 9);
	got_free(&g);

	/* trailing NULs are padding */
	all = cat(all, &n, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	read_mem(all, n, NULL, &g);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.n, 4);
	CHECK_INT(g.members, 3);
	got_free(&g);

	/* a member after the padding is garbage */
	z = gz("f\n", 2, &zn);
	size_t garbage_at = n;
	all = cat(all, &n, z, zn);
	free(z);
	read_mem(all, n, NULL, &g);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.n, 4);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_INT(g.diag.offset, garbage_at);
	got_free(&g);
	free(all);
}

static void test_gzip_file_large(void)
{
	size_t n, zn;
	char *s = numbered(200000, &n);
	unsigned char *z = gz(s, n, &zn);
	got g;

	CHECK_INT(read_path(tmp_file("large.log.gz", z, zn), NULL, &g), SIP_OK);
	CHECK_INT(g.n, 200000);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.bytes_in, zn);
	CHECK_INT(g.bytes_out, n);
	if (g.n == 200000) {
		CHECK_STR(g.lines[0].text, "line 1 with some text");
		CHECK_STR(g.lines[199999].text, "line 200000 with some text");
		CHECK_INT(g.lines[199999].offset, n - strlen("line 200000 with some text\n"));
	}
	got_free(&g);
	free(z);
	free(s);
}

static void test_gzip_trailing_garbage(void)
{
	size_t zn, n;
	unsigned char *z = gz("x\ny\n", 4, &zn);
	got g;

	n = zn;
	z = cat(z, &n, "\0\0JUNK", 6);
	read_mem(z, n, NULL, &g);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.again, -1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_INT(g.diag.has_offset, 1);
	CHECK_INT(g.diag.offset, zn + 2);
	CHECK_STR(g.diag.file, "mem.log");
	CHECK_STR(g.diag.msg, "trailing garbage after gzip member");
	got_free(&g);
	free(z);
}

/* Lines read before a fault are a clean prefix of the original lines. */
static void check_prefix_n(const got *g, const char *orig, int allow_partial_last,
			   size_t upto)
{
	size_t off = 0, bad = 0;

	for (size_t i = 0; i < g->n && i < upto; i++) {
		const char *nl = strchr(orig + off, '\n');
		size_t len = nl ? (size_t)(nl - (orig + off)) : strlen(orig + off);
		int last = i + 1 == g->n;
		if (g->lines[i].offset != off)
			bad++;
		else if (last && allow_partial_last && g->lines[i].eol == SIP_EOL_NONE) {
			if (g->lines[i].n > len ||
			    memcmp(g->lines[i].text, orig + off, g->lines[i].n))
				bad++;
		} else if (g->lines[i].n != len || memcmp(g->lines[i].text, orig + off, len)) {
			bad++;
		}
		off += len + 1;
	}
	CHECK_INT(bad, 0);
}

static void check_prefix(const got *g, const char *orig, int allow_partial_last)
{
	check_prefix_n(g, orig, allow_partial_last, (size_t)-1);
}

static void test_gzip_truncated(void)
{
	size_t n, zn;
	char *s = numbered(20000, &n);
	unsigned char *z = gz(s, n, &zn);
	size_t cut = zn / 2;
	got g;

	CHECK_INT(read_path(tmp_file("cut.log.gz", z, cut), NULL, &g), SIP_OK);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.again, -1);
	CHECK(g.n > 1000 && g.n < 20000);
	check_prefix(&g, s, 1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_INT(g.diag.has_offset, 1);
	CHECK_INT(g.diag.offset, cut);
	CHECK_STR(g.diag.msg, "gzip stream truncated");
	CHECK(strstr(g.diag.file, "cut.log.gz") != NULL);
	got_free(&g);

	/* cut inside the trailer: every line is there, the error still is */
	read_mem(z, zn - 3, NULL, &g);
	CHECK_INT(g.n, 20000);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_INT(g.diag.offset, zn - 3);
	got_free(&g);
	free(z);
	free(s);
}

static void test_gzip_corrupt(void)
{
	size_t n, zn;
	char *s = numbered(20000, &n);
	unsigned char *z = gz(s, n, &zn);
	got g;
	char fmt[1200];

	/* the CRC of the trailer */
	z[zn - 8] ^= 0x55;
	read_mem(z, zn, NULL, &g);
	CHECK_INT(g.n, 20000);
	check_prefix(&g, s, 0);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_STR(g.diag.msg, "gzip CRC or length mismatch");
	CHECK(g.diag.has_offset && g.diag.offset >= zn - 8 && g.diag.offset <= zn);
	sip_diag_format(&g.diag, fmt, sizeof fmt);
	CHECK(strncmp(fmt, "mem.log: byte ", 14) == 0);
	got_free(&g);
	z[zn - 8] ^= 0x55;

	/* a block header turned into the reserved block type */
	z[10] = 0x07;
	read_mem(z, zn, NULL, &g);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK_STR(g.diag.msg, "gzip data corrupt (invalid block)");
	/* the block header is byte 10; igzip reads a word ahead */
	CHECK(g.diag.offset >= 10 && g.diag.offset <= 18);
	got_free(&g);
	free(z);

	/* damage in the middle of the data (what inflate made of the damaged
	   bytes before it noticed may be junk: check the first lines only) */
	z = gz(s, n, &zn);
	for (size_t i = zn / 2; i < zn / 2 + 64; i++)
		z[i] = (unsigned char)(i * 37);
	read_mem(z, zn, NULL, &g);
	CHECK_INT(g.rc, -1);
	CHECK_INT(g.diag.code, SIP_EGZIP);
	CHECK(strncmp(g.diag.msg, "gzip ", 5) == 0);
	CHECK(g.diag.offset >= zn / 2 && g.diag.offset <= zn);
	CHECK(g.n > 1000);
	check_prefix_n(&g, s, 1, 1000);
	got_free(&g);
	free(z);
	free(s);
}

/* Same lines whatever the wrapping: plain, gzip, UTF-8 BOM, UTF-16LE/BE. */
static void test_same_lines_every_encoding(void)
{
	size_t n, zn;
	char *s = numbered(3000, &n);
	unsigned char *u = malloc(2 * n + 4), *z;
	uint32_t *units = malloc(n * sizeof *units);
	got ref, g;

	if (!u || !units)
		abort();
	for (size_t i = 0; i < n; i++)
		units[i] = (unsigned char)s[i];
	read_mem(s, n, NULL, &ref);
	CHECK_INT(ref.n, 3000);
	for (int v = 0; v < 4; v++) {
		size_t un = v < 2 ? u16(u, v, units, n) : 0;
		if (v == 2) {
			memcpy(u, "\xEF\xBB\xBF", 3);
			memcpy(u + 3, s, n);
			un = n + 3;
		} else if (v == 3) {
			memcpy(u, s, n);
			un = n;
		}
		z = gz(u, un, &zn);
		read_mem(z, zn, NULL, &g);
		free(z);
		CHECK_INT(g.n, ref.n);
		for (size_t i = 0; i < g.n && i < ref.n; i++) {
			if (strcmp(g.lines[i].text, ref.lines[i].text) != 0) {
				CHECK_STR(g.lines[i].text, ref.lines[i].text);
				break;
			}
		}
		got_free(&g);
	}
	got_free(&ref);
	free(units);
	free(u);
	free(s);
}

/* ---- files, stdin, start_offset ------------------------------------------- */

static void test_start_offset(void)
{
	const char *s = "aa\nbb\ncc\n";
	const char *path = tmp_file("resume.log", s, strlen(s));
	sip_reader_opts o;
	got g;
	size_t zn;
	unsigned char *z;

	memset(&o, 0, sizeof o);
	o.start_offset = 3;
	o.start_line = 2;
	CHECK_INT(read_path(path, &o, &g), SIP_OK);
	CHECK_INT(g.n, 2);
	if (g.n == 2) {
		CHECK_STR(g.lines[0].text, "bb");
		CHECK_INT(g.lines[0].lineno, 2);
		CHECK_INT(g.lines[0].offset, 3);
		CHECK_STR(g.lines[1].text, "cc");
		CHECK_INT(g.lines[1].lineno, 3);
		CHECK_INT(g.lines[1].offset, 6);
	}
	CHECK_INT(g.bytes_out, 6);
	got_free(&g);

	/* past the end: nothing */
	o.start_offset = 100;
	CHECK_INT(read_path(path, &o, &g), SIP_OK);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.rc, 0);
	got_free(&g);

	/* gzip: ignored, the caller skips */
	z = gz(s, strlen(s), &zn);
	o.start_offset = 3;
	CHECK_INT(read_path(tmp_file("resume.log.gz", z, zn), &o, &g), SIP_OK);
	CHECK_INT(g.n, 3);
	if (g.n == 3) {
		CHECK_INT(g.lines[0].lineno, 1);
		CHECK_INT(g.lines[0].offset, 0);
	}
	got_free(&g);
	free(z);

	/* UTF-8 BOM file: the offset counts the BOM */
	path = tmp_file("resume-bom.log", "\xEF\xBB\xBF" "aa\nbb\n", 9);
	o.start_offset = 6;
	o.start_line = 2;
	CHECK_INT(read_path(path, &o, &g), SIP_OK);
	CHECK_INT(g.n, 1);
	if (g.n == 1) {
		CHECK_STR(g.lines[0].text, "bb");
		CHECK_INT(g.lines[0].offset, 6);
		CHECK_INT(g.lines[0].lineno, 2);
	}
	CHECK_INT(g.enc, SIP_ENC_UTF8_BOM);
	got_free(&g);
}

/* Read "-" with stdin redirected to fd. */
static int read_stdin_from(int fd, const sip_reader_opts *o, got *g)
{
	int saved = dup(STDIN_FILENO), rc;

	if (saved < 0 || dup2(fd, STDIN_FILENO) < 0)
		abort();
	close(fd);
	rc = read_path("-", o, g);
	if (dup2(saved, STDIN_FILENO) < 0)
		abort();
	close(saved);
	return rc;
}

static void test_stdin_and_pipe(void)
{
	const char *s = "one\ntwo\nthree\n";
	const char *path = tmp_file("stdin.log", s, strlen(s));
	sip_reader *r = NULL;
	sip_reader_opts o;
	sip_diag d;
	int fd, p[2];
	got g;

	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_INT(read_stdin_from(fd, NULL, &g), SIP_OK);
	CHECK_INT(g.n, 3);
	got_free(&g);

	CHECK_INT(sip_reader_open(&r, "-", NULL, &d), SIP_OK);
	CHECK_STR(sip_reader_name(r), "<stdin>");
	sip_reader_free(r);

	/* a pipe cannot seek: the reader reads up to start_offset instead */
	for (int k = 0; k < 2; k++) {
		/* the offset within the first read, or past it (a pipe made
		   big enough to hold more than the first read) */
		size_t big = 0;
		char *msg;
		if (pipe(p) != 0)
			abort();
		if (k == 1) {
			big = 20000;
			if (fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024) >= 1024 * 1024)
				big = 300000;
		}
		msg = malloc(big + 32);
		if (!msg)
			abort();
		memset(msg, 'z', big);
		memcpy(msg + big, "\none\ntwo\nthree\n", 15);
		if (write(p[1], msg, big + 15) != (ssize_t)(big + 15))
			abort();
		close(p[1]);
		memset(&o, 0, sizeof o);
		o.start_offset = big + 5;
		o.start_line = 3;
		CHECK_INT(read_stdin_from(p[0], &o, &g), SIP_OK);
		CHECK_INT(g.n, 2);
		if (g.n == 2) {
			CHECK_STR(g.lines[0].text, "two");
			CHECK_INT(g.lines[0].lineno, 3);
			CHECK_INT(g.lines[0].offset, big + 5);
			CHECK_STR(g.lines[1].text, "three");
		}
		got_free(&g);
		free(msg);
	}
}

static void test_open_errors(void)
{
	sip_reader *r = (sip_reader *)1;
	sip_diag d;
	char path[4200];
	got g;

	snprintf(path, sizeof path, "%s/no-such-file.log", tmpdir_path);
	CHECK_INT(sip_reader_open(&r, path, NULL, &d), SIP_EIO);
	CHECK(r == NULL);
	CHECK_INT(d.code, SIP_EIO);
	CHECK_STR(d.file, path);
	CHECK(strstr(d.msg, strerror(ENOENT)) != NULL);

	CHECK_INT(read_path(tmpdir_path, NULL, &g), SIP_EIO);
	CHECK_INT(g.diag.code, SIP_EIO);
	CHECK_STR(g.diag.file, tmpdir_path);
}

static void test_line_lifetime(void)
{
	/* a line stays valid while no other call is made, even at the end */
	const char *s = "alpha\nbeta";
	sip_reader *r = NULL;
	sip_line a;
	sip_diag d;

	CHECK_INT(sip_reader_open_mem(&r, s, strlen(s), "m", NULL, &d), SIP_OK);
	CHECK_INT(sip_reader_next(r, &a, &d), 1);
	CHECK_SLICE(a, "alpha");
	CHECK_INT(sip_reader_next(r, &a, &d), 1);
	CHECK_SLICE(a, "beta");
	CHECK_INT(sip_reader_next(r, &a, &d), 0);
	CHECK_INT(sip_reader_next(r, &a, &d), 0);
	sip_reader_free(r);
	sip_reader_free(NULL);
}

/* ---- the producer thread ------------------------------------------------- */

/* opts with the thread forced on (> 0) or off (< 0). */
static sip_reader_opts with_threads(const sip_reader_opts *o, int threads)
{
	sip_reader_opts t;

	if (o)
		t = *o;
	else
		memset(&t, 0, sizeof t);
	t.threads = threads;
	return t;
}

/* Everything a reader told about an input, the same on both paths. */
static int same_got(const got *a, const got *b)
{
	int ok = a->n == b->n && a->rc == b->rc && a->again == b->again &&
		 a->gzip == b->gzip && a->members == b->members && a->enc == b->enc &&
		 a->bytes_in == b->bytes_in && a->bytes_out == b->bytes_out &&
		 a->diag.code == b->diag.code && a->diag.has_offset == b->diag.has_offset &&
		 a->diag.offset == b->diag.offset && a->diag.line == b->diag.line &&
		 strcmp(a->diag.msg, b->diag.msg) == 0 &&
		 strcmp(a->diag.file, b->diag.file) == 0;

	for (size_t i = 0; ok && i < a->n; i++) {
		const got_line *x = &a->lines[i], *y = &b->lines[i];
		ok = x->n == y->n && memcmp(x->text, y->text, x->n) == 0 &&
		     x->lineno == y->lineno && x->offset == y->offset &&
		     x->eol == y->eol && x->truncated == y->truncated;
		if (!ok)
			fprintf(stderr, "    line %zu differs: offset %" PRIu64 "/%" PRIu64
				", n %zu/%zu\n", i, x->offset, y->offset, x->n, y->n);
	}
	if (!ok)
		fprintf(stderr, "    lines %zu/%zu rc %d/%d members %d/%d in %" PRIu64
			"/%" PRIu64 " out %" PRIu64 "/%" PRIu64 " diag \"%s\"@%" PRIu64
			" / \"%s\"@%" PRIu64 "\n", a->n, b->n, a->rc, b->rc, a->members,
			b->members, a->bytes_in, b->bytes_in, a->bytes_out, b->bytes_out,
			a->diag.msg, a->diag.offset, b->diag.msg, b->diag.offset);
	return ok;
}

/*
 * Read buf (from memory, or from a temp file when file is set) on one
 * thread into *ref and with the producer thread, and check both give the
 * same, warnings included.  want_thread: whether the thread must have run.
 */
static void both_paths(const void *buf, size_t n, const sip_reader_opts *o,
		       const char *file, int want_thread, got *ref)
{
	sip_reader_opts one, two;
	warns w1 = { 0 }, w2 = { 0 };
	got thr;

	one = with_threads(o, -1);
	two = with_threads(o, 1);
	one.warn = two.warn = on_warn;
	one.warn_ctx = &w1;
	two.warn_ctx = &w2;
	if (file) {
		const char *path = tmp_file(file, buf, n);
		CHECK_INT(read_path(path, &one, ref), SIP_OK);
		CHECK_INT(read_path(path, &two, &thr), SIP_OK);
	} else {
		read_mem(buf, n, &one, ref);
		read_mem(buf, n, &two, &thr);
	}
	CHECK_INT(ref->threaded, 0);
	CHECK_INT(thr.threaded, want_thread);
	CHECK(same_got(ref, &thr));
	CHECK_INT(w1.count, w2.count);
	if (w1.count && w2.count) {
		CHECK_INT(w1.last.line, w2.last.line);
		CHECK_STR(w1.last.msg, w2.last.msg);
	}
	got_free(&thr);
}

/* The gzip cases of this file, through both paths. */
static void test_threads_same_as_single(void)
{
	size_t n, zn, an = 0;
	char *s = numbered(20000, &n);
	unsigned char *z = gz(s, n, &zn), *all = NULL, *z2;
	const char *parts[] = { "a\nb", "c\nd\n", "e\n" };
	sip_reader_opts o;
	got g;

	/* whole, from memory and from a file */
	both_paths(z, zn, NULL, NULL, 1, &g);
	CHECK_INT(g.n, 20000);
	check_prefix(&g, s, 0);
	got_free(&g);
	both_paths(z, zn, NULL, "thr.log.gz", 1, &g);
	CHECK_INT(g.n, 20000);
	CHECK_INT(g.bytes_in, zn);
	CHECK_INT(g.bytes_out, n);
	got_free(&g);

	/* truncated anywhere: the same lines, then the same error */
	for (size_t cut = 2; cut < zn; cut += zn / 37 + 1) {
		both_paths(z, cut, NULL, NULL, cut >= 64, &g);
		CHECK_INT(g.rc, -1);
		CHECK_INT(g.diag.code, SIP_EGZIP);
		got_free(&g);
	}
	both_paths(z, zn - 3, NULL, "thr-cut.log.gz", 1, &g);
	CHECK_INT(g.n, 20000);
	CHECK_INT(g.diag.offset, zn - 3);
	CHECK_STR(g.diag.msg, "gzip stream truncated");
	got_free(&g);

	/* the CRC, a bad block type, damage at several places */
	z[zn - 8] ^= 0x55;
	both_paths(z, zn, NULL, NULL, 1, &g);
	CHECK_STR(g.diag.msg, "gzip CRC or length mismatch");
	got_free(&g);
	z[zn - 8] ^= 0x55;
	z2 = malloc(zn);
	if (!z2)
		abort();
	for (int k = 1; k < 8; k++) {
		size_t at = zn * (size_t)k / 8;
		memcpy(z2, z, zn);
		for (size_t i = at; i < at + 64 && i < zn; i++)
			z2[i] = (unsigned char)(i * 37);
		both_paths(z2, zn, NULL, NULL, 1, &g);
		if (g.rc != -1 || g.diag.code != SIP_EGZIP)
			fprintf(stderr, "k=%d rc=%d n=%zu\n", k, g.rc, g.n);
		CHECK_INT(g.rc, -1);
		CHECK_INT(g.diag.code, SIP_EGZIP);
		got_free(&g);
	}
	memcpy(z2, z, zn);
	z2[10] = 0x07;
	both_paths(z2, zn, NULL, NULL, 0, &g); /* fails before the thread */
	CHECK_STR(g.diag.msg, "gzip data corrupt (invalid block)");
	/* the block header is byte 10; igzip reads a word ahead */
	CHECK(g.diag.offset >= 10 && g.diag.offset <= 18);
	got_free(&g);
	free(z2);

	/* members, padding, garbage */
	for (int i = 0; i < 3; i++) {
		z2 = gz(parts[i], strlen(parts[i]), &zn);
		all = cat(all, &an, z2, zn);
		free(z2);
	}
	both_paths(all, an, NULL, NULL, 1, &g);
	CHECK_INT(g.members, 3);
	CHECK_INT(g.n, 4);
	got_free(&g);
	all = cat(all, &an, "\0\0\0\0\0\0", 6);
	both_paths(all, an, NULL, NULL, 1, &g);
	CHECK_INT(g.rc, 0);
	got_free(&g);
	all = cat(all, &an, "JUNK", 4);
	both_paths(all, an, NULL, NULL, 1, &g);
	CHECK_INT(g.rc, -1);
	CHECK_STR(g.diag.msg, "trailing garbage after gzip member");
	got_free(&g);
	free(all);

	/* a small cap, long lines across blocks, UTF-16 both ways */
	memset(&o, 0, sizeof o);
	o.max_line = 100;
	{
		size_t ln = 3 * SIP_READER_BLOCK + 12345, k = 0;
		char *lng = malloc(ln + 64);
		unsigned char *u;
		uint32_t *units;
		if (!lng)
			abort();
		k += (size_t)sprintf(lng, "first\n");
		memset(lng + k, 'y', SIP_READER_BLOCK + 7);
		k += SIP_READER_BLOCK + 7;
		lng[k++] = '\r';
		lng[k++] = '\n';
		while (k < ln - 40)
			k += (size_t)sprintf(lng + k, "%zu\n", k);
		memcpy(lng + k, "last\r\n", 6);
		k += 6;
		z2 = gz(lng, k, &zn);
		both_paths(z2, zn, &o, NULL, 1, &g);
		CHECK_INT(g.lines[1].truncated, 1);
		CHECK_INT(g.lines[1].eol, SIP_EOL_CRLF);
		got_free(&g);
		both_paths(z2, zn, NULL, NULL, 1, &g); /* default cap: kept whole */
		CHECK_INT(g.lines[1].truncated, 1);
		CHECK_INT(g.lines[2].offset, 6 + SIP_READER_BLOCK + 9);
		got_free(&g);
		free(z2);

		/* UTF-16: 2 bytes a unit, a few outside the BMP */
		u = malloc(4 * k + 8);
		units = malloc(2 * k * sizeof *units);
		if (!u || !units)
			abort();
		for (int be = 0; be < 2; be++) {
			size_t nu = 0, un;
			for (size_t i = 0; i < k; i++) {
				if (i % 1000 == 999) {
					units[nu++] = 0xD83D; /* U+1F600 */
					units[nu++] = 0xDE00;
				} else {
					units[nu++] = (unsigned char)lng[i];
				}
			}
			un = u16(u, be, units, nu);
			z2 = gz(u, un, &zn);
			both_paths(z2, zn, &o, NULL, 1, &g);
			CHECK_INT(g.enc, be ? SIP_ENC_UTF16BE : SIP_ENC_UTF16LE);
			got_free(&g);
			both_paths(z2, zn - 5, NULL, NULL, 1, &g);
			CHECK_INT(g.rc, -1);
			got_free(&g);
			free(z2);
		}
		free(units);
		free(u);
		free(lng);
	}
	free(z);
	free(s);
}

/* Thousands of members, lines running across them. */
static void test_threads_many_small_members(void)
{
	size_t n, an = 0, zn, off = 0;
	char *s = numbered(60000, &n);
	unsigned char *all = NULL;
	int members = 0;
	got g;

	while (off < n) {
		size_t len = 1 + (size_t)members * 7919 % 600; /* cuts lines anywhere */
		unsigned char *z;
		if (len > n - off)
			len = n - off;
		z = gz(s + off, len, &zn);
		all = cat(all, &an, z, zn);
		free(z);
		off += len;
		members++;
	}
	CHECK(members > 4000);
	both_paths(all, an, NULL, NULL, 1, &g);
	CHECK_INT(g.rc, 0);
	CHECK_INT(g.members, members);
	CHECK_INT(g.n, 60000);
	CHECK_INT(g.bytes_out, n);
	check_prefix(&g, s, 0);
	got_free(&g);
	free(all);
	free(s);
}

/*
 * A member ending exactly at a block boundary, and around it: blocks cover
 * the stream from byte 3 on (detection takes the first 3), so member 1 of
 * SIP_READER_BLOCK + 3 bytes ends with block 1.  Lines end at, before and
 * after the boundary, a CRLF is split by it.
 */
static void test_threads_member_at_block_boundary(void)
{
	size_t blk = SIP_READER_BLOCK, cap = blk + 64;
	char *m1 = malloc(cap);
	const char *m2 = "\nafter one\nafter two\n";

	if (!m1)
		abort();
	for (int d = -4; d <= 4; d++) {
		size_t len = blk + 3 + (size_t)(d + 4) - 4, an = 0, zn;
		unsigned char *all = NULL, *z;
		char *orig = malloc(len + strlen(m2) + 1);
		got g;

		if (!orig)
			abort();
		for (size_t i = 0; i < len; i++)
			m1[i] = (char)('a' + i % 26);
		for (size_t i = 99; i < len; i += 100)
			m1[i] = '\n';
		m1[len - 1] = (d & 1) ? '\n' : '\r'; /* CR: its LF is in member 2 */
		if (!(d & 1))
			m1[len - 2] = 'x';
		z = gz(m1, len, &zn);
		all = cat(all, &an, z, zn);
		free(z);
		z = gz(m2, strlen(m2), &zn);
		all = cat(all, &an, z, zn);
		free(z);
		memcpy(orig, m1, len);
		memcpy(orig + len, m2, strlen(m2) + 1);
		both_paths(all, an, NULL, NULL, 1, &g);
		CHECK_INT(g.rc, 0);
		CHECK_INT(g.members, 2);
		CHECK_INT(g.bytes_out, len + strlen(m2));
		if (!(d & 1)) {
			/* "...x\r" + "\n": one CRLF line across members and blocks */
			CHECK(g.n > 2 && g.lines[g.n - 3].eol == SIP_EOL_CRLF);
			orig[len - 1] = '\n'; /* check_prefix knows LF only */
			orig[len] = 'Z';
		}
		if (d & 1)
			check_prefix(&g, orig, 0);
		else
			CHECK_INT(g.lines[g.n - 1].offset, len + strlen(m2) - 10);
		got_free(&g);
		free(all);
		free(orig);
	}
	free(m1);
}

/* A consumer that stops anywhere and frees: the thread is stopped. */
static void test_threads_early_free(void)
{
	size_t n, zn;
	char *s = numbered(400000, &n); /* ~11 MB: more than the ring */
	unsigned char *z = gz(s, n, &zn);
	const char *path = tmp_file("early.log.gz", z, zn);
	sip_reader_opts o = with_threads(NULL, 1);

	for (int k = 0; k < 40; k++) {
		sip_reader *r = NULL;
		sip_line ln;
		sip_diag d;
		int want = k % 10 == 0 ? 0 : k * 997 % 30000;
		if (k & 1)
			CHECK_INT(sip_reader_open(&r, path, &o, &d), SIP_OK);
		else
			CHECK_INT(sip_reader_open_mem(&r, z, zn, "m", &o, &d), SIP_OK);
		if (!r)
			abort();
		for (int i = 0; i < want; i++)
			if (sip_reader_next(r, &ln, &d) != 1)
				break;
		if (k % 10 == 1) {
			/* let the producer fill the ring and wait */
			usleep(20000);
			CHECK(sip_reader_bytes_out(r) <= 5 * SIP_READER_BLOCK);
		}
		if (want)
			CHECK_INT(sip_reader_threaded(r), 1);
		sip_reader_free(r);
	}
	/* also at the very end, after the error or the end was seen */
	for (int k = 0; k < 2; k++) {
		sip_reader *r = NULL;
		sip_line ln;
		sip_diag d;
		CHECK_INT(sip_reader_open_mem(&r, z, k ? zn / 2 : zn, "m", &o, &d), SIP_OK);
		if (!r)
			abort();
		while (sip_reader_next(r, &ln, &d) == 1)
			;
		sip_reader_free(r);
	}
	remove(path);
	free(z);
	free(s);
}

/* Counters grow while reading and end where the single path ends. */
static void test_threads_counters(void)
{
	size_t n, zn;
	char *s = numbered(300000, &n);
	unsigned char *z = gz(s, n, &zn);
	sip_reader_opts o = with_threads(NULL, 1);
	sip_reader *r = NULL;
	sip_line ln;
	sip_diag d;
	uint64_t last_in = 0, last_out = 0, lines = 0;
	int bad = 0, rc;

	CHECK_INT(sip_reader_open_mem(&r, z, zn, "m", &o, &d), SIP_OK);
	if (!r)
		abort();
	while ((rc = sip_reader_next(r, &ln, &d)) == 1) {
		uint64_t in = sip_reader_bytes_in(r), out = sip_reader_bytes_out(r);
		/* monotonic, never behind what was handed out */
		if (in < last_in || out < last_out || out < ln.offset + ln.n || in > zn)
			bad++;
		last_in = in;
		last_out = out;
		lines++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(rc, 0);
	CHECK_INT(lines, 300000);
	CHECK_INT(sip_reader_threaded(r), 1);
	CHECK_INT(sip_reader_bytes_in(r), zn);
	CHECK_INT(sip_reader_bytes_out(r), n);
	CHECK_INT(sip_reader_gzip_members(r), 1);
	sip_reader_free(r);
	free(z);
	free(s);
}

/* Which inputs get the thread: the option, then the source. */
static void test_threads_policy(void)
{
	size_t n, zn;
	char *s = numbered(100000, &n);
	unsigned char *z = gz(s, n, &zn), *small;
	sip_reader_opts o;
	size_t sn;
	int fd, p[2];
	got g;

	CHECK(zn >= 128 * 1024);
	small = gz("a\nb\n", 4, &sn);
	read_mem(z, zn, NULL, &g); /* auto: gzip of some size */
	CHECK_INT(g.threaded, 1);
	got_free(&g);
	read_mem(small, sn, NULL, &g); /* auto: a small gzip is not worth it */
	CHECK_INT(g.threaded, 0);
	got_free(&g);
	read_mem(s, n, NULL, &g); /* auto: plain text stays on one thread */
	CHECK_INT(g.threaded, 0);
	got_free(&g);

	o = with_threads(NULL, -1); /* never */
	read_mem(z, zn, &o, &g);
	CHECK_INT(g.threaded, 0);
	got_free(&g);
	o = with_threads(NULL, 1); /* whenever it can */
	read_mem(small, sn, &o, &g);
	CHECK_INT(g.threaded, 1);
	CHECK_INT(g.n, 2);
	got_free(&g);
	o = with_threads(NULL, -1);
	read_mem(small, sn, &o, &g);
	CHECK_INT(g.threaded, 0);
	got_free(&g);

	/* plain files, forced, with and without start_offset */
	both_paths(s, n, NULL, "thr-plain.log", 1, &g);
	CHECK_INT(g.n, 100000);
	CHECK_INT(g.bytes_in, n);
	got_free(&g);
	memset(&o, 0, sizeof o);
	o.start_offset = 22 * 9 + 23 * 90 + 24 * 900 + 25 * 9000; /* line 10000 */
	o.start_line = 10000;
	both_paths(s, n, &o, "thr-plain.log", 1, &g);
	CHECK_INT(g.n, 90001);
	CHECK_INT(g.lines[0].offset, o.start_offset);
	CHECK_STR(g.lines[0].text, "line 10000 with some text");
	got_free(&g);

	/* a pipe never: the reader could not stop a blocked read */
	if (pipe(p) != 0)
		abort();
	if (write(p[1], small, sn) != (ssize_t)sn)
		abort();
	close(p[1]);
	CHECK_INT(read_stdin_from(p[0], NULL, &g), SIP_OK);
	CHECK_INT(g.threaded, 0);
	CHECK_INT(g.n, 2);
	got_free(&g);
	/* stdin redirected from a regular file may */
	fd = open(tmp_file("thr-stdin.log.gz", z, zn), O_RDONLY);
	CHECK(fd >= 0);
	CHECK_INT(read_stdin_from(fd, NULL, &g), SIP_OK);
	CHECK_INT(g.threaded, 1);
	CHECK_INT(g.n, 100000);
	got_free(&g);

	free(small);
	free(z);
	free(s);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_plain_lf),
		T(test_crlf_mixed),
		T(test_cr_line_ends),
		T(test_no_final_newline_and_empty),
		T(test_utf8_bom), T(test_cp1252),
		T(test_nul_inside_line),
		T(test_utf16le),
		T(test_utf16be),
		T(test_utf16_gzip_and_long),
		T(test_long_line_small_cap),
		T(test_long_line_across_refills),
		T(test_cap_at_buffer_edge),
		T(test_50mb_line),
		T(test_many_lines_exact),
		T(test_gzip_members),
		T(test_gzip_file_large),
		T(test_gzip_trailing_garbage),
		T(test_gzip_truncated),
		T(test_gzip_corrupt),
		T(test_same_lines_every_encoding),
		T(test_start_offset),
		T(test_stdin_and_pipe),
		T(test_open_errors),
		T(test_line_lifetime),
		T(test_threads_same_as_single),
		T(test_threads_many_small_members),
		T(test_threads_member_at_block_boundary),
		T(test_threads_early_free),
		T(test_threads_counters),
		T(test_threads_policy),
		{ 0 },
	};
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(tmpdir_path, sizeof tmpdir_path, "%s/sipscan-reader-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir_path)) {
		perror("mkdtemp");
		return 1;
	}
	rc = t_main(cases);
	{
		static const char *names[] = { "empty.log", "large.log.gz", "cut.log.gz",
					       "resume.log", "resume.log.gz",
					       "resume-bom.log", "stdin.log", "big.log",
					       "thr.log.gz", "thr-cut.log.gz", "early.log.gz",
					       "thr-plain.log", "thr-stdin.log.gz" };
		char p[4200];
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			snprintf(p, sizeof p, "%s/%s", tmpdir_path, names[i]);
			remove(p);
		}
		rmdir(tmpdir_path);
	}
	return rc;
}
