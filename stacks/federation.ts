import { Construct } from 'constructs';
import { FederationModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { FederationSpec } from '../model/spec';
import { BackendFactory, localStateBackend } from './backend';
import { PkiStack } from './pki-stack';
import { SiteStack } from './site-stack';

export interface FederationProps {
  /** The federation spec. Validated first: any problem fails synth before a stack exists. */
  readonly spec: FederationSpec;
  /**
   * Backend of every stack.
   * @default localStateBackend('state'): `state/<stack>.tfstate` beside cdktf.out
   */
  readonly backend?: BackendFactory;
}

/**
 * A whole federation: `<name>-pki` plus one `<name>-<site>` stack per site. Stacks compose: deploy
 * the pki stack and any subset of site stacks.
 */
export class Federation extends Construct {
  public readonly model: FederationModel;
  public readonly pki: PkiStack;
  /** Site stacks by site id. */
  public readonly sites: ReadonlyMap<string, SiteStack>;

  constructor(scope: Construct, id: string, props: FederationProps) {
    super(scope, id);
    this.model = resolveFederation(props.spec);
    const backend = props.backend ?? localStateBackend();
    const name = this.model.name;

    this.pki = new PkiStack(scope, `${name}-pki`, { federation: this.model });
    backend(this.pki, `${name}-pki`);
    const sites = new Map<string, SiteStack>();
    for (const site of this.model.sites) {
      const stackName = `${name}-${site.id}`;
      const stack = new SiteStack(scope, stackName, { federation: this.model, site, pki: this.pki });
      backend(stack, stackName);
      sites.set(site.id, stack);
    }
    this.sites = sites;
  }
}
