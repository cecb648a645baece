/**
 * Which certificate an endpoint serves (#17 item 3), over real TLS on loopback: a node in ACME mode serving
 * a leaf from step-ca's intermediate is ACME; serving one the root signed directly is its silent, sticky
 * fallback (a warning); a leaf from any other CA fails. Plus the classification itself, where one imported
 * intermediate signs both kinds and only the lifetime tells them apart.
 */
import { X509Certificate } from 'crypto';
import { Socket } from 'net';
import * as tls from 'tls';
import { exampleSpec } from '../model/example';
import { loadSpecFile } from '../model/load';
import { resolveFederation } from '../model/resolve';
import { CertificateSources, CheckResult, classifyServedCertificate, clientIdentity, ClientIdentity, HostPort, runVerify, targetsOf } from '../verify';
import { close, portOf, startAllowListServer } from './tls-helpers';
import { issueMaterial, Material } from './verify-material';
import { join } from 'path';

const acmeModel = resolveFederation(loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml')));
const manualModel = resolveFederation(exampleSpec());
const B = 'location-b.semstreams.local';
const C = 'location-c.semstreams.local';
let m: Material;
let clients: ClientIdentity[];

beforeAll(() => {
  m = issueMaterial();
  clients = ['location-b', 'location-c'].map((n) => clientIdentity(m.ids.get(n)!.cert, m.ids.get(n)!.key));
});
afterAll(() => m.remove());

const servers: tls.Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map(close));
});

