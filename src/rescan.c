/*
 * rescan.c -- evaluate stored records again with another catalogue,
 * without reading the logs: each record's text is read back from its
 * chunk (one decompression per chunk: the records are read in id order,
 * which is chunk order), parsed on its own by the parser that recognises
 * it, and evaluated; its matches, unexplained template and limit hits are
 * replaced.  A record kept by reference (`--text evidence`) is read from
 * its log; when the log is gone or changed its old results stay and it is
 * counted as kept.
 */
#include "rescan.h"

#include <stdlib.h>
#include <string.h>

#include "dbopen.h"
#include "findings.h"
#include "scan.h"

#define TEXT_CAP ((size_t)64 << 20)

typedef struct one {
	sip_rules_ctx *ctx;
	sip_rules_out *out;
	int64_t id;
	int done, rc;
} one;

/* The first record of the text is the stored record: evaluate it, stop. */
static int on_record(void *p, const sip_record *r)
{
	one *o = p;
	int n;

	if (o->done)
		return 1;
	o->done = 1;
	n = sip_rules_eval(o->ctx, r, (uint64_t)o->id, o->out);
	if (n < 0)
		o->rc = -n;
	return 1;
}

static int exec(sqlite3 *db, const char *sql, sip_diag *diag)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sip_diag_set(diag, sip_db_code(db), "", 0, "evaluating again: %s",
				      msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return rc;
	}
	return SIP_OK;
}

