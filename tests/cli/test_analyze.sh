#!/bin/sh
# test_analyze.sh SIPSCAN -- end-to-end tests of `sipscan analyze`: table
# contents against `sipscan parse` of the same samples, idempotence, a
# directory of mixed inputs, a truncated gzip, stdin, --jobs 1 vs 2 vs 4
# (one thread, a parser thread, three), a file of many chunks whose
# records `show` prints byte for byte, and each file's statistics
# (file_stats) counted while writing against the same from the records.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"

# parse-derived expectations for one file: counts by kind, fqdn, result codes
parse_kinds() { "$SIPSCAN" parse "$1" 2>/dev/null | grep -o '"kind":"[a-z]*"' | sed 's/.*:"\(.*\)"/\1/' | sort | uniq -c | awk '{print $2"|"$1}'; }

# ---- 1. the samples, named explicitly -----------------------------------
DB=$T/a.db
"$SIPSCAN" analyze --db "$DB" "$S/lync2010-fe-owa.log" "$S/ocs2007r2-edge.log" \
	"$S/sfb-edge-federation.log.gz" >"$T/out1" 2>"$T/err1"
check "samples: exit code" "$?" 0
check "samples: no crash" "$(crashed "$T/err1" && echo crash)" ""
check "samples: files ingested" "$(q "$DB" "SELECT count(*) FROM files WHERE status='ingested'")" 3
check "samples: summary line" "$(head -n 1 "$T/out1")" "files: 3 ingested, 0 unchanged, 0 skipped, 0 partial, 0 failed"
for f in lync2010-fe-owa.log ocs2007r2-edge.log sfb-edge-federation.log.gz; do
	want=$(parse_kinds "$S/$f")
	got=$(q "$DB" "SELECT kind, count(*) FROM records r JOIN files f ON f.id = r.file_id
		WHERE f.path LIKE '%/$f' GROUP BY kind ORDER BY kind")
	check "samples: $f kinds match parse" "$got" "$want"
	n=$("$SIPSCAN" parse "$S/$f" 2>/dev/null | wc -l | tr -d ' ')
	check "samples: $f files.records" "$(q "$DB" "SELECT records FROM files WHERE path LIKE '%/$f'")" "$n"
	want=$("$SIPSCAN" parse "$S/$f" 2>/dev/null | sed -n 's/.*,"fqdn":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{print $2"|"$1}')
	got=$(q "$DB" "SELECT fqdn, count(*) FROM records r JOIN files f ON f.id = r.file_id
		WHERE f.path LIKE '%/$f' AND fqdn IS NOT NULL GROUP BY fqdn ORDER BY fqdn")
	check "samples: $f fqdn column" "$got" "$want"
	want=$("$SIPSCAN" parse "$S/$f" 2>/dev/null | grep -o '"result_code":"[^"]*"' | sed 's/.*:"\(.*\)"/\1/' | sort | uniq -c | awk '{print $2"|"$1}')
	got=$(q "$DB" "SELECT result_code, count(*) FROM records r JOIN files f ON f.id = r.file_id
		WHERE f.path LIKE '%/$f' AND result_code IS NOT NULL GROUP BY 1 ORDER BY 1")
	check "samples: $f result codes" "$got" "$want"
	want=$("$SIPSCAN" parse "$S/$f" 2>/dev/null | grep -o '"call_id":"[^"]*"' | sort -u | wc -l | tr -d ' ')
	got=$(q "$DB" "SELECT count(DISTINCT call_id) FROM records r JOIN files f ON f.id = r.file_id
		WHERE f.path LIKE '%/$f'")
	check "samples: $f distinct call_ids" "$got" "$want"
done
check "samples: gzip compression" "$(q "$DB" "SELECT compression FROM files WHERE path LIKE '%.gz'")" gzip
check "samples: plain compression NULL" "$(q "$DB" "SELECT count(*) FROM files WHERE path LIKE '%.log' AND compression IS NULL")" 2
check "samples: absolute paths" "$(q "$DB" "SELECT count(*) FROM files WHERE path NOT LIKE '/%'")" 0
check "samples: no empty strings" "$(q "$DB" "SELECT count(*) FROM records WHERE text='' OR host='' OR fqdn='' OR call_id='' OR level=''")" 0
check "samples: result_code format" "$(q "$DB" "SELECT count(*) FROM records WHERE result_code IS NOT NULL AND result_code NOT GLOB '0x[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'")" 0
check "samples: every record has its text" "$(q "$DB" "SELECT count(*) FROM records WHERE chunk_id IS NULL OR raw_off IS NULL OR raw_len IS NULL OR raw_len = 0")" 0
check "samples: every chunk used" "$(q "$DB" "SELECT count(*) FROM chunks WHERE id NOT IN (SELECT chunk_id FROM records)")" 0
check "samples: chunks of one file" "$(q "$DB" "SELECT count(*) FROM records r JOIN chunks c ON c.id = r.chunk_id WHERE c.file_id <> r.file_id")" 0
# the reason phrase is kept (schema 5): flow labels responses without
# reading their text back
check "samples: reason of responses kept" "$(q "$DB" "SELECT count(*) FROM messages WHERE status = 401 AND reason = 'Unauthorized'") $(q "$DB" "SELECT count(*) FROM messages WHERE status IS NULL AND reason IS NOT NULL")" "$(q "$DB" "SELECT count(*) FROM messages WHERE status = 401") 0"
check "samples: indexes built" "$(q "$DB" "SELECT count(*) FROM sqlite_master WHERE type='index' AND name LIKE 'records_%'")" 4
check "samples: integrity" "$(q "$DB" "PRAGMA integrity_check")" ok
check "samples: views" "$(q "$DB" "SELECT (SELECT count(*) FROM messages) = (SELECT count(*) FROM records WHERE kind='protocol')")" 1

# ---- 2. idempotence -------------------------------------------------------
q "$DB" "SELECT * FROM files ORDER BY id" >"$T/files1"
before=$(q "$DB" "SELECT count(*), max(id) FROM records")
"$SIPSCAN" analyze --db "$DB" "$S/lync2010-fe-owa.log" "$S/ocs2007r2-edge.log" \
	"$S/sfb-edge-federation.log.gz" >"$T/out2" 2>"$T/err2"
check "rerun: exit code" "$?" 0
check "rerun: same records" "$(q "$DB" "SELECT count(*), max(id) FROM records")" "$before"
q "$DB" "SELECT * FROM files ORDER BY id" >"$T/files2"
check "rerun: files unchanged" "$(cmp -s "$T/files1" "$T/files2" && echo same)" same
check "rerun: summary" "$(head -n 1 "$T/out2")" "files: 0 ingested, 3 unchanged, 0 skipped, 0 partial, 0 failed"
# the summary is deterministic
sed 1d "$T/out1" >"$T/out1b"
sed 1d "$T/out2" | sed 's/, 0 written now/, X written now/' >"$T/out2b"
sed 's/, [0-9]* written now/, X written now/' "$T/out1b" >"$T/out1c"
check "rerun: same statistics" "$(cmp -s "$T/out1c" "$T/out2b" && echo same)" same

# ---- 3. a directory of mixed inputs ------------------------------------------
D=$T/dir
mkdir -p "$D/sub" "$D/.hidden"
cp "$S/lync2010-fe-owa.log" "$D/a.log"
cp "$S/sfb-edge-federation.log.gz" "$D/b.log.gz"
cp "$S/ocs2007r2-edge.log" "$D/sub/c.log"
cp "$S/ocs2007r2-edge.log" "$D/.hidden/h.log"
cp "$S/ocs2007r2-edge.log" "$D/.h.log"
printf 'This directory holds the traces of the outage.\nSee the ticket.\n' >"$D/README"
# recognised as a trace (a header line), but no record in it
printf 'Notes about the outage.\nThe trace shows lines such as\n  TL_ERROR(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\nwhich mean trouble.\n' >"$D/notes.txt"
head -c 3000 /dev/urandom >"$D/garbage.bin"
: >"$D/empty.log"
ln -s .. "$D/sub/loop"
DB=$T/dir.db
"$SIPSCAN" analyze --db "$DB" --jobs 2 "$D" >"$T/out3" 2>"$T/err3"
check "dir: exit code (walked non-traces do not count)" "$?" 0
check "dir: no crash" "$(crashed "$T/err3" && echo crash)" ""
check "dir: statuses" "$(q "$DB" "SELECT substr(path, length('$D') + 2), status FROM files ORDER BY path" | tr '\n' ' ')" \
	"README|skipped a.log|ingested b.log.gz|ingested empty.log|skipped garbage.bin|skipped notes.txt|skipped sub/c.log|ingested "
check "dir: skipped have a reason" "$(q "$DB" "SELECT count(*) FROM files WHERE status='skipped' AND (error IS NULL OR error='')")" 0
check "dir: a trace with no records" "$(q "$DB" "SELECT status, error, records FROM files WHERE path LIKE '%/notes.txt'")" "skipped|no records (it looks like Lync / Skype for Business server SIPStack traces (OCSLogger, CLS), but no line of it could be read as a record)|0"
check "dir: summary" "$(head -n 1 "$T/out3")" "files: 3 ingested, 0 unchanged, 4 skipped, 0 partial, 0 failed"
check "dir: summary lists README" "$(grep -c "README: skipped" "$T/out3")" 1
"$SIPSCAN" analyze --db "$DB" "$D/README" >/dev/null 2>"$T/err3b"
check "dir: named non-trace exits 1" "$?" 1
check "dir: named non-trace message" "$(grep -c "README: skipped" "$T/err3b")" 1
"$SIPSCAN" analyze --db "$DB" "$D/no-such-file" >/dev/null 2>"$T/err3c"
check "dir: missing file exits 1" "$?" 1
check "dir: missing file message" "$(grep -c "no-such-file" "$T/err3c")" 1

# ---- 4. a truncated gzip -------------------------------------------------
size=$(wc -c <"$S/sfb-edge-federation.log.gz")
head -c $((size * 2 / 3)) "$S/sfb-edge-federation.log.gz" >"$T/cut.log.gz"
DB=$T/cut.db
"$SIPSCAN" analyze --db "$DB" "$T/cut.log.gz" >"$T/out4" 2>"$T/err4"
check "truncated gzip: exit code" "$?" 1
check "truncated gzip: no crash" "$(crashed "$T/err4" && echo crash)" ""
check "truncated gzip: status" "$(q "$DB" "SELECT status FROM files")" partial
check "truncated gzip: records kept" "$(q "$DB" "SELECT count(*) > 0 AND count(*) = (SELECT records FROM files) FROM records")" 1
check "truncated gzip: error stored" "$(q "$DB" "SELECT error IS NOT NULL FROM files")" 1
check "truncated gzip: message on stderr" "$(grep -c '^sipscan: .*cut.log.gz: byte [0-9]*: ' "$T/err4")" 1

# ---- 5. stdin ---------------------------------------------------------------
DB=$T/stdin.db
"$SIPSCAN" analyze --db "$DB" -qq - <"$S/ocs2007r2-edge.log" >"$T/out5" 2>"$T/err5"
check "stdin: exit code" "$?" 0
check "stdin: quiet" "$(wc -c <"$T/out5" | tr -d ' ')" 0
n=$("$SIPSCAN" parse "$S/ocs2007r2-edge.log" 2>/dev/null | wc -l | tr -d ' ')
check "stdin: records" "$(q "$DB" "SELECT path LIKE 'stdin:%Z.%', records, (SELECT count(*) FROM records) FROM files")" "1|$n|$n"
SIPSCAN_DB=$T/env.db "$SIPSCAN" analyze -qq "$S/ocs2007r2-edge.log" 2>/dev/null
check "SIPSCAN_DB: used" "$(q "$T/env.db" "SELECT count(*) FROM records")" "$n"

# ---- 6. --jobs 1, 2 and 4 write the same database --------------------------
# --jobs 1 parses and writes on one thread (no gzip inflate thread either),
# 2 has a parser thread, 4 three; a gzip big enough for the inflate thread,
# and the same cut short, are among the inputs.
dump() {
	q "$1" "SELECT id, file_id, line, ts, kind, level, flag, host, component, function, text,
		result_code, result_symbol, transport, peer, local, fqdn, conn_id, call_id, cseq,
		method, status, direction, ms_diag_code, ms_diag_reason, truncated, chunk_id,
		raw_off, raw_len FROM records ORDER BY id"
	q "$1" "SELECT id, file_id, hex(data) FROM chunks ORDER BY id"
	q "$1" "SELECT id, path, size, fingerprint, records, lines, status, error, resume_offset,
		resume_line, host, first_ts, last_ts, format, compression, encoding FROM files ORDER BY id"
	q "$1" "SELECT * FROM matches ORDER BY record_id, rule_id"
	q "$1" "SELECT * FROM unexplained ORDER BY record_id"
	q "$1" "SELECT * FROM findings ORDER BY id"
	q "$1" "SELECT * FROM file_stats ORDER BY file_id, from_line, what, value"
}
for i in 1 2 3 4; do cp "$S/ocs2007r2-edge.log" "$D/sub/copy$i.log"; done
GEN=$(dirname "$SIPSCAN")/sipscan-gen
if [ -x "$GEN" ]; then
	"$GEN" --style sfb --size 4 --seed 13 2>/dev/null | gzip -1 >"$D/sub/gen.log.gz"
	size=$(wc -c <"$D/sub/gen.log.gz")
	head -c $((size * 2 / 3)) "$D/sub/gen.log.gz" >"$D/sub/gen-cut.log.gz"
fi
for j in 1 2 4; do
	"$SIPSCAN" analyze --db "$T/j$j.db" --jobs $j -qq "$D" 2>"$T/jerr$j"
	echo "$?" >"$T/jrc$j"
	dump "$T/j$j.db" >"$T/j$j.dump"
	sort "$T/jerr$j" >"$T/jerr$j.sorted"
done
want_rc=0
[ -x "$GEN" ] && want_rc=1
check "jobs: dump not empty" "$(test "$(wc -l <"$T/j1.dump")" -gt 100 && echo yes)" yes
check "jobs: exit codes" "$(cat "$T/jrc1" "$T/jrc2" "$T/jrc4" | tr '\n' ' ')" "$want_rc $want_rc $want_rc "
check "jobs: no crash" "$(crashed "$T/jerr1" "$T/jerr2" "$T/jerr4" && echo crash)" ""
check "jobs: --jobs 1 = --jobs 2" "$(cmp -s "$T/j1.dump" "$T/j2.dump" && echo same)" same
check "jobs: --jobs 1 = --jobs 4" "$(cmp -s "$T/j1.dump" "$T/j4.dump" && echo same)" same
check "jobs: same messages" "$(cmp -s "$T/jerr1.sorted" "$T/jerr2.sorted" &&
	cmp -s "$T/jerr1.sorted" "$T/jerr4.sorted" && echo same)" same
if [ -x "$GEN" ]; then
	check "jobs: big gzip ingested" "$(q "$T/j1.db" "SELECT status, compression, records > 1000 FROM files WHERE path LIKE '%/gen.log.gz'")" "ingested|gzip|1"
	check "jobs: cut gzip partial, records kept" "$(q "$T/j1.db" "SELECT status, records > 100 FROM files WHERE path LIKE '%/gen-cut.log.gz'")" "partial|1"
	check "jobs: cut gzip message" "$(grep -c 'gen-cut.log.gz: byte [0-9]*: gzip stream truncated' "$T/jerr1")" 1
fi

# ---- 7. usage and database errors ------------------------------------------
"$SIPSCAN" analyze --db "$T/u.db" >/dev/null 2>&1
check "usage: no path" "$?" 2
"$SIPSCAN" analyze --jobs 0 --db "$T/u.db" "$S/ocs2007r2-edge.log" >/dev/null 2>&1
check "usage: --jobs 0" "$?" 2
printf 'not a database, just text that is long enough to look like a header\n' >"$T/bad.db"
"$SIPSCAN" analyze --db "$T/bad.db" "$S/ocs2007r2-edge.log" >/dev/null 2>"$T/err7"
check "db: not a database exits 3" "$?" 3
sqlite3 "$T/foreign.db" "CREATE TABLE t(x)"
"$SIPSCAN" analyze --db "$T/foreign.db" "$S/ocs2007r2-edge.log" >/dev/null 2>"$T/err7"
check "db: foreign database exits 3" "$?" 3
check "db: foreign database message" "$(grep -c 'not a sipscan database' "$T/err7")" 1

# ---- 8. a file of many chunks: show prints every record as it stood ------
GEN=$(dirname "$SIPSCAN")/sipscan-gen
if [ -x "$GEN" ]; then
	"$GEN" --style sfb --size 3 --seed 11 >"$T/big.log" 2>/dev/null
	"$GEN" --style lync2010 --size 1 --seed 12 --crlf >"$T/big2.log" 2>/dev/null
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
		cat "$S/lync2010-fe-owa.log" "$S/ocs2007r2-edge.log"
	done >"$T/big.log"
	cp "$S/lync2010-fe-owa.log" "$T/big2.log"
fi
DB=$T/big.db
"$SIPSCAN" analyze --db "$DB" -qq "$T/big.log" "$T/big2.log" 2>/dev/null
check "chunks: exit" "$?" 0
check "chunks: several per file" "$(q "$DB" "SELECT count(*) >= 3 FROM chunks WHERE file_id = 1")" 1
check "chunks: up to about 1 MiB of text each" "$(q "$DB" "SELECT max(raw_off + raw_len) BETWEEN 1048576 AND 1048576 + 65536 FROM records")" 1
check "chunks: last record alone" "$(q "$DB" "SELECT count(*) FROM records WHERE chunk_id IN (SELECT chunk_id FROM records r WHERE line = (SELECT max(line) FROM records WHERE file_id = r.file_id))")" 2
check "chunks: records contiguous" "$(q "$DB" "SELECT count(*) FROM records a JOIN records b ON b.id = a.id + 1 AND b.chunk_id = a.chunk_id WHERE b.raw_off <> a.raw_off + a.raw_len")" 0
check "chunks: compressed small" "$(q "$DB" "SELECT (SELECT sum(length(data)) FROM chunks) * 4 < (SELECT sum(raw_len) FROM records)")" 1
# show: the first and last record of chunks, the middle of one, each file's
# last record; each must equal its lines in the file, byte for byte
ids=$(q "$DB" "SELECT id FROM records WHERE raw_off = 0 AND chunk_id IN (SELECT id FROM chunks ORDER BY id LIMIT 3 OFFSET 1)
	UNION SELECT max(id) FROM records GROUP BY chunk_id HAVING chunk_id IN (SELECT id FROM chunks ORDER BY id LIMIT 3)
	UNION SELECT id FROM (SELECT id, chunk_id FROM records WHERE chunk_id = (SELECT min(id) + 2 FROM chunks) ORDER BY id LIMIT 1 OFFSET 50)
	UNION SELECT max(id) FROM records GROUP BY file_id ORDER BY 1")
nshow=0 bad=""
for id in $ids; do
	"$SIPSCAN" show --db "$DB" "$id" >"$T/show.out" 2>>"$T/show.err" || bad="$bad $id(rc)"
	place=$(head -n 1 "$T/show.out")
	file=${place%:*} line=${place##*:}
	tail -n +2 "$T/show.out" >"$T/show.text"
	n=$(wc -l <"$T/show.text")
	sed -n "${line},$((line + n - 1))p" "$file" >"$T/show.want"
	cmp -s "$T/show.text" "$T/show.want" || bad="$bad $id"
	nshow=$((nshow + 1))
done
check "chunks: show at chunk edges and middle, byte for byte" "$nshow:$bad" "$(echo "$ids" | wc -w | tr -d ' '):"
check "chunks: show crlf file" "$("$SIPSCAN" show --db "$DB" "$(q "$DB" "SELECT min(id) FROM records WHERE file_id = 2")" | tail -n +2 | grep -c "$(printf '
')$" | awk '{print ($1 > 0)}')" "$(grep -c "$(printf '
')$" "$T/big2.log" | awk '{print ($1 > 0)}')"
# export: every record's text, in order, is the whole file (records cover it)
"$SIPSCAN" export --db "$DB" --format jsonl records >"$T/big.jsonl"
check "chunks: export has every record" "$(wc -l <"$T/big.jsonl" | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM records")"
check "chunks: export has raw, not its place" "$(head -n 1 "$T/big.jsonl" | grep -c '"truncated":[01],"ts_ms":[0-9]*,"result_int":[0-9a-z]*,"reason":[^,]*,"raw":"TL_')$(head -n 1 "$T/big.jsonl" | grep -c 'chunk_id\|raw_off\|raw_len')" 10
check "chunks: no crash" "$(crashed "$T/show.err" && echo crash)" ""

# ---- 9. file_stats counted while writing = file_stats from the records ---
# A file written whole gets its file_stats rows from what the writer counted
# (src/tally.c); the summary prints from them.  A file without them (grown,
# older schema, past the tally's bounds) gets them from its records with
# SQL when a summary needs them.  Both must give the same rows: here a copy
# of the database loses its file_stats and a summary fills them again.
# errs.log has more distinct error texts than the tally keeps (16,384), so
# its statistics come from SQL in both; some texts repeat, so counts and the
# order of equal counts are both tested.  fatal.log has the errors the tally
# names itself: TL_FATAL, no text, a result symbol.
awk 'BEGIN {
	pad = sprintf("%80s", ""); gsub(/ /, "x", pad)
	for (i = 0; i < 50000; i++) {
		t = i % 1000 == 0 ? "Repeated failure " (i % 3000) : "Unique failure " (99999 - i) " " pad
		printf "TL_ERROR(TF_CONNECTION) [0]0AC0.1278::03/14/2012-1%d:%02d:%02d.%03d.%08x (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\n", i % 4, (i / 60) % 60, i % 60, i % 1000, i
		printf "LogType: connection\nSeverity: error\nText: %s\nTransport: TLS\nPeer: 10.0.1.40:5061\n$$end_record\n", t
		if (i % 5000 == 0)
			printf "TL_WARN(TF_DIAG) [0]0AC0.1278::03/14/2012-09:00:00.000.0000047e (SIPStack,SIPAdminLog::WriteDiagnosticEvent:SIPAdminLog.cpp(160))$$begin_record\nLogType: diagnostic\nSeverity: warning\nText: A warning\n$$end_record\n"
	}
}' >"$T/errs.log"
{
	for t in 03 04 05 06; do
		case $t in 03|04) lv=TL_FATAL ;; *) lv=TL_ERROR ;; esac
		printf '%s(TF_CONNECTION) [0]0AC0.1278::03/14/2012-09:12:%s.367.0000047e (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\nLogType: connection\nSeverity: error\n' "$lv" "$t"
		case $t in 03|04) echo 'Text: Fatal stop' ;; 06) echo 'Result-Code: 0x80090325 SEC_E_UNTRUSTED_ROOT' ;; esac
		printf 'Peer: 10.0.1.40:59609\n$$end_record\n'
	done
} >"$T/fatal.log"
stats="SELECT file_id, from_line, to_line, what, value, records, first_ts, last_ts FROM file_stats ORDER BY 1, 2, 4, 5"
inputs="$S/lync2010-fe-owa.log $S/sfb-edge-federation.log.gz $T/fatal.log $S/ocs2007r2-edge.log"
DB=$T/tally.db
# shellcheck disable=SC2086
"$SIPSCAN" analyze --db "$DB" $inputs >"$T/tally1" 2>/dev/null
check "stats: exit" "$?" 0
check "stats: every file written" "$(head -n 1 "$T/tally1")" "files: 4 ingested, 0 unchanged, 0 skipped, 0 partial, 0 failed"
check "stats: counted for every file" "$(q "$DB" "SELECT count(DISTINCT file_id) FROM file_stats")" 4
check "stats: kinds add up to files.records" "$(q "$DB" "SELECT count(*) FROM files f WHERE records <> (SELECT sum(records) FROM file_stats WHERE file_id = f.id AND what = 'kind')")" 0
check "stats: errors counted while writing" "$(q "$DB" "SELECT value, sum(records) FROM file_stats WHERE what = 'error' AND file_id = (SELECT id FROM files WHERE path LIKE '%fatal.log') GROUP BY value ORDER BY value" | tr '\n' ' ')" "(no text)|1 Fatal stop|2 SEC_E_UNTRUSTED_ROOT|1 "
check "stats: levels counted while writing" "$(q "$DB" "SELECT value, sum(records) FROM file_stats WHERE what = 'level' AND file_id = (SELECT id FROM files WHERE path LIKE '%fatal.log') GROUP BY value ORDER BY value" | tr '\n' ' ')" "TL_ERROR|2 TL_FATAL|2 "
check "stats: summary top error" "$(grep -A 1 '^top errors:' "$T/tally1" | tail -n 1)" "        5  The peer is not a configured server on this network interface"
check "stats: two ranges a file, the last record alone" "$(q "$DB" "SELECT count(*) FROM (SELECT file_id FROM file_stats GROUP BY file_id HAVING count(DISTINCT from_line) <> 2 OR max(from_line) <> (SELECT max(line) FROM records r WHERE r.file_id = file_stats.file_id) OR sum(records) FILTER (WHERE what = 'kind' AND from_line = to_line) <> 1)")" 0
check "stats: error rows = errors view" "$(q "$DB" "SELECT count(*) FROM (SELECT file_id, coalesce(text, ms_diag_reason, result_symbol, '(no text)') AS t, count(*) AS n FROM errors GROUP BY 1, 2 EXCEPT SELECT file_id, value, sum(records) FROM file_stats WHERE what = 'error' GROUP BY 1, 2)") $(q "$DB" "SELECT sum(records) FROM file_stats WHERE what = 'error'")" "0 $(q "$DB" "SELECT count(*) FROM errors")"
q "$DB" "$stats" >"$T/stats.counted"
cp "$DB" "$T/tally-sql.db"
q "$T/tally-sql.db" "DELETE FROM file_stats"
# shellcheck disable=SC2086
"$SIPSCAN" analyze --db "$T/tally-sql.db" $inputs >"$T/tally2" 2>/dev/null
check "stats: rerun unchanged" "$(head -n 1 "$T/tally2")" "files: 0 ingested, 4 unchanged, 0 skipped, 0 partial, 0 failed"
check "stats: filled from the records" "$(q "$T/tally-sql.db" "SELECT count(DISTINCT file_id) FROM file_stats")" 4
q "$T/tally-sql.db" "$stats" >"$T/stats.sql"
check "stats: counted = from the records" "$(cmp "$T/stats.counted" "$T/stats.sql" 2>&1)" ""
check "stats: same summary" "$(sed '1,2d; s/ --db [^ ]* / /' "$T/tally1" | cksum)" "$(sed '1,2d; s/ --db [^ ]* / /' "$T/tally2" | cksum)"
# report reads kinds and hosts from file_stats when they cover every record,
# else from the records: the same report either way
cp "$DB" "$T/nostats.db"
q "$T/nostats.db" "DELETE FROM file_stats"
for fmt in text json; do
	"$SIPSCAN" report --db "$DB" --format $fmt >"$T/rep1.$fmt" 2>&1
	"$SIPSCAN" report --db "$T/nostats.db" --format $fmt >"$T/rep2.$fmt" 2>&1
	check "stats: report $fmt with and without file_stats" "$(cmp "$T/rep1.$fmt" "$T/rep2.$fmt" 2>&1)" ""
