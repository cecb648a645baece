/**
 * The ACME client against the real step-ca (`.toolchain/bin/step-ca`, from scripts/install-toolchain.sh
 * --step-ca) running on exactly the ca.json this library renders for the tier acme example, with a
 * federation root and an intermediate issued here with the parameters the pki stack declares. Only the
 * file paths and the listen address are moved to a temp dir and a loopback port; names resolve through a
 * loopback DNS server (`--resolver`), and challenges use ephemeral ports (`--insecure --acme-*-port`).
 */
import { createPrivateKey, X509Certificate } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as https from 'https';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';
import * as tls from 'tls';
import { obtainCertificate, ObtainedCertificate } from '../acme';
import { runCli } from '../cli/main';
import { STEP_CA_LAYOUT } from '../model/defaults';
import { parseGoDuration } from '../model/duration';
import { loadSpecFile } from '../model/load';
import { StepCaModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { pemBlocks as parsePem } from '../pki/pem';
import { renderStepCaConfig, renderStepCaConfigFile } from '../render/step-ca-config';
import { freePort, openssl, pemBlocks, ServerProcess, startProcess, waitUntil } from './acme-test-helpers';
import { synth } from './helpers';
import { LoopbackDns, startLoopbackDns } from './loopback-dns';

const ROOT_DIR = join(__dirname, '..');
const STEP_CA = join(ROOT_DIR, '.toolchain', 'bin', 'step-ca');
const SPEC_PATH = join(ROOT_DIR, 'examples', 'three-locations-acme.yaml');
const EMAIL = 'ops@semstreams.local';
const KEY_USAGE: Record<string, string> = { cert_signing: 'keyCertSign', crl_signing: 'cRLSign', digital_signature: 'digitalSignature' };
/** step-ca backdates every certificate by one minute (authority `backdate`, default 1m). */
const BACKDATE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The tier acme example with its Loom owning its ports (gateway disabled, letsencrypt mode), so step-ca's
 * Loom provisioner is exercised too; behind the gateway (the example) Loom orders nothing.
 */
function acmeSpec(): any {
  const s = JSON.parse(JSON.stringify(loadSpecFile(SPEC_PATH)));
  const loom = s.sites[0].nodes.find((n: any) => n.id === 'loom');
  Object.assign(loom, { gateway: { enabled: false }, tls: { mtls: false, letsencrypt: { acceptTos: true, renewBeforeDays: 1 } } });
  delete loom.allowedClients;
  return s;
}
const federation = resolveFederation(acmeSpec());
const model: StepCaModel = federation.stepCa!;
const pki = synth(acmeSpec()).stacks;

let dir: string;
let dns: LoopbackDns;
let stepCa: ServerProcess;
let port: number;
let httpPort: number;
let tlsPort: number;
let rootPem: string;
let intermediatePem: string;
const caName = model.dnsNames[0];
const resolve = { [caName]: '127.0.0.1' };

/** The resource of `type` in the pki stack whose construct path starts with `prefix`. */
function pkiResource(type: string, name: string): any {
  // The step-ca intermediate's key and CSR are made in its keys stack, beside the stack that deploys the key.
  const entry = ['semstreams-pki', 'semstreams-keys-step-ca'].flatMap((s) => Object.entries((pki.get(s).resource?.[type] ?? {}) as Record<string, any>))
    .find(([k]) => k === name);
  if (!entry) throw new Error(`no ${type}.${name} in the pki or keys-step-ca stack`);
  return entry[1];
}

/** `/home/step/...` (the image's layout) moved under the temp dir, keeping the layout below it. */
const local = (containerPath: string) => join(dir, 'home-step', relative('/home/step', containerPath));

/** A provisioner's directory URL, on the test's port (the model's names the deployed port, 9000). */
function directoryOf(provisioner: string): string {
  const url = new URL(model.provisioners.find((p) => p.name === provisioner)!.directoryUrl);
  url.port = String(port);
  return url.toString();
}

/** GET from step-ca over TLS verified against the federation root alone, as `caName`; with the peer certificate. */
function get(path: string): Promise<{ status: number; body: string; peer: tls.PeerCertificate }> {
  return new Promise((done, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, servername: caName, ca: rootPem, agent: false }, (res) => {
      const peer = (res.socket as tls.TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => done({ status: res.statusCode ?? 0, body, peer }));
    });
    req.on('error', reject);
  });
}

