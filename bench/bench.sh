#!/usr/bin/env bash
# bench/bench.sh -- everything the project promises about speed, in one run:
# sipscan parse and sipscan analyze on a plain and a gzip trace, next to the
# tools that bound them (gzip -dc: decompression alone; grep -c: one pass
# over the plain text; sipscan-floor and dd: what storing the same rows in
# SQLite and syncing the database's bytes cost, with nothing parsed) and the
# tool a user would pick instead (lnav, with the SIPStack format in
# bench/lnav/), a client (UccApi) log of the same size and event mix, then
# how analyze scales (4 files with --jobs 1 and 2; 1 GiB
# against the --size file with --large).
#
#   bench/bench.sh [--size MiB] [--runs N] [--build DIR] [--large]
#                  [--only ROWS] [--markdown]
#
#   --size MiB   size of the main input (default 100)
#   --runs N     runs per row; the table shows the median wall (default 3)
#   --build DIR  CMake build directory with sipscan, sipscan-gen and sipscan-floor
#                (default build, relative to the repository root)
#   --large      also run the 1 GiB analyze row and the three queries on
#                its database (slow; off by default)
#   --only ROWS  run only these rows: comma-separated row names or shell
#                patterns, e.g. --only 'analyze_*,lnav_plain' (names: --list)
#   --list       print the row names and exit
#   --markdown   after the plain table, print it again as Markdown
#
# Needs bash 4+, coreutils, gzip, grep, awk and /usr/bin/time (GNU time; on
# Debian/Ubuntu: apt-get install time), plus DIR/sipscan-gen, DIR/sipscan
# and DIR/sipscan-floor from a normal CMake build.  Optional: sqlite3
# (checks the row count of each analyze database) and lnav (its rows are
# skipped with a note when absent).
# Inputs are generated once into bench/data/ (git-ignored) by sipscan-gen
# with fixed seeds, so every run of every version reads the same bytes.
#
# Wall time is the median of --runs runs; /usr/bin/time -f '%e %M' gives the
# wall seconds and the peak RSS of each run, and under bash 5 the wall time
# is taken from $EPOCHREALTIME around it instead (microseconds, not 10 ms).
# Rows are printed to stderr as they are measured and the whole table to
# stdout at the end.
#
# Each measure is one shell function bench_<name>; MEASURES lists them in
# table order.  To add a row, write a function that calls `measure` and then
# `emit` (or `row` for something that is not a timed command) and append its
# name.
set -u
export LC_ALL=C

SIZE=100
RUNS=3
BUILD=build
SEED=1
LARGE=0
LARGE_SIZE=1024            # MiB, the --large row
SCALE_SIZE=25              # MiB per file, the --jobs rows
SCALE_SEEDS="101 102 103 104"
ONLY=
MARKDOWN=0
LIST=0

MEASURES="gzip_dc grep sipscan_parse_plain sipscan_parse_gz
	analyze_plain analyze_plain_jobs1 analyze_summary analyze_gz analyze_plain_evidence
	analyze_gz_evidence client_parse client_analyze
	sqlite_floor flush_floor analyze_nostore analyze_nosync query_report query_flow query_errors_hour
	query_errors_hour_ms export_signals_jsonl export_signals_csv
	export_records_jsonl export_records_csv
	lnav_plain lnav_gz
	analyze_jobs1 analyze_jobs2 analyze_many analyze_rerun analyze_large
	query_large_report query_large_flow query_large_errors_hour"

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--size)  SIZE=${2:?--size needs MiB}; shift 2 ;;
	--runs)  RUNS=${2:?--runs needs a count}; shift 2 ;;
	--build) BUILD=${2:?--build needs a directory}; shift 2 ;;
	--large) LARGE=1; shift ;;
	--only)  ONLY=${2:?--only needs row names}; shift 2 ;;
	--markdown) MARKDOWN=1; shift ;;
	--list)  LIST=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
if [ "$LIST" = 1 ]; then
	printf '%s\n' $MEASURES
	exit 0
fi
case $SIZE in ''|*[!0-9]*|0) echo "bench.sh: --size must be a whole number of MiB" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "bench.sh: --runs must be a positive number" >&2; exit 2 ;; esac
[ "${BASH_VERSINFO[0]}" -ge 4 ] || { echo "bench.sh: needs bash 4 or later" >&2; exit 2; }