done
check "stats: report lists the hosts" "$(grep -c '"hosts": *\[ *"' "$T/rep1.json" | awk '{print ($1 > 0)}')$(grep -c 'connection' "$T/rep1.text" | awk '{print ($1 > 0)}')" 11
# past the tally's bound: no rows from the writer, the summary fills them
"$SIPSCAN" analyze --db "$DB" -qq "$T/errs.log" 2>/dev/null
check "stats: none past the bound" "$(q "$DB" "SELECT count(*) FROM file_stats WHERE file_id = (SELECT id FROM files WHERE path LIKE '%errs.log')")" 0
"$SIPSCAN" analyze --db "$DB" "$T/errs.log" >"$T/tally3" 2>/dev/null
check "stats: filled past the bound" "$(q "$DB" "SELECT sum(records) FROM file_stats WHERE what = 'error' AND file_id = (SELECT id FROM files WHERE path LIKE '%errs.log')")" 50000
check "stats: filled in the ingest's two ranges" "$(q "$DB" "SELECT count(DISTINCT from_line) FROM file_stats WHERE file_id = (SELECT id FROM files WHERE path LIKE '%errs.log')")" 2
check "stats: top error" "$(grep -A 1 '^top errors:' "$T/tally3" | tail -n 1)" "       17  Repeated failure 0"
# (its text wrapped at the width: the 80-letter word on a line of its own)
check "stats: ties by text" "$(grep -A 5 '^top errors:' "$T/tally3" | tail -n 2)" "        1  Unique failure 50000
           $(printf '%80s' '' | tr ' ' x)"
