#!/bin/sh
# test_engines.sh SIPSCAN -- sipscan as the map step of ClickHouse and
# DuckDB: three "workers" (separate databases) analyze parts of the
# samples and generated multi-server traces, export --engine their signals
# and segments; each engine loads them with `sipscan schema`'s DDL, runs
# its findings query, and `sipscan render` prints the report, which must
# equal `sipscan report` on one database holding every file: findings
# (title, cause, fix, counts, first / last seen, hosts, groups, related)
# and unexplained signatures.  Then a file grows and another is replaced:
# the workers analyze again, export again, the engines load again, and
# the report still equals a fresh single database's, and each engine's
# live signals equal those of a fresh load.
#
# The engines: ClickHouse (Debian's clickhouse-server, started here on
# 127.0.0.1 on a free port, stopped at the end), DuckDB (@duckdb/node-api
# from npm, found through NODE_PATH) and PostgreSQL (Debian's, a cluster
# made here on a Unix socket of its own, loaded with CSV through \copy).
# Without them the test says so and skips; .ci/run installs them and sets
# SIPSCAN_REQUIRE_ENGINES=1, which turns a missing engine into a failure.
set -u
SIPSCAN=$1
. "$(dirname "$0")/lib.sh"
GEN=$(dirname "$SIPSCAN")/sipscan-gen
DUCK="node $ROOT/tests/tools/engine-duckdb.js"
CHPID= PGUP=
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# PostgreSQL refuses to run as root: its server runs as the postgres user
pgrun() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	[ -n "$CHPID" ] && kill "$CHPID" 2>/dev/null && wait "$CHPID"
	[ -n "$PGUP" ] && pgrun "$PGBIN/pg_ctl" -D "$T/pg/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

