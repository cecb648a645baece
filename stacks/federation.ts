import { Aspects } from 'cdktf';
import { Construct } from 'constructs';
import { FederationModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { FederationSpec } from '../model/spec';
import { SecurityPolicyAspect } from '../policy/security-policy-aspect';
import { BackendFactory, localStateBackend } from './backend';
import { PkiStack } from './pki-stack';
import { SiteStack } from './site-stack';
import { StepCaStack } from './step-ca-stack';

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

    this.pki = new PkiStack(scope, `${name}-pki`, { federation: this.model });
    backend(this.pki, `${name}-pki`);
    const stepCa = this.model.stepCa;
    if (stepCa) {
      this.stepCa = new StepCaStack(scope, stepCa.stackName, { federation: this.model, stepCa, pki: this.pki, ...(props.stepCaHealthcheck ? { healthcheck: props.stepCaHealthcheck } : {}) });
      backend(this.stepCa, stepCa.stackName);
    }
    const sites = new Map<string, SiteStack>();
    for (const site of this.model.sites) {
      const stackName = `${name}-${site.id}`;
      const stack = new SiteStack(scope, stackName, { federation: this.model, site, pki: this.pki });
      backend(stack, stackName);
      // Containers joining the ACME network need it to exist first.
      if (this.stepCa && site.nodes.some((n) => n.extraNetworks.includes(stepCa!.networkName))) stack.addDependency(this.stepCa);
      sites.set(site.id, stack);
    }
    this.sites = sites;
    // Checks what the stacks synthesize, at every synth: a construct bug fails synth too (docs/SECURITY.md).
    this.policy = SecurityPolicyAspect.forFederation(this.model);
    for (const stack of [this.pki, ...(this.stepCa ? [this.stepCa] : []), ...sites.values()]) Aspects.of(stack).add(this.policy);
  }
}
