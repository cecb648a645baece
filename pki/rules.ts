/**
 * The rules imported certificates and keys are checked against at synth. Where a rule has a Loom reference
 * error code (the failure the running service would report), messages start with it.
 */
export type TlsErrorCode =
  | 'tls_cert_not_found'
  | 'tls_key_not_found'
  | 'tls_cert_key_mismatch'
  | 'tls_cert_expired'
  | 'tls_unknown_authority'
  | 'tls_hostname_mismatch';

export const PKI_RULES = {
  certNotFound: 'Loom reference, ERR_TLS_CERT_NOT_FOUND: the certificate file exists and holds a PEM certificate',
  keyNotFound: 'Loom reference, ERR_TLS_KEY_NOT_FOUND: the key file exists and holds one unencrypted PEM private key',
  keyMismatch: 'Loom reference, ERR_TLS_CERT_KEY_MISMATCH: the private key is the one of the certificate\'s public key',
  expired: 'Loom reference, ERR_TLS_CERT_EXPIRED: a node certificate is valid now and not inside its renewal window (ca.earlyRenewalDays)',
  caExpired: 'Loom reference, ERR_TLS_CERT_EXPIRED: a CA is valid now and stays valid for leafValidityDays (a certificate it signs must not outlive it); a previous root is valid now',
  unknownAuthority: 'Loom reference, ERR_TLS_UNKNOWN_AUTHORITY: the chain verifies up to the federation root (node -> intermediate -> root)',
  caFlag: 'a CA certificate has basicConstraints CA:TRUE and keyUsage keyCertSign, and a path length that admits the chain below it (else peers report tls_unknown_authority)',
  leafNotCa: 'a node certificate is not a CA (SemStreams guide: no CA flag on server and client certificates)',
  hostname: 'Loom reference, ERR_TLS_HOSTNAME_MISMATCH: a node certificate\'s CN is its FQDN (SemStreams allow-lists match CNs exactly) and its SANs cover the FQDN and every sans entry',
  extendedKeyUsage: 'a node certificate\'s extended key usage covers its role: serverAuth where it serves, clientAuth where it dials with mTLS',
  keyStrength: 'SemStreams guide, Use Strong Keys: minimum 2048-bit RSA or 256-bit ECDSA (Ed25519 also accepted)',
  inProject: 'imported files lie inside the project: Terraform reads them from cdktf.out/stacks/<stack>/ as ../../../<path>, so cdktf.out holds no machine path',
  needsImportedRoot: 'a node\'s own certificate needs ca.import: its chain is checked against the federation root at synth',
  certificateUnused: 'certificate is given only to a node that uses a federation certificate (tier manual or acme; Loom in manual mode)',
  needsSigner: 'with ca.import, every node that needs a certificate brings its own (certificate) or ca.import.intermediate signs one',
  stepCaSigner: 'tier acme with ca.import: step-ca signs with ca.import.stepCaIntermediate or, by default, ca.import.intermediate',
  importShape: 'ca.import is { rootCertFile, intermediate?: { certFile, keyFile }, stepCaIntermediate?: { certFile, keyFile }, previousRootCertFile? }; a node\'s certificate is { certFile, keyFile }',
} as const;

/** One failed check, before it is placed at a spec field. */
export interface Finding {
  readonly code?: TlsErrorCode;
  readonly message: string;
  readonly rule: string;
}

/** The message with its error code in front, when it has one. */
export function findingMessage(f: Finding): string {
  return f.code ? `${f.code}: ${f.message}` : f.message;
}
