import { resolveFederation } from '../model/resolve';
import { containerOf, exampleCopy, synth, uploadsOf } from './helpers';

describe('sites compose', () => {
  test('each site stack depends on its keys stack and the public stack alone, so any subset can be deployed', () => {
    const out = synth(exampleCopy());
    const manifest = JSON.parse(out.files.get('manifest.json')!);
    for (const site of ['location-a', 'location-b', 'location-c']) {
      expect(manifest.stacks[`semstreams-${site}`].dependencies.sort()).toEqual([`semstreams-keys-${site}`, 'semstreams-pki-public']);
      expect(manifest.stacks[`semstreams-keys-${site}`].dependencies).toEqual([]);
    }
    expect(manifest.stacks['semstreams-pki'].dependencies.sort()).toEqual(['semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c']);
    expect(manifest.stacks['semstreams-pki-public'].dependencies).toEqual(['semstreams-pki']);
  });

  test('remote Docker hosts: ssh:// as is, tcp:// with its cert path; routes through the site address', () => {
    const spec = exampleCopy();
    spec.sites[0].docker = { host: 'tcp://site-a.example.net:2376', certPath: 'docker-certs/site-a', address: '192.0.2.10' };
    spec.sites[1].docker = { host: 'ssh://deploy@site-b.example.net' };
    const out = synth(spec);
    expect(out.stacks.get('semstreams-location-a').provider.docker).toEqual([{ host: 'tcp://site-a.example.net:2376', cert_path: 'docker-certs/site-a' }]);
    expect(out.stacks.get('semstreams-location-b').provider.docker).toEqual([{ host: 'ssh://deploy@site-b.example.net' }]);
    // B dials A on another host: A's site address; C dials B on another host with no address: DNS.
    expect(containerOf(out.stacks.get('semstreams-location-b'), 'location-b').host).toEqual([{ host: 'location-a.semstreams.local', ip: '192.0.2.10' }]);
    expect(containerOf(out.stacks.get('semstreams-location-c'), 'location-c').host).toEqual([]);
  });

  test('the address decides the host: equal socket URLs with distinct addresses are distinct machines', () => {
    // Each location deploys from its own machine over its local socket: the host strings are all equal.
    const spec = exampleCopy();
    spec.sites[0].docker = { address: '192.0.2.10' };
    spec.sites[1].docker = { address: '192.0.2.11' };
    spec.sites[2].docker = { address: '192.0.2.12' };
    const out = synth(spec);
    expect(containerOf(out.stacks.get('semstreams-location-b'), 'location-b').host).toEqual([{ host: 'location-a.semstreams.local', ip: '192.0.2.10' }]);
    expect(containerOf(out.stacks.get('semstreams-location-c'), 'location-c').host).toEqual([{ host: 'location-b.semstreams.local', ip: '192.0.2.11' }]);
    // The same port on two machines is no clash; on one machine (one address) it is.
    const same = exampleCopy();
    same.sites[1].nodes[0].output.port = 9000;
    same.sites[0].docker = { address: '192.0.2.10' };
    same.sites[1].docker = { address: '192.0.2.11' };
    expect(() => resolveFederation(same)).not.toThrow();
    same.sites[1].docker = { address: '192.0.2.10' };
    expect(() => resolveFederation(same)).toThrow(/port 9000 is already published on Docker host 192\.0\.2\.10/);
  });

  test('nodes on one site reach each other by network alias, with no hosts entry', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes.push(spec.sites[1].nodes[0]);
    spec.sites.splice(1, 1);
    const model = resolveFederation(spec);
    expect(model.nodes.find((n) => n.id === 'location-b')!.extraHosts).toEqual([]);
    expect(model.nodes.find((n) => n.id === 'location-c')!.extraHosts).toEqual([{ host: 'location-b.semstreams.local', ip: 'host-gateway' }]);
  });

  test('an existing NATS replaces the site\'s NATS container', () => {
    const spec = exampleCopy();
    spec.sites[2].nats = { urls: ['nats://nats.site-c.example.net:4222'] };
    const out = synth(spec);
    const c = out.stacks.get('semstreams-location-c');
    expect(Object.values(c.resource.docker_container as Record<string, any>).map((x) => x.name)).toEqual(['semstreams-location-c']);
    const config = JSON.parse(uploadsOf(c, 'location-c').get('/etc/semstreams/config.json')!.content);
    expect(config.nats.urls).toEqual(['nats://nats.site-c.example.net:4222']);
  });
});

