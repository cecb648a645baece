/**
 * Bring your own PKI, synthesized: the pki stack signs with an imported intermediate whose key Terraform
 * reads at apply time, nodes upload their own certificates from files, cdktf.out holds no key and no machine
 * path; and a root rotation (both roots trusted, then the old one dropped), shown in a real TLS handshake.
 */
import { homedir, tmpdir } from 'os';
import { join } from 'path';
import * as tls from 'tls';
import { loadSpecFile } from '../model/load';
import { SpecError } from '../model/problems';
import { PKI_RULES } from '../pki/rules';
import { exampleCopy, uploadsOf } from './helpers';
import { intermediateCa, nodeCert, rootCa, synthIn, TestCa, TestProject } from './pki-fixtures';
import { close, dial, portOf, startAllowListServer } from './tls-helpers';
import { stringify } from 'yaml';

const B = 'location-b.semstreams.local';
const C = 'location-c.semstreams.local';
const nodeOf = (spec: any, id: string) => spec.sites.flatMap((s: any) => s.nodes).find((n: any) => n.id === id);
const resources = (stack: any, type: string): [string, any][] => Object.entries(stack.resource?.[type] ?? {});
/** The base64 body of a PEM, the part that would leak. */
const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');

let root: TestCa;
let intermediate: TestCa;
let nodeB: TestCa;
const projects: TestProject[] = [];
const project = () => { const p = new TestProject(); projects.push(p); return p; };

beforeAll(async () => {
  root = await rootCa('Federation root (test)');
  intermediate = await intermediateCa(root, 'Federation intermediate (test)');
  nodeB = await nodeCert(intermediate, B);
});
afterAll(() => projects.forEach((p) => p.remove()));

/** The manual example with ca.import and location-b's own certificate, written into a fresh project. */
function importedSpec(p: TestProject): any {
  const spec = exampleCopy();
  spec.ca.import = { rootCertFile: p.write('secrets/root.crt', root.certPem), intermediate: p.writePair('secrets/intermediate', intermediate) };
  nodeOf(spec, 'location-b').certificate = p.writePair('secrets/location-b', nodeB);
  return spec;
}

describe('synth with ca.import and a node\'s own certificate', () => {
  let p: TestProject;
  let out: ReturnType<typeof synthIn>;
  beforeAll(() => {
    p = project();
    out = synthIn(importedSpec(p), p.root);
  });

  test('the pki stack generates no root and signs with the intermediate, its key read at apply time', () => {
    const pki = out.stacks.get('semstreams-pki');
    expect(resources(pki, 'tls_self_signed_cert')).toEqual([]);
    const keyFiles = Object.values(pki.data.local_sensitive_file) as any[];
    expect(keyFiles.map((d) => d.filename)).toEqual(['../../../secrets/intermediate.key']);
    expect(pki.provider.local).toBeDefined();
    const signed = resources(pki, 'tls_locally_signed_cert');
    expect(signed.map(([k]) => k).sort()).toEqual(['canary', 'location-a', 'location-c', 'loom']);
    for (const [, cert] of signed) {
      expect(cert.ca_cert_pem).toBe(intermediate.certPem);
      expect(cert.ca_private_key_pem).toMatch(/^\$\{data\.local_sensitive_file\.imported-intermediate\.content\}$/);
    }
    expect(pki.output.federation_ca_pem.value).toBe(root.certPem);
    expect(pki.output.node_location_b.value).toMatchObject({ cn: B, imported: true, eku: ['serverAuth', 'clientAuth'] });
  });

  test('a certificate the intermediate signs travels with the intermediate; the CA file is the imported root', () => {
    const a = uploadsOf(out.stacks.get('semstreams-location-a'), 'location-a');
    expect(a.get('/certs/location-a-cert.pem')!.content).toMatch(/^\$\{data\.terraform_remote_state\.[^}]+cert_pem\}-----BEGIN CERTIFICATE-----/);
    expect(a.get('/certs/location-a-cert.pem')!.content.endsWith(intermediate.certPem)).toBe(true);
    expect(a.get('/certs/federation-ca.pem')!.content).toBe(root.certPem);
  });

  test('location-b uploads its own chain, and its key from the file (source + source_hash), not its text', () => {
    const b = uploadsOf(out.stacks.get('semstreams-location-b'), 'location-b');
    expect(b.get('/certs/location-b-cert.pem')!.content).toBe(nodeB.certPem + intermediate.certPem);
    expect(b.get('/certs/location-b-key.pem')).toEqual({
      file: '/certs/location-b-key.pem', permissions: '0600',
      source: '../../../secrets/location-b.key', source_hash: '${filesha256("../../../secrets/location-b.key")}',
    });
  });

  test('cdktf.out holds no private key and no machine path', () => {
    const forbidden = [p.root, tmpdir(), homedir(), process.cwd()];
    for (const [file, text] of out.files) {
      expect({ file, privateKey: /PRIVATE KEY/.test(text) }).toEqual({ file, privateKey: false });
      for (const path of forbidden) expect({ file, path, found: text.includes(path) }).toEqual({ file, path, found: false });
      for (const key of [intermediate.keyPem, nodeB.keyPem]) expect(text.includes(body(key).slice(0, 40))).toBe(false);
    }
  });
});