# one unchanged file and one new: the statistics cover both
cp "$S/ocs2007r2-edge.log" "$T/again.log"
"$SIPSCAN" analyze --keep-duplicates --db "$DB" "$S/lync2010-fe-owa.log" "$T/again.log" >"$T/tally4" 2>/dev/null
"$SIPSCAN" analyze --keep-duplicates --db "$T/tally5.db" "$S/lync2010-fe-owa.log" "$T/again.log" >"$T/tally5" 2>/dev/null
# (the statistics only: findings count every matching record of the database)
sed '1,2d; /^$/,$d' "$T/tally4" >"$T/tally4b"
sed '1,2d; /^$/,$d' "$T/tally5" >"$T/tally5b"
check "stats: mixed run statistics" "$(grep -c . "$T/tally4b" | awk '{print ($1 > 5)}')" 1
check "stats: mixed run = fresh run" "$(diff "$T/tally4b" "$T/tally5b" && echo same)" same
# the unexplained signatures of the run's files: read through the file
# index here (the run's files are a small part of the database), through
# unexplained in the fresh run; the same lines
sed -n '/^unexplained errors/,$p' "$T/tally4" >"$T/unexp4"
sed -n '/^unexplained errors/,$p' "$T/tally5" >"$T/unexp5"
check "stats: unexplained of the run's files" "$(grep -c . "$T/unexp4" | awk '{print ($1 > 1)}') $(diff "$T/unexp4" "$T/unexp5" && echo same)" "1 same"

