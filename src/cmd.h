/*
 * cmd.h -- the command table and what the cmd_*.c files share.
 *
 * Each subcommand is one file src/cmd_<verb>.c with one entry point
 *     int cmd_<verb>(int argc, char **argv);
 * argv[0] is the verb itself; options are parsed with getopt_long.  The
 * return value is the process exit code (enum sip_exit in err.h).  The
 * table in main.c gives each verb its usage line and summary, from which
 * `sipscan --help` and `sipscan help VERB` are printed.
 */
#ifndef SIP_CMD_H
#define SIP_CMD_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "err.h"

/* One option of a command (the tables are in main.c). */
typedef struct sip_opt {
	const char *name;     /* long name, without "--" */
	int id;               /* what getopt_long returns */
	int has_arg;          /* takes a value */
	int is_short;         /* also accepted as -<id> */
	const char *complete; /* its value: "file", "dir", words, or NULL */
	const char *help;     /* its lines of the help, as printed */
} sip_opt;

#define SIP_MAX_OPTS 32

typedef struct sip_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;   /* "analyze [--db PATH] ... PATH..." */
	const char *summary; /* one line */
	const sip_opt *opts; /* ends with a NULL name */
	const char *help_pre;  /* help lines before the options (subcommands) */
	const char *help_post; /* after them (the arguments) */
	const char *complete_args; /* the arguments: "file", words, or NULL */
	int needs_db;        /* reads or writes the database: takes --db
	                        (sip_cmd_opt adds it before opts) */
} sip_cmd;

int cmd_parse(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_flow(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_render(int argc, char **argv);

/* Option i of c (--db first when c needs the database), or NULL past the
   last. */
const sip_opt *sip_cmd_opt(const sip_cmd *c, size_t i);

/* The table entry for a verb, or NULL; the i-th entry, or NULL. */
const sip_cmd *sip_cmd_find(const char *name);
const sip_cmd *sip_cmd_at(size_t i);

/* getopt_long's tables for c's options: longopts (room for
   SIP_MAX_OPTS + 1) and optstring (room for 2 * SIP_MAX_OPTS + 2;
   ':' first, so a missing value is reported as such); getopt is reset
   for the command's arguments (optind 1, opterr 0). */
void sip_cmd_getopt(const sip_cmd *c, struct option *longopts, char *optstring);

/* `sipscan completion bash|zsh|options`: the scripts (or the list of
   every option) from the command table. */
int cmd_completion(int argc, char **argv);

/* Print "usage: sipscan <usage>" and the help of cmd to f. */
void sip_cmd_usage(FILE *f, const sip_cmd *cmd);

/*
 * Report a usage error for verb: "sipscan VERB: msg" and a hint to run
 * `sipscan help VERB`, on stderr.  Returns SIP_EXIT_USAGE.
 */
/* The message of a bad option as getopt_long (optstring starting with ':',
   opterr = 0) returned it: c ':' a missing value, else an unknown option.
   Returns SIP_EXIT_USAGE. */
/* A findings filter option (--severity v, --rule R, --host H, --since s,
   --until u) into f: SIP_EXIT_OK, a usage error's exit status, or -1 when
   c is none of them. */
struct sip_filter;
int sip_filter_option(struct sip_filter *f, int c, const char *arg, const char *verb);
/* The width to write f for: $COLUMNS, else the terminal's, else 80
   (40..500). */
int sip_term_width(FILE *f);
/* --color WHEN: auto (a terminal, unless NO_COLOR is set or TERM=dumb),
   always, never. */
enum { SIP_COLOR_AUTO, SIP_COLOR_ALWAYS, SIP_COLOR_NEVER };
int sip_color_parse(const char *s);          /* SIP_COLOR_*, or -1 */
int sip_color_on(FILE *f, int mode);         /* colours for f? */
/* Edit distance (with transpositions) of a and b, at most 9. */
int sip_edit_distance(const char *a, const char *b);
int sip_option_error(const char *verb, int c, char **argv);

int sip_usage_error(const char *verb, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* "sipscan: <diag formatted>" on stderr. */
void sip_print_diag(const sip_diag *d);
/* A sip_warn_fn printing "sipscan: warning: <diag>" on stderr. */
void sip_print_warning(void *ctx, const sip_diag *d);
/* After a run: for each file that had more warnings than were shown, how
   many more ("N more warnings not shown"); the counts start again. */
void sip_print_warnings_hidden(void);

struct sip_rules;
struct sip_topology;
/*
 * The rules (built in, then each of dirs) and the topology (each of
 * files) a command works with, into *rs and *topo (new; the caller frees
 * them, also on failure).  A rule error is printed as it is found, then
 * "sipscan: the rules are not valid<after>" (after: "; nothing was
 * analyzed", or ""); an unreadable topology file is printed.  Returns
 * SIP_EXIT_OK, SIP_EXIT_RULES, SIP_EXIT_USAGE (topology) or
 * SIP_EXIT_INTERNAL (out of memory).
 */
int sip_cmd_load_rules_topology(const char *const *dirs, size_t ndirs,
				const char *const *files, size_t nfiles, const char *after,
				struct sip_rules **rs, struct sip_topology **topo);

/* The database path: --db value if given, else $SIPSCAN_DB, else
   "sipscan.db". */
const char *sip_db_path(const char *opt_db);

/* Open the database of a read command (sip_db_path(opt_db)) read-only;
   need_schema as sip_db_open_ro.  Returns SIP_EXIT_OK and *db, or says
   why on stderr and returns the exit status (3, or 5 out of memory). */
int sip_cmd_open_db(const char *opt_db, int need_schema, sqlite3 **db);

#endif
