/*
 * render.c -- the streaming result-set renderers (see render.h).
 *
 * Design note: every format writes row by row through one reused sip_buf,
 * so a result of any size runs in constant memory.  The table is the one
 * exception, bounded instead: it holds its first sample_rows rows (cells
 * already cut to max_cell columns, so at most rows * columns * max_cell * 4
 * bytes) to size the columns, then streams the rest with those widths,
 * cutting a later cell that is wider than its column.
 */
#include "render.h"
#include "dbopen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound of one rendered row (a blob or text cell is at most this). */
#define ROW_MAX ((size_t)256 << 20)

int sip_render_format_parse(const char *name, sip_render_format *f)
{
	static const struct { const char *name; sip_render_format f; } tab[] = {
		{ "table", SIP_RENDER_TABLE }, { "csv", SIP_RENDER_CSV },
		{ "json", SIP_RENDER_JSON }, { "jsonl", SIP_RENDER_JSONL },
		{ "tsv", SIP_RENDER_TSV }, { "markdown", SIP_RENDER_MARKDOWN },
		{ "line", SIP_RENDER_LINE }, { "box", SIP_RENDER_BOX },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(name, tab[i].name) == 0) {
			*f = tab[i].f;
			return 0;
		}
	return -1;
}

static int is_wide(unsigned long cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	       (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

static unsigned long decode_cp(const unsigned char *u, size_t len)
{
	switch (len) {
	case 1: return u[0];
	case 2: return ((unsigned long)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
	case 3: return ((unsigned long)(u[0] & 0x0f) << 12) |
		       ((unsigned long)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
	default: return ((unsigned long)(u[0] & 0x07) << 18) |
			((unsigned long)(u[1] & 0x3f) << 12) |
			((unsigned long)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
	}
}

size_t sip_render_width(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		size_t len = sip_utf8_seq(u + i, n - i);
		if (!len) {
			w++;
			i++;
			continue;
		}
		w += is_wide(decode_cp(u + i, len)) ? 2 : 1;
		i += len;
	}
	return w;
}

int sip_render_cell(sip_buf *out, const char *s, size_t n, size_t max,
		    size_t *width)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0, total = sip_render_width(s, n);
	size_t limit = total > max ? (max ? max - 1 : 0) : total;
	int rc = SIP_OK;

	while (!rc && i < n) {
		size_t len = sip_utf8_seq(u + i, n - i);
		size_t cw = 1;
		if (len && len > 1 && is_wide(decode_cp(u + i, len)))
			cw = 2;
		if (w + cw > limit)
			break;
		if (!len) {
			rc = sip_buf_add(out, "\xef\xbf\xbd", 3);
			len = 1;
		} else if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			rc = sip_buf_addc(out, ' ');
		} else {
			rc = sip_buf_add(out, s + i, len);
		}
		w += cw;
		i += len;
	}
	if (!rc && total > max && max) {
		rc = sip_buf_add(out, "\xe2\x80\xa6", 3); /* … */
		w++;
	}
	if (width)
		*width = w;
	return rc;
}

static int add_hex(sip_buf *b, const void *blob, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = blob;
	int rc = sip_buf_reserve(b, n * 2);

	for (size_t i = 0; !rc && i < n; i++) {
		b->p[b->n++] = hex[u[i] >> 4];
		b->p[b->n++] = hex[u[i] & 15];
	}
	if (!rc)
		b->p[b->n] = 0;
	return rc;
}

/*
 * The text of column i (for table, CSV and JSON strings) appended to b:
 * the value as SQLite writes it, a blob as opts->blob_text or hex.
 */
static int cell_text(sip_buf *b, sqlite3_stmt *st, int i, const sip_render_opts *o)
{
	int t = sqlite3_column_type(st, i);

	if (t == SQLITE_NULL)
		return SIP_OK;
	if (t == SQLITE_BLOB) {
		const void *p = sqlite3_column_blob(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		if (o->blob_text) {
			size_t mark = b->n;
			if (o->blob_text(o->blob_ctx, st, i, p, n, b) == SIP_OK)
				return SIP_OK;
			b->n = mark;
			if (b->p)
				b->p[mark] = 0;
		}
		return add_hex(b, p, n);
	}
	{
		const char *s = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		return s ? sip_buf_add(b, s, n) : SIP_ENOMEM;
	}
}

static int json_value(sip_buf *b, sip_buf *tmp, sqlite3_stmt *st, int i,
		      const sip_render_opts *o)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return sip_buf_adds(b, "null");
	case SQLITE_INTEGER:
		return sip_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT: {
		double v = sqlite3_column_double(st, i);
		if (!isfinite(v))
			return sip_buf_adds(b, "null");
		char tmp15[40];
		/* The shortest of %.15g / %.17g that reads back as v. */
		snprintf(tmp15, sizeof tmp15, "%.15g", v);
		if (strtod(tmp15, NULL) == v)
			return sip_buf_adds(b, tmp15);
		return sip_buf_printf(b, "%.17g", v);
	}
	default: {
		int rc;
		const char *name;
		if (o->json_col && sqlite3_column_type(st, i) == SQLITE_TEXT &&
		    (name = sqlite3_column_name(st, i)) && !strcmp(name, o->json_col))
			return sip_buf_add(b, sqlite3_column_text(st, i),
					   (size_t)sqlite3_column_bytes(st, i));
		sip_buf_reset(tmp);
		if ((rc = cell_text(tmp, st, i, o)))
			return rc;
		return sip_buf_json_str(b, tmp->p ? tmp->p : "", tmp->n);
	}
	}
}

static int flush_buf(FILE *out, sip_buf *b)
{
	if (b->n && fwrite(b->p, 1, b->n, out) != b->n)
		return SIP_EIO;
	sip_buf_reset(b);
	return SIP_OK;
}

static int step_error(sqlite3_stmt *st, sip_diag *diag)
{
	sqlite3 *db = sqlite3_db_handle(st);
	return sip_diag_set(diag, sip_db_code(db), "", 0, "%s", sqlite3_errmsg(db));
}

/* ---- CSV and JSON -------------------------------------------------------- */

/* The end of a streamed rendering: what went wrong said in diag, the
   rows counted.  Returns rc. */
static int flat_end(int rc, sip_diag *diag, uint64_t *rows, uint64_t n)
{
	if (rc == SIP_ENOMEM)
		sip_diag_set(diag, rc, "", 0, "a row is too large to render");
	else if (rc == SIP_EIO)
		sip_diag_set(diag, rc, "", 0, "error writing the output");
	if (rows)
		*rows = n;
	return rc;
}

/* A tsv field: \t \n \r and \\ escaped; a markdown cell: | escaped, line
   ends as blanks; a line-mode value: as it is. */
static int text_field(sip_buf *b, const char *s, size_t n, sip_render_format f)
{
	int rc = SIP_OK;

	for (size_t i = 0; !rc && i < n; i++) {
		char c = s[i];
		if (f == SIP_RENDER_TSV && (c == '\t' || c == '\n' || c == '\r' || c == '\\'))
			rc = sip_buf_addc(b, '\\') || sip_buf_addc(b, c == '\t' ? 't' : c == '\n'
				? 'n' : c == '\r' ? 'r' : '\\') ? SIP_ENOMEM : SIP_OK;
		else if (f == SIP_RENDER_MARKDOWN && c == '|')
			rc = sip_buf_add(b, "\\|", 2) ? SIP_ENOMEM : SIP_OK;
		else if (f == SIP_RENDER_MARKDOWN && (c == '\n' || c == '\r'))
			rc = sip_buf_addc(b, ' ') ? SIP_ENOMEM : SIP_OK;
		else
			rc = sip_buf_addc(b, c) ? SIP_ENOMEM : SIP_OK;
	}
	return rc;
}

/* tsv, markdown, line: streamed like csv. */
static int render_text(sqlite3_stmt *st, const sip_render_opts *o, FILE *out,
		       uint64_t *rows, sip_diag *diag)
{
	int ncol = sqlite3_column_count(st), rc = SIP_OK, src;
	sip_render_format f = o->format;
	const char *sep = f == SIP_RENDER_TSV ? "\t" : " | ";
	sip_buf line, tmp;
	size_t namew = 0;
	uint64_t n = 0;

	sip_buf_init(&line, ROW_MAX);
	sip_buf_init(&tmp, ROW_MAX);
	for (int i = 0; i < ncol; i++) {
		const char *name = sqlite3_column_name(st, i);
		size_t w = name ? sip_render_width(name, strlen(name)) : 0;
		if (w > namew)
			namew = w;
	}
	if (f != SIP_RENDER_LINE && !o->no_header) {
		if (f == SIP_RENDER_MARKDOWN)
			rc = sip_buf_adds(&line, "| ") ? SIP_ENOMEM : SIP_OK;
		for (int i = 0; !rc && i < ncol; i++) {
			const char *name = sqlite3_column_name(st, i);
			if (i)
				rc = sip_buf_adds(&line, sep) ? SIP_ENOMEM : SIP_OK;
			if (!rc)
				rc = text_field(&line, name ? name : "", name ? strlen(name) : 0, f);
		}
		if (!rc && f == SIP_RENDER_MARKDOWN) {
			rc = sip_buf_adds(&line, " |\n|") ? SIP_ENOMEM : SIP_OK;
			for (int i = 0; !rc && i < ncol; i++)
				rc = sip_buf_adds(&line, "---|") ? SIP_ENOMEM : SIP_OK;
		}
		if (!rc)
			rc = sip_buf_addc(&line, '\n') ? SIP_ENOMEM : SIP_OK;
		if (!rc)
			rc = flush_buf(out, &line);
	}
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (f == SIP_RENDER_LINE && n)
			rc = sip_buf_addc(&line, '\n') ? SIP_ENOMEM : SIP_OK;
		if (!rc && f == SIP_RENDER_MARKDOWN)
			rc = sip_buf_adds(&line, "| ") ? SIP_ENOMEM : SIP_OK;
		for (int i = 0; !rc && i < ncol; i++) {
			sip_buf_reset(&tmp);
			rc = cell_text(&tmp, st, i, o);
			if (!rc && f == SIP_RENDER_LINE) {
				const char *name = sqlite3_column_name(st, i);
				size_t w = name ? sip_render_width(name, strlen(name)) : 0;
				for (size_t k = w; !rc && k < namew; k++)
					rc = sip_buf_addc(&line, ' ') ? SIP_ENOMEM : SIP_OK;
				if (!rc && (sip_buf_adds(&line, name ? name : "") ||
					    sip_buf_adds(&line, " = ")))
					rc = SIP_ENOMEM;
			} else if (!rc && i) {
				rc = sip_buf_adds(&line, sep) ? SIP_ENOMEM : SIP_OK;
			}
			if (!rc)
				rc = text_field(&line, tmp.p ? tmp.p : "", tmp.n, f);
			if (!rc && f == SIP_RENDER_LINE)
				rc = sip_buf_addc(&line, '\n') ? SIP_ENOMEM : SIP_OK;
		}
		if (!rc && f == SIP_RENDER_MARKDOWN)
			rc = sip_buf_adds(&line, " |") ? SIP_ENOMEM : SIP_OK;
		if (!rc && f != SIP_RENDER_LINE)
			rc = sip_buf_addc(&line, '\n') ? SIP_ENOMEM : SIP_OK;
		if (!rc)
			rc = flush_buf(out, &line);
		n++;
	}
	if (!rc && src != SQLITE_DONE)
		rc = step_error(st, diag);
	sip_buf_release(&line);
	sip_buf_release(&tmp);
	return flat_end(rc, diag, rows, n);
}

