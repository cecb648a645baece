import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert';
import { Construct } from 'constructs';
import { KeyAlgorithm } from '../model/key-algorithm';
import { CertificateRequest, ICertificateRequest } from './certificate-request';
import { checkRenewalWindow, checkSignedInStack } from './issuance-checks';
import { named } from './plan-names';
import { IPrivateKeyMaterial } from './private-key-file';
import { ISigningCa } from './signing-ca';

/** What a location's container needs from its certificate. */
export interface ILocationCertificate extends IPrivateKeyMaterial {
  /** The node certificate, PEM (followed by its intermediates when an intermediate signed it). */
  readonly certPem: string;
  /**
   * The node key, PEM. Sensitive: a cross-stack reference to it stays a reference in cdktf.out.
   * Absent for an imported key, which comes from `privateKeyFile` instead.
   */
  readonly privateKeyPem?: string;
}

export interface LocationCertificateProps {
  /** The CA that signs (the generated root or an imported intermediate); must be in the same stack (its key never crosses stacks). */
  readonly ca: ISigningCa;
  /** Subject CN: the node FQDN, matched exactly by SemStreams allow-lists. */
  readonly commonName: string;
  /** Subject organization. */
  readonly organization: string;
  /**
   * DNS SANs.
   * @default [commonName]
   */
  readonly dnsNames?: readonly string[];
  /**
   * IP SANs.
   * @default []
   */
  readonly ipAddresses?: readonly string[];
  /** EKU serverAuth: the node serves TLS. */
  readonly serverAuth: boolean;
  /** EKU clientAuth: the node presents this certificate when it dials. */
  readonly clientAuth: boolean;
  /**
   * Key algorithm of the node key.
   * @default KeyAlgorithm.ECDSA_P256
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * Validity in hours.
   * @default 90 days
   */
  readonly validityHours?: number;
  /**
   * Hours before expiry from which a `cdktf deploy` re-issues the certificate.
   * @default 30 days
   */
  readonly earlyRenewalHours?: number;
  /**
   * Terraform name of every resource this creates (e.g. `tls_private_key.<planName>`): readable and stable in plans.
   * @default cdktf's name from the construct path, with a hash
   */
  readonly planName?: string;
  /**
   * A key and CSR made in another stack (where the key is used): only the CSR is signed here, and the key
   * stays out of this stack. Its subject and names must be the ones given here (the caller makes both from one model).
   * @default a key and CSR generated here
   */
  readonly request?: ICertificateRequest;
}

/**
 * A node's key and certificate, signed by the federation CA: CN = FQDN, SANs = FQDN + extras,
 * EKU by role, no CA flag. Re-issued by the next deploy once inside its early-renewal window.
 */
export class LocationCertificate extends Construct implements ILocationCertificate {
  public readonly certPem: string;
  public readonly privateKeyPem: string;
  /** The certificate's validity end (RFC 3339). */
  public readonly validityEndTime: string;

  constructor(scope: Construct, id: string, props: LocationCertificateProps) {
    super(scope, id);
    checkSignedInStack(`LocationCertificate ${id}`, this, props.ca);
    if (!props.serverAuth && !props.clientAuth) throw new Error(`LocationCertificate ${id}: needs serverAuth, clientAuth or both`);
    const validityHours = props.validityHours ?? 90 * 24;
    const earlyRenewalHours = props.earlyRenewalHours ?? 30 * 24;
    checkRenewalWindow(`LocationCertificate ${id}`, validityHours, earlyRenewalHours);
    const alg = props.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256;
    const request = props.request ?? new CertificateRequest(this, 'request', {
      commonName: props.commonName, organization: props.organization, keyAlgorithm: alg,
      dnsNames: props.dnsNames ?? [props.commonName], ipAddresses: props.ipAddresses ?? [],
      planName: props.planName,
    });
    const cert = named(new LocallySignedCert(this, 'cert', {
      certRequestPem: request.certRequestPem,
      caCertPem: props.ca.certPem,
      caPrivateKeyPem: props.ca._privateKeyPem,
      validityPeriodHours: validityHours,
      earlyRenewalHours,
      isCaCertificate: false,
      setSubjectKeyId: true,
      allowedUses: renderAllowedUses(alg, props.serverAuth, props.clientAuth),
    }), props.planName);
    this.certPem = cert.certPem;
    this.privateKeyPem = request.privateKeyPem;
    this.validityEndTime = cert.validityEndTime;
  }
}

/** Key usage and EKU of a leaf: what the algorithm needs, plus serverAuth/clientAuth by role. */
export function renderAllowedUses(alg: KeyAlgorithm, serverAuth: boolean, clientAuth: boolean): string[] {
  return [...alg.leafKeyUsages, ...(serverAuth ? ['server_auth'] : []), ...(clientAuth ? ['client_auth'] : [])];
}
