/**
 * Loom's mTLS gateway for real: Debian's HAProxy (scripts/install-toolchain.sh --haproxy, run by pretest)
 * on loopback, with the haproxy.cfg the site stack deploys (only addresses and paths moved), in front of a
 * small HTTP/2 gRPC-like server and an HTTP server standing in for Loom on 127.0.0.1. Certificates are
 * issued here by openssl with the subjects the pki stack gives (O, CN), signed by a root named as the
 * model names it. The admission matrix runs on both ports, and `verify` must pass against the gateway and
 * fail its admission checks against a bare TLS server that checks no client certificate (what a bare
 * Loom v1.4.0 is).
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { exampleSpec } from '../model/example';
import { LoomNodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { renderGrpcDeniedFile, renderHttpDeniedFile, renderLoomGatewayConfig } from '../render/loom-gateway-config';
import { admissionOf, clientIdentity, grpcProbe, httpProbeRequest, probe, runVerify } from '../verify';
import { freePort, openssl, ServerProcess, startProcess, waitUntil } from './acme-test-helpers';

/** HAProxy from the environment, else Debian's. */
const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';
const MISSING = `haproxy not found at ${HAPROXY}: run \`bash scripts/install-toolchain.sh --haproxy\` (npm test's pretest does), or set HAPROXY to its path`;

const federation = resolveFederation(exampleSpec());
const deployed = federation.nodes.find((n) => n.id === 'loom') as LoomNodeModel;
const g = deployed.gateway!;
const FQDN = deployed.fqdn;
const ORG = federation.ca.organization;

let dir: string;
let gateway: ServerProcess | undefined;
let testNode: LoomNodeModel;
let backends: { close(): void }[] = [];
const pem = (name: string) => readFileSync(join(dir, name), 'utf8');
const id = (name: string) => ({ cert: pem(`${name}.crt`), key: pem(`${name}.key`) });