static int render_flat(sqlite3_stmt *st, const sip_render_opts *o, FILE *out,
		       uint64_t *rows, sip_diag *diag)
{
	int ncol = sqlite3_column_count(st), rc = SIP_OK, src;
	sip_buf line, tmp;
	uint64_t n = 0;

	sip_buf_init(&line, ROW_MAX);
	sip_buf_init(&tmp, ROW_MAX);
	if (o->format == SIP_RENDER_CSV && !o->no_header) {
		for (int i = 0; !rc && i < ncol; i++) {
			const char *name = sqlite3_column_name(st, i);
			if (i)
				rc = sip_buf_addc(&line, ',');
			if (!rc)
				rc = sip_buf_csv_field(&line, name ? name : "", name ? strlen(name) : 0);
		}
		if (!rc)
			rc = sip_buf_add(&line, "\r\n", 2);
	} else if (o->format == SIP_RENDER_JSON) {
		rc = sip_buf_addc(&line, '[');
	}
	if (!rc)
		rc = flush_buf(out, &line);
	while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
		if (o->format == SIP_RENDER_CSV) {
			for (int i = 0; !rc && i < ncol; i++) {
				if (i)
					rc = sip_buf_addc(&line, ',');
				sip_buf_reset(&tmp);
				if (!rc && o->csv_guard && sqlite3_column_type(st, i) == SQLITE_TEXT) {
					const unsigned char *c = sqlite3_column_text(st, i);
					if (c && (*c == '=' || *c == '+' || *c == '-' || *c == '@' ||
						  *c == '\t' || *c == '\r'))
						rc = sip_buf_addc(&tmp, '\'');
				}
				if (!rc)
					rc = cell_text(&tmp, st, i, o);
				if (!rc && o->csv_empty_quoted && !tmp.n &&
				    sqlite3_column_type(st, i) != SQLITE_NULL)
					rc = sip_buf_add(&line, "\"\"", 2);
				else if (!rc)
					rc = sip_buf_csv_field(&line, tmp.p ? tmp.p : "", tmp.n);
			}
			if (!rc)
				rc = sip_buf_add(&line, "\r\n", 2);
		} else {
			if (o->format == SIP_RENDER_JSON)
				rc = sip_buf_adds(&line, n ? ",\n" : "\n");
			if (!rc)
				rc = sip_buf_addc(&line, '{');
			for (int i = 0, any = 0; !rc && i < ncol; i++) {
				const char *name = sqlite3_column_name(st, i);
				if (o->json_omit_null && sqlite3_column_type(st, i) == SQLITE_NULL)
					continue;
				if (any++)
					rc = sip_buf_addc(&line, ',');
				if (!rc)
					rc = sip_buf_json_str(&line, name ? name : "",
							      name ? strlen(name) : 0);
				if (!rc)
					rc = sip_buf_addc(&line, ':');
				if (!rc)
					rc = json_value(&line, &tmp, st, i, o);
			}
			if (!rc)
				rc = sip_buf_addc(&line, '}');
			if (!rc && o->format == SIP_RENDER_JSONL)
				rc = sip_buf_addc(&line, '\n');
		}
		if (!rc)
			rc = flush_buf(out, &line);
		n++;
	}
	if (!rc && src != SQLITE_DONE)
		rc = step_error(st, diag);
	if (o->format == SIP_RENDER_JSON && rc != SIP_EIO && rc != SIP_ENOMEM) {
		sip_buf_reset(&line);
		int wrc = sip_buf_adds(&line, n ? "\n]\n" : "]\n");
		if (!wrc)
			wrc = flush_buf(out, &line);
		if (!rc)
			rc = wrc;
	}
	sip_buf_release(&line);
	sip_buf_release(&tmp);
	return flat_end(rc, diag, rows, n);
}

