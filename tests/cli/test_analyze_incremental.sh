#!/bin/sh
# test_analyze_incremental.sh SIPSCAN -- `sipscan analyze` on files that
# change between runs: appended (only the tail is read, the result equals a
# fresh analyze, also when the cut falls inside a chunk of a file of many
# chunks; its file_stats too), appended gzip members, rewritten in place
# (rows replaced).
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
# records without ids and file ids, with their text (from the chunks):
# what must be equal between two dbs
dump() {
	q "$1" "SELECT line, ts, kind, level, flag, host, component, function, text,
		result_code, result_symbol, transport, peer, local, fqdn, conn_id, call_id, cseq,
		method, status, direction, ms_diag_code, ms_diag_reason, truncated
		FROM records ORDER BY file_id, line"
	"$SIPSCAN" export --db "$1" records | sed 's/^{"id":[0-9]*,"file_id":[0-9]*,//'
}
# chunk bookkeeping: none unused, none shared by two files
chunks_ok() {
	q "$1" "SELECT (SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM records))
		+ (SELECT count(*) FROM records r JOIN chunks c ON c.id = r.chunk_id WHERE c.file_id <> r.file_id)
		+ (SELECT count(*) FROM records WHERE chunk_id IS NULL)"
}
files_row() { q "$1" "SELECT size, fingerprint, tail_hash, records, lines, status, resume_offset, resume_line, host, first_ts, last_ts, error FROM files"; }
# each file's counts, summed over the ranges of lines they are kept in
stats="SELECT what, value, sum(records), min(first_ts), max(last_ts) FROM file_stats GROUP BY 1, 2 ORDER BY 1, 2"
written() { sed -n 's/^records: [0-9]* in these files, \([0-9]*\) written now$/\1/p' "$1"; }

# ---- 1. append to a plain file, cutting a record in half -----------------
for src in lync2010-fe-owa.log ocs2007r2-edge.log; do
	total=$(wc -l <"$S/$src")
	half=$((total / 2))
	head -n "$half" "$S/$src" >"$T/grow.log"
	"$SIPSCAN" analyze --db "$T/inc.db" -qq "$T/grow.log" 2>/dev/null
	before=$(q "$T/inc.db" "SELECT count(*) FROM records")
	tail -n +"$((half + 1))" "$S/$src" >>"$T/grow.log"
	"$SIPSCAN" analyze --db "$T/inc.db" "$T/grow.log" >"$T/out" 2>"$T/err"
	check "$src append: exit" "$?" 0
	check "$src append: reported as ingested" "$(head -n 1 "$T/out")" "files: 1 ingested, 0 unchanged, 0 skipped, 0 partial, 0 failed"
	"$SIPSCAN" analyze --db "$T/fresh.db" -qq "$T/grow.log" 2>/dev/null
	check "$src append: records equal a fresh analyze" \
		"$(dump "$T/inc.db" | cksum)" "$(dump "$T/fresh.db" | cksum)"
	check "$src append: files row equals a fresh analyze" \
		"$(files_row "$T/inc.db")" "$(files_row "$T/fresh.db")"
	# the grown file's counts: those of the first run but its last record,
	# plus the tail's (three ranges of lines, not read again), equal those
	# a fresh analyze counts while writing
	check "$src append: file_stats equal a fresh analyze" \
		"$(q "$T/inc.db" "$stats")" "$(q "$T/fresh.db" "$stats")"
	check "$src append: file_stats kept and added" \
		"$(q "$T/inc.db" "SELECT count(DISTINCT from_line) FROM file_stats")" 3
	after=$(q "$T/inc.db" "SELECT count(*) FROM records")
	w=$(written "$T/out")
	# only the tail was read: what was written is the new records plus
	# at most the one record the first run may have cut short
	check "$src append: only the tail written" \
		"$(test "$w" -le $((after - before + 1)) && test "$w" -lt "$after" && echo yes)" yes
	check "$src append: no duplicate lines" \
		"$(q "$T/inc.db" "SELECT count(*) FROM (SELECT line FROM records GROUP BY file_id, line HAVING count(*) > 1)")" 0
	# and a third run reads nothing
	"$SIPSCAN" analyze --db "$T/inc.db" "$T/grow.log" >"$T/out" 2>/dev/null
	check "$src append: third run unchanged" "$(head -n 1 "$T/out")" "files: 0 ingested, 1 unchanged, 0 skipped, 0 partial, 0 failed"
	rm -f "$T"/inc.db* "$T"/fresh.db* "$T/grow.log"
done

# ---- 1b. a file of many chunks, appended twice, cut inside chunks -------------
GEN=$(dirname "$SIPSCAN")/sipscan-gen
if [ -x "$GEN" ]; then
	"$GEN" --style sfb --size 4 --seed 21 >"$T/src.log" 2>/dev/null
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
		cat "$S/lync2010-fe-owa.log"
	done >"$T/src.log"
