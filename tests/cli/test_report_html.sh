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
cp samples/lync2010-fe-owa.log "$TMP/fe.log"
if "$SIPSCAN" analyze --db "$TMP/t.db" -qq "$TMP/fe.log" samples/sfb-edge-federation.log.gz >/dev/null 2>&1 &&
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
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
