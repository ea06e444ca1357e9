#!/bin/sh
# test_analyze_crash.sh SIPSCAN -- `sipscan analyze` killed with SIGKILL at
# several moments (also in the middle of a file of many chunks) leaves a
# sound database, and a re-run completes the work exactly, records, their
# text and their chunks, with a parser thread (--jobs 2) and without
# (--jobs 1); two analyze processes on one database both succeed with no
# duplicates; the second one says it waits.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
GEN=$(dirname "$SIPSCAN")/sipscan-gen
dump() {
	q "$1" "SELECT id, file_id, line, ts, kind, level, host, text, result_code, fqdn,
		call_id, status, truncated, chunk_id, raw_off, raw_len FROM records ORDER BY id" | cksum
	q "$1" "SELECT id, file_id, hex(data) FROM chunks ORDER BY id" | cksum
	q "$1" "SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM records)"
	"$SIPSCAN" export --db "$1" records | cksum
	q "$1" "SELECT id, path, size, fingerprint, records, lines, status, resume_line FROM files ORDER BY id"
	q "$1" "SELECT * FROM file_stats ORDER BY file_id, from_line, what, value" | cksum
}

# A few MB of input in a directory: generated traces when the generator is
# built, else copies of the samples.
D=$T/in
mkdir -p "$D"
if [ -x "$GEN" ]; then
	"$GEN" --style sfb --size 12 --seed 7 >"$D/a.log" 2>/dev/null
	"$GEN" --style lync2010 --size 2 --seed 8 >"$D/b.log" 2>/dev/null
	"$GEN" --style sfb --size 1 --seed 9 2>/dev/null | gzip -1 >"$D/c.log.gz"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		cat "$S/lync2010-fe-owa.log" "$S/ocs2007r2-edge.log"
	done >"$D/a.log"
	cp "$D/a.log" "$D/b.log"
	cp "$S/sfb-edge-federation.log.gz" "$D/c.log.gz"
fi

"$SIPSCAN" analyze --db "$T/clean.db" -qq "$D" 2>"$T/err.clean"
check "clean run: exit" "$?" 0
dump "$T/clean.db" >"$T/clean.dump"
check "clean run: has records" "$(test "$(q "$T/clean.db" "SELECT count(*) FROM records")" -gt 1000 && echo yes)" yes
check "clean run: files of many chunks" "$(q "$T/clean.db" "SELECT count(*) > 8 FROM chunks WHERE file_id = 1")" 1

# ---- kill -9 at several moments, then re-run -------------------------------
# The re-run uses the same --jobs; the clean run used the default.  Small
# transactions (2000 rows; the default is 50000, and small files share one),
# so that a file spans several and a kill can leave one half written.
export SIPSCAN_TEST_COMMIT_ROWS=2000
# After a kill: the same command again completes the work exactly.
rerun_equals_clean() {
	"$SIPSCAN" analyze --db "$T/k.db" -qq --jobs $jobs "$D" 2>"$T/err.k2"
	check "$what: re-run exit" "$?" 0
	dump "$T/k.db" >"$T/k.dump"
	check "$what: re-run equals a clean run" \
		"$(cmp -s "$T/clean.dump" "$T/k.dump" && echo same)" same
	check "$what: no crash" "$(crashed "$T/err.k" "$T/err.k2" && echo crash)" ""
}
for jobs in 2 1; do
	mid=0
	for delay in 0.02 0.05 0.1 0.15 0.2 0.3 0.5; do
		what="jobs $jobs, kill after ${delay}s"
		rm -f "$T"/k.db*
		"$SIPSCAN" analyze --db "$T/k.db" -qq --jobs $jobs "$D" 2>"$T/err.k" &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		if [ -f "$T/k.db" ]; then
			check "$what: integrity" "$(q "$T/k.db" "PRAGMA integrity_check" 2>&1)" ok
			# killed while a file was being written (its chunks half there)
			[ "$(q "$T/k.db" "SELECT count(*) FROM files WHERE status = 'ingesting'" 2>/dev/null)" = 1 ] &&
				mid=$((mid + 1))
		fi
		rerun_equals_clean
	done
	# And one kill that waits until a file is being written (its first
	# transactions committed, status 'ingesting'), whatever the speed of
	# the machine: the delays above may all miss on a loaded one.
	what="jobs $jobs, kill in the middle of a file"
	rm -f "$T"/k.db*
	"$SIPSCAN" analyze --db "$T/k.db" -qq --jobs $jobs "$D" 2>"$T/err.k" &
	pid=$!
	i=0
	while [ $i -lt 6000 ] && kill -0 "$pid" 2>/dev/null; do
		[ "$(q "$T/k.db" "SELECT count(*) FROM files WHERE status = 'ingesting'" 2>/dev/null)" = 1 ] && break
		sleep 0.01
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$(q "$T/k.db" "SELECT count(*) FROM files WHERE status = 'ingesting'" 2>/dev/null)" = 1 ] &&
		mid=$((mid + 1))
	check "$what: integrity" "$(q "$T/k.db" "PRAGMA integrity_check" 2>&1)" ok
	rerun_equals_clean
	check "jobs $jobs: a kill hit the middle of a file" "$(test "$mid" -ge 1 && echo yes)" yes
