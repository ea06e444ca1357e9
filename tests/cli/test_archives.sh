#!/bin/sh
# test_archives.sh SIPSCAN -- the bundles people send (issue 18, item 5):
# .zip, .7z, .tar, .tar.gz, .tar.xz and lone .xz, .bz2, .zst files are read
# directly, through libarchive; each member that is a trace is an input of
# its own, named ARCHIVE!MEMBER, with the records, findings and re-run
# behaviour of the same file given loose; a lone compressed file is the
# file itself; a damaged archive keeps the members before the damage, is
# partial, and the batch goes on.  The archives are written by the test
# (sipscan-mkarchive, libarchive), from the samples.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
MK=$(dirname "$SIPSCAN")/sipscan-mkarchive
if [ ! -x "$MK" ]; then
	echo "skip: $MK not built"
	exit 0
fi
dump() { q "$1" "SELECT r.line, r.ts, r.kind, r.level, r.text, r.peer, r.call_id, r.status FROM records r ORDER BY r.id; SELECT rule_id, key, count FROM findings ORDER BY rule_id, key"; }

mkdir -p "$T/in/logs"
cp "$S/lync2010-fe-owa.log" "$T/in/logs/fe.log"
cp "$S/sfb-edge-federation.log.gz" "$T/in/logs/edge.log.gz"
cp "$S/lync2013-client-trust.uccapilog" "$T/in/client.uccapilog"
printf 'not a trace\n' >"$T/in/readme.txt"
(cd "$T/in" && "$SIPSCAN" analyze -qq --db "$T/loose.db" logs/fe.log logs/edge.log.gz client.uccapilog)
check "loose: exit" "$?" 0
want=$(dump "$T/loose.db")

for fmt in zip 7z tar tar.gz tar.xz; do
	(cd "$T/in" && "$MK" "$fmt" "$T/b.$fmt" logs/fe.log logs/edge.log.gz client.uccapilog readme.txt)
	check "$fmt: written" "$?" 0
	"$SIPSCAN" analyze --db "$T/$fmt.db" "$T/b.$fmt" >"$T/$fmt.out" 2>"$T/$fmt.err"
	check "$fmt: exit" "$?" 0
	check "$fmt: members as inputs" "$(q "$T/$fmt.db" "SELECT group_concat(substr(path, instr(path, '!') + 1) || '=' || status, ' ') FROM (SELECT path, status FROM files ORDER BY id)")" \
		"logs/fe.log=ingested logs/edge.log.gz=ingested client.uccapilog=ingested readme.txt=skipped"
	check "$fmt: named ARCHIVE!MEMBER" "$(q "$T/$fmt.db" "SELECT count(*) FROM files WHERE path LIKE '%/b.$fmt!%'")" 4
	check "$fmt: the records and findings of the loose files" "$(dump "$T/$fmt.db")" "$want"
	contains "$fmt: summary names the archive" "$(cat "$T/$fmt.out")" "b.$fmt: an archive of 4 members, each read as an input"
	"$SIPSCAN" analyze --db "$T/$fmt.db" "$T/b.$fmt" >"$T/$fmt.out2" 2>&1
	contains "$fmt: re-run reads nothing" "$(cat "$T/$fmt.out2")" "files: 0 ingested, 4 unchanged"
done
check "7z: show reads a member's record" "$("$SIPSCAN" show --db "$T/7z.db" 9 | sed -n 2p | cut -c1-20)" "TL_ERROR(TF_CONNECTI"
contains "7z: show names the member" "$("$SIPSCAN" show --db "$T/7z.db" 9 | head -n 1)" "b.7z!logs/fe.log:96"

# a lone compressed file is the file itself
for fmt in xz bz2 zst; do
	(cd "$T/in" && "$MK" "$fmt" "$T/fe.log.$fmt" logs/fe.log)
	"$SIPSCAN" analyze -qq --db "$T/l$fmt.db" "$T/fe.log.$fmt"
	check "$fmt: exit" "$?" 0
	check "$fmt: the file itself" "$(q "$T/l$fmt.db" "SELECT substr(path, length(rtrim(path, replace(path, '/', ''))) + 1) || ' ' || records FROM files")" "fe.log.$fmt 66"
done

# a damaged archive: the members before the damage are kept, partial, exit 1
(cd "$T/in" && "$MK" zip "$T/big.zip" logs/fe.log logs/edge.log.gz client.uccapilog)
head -c 12000 "$T/big.zip" >"$T/cut.zip"
"$SIPSCAN" analyze --db "$T/cut.db" "$T/cut.zip" "$S/ocs2007r2-edge.log" >"$T/cut.out" 2>"$T/cut.err"
check "damaged: exit 1" "$?" 1
check "damaged: the first member kept" "$(q "$T/cut.db" "SELECT records FROM files WHERE path LIKE '%cut.zip!logs/fe.log'")" 66
check "damaged: the batch went on" "$(q "$T/cut.db" "SELECT status FROM files WHERE path LIKE '%ocs2007r2-edge.log'")" ingested
contains "damaged: named" "$(cat "$T/cut.err")" "cut.zip"
contains "damaged: says what" "$(cat "$T/cut.err")" "damaged archive"
check "damaged: no crash" "$(crashed "$T/cut.err" && echo crash)" ""

# not an archive after all: garbage behind a zip signature is skipped
printf 'PK\003\004garbage garbage garbage' >"$T/fake.zip"
"$SIPSCAN" analyze --db "$T/fake.db" "$T/fake.zip" >"$T/fake.out" 2>"$T/fake.err"
check "fake zip: exit 1" "$?" 1
check "fake zip: no crash" "$(crashed "$T/fake.err" && echo crash)" ""

# an archive in a directory, next to loose files: walked like them
mkdir "$T/dir"
cp "$T/b.zip" "$T/dir/bundle.zip"
cp "$S/ocs2007r2-edge.log" "$T/dir/"
"$SIPSCAN" analyze -qq --db "$T/dir.db" "$T/dir"
check "directory: exit" "$?" 0
check "directory: members and files" "$(q "$T/dir.db" "SELECT count(*) FROM files WHERE status = 'ingested'")" 4

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
