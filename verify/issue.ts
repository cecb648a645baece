/**
 * Issues the impostor `verify` needs to show that a server refuses certificates from another CA: a
 * throw-away root and a client certificate it signs, with a CN the server would admit. In memory only;
 * keys come from Node's native RSA generator, certificates from node-forge.
 */
import { generateKeyPairSync, randomBytes } from 'crypto';
import * as forge from 'node-forge';

/** A certificate and its key, PEM. */
export interface IssuedIdentity {
  readonly cert: string;
  readonly key: string;
}

const HOUR_MS = 3_600_000;

/** A client certificate for `commonName` (EKU clientAuth, valid for a day) signed by a fresh root no federation trusts. */
export function issueForeignClient(commonName: string): IssuedIdentity & { readonly caCert: string } {
  const ca = rsaKeys();
  const caCert = certificate({
    subject: [{ name: 'commonName', value: 'federation-pki verify: foreign CA' }],
    issuer: [{ name: 'commonName', value: 'federation-pki verify: foreign CA' }],
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = rsaKeys();
  const leafCert = certificate({
    subject: [{ name: 'commonName', value: commonName }],
    issuer: caCert.subject.attributes,
    publicKey: leaf.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { cert: forge.pki.certificateToPem(leafCert), key: leaf.privateKeyPem, caCert: forge.pki.certificateToPem(caCert) };
}

function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    privateKeyPem: privateKey,
  };
}

function certificate(o: {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  publicKey: forge.pki.rsa.PublicKey;
  signingKey: forge.pki.rsa.PrivateKey;
  extensions: object[];
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = o.publicKey;
  // A positive serial: first byte's top bit clear.
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - HOUR_MS);
  cert.validity.notAfter = new Date(Date.now() + 24 * HOUR_MS);
  cert.setSubject(o.subject);
  cert.setIssuer(o.issuer);
  cert.setExtensions(o.extensions);
  cert.sign(o.signingKey, forge.md.sha256.create());
  return cert;
}
