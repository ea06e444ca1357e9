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

#include <sqlite3.h>

#include "cmd.h"

static const sip_cmd commands[] = {
	{ "analyze", cmd_analyze,
	  "analyze [--db PATH] [--jobs N] [--topology FILE]... [--rules DIR]... [--trusted-domains LIST] [--name LABEL] [--quiet] PATH...",
	  "read trace files into the database and name the cause and fix of each failure",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --jobs N         threads to use, 1..64 (default: the cores): N - 1 parse\n"
	  "                   files and one writes the database; 1 does it all on\n"
	  "                   one thread\n"
	  "  --topology FILE  the deployment's pools and trusted servers: FQDNs one per\n"
	  "                   line, or Export-Csv of Get-CsTrustedApplicationPool,\n"
	  "                   Get-CsTrustedApplicationComputer or Get-CsPool; stored in\n"
	  "                   the database (repeatable; replaces the stored topology)\n"
	  "  --rules DIR      add the *.rules files of DIR to the built-in catalogue;\n"
	  "                   a rule with a built-in id replaces it (repeatable)\n"
	  "  --name LABEL     the name of standard input ('-') in the database:\n"
	  "                   stdin:LABEL; again with the same LABEL replaces it\n"
	  "                   (default: a new name on every run, never replacing)\n"
	  "  --trusted-domains LIST\n"
	  "                   the Trusted Domain List (TrustModelData) the clients\n"
	  "                   are configured with, comma-separated, for the trust\n"
	  "                   prompt of client logs; stored in the database ('' =\n"
	  "                   not known: Lync 2013 and later trust lync.com,\n"
	  "                   outlook.com, lync.glbdns.microsoft.com, microsoftonline.com)\n"
	  "  --quiet          print no summary\n"
	  "  PATH             a server trace, a client log (UccApi) or a file of\n"
	  "                   SIP messages, plain or gzip, a directory (walked\n"
	  "                   recursively, hidden entries skipped), or '-' for stdin;\n"
	  "                   unchanged files are not read again, grown ones only\n"
	  "                   from where the last run stopped\n" },
	{ "parse", cmd_parse, "parse [--format jsonl] FILE...",
	  "print every record of trace files as JSON lines",
	  "  --format jsonl   one JSON object per record (the default and only format)\n"
	  "  FILE             a server trace, client log or SIP messages, plain or\n"
	  "                   gzip; '-' reads stdin\n" },
	{ "query", cmd_query, "query [--db PATH] [--format table|csv|json|jsonl] [--csv-guard] SQL",
	  "run read-only SQL over the database and print the rows",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --format F       table (default on a terminal), csv (default otherwise,\n"
	  "                   RFC 4180, CRLF), json (array per statement) or jsonl\n"
	  "  --csv-guard      csv: put a ' before a text cell that starts with =, +,\n"
	  "                   -, @, a tab or a CR, so a spreadsheet shows it and does\n"
	  "                   not run it as a formula\n"
	  "  SQL              one or more ';'-separated statements; a statement that\n"
	  "                   writes is refused (exit 3); blobs print as hex\n" },
	{ "report", cmd_report, "report [--db PATH] [--format text|md|json|html] [--output FILE]",
	  "print the findings, unexplained signatures, summary and failing peers",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --format F       text (default), md, json or html (one self-contained file)\n"
	  "  --output FILE    write to FILE (atomically) instead of stdout\n" },
	{ "show", cmd_show, "show [--db PATH] [--raw] ID...",
	  "print records' original text exactly as in the log",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --raw            the original bytes on a terminal too (by default a\n"
	  "                   terminal gets control characters escaped; a file or\n"
	  "                   a pipe always gets the original bytes)\n"
	  "  ID               a records.id; each is preceded by a 'file:line' line;\n"
	  "                   an unknown id exits 6 after the others are printed\n" },
	{ "flow", cmd_flow, "flow [--db PATH] [--format text|json] [--width N] CALL-ID",
	  "draw the SIP ladder of one call across every file and host",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --format F       text (a ladder, default) or json\n"
	  "  --width N        text width, 60..240 (default 120)\n"
	  "  CALL-ID          the Call-ID; no message with it exits 6\n" },
	{ "export", cmd_export, "export [--db PATH] [--format jsonl|csv] [--csv-formulas] TABLE|VIEW",
	  "stream a table or view as JSON lines or CSV",
	  "  --db PATH        the database (default $SIPSCAN_DB, else ./sipscan.db)\n"
	  "  --format F       jsonl (default) or csv (RFC 4180, CRLF); csv puts a '\n"
	  "                   before a text cell that starts with =, +, -, @, a tab\n"
	  "                   or a CR, so a spreadsheet does not run it as a formula\n"
	  "  --csv-formulas   csv: write such cells as they are\n"
	  "  TABLE|VIEW       e.g. records, findings, errors; records (and views that\n"
	  "                   hold the record text) get a raw column with the original\n"
	  "                   text of the record; other blobs are printed as hex\n" },
	{ "rules", cmd_rules, "rules list|check|test [--rules DIR]... [DIR]",
	  "list, validate or test the failure rules",
	  "  list             id, severity and title of every rule (built-in + --rules)\n"
	  "  check [DIR]      syntax, unique ids, every regex compiles (exit 4 on error)\n"
	  "  test [DIR]       run every rule's examples through the parser (exit 4 on\n"
	  "                   a failure); without DIR the built-in catalogue\n"
	  "  --rules DIR      add DIR/*.rules; a rule there replaces a default by id\n" },
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

	/* Before SQLite starts: no memory statistics (they take a global
	   mutex on every allocation) and no locking of connections, which
	   sipscan never shares between threads.  15% fewer instructions per
	   inserted record. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
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