fi
total=$(wc -l <"$T/src.log")
a=$((total * 4 / 10))
b=$((total * 7 / 10))
head -n "$a" "$T/src.log" >"$T/grow.log"
"$SIPSCAN" analyze --db "$T/inc.db" -qq "$T/grow.log" 2>/dev/null
c1=$(q "$T/inc.db" "SELECT count(*) FROM chunks")
check "chunks append: first part has several chunks" "$(test "$c1" -ge 4 && echo yes)" yes
for cut in "$b" "$total"; do
	before=$(q "$T/inc.db" "SELECT count(*) FROM records")
	head -n "$cut" "$T/src.log" | tail -n +"$(( $(wc -l <"$T/grow.log") + 1 ))" >>"$T/grow.log"
	"$SIPSCAN" analyze --db "$T/inc.db" "$T/grow.log" >"$T/out" 2>/dev/null
	# cut inside a record (exit 1, the file partial) until the whole source
	check "chunks append to line $cut: exit" "$?" "$([ "$cut" = "$total" ] && echo 0 || echo 1)"
	after=$(q "$T/inc.db" "SELECT count(*) FROM records")
	check "chunks append to line $cut: only the tail written" "$(written "$T/out")" $((after - before + 1))
	rm -f "$T"/fresh.db*
	"$SIPSCAN" analyze --db "$T/fresh.db" -qq "$T/grow.log" 2>/dev/null
	check "chunks append to line $cut: records and texts equal a fresh analyze" \
		"$(dump "$T/inc.db" | cksum)" "$(dump "$T/fresh.db" | cksum)"
	check "chunks append to line $cut: files row equals a fresh analyze" \
		"$(files_row "$T/inc.db")" "$(files_row "$T/fresh.db")"
	check "chunks append to line $cut: chunk bookkeeping" "$(chunks_ok "$T/inc.db")" 0
	check "chunks append to line $cut: earlier chunks kept" \
		"$(q "$T/inc.db" "SELECT count(*) FROM chunks WHERE id < $c1")" $((c1 - 1))
	c1=$(q "$T/inc.db" "SELECT count(*) FROM chunks")
	c1=$(q "$T/inc.db" "SELECT max(id) FROM chunks")
done
check "chunks append: source fully read" "$(cmp -s "$T/src.log" "$T/grow.log" && echo same)" same
rm -f "$T"/inc.db* "$T"/fresh.db* "$T/grow.log"

# ---- 2. a gzip file that gains a member (CLS appends) ---------------------
gzip -dc "$S/sfb-edge-federation.log.gz" >"$T/plain.log"
total=$(wc -l <"$T/plain.log")
head -n $((total / 2)) "$T/plain.log" | gzip -c >"$T/g.log.gz"
"$SIPSCAN" analyze --db "$T/g.db" -qq "$T/g.log.gz" 2>/dev/null
tail -n +$((total / 2 + 1)) "$T/plain.log" | gzip -c >>"$T/g.log.gz"
"$SIPSCAN" analyze --db "$T/g.db" "$T/g.log.gz" >"$T/out" 2>/dev/null
check "gzip append: exit" "$?" 0
"$SIPSCAN" analyze --db "$T/gf.db" -qq "$T/g.log.gz" 2>/dev/null
check "gzip append: records equal a fresh analyze" "$(dump "$T/g.db" | cksum)" "$(dump "$T/gf.db" | cksum)"
check "gzip append: files row equals a fresh analyze" "$(files_row "$T/g.db")" "$(files_row "$T/gf.db")"
check "gzip append: chunk bookkeeping" "$(chunks_ok "$T/g.db")" 0

# ---- 3. a file rewritten in place: rows replaced, not added ------------------
cp "$S/ocs2007r2-edge.log" "$T/r.log"
"$SIPSCAN" analyze --db "$T/r.db" -qq "$T/r.log" 2>/dev/null
cp "$S/lync2010-fe-owa.log" "$T/r.log"
touch -d '2001-01-01' "$T/r.log"
"$SIPSCAN" analyze --db "$T/r.db" -qq "$T/r.log" 2>/dev/null
check "rewrite: exit" "$?" 0
"$SIPSCAN" analyze --db "$T/rf.db" -qq "$T/r.log" 2>/dev/null
check "rewrite: records equal a fresh analyze" "$(dump "$T/r.db" | cksum)" "$(dump "$T/rf.db" | cksum)"
check "rewrite: one files row" "$(q "$T/r.db" "SELECT count(*) FROM files")" 1
check "rewrite: old chunks gone" "$(chunks_ok "$T/r.db")" 0
# same size, same mtime, one byte changed inside the first 64 KiB
cp "$S/ocs2007r2-edge.log" "$T/s.log"
"$SIPSCAN" analyze --db "$T/s.db" -qq "$T/s.log" 2>/dev/null
m=$(q "$T/s.db" "SELECT count(*) FROM records WHERE text LIKE '%partner%'")
sed 's/partner/PARTNER/' "$S/ocs2007r2-edge.log" >"$T/s2.log"
cat "$T/s2.log" >"$T/s.log"
touch -d "@$(q "$T/s.db" "SELECT mtime FROM files")" "$T/s.log"
"$SIPSCAN" analyze --db "$T/s.db" -qq "$T/s.log" 2>/dev/null
check "same size+mtime: sample has partner texts" "$(test "$m" -gt 0 && echo yes)" yes
check "same size+mtime, new content: re-read" \
	"$(q "$T/s.db" "SELECT count(*) FROM records WHERE text LIKE '%PARTNER%' COLLATE BINARY AND instr(text, 'PARTNER') > 0")" "$m"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
