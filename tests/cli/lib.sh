# lib.sh -- sourced by the end-to-end scripts tests/cli/test_*.sh after they
# set SIPSCAN=$1: the source root ($ROOT), the samples ($S), a scratch
# directory removed at exit ($T), a clean environment, and the checks.
# Each script ends with: echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]
ROOT=${SIPSCAN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
S=$ROOT/samples
T=$(mktemp -d "${TMPDIR:-/tmp}/sipscan-$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C TZ=UTC COLUMNS=80 SOURCE_DATE_EPOCH=0
unset SIPSCAN_DB NO_COLOR
pass=0 fail=0

check() { # check DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		printf 'FAIL %s\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"
	fi
}
contains() { # contains DESCRIPTION TEXT NEEDLE
	case "$2" in
	*"$3"*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); printf 'FAIL %s\n  text: %s\n  lacks: %s\n' "$1" "$2" "$3" ;;
	esac
}
q() { sqlite3 -batch "$1" "$2"; }
# A sanitizer report in any of the files named: a crash, whatever the exit.
crashed() { grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$@"; }