# selected NAME: is row NAME in this run (--only, --large)?
selected() {
	local pat
	[[ $1 == *large* ]] && [ "$LARGE" != 1 ] && return 1
	[ -z "$ONLY" ] && return 0
	for pat in ${ONLY//,/ }; do
		# shellcheck disable=SC2053
		[[ $1 == $pat ]] && return 0
	done
	return 1
}
if [ -n "$ONLY" ]; then
	n=0
	for m in $MEASURES; do selected "$m" && n=$((n + 1)); done
	if [ $n -eq 0 ]; then
		echo "bench.sh: --only '$ONLY' selects no row (try --list; analyze_large also needs --large)" >&2
		exit 2
	fi
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
GEN=$BUILD/sipscan-gen
SIPSCAN=$BUILD/sipscan
TIME=/usr/bin/time
DATA=$ROOT/bench/data
LNAV_FORMAT=$ROOT/bench/lnav/sipstack.json
PLAIN=$DATA/trace-$SIZE.log
GZ=$PLAIN.gz
CLIENT=$DATA/client-$SIZE.log
LARGE_PLAIN=$DATA/trace-$LARGE_SIZE.log
SCALE_FILES=
for s in $SCALE_SEEDS; do SCALE_FILES="$SCALE_FILES $DATA/trace-$SCALE_SIZE-s$s.log"; done
# A directory of many small files (one server's rolled-over logs, or a
# bundle from many servers): MANY_N files of 1 MiB, seeds 1001 on.
MANY_N=200
MANY_DIR=$DATA/many-$MANY_N
MANY_FILES=
for i in $(seq 1 $MANY_N); do MANY_FILES="$MANY_FILES $MANY_DIR/trace-1-s$((1000 + i)).log"; done

die() { echo "bench.sh: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

[ -x "$TIME" ] || die "$TIME not found (GNU time; on Debian/Ubuntu: apt-get install time)"
[ -x "$GEN" ] || die "$GEN not found: build it first (cmake -S . -B $BUILD && cmake --build $BUILD)"
if [ ! -x "$SIPSCAN" ]; then
	say "bench.sh: warning: $SIPSCAN not found; its rows will show 'missing'"
fi
HAVE_SQLITE3=0; command -v sqlite3 > /dev/null 2>&1 && HAVE_SQLITE3=1
HAVE_LNAV=0;    command -v lnav > /dev/null 2>&1 && HAVE_LNAV=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipscan-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# ---- inputs -----------------------------------------------------------------
mkdir -p "$DATA" || exit 1

# gen_plain FILE MiB SEED [STYLE]: write FILE with sipscan-gen unless it is
# there (STYLE: sipscan-gen --style, default lync2010).
gen_plain() {
	local f=$1 mib=$2 seed=$3 style=${4:-lync2010}
	[ -s "$f" ] && return 0
	say "generating ${f#"$ROOT"/} ($mib MiB, seed $seed, $style) ..."
	"$GEN" --style "$style" --size "$mib" --seed "$seed" > "$f.tmp" && mv "$f.tmp" "$f" ||
		{ rm -f "$f.tmp"; die "sipscan-gen failed"; }
	rm -f "$f.gz"    # a new plain file invalidates the old .gz
}

# gen_gz PLAIN: PLAIN.gz with gzip -6 unless it is there.
gen_gz() {
	[ -s "$1.gz" ] && return 0
	say "compressing ${1#"$ROOT"/}.gz (gzip -6) ..."
	gzip -6 -c "$1" > "$1.gz.tmp" && mv "$1.gz.tmp" "$1.gz" ||
		{ rm -f "$1.gz.tmp"; die "gzip failed"; }
}

# Per plain file: bytes, records ($$begin_record lines) and header lines
# (lines starting TL_: records plus one-line traces).  For a client log:
# records = framed SIP messages, header lines = the records sipscan makes
# (stamped lines, less the start line and "End of" of each message).
declare -A F_BYTES F_RECS F_HDRS
stats() {
	local f msgs
	for f in "$@"; do
		[ -n "${F_BYTES[$f]:-}" ] && continue
		F_BYTES[$f]=$(wc -c < "$f")
		case ${f##*/} in
		client-*)
			msgs=$(grep -c ' :: \(Sending Packet\|Data Received\) - ' "$f")
			F_RECS[$f]=$msgs
			F_HDRS[$f]=$(( $(grep -c '^[0-9][0-9]/[0-9][0-9]/[0-9]\{4\}|' "$f") - 2 * msgs )) ;;
		*)
			F_RECS[$f]=$(grep -c '\$\$begin_record' "$f")
			F_HDRS[$f]=$(grep -c '^TL_' "$f") ;;
		esac
	done
}

gen_plain "$PLAIN" "$SIZE" "$SEED"
gen_gz "$PLAIN"
stats "$PLAIN"
PLAIN_BYTES=${F_BYTES[$PLAIN]}
GZ_BYTES=$(wc -c < "$GZ")
RECORDS=${F_RECS[$PLAIN]}
HEADERS=${F_HDRS[$PLAIN]}
if selected client_parse || selected client_analyze; then
	gen_plain "$CLIENT" "$SIZE" "$SEED" client
	stats "$CLIENT"
fi
if selected analyze_jobs1 || selected analyze_jobs2; then
	set -- $SCALE_SEEDS
	for f in $SCALE_FILES; do gen_plain "$f" "$SCALE_SIZE" "$1"; shift; done
	stats $SCALE_FILES
fi
if selected analyze_many; then
	mkdir -p "$MANY_DIR" || exit 1
	i=1001
	for f in $MANY_FILES; do gen_plain "$f" 1 "$i" 2> /dev/null; i=$((i + 1)); done
	stats $MANY_FILES
fi
if selected analyze_large || selected query_large_report || selected query_large_flow ||
   selected query_large_errors_hour; then
	gen_plain "$LARGE_PLAIN" "$LARGE_SIZE" "$SEED"
	stats "$LARGE_PLAIN"
fi

# use PLAIN_FILE...: the rows that follow count the bytes and records of
# these plain files (a gzip row names its plain twin).
IN_BYTES= IN_RECS= IN_HDRS=
use() {
	local f
	IN_BYTES=0 IN_RECS=0 IN_HDRS=0
	for f in "$@"; do
		IN_BYTES=$((IN_BYTES + F_BYTES[$f]))
		IN_RECS=$((IN_RECS + F_RECS[$f]))
		IN_HDRS=$((IN_HDRS + F_HDRS[$f]))
	done
}

# warm FILE...: read the files once so every row starts with a warm cache.
warm() { cat "$@" > /dev/null; }

# ---- lnav -------------------------------------------------------------------
# lnav gets a private HOME (and XDG_CONFIG_HOME) under $TMP: the format is
# installed there with `lnav -i`, and the user's own lnav config is neither
# read nor touched.
LNAV_HOME=$TMP/lnav-home
LNAV_READY=0
lnav_setup() {
	[ "$LNAV_READY" = 1 ] && return 0
	[ "$HAVE_LNAV" = 1 ] || return 1
	mkdir -p "$LNAV_HOME/.config" || return 1
	if ! HOME=$LNAV_HOME XDG_CONFIG_HOME=$LNAV_HOME/.config \
	     lnav -i "$LNAV_FORMAT" > "$TMP/lnav-install" 2>&1; then
		say "bench.sh: lnav -i $LNAV_FORMAT failed: $(head -n 3 "$TMP/lnav-install")"
		return 1
	fi
	LNAV_READY=1
}
LNAV_QUERY=';SELECT count(*) FROM sipstack_log'

# ---- measuring ----------------------------------------------------------------
# measure CMD...: run CMD $RUNS times, stdout to /dev/null (to $TMP/out when
# CAPTURE=1); sets WALL (median seconds), RSS (peak KiB over the runs) and
# SPREAD ((max - min) / median, in %), or FAIL (why it did not run).
# With FRESH_DB=PATH, PATH (and its -journal/-wal/-shm/-lock) is deleted before each
# run; after each run DB_BYTES is its size and, when DB_QUERY is set and
# sqlite3 is there, DB_ANSWER is the answer of sqlite3 PATH "$DB_QUERY";
# then it is deleted again.
WALL= RSS= SPREAD= FAIL= DB_BYTES= DB_ANSWER=

# median_spread SECONDS...: WALL = their median, SPREAD = (max - min) /
# median in %.
median_spread() {
	read -r WALL SPREAD < <(printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.0f\n", m, (m > 0) ? 100 * (v[NR] - v[1]) / m : 0 }')
}

# Rounds (see the main loop): in the collect pass a call runs CMD once and
# keeps its wall time under the row and call number; in the emit pass it
# runs nothing and sets WALL, RSS, SPREAD, DB_BYTES, DB_ANSWER and FAIL from
# what the rounds kept.
declare -A M_WALLS M_RSS M_FAIL M_DBB M_DBA
PASS=collect ROW_NAME= ROW_CALL=0
measure() {
	local rc w r t0 t1 out=/dev/null key
	ROW_CALL=$((ROW_CALL + 1))
	key="$ROW_NAME#$ROW_CALL"
	WALL= RSS= SPREAD= FAIL= DB_BYTES= DB_ANSWER=
	if [ "$PASS" = emit ]; then
		FAIL=${M_FAIL[$key]:-}
		[ -n "$FAIL" ] && return 1
		if [ -z "${M_WALLS[$key]:-}" ]; then
			FAIL="not run"
			return 1
		fi
		# shellcheck disable=SC2086
		median_spread ${M_WALLS[$key]}
		RSS=${M_RSS[$key]:-0} DB_BYTES=${M_DBB[$key]:-} DB_ANSWER=${M_DBA[$key]:-}
		# the output of the last round, for the rows that read it
		[ "${CAPTURE:-0}" = 1 ] && cp "$TMP/cap.${key//[^A-Za-z0-9]/_}" "$TMP/out" 2> /dev/null
		return 0
	fi
	[ -n "${M_FAIL[$key]:-}" ] && return 1
	if [ ! -x "$1" ] && ! command -v "$1" > /dev/null 2>&1; then
		M_FAIL[$key]="missing ($1)"
		return 1
	fi
	[ "${CAPTURE:-0}" = 1 ] && out=$TMP/out
	[ -n "${FRESH_DB:-}" ] && rm -f "$FRESH_DB" "$FRESH_DB-journal" "$FRESH_DB-wal" "$FRESH_DB-shm" "$FRESH_DB-lock"
	t0=${EPOCHREALTIME:-}
	"$TIME" -f '%e %M' -o "$TMP/time" "$@" > "$out" 2> "$TMP/err"
	rc=$?
	t1=${EPOCHREALTIME:-}
	if [ -n "${FRESH_DB:-}" ]; then
		M_DBB[$key]=$(cat "$FRESH_DB" "$FRESH_DB-wal" 2> /dev/null | wc -c)
		if [ -n "${DB_QUERY:-}" ] && [ "$HAVE_SQLITE3" = 1 ] && [ $rc -eq 0 ]; then
			M_DBA[$key]=$(sqlite3 "$FRESH_DB" "$DB_QUERY" 2>&1 | head -n 1)
		fi
		rm -f "$FRESH_DB" "$FRESH_DB-wal" "$FRESH_DB-shm" "$FRESH_DB-lock"
	fi
	if [ $rc -ne 0 ]; then
		M_FAIL[$key]="FAILED rc=$rc: $(grep -v '^Command exited' "$TMP/err" | head -n 1 | cut -c1-60)"
		return 1
	fi
	# the last line of -o holds "%e %M" (earlier ones may be notes)
	read -r w r < <(tail -n 1 "$TMP/time")
	# %e has 10 ms resolution; bash 5 gives microseconds around it
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		w=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
	fi
	M_WALLS[$key]="${M_WALLS[$key]:-} $w"
	[ "${CAPTURE:-0}" = 1 ] && cp "$TMP/out" "$TMP/cap.${key//[^A-Za-z0-9]/_}"
	[ "$r" -gt "${M_RSS[$key]:-0}" ] && M_RSS[$key]=$r
	return 0
}

# The table: one tab-separated line per row in ROWS:
# input, tool, wall, MB/s, records/s, RSS MiB, spread, ratio, note.
ROWS=()
add_row() {
	local IFS=$'\t'
	[ "$PASS" = emit ] || return 0
	ROWS+=("$*")
	show_row "$*" >&2
}

# emit INPUT TOOL [BASE_WALL [NOTE]]: the row of the last measure.  MB/s and
# records/s use IN_BYTES and IN_RECS (see `use`); BASE_WALL, when given,
# adds the ratio WALL / BASE_WALL.
emit() {
	local input=$1 tool=$2 base=${3:-} note=${4:-}
	if [ -n "$FAIL" ]; then
		row "$input" "$tool" "$FAIL"
		return
	fi
	add_row "$input" "$tool" $(awk -v w="$WALL" -v rss="$RSS" -v base="$base" \
	    -v bytes="$IN_BYTES" -v recs="$IN_RECS" -v sp="$SPREAD" 'BEGIN {
		ws = (w > 0) ? w : 0.0005
		ratio = (base != "" && base > 0) ? sprintf("%.2fx", w / base) : "-"
		printf "%.3f\t%.1f\t%.0f\t%s\t%s%%\t%s", w, bytes / 1e6 / ws,
		       recs / ws, (rss == "") ? "-" : sprintf("%.1f", rss / 1024), sp, ratio
	}') "${note:--}"
}

# row INPUT TOOL TEXT: a line that is not a timed command (a skipped tool,
# a failure).
row() {
	add_row "$1" "$2" "$3" "" "" "" "" "" ""
}

show_row() {
	local IFS=$'\t' f
	read -r -a f <<< "$1"
	case ${f[2]} in
	''|*[!0-9.]*)
		printf '%-12s %-30s %s\n' "${f[0]}" "${f[1]}" "${f[2]}"
		return ;;
	esac
	printf '%-12s %-30s %8s %5s %8s %10s %8s %7s  %s\n' "${f[0]}" "${f[1]}" \
	       "${f[2]}" "${f[6]}" "${f[3]}" "${f[4]}" "${f[5]}" "${f[7]}" "${f[8]}"
}

header() {
	printf '%-12s %-30s %8s %5s %8s %10s %8s %7s  %s\n' \
	       input tool "wall s" "sprd" "MB/s" "records/s" "RSS MiB" ratio note
	printf '%-12s %-30s %8s %5s %8s %10s %8s %7s  %s\n' \
	       ------------ ------------------------------ -------- ----- -------- ---------- -------- ------- ----
}

markdown() {
	local r f IFS=$'\t'
	echo '| input | tool | wall s | spread | MB/s | records/s | RSS MiB | ratio | note |'
	echo '|---|---|--:|--:|--:|--:|--:|--:|---|'
	for r in "${ROWS[@]}"; do
		read -r -a f <<< "$r"
		case ${f[2]} in
		''|*[!0-9.]*)
			printf '| %s | `%s` | %s |  |  |  |  |  |  |\n' "${f[0]}" "${f[1]}" "${f[2]}" ;;
		*)
			printf '| %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n' "${f[0]}" "${f[1]}" \
			       "${f[2]}" "${f[6]}" "${f[3]}" "${f[4]}" "${f[5]}" "${f[7]}" "${f[8]}" ;;
		esac
	done
}

