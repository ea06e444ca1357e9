/*
 * cmd_show.c -- `sipscan show [--db PATH] ID...`
 *
 * Prints each record's original text exactly as it stood in the log, from
 * its header line through `$$end_record`, CRLF or LF as in the source (read
 * from its compressed chunk with sip_store_text_get), preceded by a line
 * "file:line" (files.path and records.line).  When the decoded text does not
 * end with a newline one is added (CRLF when the text uses CRLF), so the
 * next "file:line" starts a line.  An id that is not a number is a usage
 * error (exit 2); an id with no record prints "sipscan show: no record with
 * id N" on stderr and, after the others are printed, exit 6.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dbopen.h"
#include "store.h"

static int parse_id(const char *s, long long *id)
{
	char *end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	return errno || end == s || *end || *id <= 0 ? -1 : 0;
}

int cmd_show(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sip_store_text_reader *tr = NULL;
	sip_buf text;
	sip_diag d;
	int opt, ret = SIP_EXIT_OK, raw = 0;
	sip_buf safe;

	sip_cmd_getopt(sip_cmd_find("show"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			opt_db = optarg;
			break;
		case 'r':
			raw = 1;
			break;
		default:
			return sip_option_error("show", opt, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("show", "no record id given");
	/* The original bytes go to a file or a pipe; a terminal gets them with
	   their control characters escaped (a log can hold sequences that
	   drive it), unless --raw. */
	if (!raw && !isatty(STDOUT_FILENO))
		raw = 1;
	sip_buf_init(&safe, 0);
	for (int i = optind; i < argc; i++) {
		long long id;
		if (parse_id(argv[i], &id))
			return sip_usage_error("show", "'%s' is not a record id "
					       "(a positive integer)", argv[i]);
	}
	sip_buf_init(&text, 0);
	if ((ret = sip_cmd_open_db(opt_db, 1, &db)))
		goto out;
	if (sip_store_text_reader_new(&tr, db, &d)) {
		sip_print_diag(&d);
		ret = sip_exit_code(d.code);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT coalesce(f.path, ''), r.line, r.chunk_id, "
			       "r.raw_off, r.raw_len "
			       "FROM records r LEFT JOIN files f ON f.id = r.file_id "
			       "WHERE r.id = ?1", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan show: %s\n", sqlite3_errmsg(db));
		ret = sip_db_exit(db);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		long long id = 0;
		int src, rc;

		parse_id(argv[i], &id);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		src = sqlite3_step(st);
		if (src == SQLITE_DONE) {
			fprintf(stderr, "sipscan show: no record with id %lld\n", id);
			if (ret == SIP_EXIT_OK)
				ret = SIP_EXIT_NOTFOUND;
			continue;
		}
		if (src != SQLITE_ROW) {
			fprintf(stderr, "sipscan show: %s\n", sqlite3_errmsg(db));
			ret = sip_db_exit(db);
			goto out;
		}
		sip_buf_reset(&text);
		rc = sip_store_text_get(tr, id, &text, &d);
		if (rc) {
			fprintf(stderr, "sipscan show: record %lld: cannot read its "
				"text: %s\n", id, d.msg);
			/* an original file gone or changed is an input problem */
			ret = rc == SIP_EIO ? sip_exit_code(rc) : sip_db_exit(db);
			continue;
		}
		sip_buf_reset(&safe);
		if (sip_buf_add_safe(&safe, (const char *)sqlite3_column_text(st, 0),
				     (size_t)sqlite3_column_bytes(st, 0), 0)) {
			ret = SIP_EXIT_INTERNAL;
			break;
		}
		printf("%s:%lld\n", safe.p ? safe.p : "", (long long)sqlite3_column_int64(st, 1));
		if (!raw) {
			sip_buf_reset(&safe);
			if (sip_buf_add_safe(&safe, text.p ? text.p : "", text.n, 1)) {
				ret = SIP_EXIT_INTERNAL;
				break;
			}
			if (safe.n && fwrite(safe.p, 1, safe.n, stdout) != safe.n)
				break;
		} else if (text.n && fwrite(text.p, 1, text.n, stdout) != text.n)
			break;
		if (text.n && text.p[text.n - 1] != '\n')
			fputs(memchr(text.p, '\r', text.n) ? "\r\n" : "\n", stdout);
	}
out:
	sqlite3_finalize(st);
	sip_store_text_reader_free(tr);
	sqlite3_close(db);
	sip_buf_release(&text);
	sip_buf_release(&safe);
	if (fflush(stdout) != 0 && ret != SIP_EXIT_DB && ret != SIP_EXIT_INTERNAL) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
