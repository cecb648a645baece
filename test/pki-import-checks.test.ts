/**
 * Bring your own PKI, checked at synth: every check with a fixture that violates it. Fixtures are test
 * keys and certificates generated into a temporary project per test (nothing is committed).
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { KeyAlgorithm } from '../model/key-algorithm';
import { SpecError, SpecProblem } from '../model/problems';
import { resolveFederation } from '../model/resolve';
import { RULES, validateSpec } from '../model/validate';
import { encryptPrivateKey } from '../pki/offline-root';
import { PKI_RULES } from '../pki/rules';
import { createPrivateKey } from 'crypto';
import { exampleCopy } from './helpers';
import { EKU, intermediateCa, issue, KU, nodeCert, rootCa, TestCa, TestProject } from './pki-fixtures';

const B = 'location-b.semstreams.local';
const nodeOf = (spec: any, id: string) => spec.sites.flatMap((s: any) => s.nodes).find((n: any) => n.id === id);

let root: TestCa;
let intermediate: TestCa;
let nodeB: TestCa;
let foreignRoot: TestCa;
const projects: TestProject[] = [];

beforeAll(async () => {
  root = await rootCa();
  intermediate = await intermediateCa(root);
  nodeB = await nodeCert(intermediate, B);
  foreignRoot = await rootCa('Foreign root CA');
});
afterAll(() => projects.forEach((p) => p.remove()));

interface Scenario { readonly p: TestProject; readonly spec: any }

/** The baseline (imported root and intermediate; location-b brings its own certificate), changed by `mutate`. */
async function problemsOf(mutate: (s: Scenario) => unknown = () => undefined): Promise<SpecProblem[]> {
  const p = new TestProject();
  projects.push(p);
  const spec = exampleCopy();
  spec.ca.import = { rootCertFile: p.write('secrets/root.crt', root.certPem), intermediate: p.writePair('secrets/intermediate', intermediate) };
  nodeOf(spec, 'location-b').certificate = p.writePair('secrets/location-b', nodeB);
  await mutate({ p, spec });
  const structural = validateSpec(spec);
  if (structural.length > 0) return structural;
  try {
    resolveFederation(spec, { projectRoot: p.root });
    return [];
  } catch (e) {
    if (e instanceof SpecError) return [...e.problems];
    throw e;
  }
}

/** Exactly one problem, at this place, with this rule, its message starting with `code` and naming `file`. */
async function expectOne(mutate: (s: Scenario) => unknown, expected: { field: string; rule: string; code?: string; file?: string; node?: string; site?: string; message?: RegExp }) {
  const problems = await problemsOf(mutate);
  expect(problems).toHaveLength(1);
  const [p] = problems;
  expect(p.field).toBe(expected.field);
  expect(p.rule).toBe(expected.rule);
  // Every location-* node sits in the site of its name; the Loom node in location-a.
  if (expected.node) expect(p).toMatchObject({ node: expected.node, site: expected.site ?? expected.node });
  else expect(p.node).toBeUndefined();
  if (expected.code) expect(p.message.startsWith(`${expected.code}: `)).toBe(true);
  if (expected.file) expect(p.message).toContain(expected.file);
  if (expected.message) expect(p.message).toMatch(expected.message);
}

const overwrite = (file: string, text: string) => ({ p }: Scenario) => p.write(file, text);

test('the baseline is valid: imported root and intermediate, location-b with its own certificate', async () => {
  expect(await problemsOf()).toEqual([]);
});

