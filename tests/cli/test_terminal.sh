#!/bin/sh
# test_terminal.sh SIPSCAN -- output for the terminal it goes to (issue 18,
# item 2): the width of the terminal or COLUMNS (80 in a pipe), colours
# on a terminal only (--color auto|always|never, NO_COLOR), run under a
# pseudo-terminal (script(1)) where one is needed.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
DB=$T/t.db
"$SIPSCAN" analyze -qq --db "$DB" "$S/lync2010-fe-owa.log" "$S/sfb-edge-federation.log.gz"
check "analyze: exit" "$?" 0
esc=$(printf '\033')
longest() { tr -d '\r' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }
wrapped() { tr -d '\r' | grep '^    [a-zA-Z]' | grep -v '://' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'; }

# a pipe: 80 columns, no colour
unset COLUMNS
"$SIPSCAN" report --db "$DB" >"$T/pipe.txt"
check "pipe: no colour" "$(grep -c "$esc" "$T/pipe.txt")" 0
check "pipe: wrapped within 80 columns" "$(wrapped <"$T/pipe.txt" | awk '{ print ($1 <= 78 && $1 > 60) }')" 1
# COLUMNS sets the width
COLUMNS=120 "$SIPSCAN" report --db "$DB" >"$T/wide.txt"
check "COLUMNS=120: wider" "$(wrapped <"$T/wide.txt" | awk '{ print ($1 > 80 && $1 <= 118) }')" 1
COLUMNS=60 "$SIPSCAN" analyze --db "$DB" "$S/lync2010-fe-owa.log" >"$T/narrow.txt"
check "COLUMNS=60: analyze narrower" "$(grep '^                [a-z]' "$T/narrow.txt" | longest | awk '{ print ($1 <= 58) }')" 1
COLUMNS=100 "$SIPSCAN" flow --db "$DB" 2cc01804-8230-598a-ae2e-f1a7d0d2d968 >"$T/flow.txt"
check "flow: COLUMNS wide" "$(longest <"$T/flow.txt" | awk '{ print ($1 > 80 && $1 <= 100) }')" 1
# --color always colours a pipe too; never, and NO_COLOR, never colour
"$SIPSCAN" report --db "$DB" --color always >"$T/always.txt"
contains "always: the error label in red" "$(cat "$T/always.txt")" "${esc}[1;31m[ERROR]${esc}[0m"
"$SIPSCAN" report --db "$DB" --color sometimes >/dev/null 2>"$T/bad.err"
check "bad --color: exit 2" "$?" 2

# a terminal (script(1) gives the command a pseudo-terminal)
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	COLUMNS=100 script -qec "'$SIPSCAN' report --db '$DB'" /dev/null >"$T/tty.txt" 2>&1
	contains "tty: colours" "$(cat "$T/tty.txt")" "${esc}[1;31m[ERROR]"
	check "tty: COLUMNS wide" "$(wrapped <"$T/tty.txt" | awk '{ print ($1 > 80 && $1 <= 98) }')" 1
	NO_COLOR=1 script -qec "'$SIPSCAN' report --db '$DB'" /dev/null >"$T/nocolor.txt" 2>&1
	check "tty, NO_COLOR: no colour" "$(grep -c "$esc\[1;31m" "$T/nocolor.txt")" 0
	script -qec "'$SIPSCAN' report --db '$DB' --color never" /dev/null >"$T/never.txt" 2>&1
	check "tty, never: no colour" "$(grep -c "$esc\[1;31m" "$T/never.txt")" 0
	script -qec "'$SIPSCAN' analyze --db '$DB' '$S/lync2010-fe-owa.log'" /dev/null >"$T/an.txt" 2>&1
	contains "tty: analyze colours its findings" "$(cat "$T/an.txt")" "${esc}[1;31mERROR   ${esc}[0m"
else
	echo "skip: no script(1) for a pseudo-terminal"
fi

# analyze's summary fits the width: no line is wider unless it is one word
# longer than a line (a registry path) or the show command, which moves to
# a line of its own and stays whole to be copied; host lines, error
# texts, titles and counts wrap
for w in 60 80; do
	rm -f "$T/w$w.db"
	COLUMNS=$w "$SIPSCAN" analyze --db "$T/w$w.db" --topology "$S/topology.csv" \
		"$S/lync2010-fe-owa.log" "$S/sfb-edge-federation.log.gz" "$S/ocs2007r2-edge.log" \
		"$S/lync2013-client-trust.uccapilog" >"$T/w$w.txt" 2>/dev/null
	check "analyze at COLUMNS=$w: no line wider but one word" "$(awk -v w=$w '
		length($0) > w && !/^         records: sipscan show / {
		t = $0; sub(/^ +/, "", t); if (t ~ / /) n++ } END { print n + 0 }' "$T/w$w.txt")" 0
	check "analyze at COLUMNS=$w: the show command whole" \
		"$(grep -c '^         records: sipscan show --db [^ ]* 75 114$\|; records: sipscan show --db [^ ]* 75 114$' "$T/w$w.txt")" 1
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
