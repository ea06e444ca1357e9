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
	NULL
};

const sip_parser_ops *sip_parser_probe(const sip_line *lines, size_t n)
{
	const sip_parser_ops *best = NULL;
	int best_score = 0;

	for (size_t i = 0; sip_parsers[i]; i++) {
		int score = sip_parsers[i]->probe(lines, n);
		if (score > best_score) {
			best_score = score;
			best = sip_parsers[i];
		}
	}
	return best;
}

int sip_parser_probe_score(const sip_line *lines, size_t n)
{
	int best = 0;

	for (size_t i = 0; sip_parsers[i]; i++) {
		int score = sip_parsers[i]->probe(lines, n);
		if (score > best)
			best = score;
	}
	return best;
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