# A finding counts the whole database; a run whose files hold only some of
# its records says how many are in them.
cp "$S/lync2010-fe-owa.log" "$T/cnt-a.log"
{ cat "$S/lync2010-fe-owa.log"; echo; } >"$T/cnt-b.log"
"$SIPSCAN" analyze -qq --db "$T/cnt.db" "$T/cnt-a.log" >/dev/null 2>&1
"$SIPSCAN" analyze --keep-duplicates --db "$T/cnt.db" "$T/cnt-b.log" >"$T/cnt.out" 2>&1
n=$(q "$T/cnt.db" "SELECT count FROM findings WHERE rule_id = 'PEER-NOT-CONFIGURED'")
contains "counts: the database's and these files'" "$(cat "$T/cnt.out")" "$n records ($((n / 2)) in these files)"
"$SIPSCAN" analyze --db "$T/cnt.db" "$T/cnt-a.log" "$T/cnt-b.log" >"$T/cnt2.out" 2>&1
check "counts: no note when the run covers them all" "$(grep -c 'in these files)' "$T/cnt2.out")" 0

# Normal outcomes (busy, declined, cancelled, no answer, an unknown contact
# looked up) are counted apart, never unexplained; a 404 to an INVITE, a
# 500 are still problems.
resp() { # resp N STATUS REASON METHOD [ms-client-diagnostics]
	printf 'TL_INFO(TF_PROTOCOL) [0]0AC0.1278::03/14/2012-09:12:%02d.000.000000%02x (SIPStack,SIPAdminLog::TraceProtocolRecord:SIPAdminLog.cpp(125))$$begin_record\r\nDirection: outgoing\r\nPeer: 10.0.20.51:49460\r\nMessage-Type: response\r\nStart-Line: SIP/2.0 %s %s\r\nFrom: <sip:alice@contoso.com>;tag=1\r\nTo: <sip:bob@contoso.com>;tag=2\r\nCall-ID: call-%s\r\nCSeq: 1 %s\r\n%sContent-Length: 0\r\nMessage-Body: -\r\n$$end_record\r\n' \
		"$1" "$1" "$2" "$3" "$1" "$4" "${5:+ms-client-diagnostics: $5\r\n}"
}
{ resp 1 486 "Busy Here" INVITE; resp 2 486 "Busy Here" INVITE '52001;reason="Client side general processing error."'
  resp 3 603 Decline INVITE; resp 4 487 "Request Terminated" INVITE
  resp 5 480 "Temporarily Unavailable" INVITE; resp 6 404 "Not Found" SUBSCRIBE
  resp 7 404 "Not Found" INVITE; resp 8 500 "Server Internal Error" INVITE; } >"$T/outc.log"
