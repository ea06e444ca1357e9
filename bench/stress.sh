#!/bin/sh
# stress.sh -- what the hardening promises, at a size CI has no time for.
#
#   bench/stress.sh [--files N] [--kills K] [--work DIR] [SIPSCAN]
#
# Cases (each prints "held" or "FAILED" and what it saw):
#   many-files   N tiny traces in one directory (default 100,000): analyze
#                reads them all, a re-run reads none; peak RSS of both runs
#                (/usr/bin/time) and per file.
#   two-writers  two analyze processes on one database, one through a
#                symlinked directory, each with its own input: both succeed,
#                both files 'ingested', every match belongs to a finding.
#   kill-9       K times: analyze (small transactions) killed with SIGKILL
#                at a random moment; then query, report (4 formats), show,
#                export, flow and rules must all work on what is left, the
#                database must pass integrity_check, and a final analyze
#                must end with every file 'ingested'.
#   output       report --output to a full device node of its own, a FIFO being read, a
#                symlink, a missing directory: exit codes and what is left.
#
# Exit status: 0 when every case held, 1 otherwise.  Needs sqlite3 and
# /usr/bin/time; sipscan-gen next to SIPSCAN makes the large inputs.
set -u
FILES=100000
KILLS=20
WORK=
while [ $# -gt 0 ]; do
	case $1 in
	--files) FILES=$2; shift 2 ;;
	--kills) KILLS=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	-*) echo "stress.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
SIPSCAN=${1:-$(dirname "$0")/../build/sipscan}
SIPSCAN=$(cd "$(dirname "$SIPSCAN")" && pwd)/$(basename "$SIPSCAN")
GEN=$(dirname "$SIPSCAN")/sipscan-gen
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$SIPSCAN" ] || { echo "stress.sh: $SIPSCAN: not built" >&2; exit 2; }
[ -x "$GEN" ] || { echo "stress.sh: $GEN: not built" >&2; exit 2; }
if [ -z "$WORK" ]; then
	WORK=$(mktemp -d /tmp/sipscan-stress.XXXXXX) || exit 2
	trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
FAILS=0
report_case() { # name held|FAILED detail
	printf '%-12s %-7s %s\n' "$1" "$2" "$3"
	[ "$2" = held ] || FAILS=$((FAILS + 1))
}
q() { sqlite3 -batch -noheader "$1" "$2"; }
rss() { sed -n 's/^rss=//p' "$1"; }

# ---- many-files -------------------------------------------------------------
D=$WORK/many
if [ ! -d "$D" ]; then
	mkdir -p "$D"
	# 100 directories of N/100 files; each file one connection record,
	# with its own time so no two are alike.
	awk -v n="$FILES" -v d="$D" 'BEGIN {
		for (i = 0; i < n; i++) {
			dir = sprintf("%s/s%03d", d, i % 100)
			if (i < 100) system("mkdir -p " dir)
			f = sprintf("%s/f%06d.log", dir, i)
			printf "TL_ERROR(TF_CONNECTION) [0]0AC0.1278::03/14/2012-09:%02d:%02d.%03d.%08X (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record\r\nLogType: connection\r\nSeverity: error\r\nText: The peer is not a configured server on this network interface\r\nPeer-IP: 10.0.%d.%d:5061\r\nTransport: TLS\r\nData: fqdn=\"host%d.example.com\"\r\n$$end_record\r\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, (i / 250) % 250, i % 250, i % 997 > f
			close(f)
		}
	}'