/** A SemStreams-like mTLS output on loopback serving `identity`, admitting `allowed`. */
async function serve(identity: string, allowed: string): Promise<HostPort> {
  const s = await startAllowListServer(m.ids.get(identity)!, m.caPem, [allowed]);
  s.on('connection', (c: Socket) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  servers.push(s);
  return { host: '127.0.0.1', port: portOf(s) };
}

/** verify against one target (a node, or `loom:http`), only that target dialled. */
async function served(model: typeof acmeModel, target: string, endpoint: HostPort): Promise<CheckResult[]> {
  const node = target.replace(/:http$/, '');
  const run = await runVerify(model, { ca: m.caPem, endpoints: new Map([[target, endpoint]]), nodes: [node], clients, timeoutMs: 3000 });
  return run.results.filter((r) => r.target === target);
}
const check = (rs: readonly CheckResult[], id: string) => rs.find((r) => r.check === id)!;

describe('a node in ACME mode (tier acme example), over real TLS', () => {
  test('serving step-ca\'s certificate (leaf from the step-ca intermediate, sent with it): ACME, passes', async () => {
    const rs = await served(acmeModel, 'location-a', await serve('acme-a', B));
    expect(check(rs, 'handshake').status).toBe('pass');
    expect(check(rs, 'served-certificate')).toMatchObject({
      status: 'pass',
      detail: 'ACME: step-ca\'s certificate (issued by its intermediate, semstreams step-ca intermediate CA; lifetime 24 hours)',
    });
    expect(rs.filter((r) => r.status === 'fail')).toEqual([]);
  });

  test('serving the federation certificate (signed by the root): the fallback, a warning that says it is silent and sticky', async () => {
    const rs = await served(acmeModel, 'location-a', await serve('location-a', B));
    const r = check(rs, 'served-certificate');
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/^fallback: the federation certificate \(issued by semstreams federation root CA; lifetime 90 days\), not step-ca's, although the node is in ACME mode\./);
    expect(r.detail).toContain('SemStreams falls back without logging it and keeps the fallback until it restarts, even after step-ca is back (seen with SemStreams a12473c)');
    expect(r.hint).toContain('docker restart semstreams-location-a');
    // Not a failure: the federation still works on it.
    expect(rs.filter((x) => x.status === 'fail')).toEqual([]);
  });

  test('the hub, location-b, is judged the same way', async () => {
    expect(check(await served(acmeModel, 'location-b', await serve('acme-b', C)), 'served-certificate').status).toBe('pass');
    expect(check(await served(acmeModel, 'location-b', await serve('location-b', C)), 'served-certificate').status).toBe('warn');
  });

  test('a leaf from another intermediate below the root chains, but is neither: fails', async () => {
    const rs = await served(acmeModel, 'location-a', await serve('stray-a', B));
    expect(check(rs, 'handshake').status).toBe('pass');
    expect(check(rs, 'served-certificate')).toMatchObject({ status: 'fail', detail: 'neither step-ca\'s nor the federation certificate: issued by some other intermediate CA (lifetime 24 hours)' });
  });
});

describe('a node serving its federation certificate by design', () => {
  test('tier manual: reports the federation certificate; a leaf from an intermediate is neither (no step-ca in that federation)', async () => {
    expect(check(await served(manualModel, 'location-a', await serve('location-a', B)), 'served-certificate'))
      .toMatchObject({ status: 'pass', detail: 'the federation certificate (issued by semstreams federation root CA; lifetime 90 days)' });
    expect(check(await served(manualModel, 'location-a', await serve('acme-a', B)), 'served-certificate').status).toBe('fail');
  });

  test('Loom\'s gateway in tier acme presents the federation certificate: step-ca\'s there is a warning', async () => {
    const r = check(await served(acmeModel, 'loom:http', await serve('acme-a', B)), 'served-certificate');
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/^ACME: step-ca's certificate .*, but the spec has this node serve its federation certificate \(manual mode\)$/);
  });
});

describe('classification', () => {
  const pems = (name: string) => m.ids.get(name)!.cert.split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.trim()).map((p) => new X509Certificate(p));
  const generated = () => targetsOf(acmeModel).targets.find((t) => t.id === 'location-a')!.certificateSources!;

  test('the plan: SemStreams in tier acme falls back to its federation certificate; step-ca\'s intermediate is the one the pki stack names', () => {
    expect(generated()).toEqual({ mode: 'acme', fallback: true, containerName: 'semstreams-location-a', stepCa: { commonName: 'semstreams step-ca intermediate CA', maxLifetimeHours: 24 } });
    // Loom behind its gateway serves its federation certificate, also in tier acme.
    expect(targetsOf(acmeModel).targets.find((t) => t.id === 'loom')!.certificateSources).toMatchObject({ mode: 'federation', fallback: false });
  });

  test('the signer decides, by signature: a leaf the intermediate signed without the intermediate sent is not ACME', () => {
    expect(classifyServedCertificate(pems('acme-a'), m.caPem, generated()).kind).toBe('acme');
    expect(classifyServedCertificate(pems('acme-a').slice(0, 1), m.caPem, generated())).toMatchObject({ kind: 'other', issuer: 'semstreams step-ca intermediate CA' });
    expect(classifyServedCertificate(pems('location-a'), m.caPem, generated()).kind).toBe('federation');
    expect(classifyServedCertificate(pems('foreign-a'), m.caPem, generated()).kind).toBe('other');
  });

  test('one imported intermediate signing both: a leaf within step-ca\'s lifetime is ACME, a longer one the federation certificate', () => {
    const shared: CertificateSources = {
      mode: 'acme', fallback: true, containerName: 'x', federationSignerPem: m.stepCaIntermediatePem,
      stepCa: { certPem: m.stepCaIntermediatePem, commonName: 'unused', maxLifetimeHours: 24 },
    };
    // The imported intermediate need not be sent: the plan knows it.
    expect(classifyServedCertificate(pems('acme-a').slice(0, 1), m.caPem, shared).kind).toBe('acme');
    expect(classifyServedCertificate(pems('long-a'), m.caPem, shared).kind).toBe('federation');
    expect(classifyServedCertificate(pems('location-a'), m.caPem, shared).kind).toBe('other');
  });

  test('a node\'s own certificate (spec certificate) is its federation certificate', () => {
    const own: CertificateSources = { ...generated(), ownCertPem: pems('stray-a')[0].toString() };
    expect(classifyServedCertificate(pems('stray-a'), m.caPem, own).kind).toBe('federation');
  });
});
