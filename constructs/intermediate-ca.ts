import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert';
import { Construct } from 'constructs';
import { KeyAlgorithm } from '../model/key-algorithm';
import { CertificateRequest, ICertificateRequest } from './certificate-request';
import { FederationCa } from './federation-ca';
import { named } from './plan-names';
import { checkRenewalWindow, checkSignedInStack } from './issuance-checks';
import { IPrivateKeyMaterial } from './private-key-file';

/** What an online CA (step-ca) needs from its intermediate. */
export interface IIntermediateCa extends IPrivateKeyMaterial {
  /** The intermediate certificate, PEM. */
  readonly certPem: string;
  /**
   * The intermediate's key, PEM. Sensitive: it crosses to the step-ca stack as a reference only.
   * Absent for an imported intermediate, whose key comes from `privateKeyFile` instead.
   */
  readonly privateKeyPem?: string;
}

export interface IntermediateCaProps {
  /** The root that signs; must be in the same stack (the root key never crosses stacks). */
  readonly root: FederationCa;
  /** Subject CN of the intermediate. */
  readonly commonName: string;
  readonly organization: string;
  /**
   * Key algorithm.
   * @default KeyAlgorithm.ECDSA_P256
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * Validity in hours.
   * @default 365 days
   */
  readonly validityHours?: number;
  /**
   * Hours before expiry from which a deploy re-issues it.
   * @default 30 days
   */
  readonly earlyRenewalHours?: number;
  /**
   * Terraform name of every resource this creates (e.g. `tls_private_key.<planName>`): readable and stable in plans.
   * @default cdktf's name from the construct path, with a hash
   */
  readonly planName?: string;
  /**
   * A key and CSR made in another stack (the one whose CA uses the key): only the CSR is signed here.
   * @default a key and CSR generated here
   */
  readonly request?: ICertificateRequest;
}

/**
 * An intermediate CA signed by the federation root, for an online CA such as step-ca: certificates it
 * issues chain to the root every location already trusts, and the root key stays in the pki stack.
 *
 * hashicorp/tls 4.1.0 cannot set a path length constraint, so the intermediate carries CA:TRUE without
 * pathLen; step-ca's ACME provisioners issue leaf certificates only, within the federation's name policy.
 */
export class IntermediateCa extends Construct implements IIntermediateCa {
  public readonly certPem: string;
  public readonly privateKeyPem: string;
  public readonly validityEndTime: string;

  constructor(scope: Construct, id: string, props: IntermediateCaProps) {
    super(scope, id);
    checkSignedInStack(`IntermediateCa ${id}`, this, props.root);
    const validityHours = props.validityHours ?? 365 * 24;
    const earlyRenewalHours = props.earlyRenewalHours ?? 30 * 24;
    checkRenewalWindow(`IntermediateCa ${id}`, validityHours, earlyRenewalHours);
    const request = props.request ?? new CertificateRequest(this, 'request', {
      commonName: props.commonName, organization: props.organization, keyAlgorithm: props.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256,
      planName: props.planName,
    });
    const cert = named(new LocallySignedCert(this, 'cert', {
      certRequestPem: request.certRequestPem,
      caCertPem: props.root.certPem,
      caPrivateKeyPem: props.root._privateKeyPem,
      isCaCertificate: true,
      setSubjectKeyId: true,
      validityPeriodHours: validityHours,
      earlyRenewalHours,
      allowedUses: ['cert_signing', 'crl_signing', 'digital_signature'],
    }), props.planName);
    this.certPem = cert.certPem;
    this.privateKeyPem = request.privateKeyPem;
    this.validityEndTime = cert.validityEndTime;
  }
}
