import { IFederationCa } from '../constructs/federation-ca';
import { IIntermediateCa } from '../constructs/intermediate-ca';
import { ILocationCertificate } from '../constructs/location-certificate';

/**
 * What site and step-ca stacks deploy from the PKI: the root certificate, each node's certificate and key, and
 * step-ca's intermediate. A PkiStack is one (everything read from the pki state); `Federation` passes one whose
 * certificates come from the public stack and whose keys come from the keys stacks (docs/SECURITY.md).
 */
export interface SiteMaterial {
  readonly ca: IFederationCa;
  /** By node id. */
  readonly nodeCredentials: ReadonlyMap<string, ILocationCertificate>;
  /** step-ca's generated intermediate, when there is one. */
  readonly stepCaIntermediate?: IIntermediateCa;
}