/* ---- table ------------------------------------------------------------- */

typedef struct cell {
	size_t off, n, w;
	int num;
} cell;

typedef struct table {
	int ncol;
	int box;            /* --format box: borders of box-drawing lines */
	size_t max;
	sip_buf text;       /* all sampled cells, back to back */
	cell *cells;        /* nrows * ncol */
	size_t nrows, cap;
	size_t *width;      /* ncol */
	int *num;           /* ncol: column right-aligned (numbers seen) */
} table;

static int table_add_row(table *t, sqlite3_stmt *st, const sip_render_opts *o,
			 sip_buf *tmp)
{
	int rc = SIP_OK;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		cell *nc = realloc(t->cells, ncap * (size_t)t->ncol * sizeof *nc);
		if (!nc)
			return SIP_ENOMEM;
		t->cells = nc;
		t->cap = ncap;
	}
	for (int i = 0; !rc && i < t->ncol; i++) {
		cell *c = &t->cells[t->nrows * (size_t)t->ncol + (size_t)i];
		int type = sqlite3_column_type(st, i);
		sip_buf_reset(tmp);
		rc = cell_text(tmp, st, i, o);
		c->off = t->text.n;
		if (!rc)
			rc = sip_render_cell(&t->text, tmp->p ? tmp->p : "", tmp->n,
					     t->max, &c->w);
		c->n = t->text.n - c->off;
		c->num = type == SQLITE_INTEGER || type == SQLITE_FLOAT;
		if (c->num)
			t->num[i] = 1;
		if (c->w > t->width[i])
			t->width[i] = c->w;
	}
	if (!rc)
		t->nrows++;
	return rc;
}

