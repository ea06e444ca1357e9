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

#include "cmd.h"
#include "dbopen.h"
#include "flow.h"
#include "flow_load.h"

int cmd_flow(int argc, char **argv)
{
	struct option longopts[SIP_MAX_OPTS + 1];
	char optstring[2 * SIP_MAX_OPTS + 3];
	const char *opt_db = NULL, *call_id;
	sqlite3 *db = NULL;
	sip_flow flow;
	sip_buf json, msgs;
	sip_diag d;
	unsigned width = 0;   /* the terminal's (60..240), 80 when none */
	int opt, ret = SIP_EXIT_OK, as_json = 0, rc;
	uint64_t left_out = 0;

	sip_cmd_getopt(sip_cmd_find("flow"), longopts, optstring + 1);
	optstring[0] = '+';
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, optstring + 1, longopts, NULL)) != -1) {
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
		default:
			return sip_option_error("flow", opt, argv);
		}
	}
	if (optind >= argc)
		return sip_usage_error("flow", "no Call-ID given");
	if (optind + 1 < argc)
		return sip_usage_error("flow", "one Call-ID at a time");
	call_id = argv[optind];

	sip_flow_init(&flow);
	sip_buf_init(&json, 0);
	sip_buf_init(&msgs, 0);
	if ((ret = sip_cmd_open_db(opt_db, 1, &db)))
		goto out;
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