/** A CA (self-signed, CA:TRUE) with this subject. */
function ca(name: string, subject: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-subj', subject, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}
/** A leaf as the pki stack issues it: subject O then CN, EKU by role, SAN = CN. */
function leaf(name: string, subject: string, dns: string, eku: string, signer = 'root'): void {
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${eku}\nsubjectAltName=DNS:${dns}\n`);
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
}

/** The deployed config with the container paths moved under `dir`, the ports moved, and binding loopback only. */
function testConfig(node: LoomNodeModel): string {
  return renderLoomGatewayConfig(node, { bindAddress: '127.0.0.1' });
}

beforeAll(async () => {
  if (!existsSync(HAPROXY)) throw new Error(MISSING);
  dir = mkdtempSync(join(tmpdir(), 'fpki-gateway-'));
  ca('root', `/O=${ORG}/CN=${federation.ca.commonName}`);
  ca('foreign', `/O=${ORG}/CN=${federation.ca.commonName}`);        // same name, another key: a foreign CA
  ca('other', `/O=${ORG}/CN=another trusted root`);                   // trusted too (as during a rotation), but not the signer
  const sub = (cn: string) => `/O=${ORG}/CN=${cn}`;
  leaf('loom', sub(FQDN), FQDN, 'serverAuth');
  leaf('location-b', sub('location-b.semstreams.local'), 'location-b.semstreams.local', 'serverAuth,clientAuth');
  leaf('location-c', sub('location-c.semstreams.local'), 'location-c.semstreams.local', 'serverAuth,clientAuth');
  leaf('location-a', sub('location-a.semstreams.local'), 'location-a.semstreams.local', 'serverAuth');   // no clientAuth
  leaf('canary', sub('canary.semstreams.local'), 'canary.semstreams.local', 'clientAuth');
  leaf('foreign-b', sub('location-b.semstreams.local'), 'location-b.semstreams.local', 'clientAuth', 'foreign');
  leaf('other-b', sub('location-b.semstreams.local'), 'location-b.semstreams.local', 'clientAuth', 'other');
  leaf('two-cn', `/O=${ORG}/CN=location-b.semstreams.local/CN=evil.semstreams.local`, 'location-b.semstreams.local', 'clientAuth');

  const [grpcPort, httpPort, backendGrpcPort, backendHttpPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const local = (p: string) => join(dir, 'container', p);
  testNode = {
    ...deployed, grpcPort, httpPort,
    gateway: { ...g, backendGrpcPort, backendHttpPort, paths: Object.fromEntries(Object.entries(g.paths).map(([k, v]) => [k, local(v)])) as typeof g.paths },
  };
  const tp = testNode.gateway!.paths;
  const files: [string, string][] = [
    [tp.configFile, testConfig(testNode)],
    [tp.certFile, pem('loom.crt')],
    [tp.keyFile, pem('loom.key')],
    // The gateway trusts the federation root and, as during a rotation, another root.
    [tp.caFile, pem('root.crt') + pem('other.crt')],
    [tp.grpcDeniedFile, renderGrpcDeniedFile()],
    [tp.httpDeniedFile, renderHttpDeniedFile()],
  ];
  mkdirSync(dirname(tp.adminSocket), { recursive: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: path === tp.keyFile ? 0o600 : 0o644 });
  }

  // Loom's stand-ins on 127.0.0.1: gRPC over cleartext HTTP/2 (as Loom with TLS off) and HTTP/1.1.
  const grpc = http2.createServer();
  grpc.on('stream', (stream, headers) => {
    if (!String(headers['content-type'] ?? '').startsWith('application/grpc')) { stream.respond({ ':status': 415 }); stream.end(); return; }
    const path = String(headers[':path']);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(path === '/test.Stream/Three'
      ? { 'grpc-status': '0' }
      : { 'grpc-status': '12', 'grpc-message': `unknown service ${path}` }));
    stream.resume();
    stream.on('end', () => {
      // A server-streaming call: three messages, then OK.
      if (path === '/test.Stream/Three') for (let i = 0; i < 3; i++) stream.write(Buffer.from([0, 0, 0, 0, 1, 0x30 + i]));
      stream.end();
    });
  });
  const web = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`loom ${req.url}`); });
  await Promise.all([new Promise<void>((r) => grpc.listen(backendGrpcPort, '127.0.0.1', r)), new Promise<void>((r) => web.listen(backendHttpPort, '127.0.0.1', r))]);
  backends = [grpc, web];

  // Started as the gateway container starts it, with the config path moved.
  expect(g.command).toEqual(['haproxy', '-W', '-db', '-f', g.paths.configFile]);
  gateway = startProcess(HAPROXY, [...g.command.slice(1, -1), tp.configFile], { cwd: dir });
  await waitUntil('haproxy', gateway, async () => {
    const o = await probe({ host: '127.0.0.1', port: httpPort, servername: FQDN, ca: pem('root.crt'), ...id('location-b'), timeoutMs: 1000 });
    return o.kind === 'established';
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  for (const b of backends) b.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the config under test is the deployed one, with only addresses and paths moved', () => {
  let text = testConfig(testNode);
  const tp = testNode.gateway!.paths;
  for (const k of Object.keys(tp) as (keyof typeof tp)[]) text = text.split(tp[k]).join(g.paths[k]);
  text = text
    .replace(`bind 127.0.0.1:${testNode.grpcPort} `, `bind :::${deployed.grpcPort} v4v6 `)
    .replace(`bind 127.0.0.1:${testNode.httpPort} `, `bind :::${deployed.httpPort} v4v6 `)
    .replace(`127.0.0.1:${testNode.gateway!.backendGrpcPort} `, `127.0.0.1:${g.backendGrpcPort} `)
    .replace(`127.0.0.1:${testNode.gateway!.backendHttpPort}\n`, `127.0.0.1:${g.backendHttpPort}\n`);
  expect(text).toBe(renderLoomGatewayConfig(deployed));
  // HAProxy itself accepts it.
  const check = startProcess(HAPROXY, ['-c', '-f', tp.configFile], { cwd: dir });
  return new Promise<void>((resolve, reject) => check.child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(check.log())))));
});

type Who = 'location-b' | 'location-c' | 'location-a' | 'canary' | 'foreign-b' | 'other-b' | 'two-cn' | 'none';
const client = (who: Who) => (who === 'none' ? {} : id(who));

/** One gRPC call through the gateway as `who`. */
async function grpcAs(who: Who) {
  return grpcProbe({ host: '127.0.0.1', port: testNode.grpcPort, servername: FQDN, ca: pem('root.crt'), ...client(who), call: true, timeoutMs: 3000 });
}
/** One GET /health through the gateway as `who`. */
async function httpAs(who: Who) {
  return probe({ host: '127.0.0.1', port: testNode.httpPort, servername: FQDN, ca: pem('root.crt'), ...client(who), request: httpProbeRequest(FQDN, '/health'), timeoutMs: 3000 });
}

describe('the admission matrix, on both published ports', () => {
  test('the allowed client (location-b) gets a gRPC answer from behind the gateway and HTTP 200', async () => {
    const g1 = await grpcAs('location-b');
    expect(g1.kind === 'established' && g1.after).toMatchObject({ kind: 'data', httpStatus: 200, grpcStatus: 12 });
    expect(admissionOf(g1).admitted).toBe(true);
    const h = await httpAs('location-b');
    expect(h.kind === 'established' && h.after).toMatchObject({ kind: 'data', httpStatus: 200, text: expect.stringContaining('loom /health') });
  });

  test.each([
    ['no certificate', 'none', /CERTIFICATE_REQUIRED/],
    ['a foreign CA\'s certificate with the allowed CN', 'foreign-b', /UNKNOWN_CA/],
    ['a federation certificate without clientAuth', 'location-a', /UNSUPPORTED_CERTIFICATE/],
  ] as const)('%s: refused in the TLS handshake on both ports', async (_what, who, alert) => {
    for (const o of [await grpcAs(who), await httpAs(who)]) {
      const code = o.kind === 'handshake-error' ? o.code : o.kind === 'established' && o.after.kind === 'alert' ? o.after.code : JSON.stringify(o);
      expect(code).toMatch(alert);
      expect(admissionOf(o).admitted).toBe(false);
    }
  });

  test.each([
    ['another federation client (location-c)', 'location-c'],
    ['the canary', 'canary'],
    ['the allowed CN from another trusted root (issuer pinned)', 'other-b'],
    ['a certificate with a second CN (whole subject matched)', 'two-cn'],
  ] as const)('%s: gRPC PermissionDenied, HTTP 403', async (_what, who) => {
    const o = await grpcAs(who);
    expect(o.kind === 'established' && o.after).toMatchObject({ kind: 'data', httpStatus: 200, grpcStatus: 7 });
    expect(admissionOf(o)).toEqual({ admitted: false, detail: expect.stringMatching(/PERMISSION_DENIED.*client certificate CN not in allowed list/) });
    const h = await httpAs(who);
    expect(h.kind === 'established' && h.after).toMatchObject({ kind: 'data', httpStatus: 403 });
  });

  test('a streaming gRPC call passes through whole', async () => {
    const session = http2.connect(`https://${FQDN}:${testNode.grpcPort}`, {
      ...id('location-b'), ca: pem('root.crt'), servername: FQDN, host: '127.0.0.1', port: testNode.grpcPort,
    } as http2.SecureClientSessionOptions);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/test.Stream/Three', 'content-type': 'application/grpc', 'te': 'trailers' });
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => { stream.on('trailers', resolve); stream.on('error', reject); });
      await new Promise((r) => stream.on('close', r));
      expect(trailers['grpc-status']).toBe('0');
      expect(Buffer.concat(chunks)).toEqual(Buffer.from([0, 0, 0, 0, 1, 0x30, 0, 0, 0, 0, 1, 0x31, 0, 0, 0, 0, 1, 0x32]));
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1 on the gRPC port learns nothing: it is HTTP/2 only', async () => {
    const o = await probe({ host: '127.0.0.1', port: testNode.grpcPort, servername: FQDN, ca: pem('root.crt'), ...id('location-b'), request: httpProbeRequest(FQDN, '/'), timeoutMs: 3000 });
    expect(o.kind === 'established' && o.after.kind !== 'data').toBe(true);
  });
});

