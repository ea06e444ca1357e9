/*
 * flow_load.c -- the ladder of one call from the store (`sipscan flow`):
 * every SIP message (records.kind = 'protocol') with the Call-ID, across
 * all files and hosts, in time order (ts, then file path, then line).
 *
 * The tracing server is records.host, else files.host, else the file's
 * name; the other side is records.peer without its port (or "(unknown)").
 * Direction 'outgoing' draws server -> peer, anything else peer -> server.
 * In a client log (files.format 'uccapi') the tracing side is the client,
 * named by its local address as the server traces name it (records.local
 * without its port), and its peer is the server's address: when a server
 * trace of the same call holds the same message (same CSeq, method and
 * status, the other direction, its peer the client's address), the
 * server's address is drawn as that server's column, so a client log and
 * the server traces of a call make one ladder.
 * The label is the method of a request, or the status and reason phrase of
 * a response (records.reason; for records stored before schema 5, read
 * from the Start-Line of the record's text).
 */
#include "flow_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbopen.h"
#include "store.h"

enum { COL_ID, COL_TS, COL_HOST, COL_FHOST, COL_PATH, COL_PEER, COL_DIR,
       COL_METHOD, COL_STATUS, COL_DIAG, COL_DIAG_REASON, COL_LINE, COL_RAW,
       COL_FORMAT = COL_RAW + 3, COL_LOCAL, COL_CSEQ, COL_REASON, COL_LOCAL_HOST,
       COL_PEER_HOST };

/* One message's endpoints, for matching a client log with server traces. */
typedef struct flow_row {
	int client;              /* from a client log */
	char side[256];          /* the tracing side: server, or the client */
	char peer[256];          /* the other side */
	int outgoing;
	char *cseq, *method;
	long long status;
} flow_row;

/* The basename of path. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/*
 * The reason phrase of a response from the record's text: the rest of a
 * "Start-Line: SIP/2.0 NNN reason" line, into out ("" when not found).
 */
static void reason_phrase(sip_store_text_reader *tr, sqlite3_stmt *st, int col,
			  char *out, size_t outsz)
{
	sip_buf text;
	sip_diag d;
	const char *p, *e;

	out[0] = 0;
	sip_buf_init(&text, (size_t)16 << 20);
	(void)col;
	if (sip_store_text_get(tr, sqlite3_column_int64(st, COL_ID), &text, &d) || !text.p)
		goto out;
	/* A SIPStack record's Start-Line: field, or the start line of a client
	   log (after the stamp's "::") or of a bare message. */
	if ((p = strstr(text.p, "Start-Line: SIP/")))
		p += strlen("Start-Line: ");
	else if ((p = strstr(text.p, ":: SIP/2.0 ")))
		p += 3;
	else if (!strncmp(text.p, "SIP/2.0 ", 8))
		p = text.p;
	else
		goto out;
	e = p + strcspn(p, "\r\n");
	/* skip "SIP/2.0 NNN " */
	while (p < e && *p != ' ')
		p++;
	while (p < e && *p == ' ')
		p++;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	while (p < e && *p == ' ')
		p++;
	snprintf(out, outsz, "%.*s", (int)(e - p), p);
out:
	sip_buf_release(&text);
}

static void json_key_str(sip_buf *b, const char *k, const char *v, int comma)
{
	if (comma)
		sip_buf_addc(b, ',');
	sip_buf_json_str(b, k, strlen(k));
	sip_buf_addc(b, ':');
	if (v)
		sip_buf_json_str(b, v, strlen(v));
	else
		sip_buf_adds(b, "null");
}

static void json_key_int(sip_buf *b, const char *k, sqlite3_stmt *st, int col)
{
	sip_buf_addc(b, ',');
	sip_buf_json_str(b, k, strlen(k));
	sip_buf_addc(b, ':');
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		sip_buf_adds(b, "null");
	else
		sip_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, col));
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s ? s : "";
}