# Ratios across rows, collected as "label<TAB>value" for the end.
RATIOS=()
ratio_line() { RATIOS+=("$1"$'\t'"${2/#-x/-}"); }
# paired A B: the median over the rounds of (row A's wall / row B's wall)
# in the same round, A and B rows (measure's first call in them), as
# "0.00x"; "" when either has no walls.  Rounds are interleaved, so a ratio
# taken round by round holds when the machine's speed drifts between
# rounds, where a ratio of two medians does not.
paired() {
	local a=${M_WALLS[$1#1]:-} b=${M_WALLS[$2#1]:-}
	[ -n "$a" ] && [ -n "$b" ] || return 0
	awk -v a="$a" -v b="$b" 'BEGIN {
		na = split(a, x, " "); nb = split(b, y, " "); n = 0
		for (i = 1; i <= na && i <= nb; i++) if (y[i] > 0) r[++n] = x[i] / y[i]
		if (!n) exit
		for (i = 2; i <= n; i++) for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
		printf "%.2fx", (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2 }'
}
# paired_line LABEL A_WALL B_WALL A B: the ratio line A_WALL / B_WALL (the
# medians), with the paired ratio of rows A and B after it; none when
# either wall is missing.
paired_line() {
	local p
	[ -n "$2" ] && [ -n "$3" ] || return 0
	p=$(paired "$4" "$5")
	ratio_line "$1" "$(div "$2" "$3")x${p:+ (paired: $p)}"
}

# div A B: A / B with two decimals, or "-" when either is missing.
div() {
	case $1 in ''|*[!0-9.]*) echo -; return ;; esac
	case $2 in ''|*[!0-9.]*) echo -; return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# ---- the measures ------------------------------------------------------------
GZIP_WALL= PARSE_GZ_WALL= AN_PLAIN_WALL= AN_PLAIN_RSS= AN_GZ_WALL=
LNAV_PLAIN_WALL= LNAV_GZ_WALL= JOBS1_WALL= JOBS2_WALL= MANY_WALL=
DB=$TMP/fresh.db
DB_QUERY='SELECT count(*) FROM records'

bench_gzip_dc() {
	use "$PLAIN"; warm "$GZ"
	measure gzip -dc "$GZ"
	emit gzip "gzip -dc"
	GZIP_WALL=$WALL
}

bench_grep() {
	use "$PLAIN"; warm "$PLAIN"
	# stdout to a file, not /dev/null: GNU grep stops at the first match
	# when its output is /dev/null, even with -c
	CAPTURE=1 measure grep -c '\$\$begin_record' "$PLAIN"
	emit plain "grep -c '\$\$begin_record'" "" "count $(cat "$TMP/out" 2> /dev/null) (stdout to a file)"
}

bench_sipscan_parse_plain() {
	use "$PLAIN"; warm "$PLAIN"
	measure "$SIPSCAN" parse "$PLAIN"
	emit plain "sipscan parse"
	PARSE_PLAIN_WALL=$WALL
}

bench_sipscan_parse_gz() {
	use "$PLAIN"; warm "$GZ"
	measure "$SIPSCAN" parse "$GZ"
	emit gzip "sipscan parse" "$GZIP_WALL" "${GZIP_WALL:+ratio: vs gzip -dc}"
	PARSE_GZ_WALL=$WALL
}

# analyze_note: database size / plain input size, and the records table
# against the header lines of the input.
analyze_note() {
	local note
	# three decimals: the targets (0.35x, 0.2x) are met or missed in the third
	note="db $(awk -v a="$DB_BYTES" -v b="$IN_BYTES" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')x input"
	if [ -n "$DB_ANSWER" ]; then
		if [ "$DB_ANSWER" = "$IN_HDRS" ]; then
			note="$note; records table = $DB_ANSWER = header lines"
		else
			note="$note; records table $DB_ANSWER, header lines $IN_HDRS"
		fi
	fi
	echo "$note"
}

bench_analyze_plain() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --db "$DB" "$PLAIN"
	emit plain "sipscan analyze" "" "$(analyze_note)"
	AN_PLAIN_WALL=$WALL AN_PLAIN_RSS=$RSS
}