"$SIPSCAN" analyze --db "$T/outc.db" "$T/outc.log" >"$T/outc.out" 2>&1
check "outcomes: exit" "$?" 0
contains "outcomes: counted apart" "$(cat "$T/outc.out")" "outcomes (normal endings of calls and look-ups, not errors):
        2  486 Busy Here"
contains "outcomes: the 404 of a look-up" "$(cat "$T/outc.out")" "404 Not Found"
check "outcomes: in file_stats" "$(q "$T/outc.db" "SELECT group_concat(value || '=' || records, ',') FROM (SELECT value, sum(records) AS records FROM file_stats WHERE what = 'outcome' GROUP BY value ORDER BY value)")" \
	"404 Not Found=1,480 Temporarily Unavailable=1,486 Busy Here=2,487 Request Terminated=1,603 Decline=1"
check "outcomes: never unexplained" "$(q "$T/outc.db" "SELECT count(*) FROM unexplained u JOIN messages m ON m.id = u.record_id WHERE m.status IN (480, 486, 487, 603) OR (m.status = 404 AND m.method = 'SUBSCRIBE')")" 0
check "outcomes: the others still are" "$(q "$T/outc.db" "SELECT group_concat(m.status || ' ' || m.method) FROM unexplained u JOIN messages m ON m.id = u.record_id ORDER BY m.id")" "404 INVITE,500 INVITE"
# counted again from the records (a file stored before file_stats had
# outcomes) the same way
q "$T/outc.db" "DELETE FROM file_stats" >/dev/null
"$SIPSCAN" analyze --db "$T/outc.db" "$T/outc.log" >"$T/outc2.out" 2>&1
check "outcomes: from the records, the same" "$(sed -n '/^outcomes/,/^$/p' "$T/outc2.out")" "$(sed -n '/^outcomes/,/^$/p' "$T/outc.out")"