describe('tier none', () => {
  test('no certificates, no CA, no key uploads; configs say "security": {}', () => {
    const spec = exampleCopy();
    spec.tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    // Plaintext links between sites fail the security policy unless suppressed with a reason.
    const lab = [{ rule: 'FPKI-PLAINTEXT-CROSS-SITE', reason: 'lab federation on one isolated test network' }];
    spec.sites[1].nodes[0].suppressions = lab;
    spec.sites[2].nodes[0].suppressions = lab;
    const out = synth(spec);
    const pki = out.stacks.get('semstreams-pki');
    expect(pki.resource.tls_locally_signed_cert).toBeUndefined();
    for (const [stack, node] of [['semstreams-location-a', 'location-a'], ['semstreams-location-b', 'location-b'], ['semstreams-location-a', 'loom']]) {
      const uploads = uploadsOf(out.stacks.get(stack), node);
      expect(uploads.size).toBe(1);
      const [config] = [...uploads.values()];
      if (node !== 'loom') expect(JSON.parse(config.content).security).toEqual({});
      else expect(config.content).toContain('enabled: false');
    }
  });

  test('a per-node tier override applies to that node only', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[1].tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    const model = resolveFederation(spec);
    expect(model.nodes.find((n) => n.id === 'loom')!.certificate).toBeUndefined();
    expect(model.nodes.find((n) => n.id === 'location-a')!.certificate).toBeDefined();
  });
});

describe('key algorithms', () => {
  test.each([
    ['ECDSA_P384', { algorithm: 'ECDSA', ecdsa_curve: 'P384' }, ['digital_signature', 'server_auth']],
    ['RSA_3072', { algorithm: 'RSA', rsa_bits: 3072 }, ['digital_signature', 'key_encipherment', 'server_auth']],
  ])('%s reaches every key, with key usage to match', (alg, key, uses) => {
    const spec = exampleCopy();
    spec.ca.keyAlgorithm = alg;
    const out = synth(spec);
    const pki = out.stacks.get('semstreams-pki');
    // The CA and the canary in the pki stack; each node's key in its site's keys stack.
    const keys = [...out.stacks.values()].flatMap((st) => Object.values((st.resource?.tls_private_key ?? {}) as Record<string, any>));
    expect(keys).toHaveLength(6); // the CA, four nodes and the canary
    for (const k of keys) expect(k).toEqual(expect.objectContaining(key));
    const a = Object.entries(pki.resource.tls_locally_signed_cert as Record<string, any>).find(([k]) => k === 'location-a')![1];
    expect(a.allowed_uses).toEqual(uses);
  });
});

test('the cdktf context key federationSpec is honoured by main.ts (through CDKTF_CONTEXT_JSON)', () => {
  const { spawnSync } = require('child_process');
  const { mkdtempSync, writeFileSync, existsSync, rmSync } = require('fs');
  const { join } = require('path');
  const dir = mkdtempSync(join(require('os').tmpdir(), 'fpki-ctx-'));
  try {
    const spec = exampleCopy();
    spec.name = 'ctxfed';
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'main.ts'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, FEDERATION_SPEC: '', CDKTF_OUTDIR: join(dir, 'out'), CDKTF_CONTEXT_JSON: JSON.stringify({ federationSpec: join(dir, 'spec.json') }) },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'out', 'stacks', 'ctxfed-pki', 'cdk.tf.json'))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
