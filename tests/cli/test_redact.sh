#!/bin/sh
# test_redact.sh SIPSCAN -- report --redact (issue 18, item 1): users, IPv4
# addresses, host names and the database's servers replaced by stable
# aliases in every format, the references (URLs) kept, the same value the
# same alias throughout one report.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
DB=$T/r.db
"$SIPSCAN" analyze -qq --db "$DB" "$S/lync2010-fe-owa.log" "$S/sfb-edge-federation.log.gz" \
	"$S/lync2013-client-trust.uccapilog"
check "analyze: exit" "$?" 0
for fmt in text md json html; do
	"$SIPSCAN" report --db "$DB" --format "$fmt" --redact >"$T/r.$fmt"
	check "$fmt: exit" "$?" 0
	check "$fmt: no server name" "$(grep -c -i 'sfbedge0\|sfbfe0' "$T/r.$fmt")" 0
	check "$fmt: no domain of the logs" "$(grep -c -i 'contoso\.\|fabrikam\.\|wingtiptoys\.\|deitterick\.' "$T/r.$fmt")" 0
	check "$fmt: no address of the logs" "$(grep -c '10\.0\.[0-9]*\.[0-9]*\|198\.51\.100\.' "$T/r.$fmt")" 0
	check "$fmt: no user" "$(grep -c -i 'alice@' "$T/r.$fmt")" 0
	contains "$fmt: aliases" "$(cat "$T/r.$fmt")" "host1.example"
done
contains "servers aliased" "$(cat "$T/r.text")" "hosts:   server1, server2"
contains "users aliased" "$(cat "$T/r.text")" "user1@"
contains "references kept" "$(cat "$T/r.text")" "https://"
# stable: the finding's subject and the cause say the same alias
s=$(grep '^  subject: ' "$T/r.text" | head -n 1 | sed 's/^  subject: //')
check "stable: the subject is an alias" "$(printf '%s' "$s" | grep -c '^host[0-9]*\.example$')" 1
check "stable: named in its block" "$(sed -n "/^  subject: $s\$/,/^\$/p" "$T/r.text" | grep -c "$s")" "$(sed -n "/^  subject: $s\$/,/^\$/p" "$T/r.text" | grep -c "$s")"
check "stable: the same alias in json" "$(grep -c "\"subject\":\"$s\"" "$T/r.json")" 1
# without --redact, nothing is replaced
"$SIPSCAN" report --db "$DB" >"$T/plain.txt"
contains "plain: the names" "$(cat "$T/plain.txt")" "sfbedge01"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
