/*
 * flow.c -- the ladder layout (see flow.h).
 *
 * Each row is drawn into a line of spaces, one byte per column (the drawing
 * is ASCII, so byte and column positions agree), lifelines put in, then the
 * arrow, then the label over the arrow; trailing blanks are cut.
 */
#include "flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define TIME_W 14     /* "HH:MM:SS.mmm" + 2 blanks */
#define LABEL_MAX 40

void sip_flow_init(sip_flow *f)
{
	memset(f, 0, sizeof *f);
}

void sip_flow_release(sip_flow *f)
{
	for (size_t i = 0; i < f->nendpoints; i++)
		free(f->endpoints[i]);
	for (size_t i = 0; i < f->nmsgs; i++) {
		free(f->msgs[i].ts);
		free(f->msgs[i].label);
		free(f->msgs[i].ms_diag_reason);
	}
	free(f->msgs);
	memset(f, 0, sizeof *f);
}

int sip_flow_endpoint(sip_flow *f, const char *name, size_t *index)
{
	for (size_t i = 0; i < f->nendpoints; i++)
		if (strcmp(f->endpoints[i], name) == 0) {
			*index = i;
			return SIP_OK;
		}
	if (f->nendpoints == SIP_FLOW_MAX_ENDPOINTS)
		return SIP_ECAP;
	if (!(f->endpoints[f->nendpoints] = strdup(name)))
		return SIP_ENOMEM;
	*index = f->nendpoints++;
	return SIP_OK;
}

int sip_flow_add(sip_flow *f, const char *ts, size_t from, size_t to,
		 const char *label, long long ms_diag_code, const char *reason)
{
	sip_flow_msg *m;

	if (from >= f->nendpoints || to >= f->nendpoints)
		return SIP_EINTERNAL;
	if (f->nmsgs == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 32;
		sip_flow_msg *nm;
		if (f->nmsgs >= SIP_FLOW_MAX_MSGS)
			return SIP_ECAP;
		if (!(nm = realloc(f->msgs, ncap * sizeof *nm)))
			return SIP_ENOMEM;
		f->msgs = nm;
		f->cap = ncap;
	}
	m = &f->msgs[f->nmsgs];
	memset(m, 0, sizeof *m);
	m->from = from;
	m->to = to;
	m->ms_diag_code = ms_diag_code;
	m->ts = strdup(ts ? ts : "");
	m->label = strdup(label ? label : "");
	m->ms_diag_reason = reason ? strdup(reason) : NULL;
	if (!m->ts || !m->label || (reason && !m->ms_diag_reason)) {
		free(m->ts);
		free(m->label);
		free(m->ms_diag_reason);
		return SIP_ENOMEM;
	}
	f->nmsgs++;
	return SIP_OK;
}

/* Display length of s once drawn: one column per byte (UTF-8 sequences
   count once, as the '?' they become). */
