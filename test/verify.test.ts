/**
 * verify against real TLS servers on loopback, built from federation material openssl issues here: each
 * check passes against a correct federation and fails — naming the guide's troubleshooting entry —
 * against a server misconfigured the way an operator would misconfigure it.
 */
import { Socket } from 'net';
import * as tls from 'tls';
import { exampleSpec } from '../model/example';
import { resolveFederation } from '../model/resolve';
import { CheckId, CheckResult, clientIdentity, ClientIdentity, HostPort, runVerify, VerifyOptions } from '../verify';
import { issueMaterial, Material, ServerOptions, startServer } from './verify-material';
import { close, portOf, startAllowListServer } from './tls-helpers';

const model = resolveFederation(exampleSpec());
const A = 'location-a.semstreams.local';
const B = 'location-b.semstreams.local';
const C = 'location-c.semstreams.local';
let m: Material;
let clients: ClientIdentity[];
let canary: ClientIdentity;

beforeAll(() => {
  m = issueMaterial();
  const id = (name: string) => clientIdentity(m.ids.get(name)!.cert, m.ids.get(name)!.key);
  clients = [id('location-b'), id('location-c')];
  canary = id('canary');
});
afterAll(() => m.remove());

const servers: tls.Server[] = [];
const sockets = new Set<Socket>();
/** Stops every server, ending connections a server left open (the allow-list server never reads what a client sends). */
async function stopAll(): Promise<void> {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map(close));
}
afterEach(stopAll);

