/**
 * Real TLS with the plan's certificate parameters. The hashicorp/tls provider cannot be built on these
 * machines for this tier (the real-peer tier, test/real/, uses a provider mirror), so openssl issues each certificate exactly as the pki stack
 * declares it (key algorithm, CN, SANs, key usage, EKU, validity); Node's TLS (OpenSSL) then shows that
 * those parameters and location-a's rendered allow-list give the guide's behaviour.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as tls from 'tls';
import { exampleSpec } from '../model/example';
import { synth, uploadsOf } from './helpers';
import { close, dial, Identity, portOf, startAllowListServer } from './tls-helpers';

const out = synth(exampleSpec());
let dir: string;
const material = new Map<string, Required<Identity>>();
let ca: string;

const KEY_USAGE: Record<string, string> = { digital_signature: 'digitalSignature', key_encipherment: 'keyEncipherment' };
const EKU: Record<string, string> = { server_auth: 'serverAuth', client_auth: 'clientAuth' };

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** `openssl genpkey` arguments for a `tls_private_key` resource. */
function genpkey(key: any, out: string): void {
  if (key.algorithm === 'ECDSA') openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${key.ecdsa_curve.replace('P', 'P-')}`, '-out', out);
  else openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${key.rsa_bits}`, '-out', out);
}

/** The resource `type.name` (names: constructs/plan-names.ts), wherever it is. */
function resourceOf(type: string, name: string): any {
  // Node keys and CSRs are in the sites' keys stacks, certificates and the CA in the pki stack.
  const entry = [...out.stacks.values()].flatMap((st) => Object.entries((st.resource?.[type] ?? {}) as Record<string, any>)).find(([k]) => k === name);
  if (!entry) throw new Error(`no ${type}.${name}`);
  return entry[1];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fpki-tls-'));
  const caCert = resourceOf('tls_self_signed_cert', 'federation-ca');
  genpkey(resourceOf('tls_private_key', 'federation-ca'), 'ca.key');
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n');
  openssl('req', '-new', '-key', 'ca.key', '-out', 'ca.csr', '-subj', `/CN=${caCert.subject[0].common_name}/O=${caCert.subject[0].organization}`);
  openssl('x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-out', 'ca.pem', '-days', String(caCert.validity_period_hours / 24), '-extfile', 'ca.ext');
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');

  for (const node of ['location-a', 'location-b', 'location-c', 'loom']) {
    const csr = resourceOf('tls_cert_request', node);
    const cert = resourceOf('tls_locally_signed_cert', node);
    genpkey(resourceOf('tls_private_key', node), `${node}.key`);
    const uses: string[] = cert.allowed_uses;
    const sans = [...csr.dns_names.map((d: string) => `DNS:${d}`), ...(csr.ip_addresses ?? []).map((i: string) => `IP:${i}`)];
    writeFileSync(join(dir, `${node}.ext`), [
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=critical,${uses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]).join(',')}`,
      `extendedKeyUsage=${uses.filter((u) => EKU[u]).map((u) => EKU[u]).join(',')}`,
      `subjectAltName=${sans.join(',')}`,
    ].join('\n'));
    openssl('req', '-new', '-key', `${node}.key`, '-out', `${node}.csr`, '-subj', `/CN=${csr.subject[0].common_name}`);
    openssl('x509', '-req', '-in', `${node}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${node}.pem`,
      '-days', String(cert.validity_period_hours / 24), '-extfile', `${node}.ext`);
    material.set(node, { cert: readFileSync(join(dir, `${node}.pem`), 'utf8'), key: readFileSync(join(dir, `${node}.key`), 'utf8') });
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('location-a serving with its rendered mTLS settings', () => {
  let server: tls.Server;
  let allowed: string[];
  beforeAll(async () => {
    const config = JSON.parse(uploadsOf(out.stacks.get('semstreams-location-a'), 'location-a').get('/etc/semstreams/config.json')!.content);
    allowed = config.security.tls.server.mtls.allowed_client_cns;
    server = await startAllowListServer(material.get('location-a')!, ca, allowed);
  });
  afterAll(() => close(server));
  const dialA = (client: Identity) => dial(portOf(server), 'location-a.semstreams.local', ca, client);

  test('location-b, on the allow-list, is admitted', async () => {
    expect(allowed).toEqual(['location-b.semstreams.local']);
    expect(await dialA(material.get('location-b')!)).toBe('admitted\n');
  });

  test('location-c, federation-signed but not on the list, is refused', async () => {
    expect(await dialA(material.get('location-c')!)).not.toBe('admitted\n');
  });

  test('a client without a certificate is refused', async () => {
    expect(await dialA({})).not.toBe('admitted\n');
  });

  test('a certificate from another CA with an allowed CN is refused', async () => {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'foreign-ca.key', '-out', 'foreign-ca.pem', '-days', '1', '-subj', '/CN=foreign CA');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'impostor.key', '-out', 'impostor.csr', '-subj', '/CN=location-b.semstreams.local');
    openssl('x509', '-req', '-in', 'impostor.csr', '-CA', 'foreign-ca.pem', '-CAkey', 'foreign-ca.key', '-CAcreateserial', '-out', 'impostor.pem', '-days', '1');
    const impostor = { cert: readFileSync(join(dir, 'impostor.pem'), 'utf8'), key: readFileSync(join(dir, 'impostor.key'), 'utf8') };
    expect(await dialA(impostor)).not.toBe('admitted\n');
  });

  test('the client checks the server name against the certificate', async () => {
    expect(await dial(portOf(server), 'location-z.semstreams.local', ca, material.get('location-b')!)).toBe('error: ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('EKU by role holds in a real handshake', () => {
  test('location-a\'s certificate (serverAuth only) cannot act as a client', async () => {
    const server = await startAllowListServer(material.get('location-b')!, ca, ['location-a.semstreams.local']);
    try {
      expect(await dial(portOf(server), 'location-b.semstreams.local', ca, material.get('location-a')!)).not.toBe('admitted\n');
    } finally {
      await close(server);
    }
  });

  test('location-c\'s certificate (clientAuth only) cannot serve', async () => {
    const server = await startAllowListServer(material.get('location-c')!, ca, ['location-b.semstreams.local']);
    try {
      expect(await dial(portOf(server), 'location-c.semstreams.local', ca, material.get('location-b')!)).toBe('error: INVALID_PURPOSE');
    } finally {
      await close(server);
    }
  });

  test('the hub, location-b, serves location-c and dials location-a with one certificate', async () => {
    const asServer = await startAllowListServer(material.get('location-b')!, ca, ['location-c.semstreams.local']);
    const upstream = await startAllowListServer(material.get('location-a')!, ca, ['location-b.semstreams.local']);
    try {
      expect(await dial(portOf(asServer), 'location-b.semstreams.local', ca, material.get('location-c')!)).toBe('admitted\n');
      expect(await dial(portOf(upstream), 'location-a.semstreams.local', ca, material.get('location-b')!)).toBe('admitted\n');
    } finally {
      await close(asServer);
      await close(upstream);
    }
  });
});