# A finding of a custom rule (--rules) keeps its title, cause and fix in a
# later run that does not load that rule.
mkdir "$T/myrules"
printf '[rule MY-LISTEN]\ntitle = Server listening\nseverity = error\nmatch.text = Listening on\ncause = a cause\nfix = a fix\n' >"$T/myrules/my.rules"
"$SIPSCAN" analyze -qq --db "$T/my.db" --rules "$T/myrules" "$S/lync2010-fe-owa.log" >/dev/null 2>&1
cp "$S/ocs2007r2-edge.log" "$T/my-b.log"
"$SIPSCAN" analyze -qq --db "$T/my.db" "$T/my-b.log" >/dev/null 2>&1
check "custom rule: texts kept without --rules" \
	"$(q "$T/my.db" "SELECT severity || '|' || title || '|' || cause || '|' || fix FROM findings WHERE rule_id = 'MY-LISTEN'")" \
	"error|Server listening|a cause|a fix"

# The benchmark's knob: nostore reads and evaluates everything and stores
# no record; nosync stores them all, only not waiting for the disk.
SIPSCAN_BENCH=nostore "$SIPSCAN" analyze -qq --db "$T/ns.db" "$S/lync2010-fe-owa.log" 2>/dev/null
check "bench nostore: exit" "$?" 0
check "bench nostore: no record stored" "$(q "$T/ns.db" "SELECT count(*) FROM record_rows")" 0
SIPSCAN_BENCH=nosync "$SIPSCAN" analyze -qq --db "$T/nsy.db" "$S/lync2010-fe-owa.log" 2>/dev/null
check "bench nosync: every record stored" "$(q "$T/nsy.db" "SELECT count(*) FROM record_rows")" 66

