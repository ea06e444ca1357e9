/*
 * cmd_flow.c -- `sipscan flow [--db PATH] [--format text|json] [--width N] CALL-ID`
 *
 * Every SIP message with that Call-ID, across all files and hosts, in time
 * order, as a ladder (flow.h) or as JSON:
 *
 *   {"call_id", "endpoints": [...], "messages": [{"ts", "from", "to",
 *    "label", "method", "status", "ms_diag_code", "ms_diag_reason",
 *    "record_id", "file", "line"}]}
 *
 * The messages and their sides are read by sip_flow_load (flow_load.c);
 * this file parses the options and prints.
 * No message with the Call-ID: a message on stderr and exit 6.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "filter.h"
#include "dbopen.h"
#include "flow.h"
#include "flow_load.h"
#include "store.h"

/*
 * Does a From or To header of the SIP message text hold user (any case)?
 * The header is "From:", "To:" or the compact "f:", "t:", at the start of
 * a line after any blanks (a pasted trace indents); its value is searched
 * up to the end of the line.  "sip:" at the start of user is optional in
 * the header, so alice, alice@contoso.com and sip:alice@contoso.com all
 * find <sip:alice@contoso.com>.
 */
static int header_has_user(const char *p, size_t n, const char *user, size_t un)
{
	const char *end = p + n;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v = p;
		size_t hl;
		if (!eol)
			eol = end;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		hl = (size_t)(eol - v) > 5 && !strncasecmp(v, "from:", 5) ? 5
		   : (size_t)(eol - v) > 3 && !strncasecmp(v, "to:", 3) ? 3
		   : (size_t)(eol - v) > 2 && v[0] && strchr("fFtT", v[0]) && v[1] == ':' ? 2
		   : 0;
		if (hl) {
			for (v += hl; v + un <= eol; v++)
				if (!strncasecmp(v, user, un))
					return 1;
		}
		p = eol + 1;
	}
	return 0;
}

/* SQL sip_has_user(text, user): header_has_user; NULL text is 0. */
static void has_user_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *t = (const char *)sqlite3_value_blob(argv[0]);
	const char *u = (const char *)sqlite3_value_text(argv[1]);
	int n = sqlite3_value_bytes(argv[0]);

	(void)argc;
	if (u && !strncasecmp(u, "sip:", 4))
		u += 4;
	sqlite3_result_int(ctx, t && u && *u &&
			   header_has_user(t, (size_t)n, u, strlen(u)));
}

/*
 * flow --list: the calls (Call-IDs of SIP messages) in time order, like
 * sngrep's call list: first and last time, messages, the first request's
 * method, the last final status, the hosts; filtered by --since, --until,
 * --host, a user (the From or To of the call's first message, read from
 * its text) and a Call-ID prefix.  At most limit rows.
 */