# The same file on one thread (--jobs 1: no parser thread, parse and write
# alternate): what the second core buys on one file.
AN_PLAIN_J1_WALL=
bench_analyze_plain_jobs1() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --jobs 1 --db "$DB" "$PLAIN"
	emit plain "sipscan analyze --jobs 1" "$AN_PLAIN_WALL" \
	     "${AN_PLAIN_WALL:+ratio: vs analyze (2 threads); }$(analyze_note)"
	AN_PLAIN_J1_WALL=$WALL
}

# analyze as a user runs it: without -qq it also prints the summary and
# the findings (queries over the database after the ingest).
bench_analyze_summary() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB measure "$SIPSCAN" analyze --db "$DB" "$PLAIN"
	emit plain "sipscan analyze (summary)" "$AN_PLAIN_WALL" \
		"${AN_PLAIN_WALL:+ratio: vs -qq; }$(analyze_note)"
}

bench_analyze_gz() {
	use "$PLAIN"; warm "$GZ"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --db "$DB" "$GZ"
	emit gzip "sipscan analyze" "$GZIP_WALL" "${GZIP_WALL:+ratio: vs gzip -dc; }$(analyze_note)"
	AN_GZ_WALL=$WALL
}

# --text evidence: the text of the evidence only in the database, the other
# records referring to their place in the log.
AN_PLAIN_EV_WALL= AN_GZ_EV_WALL=
bench_analyze_plain_evidence() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --text evidence --db "$DB" "$PLAIN"
	emit plain "sipscan analyze --text evidence" "$GZIP_WALL" \
		"${GZIP_WALL:+ratio: vs gzip -dc; }$(analyze_note)"
	AN_PLAIN_EV_WALL=$WALL
}

bench_analyze_gz_evidence() {
	use "$PLAIN"; warm "$GZ"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --text evidence --db "$DB" "$GZ"
	emit gzip "sipscan analyze --text evidence" "$GZIP_WALL" \
		"${GZIP_WALL:+ratio: vs gzip -dc; }$(analyze_note)"
	AN_GZ_EV_WALL=$WALL
}

# ---- client logs ---------------------------------------------------------------
# The same event mix written as a client (UccApi) log: the client parser
# against the server parser, per MB (the ratio lines at the end).
PARSE_PLAIN_WALL= CLIENT_PARSE_WALL= CLIENT_AN_WALL=
bench_client_parse() {
	use "$CLIENT"; warm "$CLIENT"
	measure "$SIPSCAN" parse "$CLIENT"
	emit client "sipscan parse" "$PARSE_PLAIN_WALL" "${PARSE_PLAIN_WALL:+ratio: vs the server trace}"
	CLIENT_PARSE_WALL=$WALL
}

