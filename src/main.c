/*
 * main.c -- the command table, global options and exit codes.
 *
 *   sipscan [--version] [--help] COMMAND [ARGS...]
 *
 * Everything a command does lives in src/cmd_<verb>.c; this file only finds
 * the verb and prints help from the table below (the man page documents the
 * same table).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const sip_cmd commands[] = {
	{ "parse", cmd_parse, "parse [--format jsonl] FILE...",
	  "print every record of trace files as JSON lines",
	  "  --format jsonl   one JSON object per record (the default and only format)\n"
	  "  FILE             a trace file, plain or gzip; '-' reads stdin\n" },
	{ NULL, NULL, NULL, NULL, NULL }
};

const sip_cmd *sip_cmd_find(const char *name)
{
	for (const sip_cmd *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void sip_cmd_usage(FILE *f, const sip_cmd *c)
{
	fprintf(f, "usage: sipscan %s\n\n%s.\n\n%s", c->usage, c->summary,
		c->help ? c->help : "");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sipscan [--version] [--help] COMMAND [ARGS...]\n\n"
		   "sipscan reads Lync / Skype for Business SIPStack traces, stores every\n"
		   "record in SQLite and names the cause and fix of each failure.\n\n"
		   "Commands:\n");
	for (const sip_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'sipscan help COMMAND' for a command's options.\n");
}

int main(int argc, char **argv)
{
	const sip_cmd *c;

	if (argc < 2) {
		usage(stderr);
		return SIP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sipscan %s\n", SIPSCAN_VERSION);
		return SIP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return SIP_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return SIP_EXIT_OK;
		}
		if (!(c = sip_cmd_find(argv[2]))) {
			fprintf(stderr, "sipscan: no such command '%s'\n", argv[2]);
			return SIP_EXIT_USAGE;
		}
		sip_cmd_usage(stdout, c);
		return SIP_EXIT_OK;
	}
	if (!(c = sip_cmd_find(argv[1]))) {
		fprintf(stderr, "sipscan: '%s' is not a command. See 'sipscan --help'.\n", argv[1]);
		return SIP_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sip_cmd_usage(stdout, c);
			return SIP_EXIT_OK;
		}
	}
	return c->fn(argc - 1, argv + 1);
}