static size_t draw_len(const char *s)
{
	size_t n = 0;
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if ((*u & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Write s into line at col, at most max columns: bytes outside printable
 * ASCII become '?' (a UTF-8 sequence one '?'), and a longer s is cut to
 * max - 3 columns plus "...".  Returns the columns written.
 */
static size_t put_text(char *line, size_t col, const char *s, size_t max)
{
	size_t len = draw_len(s), keep = len, w = 0;
	const unsigned char *u = (const unsigned char *)s;

	if (!max)
		return 0;
	if (len > max)
		keep = max > 3 ? max - 3 : 0;
	for (; *u && w < keep; u++) {
		if ((*u & 0xc0) == 0x80)
			continue;
		line[col + w++] = (*u >= 0x20 && *u < 0x7f) ? (char)*u : '?';
	}
	if (len > max)
		for (size_t k = 0; k < 3 && w < max; k++)
			line[col + w++] = '.';
	return w;
}

static int emit(sip_buf *out, char *line, size_t n)
{
	while (n && line[n - 1] == ' ')
		n--;
	if (sip_buf_add(out, line, n) || sip_buf_addc(out, '\n'))
		return SIP_ENOMEM;
	return SIP_OK;
}

static void lifelines(char *line, size_t linew, const size_t *x, size_t n)
{
	memset(line, ' ', linew);
	for (size_t i = 0; i < n; i++)
		line[x[i]] = '|';
}

int sip_flow_render_text(const sip_flow *f, unsigned width, sip_buf *out)
{
	size_t n = f->nendpoints ? f->nendpoints : 1, s, maxlabel = 0, total, linew;
	size_t x[SIP_FLOW_MAX_ENDPOINTS];
	char *line = NULL;
	char date[11] = "";
	int rc = SIP_ENOMEM;

	if (width < 60)
		width = 60;
	if (width > 240)
		width = 240;
	for (size_t i = 0; i < f->nmsgs; i++) {
		size_t l = draw_len(f->msgs[i].label);
		if (l > maxlabel)
			maxlabel = l;
	}
	if (maxlabel > LABEL_MAX)
		maxlabel = LABEL_MAX;
	/* Spacing between lifelines: room for the widest label and name, then
	   narrowed to fit width. */
	s = maxlabel + 8;
	for (size_t i = 0; i < f->nendpoints; i++) {
		size_t l = draw_len(f->endpoints[i]) + 2;
		if (l > s)
			s = l < LABEL_MAX ? l : LABEL_MAX;
	}
	if (s < 18)
		s = 18;
	if (TIME_W + s * n > width)
		s = (width - TIME_W) / n;
	if (s < 8)
		s = 8;
	total = TIME_W + s * n;
	for (size_t i = 0; i < n; i++)
		x[i] = TIME_W + s / 2 + i * s;
	/* Lines are total wide; a self-message's label and an ms-diagnostics
	   line may run on past the last lifeline, up to width. */
	linew = total > width ? total : width;
	if (!(line = malloc(linew + 1)))
		goto out;

	/* Header: names centred over their lifelines, cut to s - 1. */
	memset(line, ' ', linew);
	memcpy(line, "Time", 4);
	for (size_t i = 0; i < f->nendpoints; i++) {
		size_t len = draw_len(f->endpoints[i]), max = s - 1;
		size_t w = len < max ? len : max;
		put_text(line, x[i] - w / 2, f->endpoints[i], max);
	}
	if (emit(out, line, total))
		goto out;

	for (size_t k = 0; k < f->nmsgs; k++) {
		const sip_flow_msg *m = &f->msgs[k];
		size_t a = x[m->from], b = x[m->to], l = a < b ? a : b, r = a < b ? b : a;

		if (strlen(m->ts) >= 10 && strncmp(m->ts, date, 10) != 0) {
			memcpy(date, m->ts, 10);
			lifelines(line, linew, x, f->nendpoints);
			memcpy(line, date, 10);
			if (emit(out, line, total))
				goto out;
		}
		lifelines(line, linew, x, f->nendpoints);
		put_text(line, 0, strlen(m->ts) > 11 ? m->ts + 11 : m->ts, TIME_W - 2);
		if (a == b) {
			/* A message from a host to itself: a loop right of it. */
			size_t room = linew > a + 2 ? linew - a - 2 : 0;
			size_t w = put_text(line, a + 1, "<>", room);
			put_text(line, a + 1 + w + 1, m->label, room > w + 1 ? room - w - 1 : 0);
		} else {
			size_t span = r - l - 1, room;
			memset(line + l + 1, '-', span);
			if (b > a)
				line[r - 1] = '>';
			else
				line[l + 1] = '<';
			/* label after "<--" or "--", leaving "-->" / "--" at the end */
			room = span > 6 ? span - 6 : 0;
			put_text(line, b > a ? l + 3 : l + 4, m->label, room);
		}
		if (emit(out, line, linew))
			goto out;
		if (m->ms_diag_code >= 0 || m->ms_diag_reason) {
			char diag[1024];
			size_t start = l + 3;
			if (m->ms_diag_code >= 0)
				snprintf(diag, sizeof diag, "ms-diag %lld%s%s", m->ms_diag_code,
					 m->ms_diag_reason ? ": " : "",
					 m->ms_diag_reason ? m->ms_diag_reason : "");
			else
				snprintf(diag, sizeof diag, "ms-diag: %s", m->ms_diag_reason);
			lifelines(line, linew, x, f->nendpoints);
			put_text(line, start, diag, linew > start ? linew - start : 0);
			if (emit(out, line, linew))
				goto out;
		}
	}
	rc = SIP_OK;
out:
	free(line);
	return rc;
}
