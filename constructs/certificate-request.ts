import { CertRequest } from '@cdktf/provider-tls/lib/cert-request';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { Construct } from 'constructs';
import { KeyAlgorithm } from '../model/key-algorithm';
import { renderKeyProps } from './federation-ca';
import { named } from './plan-names';
import { terraformLiterals } from './terraform-literal';

/** A key and the certificate request that carries its public half to a CA in another stack. */
export interface ICertificateRequest {
  /** The CSR, PEM (public): the only thing the signing stack reads. */
  readonly certRequestPem: string;
  /** The key, PEM (sensitive): read only by the stack that deploys it. */
  readonly privateKeyPem: string;
}

export interface CertificateRequestProps {
  /** Subject CN. */
  readonly commonName: string;
  /** Subject organization. */
  readonly organization: string;
  /**
   * DNS SANs requested.
   * @default none
   */
  readonly dnsNames?: readonly string[];
  /**
   * IP SANs requested.
   * @default none
   */
  readonly ipAddresses?: readonly string[];
  /**
   * Key algorithm.
   * @default KeyAlgorithm.ECDSA_P256
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * Terraform name of the key and the CSR (`tls_private_key.<planName>`, `tls_cert_request.<planName>`): readable and stable in plans.
   * @default cdktf's name from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * A private key generated where it is used, and its CSR. The CA signs the CSR in its own stack, so the key
 * never enters the CA's outputs, and the certificate comes back as public material (docs/SECURITY.md).
 */
export class CertificateRequest extends Construct implements ICertificateRequest {
  public readonly certRequestPem: string;
  public readonly privateKeyPem: string;

  constructor(scope: Construct, id: string, props: CertificateRequestProps) {
    super(scope, id);
    const key = named(new PrivateKey(this, 'key', renderKeyProps(props.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256)), props.planName);
    const csr = named(new CertRequest(this, 'csr', {
      privateKeyPem: key.privateKeyPem,
      subject: [terraformLiterals({ commonName: props.commonName, organization: props.organization })],
      ...(props.dnsNames ? { dnsNames: terraformLiterals([...props.dnsNames]) } : {}),
      ...(props.ipAddresses ? { ipAddresses: terraformLiterals([...props.ipAddresses]) } : {}),
    }), props.planName);
    this.certRequestPem = csr.certRequestPem;
    this.privateKeyPem = key.privateKeyPem;
  }
}
