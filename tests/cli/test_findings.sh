#!/bin/sh
# test_findings.sh SIPSCAN -- end-to-end tests of the rules engine inside
# `sipscan analyze`: the "peer is not a configured server" finding in every
# topology case (parent, case, child, exact, none, no topology), the
# topology kept in the database, --rules overriding a built-in rule by id,
# benign findings, counts and links, no 401 challenge among the
# unexplained, an IM body that quotes the error never matching, idempotent
# re-runs, and the same findings for --jobs 1 and --jobs 3.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
LYNC=$S/lync2010-fe-owa.log
peer_cause() { q "$1" "SELECT cause || ' | ' || fix FROM findings WHERE rule_id = 'PEER-NOT-CONFIGURED'"; }

# ---- 1. every topology case of the flagship rule ------------------------
printf '# pools\nmail.deitterick.com\nlyncpool01.contoso.com\n' >"$T/parent.txt"
printf 'DeitteRick.COM\n' >"$T/case.txt"
printf 'deitterick.com\n' >"$T/exact.txt"
printf 'pool.fabrikam.com\n' >"$T/none.txt"

"$SIPSCAN" analyze -qq --db "$T/p.db" --topology "$T/parent.txt" "$LYNC"
check "parent: exit" "$?" 0
c=$(peer_cause "$T/p.db")
contains "parent: cause names both" "$c" "The certificate subject is deitterick.com but the trusted application pool is mail.deitterick.com"
contains "parent: fix" "$c" "Reissue the certificate with the pool FQDN mail.deitterick.com as subject"
check "parent: count" "$(q "$T/p.db" "SELECT count FROM findings WHERE rule_id='PEER-NOT-CONFIGURED'")" 5
check "parent: key" "$(q "$T/p.db" "SELECT keys_json FROM findings WHERE rule_id='PEER-NOT-CONFIGURED'")" '{"fqdn":"deitterick.com"}'
check "parent: links" "$(q "$T/p.db" "SELECT count(*) FROM finding_records fr JOIN findings f ON f.id = fr.finding_id WHERE f.rule_id='PEER-NOT-CONFIGURED'")" 5
check "parent: only connection records" "$(q "$T/p.db" "SELECT group_concat(DISTINCT r.kind) FROM matches m JOIN records r ON r.id = m.record_id WHERE m.rule_id='PEER-NOT-CONFIGURED'")" connection
check "parent: topology stored" "$(q "$T/p.db" "SELECT group_concat(fqdn, ' ') FROM (SELECT fqdn FROM topology ORDER BY fqdn)")" "lyncpool01.contoso.com mail.deitterick.com"

"$SIPSCAN" analyze -qq --db "$T/c.db" --topology "$T/case.txt" "$LYNC"
contains "case: differs only in case" "$(peer_cause "$T/c.db")" "DeitteRick.COM: the names differ only in letter case"

"$SIPSCAN" analyze -qq --db "$T/e.db" --topology "$T/exact.txt" "$LYNC"
contains "exact: cause elsewhere" "$(peer_cause "$T/e.db")" "is in the topology (deitterick.com), so the name is not the problem"

"$SIPSCAN" analyze -qq --db "$T/n.db" --topology "$T/none.txt" "$LYNC"
contains "none: no entry resembles" "$(peer_cause "$T/n.db")" "No trusted application pool, trusted computer or pool in the topology resembles deitterick.com"

sed 's/fqdn="deitterick.com"/fqdn="edge.mail.deitterick.com"/' "$LYNC" >"$T/child.log"
"$SIPSCAN" analyze -qq --db "$T/ch.db" --topology "$T/parent.txt" "$T/child.log"
contains "child: sub-domain" "$(peer_cause "$T/ch.db")" "edge.mail.deitterick.com, a sub-domain of the topology entry mail.deitterick.com"

"$SIPSCAN" analyze -qq --db "$T/x.db" "$LYNC"
contains "no topology: says --topology would help" "$(peer_cause "$T/x.db")" "--topology with a Get-CsTrustedApplicationPool export would make this precise"

# CSV export of Get-CsTrustedApplicationPool, with its #TYPE line
"$SIPSCAN" analyze -qq --db "$T/csv.db" --topology "$S/topology.csv" "$LYNC"
contains "csv topology: parent case" "$(peer_cause "$T/csv.db")" "trusted application pool is mail.deitterick.com"

