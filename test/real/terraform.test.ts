/**
 * Real-tool tier: the synthesized example applied with the real terraform CLI and the real hashicorp/tls
 * provider (built by scripts/install-toolchain.sh), then the issued material checked with openssl and
 * used in real TLS handshakes on loopback, enforcing the allow-list the rendered config carries.
 */
import { execFileSync, spawnSync } from 'child_process';
import { X509Certificate } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as tls from 'tls';
import { close, dial, Identity, portOf, startAllowListServer } from '../tls-helpers';
import { App } from 'cdktf';
import { exampleSpec } from '../../model/example';
import { Federation } from '../../stacks/federation';

const ROOT = join(__dirname, '..', '..');
const TF_RC = join(ROOT, '.toolchain', 'terraformrc');
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let work: string;
let stacksDir: string;
const logs: string[] = [];

function terraform(stack: string, args: string[], okCodes = [0]): { status: number; stdout: string } {
  const r = spawnSync('terraform', args, {
    cwd: join(stacksDir, stack),
    env: { ...process.env, TF_CLI_CONFIG_FILE: TF_RC, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  logs.push(r.stdout ?? '', r.stderr ?? '');
  if (!okCodes.includes(r.status ?? -1)) {
    throw new Error(`terraform ${args.join(' ')} in ${stack} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status!, stdout: r.stdout };
}

/** PEM attributes of the applied pki state, by resource name prefix. */
interface Material { ca: string; certs: Map<string, string>; keys: Map<string, string> }
let material: Material;
let outputs: Record<string, { value: any }>;

beforeAll(() => {
  if (!existsSync(TF_RC)) {
    throw new Error(`${TF_RC} is missing: run scripts/install-toolchain.sh (npm test runs it first)`);
  }
  work = mkdtempSync(join(tmpdir(), 'fpki-tf-'));
  const app = new App({ outdir: join(work, 'cdktf.out') });
  new Federation(app, 'federation', { spec: exampleSpec() });
  app.synth();
  stacksDir = join(work, 'cdktf.out', 'stacks');

  // Node keys are generated in each site's keys stack; the pki stack signs their CSRs.
  const KEY_STACKS = ['semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c'];
  for (const stack of [...KEY_STACKS, 'semstreams-pki']) {
    terraform(stack, ['init', '-input=false', '-no-color']);
    terraform(stack, ['apply', '-auto-approve', '-input=false', '-no-color']);
  }
  outputs = JSON.parse(terraform('semstreams-pki', ['output', '-json', '-no-color']).stdout);

  const stateOf = (stack: string) => JSON.parse(readFileSync(join(work, 'state', `${stack}.tfstate`), 'utf8'));
  const attrs = (stacks: string[], type: string) => new Map<string, any>(stacks.flatMap((s) => stateOf(s).resources)
    .filter((r: any) => r.type === type)
    .map((r: any) => [r.name.replace(/_[^_]+_[0-9A-F]{8}$/, ''), r.instances[0].attributes]));
  material = {
    ca: [...attrs(['semstreams-pki'], 'tls_self_signed_cert').values()][0].cert_pem,
    certs: new Map([...attrs(['semstreams-pki'], 'tls_locally_signed_cert')].map(([k, v]) => [k.replace(/^node-/, ''), v.cert_pem])),
    keys: new Map([...attrs(KEY_STACKS, 'tls_private_key')].filter(([k]) => k.startsWith('node-')).map(([k, v]) => [k.replace(/^node-/, ''), v.private_key_pem])),
  };
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('terraform apply of the pki stack (real hashicorp/tls)', () => {
  test('state lands at the relative path site stacks read from', () => {
    expect(existsSync(join(work, 'state', 'semstreams-pki.tfstate'))).toBe(true);
  });

  test('no private key text in any terraform log line; keys are redacted as sensitive', () => {
    expect(logs.join('\n')).not.toMatch(/PRIVATE KEY/);
    // Node keys are generated in the keys stacks: no pki output (all of which the public stack copies) holds a key.
    expect(Object.keys(outputs).length).toBeGreaterThan(4);
    expect(JSON.stringify(outputs)).not.toMatch(/PRIVATE KEY/);
  });

  test('the root is a CA; node certificates are not, carry CN = FQDN, SANs, EKU by role, 90 days', () => {
    const ca = new X509Certificate(material.ca);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain('CN=semstreams federation root CA');
    const expected: Record<string, string[]> = {
      'location-a': [OID_SERVER_AUTH],
      'location-b': [OID_SERVER_AUTH, OID_CLIENT_AUTH],
      'location-c': [OID_CLIENT_AUTH],
      loom: [OID_SERVER_AUTH],
    };
    expect([...material.certs.keys()].filter((k) => k !== 'canary').sort()).toEqual(Object.keys(expected).sort());
    for (const [node, eku] of Object.entries(expected)) {
      const cert = new X509Certificate(material.certs.get(node)!);
      const fqdn = `${node}.semstreams.local`;
      expect(cert.ca).toBe(false);
      expect(cert.subject.split('\n')).toContain(`CN=${fqdn}`);
      expect(cert.subjectAltName).toBe(`DNS:${fqdn}`);
      expect([...(cert.keyUsage ?? [])].sort()).toEqual([...eku].sort());
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
      expect(Math.round(days)).toBe(90);
      expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
  });

  test('openssl verifies every node certificate against the federation root', () => {
    const dir = mkdtempSync(join(work, 'pem-'));
    writeFileSync(join(dir, 'ca.pem'), material.ca);
    for (const [node, pem] of material.certs) {
      writeFileSync(join(dir, `${node}.pem`), pem);
      const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, `${node}.pem`)], { encoding: 'utf8' });
      expect(out.trim()).toBe(`${join(dir, `${node}.pem`)}: OK`);
    }
  });

  test('the reviewer outputs carry the real not-after', () => {
    const a = outputs.node_location_a.value;
    expect(a.cn).toBe('location-a.semstreams.local');
    // X.509 times have whole seconds; Terraform's RFC 3339 keeps the sub-second part of the signing time.
    expect(Math.floor(Date.parse(a.not_after) / 1000)).toBe(Date.parse(new X509Certificate(material.certs.get('location-a')!).validTo) / 1000);
  });

  test('a second plan with no change plans nothing', () => {
    expect(terraform('semstreams-pki', ['plan', '-detailed-exitcode', '-input=false', '-no-color'], [0, 2]).status).toBe(0);
  });
});

describe('site stacks are valid for the real kreuzwerker/docker provider', () => {
  test.each(['semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c'])('%s: terraform validate', (stack) => {
    terraform(stack, ['init', '-input=false', '-no-color']);
    const out = terraform(stack, ['validate', '-json', '-no-color']).stdout;
    expect(JSON.parse(out)).toMatchObject({ valid: true, error_count: 0 });
  });
});

describe('TLS handshakes with the issued material and location-a\'s rendered allow-list', () => {
  let server: tls.Server;
  let allowed: string[];
  beforeAll(async () => {
    const site = JSON.parse(readFileSync(join(stacksDir, 'semstreams-location-a', 'cdk.tf.json'), 'utf8'));
    const container = Object.values(site.resource.docker_container as Record<string, any>).find((c) => c.name === 'semstreams-location-a');
    const config = JSON.parse(container.upload.find((u: any) => u.file === '/etc/semstreams/config.json').content);
    allowed = config.security.tls.server.mtls.allowed_client_cns;
    server = await startAllowListServer({ cert: material.certs.get('location-a')!, key: material.keys.get('location-a')! }, material.ca, allowed);
  });
  afterAll(() => close(server));
  const dialA = (client: Identity) => dial(portOf(server), 'location-a.semstreams.local', material.ca, client);

  test('location-b (on the allow-list) is admitted', async () => {
    expect(allowed).toEqual(['location-b.semstreams.local']);
    expect(await dialA({ cert: material.certs.get('location-b'), key: material.keys.get('location-b') })).toBe('admitted\n');
  });

  test('location-c (federation-signed, not on the list) and a client without a certificate are refused', async () => {
    expect(await dialA({ cert: material.certs.get('location-c'), key: material.keys.get('location-c') })).not.toBe('admitted\n');
    expect(await dialA({})).not.toBe('admitted\n');
  });
});
