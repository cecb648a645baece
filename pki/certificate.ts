/**
 * A parsed X.509 certificate with the facts the synth checks read: @peculiar/x509 for extensions, Node's
 * crypto (OpenSSL) for signatures, public keys and names.
 */
import { KeyObject, X509Certificate as NodeX509Certificate, createPublicKey } from 'crypto';
import { pemBlocks, toPem } from './pem';
import { x509 } from './x509';

export class Certificate {
  /** Every certificate in a PEM text, in order; throws when a CERTIFICATE block does not parse. */
  public static allFromPem(text: string): Certificate[] {
    return pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => new Certificate(b.der));
  }

  /** Normalized PEM (public). */
  public readonly pem: string;
  public readonly subjectCn: string | undefined;
  public readonly subject: string;
  public readonly notBefore: Date;
  public readonly notAfter: Date;
  /** basicConstraints CA:TRUE. */
  public readonly isCa: boolean;
  /** basicConstraints pathLenConstraint, when set. */
  public readonly pathLength?: number;
  /** Whether a keyUsage extension is present, and whether it allows keyCertSign. */
  public readonly hasKeyUsage: boolean;
  public readonly keyCertSign: boolean;
  /** Extended key usage OIDs; undefined when the extension is absent (any usage). */
  public readonly extendedKeyUsages?: readonly string[];
  public readonly dnsNames: readonly string[];
  public readonly ipAddresses: readonly string[];
  public readonly publicKey: KeyObject;
  private readonly node: NodeX509Certificate;
  private readonly spki: Buffer;
  private readonly rawSubject: Buffer;
  private readonly rawIssuer: Buffer;

  private constructor(public readonly der: Buffer) {
    const c = new x509.X509Certificate(der);
    this.node = new NodeX509Certificate(der);
    this.pem = toPem('CERTIFICATE', der);
    this.subject = c.subject;
    this.subjectCn = c.subjectName.getField('CN')[0];
    this.notBefore = c.notBefore;
    this.notAfter = c.notAfter;
    const bc = c.getExtension(x509.BasicConstraintsExtension);
    this.isCa = bc?.ca === true;
    if (bc?.pathLength !== undefined) this.pathLength = bc.pathLength;
    const ku = c.getExtension(x509.KeyUsagesExtension);
    this.hasKeyUsage = ku !== null;
    this.keyCertSign = ku !== null && (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
    const eku = c.getExtension(x509.ExtendedKeyUsageExtension);
    if (eku) this.extendedKeyUsages = Array.from(eku.usages, String);
    const san = c.getExtension(x509.SubjectAlternativeNameExtension);
    const names = san?.names.items ?? [];
    this.dnsNames = names.filter((n) => n.type === 'dns').map((n) => n.value);
    this.ipAddresses = names.filter((n) => n.type === 'ip').map((n) => n.value);
    this.spki = Buffer.from(c.publicKey.rawData);
    this.publicKey = createPublicKey({ key: this.spki, format: 'der', type: 'spki' });
    this.rawSubject = Buffer.from(c.subjectName.toArrayBuffer());
    this.rawIssuer = Buffer.from(c.issuerName.toArrayBuffer());
  }

  /** Whether `key` is the private half of this certificate's public key. */
  public matchesKey(key: KeyObject): boolean {
    return createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(this.spki);
  }

  /**
   * Whether `issuer` signed this certificate: its subject is byte-for-byte this certificate's issuer (as Go's
   * chain building requires) and its key verifies the signature.
   */
  public isIssuedBy(issuer: Certificate): boolean {
    return this.rawIssuer.equals(issuer.rawSubject) && this.node.verify(issuer.publicKey);
  }

  public get isSelfSigned(): boolean {
    return this.isIssuedBy(this);
  }

  public equals(other: Certificate): boolean {
    return this.der.equals(other.der);
  }

  /** SHA-256 fingerprint, `AB:CD:...`. */
  public get fingerprint256(): string {
    return this.node.fingerprint256;
  }
}