# A record that repeats an earlier one of its input is kept once in what
# can be a paste (up to 16 MiB of text, or a pipe), not looked for in a
# larger input (a server's own log never repeats a sequence number).
if [ -x "$GEN" ]; then
	for mib in 1 17; do
		"$GEN" --size $mib --seed 21 >"$T/rep-gen.log"
		awk '/begin_record/ && ++n > 40 { exit } { print }' "$T/rep-gen.log" >"$T/rep-head.log"
		cat "$T/rep-head.log" "$T/rep-gen.log" >"$T/rep$mib.log"   # the copy first
		hdrs=$(grep -c '^TL_' "$T/rep$mib.log")
		copy=$(grep -c '^TL_' "$T/rep-head.log")
		"$SIPSCAN" analyze -qq --db "$T/rep$mib.db" "$T/rep$mib.log" 2>"$T/rep$mib.err"
		n=$(q "$T/rep$mib.db" "SELECT count(*) FROM record_rows")
		if [ $mib = 1 ]; then
			check "repeats: kept once in a paste" "$n" $((hdrs - copy))
			contains "repeats: said" "$(cat "$T/rep1.err")" "note: $copy records repeat earlier ones"
			cat "$T/rep1.log" | "$SIPSCAN" analyze -qq --db "$T/rep-pipe.db" - 2>/dev/null
			check "repeats: kept once from a pipe" "$(q "$T/rep-pipe.db" "SELECT count(*) FROM record_rows")" $((hdrs - copy))
			"$SIPSCAN" analyze -qq --keep-duplicates --db "$T/rep-keep.db" "$T/rep1.log" 2>/dev/null
			check "repeats: --keep-duplicates keeps them" "$(q "$T/rep-keep.db" "SELECT count(*) FROM record_rows")" "$hdrs"
		else
			check "repeats: not looked for in a large log" "$n" "$hdrs"
		fi
	done
fi

# A client log has no sequence number: its SIP messages repeat by time,
# thread, Call-ID, CSeq, status, way and peer, its other lines by time,
# thread and text when the earlier one is 8 records back or more; two
# lines alike a record apart are the log's own.
C="$S/lync2013-client-trust.uccapilog"
"$SIPSCAN" analyze -qq --db "$T/crep1.db" "$C" 2>/dev/null
one=$(q "$T/crep1.db" "SELECT count(*) FROM record_rows")
fnd=$(q "$T/crep1.db" "SELECT group_concat(rule_id || ' ' || count, ', ') FROM (SELECT rule_id, count FROM findings ORDER BY 1)")
{ cat "$C"; printf '\nOn Tuesday Bob wrote:\n'; sed 's/^/> /' "$C"; } >"$T/crep2.txt"
"$SIPSCAN" analyze -qq --db "$T/crep2.db" "$T/crep2.txt" 2>"$T/crep2.err"
check "client repeats: a quoted copy kept once" "$(q "$T/crep2.db" "SELECT count(*) FROM record_rows")" "$one"
check "client repeats: findings count events" "$(q "$T/crep2.db" "SELECT group_concat(rule_id || ' ' || count, ', ') FROM (SELECT rule_id, count FROM findings ORDER BY 1)")" "$fnd"
contains "client repeats: said" "$(cat "$T/crep2.err")" "note: $one records repeat earlier ones"
line='03/11/2014|08:14:02.117 1A2C:1D40 INFO  :: Exit - dropped 0 stale routes'
{ head -n 2 "$C"; echo "$line"; echo "$line"; head -n 5 "$C" | tail -n 3; echo "$line"; } >"$T/crep3.log"
"$SIPSCAN" analyze -qq --db "$T/crep3.db" "$T/crep3.log" 2>/dev/null
check "client repeats: lines alike near each other kept" "$(q "$T/crep3.db" "SELECT count(*) FROM record_rows")" 8
"$SIPSCAN" analyze -qq --keep-duplicates --db "$T/crep4.db" "$T/crep2.txt" 2>/dev/null
check "client repeats: --keep-duplicates keeps them" "$(q "$T/crep4.db" "SELECT count(*) FROM record_rows")" $((one * 2))
# An excerpt of fewer than 8 lines is kept twice when pasted twice (its
# lines could be the log's own), once when one of the two is quoted: a
# log never quotes itself.
head -n 5 "$C" >"$T/crep5.log"
{ cat "$T/crep5.log"; printf '\nOn Tuesday Bob wrote:\n'; sed 's/^/> /' "$T/crep5.log"; } >"$T/crep5.txt"
"$SIPSCAN" analyze -qq --db "$T/crep5.db" "$T/crep5.txt" 2>"$T/crep5.err"
check "client repeats: a short excerpt's quoted copy kept once" "$(q "$T/crep5.db" "SELECT count(*) FROM record_rows")" 5
contains "client repeats: short, said" "$(cat "$T/crep5.err")" "note: 5 records repeat earlier ones"
{ sed 's/^/> > /' "$T/crep5.log"; printf '> Seen here too:\n'; sed 's/^/> /' "$T/crep5.log"; echo; cat "$T/crep5.log"; } >"$T/crep6.txt"
"$SIPSCAN" analyze -qq --db "$T/crep6.db" "$T/crep6.txt" 2>/dev/null
check "client repeats: quoted twice and pasted, the quoted ones first" "$(q "$T/crep6.db" "SELECT count(*) FROM record_rows")" 5
{ cat "$T/crep5.log"; echo; cat "$T/crep5.log"; } >"$T/crep7.log"
"$SIPSCAN" analyze -qq --db "$T/crep7.db" "$T/crep7.log" 2>/dev/null
check "client repeats: a short excerpt pasted twice, unquoted, kept twice" "$(q "$T/crep7.db" "SELECT count(*) FROM record_rows")" 10

