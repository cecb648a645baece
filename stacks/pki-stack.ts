import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { FederationCa } from '../constructs/federation-ca';
import type { ImportedIntermediateCa, ImportedRootCa } from '../constructs/imported-ca';
import type { IntermediateCa } from '../constructs/intermediate-ca';
import { ICertificateRequest } from '../constructs/certificate-request';
import { ILocationCertificate, LocationCertificate } from '../constructs/location-certificate';
import { nodePlanName, PLAN_NAMES } from '../constructs/plan-names';
import { privateKeyFile } from '../constructs/private-key-file';
import { ISigningCa } from '../constructs/signing-ca';
import { canaryCommonName } from '../model/canary';
import { FederationModel } from '../model/model';
import { stepCaIntermediateCommonName } from '../model/names';
import { terraformLiterals } from '../constructs/terraform-literal';
import { ResolvedOnceStack } from './resolved-once-stack';

export interface PkiStackProps {
  readonly federation: FederationModel;
  /**
   * Node keys and CSRs generated in the stacks that deploy them, by node id: only their CSRs are signed here,
   * so no node key enters this stack's outputs.
   * @default none: keys generated here (all in this state, and handed to site stacks through its outputs)
   */
  readonly requests?: ReadonlyMap<string, ICertificateRequest>;
  /**
   * step-ca's intermediate key and CSR, generated in the stack step-ca's key is deployed from.
   * @default generated here
   */
  readonly stepCaRequest?: ICertificateRequest;
}

/**
 * The federation's PKI: the root CA and one certificate per node that needs one. Its state holds
 * every key (sensitive); site stacks read node certificates and keys from it, never the CA key.
 */
export class PkiStack extends ResolvedOnceStack {
  /** The federation root: generated here, or imported (spec `ca.import`: certificate only, its key stays offline). */
  public readonly ca: FederationCa | ImportedRootCa;
  /** What signs node certificates: the generated root, the imported intermediate, or nothing when every node brings its own. */
  public readonly signer?: ISigningCa;
  /** What each node's container receives (certificate or chain, and key) by node id: issued here or imported. */
  public readonly nodeCredentials: ReadonlyMap<string, ILocationCertificate>;
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
    // With ca.import the root is a checked certificate only, and an imported intermediate (if any) signs.
    const imported = fed.ca.imported;
    // Imported PKI, the hashicorp/local provider and step-ca's intermediate are loaded only when the spec has them.
    this.ca = imported ? new (importedCa().ImportedRootCa)(imported) : new FederationCa(this, 'federation-ca', {
      planName: PLAN_NAMES.root,
      commonName: fed.ca.commonName,
      organization: fed.ca.organization,
      keyAlgorithm: fed.ca.keyAlgorithm,
      validityHours: fed.ca.rootValidityHours,
    });
    let intermediate: ImportedIntermediateCa | undefined;
    if (imported?.intermediate) {
      const { LocalProvider } = require('@cdktf/provider-local/lib/provider') as typeof import('@cdktf/provider-local/lib/provider');
      new LocalProvider(this, 'local');
      intermediate = new (importedCa().ImportedIntermediateCa)(this, 'imported-intermediate', { intermediate: imported.intermediate, planName: PLAN_NAMES.importedIntermediate });
      new TerraformOutput(this, 'imported_intermediate_not_after', { value: intermediate.validityEndTime });
    }
    const signer: ISigningCa | undefined = this.ca instanceof FederationCa ? this.ca : intermediate;
    if (signer) this.signer = signer;
    if (imported?.previousRootCertPem) {
      new TerraformOutput(this, 'federation_trust_bundle_pem', {
        value: terraformLiterals(`${imported.rootCertPem}${imported.previousRootCertPem}`),
        description: 'Root rotation in progress: the federation root and the root being retired (public); clients trust both until the old one is dropped',
      });
    }
    new TerraformOutput(this, 'federation_ca_pem', {
      value: terraformLiterals(this.ca.certPem),
      description: 'Federation root CA certificate (public): save as federation-ca.pem for clients',
    });
    new TerraformOutput(this, 'federation_ca_not_after', { value: this.ca.validityEndTime });

