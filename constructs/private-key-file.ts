import { Fn, Token } from 'cdktf';

/**
 * A private key Terraform reads from a file on the deploying machine at apply time (imported PKI): only its
 * path and a hash expression enter cdktf.out, and the Docker provider keeps only those in state.
 */
export interface PrivateKeyFile {
  /** The file, relative to the stack's working directory (`../../../<project-relative path>`). */
  readonly source: string;
  /** `${filesha256(...)}`, evaluated by Terraform: a changed key file replaces the container. */
  readonly sourceHash: string;
}

/** Key material for an upload: a PEM from state, or a file read at apply time. */
export interface IPrivateKeyMaterial {
  /** The key PEM (a reference into Terraform state). */
  readonly privateKeyPem?: string;
  /** The key file, when the key is imported. */
  readonly privateKeyFile?: PrivateKeyFile;
}

/** The key file at `fromStack` (a path relative to `cdktf.out/stacks/<stack>/`). */
export function privateKeyFile(fromStack: string): PrivateKeyFile {
  return { source: fromStack, sourceHash: Fn.filesha256(fromStack) };
}

/**
 * The upload fields carrying a key: `source` + `source_hash` for a file, else `content`.
 *
 * The content is wrapped in Terraform's `sensitive()`: a key read from another stack's state through
 * `terraform_remote_state` loses its sensitive mark, and `terraform plan` would print it in clear.
 */
export function renderKeyUpload(material: IPrivateKeyMaterial): { content: string } | { source: string; sourceHash: string } {
  if (material.privateKeyFile) return { source: material.privateKeyFile.source, sourceHash: material.privateKeyFile.sourceHash };
  if (material.privateKeyPem === undefined) throw new Error('a key upload needs privateKeyPem or privateKeyFile');
  return { content: sensitive(material.privateKeyPem) };
}

/** `sensitive(value)`: Terraform keeps the value out of plan and apply output wherever it came from. */
export function sensitive(value: string): string {
  return Token.asString(Fn.sensitive(value));
}
