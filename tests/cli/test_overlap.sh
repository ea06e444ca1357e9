#!/bin/sh
# test_overlap.sh SIPSCAN -- true counts (issue 15, item 5): a record read
# from two inputs is stored and counted once.  A gzip and its extracted
# copy, one file under two names (same content, not read twice), the
# bundled gzip and its extracted parts, overlapping exports of one capture
# (the shared records dropped from the later input), and what the summary
# says about each; re-runs leave all of it unchanged.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
GZ=$S/sfb-edge-federation.log.gz
P1=$S/src/sfb-edge-federation.part1.log
P2=$S/src/sfb-edge-federation.part2.log
P3=$S/src/sfb-edge-federation.part3.log
findings() { q "$1" "SELECT rule_id || ' ' || coalesce(subject, '') || ' ' || count FROM findings ORDER BY rule_id, subject"; }

# the reference: the gzip alone
"$SIPSCAN" analyze -qq --db "$T/ref.db" "$GZ"
check "reference: exit" "$?" 0
nref=$(q "$T/ref.db" "SELECT count(*) FROM records")

# ---- 1. a gzip and its extracted copy: the same content -----------------
mkdir -p "$T/a"
gzip -dc "$GZ" >"$T/a/y.log"
gzip -c "$T/a/y.log" >"$T/a/x.log.gz"   # one member (the bundled one has three)
"$SIPSCAN" analyze --db "$T/a.db" "$T/a/x.log.gz" "$T/a/y.log" >"$T/a.out" 2>"$T/a.err"
check "gzip and copy: exit" "$?" 0
check "gzip and copy: records stored once" "$(q "$T/a.db" "SELECT count(*) FROM records")" "$nref"
check "gzip and copy: the copy's row" "$(q "$T/a.db" "SELECT status || ' ' || records || ' ' || (duplicate_of = (SELECT id FROM files WHERE path LIKE '%x.log.gz')) FROM files WHERE path LIKE '%y.log'")" "duplicate 0 1"
check "gzip and copy: the same content hash" "$(q "$T/a.db" "SELECT count(DISTINCT content_hash) FROM files")" 1
# (the line wraps at the width: read it joined)
contains "gzip and copy: summary counts it" "$(tr -s '\n ' '  ' <"$T/a.out")" "0 failed, 1 the same as another"
contains "gzip and copy: summary names both" "$(cat "$T/a.out")" "$T/a/y.log: same content as $T/a/x.log.gz: stored once"
check "gzip and copy: findings as the gzip alone" "$(findings "$T/a.db")" "$(findings "$T/ref.db")"
"$SIPSCAN" analyze --db "$T/a.db" "$T/a/x.log.gz" "$T/a/y.log" >"$T/a2.out" 2>&1
check "gzip and copy: re-run exit" "$?" 0
contains "gzip and copy: re-run unchanged" "$(cat "$T/a2.out")" "files: 0 ingested, 2 unchanged"
check "gzip and copy: re-run records" "$(q "$T/a.db" "SELECT count(*) FROM records")" "$nref"

# the same file under another name, in a later run: not read again
cp "$T/a/y.log" "$T/a/z.log"
"$SIPSCAN" analyze --db "$T/a.db" "$T/a/z.log" >"$T/a3.out" 2>&1
check "another name: exit" "$?" 0
contains "another name: said" "$(cat "$T/a3.out")" "z.log: same content as"
check "another name: nothing new" "$(q "$T/a.db" "SELECT count(*) FROM records")" "$nref"

# ---- 2. the gzip and its extracted parts (samples/ as shipped) ----------
"$SIPSCAN" analyze --db "$T/p.db" "$GZ" "$P1" "$P2" "$P3" >"$T/p.out" 2>&1
check "parts: exit" "$?" 0
check "parts: records stored once" "$(q "$T/p.db" "SELECT count(*) FROM records")" "$nref"
check "parts: every part a duplicate of the gzip" "$(q "$T/p.db" "SELECT count(*) FROM files WHERE status = 'duplicate' AND duplicate_of = (SELECT id FROM files WHERE path LIKE '%.gz')")" 3
check "parts: findings as the gzip alone" "$(findings "$T/p.db")" "$(findings "$T/ref.db")"
contains "parts: summary" "$(cat "$T/p.out")" "sfb-edge-federation.part2.log: the same records as $GZ: stored once"
# the parts first: they keep the records, the gzip is the duplicate
"$SIPSCAN" analyze -qq --db "$T/p2.db" "$P1" "$P2" "$P3" "$GZ"
check "parts first: records stored once" "$(q "$T/p2.db" "SELECT count(*) FROM records")" "$nref"
check "parts first: the gzip holds none" "$(q "$T/p2.db" "SELECT status || ' ' || records FROM files WHERE path LIKE '%.gz'")" "duplicate 0"
check "parts first: findings as the gzip alone" "$(findings "$T/p2.db")" "$(findings "$T/ref.db")"

# ---- 3. overlapping exports of one capture ------------------------------
cat "$P1" "$P2" >"$T/early.log"
cat "$P2" "$P3" >"$T/late.log"
"$SIPSCAN" analyze --db "$T/o.db" "$T/early.log" "$T/late.log" >"$T/o.out" 2>&1
check "overlap: exit" "$?" 0
check "overlap: records stored once" "$(q "$T/o.db" "SELECT count(*) FROM records")" "$nref"
n2=$("$SIPSCAN" analyze -qq --db "$T/p2only.db" "$P2" && q "$T/p2only.db" "SELECT count(*) FROM records")
check "overlap: the later export lost the shared records" "$(q "$T/o.db" "SELECT records FROM files WHERE path LIKE '%late.log'")" "$(( $(q "$T/o.db" "SELECT count(*) FROM records r JOIN files f ON f.id = r.file_id WHERE f.path LIKE '%late.log'") ))"
contains "overlap: summary says how many and where" "$(cat "$T/o.out")" "late.log: $n2 of its records also in $T/early.log: stored once"
check "overlap: findings as the gzip alone" "$(findings "$T/o.db")" "$(findings "$T/ref.db")"
check "overlap: stats recounted" "$(q "$T/o.db" "SELECT (SELECT sum(records) FROM file_stats WHERE what = 'kind') = (SELECT count(*) FROM record_rows)")" 1
# one run after the other: the same
"$SIPSCAN" analyze -qq --db "$T/o2.db" "$T/early.log"
"$SIPSCAN" analyze -qq --db "$T/o2.db" "$T/late.log"
check "overlap, two runs: records stored once" "$(q "$T/o2.db" "SELECT count(*) FROM records")" "$nref"
check "overlap, two runs: findings as the gzip alone" "$(findings "$T/o2.db")" "$(findings "$T/ref.db")"

# ---- 4. not an overlap: two servers, the same hours ---------------------
sed 's/sfbedge0/sfbedgeX/' "$P2" >"$T/other-host.log"
"$SIPSCAN" analyze -qq --db "$T/h.db" "$P2" "$T/other-host.log"
check "other host: both kept" "$(q "$T/h.db" "SELECT count(*) FROM records")" "$(( n2 * 2 ))"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
