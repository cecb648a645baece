/**
 * Bring your own PKI: the spec fields that point at an existing CA and at existing node certificates.
 *
 * Every file is a path on the deploying machine. In a spec file it is relative to that file; in a spec
 * given as an object it is relative to the project root (the directory `cdktf synth` runs in). Either
 * way it must lie inside the project: Terraform runs in `cdktf.out/stacks/<stack>/` and reaches the file
 * through `../../../<path>`, so no machine path enters cdktf.out. Keep key files out of version control
 * (e.g. a `secrets/` folder in .gitignore).
 */

/** An existing CA the federation uses instead of generating a root in the pki stack. */
export interface CaImportSpec {
  /**
   * PEM file of the federation root: the trust anchor every node receives. The certificate only: the
   * root key is never needed (keep it offline and encrypted, see docs/OFFLINE-ROOT.md).
   */
  readonly rootCertFile: string;
  /**
   * The intermediate CA the pki stack signs node certificates (and the canary) with. Terraform reads its
   * key at apply time (`data "local_sensitive_file"`), so the key never enters cdktf.out.
   * @default none: the pki stack signs nothing, and every node that needs a certificate brings its own (`certificate` on the node)
   */
  readonly intermediate?: CertificateFilesSpec;
  /**
   * The intermediate step-ca signs ACME certificates with (tier acme).
   * @default `intermediate`
   */
  readonly stepCaIntermediate?: CertificateFilesSpec;
  /**
   * The root being retired during a root rotation. Until it is removed from the spec, every node trusts
   * it beside `rootCertFile` (SemStreams `ca_files`/`client_ca_files`, Loom's `ca_file` bundle, step-ca's
   * `federatedRoots`), so certificates issued under either root are accepted while nodes move over.
   * @default none: no rotation in progress
   */
  readonly previousRootCertFile?: string;
}

/** A certificate and its private key, as PEM files on the deploying machine. */
export interface CertificateFilesSpec {
  /**
   * PEM certificate, optionally followed by the intermediates between it and the root (not the root).
   * Read and checked at synth; it is public and enters the plan as is.
   */
  readonly certFile: string;
  /**
   * Unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1): Terraform and the services read it as is.
   * Checked at synth, read again by Terraform at apply time; never copied into cdktf.out.
   */
  readonly keyFile: string;
}
