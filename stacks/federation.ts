import { Aspects } from 'cdktf';
import { Construct } from 'constructs';
import { FederationModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { stepCaIntermediateCommonName } from '../model/names';
import { FederationSpec } from '../model/spec';
import { SecurityPolicyAspect } from '../policy/security-policy-aspect';
import { BackendFactory, localStateBackend } from './backend';
import { CertificateRequestProps, ICertificateRequest } from '../constructs/certificate-request';
import { nodePlanName, PLAN_NAMES } from '../constructs/plan-names';
import { KeysStack } from './keys-stack';
import { PkiStack } from './pki-stack';
import { PublicStack } from './public-stack';
import { SiteMaterial } from './site-material';
import { SiteStack } from './site-stack';
import type { StepCaStack } from './step-ca-stack';

export interface FederationProps {
  /** The federation spec. Validated first: any problem fails synth before a stack exists. */
  readonly spec: FederationSpec;
  /**
   * Backend of every stack.
   * @default localStateBackend('state'): `state/<stack>.tfstate` beside cdktf.out
   */
  readonly backend?: BackendFactory;
  /**
   * Healthcheck command of the step-ca container (for images other than the official one).
   * @default the official image's `step ca health`
   */
  readonly stepCaHealthcheck?: readonly string[];
  /**
   * The directory the spec's imported files (ca.import, node certificates) are relative to; cdktf.out must be
   * directly inside it, since Terraform reaches those files as `../../../<path>` from its stack directories.
   * @default process.cwd()
   */
  readonly projectRoot?: string;
}

/** Id of the construct that carries the security policy in a stack with no childless construct (it synthesizes nothing). */
const POLICY_ANCHOR_ID = 'security-policy';

/**
 * A whole federation: `<name>-pki`, `<name>-step-ca` in tier acme, and one `<name>-<site>` stack per
 * site. Stacks compose: deploy the pki stack (and step-ca) and any subset of site stacks.
 *
 * The stacks are named from the spec's `name`, never from this construct's `id`, and are created beside
 * it in `scope`: the name is what `cdktf deploy`, the state files, the remote-state references and the
 * `report`/`verify` commands (which read only the spec) share, so it follows from the spec alone. Two
 * federations in one app need different spec names.
 */
export class Federation extends Construct {
  public readonly model: FederationModel;
  public readonly pki: PkiStack;
  /** The keys stacks: `<name>-keys-<site>` for each site with federation-issued certificates, `<name>-keys-step-ca`. */
  public readonly keys: readonly KeysStack[];
  /** `<name>-pki-public`: the certificates site stacks read, relayed out of the pki stack (no key in its state). */
  public readonly publicMaterial: PublicStack;
  /** Site stacks by site id. */
  public readonly sites: ReadonlyMap<string, SiteStack>;
  /** The step-ca stack, in tier acme. */
  public readonly stepCa?: StepCaStack;
  /** The security policy every stack is checked against at synth (the spec's production flag and suppressions). */
  public readonly policy: SecurityPolicyAspect;

  constructor(scope: Construct, id: string, props: FederationProps) {
    super(scope, id);
    this.model = resolveFederation(props.spec, props.projectRoot !== undefined ? { projectRoot: props.projectRoot } : {});
    const backend = props.backend ?? localStateBackend();
    const name = this.model.name;

    const fed = this.model;
    // Site isolation (docs/SECURITY.md): each site's keys are generated in its own keys stack, the pki stack
    // signs their CSRs, and certificates come back through the public stack. A site's deploy reads its keys
    // state and public material, never the pki state (which holds the CA keys) nor another site's keys.
    const keyStacks: KeysStack[] = [];
    const requests = new Map<string, ICertificateRequest>();
    const signs = !fed.ca.imported || fed.ca.imported.intermediate !== undefined;
    for (const site of fed.sites) {
      const wanted = new Map<string, CertificateRequestProps>();
      for (const node of site.nodes) {
        const c = node.certificate;
        if (!c || c.imported || !signs) continue;
        wanted.set(`node-${node.id}`, { commonName: c.commonName, organization: fed.ca.organization, keyAlgorithm: fed.ca.keyAlgorithm, dnsNames: node.dnsNames, ipAddresses: node.ipAddresses, planName: nodePlanName(node.id) });
      }
      if (wanted.size === 0) continue;
      const keys = new KeysStack(scope, `${name}-keys-${site.id}`, { requests: wanted });
      backend(keys, `${name}-keys-${site.id}`);
      keyStacks.push(keys);
      for (const node of site.nodes) if (keys.requests.has(`node-${node.id}`)) requests.set(node.id, keys.requests.get(`node-${node.id}`)!);
    }
    const stepCa = fed.stepCa;
    let stepCaRequest: ICertificateRequest | undefined;
    if (stepCa && !fed.ca.imported) {
      const keys = new KeysStack(scope, `${name}-keys-step-ca`, { requests: new Map([['step-ca-intermediate', { commonName: stepCaIntermediateCommonName(name), organization: fed.ca.organization, keyAlgorithm: fed.ca.keyAlgorithm, planName: PLAN_NAMES.stepCaIntermediate }]]) });
      backend(keys, `${name}-keys-step-ca`);
      keyStacks.push(keys);
      stepCaRequest = keys.requests.get('step-ca-intermediate');
    }

    this.pki = new PkiStack(scope, `${name}-pki`, { federation: fed, requests, ...(stepCaRequest ? { stepCaRequest } : {}) });
    backend(this.pki, `${name}-pki`);
    this.publicMaterial = new PublicStack(scope, `${name}-pki-public`);
    backend(this.publicMaterial, `${name}-pki-public`);
    const pub = this.publicMaterial;
    const material: SiteMaterial = {
      ca: { certPem: pub.publish('federation_ca_pem', this.pki.ca.certPem) },
      nodeCredentials: new Map([...this.pki.nodeCredentials].map(([id, cred]) => [id, {
        certPem: pub.publish(`node_${id.replace(/-/g, '_')}_cert_pem`, cred.certPem),
        ...(cred.privateKeyPem !== undefined ? { privateKeyPem: cred.privateKeyPem } : {}),
        ...(cred.privateKeyFile ? { privateKeyFile: cred.privateKeyFile } : {}),
      }])),
      ...(this.pki.stepCaIntermediate ? { stepCaIntermediate: {
        certPem: pub.publish('step_ca_intermediate_cert_pem', this.pki.stepCaIntermediate.certPem),
        privateKeyPem: this.pki.stepCaIntermediate.privateKeyPem,
      } } : {}),
    };
    if (stepCa) {
      // Loaded only for a federation that runs step-ca (tier acme): no other synth pays for loading its modules.
      const { StepCaStack } = require('./step-ca-stack') as typeof import('./step-ca-stack');
      this.stepCa = new StepCaStack(scope, stepCa.stackName, { federation: fed, stepCa, pki: material, ...(props.stepCaHealthcheck ? { healthcheck: props.stepCaHealthcheck } : {}) });
      backend(this.stepCa, stepCa.stackName);
    }
    const sites = new Map<string, SiteStack>();
    for (const site of fed.sites) {
      const stackName = `${name}-${site.id}`;
      const stack = new SiteStack(scope, stackName, { federation: fed, site, pki: material });
      backend(stack, stackName);
      // Containers joining the ACME network need it to exist first.
      if (this.stepCa && site.nodes.some((n) => n.extraNetworks.includes(stepCa!.networkName))) stack.addDependency(this.stepCa);
      sites.set(site.id, stack);
    }
    this.sites = sites;
    // Checks what the stacks synthesize, at every synth: a construct bug fails synth too (docs/SECURITY.md).
    this.policy = SecurityPolicyAspect.forFederation(this.model);
    this.keys = keyStacks;
    // On one childless construct per stack, not on the stack: cdktf invokes an aspect on every construct it
    // reaches (computing each one's path), and the policy needs only one visit per stack to check them all;
    // a stack counts as checked when any construct in it carries the policy. The stack's first childless
    // construct (its provider, backend or first output) carries it; a construct of its own would be one more
    // that every one of cdktf's walks of the stack visits.
    for (const stack of [...keyStacks, this.pki, pub, ...(this.stepCa ? [this.stepCa] : []), ...sites.values()]) {
      const carrier = stack.node.children.find((c) => c.node.children.length === 0) ?? new Construct(stack, POLICY_ANCHOR_ID);
      Aspects.of(carrier).add(this.policy);
    }
  }
}
