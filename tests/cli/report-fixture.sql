-- report-fixture.sql -- findings and unexplained rows for the report-*
-- golden cases, laid over a database analyzed from
-- samples/lync2010-fe-owa.log (record ids 9, 25, 35, 59, 65 are its
-- "peer is not a configured server" TL_ERROR records, 38 its routing
-- diagnostic).  Whatever the rules engine wrote is replaced, so the
-- goldens test the renderers, not the rule catalogue.  One finding carries
-- hostile text (<script>, ]]>, &, quotes) for the HTML escaping checks.
DELETE FROM finding_records;
DELETE FROM findings;
DELETE FROM unexplained;
INSERT INTO findings(id, rule_id, severity, title, cause, fix, refs, key,
  keys_json, count, first_seen, last_seen, hosts, sample_ids, benign) VALUES
 (1, 'conn.untrusted-peer', 'error',
  'Peer 10.0.1.40 is not a configured server on this interface',
  'The Front End refused a TLS/MTLS connection from 10.0.1.40 because that address does not resolve to any server in the topology''s trusted server list for this network interface. Typical after a new Edge, Mediation or gateway was added without publishing the topology.',
  'Publish the topology with the new server (Publish-CsTopology), run Enable-CsTopology, and make sure the peer''s FQDN resolves to 10.0.1.40 in DNS; then restart the Front End service.',
  'https://learn.microsoft.com/en-us/skypeforbusiness/troubleshoot/server-configuration/untrusted-peer https://example.invalid/kb/2000000',
  '10.0.1.40', '{"peer":"10.0.1.40"}', 5,
  '2012-03-14 09:12:03.367', '2012-03-14 09:14:04.279', '["lyncfe01"]', '[9,25,35]', 0),
 (2, 'diag.routing-error', 'warning',
  'Routing error <script>alert("x")</script> & ]]> ''quoted''',
  'A request could not be routed: <b>no matching</b> route & the CDATA end ]]> appears here.',
  'Check the static routes & the "trusted application" entries.',
  NULL, 'routing', '{}', 1,
  '2012-03-14 09:12:51.185', '2012-03-14 09:12:51.185', '[]', '[38]', 0),
 (3, 'auth.ntlm-challenge', 'info',
  'NTLM challenges (401) during sign-in',
  'Every REGISTER is first answered 401 with an NTLM/Kerberos challenge; this is the normal handshake.',
  'Nothing to do.', NULL, '401', '{"status":401}', 3,
  '2012-03-14 09:12:03.206', '2012-03-14 09:12:55.054', '["lyncfe01"]', '[5,19,41]', 1);
INSERT INTO finding_records(finding_id, record_id) VALUES
 (1, 9), (1, 25), (1, 35), (1, 59), (1, 65), (2, 38), (3, 5), (3, 19), (3, 41);
INSERT INTO unexplained(record_id, template) VALUES
 (1, 'Listening on <IP>:<N> for TLS (MTLS enabled)'),
 (2, 'Enter - Loading trusted server list: <N> entries, <N> trusted application pools'),
 (60, 'Enter - Loading trusted server list: <N> entries, <N> trusted application pools');
