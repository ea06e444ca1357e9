#!/bin/sh
# test_readme.sh SIPSCAN -- the examples of README.md are the program's real
# output, as jq checks its manual: a README that drifts from the program
# fails here.
#
# An example is a line `$ sipscan ...` inside a fenced code block of
# README.md; the lines after it, up to the next `$ ` line or the end of the
# block, are its output (stdout).  Each command is run as written, pipes
# included (`| jq ...`, `| head -20`), by `sh -c` from the source root with
# `sipscan` on the PATH, LC_ALL=C and TZ=UTC, and with SIPSCAN_DB naming a
# database in the scratch directory:
# - an `analyze` example gets a fresh database of its own (its summary is
#   that of a first run);
# - every other example reads one database built first with the command of
#   the README's Quick start (`./build/sipscan analyze ARGS`, ARGS read from
#   the README), which is how the examples were produced (as ./sipscan.db).
# An example that pipes into jq is skipped, with a visible "skip" line,
# when jq is not installed.  An example without a pipe must exit 0.
#
# Comparison rules, the only liberties taken with the text:
# - a README output line that is `...` alone (any indentation) stands for
#   zero or more lines of the real output (like `*` in a glob, over lines);
#   `...` inside a line (`Action initi...`) is literal;
# - the source root differs per machine: at the start of a line, the
#   README's `/home/me/sipscan/` and the real output's source root followed
#   by `/` (as `pwd` and as `pwd -P` give it) are both written `<ROOT>/`;
# - a CR before the end of a real output line is dropped (`show` keeps the
#   log's CRLF; a README cannot show a CR).
# Everything else, spaces included, must be equal.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
case $SIPSCAN in /*) ;; *) SIPSCAN=$(pwd)/$SIPSCAN ;; esac
README=$ROOT/README.md
README_ROOT=/home/me/sipscan # the source root of the README's examples
PROOT=$(cd "$ROOT" && pwd -P)

# `sipscan` on the PATH is the binary under test
mkdir "$T/bin" "$T/ex"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$SIPSCAN" >"$T/bin/sipscan"
chmod +x "$T/bin/sipscan"
PATH=$T/bin:$PATH
export PATH

# ---- 1. the examples: $T/ex/N.cmd, N.want, N.name -----------------------
n=$(awk -v dir="$T/ex" '
/^```/ { blk = !blk; cur = ""; next }
!blk && /^#+ / { head = $0; sub(/^#+ /, "", head); sub(/ \[.*/, "", head); next }
blk && /^\$ sipscan( |$)/ {
	n++; cur = dir "/" n
	print substr($0, 3) >(cur ".cmd"); close(cur ".cmd")
	printf "README.md:%d (%s)\n", NR, head >(cur ".name"); close(cur ".name")
	printf "" >(cur ".want")
	next
}
blk && /^\$ / { cur = ""; next }
blk && cur != "" { print >>(cur ".want") }
END { print n + 0 }
' "$README")
for c in analyze parse query report show flow rules; do
	check "README has a \`sipscan $c\` example" \
		"$(cat "$T/ex/"*.cmd | grep -c "^sipscan $c\( \|$\)" | sed 's/^[1-9][0-9]*$/yes/')" yes
done

# ---- 2. the database of the Quick start ---------------------------------
args=$(sed -n 's#.*&& \./build/sipscan analyze \(.*\)$#\1#p' "$README")
check "Quick start: one analyze command found" "$(printf '%s\n' "$args" | grep -c .)" 1
cd "$ROOT" || exit 2
# shellcheck disable=SC2086 # ARGS are the README's words
SIPSCAN_DB=$T/sipscan.db "$SIPSCAN" analyze -qq $args >"$T/qs.out" 2>"$T/qs.err"
check "Quick start: analyze exit" "$?" 0
check "Quick start: analyze stderr" "$(cat "$T/qs.err")" ""

