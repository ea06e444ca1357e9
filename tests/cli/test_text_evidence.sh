#!/bin/sh
# test_text_evidence.sh SIPSCAN -- `analyze --text evidence` keeps in the
# database the text of the evidence only (records a rule matched,
# unexplained ones, errors, client facts); the other records refer to their
# place in the original file.  Everything that shows a record's text gives
# the same bytes as a database that kept them all, for any --jobs; a file
# that changed or went away is named, with exit 1, and nothing crashes.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"

mkdir "$T/logs"
cp "$S"/*.log "$S"/*.gz "$S"/*.uccapilog "$S"/*.UccApilog "$S"/*.txt "$T/logs/"
# a large file, of many chunks, gzip too
cat "$T/logs/lync2010-fe-owa.log" "$T/logs/lync2010-fe-owa.log" \
	"$T/logs/lync2010-fe-owa.log" >"$T/logs/big.log"
gzip -c "$T/logs/big.log" >"$T/logs/big2.log.gz"

"$SIPSCAN" analyze -qq --keep-duplicates --db "$T/all.db" "$T/logs" 2>/dev/null
check "all: exit" "$?" 0
"$SIPSCAN" analyze -qq --keep-duplicates --text evidence --jobs 1 --db "$T/ev1.db" "$T/logs" 2>/dev/null
check "evidence --jobs 1: exit" "$?" 0
"$SIPSCAN" analyze -qq --keep-duplicates --text evidence --jobs 3 --db "$T/ev.db" "$T/logs" 2>/dev/null
check "evidence --jobs 3: exit" "$?" 0

# What is kept by reference, and what is not.
nref=$(q "$T/ev.db" "SELECT count(*) FROM records WHERE chunk_id IS NULL AND raw_off IS NOT NULL")
check "some records by reference" "$(test "$nref" -gt 100 && echo yes)" yes
check "no record by reference in --text all" \
	"$(q "$T/all.db" "SELECT count(*) FROM records WHERE chunk_id IS NULL")" 0
check "errors keep their text" \
	"$(q "$T/ev.db" "SELECT count(*) FROM errors e JOIN records r ON r.id = e.id WHERE r.chunk_id IS NULL")" 0
check "matched records keep their text" \
	"$(q "$T/ev.db" "SELECT count(*) FROM matches m JOIN records r ON r.id = m.record_id WHERE r.chunk_id IS NULL")" 0
check "unexplained records keep their text" \
	"$(q "$T/ev.db" "SELECT count(*) FROM unexplained u JOIN records r ON r.id = u.record_id WHERE r.chunk_id IS NULL")" 0
check "a pasted (prefixed) file keeps all its text" \
	"$(q "$T/ev.db" "SELECT count(*) FROM records r JOIN files f ON f.id = r.file_id WHERE f.path LIKE '%pasted-numbered%' AND r.chunk_id IS NULL")" 0
check "gzip records by reference too" \
	"$(q "$T/ev.db" "SELECT count(*) > 0 FROM records r JOIN files f ON f.id = r.file_id WHERE f.compression = 'gzip' AND r.chunk_id IS NULL")" 1
check "smaller database" \
	"$(test "$(wc -c <"$T/ev.db")" -lt "$(wc -c <"$T/all.db")" && echo yes)" yes

# The same records, findings and answers as with every text kept.
cols="id, file_id, line, ts, kind, level, flag, host, component, function, text,
	result_code, result_symbol, transport, peer, local, fqdn, conn_id, call_id,
	cseq, method, status, direction, ms_diag_code, ms_diag_reason, truncated, reason"
check "same records" "$(q "$T/ev.db" "SELECT $cols FROM records ORDER BY id" | cksum)" \
	"$(q "$T/all.db" "SELECT $cols FROM records ORDER BY id" | cksum)"
check "same database for --jobs 1 and 3" \
	"$(q "$T/ev1.db" "SELECT * FROM record_rows ORDER BY id" | cksum) $(q "$T/ev1.db" "SELECT * FROM chunks ORDER BY id" | cksum)" \
	"$(q "$T/ev.db" "SELECT * FROM record_rows ORDER BY id" | cksum) $(q "$T/ev.db" "SELECT * FROM chunks ORDER BY id" | cksum)"
check "same findings" "$(q "$T/ev.db" "SELECT rule_id, key, count FROM findings ORDER BY 1, 2" | cksum)" \
	"$(q "$T/all.db" "SELECT rule_id, key, count FROM findings ORDER BY 1, 2" | cksum)"

# Every record's text, byte for byte: show, export, report, flow.
n=$(q "$T/all.db" "SELECT max(id) FROM records")
ids=$(seq 1 "$n" | tr '\n' ' ')
"$SIPSCAN" show --raw --db "$T/all.db" $ids >"$T/show.all" 2>&1
"$SIPSCAN" show --raw --db "$T/ev.db" $ids >"$T/show.ev" 2>"$T/show.err"
check "show: exit" "$?" 0
check "show: every record the same bytes" "$(cmp "$T/show.all" "$T/show.ev" 2>&1)" ""
check "show: no message" "$(cat "$T/show.err")" ""
"$SIPSCAN" export --db "$T/all.db" --format jsonl records >"$T/exp.all"
"$SIPSCAN" export --db "$T/ev.db" --format jsonl records >"$T/exp.ev"
check "export: exit" "$?" 0
check "export: the same raw text" "$(cmp "$T/exp.all" "$T/exp.ev" 2>&1)" ""
check "export: every record" "$(wc -l <"$T/exp.ev" | tr -d ' ')" "$n"
"$SIPSCAN" report --db "$T/all.db" --format json >"$T/rep.all"
"$SIPSCAN" report --db "$T/ev.db" --format json >"$T/rep.ev"
check "report: the same" "$(cmp "$T/rep.all" "$T/rep.ev" 2>&1)" ""
cid=$(q "$T/all.db" "SELECT call_id FROM messages WHERE call_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
check "flow: the same" "$("$SIPSCAN" flow --db "$T/ev.db" "$cid" | cksum)" \
	"$("$SIPSCAN" flow --db "$T/all.db" "$cid" | cksum)"

# A re-run over nothing new reads nothing.
"$SIPSCAN" analyze --keep-duplicates --text evidence --db "$T/ev.db" "$T/logs" >"$T/rerun.out" 2>&1
check "re-run: exit" "$?" 0
contains "re-run: unchanged" "$(cat "$T/rerun.out")" "unchanged"

# A log that grew keeps its old text where it was.
id=$(q "$T/ev.db" "SELECT r.id FROM records r JOIN files f ON f.id = r.file_id WHERE f.path LIKE '%/big.log' AND r.chunk_id IS NULL ORDER BY r.id DESC LIMIT 1")
want=$("$SIPSCAN" show --raw --db "$T/all.db" "$id" | cksum)
printf 'TL_INFO(TF_COMPONENT) [0]0AC0.1278::03/14/2012-10:00:00.000.00000001 (SIPStack,X::Y:x.cpp(1))( 0 ) grown\r\n' >>"$T/logs/big.log"
check "grown file: show still reads it" "$("$SIPSCAN" show --raw --db "$T/ev.db" "$id" | cksum)" "$want"

# A changed file, a file gone: named, exit 1, the other records still shown.
sed 's/TL_INFO/TL_INFX/' "$T/logs/big.log" >"$T/x" && cat "$T/x" >"$T/logs/big.log"
kept=$(q "$T/ev.db" "SELECT min(r.id) FROM records r JOIN files f ON f.id = r.file_id WHERE f.path LIKE '%/big.log' AND r.chunk_id IS NOT NULL")
"$SIPSCAN" show --db "$T/ev.db" "$id" "$kept" >"$T/ch.out" 2>"$T/ch.err"
check "changed: exit 1" "$?" 1
contains "changed: says so" "$(cat "$T/ch.err")" "has changed since it was analyzed"
contains "changed: names the file" "$(cat "$T/ch.err")" "$T/logs/big.log"
contains "changed: the kept record is shown" "$(cat "$T/ch.out")" "big.log:"
rm "$T/logs/big2.log.gz"
gid=$(q "$T/ev.db" "SELECT r.id FROM records r JOIN files f ON f.id = r.file_id WHERE f.path LIKE '%big2.log.gz' AND r.chunk_id IS NULL LIMIT 1")
"$SIPSCAN" show --db "$T/ev.db" "$gid" >/dev/null 2>"$T/gone.err"
check "gone: exit 1" "$?" 1
contains "gone: says so" "$(cat "$T/gone.err")" "is gone"
"$SIPSCAN" export --db "$T/ev.db" --format jsonl records >/dev/null 2>"$T/exp.err"
check "gone: export fails" "$?" 3
contains "gone: export says why" "$(cat "$T/exp.err")" "cannot be read from"
check "no crash" "$(crashed "$T"/*.err && echo crash)" ""

# stdin cannot be read again: it keeps its text.
"$SIPSCAN" analyze -qq --text evidence --name in --db "$T/in.db" - <"$S/lync2010-fe-owa.log"
check "stdin: every text kept" "$(q "$T/in.db" "SELECT count(*) FROM records WHERE chunk_id IS NULL")" 0

# A bad value is a usage error.
"$SIPSCAN" analyze --text some --db "$T/u.db" "$T/logs" >/dev/null 2>"$T/u.err"
check "usage: exit" "$?" 2
contains "usage: message" "$(cat "$T/u.err")" "--text wants all or evidence"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