done
unset SIPSCAN_TEST_COMMIT_ROWS

# With the default transactions the three files share them: a kill leaves
# no half-written file, and the re-run still completes the work exactly.
for delay in 0.05 0.2; do
	rm -f "$T"/g.db*
	"$SIPSCAN" analyze --db "$T/g.db" -qq "$D" 2>"$T/err.g" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -f "$T/g.db" ]; then
		check "default transactions, kill after ${delay}s: integrity" \
			"$(q "$T/g.db" "PRAGMA integrity_check" 2>&1)" ok
		# Killed before the first commit, the database holds no table
		# at all; else it holds every table and no half-written file.
		if [ "$(q "$T/g.db" "SELECT count(*) FROM sqlite_master")" = 0 ]; then
			half=0
		else
			half=$(q "$T/g.db" "SELECT count(*) FROM files WHERE status = 'ingesting'" 2>&1)
		fi
		check "default transactions, kill after ${delay}s: nothing half written" "$half" 0
	fi
	"$SIPSCAN" analyze --db "$T/g.db" -qq "$D" 2>"$T/err.g2"
	check "default transactions, kill after ${delay}s: re-run exit" "$?" 0
	dump "$T/g.db" >"$T/g.dump"
	check "default transactions, kill after ${delay}s: re-run equals a clean run" \
		"$(cmp -s "$T/clean.dump" "$T/g.dump" && echo same)" same
done

# ---- two writers on one database --------------------------------------------
rm -f "$T"/c.db*
"$SIPSCAN" analyze --db "$T/c.db" -qq "$D" 2>"$T/err.c1" &
p1=$!
"$SIPSCAN" analyze --db "$T/c.db" -qq "$D" 2>"$T/err.c2" &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
r2=$?
check "concurrent: both exit 0" "$r1 $r2" "0 0"
dump "$T/c.db" >"$T/c.dump"
check "concurrent: equals a clean run" "$(cmp -s "$T/clean.dump" "$T/c.dump" && echo same)" same

# The second one waits while the lock is held, and says so.
rm -f "$T"/w.db*
flock "$T/w.db-lock" sleep 1 &
lp=$!
# until the holder has the lock (a loaded machine may start it late)
n=0
while flock -n "$T/w.db-lock" true 2>/dev/null && [ $n -lt 100 ]; do
	sleep 0.02
	n=$((n + 1))
done
"$SIPSCAN" analyze --db "$T/w.db" -qq "$S/ocs2007r2-edge.log" 2>"$T/err.w"
check "lock: exit" "$?" 0
check "lock: waiting message" "$(grep -c "sipscan: waiting for another analyze on $T/w.db" "$T/err.w")" 1
wait "$lp"

# A reader can read while an ingest runs (the database has a rollback
# journal: a reader may have to wait for a commit, so it sets a timeout, as
# sipscan's own readers do).
rm -f "$T"/r.db*
"$SIPSCAN" analyze --db "$T/r.db" -qq "$S/ocs2007r2-edge.log" 2>/dev/null
"$SIPSCAN" analyze --db "$T/r.db" -qq "$D" 2>/dev/null &
pr=$!
sleep 0.1
check "reader during ingest" \
	"$(sqlite3 -batch -cmd '.timeout 30000' "$T/r.db" "SELECT count(*) > 0 FROM records" 2>&1)" 1
check "sipscan query during ingest" \
	"$("$SIPSCAN" query --db "$T/r.db" --format csv "SELECT count(*) > 0 AS n FROM files" 2>&1 |
	tr -d '\r' | tail -n 1)" 1
wait "$pr"
check "reader during ingest: writer exit" "$?" 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