static int pad(sip_buf *b, size_t n)
{
	int rc = SIP_OK;
	while (!rc && n--)
		rc = sip_buf_addc(b, ' ');
	return rc;
}

/* One row of cells (text[k] of width w[k]) padded to the column widths. */
static int table_line(const table *t, sip_buf *b, const char *const *text,
		      const size_t *len, const size_t *w, const int *num)
{
	int rc = SIP_OK;

	if (t->box)
		rc = sip_buf_adds(b, "\u2502 ") ? SIP_ENOMEM : SIP_OK;
	for (int i = 0; !rc && i < t->ncol; i++) {
		size_t gap = t->width[i] > w[i] ? t->width[i] - w[i] : 0;
		int last = i == t->ncol - 1;
		if (i)
			rc = t->box ? (sip_buf_adds(b, " \u2502 ") ? SIP_ENOMEM : SIP_OK)
				    : sip_buf_add(b, "  ", 2);
		if (!rc && num[i])
			rc = pad(b, gap);
		if (!rc)
			rc = sip_buf_add(b, text[i], len[i]);
		if (!rc && !num[i] && (!last || t->box))
			rc = pad(b, gap);
	}
	if (!rc && t->box)
		rc = sip_buf_adds(b, " \u2502") ? SIP_ENOMEM : SIP_OK;
	/* no trailing blanks */
	while (!t->box && b->n && b->p[b->n - 1] == ' ')
		b->n--;
	if (!rc)
		rc = sip_buf_addc(b, '\n');
	return rc;
}