fi
rm -f "$WORK/many.db"*
/usr/bin/time -f 'rss=%M' -o "$WORK/t1" "$SIPSCAN" analyze --quiet --db "$WORK/many.db" "$D" >/dev/null 2>"$WORK/many.err"
r1=$?
/usr/bin/time -f 'rss=%M' -o "$WORK/t2" "$SIPSCAN" analyze --quiet --db "$WORK/many.db" "$D" >/dev/null 2>>"$WORK/many.err"
r2=$?
n=$(q "$WORK/many.db" "SELECT count(*) FROM files WHERE status = 'ingested'")
m1=$(rss "$WORK/t1"); m2=$(rss "$WORK/t2")
detail="$FILES files: exit $r1/$r2, $n ingested, peak RSS ${m1} KB first run, ${m2} KB re-run ($((m1 * 1024 / FILES)) / $((m2 * 1024 / FILES)) bytes per file)"
if [ "$r1" = 0 ] && [ "$r2" = 0 ] && [ "$n" = "$FILES" ]; then
	report_case many-files held "$detail"
else
	report_case many-files FAILED "$detail; $(head -n 3 "$WORK/many.err" | tr '\n' ' ')"
fi

# ---- two-writers --------------------------------------------------------------
W=$WORK/writers
rm -rf "$W"; mkdir -p "$W/real"
ln -s "$W/real" "$W/alias"
"$GEN" --style sfb --size 20 --seed 11 >"$W/a.log" 2>/dev/null
"$GEN" --style lync2010 --size 20 --seed 12 >"$W/b.log" 2>/dev/null
held=0
for round in 1 2 3; do
	rm -f "$W/real/w.db"*
	"$SIPSCAN" analyze --quiet --db "$W/real/w.db" "$W/a.log" >/dev/null 2>"$W/e1" &
	p1=$!
	"$SIPSCAN" analyze --quiet --db "$W/alias/w.db" "$W/b.log" >/dev/null 2>"$W/e2" &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	st=$(q "$W/real/w.db" "SELECT group_concat(status) FROM (SELECT status FROM files ORDER BY id)")
	orphan=$(q "$W/real/w.db" "SELECT count(*) FROM matches m WHERE NOT EXISTS (SELECT 1 FROM finding_records fr WHERE fr.record_id = m.record_id)")
	if [ "$r1 $r2 $st $orphan" = "0 0 ingested,ingested 0" ]; then
		held=$((held + 1))
	else
		last="round $round: exit $r1/$r2, files $st, $orphan matches outside findings; $(cat "$W/e1" "$W/e2" | head -n 2 | tr '\n' ' ')"
	fi
done
if [ $held = 3 ]; then
	report_case two-writers held "3 rounds, 2 x 20 MiB, one through a symlinked directory: both ingested, findings agree"
else
	report_case two-writers FAILED "$held/3 rounds held; $last"
fi