describe('tls_cert_not_found', () => {
  test('a missing root certificate', () => expectOne(({ p }) => rmSync(join(p.root, 'secrets/root.crt')), { field: 'ca.import.rootCertFile', rule: PKI_RULES.certNotFound, code: 'tls_cert_not_found', file: 'secrets/root.crt' }));
  test('a root file that is not PEM', () => expectOne(overwrite('secrets/root.crt', 'not a certificate\n'), { field: 'ca.import.rootCertFile', rule: PKI_RULES.certNotFound, code: 'tls_cert_not_found', message: /no PEM certificate/ }));
  test('a CERTIFICATE block that does not parse', () => expectOne(overwrite('secrets/root.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), { field: 'ca.import.rootCertFile', rule: PKI_RULES.certNotFound, code: 'tls_cert_not_found' }));
  test('a missing node certificate', () => expectOne(({ spec }) => { nodeOf(spec, 'location-b').certificate.certFile = 'secrets/nope.crt'; },
    { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.certNotFound, code: 'tls_cert_not_found', file: 'secrets/nope.crt', message: /no such file/ }));
});

describe('tls_key_not_found', () => {
  test('a missing intermediate key', () => expectOne(({ spec }) => { spec.ca.import.intermediate.keyFile = 'secrets/gone.key'; },
    { field: 'ca.import.intermediate.keyFile', rule: PKI_RULES.keyNotFound, code: 'tls_key_not_found', file: 'secrets/gone.key' }));
  test('an encrypted key (Terraform reads it as is)', () => expectOne(overwrite('secrets/location-b.key', encryptPrivateKey(createPrivateKey(nodeB.keyPem), 'test passphrase 123')),
    { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.keyNotFound, code: 'tls_key_not_found', message: /encrypted/ }));
  test('a key file holding a certificate', () => expectOne(overwrite('secrets/location-b.key', nodeB.certPem),
    { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.keyNotFound, code: 'tls_key_not_found', message: /no PEM private key/ }));
});

describe('tls_cert_key_mismatch', () => {
  test('a node key that is not the certificate\'s', () => expectOne(overwrite('secrets/location-b.key', intermediate.keyPem),
    { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.keyMismatch, code: 'tls_cert_key_mismatch', file: 'secrets/location-b.key' }));
  test('an intermediate key that is not the intermediate\'s', () => expectOne(overwrite('secrets/intermediate.key', nodeB.keyPem),
    { field: 'ca.import.intermediate.keyFile', rule: PKI_RULES.keyMismatch, code: 'tls_cert_key_mismatch' }));
});

describe('CA flag and keyCertSign on a CA', () => {
  test('a root without CA:TRUE', async () => {
    const notCa = await issue({ cn: 'Not a CA', keyUsage: KU.keyCertSign, ca: false });
    await expectOne(overwrite('secrets/root.crt', notCa.certPem), { field: 'ca.import.rootCertFile', rule: PKI_RULES.caFlag, code: 'tls_unknown_authority', message: /basicConstraints CA:TRUE/ });
  });
  test('an intermediate without keyCertSign', async () => {
    const noSign = await intermediateCa(root, 'No keyCertSign', { keyUsage: KU.digitalSignature });
    await expectOne(({ p }) => p.writePair('secrets/intermediate', noSign), { field: 'ca.import.intermediate.certFile', rule: PKI_RULES.caFlag, message: /keyUsage keyCertSign/ });
  });
});

describe('tls_unknown_authority: the chain node -> intermediate -> root', () => {
  test('an intermediate signed by another root', async () => {
    const stray = await intermediateCa(foreignRoot);
    await expectOne(({ p }) => p.writePair('secrets/intermediate', stray), { field: 'ca.import.intermediate.certFile', rule: PKI_RULES.unknownAuthority, code: 'tls_unknown_authority', file: 'secrets/intermediate.crt' });
  });
  test('a node certificate from a foreign CA', async () => {
    const impostor = await nodeCert(foreignRoot, B);
    await expectOne(({ p }) => p.writePair('secrets/location-b', impostor), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.unknownAuthority, code: 'tls_unknown_authority' });
  });
  test('a chain longer than the intermediate\'s pathLenConstraint 0 allows', async () => {
    const sub = await intermediateCa(intermediate, 'Sub-intermediate');
    const leaf = await nodeCert(sub, B);
    await expectOne(({ p }) => {
      p.write('secrets/location-b.crt', leaf.certPem + sub.certPem);
      p.write('secrets/location-b.key', leaf.keyPem);
    }, { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.unknownAuthority, message: /allows 0 intermediates below it/ });
  });
  test('a chain through another intermediate of the same root, given in the file, verifies', async () => {
    const other = await intermediateCa(root, 'Other intermediate');
    const leaf = await nodeCert(other, B);
    expect(await problemsOf(({ p }) => {
      p.write('secrets/location-b.crt', leaf.certPem + other.certPem);
      p.write('secrets/location-b.key', leaf.keyPem);
    })).toEqual([]);
  });
});

describe('tls_hostname_mismatch: CN and SANs of a node certificate', () => {
  test('a CN that is not the node FQDN', async () => {
    const wrongCn = await nodeCert(intermediate, 'location-z.semstreams.local', { dns: [B] });
    await expectOne(({ p }) => p.writePair('secrets/location-b', wrongCn), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.hostname, code: 'tls_hostname_mismatch', message: /CN is "location-z/ });
  });
  test('SANs without the FQDN', async () => {
    const noSan = await nodeCert(intermediate, B, { dns: ['other.semstreams.local'] });
    await expectOne(({ p }) => p.writePair('secrets/location-b', noSan), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.hostname, message: /do not cover location-b\.semstreams\.local/ });
  });
  test('SANs without an extra name or IP the spec gives the node', () => expectOne(({ spec }) => { nodeOf(spec, 'location-b').sans = { dns: ['b.semstreams.local'], ip: ['10.0.0.2'] }; },
    { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.hostname, message: /do not cover b\.semstreams\.local, 10\.0\.0\.2/ }));
  test('a wildcard SAN covers an extra name; IPs match in any notation', async () => {
    const wide = await nodeCert(intermediate, B, { dns: [B, '*.semstreams.local'], ips: ['2001:db8::1'] });
    expect(await problemsOf(({ p, spec }) => {
      p.writePair('secrets/location-b', wide);
      nodeOf(spec, 'location-b').sans = { dns: ['b.semstreams.local'], ip: ['2001:0db8:0:0:0:0:0:1'] };
    })).toEqual([]);
  });
});

describe('tls_cert_expired: validity and the renewal window', () => {
  test('an expired node certificate', async () => {
    const old = await nodeCert(intermediate, B, { notBeforeDays: -100, notAfterDays: -10 });
    await expectOne(({ p }) => p.writePair('secrets/location-b', old), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.expired, code: 'tls_cert_expired', message: /expired on/ });
  });
  test('a node certificate not yet valid', async () => {
    const future = await nodeCert(intermediate, B, { notBeforeDays: 2, notAfterDays: 90 });
    await expectOne(({ p }) => p.writePair('secrets/location-b', future), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.expired, code: 'tls_cert_expired', message: /not valid before/ });
  });
  test('a node certificate inside the renewal window (ca.earlyRenewalDays)', async () => {
    const soon = await nodeCert(intermediate, B, { notAfterDays: 20 });
    await expectOne(({ p }) => p.writePair('secrets/location-b', soon), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.expired, code: 'tls_cert_expired', message: /inside the 30-day renewal window/ });
    // With a shorter window the same certificate is fine.
    expect(await problemsOf(({ p, spec }) => { p.writePair('secrets/location-b', soon); spec.ca.earlyRenewalDays = 10; })).toEqual([]);
  });
  test('an expired intermediate', async () => {
    const old = await intermediateCa(root, 'Old intermediate', { notBeforeDays: -400, notAfterDays: -1 });
    await expectOne(({ p }) => p.writePair('secrets/intermediate', old), { field: 'ca.import.intermediate.certFile', rule: PKI_RULES.caExpired, code: 'tls_cert_expired' });
  });
  test('a root that would expire before a certificate issued today (leafValidityDays)', async () => {
    const shortRoot = await rootCa('Short root', { notAfterDays: 60 });
    await expectOne(overwrite('secrets/root.crt', shortRoot.certPem), { field: 'ca.import.rootCertFile', rule: PKI_RULES.caExpired, code: 'tls_cert_expired', message: /before a 90-day certificate/ });
  });
});

