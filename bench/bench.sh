#!/usr/bin/env bash
# bench/bench.sh -- how fast sipscan reads a trace, next to the tools that
# bound it: gzip -dc (decompression alone) and grep -c (one pass over the
# plain text).  Run from anywhere; paths are relative to the repository root.
#
#   bench/bench.sh [--size MiB] [--runs N] [--build DIR]
#
# Needs bash, coreutils, gzip, grep, awk and /usr/bin/time (GNU time; on
# Debian/Ubuntu: apt-get install time), plus DIR/sipscan-gen and DIR/sipscan
# from a normal CMake build.  The input is generated once into bench/data/
# (git-ignored) by sipscan-gen with a fixed seed, so every run of every
# version reads the same bytes.
#
# Wall time is the median of --runs runs; /usr/bin/time -f '%e %M' gives the
# wall seconds and the peak RSS of each run, and under bash 5 the wall time
# is taken from $EPOCHREALTIME around it instead (microseconds, not 10 ms).
#
# Each measure is one shell function bench_<name>; MEASURES lists them in
# table order.  To add a row, write a function that calls `measure` (or
# `row` for something that is not a timed command) and append its name.
set -u
export LC_ALL=C

SIZE=100
RUNS=3
BUILD=build
SEED=1

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--size)  SIZE=${2:?--size needs MiB}; shift 2 ;;
	--runs)  RUNS=${2:?--runs needs a count}; shift 2 ;;
	--build) BUILD=${2:?--build needs a directory}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
case $SIZE in ''|*[!0-9]*) echo "bench.sh: --size must be a whole number of MiB" >&2; exit 2 ;; esac
case $RUNS in ''|*[!0-9]*|0) echo "bench.sh: --runs must be a positive number" >&2; exit 2 ;; esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
GEN=$BUILD/sipscan-gen
SIPSCAN=$BUILD/sipscan
TIME=/usr/bin/time
DATA=$ROOT/bench/data
PLAIN=$DATA/trace-$SIZE.log
GZ=$PLAIN.gz

die() { echo "bench.sh: $*" >&2; exit 1; }

[ -x "$TIME" ] || die "$TIME not found (GNU time; on Debian/Ubuntu: apt-get install time)"
[ -x "$GEN" ] || die "$GEN not found: build it first (cmake -S . -B $BUILD && cmake --build $BUILD)"
if [ ! -x "$SIPSCAN" ]; then
	echo "bench.sh: warning: $SIPSCAN not found; its rows will show 'missing'" >&2
fi

# ---- input ------------------------------------------------------------------
mkdir -p "$DATA" || exit 1
if [ ! -s "$PLAIN" ]; then
	echo "generating $PLAIN ($SIZE MiB, seed $SEED) ..." >&2
	"$GEN" --size "$SIZE" --seed "$SEED" > "$PLAIN.tmp" && mv "$PLAIN.tmp" "$PLAIN" ||
		{ rm -f "$PLAIN.tmp"; die "sipscan-gen failed"; }
	rm -f "$GZ"    # a new plain file invalidates the old .gz
fi
if [ ! -s "$GZ" ]; then
	echo "compressing $GZ (gzip -6) ..." >&2
	gzip -6 -c "$PLAIN" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ" ||
		{ rm -f "$GZ.tmp"; die "gzip failed"; }