describe('verify against the gateway, and against a bare server', () => {
  const verifyAt = async (ports: { grpc: number; http: number }) => {
    const { results } = await runVerify(federation, {
      ca: pem('root.crt'), nodes: ['loom'], timeoutMs: 3000,
      endpoints: new Map([['loom', { host: '127.0.0.1', port: ports.grpc }], ['loom:http', { host: '127.0.0.1', port: ports.http }]]),
      clients: [clientIdentity(pem('location-c.crt'), pem('location-c.key')), clientIdentity(pem('location-b.crt'), pem('location-b.key'))],
      canary: clientIdentity(pem('canary.crt'), pem('canary.key')),
    });
    return (target: string) => Object.fromEntries(results.filter((r) => r.target === target).map((r) => [r.check, r.status]));
  };
  const ADMISSION = ['no-client-cert', 'foreign-ca', 'canary', 'permitted-client'] as const;

  test('every check passes on both ports of the gateway', async () => {
    const statuses = await verifyAt({ grpc: testNode.grpcPort, http: testNode.httpPort });
    for (const target of ['loom', 'loom:http']) {
      expect(statuses(target)).toEqual({
        'handshake': 'pass', 'names': 'pass', 'served-certificate': 'pass', 'expiry': 'pass', 'legacy-tls': 'pass',
        'no-client-cert': 'pass', 'foreign-ca': 'pass', 'canary': 'pass', 'permitted-client': 'pass',
      });
    }
  });

  test('the four admission checks fail against a bare Loom: TLS that checks no client certificate on gRPC, plaintext on HTTP', async () => {
    const tlsOptions = { ...id('loom'), allowHTTP1: true };
    const bareGrpc = http2.createSecureServer(tlsOptions, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.addTrailers({ 'grpc-status': '12' });
      req.resume();
      req.on('end', () => res.end());
    });
    // Loom v1.4.0 serves its HTTP port with plain ListenAndServe, whatever server.tls says.
    const bareHttp = http.createServer((_req, res) => { res.writeHead(200); res.end('ok'); });
    const [grpc, web] = await Promise.all([freePort(), freePort()]);
    await Promise.all([new Promise<void>((r) => bareGrpc.listen(grpc, '127.0.0.1', r)), new Promise<void>((r) => bareHttp.listen(web, '127.0.0.1', r))]);
    try {
      const statuses = await verifyAt({ grpc, http: web });
      for (const target of ['loom', 'loom:http']) {
        expect(Object.fromEntries(ADMISSION.map((c) => [c, statuses(target)[c]]))).toEqual({ 'no-client-cert': 'fail', 'foreign-ca': 'fail', 'canary': 'fail', 'permitted-client': 'fail' });
      }
      expect(statuses('loom').handshake).toBe('pass');
      expect(statuses('loom:http').handshake).toBe('fail');
    } finally {
      bareGrpc.close();
      bareHttp.closeAllConnections();
      bareHttp.close();
    }
  });
});
