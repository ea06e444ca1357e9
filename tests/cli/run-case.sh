#!/bin/sh
# run-case.sh SIPSCAN CASEDIR -- one golden CLI test.
#
# CASEDIR/cmd holds one shell command line, run from the source root with
# $SIPSCAN set to the binary and $TMP to a fresh scratch directory.  Its
# stdout, stderr and exit code are compared with CASEDIR/stdout,
# CASEDIR/stderr and CASEDIR/rc (a missing golden file means "empty" for
# stdout/stderr and "0" for rc).  In the outputs the scratch directory is
# written as $TMP and the source root as $ROOT, so goldens depend on
# neither (the database stores absolute paths).
#
# SIPSCAN_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u
SIPSCAN=$1
dir=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipscan-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export SIPSCAN TMP
export SIPSCAN_DB="$TMP/default.db"
export LC_ALL=C TZ=UTC COLUMNS=80 SOURCE_DATE_EPOCH=0
unset NO_COLOR
cd "$root" || exit 2
sh -c "$(cat "$dir/cmd")" >"$TMP/.out" 2>"$TMP/.err" </dev/null
rc=$?
# the catalogue a report names changes with every rule: $HASH (N rules
sed -e "s#$TMP#\$TMP#g" -e "s#$root#\$ROOT#g" \
    -e 's#[0-9a-f]\{16\} ([0-9][0-9]* rules#$HASH (N rules#g' "$TMP/.out" >"$TMP/.out2"
sed -e "s#$TMP#\$TMP#g" -e "s#$root#\$ROOT#g" "$TMP/.err" >"$TMP/.err2"
if [ "${SIPSCAN_UPDATE_GOLDEN:-}" = 1 ]; then
	cp "$TMP/.out2" "$dir/stdout"
	cp "$TMP/.err2" "$dir/stderr"
	echo "$rc" >"$dir/rc"
	[ -s "$dir/stderr" ] || rm -f "$dir/stderr"
	[ "$rc" != 0 ] || rm -f "$dir/rc"
	echo "updated $dir"
	exit 0
fi
fail=0
want_rc=0
[ -f "$dir/rc" ] && want_rc=$(cat "$dir/rc")
if [ "$rc" != "$want_rc" ]; then
	echo "exit code: got $rc, want $want_rc"
	fail=1
fi
for s in out err; do
	golden="$dir/std$s"
	[ -f "$golden" ] || golden=/dev/null
	if ! diff -u "$golden" "$TMP/.${s}2" >"$TMP/.diff"; then
		echo "std$s differs from $golden:"
		head -n 80 "$TMP/.diff"
		fail=1
	fi
done
# A signal or a sanitizer report always fails.
if [ "$rc" -ge 128 ] || grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$TMP/.err"; then
	echo "crashed or sanitizer report"
	fail=1
fi
exit $fail