    // With an imported root, step-ca signs with an imported intermediate (the step-ca stack reads it from the model).
    if (fed.stepCa && this.ca instanceof FederationCa) {
      const { IntermediateCa } = require('../constructs/intermediate-ca') as typeof import('../constructs/intermediate-ca');
      this.stepCaIntermediate = new IntermediateCa(this, 'step-ca-intermediate', {
        planName: PLAN_NAMES.stepCaIntermediate,
        root: this.ca,
        commonName: stepCaIntermediateCommonName(fed.name),
        organization: fed.ca.organization,
        keyAlgorithm: fed.ca.keyAlgorithm,
        validityHours: fed.stepCa.intermediateValidityHours,
        earlyRenewalHours: fed.stepCa.intermediateEarlyRenewalHours,
        ...(props.stepCaRequest ? { request: props.stepCaRequest } : {}),
      });
      new TerraformOutput(this, 'step_ca_intermediate_not_after', { value: this.stepCaIntermediate.validityEndTime });
    }

    const certificates = new Map<string, LocationCertificate>();
    for (const node of fed.nodes) {
      const c = node.certificate;
      if (c && !c.imported && signer) {
        certificates.set(node.id, new LocationCertificate(this, `node-${node.id}`, {
          planName: nodePlanName(node.id),
          ca: signer,
          commonName: c.commonName,
          organization: fed.ca.organization,
          dnsNames: node.dnsNames,
          ipAddresses: node.ipAddresses,
          serverAuth: c.serverAuth,
          clientAuth: c.clientAuth,
          keyAlgorithm: fed.ca.keyAlgorithm,
          validityHours: fed.ca.leafValidityHours,
          earlyRenewalHours: fed.ca.earlyRenewalHours,
          ...(props.requests?.get(node.id) ? { request: props.requests.get(node.id)! } : {}),
        }));
      }
      const cert = certificates.get(node.id);
      // What a reviewer needs per node, in one place.
      new TerraformOutput(this, `node_${node.id.replace(/-/g, '_')}`, {
        value: terraformLiterals({
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
          ...(c?.imported ? {
            cn: c.commonName,
            eku: [...(c.serverAuth ? ['serverAuth'] : []), ...(c.clientAuth ? ['clientAuth'] : [])],
            imported: true,
            not_after: c.imported.notAfter,
          } : {}),
        }),
      });
    }
    this.certificates = certificates;
    const credentials = new Map<string, ILocationCertificate>();
    for (const node of fed.nodes) {
      const own = node.certificate?.imported;
      const issued = certificates.get(node.id);
      // An imported node certificate: its checked chain, and its key read from its file at apply time.
      if (own) credentials.set(node.id, { certPem: own.chainPem, privateKeyFile: privateKeyFile(own.keyFileFromStack) });
      // Signed by an imported intermediate: peers trust only the root, so the intermediate travels with the certificate.
      else if (issued && intermediate) credentials.set(node.id, { certPem: `${issued.certPem}${intermediate.chainPem}`, privateKeyPem: issued.privateKeyPem });
      else if (issued) credentials.set(node.id, issued);
    }
    this.nodeCredentials = credentials;

    // The canary: a federation-signed client certificate whose CN is on no allow-list (validation keeps node
    // FQDNs off its name), so `verify` can show every mTLS server refusing a client the CA signed but no link admits.
    // Issued only where some server checks client certificates; its key stays in this stack's state.
    const mtlsServer = fed.nodes.some((n) => (n.kind === 'semstreams' ? n.output?.mtls === true : n.tls.mode === 'manual' && n.tls.mtls));
    if (mtlsServer && signer) {
      this.canary = new LocationCertificate(this, 'canary', {
        planName: PLAN_NAMES.canary,
        ca: signer, commonName: canaryCommonName(fed.domain), organization: fed.ca.organization, serverAuth: false, clientAuth: true,
        keyAlgorithm: fed.ca.keyAlgorithm, validityHours: fed.ca.leafValidityHours, earlyRenewalHours: fed.ca.earlyRenewalHours,
      });
      new TerraformOutput(this, 'canary_cert_pem', {
        value: this.canary.certPem,
        description: `Canary client certificate (public), CN ${canaryCommonName(fed.domain)}: every mTLS server must refuse it (federation-pki verify --canary-cert)`,
      });
    }
  }
}

function importedCa(): typeof import('../constructs/imported-ca') {
  return require('../constructs/imported-ca') as typeof import('../constructs/imported-ca');
}
