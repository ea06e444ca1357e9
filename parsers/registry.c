/*
 * registry.c -- the list of known parsers and the probe that picks one.
 *
 * Adding a format: write parsers/<format>.c defining a sip_parser_ops,
 * declare it in parser.h and add one line to sip_parsers[] below.  Order
 * matters only on a tie: the first parser with the highest score wins.
 */
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
