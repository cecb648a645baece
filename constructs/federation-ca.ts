import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { Construct } from 'constructs';
import { KeyAlgorithm } from '../model/key-algorithm';
import { terraformLiterals } from './terraform-literal';
import { checkRenewalWindow } from './issuance-checks';
import { named } from './plan-names';

/** What consumers of a federation CA need: its public certificate. */
export interface IFederationCa {
  /** The root certificate, PEM (public: every location trusts it). */
  readonly certPem: string;
}

export interface FederationCaProps {
  /** Subject common name of the root. */
  readonly commonName: string;
  /** Subject organization of the root. */
  readonly organization: string;
  /**
   * Key algorithm of the root key.
   * @default KeyAlgorithm.ECDSA_P256
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * Validity of the root in hours.
   * @default 1825 days
   */
  readonly validityHours?: number;
  /**
   * Terraform name of every resource this creates (e.g. `tls_private_key.<planName>`): readable and stable in plans.
   * @default cdktf's name from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * The federation root CA: one self-signed root whose key lives only in the state of the stack that
 * holds it (hashicorp/tls marks it sensitive). Locations receive its certificate, never its key:
 * only a `LocationCertificate` in the same stack may sign with it.
 */
export class FederationCa extends Construct implements IFederationCa {
  public readonly certPem: string;
  /** The root's validity end (RFC 3339), for reviewers. */
  public readonly validityEndTime: string;
  /** @internal The signing key; read only by LocationCertificate, which checks it is in the same stack. */
  public readonly _privateKeyPem: string;

  constructor(scope: Construct, id: string, props: FederationCaProps) {
    super(scope, id);
    const alg = props.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256;
    const validityHours = props.validityHours ?? 1825 * 24;
    checkRenewalWindow(`FederationCa ${id}`, validityHours, 0);
    const key = named(new PrivateKey(this, 'key', renderKeyProps(alg)), props.planName);
    const cert = named(new SelfSignedCert(this, 'cert', {
      privateKeyPem: key.privateKeyPem,
      isCaCertificate: true,
      subject: [terraformLiterals({ commonName: props.commonName, organization: props.organization })],
      validityPeriodHours: validityHours,
      setSubjectKeyId: true,
      allowedUses: ['cert_signing', 'crl_signing', 'digital_signature'],
    }), props.planName);
    this.certPem = cert.certPem;
    this.validityEndTime = cert.validityEndTime;
    this._privateKeyPem = key.privateKeyPem;
  }
}

/** `tls_private_key` arguments for an algorithm. */
export function renderKeyProps(alg: KeyAlgorithm): { algorithm: string; ecdsaCurve?: string; rsaBits?: number } {
  return alg.algorithm === 'ECDSA' ? { algorithm: 'ECDSA', ecdsaCurve: alg.ecdsaCurve } : { algorithm: 'RSA', rsaBits: alg.rsaBits };
}