# ---- 2. the stored topology is reused; a later --topology replaces it ---
cp "$LYNC" "$T/grow.log"
"$SIPSCAN" analyze -qq --db "$T/g.db" --topology "$T/parent.txt" "$T/grow.log"
tail -n 20 "$LYNC" >>"$T/grow.log"  # a grown file: new tail read, findings rebuilt
"$SIPSCAN" analyze -qq --db "$T/g.db" "$T/grow.log"
contains "stored topology reused" "$(peer_cause "$T/g.db")" "trusted application pool is mail.deitterick.com"
"$SIPSCAN" analyze -qq --db "$T/g.db" --topology "$T/none.txt" "$T/grow.log"
contains "new --topology replaces" "$(peer_cause "$T/g.db")" "No trusted application pool"

# ---- 3. --rules overrides a built-in rule by id, adds new ones -----------
mkdir "$T/rules"
cat >"$T/rules/site.rules" <<'RULES'
[rule PEER-NOT-CONFIGURED]
title = Exchange {fqdn} is not trusted (site rule)
severity = critical
kind = connection
match.text = not a configured server
key = fqdn
cause = Site-specific cause for {fqdn}.
fix = Ask the Exchange team.

[rule SITE-OWA-PRESENCE]
title = OWA presence question in an IM
severity = info
kind = protocol
match.method = ^MESSAGE$
not.status = .
cause = A user asked about OWA presence.
fix = Nothing.
RULES
"$SIPSCAN" analyze -qq --db "$T/r.db" --rules "$T/rules" "$LYNC"
check "override: exit" "$?" 0
check "override: title and severity" "$(q "$T/r.db" "SELECT severity || '|' || title FROM findings WHERE rule_id='PEER-NOT-CONFIGURED'")" "critical|Exchange deitterick.com is not trusted (site rule)"
check "override: new rule fires" "$(q "$T/r.db" "SELECT count(*) > 0 FROM findings WHERE rule_id='SITE-OWA-PRESENCE'")" 1
"$SIPSCAN" rules check "$T/rules" >/dev/null
check "override: rules check accepts the dir" "$?" 0

# ---- 4. benign, unexplained, counts ---------------------------------------
"$SIPSCAN" analyze -qq --db "$T/all.db" "$LYNC" "$S/sfb-edge-federation.log.gz" "$S/ocs2007r2-edge.log" 2>/dev/null
check "benign: flagged" "$(q "$T/all.db" "SELECT group_concat(rule_id, ' ') FROM (SELECT rule_id FROM findings WHERE benign = 1 ORDER BY rule_id)")" \
	"MSCLIENTDIAG-51004-USER-HANGUP MSDIAG-2139-SUBSCRIPTION-REPLACED UNKNOWN-USER-OR-EPID"
check "benign: listed last" "$(q "$T/all.db" "SELECT benign FROM findings ORDER BY id DESC LIMIT 1")" 1
check "no 401 challenge is unexplained" "$(q "$T/all.db" "SELECT count(*) FROM unexplained u JOIN records r ON r.id = u.record_id WHERE r.status IN (401, 407)")" 0
check "every finding count = its own rule's linked records" "$(q "$T/all.db" "SELECT count(*) FROM findings f WHERE f.count != (SELECT count(*) FROM finding_records fr JOIN matches m ON m.record_id = fr.record_id AND m.rule_id = f.rule_id WHERE fr.finding_id = f.id)")" 0

