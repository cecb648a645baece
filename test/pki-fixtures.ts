/**
 * Test PKI generated at test time (nothing committed): roots, intermediates and node certificates with
 * every property the synth checks look at under the test's control, written into a temporary project.
 */
import { createPrivateKey, webcrypto } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { FederationSpec } from '../model/spec';
import { toKeyObject, webCryptoAlgorithm, x509 } from '../pki/x509';
import { KeyAlgorithm } from '../model/key-algorithm';
import { synth, Synthesized } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
export const KU = x509.KeyUsageFlags;
export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

export interface TestCa {
  readonly certPem: string;
  /** Unencrypted PKCS#8 PEM (a test key). */
  readonly keyPem: string;
  readonly cert: x509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
}

export interface IssueOptions {
  readonly cn: string;
  /** Signer; self-signed when absent. */
  readonly issuer?: TestCa;
  /** @default ECDSA_P256 */
  readonly keyAlgorithm?: KeyAlgorithm | 'RSA_1024';
  /** basicConstraints: omitted when undefined. */
  readonly ca?: boolean;
  readonly pathLength?: number;
  /** keyUsage flags; omitted when undefined. */
  readonly keyUsage?: number;
  readonly eku?: readonly string[];
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  /** Days from now; negative for the past. @default -1 */
  readonly notBeforeDays?: number;
  /** @default 365 */
  readonly notAfterDays?: number;
}

/** Issues a certificate exactly as told (no sanity checks: fixtures violate rules on purpose). */
export async function issue(o: IssueOptions): Promise<TestCa> {
  const gen = o.keyAlgorithm === 'RSA_1024'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : webCryptoAlgorithm(o.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256).generate;
  const keys = await webcrypto.subtle.generateKey(gen, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const signer = o.issuer?.keys ?? keys;
  const signAlg = signer.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
  const ext: x509.Extension[] = [];
  if (o.ca !== undefined) ext.push(new x509.BasicConstraintsExtension(o.ca, o.pathLength, true));
  if (o.keyUsage !== undefined) ext.push(new x509.KeyUsagesExtension(o.keyUsage, true));
  if (o.eku) ext.push(new x509.ExtendedKeyUsageExtension([...o.eku]));
  const names = [...(o.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) ext.push(new x509.SubjectAlternativeNameExtension(names));
  ext.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never));
  const now = Date.now();
  const common = {
    notBefore: new Date(now + (o.notBeforeDays ?? -1) * DAY),
    notAfter: new Date(now + (o.notAfterDays ?? 365) * DAY),
    signingAlgorithm: signAlg,
    extensions: ext,
  };
  const cert = o.issuer
    ? await x509.X509CertificateGenerator.create({
      ...common, subject: `CN=${o.cn}`, issuer: o.issuer.cert.subjectName, publicKey: keys.publicKey as never, signingKey: signer.privateKey as never,
    })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: `CN=${o.cn}`, keys: keys as never });
  const keyPem = (await toKeyObject(keys.privateKey)).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { certPem: cert.toString('pem').replace(/\r\n/g, '\n') + '\n', keyPem, cert, keys };
}

export const rootCa = (cn = 'Test root CA', o: Partial<IssueOptions> = {}) =>
  issue({ cn, ca: true, keyUsage: KU.keyCertSign | KU.cRLSign, notAfterDays: 3650, ...o });

export const intermediateCa = (issuer: TestCa, cn = 'Test intermediate CA', o: Partial<IssueOptions> = {}) =>
  issue({ cn, issuer, ca: true, pathLength: 0, keyUsage: KU.keyCertSign | KU.cRLSign | KU.digitalSignature, notAfterDays: 365, ...o });

/** A node certificate for `fqdn` with the roles of a serving and dialing SemStreams hub. */
export const nodeCert = (issuer: TestCa, fqdn: string, o: Partial<IssueOptions> = {}) =>
  issue({ cn: fqdn, issuer, ca: false, keyUsage: KU.digitalSignature, eku: [EKU.serverAuth, EKU.clientAuth], dns: [fqdn], notAfterDays: 90, ...o });

/** A temporary project directory that test PKI files are written into (removed with `remove`). */
export class TestProject {
  public readonly root = mkdtempSync(join(tmpdir(), 'fpki-byo-'));

  /** Writes `text` at `rel` (a test key or certificate) and returns `rel`. */
  public write(rel: string, text: string): string {
    mkdirSync(dirname(join(this.root, rel)), { recursive: true });
    writeFileSync(join(this.root, rel), text, { mode: 0o600 });
    return rel;
  }

  /** Writes a CA's certificate and key as `<name>.crt` / `<name>.key`. */
  public writePair(name: string, ca: TestCa): { certFile: string; keyFile: string } {
    return { certFile: this.write(`${name}.crt`, ca.certPem), keyFile: this.write(`${name}.key`, ca.keyPem) };
  }

  public remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Synthesizes `spec` with `projectRoot` into a temporary outdir; every file cdktf wrote, and parsed stacks. */
export function synthIn(spec: FederationSpec, projectRoot: string): Synthesized {
  return synth(spec, { projectRoot });
}

/** Whether a PEM key text is valid (used to double-check fixtures). */
export function isKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
