#!/bin/sh
# test_filters.sh SIPSCAN -- the findings filters of report and analyze
# (issue 18, item 3): --severity (that level and above), --rule (a glob on
# the rule id), --host (a server whose logs hold the finding), --since and
# --until (in the log's clock, in the forms people type); the report says
# what it shows; bad values are usage errors.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
DB=$T/f.db
"$SIPSCAN" analyze -qq --db "$DB" "$S/lync2010-fe-owa.log" "$S/sfb-edge-federation.log.gz" \
	"$S/ocs2007r2-edge.log" "$S/lync2013-client-trust.uccapilog"
check "analyze: exit" "$?" 0
json() { "$SIPSCAN" report --db "$DB" --format json "$@" | grep '^ {"id":'; }
rules() { sed -n 's/^ {"id":[0-9]*,"rule":"\([^"]*\)".*/\1/p'; }
sevs() { sed -n 's/^ {"id":[0-9]*,"rule":"[^"]*","severity":"\([^"]*\)".*/\1/p'; }

all=$(json | wc -l | tr -d ' ')
check "no filter: every finding" "$all" "$(q "$DB" "SELECT count(*) FROM findings")"

# --severity: that level and above
check "severity error: only error and critical" "$(json --severity error | sevs | sort -u | tr '\n' ' ')" "error "
check "severity error: all of them" "$(json --severity error | wc -l | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM findings WHERE severity IN ('error', 'critical')")"
check "severity warning: errors too" "$(json --severity warning | sevs | sort -u | tr '\n' ' ')" "error warning "

# --rule: a glob on the id
check "rule glob" "$(json --rule 'MSDIAG-10*' | rules | sort -u | tr '\n' ' ')" "MSDIAG-1027-FEDERATION-ROUTE MSDIAG-1034-PARTNER-NO-DIAGNOSTIC MSDIAG-1047-TLS-RESET-BY-PARTNER "
check "rule exact" "$(json --rule PEER-NOT-CONFIGURED | wc -l | tr -d ' ')" 1
check "rule case-sensitive" "$(json --rule 'peer-not-configured' | wc -l | tr -d ' ')" 0

# --host: the findings with records in that server's logs
check "host: every finding shown is on it" "$(json --host SFBEDGE02 | grep -vc '"hosts":\[[^]]*"sfbedge02"')" 0
check "host: all of them" "$(json --host sfbedge02 | wc -l | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM findings WHERE hosts LIKE '%\"sfbedge02\"%'")"

# --since / --until, in several forms
check "since a day: the later logs" "$(json --since 2016-01-01 | wc -l | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM findings WHERE last_seen >= '2016-01-01'")"
check "until a day: all of that day" "$(json --until 2012-03-14 | wc -l | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM findings WHERE first_seen <= '2012-03-14 23:59:59.999'")"
# (a finding is kept when its first..last seen overlaps the window)
check "the trace's own form" "$(json --since 06/07/2016-10:31:28.156 --until '2016-06-07 10:31:28.156' | rules | tr '\n' ' ')" "ROUTING-MSG-CERT-MISMATCH MSDIAG-1047-TLS-RESET-BY-PARTNER "
check "T and seconds" "$(json --since 2016-06-07T10:31 --until 2016-06-07T10:31:59 | wc -l | tr -d ' ')" "$(q "$DB" "SELECT count(*) FROM findings WHERE last_seen >= '2016-06-07 10:31' AND first_seen <= '2016-06-07 10:31:59.999'")"
check "nothing in an empty window" "$(json --since 2030-01-01 | wc -l | tr -d ' ')" 0

# combined, and said
"$SIPSCAN" report --db "$DB" --severity error --host sfbedge01 --since 2016-06-07 >"$T/r.txt"
check "combined: exit" "$?" 0
contains "report says what it shows" "$(cat "$T/r.txt")" "shown:   the findings of severity error and above, host sfbedge01, since 2016-06-07 00:00:00.000"
contains "json says it" "$("$SIPSCAN" report --db "$DB" --format json --rule 'X*')" '"filters":"rule X*"'

# analyze prints only those
"$SIPSCAN" analyze --db "$DB" --severity error --rule 'ROUTING-*' "$S/sfb-edge-federation.log.gz" >"$T/a.out" 2>&1
check "analyze: exit" "$?" 0
contains "analyze says it" "$(cat "$T/a.out")" "(findings of severity error and above, rule ROUTING-* only)"
check "analyze: one block" "$(grep -c '^ERROR \|^WARNING \|^CRITICAL ' "$T/a.out")" 1

# bad values: usage errors, exit 2
"$SIPSCAN" report --db "$DB" --severity loud >/dev/null 2>"$T/e1"
check "bad severity: exit 2" "$?" 2
contains "bad severity: says which" "$(cat "$T/e1")" "--severity wants info, warning, error or critical, not 'loud'"
"$SIPSCAN" report --db "$DB" --since yesterday >/dev/null 2>"$T/e2"
check "bad time: exit 2" "$?" 2
contains "bad time: says which" "$(cat "$T/e2")" "--since wants a time"
"$SIPSCAN" report --db "$DB" --until 2016-13-01 >/dev/null 2>&1
check "month 13: exit 2" "$?" 2
"$SIPSCAN" analyze --db "$DB" --since nope "$S/ocs2007r2-edge.log" >/dev/null 2>&1
check "analyze bad time: exit 2" "$?" 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