describe('key strength: RSA >= 2048, EC >= 256', () => {
  test('a 1024-bit RSA node key', async () => {
    const weak = await nodeCert(intermediate, B, { keyAlgorithm: 'RSA_1024' });
    await expectOne(({ p }) => p.writePair('secrets/location-b', weak), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.keyStrength, message: /1024-bit RSA/ });
  });
  test('a P-224 node key (issued by openssl with the imported intermediate)', async () => {
    const ok = await problemsOf(({ p }) => {
      const run = (...args: string[]) => execFileSync('openssl', args, { cwd: join(p.root, 'secrets'), stdio: 'pipe' });
      run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-224', '-out', 'location-b.key');
      run('req', '-new', '-key', 'location-b.key', '-subj', `/CN=${B}`, '-out', 'b.csr');
      p.write('secrets/b.ext', `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:${B}\n`);
      run('x509', '-req', '-in', 'b.csr', '-CA', 'intermediate.crt', '-CAkey', 'intermediate.key', '-CAcreateserial', '-days', '80', '-extfile', 'b.ext', '-out', 'location-b.crt');
    });
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.keyStrength });
    expect(ok[0].message).toMatch(/ECDSA key on secp224r1/);
  });
  test('a 1024-bit RSA root', async () => {
    const weakRoot = await rootCa('Weak root', { keyAlgorithm: 'RSA_1024' });
    await expectOne(overwrite('secrets/root.crt', weakRoot.certPem), { field: 'ca.import.rootCertFile', rule: PKI_RULES.keyStrength });
  });
  test('RSA 2048 and P-384 are strong enough', async () => {
    const rsa = await nodeCert(intermediate, B, { keyAlgorithm: KeyAlgorithm.RSA_2048 });
    expect(await problemsOf(({ p }) => p.writePair('secrets/location-b', rsa))).toEqual([]);
    const p384 = await nodeCert(intermediate, B, { keyAlgorithm: KeyAlgorithm.ECDSA_P384 });
    expect(await problemsOf(({ p }) => p.writePair('secrets/location-b', p384))).toEqual([]);
  });
});

