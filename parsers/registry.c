/*
 * registry.c -- the list of known parsers and the probe that picks one.
 *
 * Adding a format: write parsers/<format>.c defining a sip_parser_ops,
 * declare it in parser.h and add one line to sip_parsers[] below.  Order
 * matters only on a tie: the first parser with the highest score wins.
 * Also the two helpers every parser uses: warnings and line copies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parser.h"

const sip_parser_ops *const sip_parsers[] = {
	&sip_sipstack_parser,
	&sip_uccapi_parser,
	&sip_sipmsg_parser,
	&sip_winevent_parser,
	NULL
};

/* The parser scoring highest on lines (the first on a tie), its score in
   *score; NULL and 0 when none scores above 0. */
static const sip_parser_ops *best_parser(const sip_line *lines, size_t n, int *score)
{
	const sip_parser_ops *best = NULL;

	*score = 0;
	for (size_t i = 0; sip_parsers[i]; i++) {
		int s = sip_parsers[i]->probe(lines, n);
		if (s > *score) {
			*score = s;
			best = sip_parsers[i];
		}
	}
	return best;
}

const sip_parser_ops *sip_parser_probe(const sip_line *lines, size_t n)
{
	int score;

	return best_parser(lines, n, &score);
}

int sip_parser_probe_score(const sip_line *lines, size_t n)
{
	int score;

	best_parser(lines, n, &score);
	return score;
}

void sip_parser_warn(sip_warn_fn warn, void *warn_ctx, const char *name,
		     int code, uint64_t line, const char *fmt, ...)
{
	sip_diag d;
	va_list ap;

	if (!warn)
		return;
	sip_diag_clear(&d);
	d.code = code;
	snprintf(d.file, sizeof d.file, "%s", name ? name : "");
	d.line = line;
	va_start(ap, fmt);
	vsnprintf(d.msg, sizeof d.msg, fmt, ap);
	va_end(ap);
	warn(warn_ctx, &d);
}