describe('a spec file names files relative to itself', () => {
  test('loadSpecFile rebases them to the project; Terraform reaches them from the stack directory', () => {
    const p = project();
    const spec = importedSpec(p);
    // The spec lives in specs/, so its paths climb one level.
    spec.ca.import = { rootCertFile: '../secrets/root.crt', intermediate: { certFile: '../secrets/intermediate.crt', keyFile: '../secrets/intermediate.key' } };
    nodeOf(spec, 'location-b').certificate = { certFile: '../secrets/location-b.crt', keyFile: '../secrets/location-b.key' };
    p.write('specs/fed.yaml', stringify(spec));
    const loaded: any = loadSpecFile(join(p.root, 'specs/fed.yaml'), { projectRoot: p.root });
    expect(loaded.ca.import.intermediate).toEqual({ certFile: 'secrets/intermediate.crt', keyFile: 'secrets/intermediate.key' });
    const out = synthIn(loaded, p.root);
    expect((uploadsOf(out.stacks.get('semstreams-location-b'), 'location-b').get('/certs/location-b-key.pem') as any).source).toBe('../../../secrets/location-b.key');
  });

  test('a spec-relative path that leaves the project is refused, naming the field', () => {
    const p = project();
    const spec = importedSpec(p);
    spec.ca.import.rootCertFile = '../root.crt';
    p.write('fed.yaml', stringify(spec));
    const loaded = loadSpecFile(join(p.root, 'fed.yaml'), { projectRoot: p.root });
    expect(() => synthIn(loaded, p.root)).toThrow(SpecError);
    try {
      synthIn(loaded, p.root);
    } catch (e) {
      expect((e as SpecError).problems).toEqual([expect.objectContaining({ field: 'ca.import.rootCertFile', rule: PKI_RULES.inProject })]);
    }
  });
});