describe('a node certificate fits its role', () => {
  test('no CA flag on a node certificate', async () => {
    const ca = await nodeCert(intermediate, B, { ca: true, keyUsage: KU.digitalSignature | KU.keyCertSign });
    await expectOne(({ p }) => p.writePair('secrets/location-b', ca), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.leafNotCa });
  });
  test('location-b serves and dials with mTLS: clientAuth alone is not enough', async () => {
    const clientOnly = await nodeCert(intermediate, B, { eku: [EKU.clientAuth] });
    await expectOne(({ p }) => p.writePair('secrets/location-b', clientOnly), { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.extendedKeyUsage, message: /serverAuth/ });
  });
});

describe('files lie inside the project', () => {
  test('a path leaving the project is refused by name', () => expectOne(({ spec }) => { spec.ca.import.rootCertFile = '../elsewhere/root.crt'; },
    { field: 'ca.import.rootCertFile', rule: PKI_RULES.inProject, message: /outside the project root/ }));
  test('an absolute path inside the project is accepted (and used relative to it)', async () => {
    expect(await problemsOf(({ p, spec }) => { spec.ca.import.rootCertFile = join(p.root, 'secrets/root.crt'); })).toEqual([]);
  });
  test('a symlink inside the project to a file outside it is outside (synth opened /etc/shadow so)', () => expectOne(({ p }) => {
    rmSync(join(p.root, 'secrets/location-b.key'));
    symlinkSync('/etc/shadow', join(p.root, 'secrets/location-b.key'));
  }, { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.inProject, message: /\/etc\/shadow is outside the project root/ }));
  test('a symlinked folder leading out of the project is outside too', () => expectOne(({ p, spec }) => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'fpki-elsewhere-'));
    writeFileSync(join(elsewhere, 'root.crt'), root.certPem);
    symlinkSync(elsewhere, join(p.root, 'linked'));
    spec.ca.import.rootCertFile = 'linked/root.crt';
  }, { field: 'ca.import.rootCertFile', rule: PKI_RULES.inProject, message: /outside the project root/ }));
  test('a symlink that stays inside the project is followed', async () => {
    expect(await problemsOf(({ p, spec }) => {
      symlinkSync(join(p.root, 'secrets/root.crt'), join(p.root, 'root-link.crt'));
      spec.ca.import.rootCertFile = 'root-link.crt';
    })).toEqual([]);
  });
});

