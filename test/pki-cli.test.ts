/**
 * The offline root ceremony end to end, as an operator runs it: `pki init-root` (root key encrypted at rest)
 * -> `pki sign-intermediate` (pathLen 0) for the pki stack and for step-ca -> the real main.ts synthesizes a
 * spec with ca.import in a project of its own -> a leaf issued by openssl exactly as the pki stack declares it,
 * signed with the intermediate key the plan names, verifies against the root. Plus the CLI's refusals.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { stringify } from 'yaml';
import { CliIo } from '../cli/command';
import { makePkiCommand } from '../cli/commands/pki';
import { loadSpecFile } from '../model/load';
import { pemBlocks } from '../pki/pem';

const ROOT = join(__dirname, '..');
const PASSPHRASE = 'test passphrase for the offline root';

/** Runs the real CLI (cli/main.ts through ts-node) in `cwd`. */
function cli(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(ROOT, 'cli/main.ts'), ...args], {
    cwd, env: { ...process.env, FPKI_ROOT_PASSPHRASE: PASSPHRASE, ...env }, encoding: 'utf8', timeout: 120_000,
  });
}

function openssl(cwd: string, ...args: string[]): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FPKI_ROOT_PASSPHRASE: PASSPHRASE } });
}

function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p); else out.set(p, readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('init-root -> sign-intermediate -> synth with ca.import -> the issued chain verifies', () => {
  let project: string;
  let offline: string;
  beforeAll(() => {
    // The operator's project (the deploy machine) and, beside it, the offline machine's folder.
    const base = mkdtempSync(join(tmpdir(), 'fpki-ceremony-'));
    project = join(base, 'project');
    offline = join(base, 'offline');
  });
  afterAll(() => rmSync(resolve(project, '..'), { recursive: true, force: true }));

  test('init-root writes the root certificate and its key encrypted with AES-256 (PKCS#8), mode 0600', () => {
    const r = cli(tmpdir(), ['pki', 'init-root', '--out', offline, '--name', 'Test federation root', '--organization', 'semstreams', '--days', '1825']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
    const key = readFileSync(join(offline, 'root-ca.key'), 'utf8');
    expect(pemBlocks(key).map((b) => b.label)).toEqual(['ENCRYPTED PRIVATE KEY']);
    expect(statSync(join(offline, 'root-ca.key')).mode & 0o777).toBe(0o600);
    const asn1 = openssl(offline, 'asn1parse', '-in', 'root-ca.key');
    expect(asn1).toMatch(/:PBES2/);
    expect(asn1).toMatch(/:aes-256-cbc/);
    expect(openssl(offline, 'pkey', '-in', 'root-ca.key', '-passin', 'env:FPKI_ROOT_PASSPHRASE', '-noout')).toBe('');
    expect(() => openssl(offline, 'pkey', '-in', 'root-ca.key', '-passin', 'pass:wrong passphrase', '-noout')).toThrow();
    const text = openssl(offline, 'x509', '-in', 'root-ca.crt', '-noout', '-text');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(openssl(offline, 'x509', '-in', 'root-ca.crt', '-noout', '-subject')).toMatch(/CN\s*=\s*Test federation root, O\s*=\s*semstreams/);
  });

  test('sign-intermediate signs a pathLen-0 intermediate for the pki stack and one for step-ca', () => {
    for (const [dir, cn] of [['secrets/pki', 'Test pki-stack intermediate'], ['secrets/step-ca', 'Test step-ca intermediate']]) {
      const r = cli(tmpdir(), ['pki', 'sign-intermediate', '--root-cert', join(offline, 'root-ca.crt'), '--root-key', join(offline, 'root-ca.key'), '--out', join(project, dir), '--cn', cn, '--days', '365']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = join(project, dir);
      expect(openssl(out, 'x509', '-in', 'intermediate-ca.crt', '-noout', '-text')).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(openssl(out, 'verify', '-CAfile', 'root-ca.crt', 'intermediate-ca.crt')).toMatch(/intermediate-ca.crt: OK/);
      expect(statSync(join(out, 'intermediate-ca.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(out, 'root-ca.crt'), 'utf8')).toBe(readFileSync(join(offline, 'root-ca.crt'), 'utf8'));
    }
  });

  test('main.ts synthesizes the tier-acme federation on the imported CA; the pki stack\'s leaf chains to the offline root', () => {
    const spec: any = loadSpecFile(join(ROOT, 'examples/three-locations-acme.yaml'));
    spec.ca = {
      ...(spec.ca ?? {}),
      import: {
        rootCertFile: 'secrets/pki/root-ca.crt',
        intermediate: { certFile: 'secrets/pki/intermediate-ca.crt', keyFile: 'secrets/pki/intermediate-ca.key' },
        stepCaIntermediate: { certFile: 'secrets/step-ca/intermediate-ca.crt', keyFile: 'secrets/step-ca/intermediate-ca.key' },
      },
    };
    writeFileSync(join(project, 'federation.yaml'), stringify(spec));
    // As `cdktf synth` runs it in the project: the default outdir cdktf.out, the spec named relative to the project.
    const env: NodeJS.ProcessEnv = { ...process.env, FEDERATION_SPEC: 'federation.yaml' };
    delete env.CDKTF_OUTDIR;
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(ROOT, 'main.ts')], {
      cwd: project, env, encoding: 'utf8', timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    // No key and no machine path in what was written; the offline root key is nowhere near it.
    const out = filesUnder(join(project, 'cdktf.out'));
    const rootKeyBody = readFileSync(join(offline, 'root-ca.key'), 'utf8').split('\n')[1];
    for (const [file, text] of out) {
      expect({ file, key: /PRIVATE KEY/.test(text), path: text.includes(project) || text.includes(tmpdir()), rootKey: text.includes(rootKeyBody) })
        .toEqual({ file, key: false, path: false, rootKey: false });
    }

    const stackDir = join(project, 'cdktf.out/stacks/semstreams-pki');
    const pki = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
    // The node's key and CSR are in its site's keys stack; the pki stack signs the CSR.
    const keys = JSON.parse(readFileSync(join(project, 'cdktf.out/stacks/semstreams-keys-location-a/cdk.tf.json'), 'utf8'));
    const of = (stack: any, type: string, name: string) => Object.entries(stack.resource[type]).find(([k]) => k === name)![1] as any;
    const csr = of(keys, 'tls_cert_request', 'location-a');
    const signed = of(pki, 'tls_locally_signed_cert', 'location-a');
    const key = of(keys, 'tls_private_key', 'location-a');
    // The signing key is whatever file the plan names, resolved from the stack's directory as Terraform would.
    const [keyData] = Object.values(pki.data.local_sensitive_file) as any[];
    const intermediateKey = resolve(stackDir, keyData.filename);
    expect(intermediateKey).toBe(join(project, 'secrets/pki/intermediate-ca.key'));
    writeFileSync(join(project, 'intermediate.pem'), signed.ca_cert_pem);

    const work = project;
    openssl(work, 'genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${key.ecdsa_curve.replace('P', 'P-')}`, '-out', 'leaf.key');
    openssl(work, 'req', '-new', '-key', 'leaf.key', '-subj', `/CN=${csr.subject[0].common_name}/O=${csr.subject[0].organization}`, '-out', 'leaf.csr');
    const ku: Record<string, string> = { digital_signature: 'digitalSignature', key_encipherment: 'keyEncipherment' };
    const eku: Record<string, string> = { server_auth: 'serverAuth', client_auth: 'clientAuth' };
    writeFileSync(join(work, 'leaf.ext'), [
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=critical,${signed.allowed_uses.filter((u: string) => ku[u]).map((u: string) => ku[u]).join(',')}`,
      `extendedKeyUsage=${signed.allowed_uses.filter((u: string) => eku[u]).map((u: string) => eku[u]).join(',')}`,
      `subjectAltName=${csr.dns_names.map((d: string) => `DNS:${d}`).join(',')}`,
      'subjectKeyIdentifier=hash',
    ].join('\n'));
    openssl(work, 'x509', '-req', '-in', 'leaf.csr', '-CA', 'intermediate.pem', '-CAkey', intermediateKey, '-CAcreateserial',
      '-days', String(signed.validity_period_hours / 24), '-extfile', 'leaf.ext', '-out', 'leaf.pem');
    const rootFile = join(offline, 'root-ca.crt');
    expect(openssl(work, 'verify', '-CAfile', rootFile, '-untrusted', 'intermediate.pem', 'leaf.pem')).toMatch(/leaf.pem: OK/);
    // Without the intermediate the root alone does not vouch for the leaf: hence the chain in the upload.
    expect(() => openssl(work, 'verify', '-CAfile', rootFile, 'leaf.pem')).toThrow();

    // What location-a's container receives: the leaf followed by the intermediate, enough for a peer holding only the root.
    const site = JSON.parse(readFileSync(join(project, 'cdktf.out/stacks/semstreams-location-a/cdk.tf.json'), 'utf8'));
    const container: any = Object.values(site.resource.docker_container).find((c: any) => c.name === 'semstreams-location-a');
    const uploaded = container.upload.find((u: any) => u.file === '/certs/location-a-cert.pem').content as string;
    writeFileSync(join(work, 'uploaded-chain.pem'), uploaded.replace(/^\$\{[^}]+\}/, ''));
    expect(openssl(work, 'verify', '-CAfile', rootFile, '-untrusted', 'uploaded-chain.pem', 'leaf.pem')).toMatch(/leaf.pem: OK/);
    expect(container.upload.find((u: any) => u.file === '/certs/federation-ca.pem').content).toBe(readFileSync(rootFile, 'utf8'));

    // step-ca signs with its own imported intermediate, which chains to the same root.
    const stepCa = JSON.parse(readFileSync(join(project, 'cdktf.out/stacks/semstreams-step-ca/cdk.tf.json'), 'utf8'));
    const uploads: any[] = (Object.values(stepCa.resource.docker_container)[0] as any).upload;
    expect(uploads.find((u) => u.file === '/home/step/secrets/intermediate_ca_key')).toMatchObject({ source: '../../../secrets/step-ca/intermediate-ca.key', permissions: '0600' });
    writeFileSync(join(work, 'step-ca.pem'), uploads.find((u) => u.file === '/home/step/certs/intermediate_ca.crt').content);
    expect(openssl(work, 'verify', '-CAfile', rootFile, 'step-ca.pem')).toMatch(/step-ca.pem: OK/);
  });
});

describe('the CLI refuses', () => {
  let dir: string;
  const io = (env: Record<string, string | undefined>) => {
    const out = { stdout: '', stderr: '' };
    const cliIo: CliIo = { stdout: (t) => { out.stdout += t; }, stderr: (t) => { out.stderr += t; }, env };
    return { out, cliIo };
  };
  const noTerminal = makePkiCommand({ prompt: async () => undefined });
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'fpki-cli-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a passphrase as an argument (it would land in shell history and ps)', async () => {
    const { out, cliIo } = io({});
    expect(await noTerminal.run(['init-root', '--out', join(dir, 'a'), '--passphrase', 'x'], cliIo)).toBe(2);
    expect(out.stderr).toMatch(/passphrase/);
  });
  test('no passphrase: neither the environment variable nor a terminal', async () => {
    const { out, cliIo } = io({});
    expect(await noTerminal.run(['init-root', '--out', join(dir, 'b')], cliIo)).toBe(1);
    expect(out.stderr).toMatch(/FPKI_ROOT_PASSPHRASE/);
  });
  test('a short passphrase for a new root key', async () => {
    const { out, cliIo } = io({ FPKI_ROOT_PASSPHRASE: 'short' });
    expect(await noTerminal.run(['init-root', '--out', join(dir, 'c')], cliIo)).toBe(1);
    expect(out.stderr).toMatch(/at least 12/);
  });
  test('prompted passphrases that differ; the same twice works', async () => {
    const answers = ['first passphrase!', 'second passphrase'];
    const differing = makePkiCommand({ prompt: async () => answers.shift() });
    const { out, cliIo } = io({});
    expect(await differing.run(['init-root', '--out', join(dir, 'd')], cliIo)).toBe(1);
    expect(out.stderr).toMatch(/differ/);
    const same = makePkiCommand({ prompt: async () => 'the same passphrase twice' });
    expect(await same.run(['init-root', '--out', join(dir, 'd'), '--key-algorithm', 'RSA_2048'], io({}).cliIo)).toBe(0);
    expect(readFileSync(join(dir, 'd/root-ca.key'), 'utf8')).toMatch(/ENCRYPTED PRIVATE KEY/);
  });
  test('overwriting a root, a wrong passphrase, an unencrypted root key, an intermediate outliving the root', async () => {
    const env = { FPKI_ROOT_PASSPHRASE: PASSPHRASE };
    expect(await noTerminal.run(['init-root', '--out', join(dir, 'e'), '--days', '400'], io(env).cliIo)).toBe(0);
    const again = io(env);
    expect(await noTerminal.run(['init-root', '--out', join(dir, 'e')], again.cliIo)).toBe(1);
    expect(again.out.stderr).toMatch(/refusing to overwrite/);
    const sign = (extra: string[], e: Record<string, string>, key = join(dir, 'e/root-ca.key')) => {
      const x = io(e);
      return noTerminal.run(['sign-intermediate', '--root-cert', join(dir, 'e/root-ca.crt'), '--root-key', key, ...extra], x.cliIo).then((code) => ({ code, ...x.out }));
    };
    expect(await sign(['--out', join(dir, 'f')], { FPKI_ROOT_PASSPHRASE: 'not the passphrase' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot decrypt/) });
    writeFileSync(join(dir, 'plain.key'), execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], { encoding: 'utf8' }));
    expect(await sign(['--out', join(dir, 'f')], env, join(dir, 'plain.key'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/not an encrypted PKCS#8 key/) });
    expect(await sign(['--out', join(dir, 'f'), '--days', '500'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/after the root/) });
    expect(await sign(['--out', join(dir, 'f'), '--days', '300', '--path-len', '1'], env)).toMatchObject({ code: 0 });
    expect(execFileSync('openssl', ['x509', '-in', join(dir, 'f/intermediate-ca.crt'), '-noout', '-text'], { encoding: 'utf8' })).toMatch(/CA:TRUE, pathlen:1/);
  });
});
