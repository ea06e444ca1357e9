// engine-duckdb.js -- the DuckDB side of tests/cli/test_engines.sh, on
// DuckDB's own Node.js API (@duckdb/node-api, from npm; NODE_PATH names
// its node_modules).  A database file persists between calls:
//   node engine-duckdb.js DB ddl FILE.sql        run sipscan schema's DDL
//   node engine-duckdb.js DB load DIR            load a worker's export:
//        DIR/signals.jsonl and DIR/segments.jsonl, as sipscan schema says:
//        the rows of the new segments' file_uids replaced, then the
//        segments, each replacing the one of its path and source
//   node engine-duckdb.js DB query FILE.sql      run the findings query,
//        print its rows as JSON lines
//   node engine-duckdb.js DB dump                the live signals (those
//        of a file_uid in segments), sorted, as JSON lines
//   node engine-duckdb.js DB records FILE.jsonl  load records (export
//        --engine [--since] records): the rows of its file_uids replaced
//   node engine-duckdb.js DB count               live records per file_uid
'use strict';
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

const SIGNALS = `{file_uid: 'VARCHAR', line: 'BIGINT', ts: 'TIMESTAMP', ts_ms: 'BIGINT',
  host: 'VARCHAR', kind: 'VARCHAR', rule_id: 'VARCHAR', key: 'VARCHAR', vars: 'JSON',
  vars_text: 'VARCHAR', template: 'VARCHAR', lead_rule: 'VARCHAR', lead_key: 'VARCHAR',
  call_id: 'VARCHAR', raw: 'VARCHAR'}`;
const RECORDS = `{file_uid: 'VARCHAR', line: 'BIGINT', ts: 'TIMESTAMP', ts_ms: 'BIGINT',
  host: 'VARCHAR', kind: 'VARCHAR', level: 'VARCHAR', flag: 'VARCHAR', component: 'VARCHAR',
  function: 'VARCHAR', text: 'VARCHAR', result_code: 'VARCHAR', result_symbol: 'VARCHAR',
  transport: 'VARCHAR', peer: 'VARCHAR', local: 'VARCHAR', fqdn: 'VARCHAR', conn_id: 'VARCHAR',
  call_id: 'VARCHAR', cseq: 'VARCHAR', method: 'VARCHAR', status: 'BIGINT',
  direction: 'VARCHAR', ms_diag_code: 'BIGINT', ms_diag_reason: 'VARCHAR', reason: 'VARCHAR'}`;
const SEGMENTS = `{file_uid: 'VARCHAR', path: 'VARCHAR', source: 'VARCHAR', host: 'VARCHAR', first_line: 'BIGINT',
  last_line: 'BIGINT', records: 'BIGINT', status: 'VARCHAR', sipscan_version: 'VARCHAR',
  schema_version: 'BIGINT', catalogue: 'VARCHAR'}`;

function statements(file) {
	return fs.readFileSync(file, 'utf8').split('\n').filter(l => !l.startsWith('--'))
		.join('\n').split(';').map(s => s.trim()).filter(Boolean);
}

const quote = s => "'" + s.replace(/'/g, "''") + "'";

async function main() {
	const [db, verb, arg] = process.argv.slice(2);
	const inst = await DuckDBInstance.create(db);
	const con = await inst.connect();
	if (verb === 'ddl') {
		for (const st of statements(arg))
			await con.run(st);
	} else if (verb === 'load') {
		const sig = quote(arg + '/signals.jsonl'), seg = quote(arg + '/segments.jsonl');
		await con.run(`CREATE TEMP TABLE new_seg AS SELECT * FROM read_json(${seg},
			format = 'newline_delimited', columns = ${SEGMENTS})`);
		await con.run(`DELETE FROM signals WHERE file_uid IN (SELECT file_uid FROM new_seg)`);
		if (fs.statSync(arg + '/signals.jsonl').size > 0)
			await con.run(`INSERT INTO signals BY NAME SELECT * FROM read_json(${sig},
				format = 'newline_delimited', columns = ${SIGNALS})`);
		await con.run(`DELETE FROM segments s WHERE EXISTS (SELECT 1 FROM new_seg n
			WHERE n.path = s.path AND n.source IS NOT DISTINCT FROM s.source)`);
		await con.run(`INSERT INTO segments BY NAME SELECT * FROM new_seg`);
		await con.run(`DELETE FROM signals WHERE file_uid NOT IN (SELECT file_uid FROM segments)`);
	} else if (verb === 'records') {
		if (fs.statSync(arg).size > 0) {
			await con.run(`CREATE TEMP TABLE new_rec AS SELECT * FROM read_json(${quote(arg)},
				format = 'newline_delimited', columns = ${RECORDS})`);
			await con.run(`DELETE FROM records WHERE file_uid IN (SELECT file_uid FROM new_rec)`);
			await con.run(`INSERT INTO records BY NAME SELECT * FROM new_rec`);
		}
	} else if (verb === 'count') {
		const r = await con.runAndReadAll(`SELECT file_uid, count(*) AS n, max(line) AS last
			FROM records WHERE file_uid IN (SELECT file_uid FROM segments) GROUP BY ALL ORDER BY ALL`);
		for (const row of r.getRowObjectsJson())
			process.stdout.write(JSON.stringify(row) + '\n');
	} else if (verb === 'query' || verb === 'dump') {
		const sts = verb === 'query' ? statements(arg) :
			[`SELECT file_uid, line, kind, rule_id, key, vars_text, template, lead_rule,
			  lead_key, host, ts_ms FROM signals WHERE file_uid IN (SELECT file_uid FROM segments)
			  ORDER BY ALL`];
		for (const st of sts) {
			const r = await con.runAndReadAll(st);
			for (const row of r.getRowObjectsJson())
				process.stdout.write(JSON.stringify(row) + '\n');
		}
	} else {
		throw new Error('usage: engine-duckdb.js DB ddl|load|query|dump [ARG]');
	}
	con.closeSync();
	inst.closeSync();
}

main().catch(e => { console.error('engine-duckdb: ' + e.message); process.exit(1); });
