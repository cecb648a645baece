import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Construct } from 'constructs';
import { CertificateRequest, CertificateRequestProps, ICertificateRequest } from '../constructs/certificate-request';
import { ResolvedOnceStack } from './resolved-once-stack';

export interface KeysStackProps {
  /** The keys to generate, by id (a node id, or `step-ca`), with their CSR's subject and names. */
  readonly requests: ReadonlyMap<string, CertificateRequestProps>;
}

/**
 * The keys one site (or step-ca) deploys, generated for it alone: `<name>-keys-<site>`. Its state holds those
 * keys and their CSRs; the pki stack reads the CSRs and signs them, and the certificates come back through the
 * public stack, so a site's deploy reads this state and public material only, never the CA's state.
 */
export class KeysStack extends ResolvedOnceStack {
  /** Key and CSR by id. */
  public readonly requests: ReadonlyMap<string, ICertificateRequest>;

  constructor(scope: Construct, id: string, props: KeysStackProps) {
    super(scope, id);
    new TlsProvider(this, 'tls');
    const requests = new Map<string, ICertificateRequest>();
    for (const [key, p] of props.requests) requests.set(key, new CertificateRequest(this, key, p));
    this.requests = requests;
  }
}