async function serve(start: Promise<tls.Server>): Promise<HostPort> {
  const s = await start;
  s.on('connection', (socket: Socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  servers.push(s);
  return { host: '127.0.0.1', port: portOf(s) };
}

/** Runs verify on the given endpoints (only those nodes), with every client identity and the canary. */
async function verify(endpoints: Record<string, HostPort>, extra: Partial<VerifyOptions> = {}): Promise<CheckResult[]> {
  const run = await runVerify(model, {
    ca: m.caPem, endpoints: new Map(Object.entries(endpoints)), nodes: Object.keys(endpoints), clients, canary, timeoutMs: 3000, ...extra,
  });
  return [...run.results];
}

const find = (rs: readonly CheckResult[], node: string, check: CheckId) => {
  const r = rs.find((x) => x.target === node && x.check === check);
  if (!r) throw new Error(`no ${check} result for ${node}: ${JSON.stringify(rs)}`);
  return r;
};
const statuses = (rs: readonly CheckResult[], node: string) => Object.fromEntries(rs.filter((r) => r.target === node).map((r) => [r.check, r.status]));

/** location-a as the SemStreams guide configures it: mTLS, client certificate required, allow-list [location-b]. */
const correctA = () => serve(startAllowListServer(m.ids.get('location-a')!, m.caPem, [B]));
/** location-a with one setting changed. */
const brokenA = (o: Partial<ServerOptions>) => serve(startServer({ identity: m.ids.get('location-a')!, ca: m.caPem, allowedCns: [B], ...o }));

describe('a correct federation', () => {
  // Loom's gateway is verified against the real HAProxy in loom-gateway.test.ts.
  test('every check passes', async () => {
    const endpoints = {
      'location-a': await correctA(),
      'location-b': await serve(startAllowListServer(m.ids.get('location-b')!, m.caPem, [C])),
    };
    const rs = await verify(endpoints);
    const all = { 'handshake': 'pass', 'names': 'pass', 'served-certificate': 'pass', 'expiry': 'pass', 'legacy-tls': 'pass', 'no-client-cert': 'pass', 'foreign-ca': 'pass', 'canary': 'pass', 'permitted-client': 'pass' };
    expect(statuses(rs, 'location-a')).toEqual(all);
    expect(statuses(rs, 'location-b')).toEqual(all);
    expect(find(rs, 'location-a', 'permitted-client').detail).toMatch(new RegExp(`^admitted ${B}`));
    expect(find(rs, 'location-b', 'permitted-client').detail).toMatch(new RegExp(`^admitted ${C}`));
    expect(find(rs, 'location-a', 'canary').detail).toContain('client certificate CN not in allowed list');
    expect(find(rs, 'location-a', 'legacy-tls').detail).toMatch(/protocol version/);
    expect(find(rs, 'location-a', 'names').detail).toBe(`CN ${A}; SANs DNS:${A}`);
    expect(find(rs, 'location-a', 'expiry').detail).toMatch(/^(89|90) days left/);
    // Tier manual: the federation certificate is what it should serve.
    expect(find(rs, 'location-a', 'served-certificate').detail).toBe('the federation certificate (issued by semstreams federation root CA; lifetime 90 days)');
  });
});

describe('each check fails against a misconfigured server', () => {
  test('server certificate from another CA: certificate signed by unknown authority', async () => {
    const rs = await verify({ 'location-a': await brokenA({ identity: m.ids.get('foreign-a')! }) });
    const r = find(rs, 'location-a', 'handshake');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^certificate signed by unknown authority/);
    expect(r.hint).toMatch(/add the federation CA to ca_files/);
  });

  test('another node\'s certificate: the names check fails, the chain itself is fine', async () => {
    const rs = await verify({ 'location-a': await brokenA({ identity: m.ids.get('location-b')! }) });
    expect(find(rs, 'location-a', 'handshake').status).toBe('pass');
    const r = find(rs, 'location-a', 'names');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(new RegExp(`not valid for ${A.replace(/\./g, '\\.')} \\(ERR_TLS_CERT_ALTNAME_INVALID\\); CN is ${B.replace(/\./g, '\\.')}`));
    expect(r.detail).toContain(`missing SANs DNS:${A}`);
  });

  test('an expired certificate: certificate has expired or is not yet valid', async () => {
    const rs = await verify({ 'location-a': await brokenA({ identity: m.ids.get('expired-a')! }) });
    expect(find(rs, 'location-a', 'handshake')).toMatchObject({ status: 'fail', detail: 'certificate has expired or is not yet valid (CERT_HAS_EXPIRED)' });
    expect(find(rs, 'location-a', 'expiry')).toMatchObject({ status: 'fail', detail: 'certificate has expired or is not yet valid: expired 2020-04-01T00:00:00Z' });
  });

  test('a certificate with 10 days left warns, inside its renewal window', async () => {
    const rs = await verify({ 'location-a': await brokenA({ identity: m.ids.get('soon-a')! }) });
    const r = find(rs, 'location-a', 'expiry');
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/^(9|10) days left .*below --warn-days 30$/);
    expect(r.hint).toMatch(/inside its renewal window \(last 30 days\)/);
    expect(find(rs, 'location-a', 'handshake').status).toBe('pass');
    // With a lower threshold it is not due.
    expect(find(await verify({ 'location-a': await brokenA({ identity: m.ids.get('soon-a')! }) }, { warnDays: 5 }), 'location-a', 'expiry').status).toBe('pass');
  });

  test('mTLS off on the server: no certificate, a foreign CA and the canary are all admitted, so the permitted client\'s admission proves nothing', async () => {
    const rs = await verify({ 'location-a': await brokenA({ requestCert: false, allowedCns: undefined }) });
    expect(statuses(rs, 'location-a')).toMatchObject({ 'no-client-cert': 'fail', 'foreign-ca': 'fail', 'canary': 'fail', 'permitted-client': 'fail' });
    expect(find(rs, 'location-a', 'permitted-client').detail).toMatch(/but a client without any certificate is admitted too: the server does not authenticate clients/);
    expect(find(rs, 'location-a', 'no-client-cert').hint).toMatch(/require_client_cert: true/);
  });

  test('an empty allow-list (SemStreams: empty = any CN the CA signed) admits the canary', async () => {
    const rs = await verify({ 'location-a': await brokenA({ allowedCns: [] }) });
    expect(statuses(rs, 'location-a')).toMatchObject({ 'no-client-cert': 'pass', 'foreign-ca': 'pass', 'canary': 'fail', 'permitted-client': 'pass' });
    const r = find(rs, 'location-a', 'canary');
    expect(r.detail).toMatch(/^admitted canary\.semstreams\.local, which is on no allow-list/);
    expect(r.hint).toMatch(/allowed_client_cns is empty/);
  });

  test('an allow-list with the wrong spelling refuses the permitted client: client certificate CN not in allowed list', async () => {
    const rs = await verify({ 'location-a': await brokenA({ allowedCns: ['Location-B.semstreams.local'] }) });
    const r = find(rs, 'location-a', 'permitted-client');
    expect(r.status).toBe('fail');
    expect(r.detail).toBe(`refused ${B}: connection closed after the handshake: the server refused this client (client certificate CN not in allowed list, or tls: bad certificate)`);
    expect(r.hint).toMatch(/exact and case-sensitive/);
    expect(find(rs, 'location-a', 'canary').status).toBe('pass');
  });

  test('TLS 1.1 accepted: the legacy check fails', async () => {
    const rs = await verify({ 'location-a': await brokenA({ minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }) });
    const r = find(rs, 'location-a', 'legacy-tls');
    expect(r).toMatchObject({ status: 'fail', detail: 'the server accepted TLSv1.1' });
    expect(r.hint).toMatch(/min_version "1.2"/);
    expect(find(rs, 'location-a', 'handshake').status).toBe('pass');
  });

  test('a server whose client_ca_files lack the federation CA refuses the permitted client', async () => {
    const rs = await verify({ 'location-a': await brokenA({ ca: m.ids.get('foreign-a')!.cert }) });
    const r = find(rs, 'location-a', 'permitted-client');
    expect(r.status).toBe('fail');
    // Node's TLS server (like this one) hangs up without an alert; Go's sends "bad certificate".
    expect(r.detail).toMatch(/^refused location-b\.semstreams\.local: connection closed after the handshake/);
    expect(r.hint).toMatch(/client_ca_files/);
  });

  test('nothing listening: the handshake fails and every other check is reported not performed', async () => {
    const gone = await correctA();
    await stopAll();
    const rs = await verify({ 'location-a': gone });
    expect(find(rs, 'location-a', 'handshake')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^cannot connect: ECONNREFUSED/) });
    expect(rs.filter((r) => r.check !== 'handshake').every((r) => r.status === 'skip' && r.detail === 'not performed: no connection')).toBe(true);
    expect(rs.map((r) => r.check)).toEqual(['handshake', 'names', 'served-certificate', 'expiry', 'legacy-tls', 'no-client-cert', 'foreign-ca', 'canary', 'permitted-client']);
  });
});

describe('checks that cannot be performed are reported as such', () => {
  test('without a canary or a permitted client those checks are not performed, never passed', async () => {
    const rs = await verify({ 'location-a': await correctA() }, { clients: [], canary: undefined });
    expect(find(rs, 'location-a', 'canary')).toMatchObject({ status: 'skip', detail: 'not performed: no --canary-cert/--canary-key' });
    expect(find(rs, 'location-a', 'permitted-client')).toMatchObject({ status: 'skip', detail: expect.stringContaining(`(${B})`) });
    // The chain is still checked: TLS 1.3 shows the server's certificate before the server judges ours.
    expect(find(rs, 'location-a', 'handshake').status).toBe('pass');
  });

  test('a client certificate this server would not admit is not used as its permitted client', async () => {
    const rs = await verify({ 'location-a': await correctA() }, { clients: clients.filter((c) => c.commonName === C) });
    expect(find(rs, 'location-a', 'permitted-client').status).toBe('skip');
  });
});