static int list_calls(sqlite3 *db, const sip_filter *f, const char *prefix,
		      const char *user, int limit)
{
	sqlite3_stmt *st = NULL;
	sip_buf q, w;
	int rc = SIP_EXIT_OK, src, n = 0;

	sip_buf_init(&q, 0);
	sip_buf_init(&w, 0);
	if (sip_filter_records_sql(f, "r", &w) || sip_buf_addc(&w, 0) ||
	    /* the calls in the order of their first message, so that the
	       texts --user reads come chunk after chunk (each chunk
	       inflated once), then filtered and sorted */
	    sip_buf_printf(&q, "WITH c AS %s (SELECT r.call_id, min(r.ts) AS t0, max(r.ts), count(*),"
			   " (SELECT m.method FROM records m WHERE m.call_id = r.call_id AND"
			   "  m.method IS NOT NULL ORDER BY m.id LIMIT 1),"
			   " (SELECT m.status || coalesce(' ' || m.reason, '') FROM records m"
			   "  WHERE m.call_id = r.call_id AND m.status >= 200 ORDER BY m.id DESC"
			   "  LIMIT 1), group_concat(DISTINCT r.host), min(r.id) AS first_id"
			   " FROM records r WHERE r.kind = 'protocol' AND r.call_id IS NOT NULL"
			   " AND (?1 IS NULL OR substr(r.call_id, 1, length(?1)) = ?1)%s"
			   " GROUP BY r.call_id%s)"
			   " SELECT * FROM c WHERE ?3 IS NULL OR (SELECT sip_has_user(sipscan_raw(m.chunk_id,"
			   "  m.raw_off, m.raw_len, m.file_id), ?3) FROM records m"
			   "  WHERE m.id = c.first_id)"
			   " ORDER BY t0, 1 LIMIT ?2", user ? "MATERIALIZED" : "NOT MATERIALIZED",
			   w.p, user ? " ORDER BY first_id" : "") || sip_buf_addc(&q, 0)) {
		rc = SIP_EXIT_INTERNAL;
		goto out;
	}
	{
		sip_diag d;
		if (sip_store_register_raw_fn(db, &d) ||
		    sqlite3_create_function(db, "sip_has_user", 2, SQLITE_UTF8, NULL,
					    has_user_fn, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "sipscan flow: %s\n", sqlite3_errmsg(db));
			rc = SIP_EXIT_DB;
			goto out;
		}
	}
	if (sqlite3_prepare_v2(db, q.p, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sipscan flow: %s\n", sqlite3_errmsg(db));
		rc = SIP_EXIT_DB;
		goto out;
	}
	if (prefix)
		sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	if (user)
		sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	printf("%-23s  %-23s  %5s  %-10s  %-22s  %s\n", "first", "last", "msgs", "method",
	       "final", "Call-ID (hosts)");
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c[7];
		sip_buf line;
		for (int i = 0; i < 7; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		sip_buf_init(&line, 0);
		sip_buf_printf(&line, "%-23s  %-23s  %5s  %-10.10s  %-22.22s  %s%s%s%s\n",
			       c[1] ? c[1] : "-", c[2] ? c[2] : "-", c[3] ? c[3] : "0",
			       c[4] ? c[4] : "-", c[5] ? c[5] : "-", c[0] ? c[0] : "",
			       c[6] ? " (" : "", c[6] ? c[6] : "", c[6] ? ")" : "");
		/* log text on a terminal: made safe */
		if (line.p) {
			sip_buf safe;
			sip_buf_init(&safe, 0);
			if (!sip_buf_add_safe(&safe, line.p, line.n, 1) && safe.p)
				fwrite(safe.p, 1, safe.n, stdout);
			sip_buf_release(&safe);
		}
		sip_buf_release(&line);
		n++;
	}
	if (src != SQLITE_DONE) {
		fprintf(stderr, "sipscan flow: %s\n", sqlite3_errmsg(db));
		rc = SIP_EXIT_DB;
	} else if (!n) {
		fprintf(stderr, "sipscan flow: no call%s%s\n",
			sip_filter_any(f) || prefix ? " in that range" : user ? ""
			: " (no SIP message in the database)",
			user ? " with that user in its From or To" : "");
		rc = SIP_EXIT_NOTFOUND;
	} else if (n == limit) {
		fprintf(stderr, "sipscan flow: the first %d calls; --limit N, --since and"
			" --until narrow or widen it\n", limit);
	}
out:
	sqlite3_finalize(st);
	sip_buf_release(&q);
	sip_buf_release(&w);
	return rc;
}

/* A Call-ID given in part: the one call it begins, into *full (malloc'd);
   0 found, 1 none, 2 several (listed on stderr). */
static int resolve_prefix(sqlite3 *db, const char *prefix, char **full)
{
	sqlite3_stmt *st = NULL;
	int n = 0, src;

	*full = NULL;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT call_id FROM records WHERE call_id >= ?1"
			       " AND substr(call_id, 1, length(?1)) = ?1 AND kind = 'protocol'"
			       " ORDER BY 1 LIMIT 6", -1, &st, NULL) != SQLITE_OK)
		return 1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (!n && c)
			*full = strdup(c);
		if (n == 1)
			fprintf(stderr, "sipscan flow: '%s' begins several Call-IDs:\n  %s\n",
				prefix, *full ? *full : "");
		if (n >= 1)
			fprintf(stderr, "  %s\n", n < 5 && c ? c : "...");
		n++;
	}
	(void)src;
	sqlite3_finalize(st);
	if (n > 1) {
		free(*full);
		*full = NULL;
		return 2;
	}
	return n ? 0 : 1;
}

