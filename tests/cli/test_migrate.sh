#!/bin/sh
# test_migrate.sh SIPSCAN -- a database of schema version 1 (sipscan 0.1.0,
# tests/fixtures/schema-v1.sql, in WAL mode as 0.1.0 left it) is read as it
# is, and brought to the current schema by the first run that writes: every
# query on records and the views gives the same answer before and after,
# the findings and record texts survive, and the database is whole.  The
# same from schema 7 (tests/fixtures/schema-v7.sql), whose rows schema 8
# stores otherwise (tagsets).
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"

db=$T/old.db
sqlite3 -batch "$db" <"$ROOT/tests/fixtures/schema-v1.sql" >/dev/null
q "$db" "PRAGMA journal_mode=WAL" >/dev/null
check "fixture: schema version 1" "$(q "$db" 'PRAGMA user_version')" 1

# the columns each view had in version 1 (later versions add columns)
cols_of() { q "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('$1')"; }
c_rec=$(cols_of records); c_conn=$(cols_of connections); c_diag=$(cols_of diagnostics)
c_msg=$(cols_of messages); c_err=$(cols_of errors)
views() {
	"$SIPSCAN" query --db "$db" --format csv \
		"SELECT $c_rec FROM records WHERE file_id = 1 ORDER BY id;
		SELECT $c_conn FROM connections WHERE file_id = 1 ORDER BY id;
		SELECT $c_diag FROM diagnostics WHERE file_id = 1 ORDER BY id;
		SELECT $c_msg FROM messages WHERE file_id = 1 ORDER BY id;
		SELECT $c_err FROM errors WHERE file_id = 1 ORDER BY id;
		SELECT kind, level, count(*) FROM records WHERE file_id = 1 GROUP BY 1, 2 ORDER BY 1, 2;
		SELECT $c_rec FROM records WHERE call_id = (SELECT call_id FROM records
			WHERE call_id IS NOT NULL AND file_id = 1 ORDER BY id LIMIT 1)"
}
# 0.1.0's read-only commands work on the old schema without changing it.
before_sum=$(cksum <"$db")
nfr=$(q "$db" 'SELECT count(*) FROM finding_records')
views >"$T/before" 2>"$T/before.err"
check "read v1: exit" "$?" 0
check "read v1: no message" "$(cat "$T/before.err")" ""
check "read v1: database unchanged" "$(cksum <"$db")" "$before_sum"
check "read v1: still version 1" "$(q "$db" 'PRAGMA user_version')" 1
"$SIPSCAN" show --db "$db" 5 >"$T/show.before"

# The first write migrates: an analyze of another file.
cp "$S/ocs2007r2-edge.log" "$T/edge.log"
"$SIPSCAN" analyze -qq --db "$db" "$T/edge.log" >"$T/an.out" 2>"$T/an.err"
check "migrating analyze: exit" "$?" 0
check "migrated: schema version" "$(q "$db" 'PRAGMA user_version')" 8
check "migrated: journal mode" "$(q "$db" 'PRAGMA journal_mode')" delete
check "migrated: integrity" "$(q "$db" 'PRAGMA integrity_check')" ok
check "migrated: records is a view" \
	"$(q "$db" "SELECT type FROM sqlite_master WHERE name = 'records'")" view
check "migrated: no -wal left" "$(ls "$db-wal" 2>/dev/null)" ""
views >"$T/after" 2>"$T/after.err"
check "migrated: same answers" "$(cmp "$T/before" "$T/after" 2>&1)" ""
check "migrated: lines of answers" "$(wc -l <"$T/after")" "$(wc -l <"$T/before")"
"$SIPSCAN" show --db "$db" 5 >"$T/show.after"
check "migrated: show gives the same text" "$(cmp "$T/show.before" "$T/show.after" 2>&1)" ""
check "migrated: finding evidence kept" "$(q "$db" "SELECT count(*) FROM finding_records fr
	JOIN records r ON r.id = fr.record_id WHERE r.file_id = 1")" "$nfr"
check "migrated: tagsets are distinct" \
	"$(q "$db" 'SELECT count(*) = (SELECT count(*) FROM (SELECT DISTINCT level, flag, host,
		component, function, result_symbol, transport, method, direction, reason, ms_diag_reason, ms_diag_code FROM tagsets))
		FROM tagsets')" 1