# ---- kill-9 -------------------------------------------------------------------
K=$WORK/kill
rm -rf "$K"; mkdir -p "$K/in"
"$GEN" --style sfb --size 24 --seed 21 >"$K/in/a.log" 2>/dev/null
"$GEN" --style lync2010 --size 8 --seed 22 | gzip -1 >"$K/in/b.log.gz" 2>/dev/null
cp "$SRC/samples/lync2013-client-trust.uccapilog" "$K/in/"
"$SIPSCAN" analyze --quiet --db "$K/clean.db" "$K/in" >/dev/null 2>&1
want=$(q "$K/clean.db" "SELECT count(*) FROM records")
callid=$(q "$K/clean.db" "SELECT call_id FROM records WHERE call_id IS NOT NULL LIMIT 1")
ok=0; bad=0; hot=0; faults=
for i in $(seq 1 "$KILLS"); do
	rm -f "$K/k.db"*
	# a first file complete, so the readers always have something
	"$SIPSCAN" analyze --quiet --db "$K/k.db" "$K/in/lync2013-client-trust.uccapilog" >/dev/null 2>&1
	SIPSCAN_TEST_COMMIT_ROWS=2000 "$SIPSCAN" analyze --quiet --db "$K/k.db" "$K/in" >/dev/null 2>&1 &
	p=$!
	# 50 ms to 2.5 s: during the parse, a commit or the findings
	sleep "$(awk -v s="$i" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * 2.45 }')"
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	[ -s "$K/k.db-journal" ] && hot=$((hot + 1))
	fail=
	"$SIPSCAN" query --db "$K/k.db" "SELECT count(*) FROM records" >/dev/null 2>&1 || fail="$fail query"
	for f in text md json html; do
		"$SIPSCAN" report --db "$K/k.db" --format $f >/dev/null 2>&1 || fail="$fail report-$f"
	done
	"$SIPSCAN" show --db "$K/k.db" 1 >/dev/null 2>&1 || fail="$fail show"
	"$SIPSCAN" export --db "$K/k.db" --format jsonl files >/dev/null 2>&1 || fail="$fail export"
	"$SIPSCAN" export --db "$K/k.db" --format csv records >/dev/null 2>&1 || fail="$fail export-csv"
	"$SIPSCAN" flow --db "$K/k.db" "$callid" >/dev/null 2>&1
	case $? in 0|6) ;; *) fail="$fail flow" ;; esac # 6: the call not stored yet
	"$SIPSCAN" rules list >/dev/null 2>&1 || fail="$fail rules"
	[ "$(q "$K/k.db" "PRAGMA integrity_check")" = ok ] || fail="$fail integrity"
	"$SIPSCAN" analyze --quiet --db "$K/k.db" "$K/in" >/dev/null 2>&1 || fail="$fail re-analyze"
	got=$(q "$K/k.db" "SELECT count(*) FROM records")
	left=$(q "$K/k.db" "SELECT count(*) FROM files WHERE status <> 'ingested'")
	[ "$got" = "$want" ] && [ "$left" = 0 ] || fail="$fail records($got/$want,$left-not-ingested)"
	if [ -z "$fail" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); faults="$faults [kill $i:$fail]"; fi
done
if [ $bad = 0 ]; then
	report_case kill-9 held "$ok/$KILLS kills ($hot left a hot journal): every read command worked, integrity ok, re-run complete ($want records)"
else
	report_case kill-9 FAILED "$bad/$KILLS kills failed:$faults"
fi

# ---- output -------------------------------------------------------------------
O=$WORK/out
rm -rf "$O"; mkdir -p "$O"
fail=
if mknod "$O/full" c 1 7 2>/dev/null; then # our own node, never /dev/full
	"$SIPSCAN" report --db "$K/clean.db" --output "$O/full" >/dev/null 2>&1
	[ $? = 7 ] || fail="$fail device"
	[ -c "$O/full" ] || fail="$fail device-replaced"
fi
mkfifo "$O/fifo"
timeout 20 cat "$O/fifo" >"$O/fifo.got" &
p=$!
"$SIPSCAN" report --db "$K/clean.db" --format md --output "$O/fifo" >/dev/null 2>&1 || fail="$fail fifo"
wait $p
[ -p "$O/fifo" ] && [ -s "$O/fifo.got" ] || fail="$fail fifo-replaced"
: >"$O/target.md"
ln -s target.md "$O/link.md"
"$SIPSCAN" report --db "$K/clean.db" --format md --output "$O/link.md" >/dev/null 2>&1 || fail="$fail symlink"
[ -L "$O/link.md" ] && [ -s "$O/target.md" ] || fail="$fail symlink-replaced"
"$SIPSCAN" report --db "$K/clean.db" --output "$O/missing/r.md" >/dev/null 2>&1
[ $? = 7 ] || fail="$fail missing-dir"
"$SIPSCAN" analyze --db "$K/clean.db" "$K/in" >/dev/full 2>"$O/full.err"
[ $? = 7 ] && [ -s "$O/full.err" ] || fail="$fail analyze>/dev/full"
if [ -z "$fail" ]; then
	report_case output held "a full device, a FIFO, a symlink, a missing directory, analyze >/dev/full: exit 7 or written through, nothing replaced"
else
	report_case output FAILED "$fail"
fi

[ $FAILS = 0 ]
