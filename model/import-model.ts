/**
 * The resolved form of an imported PKI: certificates read and checked at synth (public, normalized PEM),
 * keys only as paths Terraform reads at apply time.
 */

/** An existing CA, checked at synth (spec `ca.import`). */
export interface ImportedCaModel {
  /** The federation root, normalized PEM (public: every node trusts it). */
  readonly rootCertPem: string;
  /** The root's notAfter, RFC 3339. */
  readonly rootNotAfter: string;
  /** During a root rotation, the root being retired: trusted beside the root until dropped from the spec. */
  readonly previousRootCertPem?: string;
  /** The intermediate the pki stack signs with, when given. */
  readonly intermediate?: ImportedKeyPairModel;
  /** The intermediate step-ca signs with (tier acme). */
  readonly stepCaIntermediate?: ImportedKeyPairModel;
}

/** A checked certificate whose key Terraform reads from a file at apply time. */
export interface ImportedKeyPairModel {
  /** The certificate itself, normalized PEM. */
  readonly certPem: string;
  /** The certificate followed by the intermediates up to (not including) the root: what a TLS peer is sent. */
  readonly chainPem: string;
  /** notAfter of the certificate, RFC 3339. */
  readonly notAfter: string;
  /** The key file as Terraform sees it from `cdktf.out/stacks/<stack>/`: `../../../<project-relative path>`. */
  readonly keyFileFromStack: string;
}

/** Where the root being retired lives during a rotation (beside the federation CA file). */
export const PREVIOUS_ROOT_LAYOUT = {
  /** SemStreams: a second entry of `ca_files` / `client_ca_files`. Loom's `ca_file` holds a bundle instead. */
  semstreams: '/certs/federation-ca-previous.pem',
  /** step-ca: ca.json `federatedRoots`. */
  stepCa: '/home/step/certs/previous_root_ca.crt',
} as const;

/** Every CA file a SemStreams config lists: the federation CA, and during a rotation the previous root. */
export function trustedCaFiles(paths: { readonly caFile: string; readonly previousCaFile?: string }): string[] {
  return [paths.caFile, ...(paths.previousCaFile !== undefined ? [paths.previousCaFile] : [])];
}