bench_client_analyze() {
	use "$CLIENT"; warm "$CLIENT"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --db "$DB" "$CLIENT"
	emit client "sipscan analyze" "$AN_PLAIN_WALL" \
	     "${AN_PLAIN_WALL:+ratio: vs the server trace; }$(analyze_note)"
	CLIENT_AN_WALL=$WALL
}

# ---- the writer's floors ------------------------------------------------------
# What storing the same rows costs with no parse at all, and what writing
# the database's bytes to disk durably costs: the two things the thread
# that writes the database cannot do without.  Both start from the plain
# input analyzed once into SRC_DB (not timed).
#
# sqlite_floor: BUILD/sipscan-floor (bench/floor.c) reads the rows of
# SRC_DB into memory, then times storing them in a new database with the
# same table and indexes, as analyze stores them, with no journal and no
# fsync; the row's wall is the median of the times it prints.
# flush_floor: dd writes a file of the database's bytes and fdatasyncs it.
SRC_DB=$TMP/src.db
FLOOR=$BUILD/sipscan-floor
SQLITE_FLOOR_WALL= FLUSH_FLOOR_WALL=
src_db() {
	[ -s "$SRC_DB" ] && return 0
	"$SIPSCAN" analyze -qq --db "$SRC_DB" "$PLAIN" > /dev/null 2>&1
}

# The floors of analyze itself, through the benchmark's own knob
# (SIPSCAN_BENCH, read by `analyze` only): nostore parses, evaluates the
# rules and compresses on the same threads but stores no record (what the
# parsing side alone costs); nosync stores with synchronous=OFF, so the
# difference to analyze_plain is what waiting for the disk costs.
NOSTORE_WALL= NOSYNC_WALL=
bench_analyze_nostore() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB SIPSCAN_BENCH=nostore measure "$SIPSCAN" analyze -qq --db "$DB" "$PLAIN"
	emit plain "analyze, nothing stored" "$AN_PLAIN_WALL" \
		"${AN_PLAIN_WALL:+ratio: vs sipscan analyze; }floor: parse, rules and zstd on the same threads, no record stored"
	NOSTORE_WALL=$WALL
}

bench_analyze_nosync() {
	use "$PLAIN"; warm "$PLAIN"
	FRESH_DB=$DB SIPSCAN_BENCH=nosync measure "$SIPSCAN" analyze -qq --db "$DB" "$PLAIN"
	emit plain "analyze, no fsync" "$AN_PLAIN_WALL" \
		"${AN_PLAIN_WALL:+ratio: vs sipscan analyze; }synchronous=OFF: the difference is the wait for the disk"
	NOSYNC_WALL=$WALL
}

