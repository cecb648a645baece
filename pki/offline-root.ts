/**
 * The offline root ceremony's cryptography: a self-signed federation root whose key is only ever stored
 * encrypted (PKCS#8, AES-256-CBC), and intermediates it signs with a path length constraint (which the
 * hashicorp/tls provider cannot set). Pure functions of their inputs and the clock; files are the CLI's business.
 */
import { createCipheriv, createPrivateKey, KeyObject, pbkdf2Sync, randomBytes } from 'crypto';
import * as forge from 'node-forge';
import { KeyAlgorithm } from '../model/key-algorithm';
import { Certificate } from './certificate';
import { generateKeyPair, toKeyObject, toSigningKey, webCryptoAlgorithm, x509 } from './x509';

/** Backdating of notBefore, so a machine whose clock is slightly behind still accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The cipher of the root key at rest. */
export const ROOT_KEY_CIPHER = 'aes-256-cbc';
/**
 * PBKDF2-HMAC-SHA256 iterations deriving the root key's encryption key from the passphrase: current guidance
 * (OWASP's password storage cheat sheet) is at least 600,000. OpenSSL's PKCS#8 default, and so Node's
 * `KeyObject.export({ cipher })`, is 2048, which a GPU tries passphrases against ~300 times faster.
 */
export const ROOT_KEY_PBKDF2_ITERATIONS = 600_000;

export interface RootOptions {
  /** Subject CN of the root. */
  readonly commonName: string;
  /** Subject O. @default none */
  readonly organization?: string;
  /** Validity in days. */
  readonly validityDays: number;
  readonly keyAlgorithm: KeyAlgorithm;
  /** @default now */
  readonly now?: Date;
}

export interface IssuedCa {
  /** The CA certificate, PEM (public). */
  readonly certPem: string;
  /** Its private key, in memory only: the caller decides how it is stored. */
  readonly privateKey: KeyObject;
}

/** A self-signed root CA: CA:TRUE (critical), keyCertSign + cRLSign (critical), subject key identifier. */
export async function createRoot(opts: RootOptions): Promise<IssuedCa> {
  const keys = await generateKeyPair(opts.keyAlgorithm);
  const now = opts.now ?? new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName(opts.commonName, opts.organization),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + opts.validityDays * DAY_MS),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: webCryptoAlgorithm(opts.keyAlgorithm).sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { certPem: cert.toString('pem').replace(/\r\n/g, '\n').trimEnd() + '\n', privateKey: await toKeyObject(keys.privateKey) };
}

export interface IntermediateOptions {
  /** The root certificate, PEM, and its (decrypted) key. */
  readonly root: IssuedCa;
  readonly commonName: string;
  /** Subject O. @default the root's O, if any */
  readonly organization?: string;
  readonly validityDays: number;
  /** basicConstraints pathLenConstraint: 0 lets the intermediate sign leaf certificates only. */
  readonly pathLength: number;
  readonly keyAlgorithm: KeyAlgorithm;
  /** @default now */
  readonly now?: Date;
}

/**
 * An intermediate CA signed by the root: CA:TRUE with pathLenConstraint (critical), keyCertSign + cRLSign +
 * digitalSignature (critical), subject and authority key identifiers; issuer bytes equal the root's subject.
 * Refuses a root whose key does not match it, and a validity past the root's end.
 */
export async function signIntermediate(opts: IntermediateOptions): Promise<IssuedCa> {
  const [rootCert] = Certificate.allFromPem(opts.root.certPem);
  if (!rootCert) throw new Error('the root certificate file holds no certificate');
  if (!rootCert.matchesKey(opts.root.privateKey)) throw new Error('the root key is not the key of the root certificate');
  if (!rootCert.isCa || !rootCert.keyCertSign) throw new Error('the root certificate is not a CA (CA:TRUE and keyCertSign)');
  const now = opts.now ?? new Date();
  const notAfter = new Date(now.getTime() + opts.validityDays * DAY_MS);
  if (notAfter > rootCert.notAfter) {
    throw new Error(`the intermediate would end ${notAfter.toISOString()}, after the root (${rootCert.notAfter.toISOString()}): shorten --days or renew the root`);
  }
  if (now < rootCert.notBefore || now >= rootCert.notAfter) throw new Error('the root is not valid now');
  const root = new x509.X509Certificate(opts.root.certPem);
  const signing = await toSigningKey(opts.root.privateKey);
  const keys = await generateKeyPair(opts.keyAlgorithm);
  const rootSki = root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const organization = opts.organization ?? root.subjectName.getField('O')[0];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(opts.commonName, organization),
    // The root's own encoded name, so the issuer matches its subject byte for byte (Go builds chains that way).
    issuer: root.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: keys.publicKey as never,
    signingKey: signing.key as never,
    signingAlgorithm: signing.sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      rootSki ? new x509.AuthorityKeyIdentifierExtension(rootSki) : await x509.AuthorityKeyIdentifierExtension.create(root.publicKey),
    ],
  });
  const certPem = cert.toString('pem').replace(/\r\n/g, '\n').trimEnd() + '\n';
  const [issued] = Certificate.allFromPem(certPem);
  if (!issued.isIssuedBy(rootCert)) throw new Error('internal: the signed intermediate does not verify against the root');
  return { certPem, privateKey: await toKeyObject(keys.privateKey) };
}

/**
 * The root key at rest: PKCS#8 encrypted with AES-256-CBC under `passphrase` (PBES2: PBKDF2-HMAC-SHA256 with
 * `iterations`, a 16-byte salt). Built here because Node's export fixes the iteration count at 2048; any
 * OpenSSL (and `decryptPrivateKey`) reads it.
 */
export function encryptPrivateKey(key: KeyObject, passphrase: string, iterations = ROOT_KEY_PBKDF2_ITERATIONS): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const derived = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv(ROOT_KEY_CIPHER, derived, iv);
  const encrypted = Buffer.concat([cipher.update(key.export({ type: 'pkcs8', format: 'der' })), cipher.final()]);
  const { asn1 } = forge;
  const seq = (...v: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, v);
  const oid = (o: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
  const octets = (b: Buffer) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, b.toString('binary'));
  const int = (n: number) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
  const nul = () => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
  const info = seq(
    seq(oid('1.2.840.113549.1.5.13'), seq( // PBES2
      seq(oid('1.2.840.113549.1.5.12'), seq(octets(salt), int(iterations), int(32), seq(oid('1.2.840.113549.2.9'), nul()))), // PBKDF2, hmacWithSHA256
      seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv)), // aes256-CBC
    )),
    octets(encrypted),
  );
  return forge.pem.encode({ type: 'ENCRYPTED PRIVATE KEY', body: asn1.toDer(info).getBytes() }).replace(/\r\n/g, '\n');
}

/** Decrypts an encrypted root key; a wrong passphrase fails without saying more. */
export function decryptPrivateKey(pem: string, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch {
    throw new Error('cannot decrypt the root key: wrong passphrase, or not an encrypted PKCS#8 key');
  }
}

/**
 * An intermediate's key as Terraform's tls provider and step-ca read it: unencrypted SEC1 (EC) or PKCS#1
 * (RSA) PEM. It lives on the deploy machine with mode 0600; only the root key is kept encrypted.
 */
export function exportIntermediateKey(key: KeyObject): string {
  return key.export({ type: key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs1', format: 'pem' }) as string;
}

function subjectName(cn: string, o?: string): x509.JsonName {
  return [{ CN: [cn] }, ...(o ? [{ O: [o] }] : [])];
}

/** 128 random bits, positive (RFC 5280: at most 20 octets, non-negative). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return b.toString('hex');
}