fi
PLAIN_BYTES=$(wc -c < "$PLAIN")
GZ_BYTES=$(wc -c < "$GZ")
RECORDS=$(grep -c '\$\$begin_record' "$PLAIN")
cat "$PLAIN" "$GZ" > /dev/null    # warm the page cache before timing

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipscan-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# ---- measuring ----------------------------------------------------------------
# measure INPUT TOOL CMD...: run CMD $RUNS times with stdout to /dev/null;
# sets WALL (median seconds) and RSS (peak KiB over the runs) and prints a row.
# A command that fails or is missing prints a row saying so and leaves WALL
# empty; the script goes on.
WALL= RSS=
measure() {
	local input=$1 tool=$2 i rc w r t0 t1 walls= rss_max=0
	shift 2
	WALL= RSS=
	if [ ! -x "$1" ] && ! command -v "$1" > /dev/null 2>&1; then
		row "$input" "$tool" "missing"
		return
	fi
	for i in $(seq "$RUNS"); do
		t0=${EPOCHREALTIME:-}
		"$TIME" -f '%e %M' -o "$TMP/time" "$@" > /dev/null 2> "$TMP/err"
		rc=$?
		t1=${EPOCHREALTIME:-}
		if [ $rc -ne 0 ]; then
			row "$input" "$tool" "FAILED rc=$rc: $(head -n 1 "$TMP/err" | cut -c1-60)"
			return
		fi
		# the last line of -o holds "%e %M" (earlier ones may be notes)
		read -r w r < <(tail -n 1 "$TMP/time")
		# %e has 10 ms resolution; bash 5 gives microseconds around it
		if [ -n "$t0" ] && [ -n "$t1" ]; then
			w=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')
		fi
		walls="$walls $w"
		[ "$r" -gt "$rss_max" ] && rss_max=$r
	done
	WALL=$(printf '%s\n' $walls | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	RSS=$rss_max
	row "$input" "$tool" "$WALL" "$RSS" "${RATIO_TO:-}"
}

# row INPUT TOOL WALL [RSS_KIB [BASE_WALL]]: one table line.  Throughput is
# the uncompressed plain size over the wall time; BASE_WALL, when given,
# adds the ratio WALL / BASE_WALL.
row() {
	local input=$1 tool=$2 wall=$3 rss=${4:-} base=${5:-}
	case $wall in
	''|*[!0-9.]*)
		printf '%-6s %-26s %s\n' "$input" "$tool" "$wall"
		return ;;
	esac
	awk -v in_="$input" -v tool="$tool" -v w="$wall" -v rss="$rss" -v base="$base" \
	    -v bytes="$PLAIN_BYTES" -v recs="$RECORDS" 'BEGIN {
		ws = (w > 0) ? w : 0.0005
		mbs = bytes / 1e6 / ws
		rps = recs / ws
		ratio = (base != "" && base > 0) ? sprintf("%.2fx", w / base) : "-"
		printf "%-6s %-26s %8.3f %9.1f %11.0f %8.1f %7s\n",
		       in_, tool, w, mbs, rps, rss / 1024, ratio
	}'
}

header() {
	printf '%-6s %-26s %8s %9s %11s %8s %7s\n' \
	       input tool "wall s" "MB/s" "records/s" "RSS MiB" ratio
	printf '%-6s %-26s %8s %9s %11s %8s %7s\n' \
	       ------ -------------------------- -------- --------- ----------- -------- -------
}

# ---- the measures ------------------------------------------------------------
GZIP_WALL=

bench_gzip_dc() {
	RATIO_TO= measure gzip "gzip -dc" gzip -dc "$GZ"
	GZIP_WALL=$WALL
}

bench_grep() {
	RATIO_TO= measure plain "grep -c '\$\$begin_record'" grep -c '\$\$begin_record' "$PLAIN"
}

bench_sipscan_parse_plain() {
	RATIO_TO= measure plain "sipscan parse" "$SIPSCAN" parse "$PLAIN"
}

bench_sipscan_parse_gz() {
	RATIO_TO=$GZIP_WALL measure gzip "sipscan parse" "$SIPSCAN" parse "$GZ"
}

MEASURES="gzip_dc grep sipscan_parse_plain sipscan_parse_gz"

# ---- report -----------------------------------------------------------------
echo "sipscan benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s), $RUNS run(s) each, median wall"
if [ -x "$SIPSCAN" ]; then
	echo "sipscan: $("$SIPSCAN" --version 2>/dev/null | head -n 1)"
fi
printf 'input: %s (%s bytes plain, %s bytes gzip -6, %s records)\n\n' \
       "${PLAIN#"$ROOT"/}" "$PLAIN_BYTES" "$GZ_BYTES" "$RECORDS"
header
for m in $MEASURES; do
	"bench_$m"
done
echo
echo "MB/s and records/s use the uncompressed plain size and the record count for every row;"
echo "ratio = wall / wall of 'gzip -dc' on the same .gz."
