import { IConstruct } from 'constructs';

/**
 * What signs node certificates in the pki stack: the generated federation root (`FederationCa`) or an
 * imported intermediate (`ImportedIntermediateCa`). It must live in the signing certificate's stack.
 */
export interface ISigningCa extends IConstruct {
  /** The signing CA's certificate, PEM. */
  readonly certPem: string;
  /** @internal The signing key (sensitive): read only by constructs in the same stack. */
  readonly _privateKeyPem: string;
}