int sip_flow_load(sqlite3 *db, const char *call_id, sip_flow *f, sip_buf *msgs,
		  uint64_t *left_out, sip_diag *diag)
{
	sqlite3_stmt *st = NULL;
	sip_store_text_reader *tr = NULL;
	flow_row *rows = NULL;
	size_t nrows = 0, caprows = 0;
	int ret = SIP_OK, src, frc;
	int as_json = msgs != NULL;

	*left_out = 0;
	if ((ret = sip_store_text_reader_new(&tr, db, diag)))
		return ret;
	/* records.reason is kept from schema 5 on (a reader does not
	   migrate); before, and for records stored before, the reason is
	   read from the record's text */
#define FLOW_SQL(reason) \
		"SELECT r.id, r.ts, r.host, f.host, f.path, r.peer, r.direction, " \
		"r.method, r.status, r.ms_diag_code, r.ms_diag_reason, r.line, " \
		"r.chunk_id, r.raw_off, r.raw_len, f.format, r.local, r.cseq, " reason ", " \
		SIP_PEER_HOST_SQL("r.local") ", " SIP_PEER_HOST_SQL("r.peer") \
		" FROM records r LEFT JOIN files f ON f.id = r.file_id " \
		"WHERE r.call_id = ?1 AND r.kind = 'protocol' " \
		"ORDER BY r.ts, f.path, r.line"
	if (sqlite3_prepare_v2(db, sip_db_int(db, "PRAGMA user_version") >= 5
				   ? FLOW_SQL("r.reason") : FLOW_SQL("NULL"),
			       -1, &st, NULL) != SQLITE_OK) {
		ret = sip_diag_set(diag, sip_db_code(db), "", 0, "%s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_text(st, 1, call_id, -1, SQLITE_STATIC);
	/* 1. Every message's two sides; the server addresses of a client log
	   that a server trace of the call names. */
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		flow_row *r;
		const char *host = col_text(st, COL_HOST);
		if (nrows == caprows) {
			size_t nc = caprows ? caprows * 2 : 32;
			flow_row *nr = realloc(rows, nc * sizeof *nr);
			if (!nr)
				goto nomem;
			rows = nr;
			caprows = nc;
		}
		r = &rows[nrows];
		memset(r, 0, sizeof *r);
		r->client = strcmp(col_text(st, COL_FORMAT), "uccapi") == 0;
		if (r->client && *col_text(st, COL_LOCAL))
			snprintf(r->side, sizeof r->side, "%s", col_text(st, COL_LOCAL_HOST));
		else {
			if (!*host)
				host = col_text(st, COL_FHOST);
			if (!*host)
				host = base_name(col_text(st, COL_PATH));
			snprintf(r->side, sizeof r->side, "%s", *host ? host : "(server)");
		}
		if (*col_text(st, COL_PEER))
			snprintf(r->peer, sizeof r->peer, "%s", col_text(st, COL_PEER_HOST));
		else
			snprintf(r->peer, sizeof r->peer, "(unknown)");
		r->outgoing = strcmp(col_text(st, COL_DIR), "outgoing") == 0;
		r->status = sqlite3_column_type(st, COL_STATUS) == SQLITE_NULL ? -1 :
			    (long long)sqlite3_column_int64(st, COL_STATUS);
		nrows++;
		if (!(r->cseq = strdup(col_text(st, COL_CSEQ))) ||
		    !(r->method = strdup(col_text(st, COL_METHOD))))
			goto nomem;
	}
	if (src != SQLITE_DONE) {
		ret = sip_diag_set(diag, sip_db_code(db), "", 0, "%s", sqlite3_errmsg(db));
		goto out;
	}
	for (size_t i = 0; i < nrows && nrows <= 4096; i++) {
		flow_row *c = &rows[i];
		if (!c->client || !*c->cseq)
			continue;
		for (size_t j = 0; j < nrows; j++) {
			const flow_row *sv = &rows[j];
			if (sv->client || sv->outgoing == c->outgoing ||
			    sv->status != c->status || strcmp(sv->peer, c->side) ||
			    strcmp(sv->cseq, c->cseq) || strcmp(sv->method, c->method))
				continue;
			/* the client's peer is this server: draw it so in
			   every message of the client's log */
			for (size_t k = 0; k < nrows; k++)
				if (k != i && rows[k].client && !strcmp(rows[k].peer, c->peer))
					snprintf(rows[k].peer, sizeof rows[k].peer, "%s", sv->side);
			snprintf(c->peer, sizeof c->peer, "%s", sv->side);
			break;
		}
	}
	sqlite3_reset(st);

	/* 2. The ladder. */
	for (size_t row = 0; (src = sqlite3_step(st)) == SQLITE_ROW && row < nrows; row++) {
		char server[256], other[256], label[256], reason[200];
		size_t is = 0, io = 0, from, to;
		long long diag_code = sqlite3_column_type(st, COL_DIAG) == SQLITE_NULL ? -1 :
				 (long long)sqlite3_column_int64(st, COL_DIAG);
		const char *diag_reason = (const char *)sqlite3_column_text(st, COL_DIAG_REASON);
		int outgoing = rows[row].outgoing;

		snprintf(server, sizeof server, "%s", rows[row].side);
		snprintf(other, sizeof other, "%s", rows[row].peer);
		if (sqlite3_column_type(st, COL_STATUS) != SQLITE_NULL) {
			if (sqlite3_column_type(st, COL_REASON) != SQLITE_NULL)
				snprintf(reason, sizeof reason, "%s", col_text(st, COL_REASON));
			else
				reason_phrase(tr, st, COL_RAW, reason, sizeof reason);
			snprintf(label, sizeof label, "%lld%s%s",
				 (long long)sqlite3_column_int64(st, COL_STATUS),
				 *reason ? " " : "", reason);
		} else {
			snprintf(label, sizeof label, "%s",
				 *col_text(st, COL_METHOD) ? col_text(st, COL_METHOD) : "?");
		}
		/* Endpoints in order of appearance: the sender first.  Past
		   the ladder's limits a message is left out and counted. */
		if (outgoing) {
			frc = sip_flow_endpoint(f, server, &is);
			if (!frc)
				frc = sip_flow_endpoint(f, other, &io);
			from = is, to = io;
		} else {
			frc = sip_flow_endpoint(f, other, &io);
			if (!frc)
				frc = sip_flow_endpoint(f, server, &is);
			from = io, to = is;
		}
		if (!frc)
			frc = sip_flow_add(f, col_text(st, COL_TS), from, to, label, diag_code,
					   diag_reason);
		if (frc == SIP_ECAP) {
			(*left_out)++;
			continue;
		}
		if (frc)
			goto nomem;
		if (as_json) {
			sip_buf_adds(msgs, f->nmsgs > 1 ? ",\n  {" : "\n  {");
			json_key_str(msgs, "ts", (const char *)sqlite3_column_text(st, COL_TS), 0);
			json_key_str(msgs, "from", f->endpoints[from], 1);
			json_key_str(msgs, "to", f->endpoints[to], 1);
			json_key_str(msgs, "label", label, 1);
			json_key_str(msgs, "method", (const char *)sqlite3_column_text(st, COL_METHOD), 1);
			json_key_int(msgs, "status", st, COL_STATUS);
			json_key_int(msgs, "ms_diag_code", st, COL_DIAG);
			json_key_str(msgs, "ms_diag_reason", diag_reason, 1);
			json_key_int(msgs, "record_id", st, COL_ID);
			json_key_str(msgs, "file", (const char *)sqlite3_column_text(st, COL_PATH), 1);
			json_key_int(msgs, "line", st, COL_LINE);
			sip_buf_addc(msgs, '}');
		}
	}
	if (src != SQLITE_DONE && src != SQLITE_ROW) {
		ret = sip_diag_set(diag, sip_db_code(db), "", 0, "%s", sqlite3_errmsg(db));
		goto out;
	}
	goto out;
nomem:
	ret = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
out:
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].cseq);
		free(rows[i].method);
	}
	free(rows);
	sqlite3_finalize(st);
	sip_store_text_reader_free(tr);
	return ret;
}
