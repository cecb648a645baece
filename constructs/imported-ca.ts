import { DataLocalSensitiveFile } from '@cdktf/provider-local/lib/data-local-sensitive-file';
import { Construct } from 'constructs';
import { ImportedCaModel, ImportedKeyPairModel } from '../model/import-model';
import { IFederationCa } from './federation-ca';
import { ISigningCa } from './signing-ca';
import { named } from './plan-names';
import { terraformLiterals } from './terraform-literal';

/**
 * The federation root of an imported CA: its certificate only, checked at synth. Its key stays wherever
 * the operator keeps it (offline, docs/OFFLINE-ROOT.md) and never enters Terraform.
 */
export class ImportedRootCa implements IFederationCa {
  public readonly certPem: string;
  /** The root's validity end (RFC 3339). */
  public readonly validityEndTime: string;

  constructor(imported: ImportedCaModel) {
    this.certPem = imported.rootCertPem;
    this.validityEndTime = imported.rootNotAfter;
  }
}

export interface ImportedIntermediateCaProps {
  /** The checked intermediate: its certificate, chain and key file. */
  readonly intermediate: ImportedKeyPairModel;
  /**
   * Terraform name of every resource this creates (`data.local_sensitive_file.<planName>`): readable and stable in plans.
   * @default cdktf's name from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * An imported intermediate CA the pki stack signs node certificates with. Terraform reads its key at apply
 * time through `data "local_sensitive_file"` (needs the hashicorp/local provider in the stack), so cdktf.out
 * holds only the file's relative path; the key does enter this stack's state, like every key the stack signs with.
 */
export class ImportedIntermediateCa extends Construct implements ISigningCa {
  public readonly certPem: string;
  /** The intermediate and any CA above it below the root, PEM: sent after each certificate it signs. */
  public readonly chainPem: string;
  public readonly validityEndTime: string;
  /** @internal */
  public readonly _privateKeyPem: string;

  constructor(scope: Construct, id: string, props: ImportedIntermediateCaProps) {
    super(scope, id);
    this.certPem = props.intermediate.certPem;
    this.chainPem = props.intermediate.chainPem;
    this.validityEndTime = props.intermediate.notAfter;
    const key = named(new DataLocalSensitiveFile(this, 'key', terraformLiterals({ filename: props.intermediate.keyFileFromStack })), props.planName);
    this._privateKeyPem = key.content;
  }
}