check "migrated: every row has its tagset" \
	"$(q "$db" 'SELECT count(*) FROM record_rows r LEFT JOIN tagsets t ON t.id = r.tagset_id WHERE t.id IS NULL')" 0
check "migrated: no strings table left" \
	"$(q "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'strings'")" 0
check "migrated: the new file is in" \
	"$(q "$db" "SELECT status FROM files WHERE path LIKE '%edge.log'")" ingested

# The migrated old file and the new one read like a fresh analyze of both.
cp "$S/lync2010-fe-owa.log" "$T/fe.log"
"$SIPSCAN" analyze -qq --db "$T/fresh.db" "$T/fe.log" "$T/edge.log" >/dev/null 2>&1
cols="line, ts, kind, level, flag, host, component, function, text, result_code,
	result_symbol, transport, peer, local, fqdn, conn_id, call_id, cseq, method,
	status, direction, ms_diag_code, ms_diag_reason, truncated, ts_ms, result_int"
check "migrated rows = fresh rows" \
	"$(q "$db" "SELECT $cols FROM records ORDER BY file_id, line" | cksum)" \
	"$(q "$T/fresh.db" "SELECT $cols FROM records ORDER BY file_id, line" | cksum)"
check "migrated matches = fresh matches" \
	"$(q "$db" "SELECT r.line, m.rule_id, m.key FROM matches m JOIN records r ON r.id = m.record_id ORDER BY 1, 2" | cksum)" \
	"$(q "$T/fresh.db" "SELECT r.line, m.rule_id, m.key FROM matches m JOIN records r ON r.id = m.record_id ORDER BY 1, 2" | cksum)"

# The old file has no statistics (schema 3 keeps them per file): the first
# summary that covers it gives it them from its records, the same as a
# fresh analyze counts while writing, and prints the same statistics.
stats="SELECT f.path, s.from_line, s.to_line, s.what, s.value, s.records, s.first_ts,
	s.last_ts FROM file_stats s JOIN files f ON f.id = s.file_id ORDER BY 1, 2, 4, 5"
check "migrated: old file has no statistics yet" \
	"$(q "$db" "SELECT count(*) FROM file_stats WHERE file_id = 1")" 0
# the fixture's file, back where the files row says it was
old_fe="$(cd "$T" && pwd -P)/fe-v1.log"
cp "$S/lync2010-fe-owa.log" "$old_fe"
touch -d @1795436759 "$old_fe"
q "$db" "UPDATE files SET path = '$old_fe' WHERE id = 1"
"$SIPSCAN" analyze --db "$db" "$old_fe" "$T/edge.log" >"$T/sum.old" 2>/dev/null
check "migrated: summary over the unchanged old file" "$(head -n 1 "$T/sum.old")" \
	"files: 0 ingested, 2 unchanged, 0 skipped, 0 partial, 0 failed"
check "migrated: summary exit" "$?" 0
check "migrated: statistics filled" \
	"$(q "$db" "SELECT count(*) > 3 FROM file_stats WHERE file_id = 1")" 1
rm -f "$T/fresh.db"
"$SIPSCAN" analyze --db "$T/fresh.db" "$old_fe" "$T/edge.log" >"$T/sum.fresh" 2>/dev/null
check "migrated: filled statistics = counted ones" \
	"$(q "$db" "$stats" | sed 's/^[^|]*\///' | cksum)" \
	"$(q "$T/fresh.db" "$stats" | sed 's/^[^|]*\///' | cksum)"
check "migrated: same summary statistics" \
	"$(sed '1,2d; /^$/,$d' "$T/sum.old" | cksum)" "$(sed '1,2d; /^$/,$d' "$T/sum.fresh" | cksum)"