/** Issues the root and step-ca's intermediate with openssl, exactly as the pki stack's resources declare them. */
function issueFederationPki(): void {
  const keyOf = (prefix: string, out: string) => {
    const key = pkiResource('tls_private_key', prefix);
    expect(key).toMatchObject({ algorithm: 'ECDSA', ecdsa_curve: 'P256' });
    // hashicorp/tls writes ECDSA keys as unencrypted SEC1 ("EC PRIVATE KEY"); `openssl ec` gives that form.
    openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${out}.pkcs8`);
    openssl(dir, 'ec', '-in', `${out}.pkcs8`, '-out', out);
    rmSync(join(dir, `${out}.pkcs8`));
  };
  const ext = (cert: any) => {
    expect(cert.is_ca_certificate).toBe(true);
    return `basicConstraints=critical,CA:TRUE\nkeyUsage=critical,${cert.allowed_uses.map((u: string) => KEY_USAGE[u]).join(',')}\nsubjectKeyIdentifier=hash\n`;
  };
  const subj = (s: any) => `/CN=${s.common_name}/O=${s.organization}`;

  const root = pkiResource('tls_self_signed_cert', 'federation-ca');
  keyOf('federation-ca', 'root.key');
  writeFileSync(join(dir, 'root.ext'), ext(root));
  openssl(dir, 'req', '-new', '-key', 'root.key', '-subj', subj(root.subject[0]), '-out', 'root.csr');
  openssl(dir, 'x509', '-req', '-in', 'root.csr', '-signkey', 'root.key', '-days', String(root.validity_period_hours / 24), '-extfile', 'root.ext', '-out', 'root.pem');

  const inter = pkiResource('tls_locally_signed_cert', 'step-ca-intermediate');
  const interCsr = pkiResource('tls_cert_request', 'step-ca-intermediate');
  keyOf('step-ca-intermediate', 'intermediate.key');
  writeFileSync(join(dir, 'intermediate.ext'), `${ext(inter)}authorityKeyIdentifier=keyid\n`);
  openssl(dir, 'req', '-new', '-key', 'intermediate.key', '-subj', subj(interCsr.subject[0]), '-out', 'intermediate.csr');
  openssl(dir, 'x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial',
    '-days', String(inter.validity_period_hours / 24), '-extfile', 'intermediate.ext', '-out', 'intermediate.pem');
  rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  intermediatePem = readFileSync(join(dir, 'intermediate.pem'), 'utf8');
}

beforeAll(async () => {
  // Not a skip: this tier is the issue's acceptance test, so a missing binary is a failure.
  if (!existsSync(STEP_CA)) throw new Error(`${STEP_CA} is missing: run scripts/install-toolchain.sh --step-ca`);
  dir = mkdtempSync(join(tmpdir(), 'fpki-step-ca-'));
  issueFederationPki();
  [port, httpPort, tlsPort] = [await freePort(), await freePort(), await freePort()];

  // The step-ca home as the StepCa construct lays it out, with the rendered ca.json.
  const files: [string, string, number][] = [
    [STEP_CA_LAYOUT.rootFile, rootPem, 0o644],
    [STEP_CA_LAYOUT.crtFile, intermediatePem, 0o644],
    [STEP_CA_LAYOUT.keyFile, readFileSync(join(dir, 'intermediate.key'), 'utf8'), 0o600],
  ];
  const rendered = renderStepCaConfig(model) as any;
  const config = {
    ...rendered,
    root: local(rendered.root), crt: local(rendered.crt), key: local(rendered.key),
    address: `127.0.0.1:${port}`,
    db: { ...rendered.db, dataSource: local(rendered.db.dataSource) },
  };
  files.push([STEP_CA_LAYOUT.configFile, JSON.stringify(config, null, 2), 0o644]);
  for (const [path, content, mode] of files) {
    mkdirSync(dirname(local(path)), { recursive: true });
    writeFileSync(local(path), content, { mode });
  }

  dns = await startLoopbackDns(['location-b.semstreams.local', 'location-c.semstreams.local', 'location-a.semstreams.local', 'loom.semstreams.local', 'evil.example.com']);
  // Started as the StepCa construct's container starts it (no --password-file: the key is unencrypted),
  // plus the test-only flags for DNS and challenge ports.
  const command: string[] = (Object.values(pki.get('semstreams-step-ca').resource.docker_container) as any[])[0].command;
  expect(command).toEqual(['/usr/local/bin/step-ca', STEP_CA_LAYOUT.configFile]);
  stepCa = startProcess(STEP_CA, [
    ...command.slice(1).map(local),
    '--resolver', dns.address, '--insecure', '--acme-http-port', String(httpPort), '--acme-tls-port', String(tlsPort),
  ], { cwd: dir });
  await waitUntil('step-ca', stepCa, async () => (await get('/health')).status === 200);
}, 60_000);

afterAll(async () => {
  await stepCa?.stop();
  await dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the ca.json under test is the one the step-ca stack deploys, with only paths and address moved', () => {
  const upload = (Object.values(pki.get('semstreams-step-ca').resource.docker_container) as any[])[0].upload
    .find((u: any) => u.file === STEP_CA_LAYOUT.configFile);
  expect(upload.content).toBe(renderStepCaConfigFile(model));
  const running = JSON.parse(readFileSync(local(STEP_CA_LAYOUT.configFile), 'utf8'));
  const rendered = renderStepCaConfig(model) as any;
  const strip = (c: any) => ({ ...c, root: 0, crt: 0, key: 0, address: 0, db: { ...c.db, dataSource: 0 } });
  expect(strip(running)).toEqual(strip(rendered));
  // step-ca reads the intermediate key as SEC1 (EC PRIVATE KEY), the one block in the file.
  expect(parsePem(readFileSync(local(STEP_CA_LAYOUT.keyFile), 'utf8')).map((b) => b.label)).toEqual(['EC PRIVATE KEY']);
});

describe('step-ca on the rendered ca.json', () => {
  test('/health answers ok over TLS verified against the federation root alone, with a certificate for its dnsNames', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    const sans = (res.peer.subjectaltname ?? '').split(', ');
    for (const name of model.dnsNames) expect(sans).toContain(`DNS:${name}`);
    expect(res.peer.issuer.CN).toBe(new X509Certificate(intermediatePem).subject.match(/CN=(.*)/)![1]);
  });

  test.each(['acme', 'acme-loom'])('serves the ACME directory of provisioner %s', async (name) => {
    const res = await get(new URL(directoryOf(name)).pathname);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ newNonce: expect.any(String), newAccount: expect.any(String), newOrder: expect.stringContaining(`/acme/${name}/new-order`) });
  });
});

/** What each tier-acme node of the example is configured to ask step-ca for. */
interface NodeOrder { node: string; directoryUrl: string; email: string; domains: readonly string[]; challenge: 'http-01' | 'tls-alpn-01' }
const NODE_ORDERS: NodeOrder[] = federation.nodes.flatMap((n): NodeOrder[] => {
  if (n.tier !== 'acme') return [];
  if (n.kind === 'semstreams') return [{ node: n.id, ...n.acme!, challenge: n.acme!.challengeType }];
  if (n.tls.mode !== 'letsencrypt') return [];
  return [{ node: n.id, directoryUrl: n.tls.acmeDirectoryUrl, email: n.tls.email, domains: n.tls.domains, challenge: 'http-01' }];
});

/** The provisioner a directory URL names, and the certificate duration it is configured with. */
function provisionerOf(directoryUrl: string) {
  const p = model.provisioners.find((x) => x.directoryUrl === directoryUrl);
  if (!p) throw new Error(`${directoryUrl} is no provisioner of the model`);
  return { ...p, durationMs: parseGoDuration(p.defaultDuration)! * 1000 };
}

describe('obtainCertificate from step-ca', () => {
  const obtain = (provisioner: string, domains: readonly string[], challenge: 'http-01' | 'tls-alpn-01' = 'http-01', email = EMAIL) => obtainCertificate({
    directoryUrl: directoryOf(provisioner), caPem: rootPem, email, domains, challenge, httpPort, tlsPort, bindAddress: '127.0.0.1', resolve,
  });

  /** Checks chain, names and key; returns the leaf. */
  function checkIssued(got: ObtainedCertificate, names: readonly string[]): X509Certificate {
    const [leafPem, ...chain] = pemBlocks(got.certPem);
    writeFileSync(join(dir, 'leaf.pem'), leafPem);
    expect(chain).toEqual([intermediatePem]);
    const leaf = new X509Certificate(leafPem);
    const intermediate = new X509Certificate(intermediatePem);
    // Through the step-ca intermediate to the root, and not to the root directly.
    expect(openssl(dir, 'verify', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', 'leaf.pem')).toBe('leaf.pem: OK\n');
    expect(() => openssl(dir, 'verify', '-CAfile', 'root.pem', 'leaf.pem')).toThrow();
    expect(leaf.issuer).toBe(intermediate.subject);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(leaf.subject).toBe(`CN=${names[0]}`);
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual(names.map((n) => `DNS:${n}`).sort());
    expect(leaf.ca).toBe(false);
    expect(leaf.checkPrivateKey(createPrivateKey(got.keyPem))).toBe(true);
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(got.notBefore.getTime()).toBe(new Date(leaf.validFrom).getTime());
    expect(got.notAfter.getTime()).toBe(new Date(leaf.validTo).getTime());
    return leaf;
  }

  const lifetime = (got: ObtainedCertificate) => got.notAfter.getTime() - got.notBefore.getTime();

  test('the example (its Loom without the gateway) has the orders the issue names: three SemStreams nodes on acme (24h), Loom on acme-loom (72h)', () => {
    expect(NODE_ORDERS.map((o) => [o.node, provisionerOf(o.directoryUrl).name, provisionerOf(o.directoryUrl).defaultDuration, o.challenge])).toEqual([
      ['location-a', 'acme', '24h', 'http-01'],
      ['loom', 'acme-loom', '72h', 'http-01'],
      ['location-b', 'acme', '24h', 'http-01'],
      ['location-c', 'acme', '24h', 'http-01'],
    ]);
  });

  test.each(NODE_ORDERS.map((o) => [o.node, o] as const))('%s: its configured order is issued, through the intermediate, for the configured duration', async (_node, order) => {
    const provisioner = provisionerOf(order.directoryUrl);
    const got = await obtain(provisioner.name, order.domains, order.challenge, order.email);
    checkIssued(got, order.domains);
    // step-ca's one-minute backdate comes on top of the configured duration.
    expect(Math.abs(lifetime(got) - (provisioner.durationMs + BACKDATE_MS))).toBeLessThanOrEqual(5000);
    // step-ca resolved each name through the test's DNS and fetched the token from our responder.
    for (const name of order.domains) expect(dns.queried.has(name)).toBe(true);
  });

  test('location-b.semstreams.local via http-01 lasts 24h01m', async () => {
    const got = await obtain('acme', ['location-b.semstreams.local']);
    checkIssued(got, ['location-b.semstreams.local']);
    expect(Math.abs(lifetime(got) - (24 * HOUR_MS + BACKDATE_MS))).toBeLessThanOrEqual(5000);
  });

  test('tls-alpn-01 (the other challenge the provisioners offer) works too', async () => {
    const got = await obtain('acme', ['location-c.semstreams.local'], 'tls-alpn-01');
    checkIssued(got, ['location-c.semstreams.local']);
  });

  test("Loom's provisioner (acme-loom) gives 72h01m", async () => {
    const got = await obtain('acme-loom', ['loom.semstreams.local']);
    checkIssued(got, ['loom.semstreams.local']);
    expect(Math.abs(lifetime(got) - (72 * HOUR_MS + BACKDATE_MS))).toBeLessThanOrEqual(5000);
  });

  test('a name outside the federation domain is refused by the CA (x509 name policy)', async () => {
    await expect(obtain('acme', ['evil.example.com'])).rejects.toThrow(/evil\.example\.com.*The server will not issue certificates for the identifier/s);
    // The reason, in step-ca's log: its name policy. It refused the order, never looking the name up.
    expect(stepCa.log()).toMatch(/dns name \\"evil\.example\.com\\" not allowed/);
    expect(dns.queried.has('evil.example.com')).toBe(false);
  });

  test('one outside name spoils the whole order', async () => {
    await expect(obtain('acme', ['location-b.semstreams.local', 'evil.example.com'])).rejects.toThrow(/will not issue certificates/);
  });
});

describe('federation-pki acme (CLI) against step-ca', () => {
  test('writes cert.pem (0644) and key.pem (0600) and prints a summary without key text', async () => {
    writeFileSync(join(dir, 'cli-root.pem'), rootPem);
    const out = join(dir, 'cli-out');
    let stdout = '';
    let stderr = '';
    const code = await runCli([
      'acme', '--directory', directoryOf('acme'), '--ca', join(dir, 'cli-root.pem'), '--email', EMAIL,
      '--domain', 'location-b.semstreams.local', '--challenge', 'http-01', '--http-port', String(httpPort), '--bind', '127.0.0.1',
      '--resolve', `${caName}:127.0.0.1`, '--out', out,
    ], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: {} });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(statSync(join(out, 'cert.pem')).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, 'key.pem')).mode & 0o777).toBe(0o600);
    const cert = readFileSync(join(out, 'cert.pem'), 'utf8');
    expect(pemBlocks(cert)).toHaveLength(2);
    expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(readFileSync(join(out, 'key.pem'))))).toBe(true);
    expect(stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(stdout).toContain('location-b.semstreams.local');
    expect(stdout).toContain(join(out, 'cert.pem'));
    expect(stdout).toMatch(/not after: +\d{4}-\d\d-\d\dT.* \(24h01m\)/);
  });
});
