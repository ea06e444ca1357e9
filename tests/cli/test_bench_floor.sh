#!/bin/sh
# test_bench_floor.sh SIPSCAN -- sipscan-floor, the benchmark's SQLite floor
# (bench/floor.c), stores exactly the rows and indexes of the database it
# is given, says how many and how long, and refuses what it cannot do.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
FLOOR=$(dirname "$SIPSCAN")/sipscan-floor
if [ ! -x "$FLOOR" ]; then
	echo "FAIL $FLOOR not built"
	exit 1
fi

"$SIPSCAN" analyze -qq --db "$T/src.db" "$S" 2>/dev/null
check "source: analyze exit" "$?" 0
n=$(q "$T/src.db" "SELECT count(*) FROM record_rows")
check "source: has records" "$(test "$n" -gt 100 && echo yes)" yes

out=$("$FLOOR" "$T/src.db" "$T/dst.db" 2>"$T/err")
check "floor: exit" "$?" 0
check "floor: stderr" "$(cat "$T/err")" ""
check "floor: rows" "$(echo "$out" | awk '{ print $1, $2, $3 }')" "rows $n seconds"
check "floor: seconds is a number" \
	"$(echo "$out" | awk '$4 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ { print "yes" }')" yes

# the same rows, ids included, and the same indexes
rows() { q "$1" "SELECT * FROM record_rows ORDER BY id" | cksum; }
check "floor: the same rows" "$(rows "$T/dst.db")" "$(rows "$T/src.db")"
idx() { q "$1" "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'record_rows' ORDER BY name"; }
check "floor: the same table and indexes" "$(idx "$T/dst.db")" "$(idx "$T/src.db")"
check "floor: integrity" "$(q "$T/dst.db" "PRAGMA integrity_check")" ok

# refusals: an existing target, a database that is not sipscan's, usage
"$FLOOR" "$T/src.db" "$T/dst.db" >/dev/null 2>"$T/err"
check "existing target: exit" "$?" 1
contains "existing target: message" "$(cat "$T/err")" "$T/dst.db exists"
check "existing target: left alone" "$(rows "$T/dst.db")" "$(rows "$T/src.db")"
sqlite3 "$T/other.db" "CREATE TABLE t(x)"
"$FLOOR" "$T/other.db" "$T/dst2.db" >/dev/null 2>"$T/err"
check "not a sipscan database: exit" "$?" 1
contains "not a sipscan database: message" "$(cat "$T/err")" "is it a sipscan database?"
check "not a sipscan database: no target made" "$(test -e "$T/dst2.db" && echo made)" ""
"$FLOOR" "$T/src.db" >/dev/null 2>"$T/err"
check "usage: exit" "$?" 2
contains "usage: message" "$(cat "$T/err")" "usage: sipscan-floor SOURCE.db TARGET.db"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