describe('root rotation: both roots trusted during the window, then the old one dropped', () => {
  let oldRoot: TestCa;
  let oldIntermediate: TestCa;
  let nodeCOld: TestCa;
  let nodeCNew: TestCa;
  beforeAll(async () => {
    oldRoot = await rootCa('Old federation root (test)');
    oldIntermediate = await intermediateCa(oldRoot, 'Old intermediate (test)');
    nodeCOld = await nodeCert(oldIntermediate, C);
    nodeCNew = await nodeCert(intermediate, C);
  });

  /** The acme example with the new root imported; `rotating` adds the old root and location-c still on it. */
  function rotationSpec(p: TestProject, rotating: boolean): any {
    const spec: any = loadSpecFile('examples/three-locations-acme.yaml');
    spec.ca = {
      ...(spec.ca ?? {}),
      import: {
        rootCertFile: p.write('secrets/root.crt', root.certPem),
        intermediate: p.writePair('secrets/intermediate', intermediate),
        ...(rotating ? { previousRootCertFile: p.write('secrets/old-root.crt', oldRoot.certPem) } : {}),
      },
    };
    nodeOf(spec, 'location-b').certificate = p.writePair('secrets/location-b', nodeB);
    const c = rotating ? nodeCOld : nodeCNew;
    nodeOf(spec, 'location-c').certificate = {
      certFile: p.write('secrets/location-c.crt', c.certPem + (rotating ? oldIntermediate : intermediate).certPem),
      keyFile: p.write('secrets/location-c.key', c.keyPem),
    };
    return spec;
  }

  const configOf = (out: ReturnType<typeof synthIn>, site: string, node: string) =>
    JSON.parse(uploadsOf(out.stacks.get(`semstreams-${site}`), node).get('/etc/semstreams/config.json')!.content);
  const stepCaOf = (out: ReturnType<typeof synthIn>) => {
    const container: any = Object.values(out.stacks.get('semstreams-step-ca').resource.docker_container)[0];
    const uploads = new Map<string, any>(container.upload.map((u: any) => [u.file, u]));
    return { uploads, config: JSON.parse(uploads.get('/home/step/config/ca.json').content) };
  };
  /** The PEM a server or client loads from a list of CA files: their uploaded contents, concatenated. */
  const trusted = (out: ReturnType<typeof synthIn>, site: string, node: string, files: string[]) =>
    files.map((f) => uploadsOf(out.stacks.get(`semstreams-${site}`), node).get(f)!.content).join('');

  test('during the window every trust list carries both roots', () => {
    const p = project();
    const out = synthIn(rotationSpec(p, true), p.root);
    const both = ['/certs/federation-ca.pem', '/certs/federation-ca-previous.pem'];
    expect(configOf(out, 'location-a', 'location-a').security.tls.server.mtls.client_ca_files).toEqual(both);
    expect(configOf(out, 'location-b', 'location-b').security.tls.server.mtls.client_ca_files).toEqual(both);
    expect(configOf(out, 'location-b', 'location-b').security.tls.client.ca_files).toEqual(both);
    expect(configOf(out, 'location-c', 'location-c').security.tls.client.ca_files).toEqual(both);
    const b = uploadsOf(out.stacks.get('semstreams-location-b'), 'location-b');
    expect(b.get('/certs/federation-ca.pem')!.content).toBe(root.certPem);
    expect(b.get('/certs/federation-ca-previous.pem')).toEqual({ file: '/certs/federation-ca-previous.pem', content: oldRoot.certPem, permissions: '0644' });
    // Loom has one ca_file: it holds both roots.
    expect(uploadsOf(out.stacks.get('semstreams-location-a'), 'loom', 'mtls-gateway').get('/usr/local/etc/haproxy/certs/federation-ca.pem')!.content).toBe(root.certPem + oldRoot.certPem);
    const stepCa = stepCaOf(out);
    expect(stepCa.config.federatedRoots).toEqual(['/home/step/certs/previous_root_ca.crt']);
    expect(stepCa.uploads.get('/home/step/certs/previous_root_ca.crt').content).toBe(oldRoot.certPem);
    expect(stepCa.uploads.get('/home/step/certs/root_ca.crt').content).toBe(root.certPem);
    expect(out.stacks.get('semstreams-pki').output.federation_trust_bundle_pem.value).toBe(root.certPem + oldRoot.certPem);
  });

  test('after dropping the old root, only the new one is trusted anywhere', () => {
    const p = project();
    const out = synthIn(rotationSpec(p, false), p.root);
    for (const [site, node] of [['location-a', 'location-a'], ['location-b', 'location-b']]) {
      expect(configOf(out, site, node).security.tls.server.mtls.client_ca_files).toEqual(['/certs/federation-ca.pem']);
    }
    expect(configOf(out, 'location-c', 'location-c').security.tls.client.ca_files).toEqual(['/certs/federation-ca.pem']);
    for (const [file, text] of out.files) expect({ file, old: text.includes(body(oldRoot.certPem).slice(0, 60)) }).toEqual({ file, old: false });
    expect([...uploadsOf(out.stacks.get('semstreams-location-b'), 'location-b').keys()]).not.toContain('/certs/federation-ca-previous.pem');
    expect(uploadsOf(out.stacks.get('semstreams-location-a'), 'loom', 'mtls-gateway').get('/usr/local/etc/haproxy/certs/federation-ca.pem')!.content).toBe(root.certPem);
    expect(stepCaOf(out).config).not.toHaveProperty('federatedRoots');
    expect(out.stacks.get('semstreams-pki').output).not.toHaveProperty('federation_trust_bundle_pem');
  });

  test('a certificate still under the old root is accepted only during the window', () => {
    const p = project();
    const spec = rotationSpec(p, true);
    delete spec.ca.import.previousRootCertFile;
    expect(() => synthIn(spec, p.root)).toThrow(/location-c.*tls_unknown_authority/s);
  });

  test('real TLS with the rendered trust lists: location-c on the old root is admitted during the window, refused after', async () => {
    const p = project();
    const during = synthIn(rotationSpec(p, true), p.root);
    const bConfig = configOf(during, 'location-b', 'location-b');
    const bUploads = uploadsOf(during.stacks.get('semstreams-location-b'), 'location-b');
    const serverIdentity = { cert: bUploads.get('/certs/location-b-cert.pem')!.content, key: nodeB.keyPem };
    const serve = (ca: string) => startAllowListServer(serverIdentity, ca, bConfig.security.tls.server.mtls.allowed_client_cns);
    const cUploads = uploadsOf(during.stacks.get('semstreams-location-c'), 'location-c');
    const oldClient = { cert: cUploads.get('/certs/location-c-cert.pem')!.content, key: nodeCOld.keyPem };
    const cTrust = trusted(during, 'location-c', 'location-c', configOf(during, 'location-c', 'location-c').security.tls.client.ca_files);

    const windowServer: tls.Server = await serve(trusted(during, 'location-b', 'location-b', bConfig.security.tls.server.mtls.client_ca_files));
    try {
      expect(await dial(portOf(windowServer), B, cTrust, oldClient)).toBe('admitted\n');
    } finally {
      await close(windowServer);
    }

    const q = project();
    const after = synthIn(rotationSpec(q, false), q.root);
    const afterServer: tls.Server = await serve(trusted(after, 'location-b', 'location-b', configOf(after, 'location-b', 'location-b').security.tls.server.mtls.client_ca_files));
    try {
      expect(await dial(portOf(afterServer), B, root.certPem, oldClient)).not.toBe('admitted\n');
      const newC = uploadsOf(after.stacks.get('semstreams-location-c'), 'location-c').get('/certs/location-c-cert.pem')!.content;
      expect(await dial(portOf(afterServer), B, root.certPem, { cert: newC, key: nodeCNew.keyPem })).toBe('admitted\n');
    } finally {
      await close(afterServer);
    }
  });
});