# ---- queries on the database of the plain input ------------------------------
# What a user asks of a database once it is written: the findings report,
# one call's flow, the errors of one hour on one host (written on ts, the
# text, and on ts_ms, the stored integer the index serves).  The database
# is the one the floor rows use (built once, not timed); the call, host
# and hour are picked from it once.
Q_CID= Q_HOST= Q_T0= Q_T1=
# pick_params DB P: into P_CID, P_HOST, P_T0, P_T1 (once) the call with the
# most messages, the host with the most errors and the first hour of them.
pick_params() {
	local db=$1 p=$2 cid host t0 t1 done
	done=${p}_T0
	[ -n "${!done}" ] && return 0
	[ "$HAVE_SQLITE3" = 1 ] || return 1
	cid=$(sqlite3 "$db" "SELECT call_id FROM messages WHERE call_id IS NOT NULL
		GROUP BY call_id ORDER BY count(*) DESC, call_id LIMIT 1")
	host=$(sqlite3 "$db" "SELECT coalesce(host, '') FROM errors GROUP BY host
		ORDER BY count(*) DESC, host LIMIT 1")
	t0=$(sqlite3 "$db" "SELECT substr(min(ts), 1, 13) || ':00:00.000' FROM errors
		WHERE coalesce(host, '') = '$host'")
	t1=$(sqlite3 "$db" "SELECT strftime('%Y-%m-%d %H:%M:%S.000', '$t0', '+1 hour')")
	printf -v "${p}_CID" '%s' "$cid"
	printf -v "${p}_HOST" '%s' "$host"
	printf -v "${p}_T0" '%s' "$t0"
	printf -v "${p}_T1" '%s' "$t1"
	[ -n "$t0" ]
}
query_pick() { pick_params "$SRC_DB" Q; }

query_row() { # query_row NAME NOTE CMD...
	local tool=$1 note=$2
	shift 2
	use "$PLAIN"
	if ! src_db || ! query_pick; then
		row plain "$tool" "skipped: needs sqlite3 and the analyzed input"
		return
	fi
	measure "$@"
	emit plain "$tool" "" "$note"
}

bench_query_report() {
	query_row "sipscan report" "the findings report of the database" \
		"$SIPSCAN" report --db "$SRC_DB"
}

bench_query_flow() {
	src_db && query_pick 2> /dev/null
	query_row "sipscan flow" "the call with the most messages ($Q_CID)" \
		"$SIPSCAN" flow --db "$SRC_DB" "$Q_CID"
}

bench_query_errors_hour() {
	src_db && query_pick 2> /dev/null
	query_row "query errors, 1 h, ts" "errors of host '$Q_HOST' from $Q_T0 on ts (text)" \
		"$SIPSCAN" query --db "$SRC_DB" "SELECT count(*) FROM errors
		WHERE coalesce(host, '') = '$Q_HOST' AND ts >= '$Q_T0' AND ts < '$Q_T1'"
}

bench_query_errors_hour_ms() {
	src_db && query_pick 2> /dev/null
	query_row "query errors, 1 h, ts_ms" "the same on ts_ms (the stored integer)" \
		"$SIPSCAN" query --db "$SRC_DB" "SELECT count(*) FROM errors
		WHERE coalesce(host, '') = '$Q_HOST' AND ts_ms >= unixepoch('$Q_T0') * 1000
		AND ts_ms < unixepoch('$Q_T1') * 1000"
}

# sipscan export --engine of the analyzed 100 MiB trace (the map step's
# output for ClickHouse or DuckDB): the note gives the output's MB/s and
# its bytes per exported row.
export_row() { # export_row TABLE FORMAT
	local tool="sipscan export --engine --format $2 $1" bytes rows
	use "$PLAIN"
	if ! src_db; then
		row plain "$tool" "skipped: needs the analyzed input"
		return
	fi
	CAPTURE=1 measure "$SIPSCAN" export --engine --format "$2" --db "$SRC_DB" "$1"
	if [ -z "$FAIL" ] && [ "$PASS" = emit ]; then
		bytes=$(wc -c < "$TMP/out")
		rows=$(wc -l < "$TMP/out")
		[ "$2" = csv ] && rows=$(sqlite3 "$SRC_DB" "SELECT count(*) FROM $( [ "$1" = signals ] &&
			echo "(SELECT record_id FROM matches UNION ALL SELECT record_id FROM unexplained)" ||
			echo records)" 2> /dev/null || echo "$rows")
		emit plain "$tool" "" "$(awk -v b="$bytes" -v n="$rows" -v w="$WALL" 'BEGIN {
			printf "%.1f MB out, %.0f MB/s, %.0f bytes per row (%d rows)", b / 1e6,
			(w > 0) ? b / 1e6 / w : 0, (n > 0) ? b / n : 0, n }')"
	else
		emit plain "$tool"
	fi
}
bench_export_signals_jsonl() { export_row signals jsonl; }
bench_export_signals_csv() { export_row signals csv; }
bench_export_records_jsonl() { export_row records jsonl; }
bench_export_records_csv() { export_row records csv; }

bench_sqlite_floor() {
	local tool="sipscan-floor: SQLite alone" i out n s times=
	use "$PLAIN"
	if [ ! -x "$FLOOR" ]; then
		row plain "$tool" "missing ($FLOOR)"
		return
	fi
	if ! src_db; then
		row plain "$tool" "FAILED: sipscan analyze of the plain input"
		return
	fi
	if [ "$PASS" = collect ]; then
		rm -f "$TMP/floor.db"
		if ! out=$("$FLOOR" "$SRC_DB" "$TMP/floor.db" 2>&1); then
			M_FAIL[floor]="FAILED: $(echo "$out" | head -n 1 | cut -c1-60)"
		else
			read -r _ n _ s <<< "$out"
			M_WALLS[floor]="${M_WALLS[floor]:-} $s" M_DBA[floor]=$n
		fi
		rm -f "$TMP/floor.db"
		return
	fi
	if [ -n "${M_FAIL[floor]:-}" ]; then
		row plain "$tool" "${M_FAIL[floor]}"
		return
	fi
	n=${M_DBA[floor]:-}
	# shellcheck disable=SC2086
	median_spread ${M_WALLS[floor]:-0}
	RSS= FAIL=
	emit plain "$tool" "$AN_PLAIN_WALL" \
	     "${AN_PLAIN_WALL:+ratio: vs sipscan analyze; }floor: $n rows and their indexes stored, no parse, no journal, no fsync (its own timer; RSS not measured)"
	SQLITE_FLOOR_WALL=$WALL
}

bench_flush_floor() {
	local tool="dd conv=fdatasync: db bytes" mb
	use "$PLAIN"
	if ! src_db; then
		row plain "$tool" "FAILED: sipscan analyze of the plain input"
		return
	fi
	mb=$(awk -v b="$(wc -c < "$SRC_DB")" 'BEGIN { printf "%.1f", b / 1e6 }')
	warm "$SRC_DB"
	measure dd if="$SRC_DB" of="$TMP/flush.bin" bs=1M conv=fdatasync status=none
	emit plain "$tool" "$AN_PLAIN_WALL" \
	     "${AN_PLAIN_WALL:+ratio: vs sipscan analyze; }floor: the database's $mb MB written and synced"
	rm -f "$TMP/flush.bin"
	FLUSH_FLOOR_WALL=$WALL
}

# lnav_row INPUT FILE BASE_WALL: time the count query; the count must equal
# the header lines of the plain twin (lnav counts log messages: one per TL_
# line, the record bodies are continuation lines).
lnav_row() {
	local input=$1 file=$2 base=$3 n note
	if ! lnav_setup; then
		row "$input" "lnav count(*)" "skipped: lnav not installed (Debian package lnav)"
		WALL=
		return
	fi
	warm "$file"
	CAPTURE=1 measure env HOME="$LNAV_HOME" XDG_CONFIG_HOME="$LNAV_HOME/.config" \
	    lnav -n -c "$LNAV_QUERY" "$file"
	if [ -z "$FAIL" ]; then
		n=$(awk '$1 ~ /^[0-9]+$/ { n = $1 } END { print n }' "$TMP/out")
		if [ "$n" = "$IN_HDRS" ]; then
			note="count $n = header lines (records $IN_RECS)"
		else
			note="COUNT MISMATCH: lnav ${n:-nothing}, header lines $IN_HDRS, records $IN_RECS"
		fi
		[ -n "$base" ] && note="ratio: vs sipscan analyze; $note"
	fi
	emit "$input" "lnav count(*)" "$base" "${note:-}"
}

bench_lnav_plain() {
	use "$PLAIN"
	lnav_row plain "$PLAIN" "$AN_PLAIN_WALL"
	LNAV_PLAIN_WALL=$WALL
}

bench_lnav_gz() {
	use "$PLAIN"
	lnav_row gzip "$GZ" "$AN_GZ_WALL"
	LNAV_GZ_WALL=$WALL
}

bench_analyze_many() {
	# shellcheck disable=SC2086
	use $MANY_FILES; warm $MANY_FILES
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --db "$DB" "$MANY_DIR"
	emit "${MANY_N}x1MiB" "sipscan analyze DIR" "" "$(analyze_note)"
	MANY_WALL=$WALL
}

# The same directory again, all of it already in the database: nothing is
# read, and the summary (the default) covers every record of the 200 files
# from their file_stats rows.  What a daily re-run over an archive costs.
bench_analyze_rerun() {
	local db=$TMP/rerun.db
	# shellcheck disable=SC2086
	use $MANY_FILES; warm $MANY_FILES
	rm -f "$db" "$db-journal" "$db-lock"
	if ! "$SIPSCAN" analyze -qq --db "$db" "$MANY_DIR" > /dev/null 2>&1; then
		row "${MANY_N}x1MiB" "sipscan analyze DIR (again)" "FAILED: the first load"
		return
	fi
	measure "$SIPSCAN" analyze --db "$db" "$MANY_DIR"
	emit "${MANY_N}x1MiB" "sipscan analyze DIR (again)" "$MANY_WALL" \
	     "${MANY_WALL:+ratio: vs the first load; }nothing new; prints the summary"
	rm -f "$db" "$db-journal" "$db-lock"
}

bench_analyze_jobs1() {
	# shellcheck disable=SC2086
	use $SCALE_FILES; warm $SCALE_FILES
	# shellcheck disable=SC2086
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --jobs 1 --db "$DB" $SCALE_FILES
	emit "4x${SCALE_SIZE}MiB" "sipscan analyze --jobs 1" "" "$(analyze_note)"
	JOBS1_WALL=$WALL
}

bench_analyze_jobs2() {
	# shellcheck disable=SC2086
	use $SCALE_FILES; warm $SCALE_FILES
	# shellcheck disable=SC2086
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --jobs 2 --db "$DB" $SCALE_FILES
	emit "4x${SCALE_SIZE}MiB" "sipscan analyze --jobs 2" "$JOBS1_WALL" \
	     "${JOBS1_WALL:+ratio: vs --jobs 1; }$(analyze_note)"
	JOBS2_WALL=$WALL
}

bench_analyze_large() {
	local note
	use "$LARGE_PLAIN"; warm "$LARGE_PLAIN"
	FRESH_DB=$DB measure "$SIPSCAN" analyze -qq --db "$DB" "$LARGE_PLAIN"
	note=$(analyze_note)
	[ -n "$AN_PLAIN_WALL" ] && note="ratio: vs ${SIZE}MiB analyze; $note"
	emit "${LARGE_SIZE}MiB" "sipscan analyze" "$AN_PLAIN_WALL" "$note"
	LARGE_WALL=$WALL LARGE_RSS=$RSS LARGE_BYTES=$IN_BYTES
}
LARGE_WALL= LARGE_RSS= LARGE_BYTES=

# The three typical queries again on the --large database (built once, not
# timed): that query speed holds as a database grows.
LARGE_DB=$TMP/large.db LQ_CID= LQ_HOST= LQ_T0= LQ_T1=
large_db() {
	if [ ! -s "$LARGE_DB" ]; then
		"$SIPSCAN" analyze -qq --db "$LARGE_DB" "$LARGE_PLAIN" > /dev/null 2>&1 || return 1
	fi
	pick_params "$LARGE_DB" LQ
}
large_query_row() { # large_query_row NAME NOTE CMD...
	local tool=$1 note=$2
	shift 2
	use "$LARGE_PLAIN"
	if ! large_db; then
		row "${LARGE_SIZE}MiB" "$tool" "skipped: needs sqlite3 and the analyzed input"
		return
	fi
	measure "$@"
	emit "${LARGE_SIZE}MiB" "$tool" "" "$note"
}
bench_query_large_report() {
	large_query_row "sipscan report" "the findings report of the ${LARGE_SIZE} MiB database" \
		"$SIPSCAN" report --db "$LARGE_DB"
}
bench_query_large_flow() {
	large_db 2> /dev/null
	large_query_row "sipscan flow" "the call with the most messages ($LQ_CID)" \
		"$SIPSCAN" flow --db "$LARGE_DB" "$LQ_CID"
}
bench_query_large_errors_hour() {
	large_db 2> /dev/null
	large_query_row "query errors, 1 h, ts_ms" "errors of host '$LQ_HOST' from $LQ_T0 on ts_ms" \
		"$SIPSCAN" query --db "$LARGE_DB" "SELECT count(*) FROM errors
		WHERE coalesce(host, '') = '$LQ_HOST' AND ts_ms >= unixepoch('$LQ_T0') * 1000
		AND ts_ms < unixepoch('$LQ_T1') * 1000"
}

# ---- report -----------------------------------------------------------------
SYSLINE="sipscan benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s), $RUNS run(s) each, median wall"
VERLINE=
if [ -x "$SIPSCAN" ]; then
	VERLINE="sipscan: $("$SIPSCAN" --version 2>/dev/null | head -n 1) ($BUILD)"
fi
[ "$HAVE_LNAV" = 1 ] && VERLINE="$VERLINE; $(lnav -V 2>/dev/null | head -n 1)"
INLINE=$(printf 'input: %s (%s bytes plain, %s bytes gzip -6, %s records, %s header lines)' \
       "${PLAIN#"$ROOT"/}" "$PLAIN_BYTES" "$GZ_BYTES" "$RECORDS" "$HEADERS")

say "$SYSLINE"
say "$INLINE"
say
# Rounds interleaved: round k runs every selected row once, rows in turn,
# so that a busy spell of a shared machine falls on all rows alike rather
# than on one; then the emit pass makes each row of its median.
for round in $(seq "$RUNS"); do
	say "round $round of $RUNS"
	for m in $MEASURES; do
		ROW_NAME=$m ROW_CALL=0
		selected "$m" && "bench_$m"
	done
done
PASS=emit
header >&2
for m in $MEASURES; do
	ROW_NAME=$m ROW_CALL=0
	selected "$m" && "bench_$m"
done

# ratios for the same inputs, from this run
if [ -n "$PARSE_GZ_WALL$AN_GZ_WALL" ]; then
	ratio_line "sipscan parse gzip / gzip -dc (wall)" "$(div "$PARSE_GZ_WALL" "$GZIP_WALL")x"
	paired_line "sipscan analyze gzip / gzip -dc (wall)" "$AN_GZ_WALL" "$GZIP_WALL" \
	            analyze_gz gzip_dc
fi
if [ -n "$CLIENT_PARSE_WALL" ] && [ -n "$PARSE_PLAIN_WALL" ]; then
	ratio_line "client log / server trace, sipscan parse wall per byte" \
	           "$(awk -v a="$CLIENT_PARSE_WALL" -v b="$PARSE_PLAIN_WALL" -v x="${F_BYTES[$CLIENT]}" -v y="$PLAIN_BYTES" \
	              'BEGIN { printf "%.2f", (a / x) / (b / y) }')x"
fi
if [ -n "$CLIENT_AN_WALL" ] && [ -n "$AN_PLAIN_WALL" ]; then
	ratio_line "client log / server trace, sipscan analyze wall per byte" \
	           "$(awk -v a="$CLIENT_AN_WALL" -v b="$AN_PLAIN_WALL" -v x="${F_BYTES[$CLIENT]}" -v y="$PLAIN_BYTES" \
	              'BEGIN { printf "%.2f", (a / x) / (b / y) }')x"
fi
if [ -n "$SQLITE_FLOOR_WALL" ] && [ -n "$FLUSH_FLOOR_WALL" ]; then
	ratio_line "writer floors (sipscan-floor + dd) / analyze plain" \
	           "$(div "$(awk -v a="$SQLITE_FLOOR_WALL" -v b="$FLUSH_FLOOR_WALL" 'BEGIN { printf "%.3f", a + b }')" "$AN_PLAIN_WALL")x"
fi
if [ -n "$NOSYNC_WALL" ] && [ -n "$AN_PLAIN_WALL" ]; then
	ratio_line "fsync wait: analyze plain - analyze with no fsync (s)" \
	           "$(awk -v a="$AN_PLAIN_WALL" -v b="$NOSYNC_WALL" 'BEGIN { printf "%.3f", a - b }')"
fi
# The most any analyze storing these rows can be outrun by lnav: SQLite has
# one writer per database, so no analyze takes less than SQLite storing the
# rows alone plus the wait for the disk at the commit, whatever its parser.
if [ -n "$LNAV_PLAIN_WALL" ] && [ -n "$SQLITE_FLOOR_WALL" ] && [ -n "$NOSYNC_WALL" ] &&
   [ -n "$AN_PLAIN_WALL" ]; then
	ratio_line "ceiling: lnav plain / (SQLite alone + fsync wait)" \
	           "$(div "$LNAV_PLAIN_WALL" "$(awk -v a="$SQLITE_FLOOR_WALL" -v b="$AN_PLAIN_WALL" -v c="$NOSYNC_WALL" \
	              'BEGIN { w = b - c; if (w < 0) w = 0; printf "%.3f", a + w }')")x"
fi
if [ -n "$NOSTORE_WALL" ] && [ -n "$AN_PLAIN_WALL" ]; then
	ratio_line "parsing side alone (nothing stored) / analyze plain" "$(div "$NOSTORE_WALL" "$AN_PLAIN_WALL")x"
fi
paired_line "sipscan analyze plain / gzip -dc (wall)" "$AN_PLAIN_WALL" "$GZIP_WALL" \
	    analyze_plain gzip_dc
paired_line "sipscan analyze --text evidence plain / gzip -dc (wall)" "$AN_PLAIN_EV_WALL" \
	    "$GZIP_WALL" analyze_plain_evidence gzip_dc
paired_line "sipscan analyze --text evidence gzip / gzip -dc (wall)" "$AN_GZ_EV_WALL" \
	    "$GZIP_WALL" analyze_gz_evidence gzip_dc
if [ -n "$LNAV_PLAIN_WALL$LNAV_GZ_WALL" ]; then
	paired_line "lnav plain / sipscan analyze plain (wall)" "$LNAV_PLAIN_WALL" "$AN_PLAIN_WALL" \
		    lnav_plain analyze_plain
	paired_line "lnav gzip / sipscan analyze gzip (wall)" "$LNAV_GZ_WALL" "$AN_GZ_WALL" \
		    lnav_gz analyze_gz
	paired_line "lnav plain / sipscan analyze --text evidence plain (wall)" "$LNAV_PLAIN_WALL" \
		    "$AN_PLAIN_EV_WALL" lnav_plain analyze_plain_evidence
	paired_line "lnav gzip / sipscan analyze --text evidence gzip (wall)" "$LNAV_GZ_WALL" \
		    "$AN_GZ_EV_WALL" lnav_gz analyze_gz_evidence
fi
paired_line "analyze one ${SIZE}MiB file throughput, 2 threads / --jobs 1" "$AN_PLAIN_J1_WALL" \
	    "$AN_PLAIN_WALL" analyze_plain_jobs1 analyze_plain
paired_line "analyze 4x${SCALE_SIZE}MiB throughput, --jobs 2 / --jobs 1" "$JOBS1_WALL" "$JOBS2_WALL" \
	    analyze_jobs1 analyze_jobs2
if [ -n "$LARGE_WALL" ] && [ -n "$AN_PLAIN_WALL" ]; then
	ratio_line "analyze ${LARGE_SIZE}MiB / ${SIZE}MiB, wall (input bytes ratio $(div "$LARGE_BYTES" "$PLAIN_BYTES")x)" \
	           "$(div "$LARGE_WALL" "$AN_PLAIN_WALL")x"
	ratio_line "analyze ${LARGE_SIZE}MiB / ${SIZE}MiB, wall per byte (1.00 = linear)" \
	           "$(awk -v a="$LARGE_WALL" -v b="$AN_PLAIN_WALL" -v x="$LARGE_BYTES" -v y="$PLAIN_BYTES" \
	              'BEGIN { printf "%.2f", (a / x) / (b / y) }')x"
	ratio_line "analyze ${LARGE_SIZE}MiB / ${SIZE}MiB, peak RSS ($(awk -v a="$LARGE_RSS" -v b="$AN_PLAIN_RSS" \
	              'BEGIN { printf "%.1f vs %.1f MiB", a / 1024, b / 1024 }'))" \
	           "$(div "$LARGE_RSS" "$AN_PLAIN_RSS")x"
fi

# The stages of one analyze of the plain input (SIPSCAN_BENCH=stages):
# where the wall time goes, the CPU of each thread and their waits for
# each other.  One run, not a median: read it for the shares.
STAGES=
if [ -n "$AN_PLAIN_WALL" ]; then
	rm -f "$DB" "$DB-journal"
	STAGES=$(SIPSCAN_BENCH=stages "$SIPSCAN" analyze -qq --db "$DB" "$PLAIN" 2>&1 >/dev/null | grep '^stage ')
	rm -f "$DB" "$DB-journal"
fi

FOOT1="MB/s and records/s: uncompressed plain size (10^6 bytes) and \$\$begin_record count of the row's input over the median wall, gzip rows too."
FOOT2="sprd (spread): (max - min) / median of the runs.  ratio: wall / wall of the row named in the note.  db: database size / plain input size."

echo
echo "$SYSLINE"
echo "$VERLINE"
echo "$INLINE"
echo
header
for r in "${ROWS[@]}"; do show_row "$r"; done
if [ ${#RATIOS[@]} -gt 0 ]; then
	echo
	echo "ratios (same inputs, this run):"
	for r in "${RATIOS[@]}"; do
		printf '  %-62s %s\n' "${r%%$'\t'*}" "${r#*$'\t'}"
	done
fi
if [ -n "$STAGES" ]; then
	echo
	echo "stages of one sipscan analyze -qq of the plain input (SIPSCAN_BENCH=stages, one run;"
	echo "wall: since analyze started; cpu: the process's so far):"
	printf '%s\n' "$STAGES" | sed 's/^stage /  /'
fi
echo
echo "$FOOT1"
echo "$FOOT2"

if [ "$MARKDOWN" = 1 ]; then
	echo
	echo "$SYSLINE; $VERLINE"
	echo
	echo "$INLINE"
	echo
	markdown
	if [ ${#RATIOS[@]} -gt 0 ]; then
		echo
		echo '| ratio (same inputs, this run) | value |'
		echo '|---|--:|'
		for r in "${RATIOS[@]}"; do
			printf '| %s | %s |\n' "${r%%$'\t'*}" "${r#*$'\t'}"
		done
	fi
	echo
	echo "$FOOT1"
	echo "$FOOT2"
fi