int sip_rescan(sip_store *s, const sip_rules *rs, int64_t max_id, sip_rescan_result *res,
	       sip_diag *diag)
{
	sqlite3 *db = sip_store_db(s);
	sqlite3_stmt *sel = NULL, *del[3] = { NULL, NULL, NULL }, *lim = NULL;
	sip_store_text_reader *tr = NULL;
	sip_findings *f = NULL;
	sip_rules_ctx *ctx = NULL;
	sip_rules_out out;
	sip_buf text;
	sip_diag rd;
	int rc, src, bulk = 0;

	memset(res, 0, sizeof *res);
	sip_rules_out_init(&out);
	sip_buf_init(&text, TEXT_CAP);
	if ((rc = exec(db, "SAVEPOINT sip_rescan;", diag)))
		return rc;
	/* the records whose text is in the database lose their results at
	   once; those kept by reference one by one, once read */
	if (sqlite3_prepare_v2(db, "DELETE FROM matches WHERE record_id IN (SELECT id FROM"
			       " record_rows WHERE id <= ?1 AND chunk_id IS NOT NULL)", -1,
			       &del[0], NULL) ||
	    sqlite3_prepare_v2(db, "DELETE FROM unexplained WHERE record_id IN (SELECT id FROM"
			       " record_rows WHERE id <= ?1 AND chunk_id IS NOT NULL)", -1,
			       &del[1], NULL) ||
	    sqlite3_prepare_v2(db, "DELETE FROM limit_hits WHERE record_id IN (SELECT id FROM"
			       " record_rows WHERE id <= ?1 AND chunk_id IS NOT NULL)", -1,
			       &del[2], NULL) ||
	    sqlite3_prepare_v2(db, "SELECT id, coalesce(chunk_id, 0), file_id,"
			       " coalesce(raw_off, -1), raw_len FROM record_rows"
			       " WHERE id <= ?1 AND raw_len IS NOT NULL ORDER BY id", -1, &sel, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO limit_hits(record_id, rule_id)"
			       " VALUES(?1, ?2)", -1, &lim, NULL)) {
		rc = sip_diag_set(diag, sip_db_code(db), "", 0, "evaluating again: %s",
				  sqlite3_errmsg(db));
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sqlite3_bind_int64(del[i], 1, max_id);
		if (sqlite3_step(del[i]) != SQLITE_DONE) {
			rc = sip_diag_set(diag, sip_db_code(db), "", 0, "evaluating again: %s",
					  sqlite3_errmsg(db));
			goto out;
		}
	}
	bulk = 1;
	if ((rc = sip_store_text_reader_new(&tr, db, diag)) ||
	    (rc = sip_findings_open(db, &f, diag)))
		goto out;
	if (!(ctx = sip_rules_ctx_new(rs))) {
		rc = sip_diag_set(diag, SIP_ENOMEM, "", 0, "out of memory");
		goto out;
	}
	sqlite3_bind_int64(sel, 1, max_id);
	while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0), chunk = sqlite3_column_int64(sel, 1);
		one o = { ctx, &out, id, 0, SIP_OK };
		sip_buf_reset(&text);
		sip_diag_clear(&rd);
		rc = sip_store_text_get_at(tr, chunk, sqlite3_column_int64(sel, 2),
					   sqlite3_column_int64(sel, 3),
					   sqlite3_column_int64(sel, 4), &text, &rd);
		if (rc == SIP_ENOMEM && text.n) {
			rc = SIP_OK;   /* past the cap: its first 64 MiB */
		} else if (rc && !chunk) {
			res->kept++;   /* its log is gone or changed */
			rc = SIP_OK;
			continue;
		} else if (rc) {
			*diag = rd;
			goto out;
		}
		if (!chunk) {
			/* kept by reference, read: its old results go now */
			static const char *const one_del[] = {
				"DELETE FROM matches WHERE record_id = ?1",
				"DELETE FROM unexplained WHERE record_id = ?1",
				"DELETE FROM limit_hits WHERE record_id = ?1",
			};
			for (int i = 0; i < 3; i++) {
				sqlite3_stmt *d = NULL;
				if (sqlite3_prepare_v2(db, one_del[i], -1, &d, NULL) != SQLITE_OK) {
					rc = sip_diag_set(diag, sip_db_code(db), "", 0,
							  "evaluating again: %s", sqlite3_errmsg(db));
					goto out;
				}
				sqlite3_bind_int64(d, 1, id);
				src = sqlite3_step(d);
				sqlite3_finalize(d);
				if (src != SQLITE_DONE) {
					rc = sip_diag_set(diag, sip_db_code(db), "", 0,
							  "evaluating again: %s", sqlite3_errmsg(db));
					goto out;
				}
			}
		}
		sip_rules_out_reset(&out);
		sip_scan_mem(text.p ? text.p : "", text.n, "stored record", NULL, on_record, &o,
			     NULL, &rd);
		if (o.rc) {
			rc = sip_diag_set(diag, o.rc, "", 0, "evaluating again: out of memory");
			goto out;
		}
		res->records++;
		if (!o.done)
			continue;   /* no parser reads it alone any more */
		res->matches += out.n;
		if ((rc = sip_findings_add_out(f, &out, 0, diag)))
			goto out;
		for (size_t i = 0; i < out.nlim; i++) {
			sqlite3_bind_int64(lim, 1, id);
			sqlite3_bind_text(lim, 2, sip_rule_id(out.lim[i]), -1, SQLITE_STATIC);
			src = sqlite3_step(lim);
			sqlite3_reset(lim);
			if (src != SQLITE_DONE) {
				rc = sip_diag_set(diag, sip_db_code(db), "", 0, "evaluating again: %s",
						  sqlite3_errmsg(db));
				goto out;
			}
		}
	}
	if (src != SQLITE_DONE)
		rc = sip_diag_set(diag, sip_db_code(db), "", 0, "evaluating again: %s",
				  sqlite3_errmsg(db));
out:
	(void)bulk;
	sqlite3_finalize(sel);
	sqlite3_finalize(lim);
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(del[i]);
	sip_findings_free(f);
	sip_store_text_reader_free(tr);
	sip_rules_ctx_free(ctx);
	sip_rules_out_release(&out);
	sip_buf_release(&text);
	if (rc)
		exec(db, "ROLLBACK TO sip_rescan; RELEASE sip_rescan;", NULL);
	else
		rc = exec(db, "RELEASE sip_rescan;", diag);
	return rc;
}