# Windows events repeat by their number in the log (RecordId, Index):
# Export-Csv -Append of overlapping queries writes the same events again;
# two events alike in all but their number are two.
E="$(dirname "$0")/analyze-events-csv/winevent.csv"
{ cat "$E"; tail -n +3 "$E"; } >"$T/erep1.csv"
"$SIPSCAN" analyze -qq --db "$T/erep1.db" "$T/erep1.csv" 2>"$T/erep1.err"
check "event repeats: appended again, kept once" "$(q "$T/erep1.db" "SELECT count(*) FROM record_rows")" 2
contains "event repeats: said" "$(cat "$T/erep1.err")" "note: 2 records repeat earlier ones"
check "event repeats: findings count events" "$(q "$T/erep1.db" "SELECT group_concat(rule_id || ' ' || count, ', ') FROM (SELECT rule_id, count FROM findings ORDER BY 1)")" "$(
	"$SIPSCAN" analyze -qq --db "$T/erep0.db" "$E" 2>/dev/null
	q "$T/erep0.db" "SELECT group_concat(rule_id || ' ' || count, ', ') FROM (SELECT rule_id, count FROM findings ORDER BY 1)")"
{ cat "$E"; tail -n +3 "$E" | sed 's/"48211"/"48212"/'; } >"$T/erep2.csv"
"$SIPSCAN" analyze -qq --db "$T/erep2.db" "$T/erep2.csv" 2>/dev/null
check "event repeats: another number, another event" "$(q "$T/erep2.db" "SELECT count(*) FROM record_rows")" 3

# A value wrapped over lines by whoever pasted it (a header's
# continuation line) is one line in its column.
printf 'SIP/2.0 403 Forbidden\nFrom: <sip:a@contoso.com>;tag=1\nCall-ID: 71\nCSeq: 1 INVITE\nms-diagnostics: 1027;reason="Cannot route this type of SIP request to or  \r\n   from federated partners";source="edge.contoso.com"\nContent-Length: 0\n\n' >"$T/wrapv.txt"
"$SIPSCAN" analyze -qq --db "$T/wrapv.db" "$T/wrapv.txt" 2>/dev/null
check "a wrapped value: one line in its column" "$(q "$T/wrapv.db" "SELECT ms_diag_reason FROM records")" \
	"Cannot route this type of SIP request to or from federated partners"

# A run that stores nothing keeps the findings when nothing they depend
# on changed; a catalogue saved before the last file was stored (a run
# whose analysis failed), a topology given, or --rescan rebuild them.
"$SIPSCAN" analyze -qq --db "$T/keep.db" "$S/lync2010-fe-owa.log" 2>/dev/null
fk() { q "$T/keep.db" "SELECT group_concat(rule_id || ' ' || count || ' ' || coalesce(subject, ''), '; ') FROM (SELECT * FROM findings ORDER BY rule_id, key)"; }
before=$(fk)
q "$T/keep.db" "UPDATE catalogue SET evaluated_at = '2099-01-01 00:00:00'" >/dev/null
"$SIPSCAN" analyze -qq --db "$T/keep.db" "$S/lync2010-fe-owa.log" 2>/dev/null
check "keep findings: nothing new, not rebuilt" "$(q "$T/keep.db" "SELECT evaluated_at FROM catalogue")" "2099-01-01 00:00:00"
check "keep findings: the same" "$(fk)" "$before"
q "$T/keep.db" "UPDATE catalogue SET evaluated_at = '2000-01-01 00:00:00'; DELETE FROM findings" >/dev/null
"$SIPSCAN" analyze -qq --db "$T/keep.db" "$S/lync2010-fe-owa.log" 2>/dev/null
check "keep findings: stale, rebuilt" "$(fk)" "$before"
q "$T/keep.db" "UPDATE catalogue SET evaluated_at = '2099-01-01 00:00:00'" >/dev/null
"$SIPSCAN" analyze -qq --db "$T/keep.db" --topology "$S/topology.csv" "$S/lync2010-fe-owa.log" 2>/dev/null
check "keep findings: a topology given, rebuilt" "$(q "$T/keep.db" "SELECT evaluated_at < '2099' FROM catalogue")" 1
q "$T/keep.db" "UPDATE catalogue SET evaluated_at = '2099-01-01 00:00:00'" >/dev/null
"$SIPSCAN" analyze -qq --rescan --db "$T/keep.db" "$S/lync2010-fe-owa.log" 2>/dev/null
check "keep findings: --rescan rebuilds" "$(q "$T/keep.db" "SELECT evaluated_at < '2099' FROM catalogue")" 1

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