# ---- 4b. correlation: one event, one finding --------------------------------
# sfb-edge-federation: the Edge logs SIPPROXY_E_EPROUTING_..._NO_SRV_MATCH and
# answers ms-diagnostics 1009 for the same Call-ID 29 ms later; the
# diagnostic record leads, the 1009 response is its evidence
check "correlated: the 1009 has no finding of its own" "$(q "$T/all.db" "SELECT count(*) FROM findings WHERE rule_id = 'MSDIAG-1009-SRV-DOMAIN-MISMATCH'")" 0
check "correlated: the leader names it" "$(q "$T/all.db" "SELECT related FROM findings WHERE rule_id = 'EPROUTING-NO-SRV-MATCH'")" '[{"rule":"MSDIAG-1009-SRV-DOMAIN-MISMATCH","records":1}]'
check "correlated: counted once" "$(q "$T/all.db" "SELECT count FROM findings WHERE rule_id = 'EPROUTING-NO-SRV-MATCH'")" 1
check "correlated: both records are its evidence" "$(q "$T/all.db" "SELECT count(*) FROM finding_records fr JOIN findings f ON f.id = fr.finding_id WHERE f.rule_id = 'EPROUTING-NO-SRV-MATCH'")" 2
check "correlated: same Call-ID" "$(q "$T/all.db" "SELECT count(DISTINCT r.call_id) FROM finding_records fr JOIN findings f ON f.id = fr.finding_id JOIN records r ON r.id = fr.record_id WHERE f.rule_id = 'EPROUTING-NO-SRV-MATCH'")" 1
check "correlated: cert mismatch leads the 1010" "$(q "$T/all.db" "SELECT related FROM findings WHERE rule_id = 'ROUTING-MSG-CERT-MISMATCH'")" '[{"rule":"MSDIAG-1010-WRONG-PRINCIPAL","records":2}]'
# the Edge's trace line "TLS negotiation with sip.litwareinc.com:5061
# failed, error 10054" (no Call-ID) and the 1047 response naming that peer
# 13 ms later on the same server: one event, the response leads (error)
check "correlated by peer: the 1047 names the reset" "$(q "$T/all.db" "SELECT related FROM findings WHERE rule_id = 'MSDIAG-1047-TLS-RESET-BY-PARTNER'")" '[{"rule":"WINSOCK-CONNRESET","records":1}]'
check "correlated by peer: no reset finding of its own" "$(q "$T/all.db" "SELECT count(*) FROM findings WHERE rule_id = 'WINSOCK-CONNRESET'")" 0
check "every finding has a confidence" "$(q "$T/all.db" "SELECT count(*) FROM findings WHERE confidence NOT IN ('verified', 'partial', 'inferred') OR confidence IS NULL")" 0
check "subject: the peer FQDN" "$(q "$T/all.db" "SELECT subject FROM findings WHERE rule_id = 'ROUTING-MSG-CERT-MISMATCH'")" sip.wingtiptoys.com
check "subject: the federated domain" "$(q "$T/all.db" "SELECT subject FROM findings WHERE rule_id = 'EPROUTING-NO-SRV-MATCH'")" adatum.com
"$SIPSCAN" report --db "$T/all.db" --format json >"$T/all.json"
contains "report json: related" "$(cat "$T/all.json")" '"related":[{"rule":"MSDIAG-1009-SRV-DOMAIN-MISMATCH","records":1}]'
contains "report json: subject" "$(cat "$T/all.json")" '"subject":"sip.wingtiptoys.com","confidence":"'
"$SIPSCAN" report --db "$T/all.db" >"$T/all.txt"
contains "report text: merged signature named" "$(cat "$T/all.txt")" "The same events are also logged as:
    MSDIAG-1009-SRV-DOMAIN-MISMATCH (1 record)"