/* A box border: left, the lines of the columns joined by mid, right. */
static int box_rule(const table *t, sip_buf *b, const char *left, const char *mid,
		    const char *right)
{
	int rc = sip_buf_adds(b, left);
	for (int i = 0; !rc && i < t->ncol; i++) {
		if (i)
			rc = sip_buf_adds(b, mid);
		for (size_t k = 0; !rc && k < t->width[i] + 2; k++)
			rc = sip_buf_adds(b, "\u2500");
	}
	if (!rc)
		rc = sip_buf_adds(b, right);
	if (!rc)
		rc = sip_buf_addc(b, '\n');
	return rc ? SIP_ENOMEM : SIP_OK;
}

static int render_table(sqlite3_stmt *st, const sip_render_opts *o, FILE *out,
			uint64_t *rows, sip_diag *diag)
{
	size_t sample = o->sample_rows ? o->sample_rows : 1000;
	table t;
	sip_buf line, tmp, hdr;
	const char **text = NULL;
	size_t *len = NULL, *w = NULL;
	int *num = NULL, *zero = NULL;
	int rc = SIP_OK, src = SQLITE_DONE, done = 0;
	uint64_t n = 0;

	memset(&t, 0, sizeof t);
	t.ncol = sqlite3_column_count(st);
	t.box = o->format == SIP_RENDER_BOX;
	t.max = o->max_cell ? o->max_cell : 40;
	if (o->max_cell == (size_t)-1)
		t.max = (size_t)1 << 20;   /* --max-width 0: never cut */
	sip_buf_init(&t.text, 0);
	sip_buf_init(&line, ROW_MAX);
	sip_buf_init(&tmp, ROW_MAX);
	sip_buf_init(&hdr, 0);
	t.width = calloc((size_t)t.ncol, sizeof *t.width);
	t.num = calloc((size_t)t.ncol, sizeof *t.num);
	text = calloc((size_t)t.ncol, sizeof *text);
	len = calloc((size_t)t.ncol, sizeof *len);
	w = calloc((size_t)t.ncol, sizeof *w);
	num = calloc((size_t)t.ncol, sizeof *num);
	zero = calloc((size_t)t.ncol, sizeof *zero);
	if (!t.width || !t.num || !text || !len || !w || !num || !zero) {
		rc = SIP_ENOMEM;
		goto out;
	}
	/* Header cells: their widths count too. */
	{
		size_t *off = len; /* reuse len for offsets first */
		for (int i = 0; !rc && i < t.ncol; i++) {
			const char *name = sqlite3_column_name(st, i);
			off[i] = hdr.n;
			rc = sip_render_cell(&hdr, name ? name : "", name ? strlen(name) : 0,
					     t.max, &w[i]);
			t.width[i] = w[i];
		}
		for (int i = 0; !rc && i < t.ncol; i++) {
			size_t end = i + 1 < t.ncol ? off[i + 1] : hdr.n;
			text[i] = hdr.p ? hdr.p + off[i] : "";
			len[i] = end - off[i];
		}
	}
	while (!rc && n < sample) {
		src = sqlite3_step(st);
		if (src != SQLITE_ROW) {
			done = 1;
			break;
		}
		rc = table_add_row(&t, st, o, &tmp);
		n++;
	}
	if (rc)
		goto out;
	/* Header (numeric columns right-aligned), dashes, sampled rows. */
	if (t.box)
		rc = box_rule(&t, &line, "\u250c", "\u252c", "\u2510");
	if (t.box && !rc && !o->no_header) {
		rc = table_line(&t, &line, text, len, w, t.num);
		if (!rc)
			rc = box_rule(&t, &line, "\u251c", "\u253c", "\u2524");
		if (!rc)
			rc = flush_buf(out, &line);
	} else if (!o->no_header) {
		rc = table_line(&t, &line, text, len, w, t.num);
		for (int i = 0; !rc && i < t.ncol; i++) {
			if (i)
				rc = sip_buf_add(&line, "  ", 2);
			for (size_t k = 0; !rc && k < t.width[i]; k++)
				rc = sip_buf_addc(&line, '-');
		}
		if (!rc)
			rc = sip_buf_addc(&line, '\n');
		if (!rc)
			rc = flush_buf(out, &line);
	}
	for (size_t r = 0; !rc && r < t.nrows; r++) {
		for (int i = 0; i < t.ncol; i++) {
			const cell *c = &t.cells[r * (size_t)t.ncol + (size_t)i];
			text[i] = t.text.p ? t.text.p + c->off : "";
			len[i] = c->n;
			w[i] = c->w;
			num[i] = c->num;
		}
		rc = table_line(&t, &line, text, len, w, num);
		if (!rc)
			rc = flush_buf(out, &line);
	}
	sip_buf_release(&t.text);
	free(t.cells);
	t.cells = NULL;
	/* The rest streams with the widths fixed: cells cut to their column. */
	while (!rc && !done && (src = sqlite3_step(st)) == SQLITE_ROW) {
		sip_buf cells;
		size_t *off = len;
		sip_buf_init(&cells, ROW_MAX);
		for (int i = 0; !rc && i < t.ncol; i++) {
			sip_buf_reset(&tmp);
			rc = cell_text(&tmp, st, i, o);
			off[i] = cells.n;
			if (!rc)
				rc = sip_render_cell(&cells, tmp.p ? tmp.p : "", tmp.n,
						     t.width[i] ? t.width[i] : 1, &w[i]);
			num[i] = sqlite3_column_type(st, i) == SQLITE_INTEGER ||
				 sqlite3_column_type(st, i) == SQLITE_FLOAT;
		}
		for (int i = 0; !rc && i < t.ncol; i++) {
			size_t end = i + 1 < t.ncol ? off[i + 1] : cells.n;
			text[i] = cells.p ? cells.p + off[i] : "";
			len[i] = end - off[i];
		}
		if (!rc)
			rc = table_line(&t, &line, text, len, w, num);
		if (!rc)
			rc = flush_buf(out, &line);
		sip_buf_release(&cells);
		n++;
	}
	if (!rc && src != SQLITE_DONE)
		rc = step_error(st, diag);
	if (!rc && t.box && !(rc = box_rule(&t, &line, "\u2514", "\u2534", "\u2518")))
		rc = flush_buf(out, &line);
out:
	if (rc == SIP_ENOMEM)
		sip_diag_set(diag, rc, "", 0, "out of memory rendering the table");
	else if (rc == SIP_EIO)
		sip_diag_set(diag, rc, "", 0, "error writing the output");
	if (rows)
		*rows = n;
	sip_buf_release(&t.text);
	sip_buf_release(&line);
	sip_buf_release(&tmp);
	sip_buf_release(&hdr);
	free(t.cells);
	free(t.width);
	free(t.num);
	free(text);
	free(len);
	free(w);
	free(num);
	free(zero);
	return rc;
}

int sip_render_stmt(sqlite3_stmt *st, const sip_render_opts *o, FILE *out,
		    uint64_t *rows, sip_diag *diag)
{
	if (rows)
		*rows = 0;
	if (sqlite3_column_count(st) == 0) {
		int src;
		while ((src = sqlite3_step(st)) == SQLITE_ROW)
			;
		return src == SQLITE_DONE ? SIP_OK : step_error(st, diag);
	}
	if (o->format == SIP_RENDER_TABLE || o->format == SIP_RENDER_BOX)
		return render_table(st, o, out, rows, diag);
	if (o->format == SIP_RENDER_TSV || o->format == SIP_RENDER_MARKDOWN ||
	    o->format == SIP_RENDER_LINE)
		return render_text(st, o, out, rows, diag);
	return render_flat(st, o, out, rows, diag);
}
