import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { FederationCa } from '../constructs/federation-ca';
import { IntermediateCa } from '../constructs/intermediate-ca';
import { LocationCertificate } from '../constructs/location-certificate';
import { canaryCommonName } from '../model/canary';
import { FederationModel } from '../model/model';

export interface PkiStackProps {
  readonly federation: FederationModel;
}

/**
 * The federation's PKI: the root CA and one certificate per node that needs one. Its state holds
 * every key (sensitive); site stacks read node certificates and keys from it, never the CA key.
 */
export class PkiStack extends TerraformStack {
  public readonly ca: FederationCa;
  /** Node certificates by node id. */
  public readonly certificates: ReadonlyMap<string, LocationCertificate>;
  /** step-ca's intermediate, when the federation runs step-ca. */
  public readonly stepCaIntermediate?: IntermediateCa;
  /** The canary client certificate (CN `canary.<domain>`, on no allow-list), when some server uses mTLS. */
  public readonly canary?: LocationCertificate;

  constructor(scope: Construct, id: string, props: PkiStackProps) {
    super(scope, id);
    const fed = props.federation;
    new TlsProvider(this, 'tls');
    this.ca = new FederationCa(this, 'federation-ca', {
      commonName: fed.ca.commonName,
      organization: fed.ca.organization,
      keyAlgorithm: fed.ca.keyAlgorithm,
      validityHours: fed.ca.rootValidityHours,
    });
    new TerraformOutput(this, 'federation_ca_pem', {
      value: this.ca.certPem,
      description: 'Federation root CA certificate (public): save as federation-ca.pem for clients',
    });
    new TerraformOutput(this, 'federation_ca_not_after', { value: this.ca.validityEndTime });

    if (fed.stepCa) {
      this.stepCaIntermediate = new IntermediateCa(this, 'step-ca-intermediate', {
        root: this.ca,
        commonName: `${fed.name} step-ca intermediate CA`,
        organization: fed.ca.organization,
        keyAlgorithm: fed.ca.keyAlgorithm,
        validityHours: fed.stepCa.intermediateValidityHours,
        earlyRenewalHours: fed.stepCa.intermediateEarlyRenewalHours,
      });
      new TerraformOutput(this, 'step_ca_intermediate_not_after', { value: this.stepCaIntermediate.validityEndTime });
    }

    const certificates = new Map<string, LocationCertificate>();
    for (const node of fed.nodes) {
      const c = node.certificate;
      if (c) {
        certificates.set(node.id, new LocationCertificate(this, `node-${node.id}`, {
          ca: this.ca,
          commonName: c.commonName,
          organization: fed.ca.organization,
          dnsNames: node.dnsNames,
          ipAddresses: node.ipAddresses,
          serverAuth: c.serverAuth,
          clientAuth: c.clientAuth,
          keyAlgorithm: fed.ca.keyAlgorithm,
          validityHours: fed.ca.leafValidityHours,
          earlyRenewalHours: fed.ca.earlyRenewalHours,
        }));
      }
      const cert = certificates.get(node.id);
      // What a reviewer needs per node, in one place.
      new TerraformOutput(this, `node_${node.id.replace(/-/g, '_')}`, {
        value: {
          site: node.siteId,
          tier: node.tier,
          dns_sans: [...node.dnsNames],
          ip_sans: [...node.ipAddresses],
          config_path: node.paths.configFile,
          // cdktf cannot synthesize null inside an output object: a node without a certificate omits these.
          ...(c && cert ? {
            cn: c.commonName,
            eku: [...(c.serverAuth ? ['serverAuth'] : []), ...(c.clientAuth ? ['clientAuth'] : [])],
            validity_hours: fed.ca.leafValidityHours,
            early_renewal_hours: fed.ca.earlyRenewalHours,
            not_after: cert.validityEndTime,
          } : {}),
        },
      });
    }
    this.certificates = certificates;

    // The canary: a federation-signed client certificate whose CN is on no allow-list (validation keeps node
    // FQDNs off its name), so `verify` can show every mTLS server refusing a client the CA signed but no link admits.
    // Issued only where some server checks client certificates; its key stays in this stack's state.
    const mtlsServer = fed.nodes.some((n) => (n.kind === 'semstreams' ? n.output?.mtls === true : n.tls.mode === 'manual' && n.tls.mtls));
    if (mtlsServer) {
      this.canary = new LocationCertificate(this, 'canary', {
        ca: this.ca, commonName: canaryCommonName(fed.domain), organization: fed.ca.organization, serverAuth: false, clientAuth: true,
        keyAlgorithm: fed.ca.keyAlgorithm, validityHours: fed.ca.leafValidityHours, earlyRenewalHours: fed.ca.earlyRenewalHours,
      });
      new TerraformOutput(this, 'canary_cert_pem', {
        value: this.canary.certPem,
        description: `Canary client certificate (public), CN ${canaryCommonName(fed.domain)}: every mTLS server must refuse it (federation-pki verify --canary-cert)`,
      });
    }
  }
}