describe('only regular files are read', () => {
  test('a FIFO is refused at once (it blocked synth forever)', () => expectOne(({ p }) => {
    rmSync(join(p.root, 'secrets/location-b.crt'));
    execFileSync('mkfifo', [join(p.root, 'secrets/location-b.crt')]);
  }, { node: 'location-b', field: 'certificate.certFile', rule: PKI_RULES.certNotFound, message: /not a regular file \(a FIFO\)/ }));
  test('a directory is refused', () => expectOne(({ p }) => {
    rmSync(join(p.root, 'secrets/location-b.key'));
    mkdirSync(join(p.root, 'secrets/location-b.key'));
  }, { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.keyNotFound, message: /not a regular file \(a directory\)/ }));
  test('a symlink to /dev/zero is refused (as outside the project, before anything reads it)', () => expectOne(({ p }) => {
    rmSync(join(p.root, 'secrets/location-b.key'));
    symlinkSync('/dev/zero', join(p.root, 'secrets/location-b.key'));
  }, { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.inProject }));
});

describe('who may bring a certificate, and who signs', () => {
  test('a node certificate needs ca.import', () => expectOne(({ spec }) => { delete spec.ca.import; },
    { node: 'location-b', field: 'certificate', rule: PKI_RULES.needsImportedRoot }));
  test('a node that uses no federation certificate takes none', () => expectOne(({ p, spec }) => {
    nodeOf(spec, 'loom').gateway = { enabled: false };
    nodeOf(spec, 'loom').tls = { mode: 'self-signed' };
    nodeOf(spec, 'loom').certificate = p.writePair('secrets/loom', nodeB);
  }, { node: 'loom', site: 'location-a', field: 'certificate', rule: PKI_RULES.certificateUnused }));
  test('without an imported intermediate, every other node needing a certificate is named', async () => {
    const problems = await problemsOf(({ p, spec }) => {
      delete spec.ca.import.intermediate;
      // location-b's file carries its chain now that the intermediate is not imported.
      p.write('secrets/location-b.crt', nodeB.certPem + intermediate.certPem);
    });
    expect(problems.map((p) => [p.node, p.field, p.rule])).toEqual(['location-a', 'loom', 'location-c'].map((n) => [n, 'certificate', PKI_RULES.needsSigner]));
  });
  test('tier acme with ca.import needs an intermediate for step-ca', async () => {
    const problems = await problemsOf(({ spec }) => {
      delete spec.ca.import.intermediate;
      spec.tier = 'acme';
      spec.stepCa = { site: 'location-a' };
      spec.acme = { email: 'ops@semstreams.local' };
      nodeOf(spec, 'loom').gateway = { enabled: false };
      nodeOf(spec, 'loom').tls = { mode: 'letsencrypt', letsencrypt: { acceptTos: true } };
    });
    expect(problems).toContainEqual(expect.objectContaining({ field: 'ca.import.stepCaIntermediate', rule: PKI_RULES.stepCaSigner }));
  });
});

describe('shape of the fields (validateSpec)', () => {
  test('ca.import needs rootCertFile', () => expectOne(({ spec }) => { delete spec.ca.import.rootCertFile; }, { field: 'ca.import.rootCertFile', rule: PKI_RULES.importShape }));
  test('a misspelled field is refused', () => expectOne(({ spec }) => { spec.ca.import.intermediate.keyfile = 'x'; },
    { field: 'ca.import.intermediate.keyfile', rule: RULES.unknownField }));
  test('a node certificate is a map with certFile and keyFile', () => expectOne(({ spec }) => { nodeOf(spec, 'location-b').certificate = 'secrets/b.crt'; },
    { node: 'location-b', field: 'certificate', rule: PKI_RULES.importShape }));
  test('a path that would need escaping in a Terraform expression is refused', () => expectOne(({ spec }) => { nodeOf(spec, 'location-b').certificate.keyFile = 'secrets/${x}.key'; },
    { node: 'location-b', field: 'certificate.keyFile', rule: PKI_RULES.importShape }));
});