# A database of schema 7 (tests/fixtures/schema-v7.sql: ms-diagnostics,
# reason phrases, CSeqs and an fqdn, stored as 296e193 stored them) is read
# as it is, and the migration to 8 (tagsets) keeps every answer: the same
# views, and the same rows as a fresh analyze of the same two files.
db7=$T/v7.db
sqlite3 -batch "$db7" <"$ROOT/tests/fixtures/schema-v7.sql" >/dev/null
check "fixture: schema version 7" "$(q "$db7" 'PRAGMA user_version')" 7
views7() {
	"$SIPSCAN" query --db "$db7" --format csv \
		"SELECT * FROM records WHERE file_id <= 2 ORDER BY id;
		SELECT * FROM connections WHERE file_id <= 2 ORDER BY id;
		SELECT * FROM diagnostics WHERE file_id <= 2 ORDER BY id;
		SELECT * FROM messages WHERE file_id <= 2 ORDER BY id;
		SELECT * FROM errors WHERE file_id <= 2 ORDER BY id;
		SELECT * FROM file_stats WHERE file_id <= 2 ORDER BY 1, 2, 3, 4, 5;
		SELECT id FROM records WHERE fqdn IS NOT NULL AND file_id <= 2 ORDER BY id"
}
sum7=$(cksum <"$db7")
views7 >"$T/v7.before" 2>"$T/v7.err"
check "read v7: exit" "$?" 0
check "read v7: no message" "$(cat "$T/v7.err")" ""
"$SIPSCAN" report --db "$db7" >"$T/v7.report" 2>"$T/v7.err"
check "read v7: report exit" "$?" 0
contains "read v7: report names the failing peers" "$(cat "$T/v7.report")" "PEERS WITH THE MOST FAILURES"
check "read v7: database unchanged" "$(cksum <"$db7")" "$sum7"
check "read v7: ms-diagnostics, reasons, CSeqs and an fqdn in the fixture" \
	"$(q "$db7" "SELECT count(ms_diag_code) > 0, count(reason) > 0, count(cseq) > 0,
		count(fqdn) > 0 FROM records")" "1|1|1|1"
cp "$S/ocs2007r2-edge.log" "$T/edge7.log"
"$SIPSCAN" analyze -qq --db "$db7" "$T/edge7.log" >/dev/null 2>"$T/an7.err"
check "migrating analyze from 7: exit" "$?" 0
check "migrated from 7: schema version" "$(q "$db7" 'PRAGMA user_version')" 8
check "migrated from 7: integrity" "$(q "$db7" 'PRAGMA integrity_check')" ok
views7 >"$T/v7.after" 2>"$T/v7.err"
check "migrated from 7: same answers" "$(cmp "$T/v7.before" "$T/v7.after" 2>&1)" ""
check "migrated from 7: lines of answers" "$(wc -l <"$T/v7.after")" "$(wc -l <"$T/v7.before")"
check "migrated from 7: no record left without its tagset" \
	"$(q "$db7" 'SELECT count(*) FROM record_rows r LEFT JOIN tagsets t ON t.id = r.tagset_id WHERE t.id IS NULL')" 0
check "migrated from 7: reason no longer in extra" \
	"$(q "$db7" "SELECT count(*) FROM record_rows WHERE extra LIKE '%reason%'")" 0
cp "$S/sfb-edge-federation.log.gz" "$T/sfb7.log.gz"
cp "$S/lync2010-fe-owa.log" "$T/fe7.log"
"$SIPSCAN" analyze -qq --db "$T/fresh7.db" "$T/sfb7.log.gz" "$T/fe7.log" >/dev/null 2>&1
check "migrated from 7: rows = a fresh analyze's" \
	"$(q "$db7" "SELECT * FROM records WHERE file_id <= 2 ORDER BY id" | cksum)" \
	"$(q "$T/fresh7.db" "SELECT * FROM records ORDER BY id" | cksum)"
check "migrated from 7: stored forms = a fresh analyze's" \
	"$(q "$db7" "SELECT * FROM record_rows WHERE file_id <= 2 ORDER BY id" | cksum)" \
	"$(q "$T/fresh7.db" "SELECT * FROM record_rows ORDER BY id" | cksum)"

# A database newer than this sipscan is refused, not damaged.
q "$db" "PRAGMA user_version = 99"
sum=$(cksum <"$db")
"$SIPSCAN" query --db "$db" "SELECT 1" >/dev/null 2>"$T/new.err"
check "newer schema: exit" "$?" 3
contains "newer schema: message" "$(cat "$T/new.err")" "newer than this sipscan knows"
check "newer schema: unchanged" "$(cksum <"$db")" "$sum"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
