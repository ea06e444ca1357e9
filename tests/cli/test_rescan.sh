#!/bin/sh
# test_rescan.sh SIPSCAN -- re-evaluation (issue 15, item 6): the catalogue
# that evaluated the records is stored (catalogue.hash); a run whose rules
# differ evaluates the stored records again from their stored text, no log
# read, and gives what a fresh analysis with those rules gives; rule files
# of --rules are kept (custom_rules) and loaded by later runs, so their
# findings keep cause and fix; --forget-rules drops them; --rescan forces
# it; the report names the catalogue.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
dump() { q "$1" "SELECT record_id, rule_id, key, vars FROM matches ORDER BY 1, 2; SELECT record_id, template FROM unexplained ORDER BY 1; SELECT * FROM limit_hits ORDER BY 1, 2; SELECT rule_id, key, count, title, cause, fix, subject, group_id, related FROM findings ORDER BY id"; }

mkdir "$T/rules" "$T/logs"
cp "$S"/*.log "$S"/*.gz "$S"/*.uccapilog "$S"/*.UccApilog "$S"/*.txt "$T/logs/"
cat >"$T/rules/x.rules" <<'EOF'
[rule X-TLS-NEGOTIATED]
title = TLS negotiated with {peer}
severity = warning
confidence = inferred
match.text = ^TLS negotiation succeeded
key = peer
cause = A test rule about {peer}.
fix = Nothing to do.
example.match = <<END
TL_INFO(TF_CONNECTION) [0]0AC0.1278::12/20/2011-20:45:01.704.000003ca (SIPStack,SIPAdminLog::TraceConnectionRecord:SIPAdminLog.cpp(160))$$begin_record
LogType: connection
Severity: information
Text: TLS negotiation succeeded
Peer: 10.0.0.1:5061
$$end_record
END
EOF

# 1. a first run stores its catalogue
"$SIPSCAN" analyze -qq --db "$T/a.db" "$T/logs" 2>/dev/null
check "first run: exit" "$?" 0
check "first run: the catalogue" "$(q "$T/a.db" "SELECT length(hash) || ' ' || (rules > 50) || ' ' || custom_files FROM catalogue")" "16 1 0"
check "first run: one catalogue row" "$(q "$T/a.db" "SELECT count(*) FROM catalogue")" 1
h0=$(q "$T/a.db" "SELECT hash FROM catalogue")

# 2. a new rule on files already analyzed: evaluated again, no log read
"$SIPSCAN" analyze --db "$T/a.db" --rules "$T/rules" "$T/logs" >"$T/r2.out" 2>"$T/r2.err"
check "new rule: exit" "$?" 0
contains "new rule: nothing read" "$(cat "$T/r2.out")" "files: 0 ingested,"
contains "new rule: says it evaluated again" "$(cat "$T/r2.err")" "stored records evaluated again with this run's rules (they changed since the last run)"
check "new rule: its finding" "$(q "$T/a.db" "SELECT count(*) > 0 FROM findings WHERE rule_id = 'X-TLS-NEGOTIATED'")" 1
contains "new rule: in the summary" "$(cat "$T/r2.out")" "TLS negotiated with"
check "new rule: another catalogue" "$(q "$T/a.db" "SELECT hash <> '$h0' AND custom_files = 1 FROM catalogue")" 1
check "new rule: its file kept" "$(q "$T/a.db" "SELECT count(*) FROM custom_rules WHERE text LIKE '%X-TLS-NEGOTIATED%'")" 1
"$SIPSCAN" analyze -qq --db "$T/fresh.db" --rules "$T/rules" "$T/logs" 2>/dev/null
check "new rule: the same as a fresh analysis" "$(dump "$T/a.db")" "$(dump "$T/fresh.db")"

# 3. a later run without --rules: the kept rule file is loaded, nothing
#    changes, the finding keeps its cause and fix
before=$(dump "$T/a.db")
"$SIPSCAN" analyze --db "$T/a.db" "$T/logs" >"$T/r3.out" 2>"$T/r3.err"
check "kept rules: exit" "$?" 0
check "kept rules: not evaluated again" "$(grep -c 'evaluated again' "$T/r3.err")" 0
check "kept rules: the same results" "$(dump "$T/a.db")" "$before"
check "kept rules: cause and fix" "$(q "$T/a.db" "SELECT count(*) FROM findings WHERE rule_id = 'X-TLS-NEGOTIATED' AND (cause NOT LIKE 'A test rule about %.' OR fix <> 'Nothing to do.')")" 0

# 4. --rescan: evaluated again with the same rules, the same results
"$SIPSCAN" analyze --db "$T/a.db" --rescan "$T/logs" >/dev/null 2>"$T/r4.err"
check "rescan: exit" "$?" 0
contains "rescan: says so" "$(cat "$T/r4.err")" "evaluated again with this run's rules (--rescan)"
check "rescan: the same results" "$(dump "$T/a.db")" "$before"

# 5. --forget-rules: the kept rule file goes, and its findings
"$SIPSCAN" analyze -qq --db "$T/a.db" --forget-rules "$T/logs" 2>"$T/r5.err"
check "forget: exit" "$?" 0
check "forget: no kept rules" "$(q "$T/a.db" "SELECT count(*) FROM custom_rules")" 0
check "forget: no finding of it" "$(q "$T/a.db" "SELECT count(*) FROM matches WHERE rule_id = 'X-TLS-NEGOTIATED'")" 0
check "forget: back to the first catalogue" "$(q "$T/a.db" "SELECT hash FROM catalogue")" "$h0"
"$SIPSCAN" analyze -qq --db "$T/plain.db" "$T/logs" 2>/dev/null
check "forget: the same as without the rule" "$(dump "$T/a.db")" "$(dump "$T/plain.db")"

# 6. kept by reference (--text evidence), with the log gone: the old results stay
"$SIPSCAN" analyze -qq --text evidence --db "$T/ev.db" "$T/logs" 2>/dev/null
npnc=$(q "$T/ev.db" "SELECT sum(count) FROM findings WHERE rule_id = 'PEER-NOT-CONFIGURED'")
mv "$T/logs/lync2010-fe-owa.log" "$T/gone.log"
"$SIPSCAN" analyze --db "$T/ev.db" --rules "$T/rules" "$T/logs/ocs2007r2-edge.log" >/dev/null 2>"$T/r6.err"
check "evidence, log gone: exit" "$?" 0
contains "evidence, log gone: said" "$(cat "$T/r6.err")" "some kept by reference, their log gone, keep their old results"
check "evidence, log gone: its findings stay" "$(q "$T/ev.db" "SELECT sum(count) FROM findings WHERE rule_id = 'PEER-NOT-CONFIGURED'")" "$npnc"
check "evidence, log gone: the new rule where the text could be read" "$(q "$T/ev.db" "SELECT count(*) > 0 FROM findings WHERE rule_id = 'X-TLS-NEGOTIATED'")" 1
mv "$T/gone.log" "$T/logs/lync2010-fe-owa.log"

# 7. the report names the catalogue
"$SIPSCAN" report --db "$T/fresh.db" >"$T/rep.txt"
contains "report: the catalogue" "$(cat "$T/rep.txt")" "rules:   catalogue $(q "$T/fresh.db" "SELECT hash FROM catalogue") ("
contains "report: one rule file of --rules" "$(cat "$T/rep.txt")" "rules, 1 rule file of --rules)"
"$SIPSCAN" report --db "$T/fresh.db" --format json >"$T/rep.json"
contains "report json: the catalogue" "$(cat "$T/rep.json")" "\"catalogue\":\"$(q "$T/fresh.db" "SELECT hash FROM catalogue") ("

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
