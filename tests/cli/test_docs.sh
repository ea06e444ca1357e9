#!/bin/sh
# test_docs.sh SIPSCAN -- the documentation cannot drift from the command
# table (src/main.c): every option of every command is named in the man
# page and in the README; the help of each command lists each of its
# options; the bash completion script parses and completes commands,
# options, option values and subcommands; the zsh script parses when zsh
# is installed.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
MAN=$ROOT/doc/sipscan.1
README=$ROOT/README.md

"$SIPSCAN" completion options >"$T/opts"
check "options: listed" "$?" 0
check "options: some" "$(test "$(wc -l <"$T/opts")" -ge 20 && echo yes)" yes
while read -r cmd opt; do
	m=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	check "man page names $cmd $opt" "$(grep -c -- "$m" "$MAN" | sed 's/^[1-9][0-9]*$/yes/')" yes
	check "README names $cmd $opt" "$(grep -c -- "$opt" "$README" | sed 's/^[1-9][0-9]*$/yes/')" yes
	"$SIPSCAN" help "$cmd" >"$T/help"
	check "help $cmd lists $opt" "$(grep -c -- "^  $opt\\b" "$T/help" | sed 's/^[1-9][0-9]*$/yes/')" yes
	check "usage line of $cmd has $opt" "$(head -n 1 "$T/help" | grep -c -- "$opt\\b" | sed 's/^[1-9][0-9]*$/yes/')" yes
done <"$T/opts"

"$SIPSCAN" completion bash >"$T/c.bash"
check "bash: script" "$?" 0
bash -n "$T/c.bash"
check "bash: parses" "$?" 0
comp() { # words...: what _sipscan offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sipscan; echo "${COMPREPLY[*]}"' sh "$T/c.bash" "$@"
}
check "bash: a command" "$(comp sipscan rep)" "report"
check "bash: an option" "$(comp sipscan report --fo)" "--format"
check "bash: an option's values" "$(comp sipscan report --format '')" "text md json html"
check "bash: a short option's values" "$(comp sipscan query -f j)" "json jsonl"
check "bash: a subcommand" "$(comp sipscan rules c)" "check"
mkdir "$T/dir" && : >"$T/dir/trace.log"
check "bash: a path argument" "$(comp sipscan analyze "$T/dir/tr")" "$T/dir/trace.log"
check "bash: a directory value" "$(comp sipscan analyze --rules "$T/di")" "$T/dir"
"$SIPSCAN" completion fish >/dev/null 2>&1
check "completion: unknown shell: exit" "$?" 2

"$SIPSCAN" completion zsh >"$T/c.zsh"
check "zsh: script" "$?" 0
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$T/c.zsh"
	check "zsh: parses" "$?" 0
else
	echo "skip zsh -n (zsh is not installed)"
fi
contains "zsh: a compdef" "$(head -n 1 "$T/c.zsh")" "#compdef sipscan"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
