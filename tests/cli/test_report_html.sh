#!/bin/sh
# test_report_html.sh SIPSCAN -- the HTML report renders in headless
# Chromium and loads nothing.  Builds a database from a sample plus the
# report fixture (hostile text included), writes the HTML report, checks it
# is one self-contained file (no src=, no external href, no url(), no
# <script>), then screenshots it with chromium (when installed) and checks
# a non-trivial PNG came out.  Without chromium it prints a skip line.
set -u
SIPSCAN=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sipscan-html.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; fail=$((fail + 1)); }
cd "$root" || exit 2
mkdir "$TMP/edge"
cp samples/lync2010-fe-owa.log "$TMP/fe.log"
cp samples/sfb-edge-federation.log.gz "$TMP/edge/"
if "$SIPSCAN" analyze --db "$TMP/t.db" -qq "$TMP/fe.log" "$TMP/edge/sfb-edge-federation.log.gz" >/dev/null 2>&1 &&
   sqlite3 "$TMP/t.db" < tests/cli/report-fixture.sql &&
   "$SIPSCAN" report --db "$TMP/t.db" --format html --output "$TMP/r.html"; then
	ok "report --format html"
else
	no "report --format html"
fi
if grep -q -i -e 'src=' -e 'url(' -e '@import' -e '<script' -e '<link' "$TMP/r.html" ||
   grep -o 'href="[^"]*"' "$TMP/r.html" | grep -v -q -e '^href="#' -e '^href="https\?://' ; then
	no "self-contained (nothing loaded)"
else
	ok "self-contained (nothing loaded)"
fi
# the header, the timeline's axis, lanes and tooltips, references as links
has() { if grep -q -e "$2" "$TMP/r.html"; then ok "$1"; else no "$1"; fi; }
has "header: version and generation time" '<p class="meta">sipscan [0-9.]*, generated [0-9-]* [0-9:]* UTC</p>'
has "header: the topology" '<tr><th>Topology</th>'
has "timeline: an axis label" 'font-size="10" text-anchor="middle">[0-9]'
has "timeline: grid lines" '<line x1='
has "timeline: a lane per server" '>by server</text>'
has "timeline: a tooltip with count and times" '<g><title>1\. .* records\?, [0-9-]* [0-9:.]* \.\. '
has "references: links that load nothing" '<a href="https://[^"]*" rel="noopener noreferrer">'
if grep -q '<a href="javascript' "$TMP/r.html"; then no "no javascript: link"; else ok "no javascript: link"; fi
# the inputs: named under their common directory, listed relative to it
has "header: the files' common directory" "under <code>$TMP/</code>"
has "header: a file relative to it" '<tr><td><code>fe.log</code></td><td>'
has "header: a file in a directory relative to it" '<tr><td><code>edge/sfb-edge-federation.log.gz</code></td>'
# the axis: calendar ticks (inputs that span 2012..2016: the years)
"$SIPSCAN" analyze --db "$TMP/years.db" -qq samples/ocs2007r2-edge.log "$TMP/edge/sfb-edge-federation.log.gz" >/dev/null 2>&1
"$SIPSCAN" report --db "$TMP/years.db" --format html >"$TMP/years.html" 2>/dev/null
if [ "$(grep -o 'text-anchor="middle">[^<]*' "$TMP/years.html" | sed 's/.*>//' | tr '\n' ' ')" = "2013 2014 2015 2016 " ]; then
	ok "timeline: ticks on the first of each year"
else
	no "timeline: ticks on the first of each year"
fi
"$SIPSCAN" report --db "$TMP/t.db" --format html --redact >"$TMP/red.html" 2>/dev/null
if grep -q "$TMP" "$TMP/red.html"; then no "--redact: the directory left out"; else ok "--redact: the directory left out"; fi
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	echo "skip chromium screenshot (chromium not installed)"
	skip=$((skip + 1))
else
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TMP/profile" --screenshot="$TMP/r.png" \
		--window-size=1280,2000 "file://$TMP/r.html" >"$TMP/chrome.log" 2>&1
	size=$(wc -c < "$TMP/r.png" 2>/dev/null || echo 0)
	if [ "$size" -gt 20000 ] && head -c 8 "$TMP/r.png" | grep -q PNG; then
		ok "chromium screenshot ($size bytes)"
		[ -n "${SIPSCAN_KEEP_SCREENSHOT:-}" ] && cp "$TMP/r.png" "$SIPSCAN_KEEP_SCREENSHOT"
	else
		no "chromium screenshot"
		tail -n 5 "$TMP/chrome.log"
	fi
	# the DOM as Chromium parsed it: every finding of the JSON report is
	# a row of the table and a lane of the timeline, with its title
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TMP/profile" --dump-dom \
		"file://$TMP/r.html" >"$TMP/dom.html" 2>"$TMP/chrome.log"
	"$SIPSCAN" report --db "$TMP/t.db" --format json >"$TMP/r.json"
	nf=$(grep -c '^ *{"id":[0-9]*, *"rule"' "$TMP/r.json")
	[ "$nf" -gt 0 ] || nf=$(grep -o '"rule":"[^"]*","severity"' "$TMP/r.json" | wc -l)
	nrow=$(grep -o '<tr[^>]*><td class="n">[0-9]*</td><td><span class="sev' "$TMP/dom.html" | wc -l)
	nlane=$(grep -o '<g><title>[0-9]*\. ' "$TMP/dom.html" | wc -l)
	if [ "$nf" -gt 0 ] && [ "$nrow" = "$nf" ] && [ "$nlane" = "$nf" ]; then
		ok "parsed DOM: $nf findings, $nrow table rows, $nlane timeline lanes"
	else
		no "parsed DOM: $nf findings, $nrow table rows, $nlane timeline lanes"
	fi
	# JSON string to the text Chromium serializes (& < > as entities)
	grep -o '"title":"\([^"\\]\|\\.\)*"' "$TMP/r.json" | sed 's/^"title":"//; s/"$//' |
		sed 's/\\"/"/g; s/\\\\/\\/g; s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g' |
		head -n 30 >"$TMP/titles"
	missing=0
	while read -r t; do
		grep -F -q -- "$t" "$TMP/dom.html" || missing=$((missing + 1))
	done <"$TMP/titles"
	[ "$missing" = 0 ] || cp "$TMP/dom.html" "$TMP/r.json" "$TMP/titles" /tmp/ 2>/dev/null
	if [ -s "$TMP/titles" ] && [ "$missing" = 0 ]; then
		ok "parsed DOM: every title whole"
	else
		no "parsed DOM: every title whole ($missing missing)"
	fi
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
