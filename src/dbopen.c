/*
 * dbopen.c -- read-only open of an existing sipscan database (see dbopen.h).
 */
#include "dbopen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

int64_t sip_db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int sip_db_has(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int found = -1;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1 "
			       "AND type IN ('table','view')", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: found = 1; break;
	case SQLITE_DONE: found = 0; break;
	default: break;
	}
out:
	sqlite3_finalize(st);
	return found;
}

int sip_db_empty(sqlite3 *db, const char *path, sip_diag *diag)
{
	if (sip_db_int(db, "SELECT count(*) FROM sqlite_master") != 0)
		return 0;
	/* What an analyze killed before its first commit leaves. */
	sip_diag_set(diag, SIP_EDB, path, 0, "empty database (no analyze has "
		     "completed a commit on it); fill it with "
		     "'sipscan analyze --db %s TRACE...'", path);
	return 1;
}

/*
 * An analyze killed during a commit leaves a hot journal: the next
 * connection that reads must roll it back, which a read-only connection
 * cannot do ("attempt to write a readonly database").  So when a journal
 * is there, open the database read-write once and read from it: SQLite
 * rolls the journal back if it is hot (never while a live writer holds it,
 * it checks the locks), and the read-only connection that follows finds a
 * sound file.  Without write permission nothing happens here, and the
 * read-only open then fails with a message saying what to run.
 */
static void recover_hot_journal(const char *path)
{
	char journal[4200];
	struct stat jst;
	sqlite3 *db = NULL;

	snprintf(journal, sizeof journal, "%s-journal", path);
	if (stat(journal, &jst) != 0 || jst.st_size == 0 || access(path, W_OK) != 0)
		return;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 30000);
		sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	}
	sqlite3_close(db);
}

int sip_db_open_ro(sqlite3 **out, const char *path, int need_schema,
		   sip_diag *diag)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int64_t app;
	int rc = SIP_EDB;

	*out = NULL;
	if (stat(path, &sb) != 0) {
		sip_diag_set(diag, SIP_EDB, path, 0, "no database here (%s); "
			     "create one with 'sipscan analyze --db %s TRACE...'",
			     strerror(errno), path);
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		sip_diag_set(diag, SIP_EDB, path, 0, "is a directory, not a database");
		goto out;
	}
	recover_hot_journal(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sip_diag_set(diag, sip_db_code(db), path, 0, "cannot open database: %s",
			     db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	/* An analyze that is committing (or building its indexes at the end
	   of a large load) holds the database for a moment: wait for it. */
	sqlite3_busy_timeout(db, 30000);
	/* fts3_tokenizer() with a pointer argument is a way to call code at
	   an address: no read-only connection needs it */
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, (int *)NULL);
	if (sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		sip_diag_set(diag, sip_db_code(db), path, 0, "cannot open database: %s",
			     sqlite3_errmsg(db));
		goto out;
	}
	/* A sipscan database written by a newer sipscan may hold tables
	   this one does not know how to read. */
	app = sip_db_int(db, "PRAGMA application_id");
	if (app == -1 && sqlite3_errcode(db) != SQLITE_OK) {
		/* not SQLite at all ("file is not a database"), or unreadable */
		sip_diag_set(diag, sip_db_code(db), path, 0, "cannot read database: %s",
			     sqlite3_errmsg(db));
		goto out;
	}
	if (app == SIP_STORE_APP_ID) {
		int64_t ver = sip_db_int(db, "PRAGMA user_version");
		if (ver > SIP_STORE_SCHEMA_VERSION) {
			sip_diag_set(diag, SIP_EDB, path, 0, "database schema version "
				     "%lld is newer than this sipscan knows (%d); "
				     "upgrade sipscan", (long long)ver, SIP_STORE_SCHEMA_VERSION);
			goto out;
		}
	}
	if (need_schema) {
		int has = sip_db_has(db, "records");
		if (has < 0) {
			sip_diag_set(diag, sip_db_code(db), path, 0, "cannot read database: %s",
				     sqlite3_errmsg(db));
			goto out;
		}
		if (!has && sip_db_empty(db, path, diag))
			goto out;
		if (!has) {
			sip_diag_set(diag, SIP_EDB, path, 0, "not a sipscan database "
				     "(no records table)");
			goto out;
		}
	}
	*out = db;
	db = NULL;
	rc = SIP_OK;
out:
	if (rc != SIP_OK && diag->code == SIP_ENOMEM)
		rc = SIP_ENOMEM;
	sqlite3_close(db);
	return rc;
}

int sip_db_code(sqlite3 *db)
{
	int ec = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;

	switch (ec) {
	case SQLITE_NOMEM:
		return SIP_ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SIP_EBUSY;
	case SQLITE_READONLY:
		return SIP_EREADONLY;
	default:
		return SIP_EDB;
	}
}

const char *sip_db_errmsg(sqlite3 *db, char *buf, size_t n)
{
	const char *what;

	switch (db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM) {
	case SQLITE_IOERR_WRITE:
		/* ENOSPC is SQLITE_FULL ("database or disk is full"); a quota,
		   a size limit (ulimit -f, FAT32's 4 GiB) or EIO land here */
		what = "writing the database file failed (a disk quota, a limit on"
		       " the file's size such as ulimit -f or FAT32's 4 GiB, or a"
		       " failing disk)";
		break;
	case SQLITE_IOERR_FSYNC:
	case SQLITE_IOERR_DIR_FSYNC:
		what = "the disk could not make the database file durable (fsync failed)";
		break;
	case SQLITE_IOERR_READ:
	case SQLITE_IOERR_SHORT_READ:
		what = "reading the database file failed";
		break;
	default:
		return db ? sqlite3_errmsg(db) : "out of memory";
	}
	snprintf(buf, n, "%s: %s", sqlite3_errmsg(db), what);
	return buf;
}

int sip_db_exit(sqlite3 *db)
{
	return db && sip_db_code(db) == SIP_ENOMEM ? SIP_EXIT_INTERNAL : SIP_EXIT_DB;
}