# ---- 3. each example against the real output ----------------------------
# norm SIDE < text: the narrow normalisation described above
norm() {
	awk -v side="$1" -v rr="$README_ROOT/" -v r1="$ROOT/" -v r2="$PROOT/" '
	side == "got" { sub(/\r$/, "") }
	side == "want" && index($0, rr) == 1 { $0 = "<ROOT>/" substr($0, length(rr) + 1) }
	side == "got" && index($0, r1) == 1 { $0 = "<ROOT>/" substr($0, length(r1) + 1) }
	side == "got" && index($0, r2) == 1 { $0 = "<ROOT>/" substr($0, length(r2) + 1) }
	{ print }'
}
# matches WANT GOT: every line equal, a `...` line matching any run of lines
matches() {
	awk -v wf="$1" '
	BEGIN { while ((getline l <wf) > 0) w[++m] = l }
	{ g[++n] = $0 }
	END {
		for (j = 1; j <= n + 1; j++) M[m + 1, j] = (j == n + 1)
		for (i = m; i >= 1; i--) {
			dots = (w[i] ~ /^[ \t]*\.\.\.$/)
			M[i, n + 1] = dots && M[i + 1, n + 1]
			for (j = n; j >= 1; j--)
				M[i, j] = dots ? (M[i + 1, j] || M[i, j + 1]) \
				               : (w[i] == g[j] && M[i + 1, j + 1])
		}
		exit !M[1, 1]
	}' "$2"
}

i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	cmd=$(cat "$T/ex/$i.cmd") name=$(cat "$T/ex/$i.name")
	case $cmd in
	*'| jq '*) if ! command -v jq >/dev/null 2>&1; then
		echo "skip $name: jq is not installed: \$ $cmd"; continue
	fi ;;
	esac
	case $cmd in
	'sipscan analyze '*) db=$T/analyze-$i.db ;;
	*) db=$T/sipscan.db ;;
	esac
	SIPSCAN_DB=$db sh -c "$cmd" >"$T/got.raw" 2>"$T/err" </dev/null
	rc=$?
	if crashed "$T/err"; then
		check "$name: no crash: \$ $cmd" crash ""
	fi
	case $cmd in
	*'|'*) ;;
	*) check "$name: exit status of \$ $cmd" "$rc" 0 ;;
	esac
	norm want <"$T/ex/$i.want" >"$T/want"
	norm got <"$T/got.raw" >"$T/got"
	if matches "$T/want" "$T/got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL %s: the output of $ %s differs from the README' "$name" "$cmd"
		# with `...` lines, the real lines they stand for would flood the
		# diff: show the README lines that are not in the real output
		grep -v '^[[:space:]]*\.\.\.$' "$T/want" >"$T/want.lit"
		diff -u "$T/want.lit" "$T/got" | sed -n '3,$p' >"$T/diff"
		if cmp -s "$T/want" "$T/want.lit" || ! grep -q '^-' "$T/diff"; then
			echo ' (- README, + real):'
			sed 's/^/  /' "$T/diff" | head -n 60
		else
			echo '; README lines not in the real output:'
			sed -n 's/^-/  -/p' "$T/diff" | head -n 60
		fi
	fi
done
echo "$n README examples"

# ---- 4. what the prose states: synopses, numbers ------------------------
# each `### sipscan CMD ...` heading is the usage line of `sipscan help CMD`
grep '^### sipscan ' "$README" | sed 's/^### //' >"$T/synopses"
check "README: a synopsis per command" "$(awk '{print $2}' "$T/synopses" | tr '\n' ' ')" \
	"analyze parse query report show flow export schema render rules "
while IFS= read -r syn; do
	c=$(printf '%s\n' "$syn" | awk '{print $2}')
	check "README: synopsis of $c is its usage line" "$syn" \
		"$("$SIPSCAN" help "$c" | sed -n '1s/^usage: //p')"
done <"$T/synopses"
rules=$("$SIPSCAN" rules check | sed -n 's/^OK: \([0-9]*\) rules.*/\1/p')
check "README: the number of built-in rules" \
	"$(grep -o '[0-9]* built-in rules' "$README" | sort -u)" "$rules built-in rules"
v=$(sed -n 's/^#define SIP_STORE_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$ROOT/src/store.h")
check "README: the schema version" \
	"$(grep -o 'schema version [0-9]*' "$README" | sort -u)" "schema version $v"
check "man page: the schema version" \
	"$(grep -o 'schema version [0-9]*' "$ROOT/doc/sipscan.1" | sort -u)" "schema version $v"
check "README: the migrations" "$(grep -o 'v1 → v[0-9]*' "$README" | sort -u)" "v1 → v$v"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
