/*
 * dbopen.h -- the read-only database open shared by the commands that only
 * read (query, report, show, flow, export).
 *
 * These commands never create a database: a path that does not exist is
 * an error (SIP_EDB, "no database at PATH"), and the connection is opened
 * with SQLITE_OPEN_READONLY and PRAGMA query_only, so no statement run
 * through it can change the file.
 */
#ifndef SIP_DBOPEN_H
#define SIP_DBOPEN_H

#include <stdint.h>

#include <sqlite3.h>

#include "err.h"

/*
 * Open the existing database at path read-only.  need_schema non-zero also
 * checks that it holds a sipscan schema (a records table), so that commands
 * over the store say "not a sipscan database" instead of a raw SQL error.
 * Returns SIP_OK and *out (close with sqlite3_close), or SIP_EDB with diag
 * filled (file = path) and *out = NULL.
 */
int sip_db_open_ro(sqlite3 **out, const char *path, int need_schema,
		   sip_diag *diag);

/*
 * Whether db holds no table, view or index at all: what an analyze killed
 * before its first commit leaves.  Returns 1 with diag filled (SIP_EDB,
 * file = path, "empty database ..."), else 0.
 */
int sip_db_empty(sqlite3 *db, const char *path, sip_diag *diag);

/*
 * Whether the table or view name exists in db (sqlite_schema).  Returns 1,
 * 0, or -1 on a database error.
 */
int sip_db_has(sqlite3 *db, const char *name);

/*
 * The sip_code of SQLite's last error on db: SIP_ENOMEM for SQLITE_NOMEM
 * (the run's fault: exit 5), SIP_EBUSY for BUSY/LOCKED, SIP_EREADONLY for
 * READONLY, else SIP_EDB.  db may be NULL (SQLite could not even allocate
 * the connection): SIP_ENOMEM.
 */
int sip_db_code(sqlite3 *db);

/*
 * sqlite3_errmsg(db), and for a failed read, write or sync of the file
 * what that can mean ("disk I/O error" alone tells a user nothing): in
 * buf (n bytes) when something is added, else SQLite's own string.
 * "disk I/O error: writing the database file failed (a disk quota, ...)".
 */
const char *sip_db_errmsg(sqlite3 *db, char *buf, size_t n);

/* The exit status for a failure of db: SIP_EXIT_INTERNAL when SQLite ran
   out of memory, else SIP_EXIT_DB. */
int sip_db_exit(sqlite3 *db);

/* The first column of the first row of sql as an integer (a PRAGMA, a
   count); -1 on a database error or when there is no row. */
int64_t sip_db_int(sqlite3 *db, const char *sql);

#endif
