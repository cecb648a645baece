/** `federation-pki verify` as an operator runs it, against a loopback federation: exit codes, progress, table, JSON. */
import { Socket } from 'net';
import * as tls from 'tls';
import { runCli } from '../cli/main';
import { close, portOf, startAllowListServer } from './tls-helpers';
import { issueMaterial, Material, startServer } from './verify-material';

let m: Material;
const servers: tls.Server[] = [];
const sockets = new Set<Socket>();
let good: number;
let open: number;

beforeAll(async () => {
  m = issueMaterial();
  const track = (s: tls.Server) => {
    s.on('connection', (c: Socket) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
    servers.push(s);
    return portOf(s);
  };
  good = track(await startAllowListServer(m.ids.get('location-a')!, m.caPem, ['location-b.semstreams.local']));
  // mTLS switched off: admits anyone.
  open = track(await startServer({ identity: m.ids.get('location-a')!, requestCert: false }));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map(close));
  m.remove();
});

async function verify(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['verify', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
}
const identities = () => ['--client-cert', m.path('location-b.pem'), '--client-key', m.path('location-b.key'), '--canary-cert', m.path('canary.pem'), '--canary-key', m.path('canary.key')];

test('a correct server: progress on stderr, the table on stdout, exit 0', async () => {
  const r = await verify('--ca', m.path('ca.pem'), '--node', 'location-a', '--endpoint', `location-a=127.0.0.1:${good}`, '--timeout', '3000', ...identities());
  expect(r.code).toBe(0);
  expect(r.stderr.split('\n').filter((l) => l.startsWith(`[location-a 127.0.0.1:${good}]`))).toHaveLength(9);
  expect(r.stdout).toMatch(/^Node +Endpoint +Check +Result +Detail\n/);
  expect(r.stdout).toMatch(/\nlocation-a +127\.0\.0\.1:\d+ +served-certificate +PASS +the federation certificate \(issued by semstreams federation root CA/);
  // Where it was dialled, and why: the operator's --endpoint.
  expect(r.stdout).toContain(`Dialled (SNI and names checked: the FQDN):\n  location-a  127.0.0.1:${good}  override: --endpoint location-a=127.0.0.1:${good}\n`);
  expect(r.stdout.trimEnd().split('\n').pop()).toBe('9 passed, 0 failed, 0 warnings, 0 not performed');
  expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY/);
});

test('a server with mTLS off: --json names each failure, exit 1', async () => {
  const r = await verify('--ca', m.path('ca.pem'), '--node', 'location-a', '--endpoint', `location-a=127.0.0.1:${open}`, '--timeout', '3000', '--json', ...identities());
  expect(r.code).toBe(1);
  const out = JSON.parse(r.stdout);
  expect(out.ok).toBe(false);
  const failed = out.results.filter((x: any) => x.status === 'fail').map((x: any) => x.check);
  expect(failed).toEqual(['no-client-cert', 'foreign-ca', 'canary', 'permitted-client']);
  expect(out.unverified).toEqual([{ nodeId: 'location-c', reason: 'serves nothing (client only)' }]);
  expect(out.dialled).toEqual([{ target: 'location-a', endpoint: `127.0.0.1:${open}`, servername: 'location-a.semstreams.local', via: 'override', reason: `--endpoint location-a=127.0.0.1:${open}` }]);
});

test('--strict fails a run whose checks could not all be performed', async () => {
  const base = ['--ca', m.path('ca.pem'), '--node', 'location-a', '--endpoint', `location-a=127.0.0.1:${good}`, '--timeout', '3000'];
  expect((await verify(...base)).code).toBe(0);
  expect((await verify(...base, '--strict')).code).toBe(1);
});

test('usage errors exit 2 and never echo key material', async () => {
  const r1 = await verify();
  expect(r1.code).toBe(2);
  expect(r1.stderr).toMatch(/^--ca FILE is required/);
  expect((await verify('--ca', m.path('ca.pem'), '--client-cert', m.path('location-b.pem'))).stderr).toMatch(/in pairs/);
  expect((await verify('--ca', m.path('ca.pem'), '--endpoint', 'location-z=127.0.0.1:1')).stderr).toMatch(/^--endpoint location-z=…: no such node/);
  const r2 = await verify('--ca', m.path('location-b.key'));
  expect(r2.code).toBe(2);
  expect(r2.stderr).toMatch(/not the PEM expected/);
  expect(r2.stderr).not.toMatch(/PRIVATE KEY/);
  expect((await verify('--ca', m.path('ca.pem'), '--step-ca', 'http://step-ca:9000')).code).toBe(2);
});