# ---- 4c. many peers, one cause: one block --------------------------------
# a generated multi-server trace: one finding per rule and peer in the
# database, one group (group_id) per cause, one block in the summary
GEN=$(dirname "$SIPSCAN")/sipscan-gen
if [ -x "$GEN" ]; then
	"$GEN" --style sfb --size 20 --seed 5 >"$T/g.log"
	"$SIPSCAN" analyze --db "$T/g.db" "$T/g.log" >"$T/g.out" 2>/dev/null
	check "groups: several peers of one cause" "$(q "$T/g.db" "SELECT count(*) FROM findings WHERE rule_id = 'MSDIAG-1010-UNTRUSTED-ROOT'")" 5
	check "groups: one group" "$(q "$T/g.db" "SELECT count(DISTINCT group_id) FROM findings WHERE rule_id = 'MSDIAG-1010-UNTRUSTED-ROOT'")" 1
	check "groups: the group is its first finding" "$(q "$T/g.db" "SELECT count(*) FROM findings f WHERE group_id <> id AND NOT EXISTS (SELECT 1 FROM findings l WHERE l.id = f.group_id AND l.group_id = l.id AND l.rule_id = f.rule_id)")" 0
	check "groups: one block per group in the summary" "$(grep -c '^ERROR    Certificate of .* is from an untrusted CA' "$T/g.out")" 1
	contains "groups: the block lists its peers" "$(cat "$T/g.out")" "         the same for each of these 5:
           sip.litwareinc.com               3 records, "
	contains "groups: the block counts them all" "$(cat "$T/g.out")" "ERROR    Certificate of sip.litwareinc.com is from an untrusted CA
         (ms-diagnostics 1010) (and 4 more)
         7 records on sfbedge01, sfbedge02,
         2016-06-07 08:00:54.986 .. "
	check "groups: no untrusted-root block per peer" "$(grep -c 'Certificate of sip.proseware.com is from an untrusted CA' "$T/g.out")" 0
	# the topology cases differ: a different cause is a block of its own
	printf 'DeitteRick.COM\nexchange.fabrikam.com\n' >"$T/gtopo.txt"
	"$SIPSCAN" analyze --db "$T/g2.db" --topology "$T/gtopo.txt" "$T/g.log" >/dev/null 2>&1
	check "groups: another topology case, another group" "$(q "$T/g2.db" "SELECT count(DISTINCT group_id) FROM findings WHERE rule_id = 'PEER-NOT-CONFIGURED'")" 3
	check "summary: no question marks" "$(grep -c '[^a-z]?[^a-z]\|<host>' "$T/g.out")" 0
	# the three reports show the same findings: every one in json and
	# html, every group's first as a block of the text report
	"$SIPSCAN" report --db "$T/g.db" --format json >"$T/g.json"
	"$SIPSCAN" report --db "$T/g.db" --format html >"$T/g.html"
	"$SIPSCAN" report --db "$T/g.db" >"$T/g.txt"
	nf=$(q "$T/g.db" "SELECT count(*) FROM findings")
	check "reports: json lists every finding" "$(grep -c '^ {"id":' "$T/g.json")" "$nf"
	check "reports: html shows every finding" "$(grep -o '<div class="finding[^"]*" id="f[0-9]*"' "$T/g.html" | wc -l | tr -d ' ')" "$nf"
	check "reports: text, one block per group" "$(grep -c '^\[[A-Z]*\]' "$T/g.txt")" "$(q "$T/g.db" "SELECT count(*) FROM findings WHERE group_id = id")"
	check "reports: text, a line per subject of a group" "$(grep -c '^    sip\.[a-z]*\.com  *[0-9]* record' "$T/g.txt")" "$(q "$T/g.db" "SELECT count(*) FROM findings WHERE group_id IN (SELECT group_id FROM findings GROUP BY group_id HAVING count(*) > 1) AND subject LIKE 'sip.%.com'")"
	check "reports: json titles = text titles" "$(grep -o '^\[[A-Z]*\] .*' "$T/g.txt" | sed 's/^\[[A-Z]*\] //; s/^(benign) //; s/ (and [0-9]* more)$//' | sort)" "$(q "$T/g.db" "SELECT title FROM findings WHERE group_id = id ORDER BY title" | sort)"
fi
check "matched records are not unexplained" "$(q "$T/all.db" "SELECT count(*) FROM unexplained u JOIN matches m ON m.record_id = u.record_id")" 0
check "cert mismatch keyed on expected fqdn" "$(q "$T/all.db" "SELECT keys_json || '|' || count FROM findings WHERE rule_id='ROUTING-MSG-CERT-MISMATCH'")" '{"expected":"sip.wingtiptoys.com"}|2'

# ---- 5. idempotent re-run, and --jobs does not change the findings --------
dump() { q "$1" "SELECT rule_id, key, count, first_seen, last_seen, hosts, sample_ids, cause FROM findings ORDER BY id; SELECT * FROM matches ORDER BY record_id, rule_id; SELECT * FROM unexplained ORDER BY record_id"; }
before=$(dump "$T/all.db")
"$SIPSCAN" analyze -qq --db "$T/all.db" "$LYNC" "$S/sfb-edge-federation.log.gz" "$S/ocs2007r2-edge.log" 2>/dev/null
check "re-run: findings unchanged" "$(dump "$T/all.db")" "$before"
"$SIPSCAN" analyze -qq --jobs 1 --db "$T/j1.db" "$LYNC" "$S/sfb-edge-federation.log.gz" "$S/ocs2007r2-edge.log" 2>/dev/null
"$SIPSCAN" analyze -qq --jobs 3 --db "$T/j3.db" "$LYNC" "$S/sfb-edge-federation.log.gz" "$S/ocs2007r2-edge.log" 2>/dev/null
check "jobs 1 = jobs 3" "$(dump "$T/j3.db")" "$(dump "$T/j1.db")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