have_ch=0 have_duck=0 have_pg=0
CHSERVER=$(command -v clickhouse-server || ls /usr/sbin/clickhouse-server 2>/dev/null || true)
[ -n "$CHSERVER" ] && command -v clickhouse-client >/dev/null && have_ch=1
command -v node >/dev/null && node -e "require('@duckdb/node-api')" 2>/dev/null && have_duck=1
[ -x "$PGBIN/initdb" ] && command -v psql >/dev/null &&
	{ [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; } && have_pg=1
for e in ch duck pg; do
	eval "h=\$have_$e"
	if [ "$h" = 0 ]; then
		if [ -n "${SIPSCAN_REQUIRE_ENGINES:-}" ]; then
			check "engine $e installed" no yes
		else
			echo "skip: engine $e not installed"
		fi
	fi
done
if [ "$have_ch" = 0 ] && [ "$have_duck" = 0 ] && [ "$have_pg" = 0 ]; then
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# ---- the workers' files --------------------------------------------------
mkdir -p "$T/w1" "$T/w2" "$T/w3" "$T/out"
cp "$S/lync2010-fe-owa.log" "$S/ocs2007r2-edge.log" "$T/w1/"
cp "$S/sfb-edge-federation.log.gz" "$S/lync2013-client-trust.uccapilog" "$T/w2/"
cp "$S/sfb2016-client-online.UccApilog" "$S/lync2010-client-federation.uccapilog" "$T/w3/"
"$GEN" --style sfb --size 2 --seed 11 >"$T/grown.full"
# the first 5000 lines and the rest of the record they end in
awk 'NR > 5000 && /^TL_/ { exit } { print }' "$T/grown.full" >"$T/w1/fe-grows.log"
"$GEN" --style sfb --size 2 --seed 12 >"$T/w2/edge-replaced.log"
"$GEN" --style lync2010 --size 1 --seed 13 >"$T/w3/lync2010-fe.log"
TOPO=$S/topology.csv

# analyze and export one worker: $1 the worker
work() {
	"$SIPSCAN" analyze -qq --db "$T/$1.db" --topology "$TOPO" "$T/$1" >"$T/$1.out" 2>&1
	check "worker $1: analyze" "$?" 0
	mkdir -p "$T/out/$1"
	"$SIPSCAN" export --db "$T/$1.db" signals >"$T/out/$1/signals.jsonl" &&
	"$SIPSCAN" export --db "$T/$1.db" segments >"$T/out/$1/segments.jsonl" &&
	"$SIPSCAN" export --db "$T/$1.db" --format csv signals >"$T/out/$1/signals.csv" &&
	"$SIPSCAN" export --db "$T/$1.db" --format csv segments >"$T/out/$1/segments.csv"
	check "worker $1: export" "$?" 0
}

# the reference: one database holding every file, fresh
reference() { # $1 name
	rm -f "$T/ref.db"
	"$SIPSCAN" analyze -qq --db "$T/ref.db" --topology "$TOPO" "$T/w1" "$T/w2" "$T/w3" >/dev/null 2>&1
	check "$1: reference analyze" "$?" 0
	"$SIPSCAN" report --db "$T/ref.db" --format json >"$T/ref.json"
}

# equal reports, but for the evidence samples (an engine holds no local
# record ids) and the summary (it counts no files)
cmp_reports() { # $1 reference json, $2 rendered json; the verdict in $T/cmp.out
	node -e '
		const fs = require("fs");
		const strip = r => ({
			findings: r.findings.map(f => { const g = { ...f }; delete g.sample_records; return g; }),
			unexplained: r.unexplained.map(u => { const g = { ...u }; delete g.sample_record; return g; }),
		});
		const a = JSON.stringify(strip(JSON.parse(fs.readFileSync(process.argv[1]))), null, 1);
		const b = JSON.stringify(strip(JSON.parse(fs.readFileSync(process.argv[2]))), null, 1);
		if (a === b) { console.log(JSON.parse(a).findings.length + " findings"); process.exit(0); }
		const x = a.split("\n"), y = b.split("\n");
		for (let i = 0; ; i++) if (x[i] !== y[i]) {
			console.log("line " + (i + 1) + ": - " + x[i] + " + " + y[i]); process.exit(1); }
	' "$1" "$2" >"$T/cmp.out" 2>&1
}
same_report() { # $1 description, $2 reference json, $3 rendered json
	cmp_reports "$2" "$3"
	check "$1 ($(cat "$T/cmp.out"))" "$?" 0
}

render() { # $1 rows, $2 out json
	"$SIPSCAN" render --topology "$TOPO" --format json "$1" >"$2"
	check "render $1" "$?" 0
}

# ---- ClickHouse ------------------------------------------------------------
ch() { clickhouse-client --port "$CHPORT" "$@"; }
ch_load() { # $1 database, $2 worker
	ch -d "$1" --input_format_skip_unknown_fields=1 -q 'INSERT INTO signals FORMAT JSONEachRow' \
		<"$T/out/$2/signals.jsonl" &&
	ch -d "$1" --input_format_skip_unknown_fields=1 -q 'INSERT INTO segments FORMAT JSONEachRow' \
		<"$T/out/$2/segments.jsonl"
	check "clickhouse: load $2 into $1" "$?" 0
}
ch_dump() { # $1 database
	ch -d "$1" -q "SELECT file_uid, line, kind, rule_id, key, vars_text, template, lead_rule,
		lead_key, host, ts_ms FROM signals FINAL WHERE file_uid IN (SELECT file_uid FROM
		segments FINAL) ORDER BY file_uid, line, kind, rule_id FORMAT TSV"
}
if [ "$have_ch" = 1 ]; then
	mkdir -p "$T/ch"
	i=0
	while [ $i -lt 20 ]; do
		CHPORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
		HTTPPORT=$((CHPORT + 1))
		"$CHSERVER" --config-file=/etc/clickhouse-server/config.xml -- \
			--path="$T/ch/data/" --tmp_path="$T/ch/tmp/" --user_files_path="$T/ch/uf/" \
			--format_schema_path="$T/ch/fs/" --tcp_port="$CHPORT" --http_port="$HTTPPORT" \
			--listen_host=127.0.0.1 --logger.log="$T/ch/log" --logger.errorlog="$T/ch/err" \
			--logger.console=0 --interserver_http_port=$((CHPORT + 2)) \
			>"$T/ch/out" 2>&1 &
		CHPID=$!
		k=0
		while [ $k -lt 60 ] && kill -0 "$CHPID" 2>/dev/null &&
		      ! ch -q 'SELECT 1' >/dev/null 2>&1; do
			sleep 0.5
			k=$((k + 1))
		done
		ch -q 'SELECT 1' >/dev/null 2>&1 && break
		kill "$CHPID" 2>/dev/null
		wait "$CHPID" 2>/dev/null
		CHPID=
		i=$((i + 1))
	done
	check "clickhouse: server up on 127.0.0.1" "$(ch -q 'SELECT 1' 2>&1)" 1
fi

# ---- PostgreSQL --------------------------------------------------------------
pg() { psql -h "$T/pg" -p "$PGPORT" -U sipscan -v ON_ERROR_STOP=1 -q "$@"; }
pg_load() { # $1 database, $2 worker: the replace protocol of sipscan schema
	pg -d "$1" >/dev/null <<EOF
CREATE TEMP TABLE new_seg (LIKE segments);
\copy new_seg FROM '$T/out/$2/segments.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM signals WHERE file_uid IN (SELECT file_uid FROM new_seg);
\copy signals FROM '$T/out/$2/signals.csv' WITH (FORMAT csv, HEADER true)
DELETE FROM segments s USING new_seg n WHERE n.path = s.path AND n.source IS NOT DISTINCT FROM s.source;
INSERT INTO segments SELECT * FROM new_seg;
DELETE FROM signals WHERE file_uid NOT IN (SELECT file_uid FROM segments);
EOF
	check "postgres: load $2 into $1" "$?" 0
}
pg_dump() { # $1 database
	pg -d "$1" -At -c "SELECT file_uid, line, kind, rule_id, key, vars_text, template,
		lead_rule, lead_key, host, ts_ms FROM signals ORDER BY file_uid, line, kind, rule_id"
}
if [ "$have_pg" = 1 ]; then
	chmod 711 "$T"
	mkdir -p "$T/pg"
	[ "$(id -u)" = 0 ] && chown postgres "$T/pg"
	PGPORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
	pgrun "$PGBIN/initdb" -D "$T/pg/data" -A trust -U sipscan >"$T/pg.out" 2>&1 &&
	pgrun "$PGBIN/pg_ctl" -D "$T/pg/data" -w -l "$T/pg/log" \
		-o "-p $PGPORT -k $T/pg -c listen_addresses=''" start >>"$T/pg.out" 2>&1 && PGUP=1
	check "postgres: a cluster on a socket of its own" "$(pg -d postgres -At -c 'SELECT 1' 2>&1)" 1
fi

# ---- round 1: three workers ------------------------------------------------
for w in w1 w2 w3; do work $w; done
reference "round 1"
"$SIPSCAN" schema --engine clickhouse --part ddl >"$T/ch-ddl.sql"
"$SIPSCAN" schema --engine clickhouse --part findings >"$T/ch-find.sql"
"$SIPSCAN" schema --engine duckdb --part ddl >"$T/duck-ddl.sql"
"$SIPSCAN" schema --engine duckdb --part findings >"$T/duck-find.sql"
if [ -n "$CHPID" ]; then
	ch -q 'CREATE DATABASE live' && grep -v '^--' "$T/ch-ddl.sql" | ch -d live --multiquery
	check "clickhouse: DDL" "$?" 0
	for w in w1 w2 w3; do ch_load live $w; done
	grep -v '^--' "$T/ch-find.sql" | ch -d live --multiquery >"$T/ch-rows.jsonl"
	check "clickhouse: findings query" "$?" 0
	render "$T/ch-rows.jsonl" "$T/ch.json"
	same_report "clickhouse, round 1: the report of one database" "$T/ref.json" "$T/ch.json"
fi
if [ "$have_duck" = 1 ]; then
	$DUCK "$T/live.duckdb" ddl "$T/duck-ddl.sql"
	check "duckdb: DDL" "$?" 0
	for w in w1 w2 w3; do
		$DUCK "$T/live.duckdb" load "$T/out/$w"
		check "duckdb: load $w" "$?" 0
	done
	$DUCK "$T/live.duckdb" query "$T/duck-find.sql" >"$T/duck-rows.jsonl"
	check "duckdb: findings query" "$?" 0
	render "$T/duck-rows.jsonl" "$T/duck.json"
	same_report "duckdb, round 1: the report of one database" "$T/ref.json" "$T/duck.json"
fi
if [ -n "$PGUP" ]; then
	"$SIPSCAN" schema --engine postgres --part ddl >"$T/pg-ddl.sql"
	"$SIPSCAN" schema --engine postgres --part findings >"$T/pg-find.sql"
	pg -d postgres -c 'CREATE DATABASE live' -c 'CREATE DATABASE fresh' &&
	pg -d live -f "$T/pg-ddl.sql" && pg -d fresh -f "$T/pg-ddl.sql"
	check "postgres: DDL" "$?" 0
	for w in w1 w2 w3; do pg_load live $w; done
	pg -d live -At -f "$T/pg-find.sql" >"$T/pg-rows.jsonl"
	check "postgres: findings query" "$?" 0
	render "$T/pg-rows.jsonl" "$T/pg.json"
	same_report "postgres, round 1: the report of one database" "$T/ref.json" "$T/pg.json"
fi
# the test has teeth: a worker's rows left out make another report
if [ "$have_duck" = 1 ]; then
	$DUCK "$T/part.duckdb" ddl "$T/duck-ddl.sql" && $DUCK "$T/part.duckdb" load "$T/out/w1" &&
	$DUCK "$T/part.duckdb" query "$T/duck-find.sql" >"$T/part-rows.jsonl"
	"$SIPSCAN" render --topology "$TOPO" --format json "$T/part-rows.jsonl" >"$T/part.json"
	cmp_reports "$T/ref.json" "$T/part.json"
	check "one worker of three: another report" "$?" 1
fi

# the big tier, records: every worker's whole export into DuckDB
if [ "$have_duck" = 1 ]; then
	for w in w1 w2 w3; do
		"$SIPSCAN" export --db "$T/$w.db" --engine records >"$T/out/$w/records.jsonl" &&
		$DUCK "$T/live.duckdb" records "$T/out/$w/records.jsonl"
		check "duckdb: records of $w" "$?" 0
	done
fi

# ---- round 2: a file grows, another is replaced ------------------------------
sleep 1    # files.ingested_at has seconds: round 2 is later
since=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1
cp "$T/grown.full" "$T/w1/fe-grows.log"
"$GEN" --style sfb --size 2 --seed 14 >"$T/w2/edge-replaced.log"
for w in w1 w2; do work $w; done
reference "round 2"
if [ -n "$CHPID" ]; then
	for w in w1 w2; do ch_load live $w; done
	grep -v '^--' "$T/ch-find.sql" | ch -d live --multiquery >"$T/ch-rows2.jsonl"
	render "$T/ch-rows2.jsonl" "$T/ch2.json"
	same_report "clickhouse, round 2: the report of one database" "$T/ref.json" "$T/ch2.json"
	ch -q 'CREATE DATABASE fresh' && grep -v '^--' "$T/ch-ddl.sql" | ch -d fresh --multiquery
	for w in w1 w2 w3; do ch_load fresh $w; done
	ch_dump live >"$T/ch-live.tsv"
	ch_dump fresh >"$T/ch-fresh.tsv"
	check "clickhouse: reloaded signals = a fresh load ($(wc -l <"$T/ch-fresh.tsv") rows)" \
		"$(cmp "$T/ch-live.tsv" "$T/ch-fresh.tsv" >/dev/null && echo same)" same
fi
if [ "$have_duck" = 1 ]; then
	for w in w1 w2; do $DUCK "$T/live.duckdb" load "$T/out/$w"; done
	$DUCK "$T/live.duckdb" query "$T/duck-find.sql" >"$T/duck-rows2.jsonl"
	render "$T/duck-rows2.jsonl" "$T/duck2.json"
	same_report "duckdb, round 2: the report of one database" "$T/ref.json" "$T/duck2.json"
	# records: only what round 2 read (export --since), loaded over round 1's
	for w in w1 w2 w3; do
		"$SIPSCAN" export --db "$T/$w.db" --engine --since "$since" records \
			>"$T/out/$w/records-since.jsonl"
		$DUCK "$T/live.duckdb" records "$T/out/$w/records-since.jsonl"
	done
	check "export --since: nothing of the worker that read nothing new" \
		"$(wc -c <"$T/out/w3/records-since.jsonl")" 0
	check "export --since: the grown file only, of w1" \
		"$(sed 's/.*"file_uid":"\([0-9a-f]*\)".*/\1/' "$T/out/w1/records-since.jsonl" | sort -u | wc -l)" 1
	$DUCK "$T/fresh.duckdb" ddl "$T/duck-ddl.sql"
	for w in w1 w2 w3; do
		$DUCK "$T/fresh.duckdb" load "$T/out/$w"
		"$SIPSCAN" export --db "$T/$w.db" --engine records >"$T/out/$w/records.jsonl"
		$DUCK "$T/fresh.duckdb" records "$T/out/$w/records.jsonl"
	done
	$DUCK "$T/live.duckdb" count >"$T/count-live"
	$DUCK "$T/fresh.duckdb" count >"$T/count-fresh"
	check "duckdb: records after export --since = a fresh load ($(wc -l <"$T/count-fresh") files)" \
		"$(cmp "$T/count-live" "$T/count-fresh" >/dev/null && echo same)" same
	$DUCK "$T/live.duckdb" dump >"$T/duck-live.jsonl"
	$DUCK "$T/fresh.duckdb" dump >"$T/duck-fresh.jsonl"
	check "duckdb: reloaded signals = a fresh load ($(wc -l <"$T/duck-fresh.jsonl") rows)" \
		"$(cmp "$T/duck-live.jsonl" "$T/duck-fresh.jsonl" >/dev/null && echo same)" same
fi

if [ -n "$PGUP" ]; then
	for w in w1 w2; do pg_load live $w; done
	pg -d live -At -f "$T/pg-find.sql" >"$T/pg-rows2.jsonl"
	render "$T/pg-rows2.jsonl" "$T/pg2.json"
	same_report "postgres, round 2: the report of one database" "$T/ref.json" "$T/pg2.json"
	for w in w1 w2 w3; do pg_load fresh $w; done
	pg_dump live >"$T/pg-live.txt"
	pg_dump fresh >"$T/pg-fresh.txt"
	check "postgres: reloaded signals = a fresh load ($(wc -l <"$T/pg-fresh.txt") rows)" \
		"$(cmp "$T/pg-live.txt" "$T/pg-fresh.txt" >/dev/null && echo same)" same
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