int cmd_flow(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *call_id, *user = NULL;
	sqlite3 *db = NULL;
	sip_flow flow;
	sip_buf json, msgs;
	sip_diag d;
	unsigned width = 0;   /* the terminal's (60..240), 80 when none */
	int opt, ret = SIP_EXIT_OK, as_json = 0, rc, list = 0, limit = 50;
	uint64_t left_out = 0;
	sip_filter flt;
	char *full_id = NULL;

	sip_filter_init(&flt);

	sip_cmd_getopt(sip_cmd_find("flow"), longopts, optstring);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			opt_db = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				as_json = 1;
			else if (strcmp(optarg, "text") != 0)
				return sip_usage_error("flow", "unknown format '%s' (text or json)",
						       optarg);
			break;
		case 'w': {
			char *end;
			long w = strtol(optarg, &end, 10);
			if (*end || w < 60 || w > 240)
				return sip_usage_error("flow", "--width wants 60..240");
			width = (unsigned)w;
			break;
		}
		case 'l':
			list = 1;
			break;
		case 'U':
			user = optarg;
			break;
		case 'L': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 1000000)
				return sip_usage_error("flow", "--limit wants 1..1000000");
			limit = (int)v;
			break;
		}
		default:
			if ((rc = sip_filter_option(&flt, opt, optarg, "flow")) >= 0) {
				if (rc)
					return rc;
				break;
			}
			return sip_option_error("flow", opt, argv);
		}
	}
	if (list) {
		if (optind + 1 < argc)
			return sip_usage_error("flow", "--list takes at most a Call-ID prefix");
		if ((ret = sip_cmd_open_db(opt_db, 1, &db)))
			return ret;
		ret = list_calls(db, &flt, optind < argc ? argv[optind] : NULL, user, limit);
		sqlite3_close(db);
		if (fflush(stdout) != 0 && ret == SIP_EXIT_OK)
			ret = SIP_EXIT_OUTPUT;
		return ret;
	}
	if (user)
		return sip_usage_error("flow", "--user goes with --list");
	if (optind >= argc)
		return sip_usage_error("flow", "no Call-ID given (flow --list lists the calls)");
	if (optind + 1 < argc)
		return sip_usage_error("flow", "one Call-ID at a time");
	call_id = argv[optind];

	sip_flow_init(&flow);
	sip_buf_init(&json, 0);
	sip_buf_init(&msgs, 0);
	if ((ret = sip_cmd_open_db(opt_db, 1, &db)))
		goto out;
	/* a Call-ID given in part: the one call it begins */
	{
		int k = 0;
		sqlite3_stmt *ex = NULL;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM records WHERE call_id = ?1 LIMIT 1", -1,
				       &ex, NULL) == SQLITE_OK) {
			sqlite3_bind_text(ex, 1, call_id, -1, SQLITE_STATIC);
			k = sqlite3_step(ex) == SQLITE_ROW;
		}
		sqlite3_finalize(ex);
		if (!k) {
			int pr = resolve_prefix(db, call_id, &full_id);
			if (pr == 2) {
				ret = SIP_EXIT_USAGE;
				goto out;
			}
			if (!pr)
				call_id = full_id;
		}
	}
	if ((rc = sip_flow_load(db, call_id, &flow, as_json ? &msgs : NULL, &left_out, &d))) {
		fprintf(stderr, "sipscan flow: %s\n", d.msg);
		ret = rc == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
		goto out;
	}
	if (left_out)
		fprintf(stderr, "sipscan flow: warning: call %s: %llu messages left out "
			"(a ladder has at most %d endpoints and %d messages)\n", call_id,
			(unsigned long long)left_out, SIP_FLOW_MAX_ENDPOINTS, SIP_FLOW_MAX_MSGS);
	if (!flow.nmsgs) {
		fprintf(stderr, "sipscan flow: no SIP message with Call-ID '%s'\n", call_id);
		ret = SIP_EXIT_NOTFOUND;
		goto out;
	}
	if (as_json) {
		sip_buf_adds(&json, "{\"call_id\":");
		sip_buf_json_str(&json, call_id, strlen(call_id));
		sip_buf_adds(&json, ",\n \"endpoints\":[");
		for (size_t i = 0; i < flow.nendpoints; i++) {
			if (i)
				sip_buf_addc(&json, ',');
			sip_buf_json_str(&json, flow.endpoints[i], strlen(flow.endpoints[i]));
		}
		sip_buf_adds(&json, "],\n \"messages\":[");
		sip_buf_add(&json, msgs.p, msgs.n);
		sip_buf_adds(&json, "\n]}\n");
	} else {
		sip_buf_printf(&json, "Call-ID: %s\n", call_id);
		if (!width) {
			int tw = sip_term_width(stdout);
			width = (unsigned)(tw < 60 ? 60 : tw > 240 ? 240 : tw);
		}
		if (sip_flow_render_text(&flow, width, &json)) {
			fprintf(stderr, "sipscan flow: out of memory\n");
			ret = SIP_EXIT_INTERNAL;
			goto out;
		}
	}
	if (json.err || msgs.err) {
		fprintf(stderr, "sipscan flow: out of memory\n");
		ret = SIP_EXIT_INTERNAL;
		goto out;
	}
	if (json.n && fwrite(json.p, 1, json.n, stdout) != json.n) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
out:
	free(full_id);
	sqlite3_close(db);
	sip_flow_release(&flow);
	sip_buf_release(&json);
	sip_buf_release(&msgs);
	if (fflush(stdout) != 0 && ret == SIP_EXIT_OK) {
		fprintf(stderr, "sipscan: cannot write to stdout: %s\n", strerror(errno));
		ret = SIP_EXIT_OUTPUT;
	}
	return ret;
}
