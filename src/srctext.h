/*
 * srctext.h -- the text of records kept by reference (`analyze --text
 * evidence`): read again from the original file, once it is checked to be
 * the file that was analyzed.
 */
#ifndef SIPSCAN_SRCTEXT_H
#define SIPSCAN_SRCTEXT_H

#include <stdint.h>

#include <sqlite3.h>

#include "buf.h"
#include "err.h"

typedef struct sip_srctext sip_srctext; /* opaque: one open file, checked */

/* NULL when out of memory. */
sip_srctext *sip_srctext_new(void);
void sip_srctext_free(sip_srctext *s);

/*
 * Append bytes [off, off + len) of the text of file file_id (files.id of
 * db) to out: the bytes of the file for a plain one, of its decompressed
 * stream for gzip.  The file must be the one analyzed: its size at least
 * files.size and its first 64 KiB and the 4 KiB before files.size hashing
 * to files.fingerprint and files.tail_hash (a log that grew since is still
 * it).  Reads in increasing offsets of one file are sequential (a gzip
 * stream is inflated once); a jump back starts it again.
 * Returns SIP_OK; SIP_EIO when the file is gone, unreadable or changed
 * (diag names the file and says which, and that the text was not kept in
 * the database); SIP_EDB on a database error; SIP_ENOMEM (out's cap).
 */
int sip_srctext_get(sip_srctext *s, sqlite3 *db, int64_t file_id, int64_t off,
		    int64_t len, sip_buf *out, sip_diag *diag);

#endif
