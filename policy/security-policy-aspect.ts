import { Aspects, IAspect, TerraformElement, TerraformResource, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { FederationModel } from '../model/model';
import { checkConfigs } from './config-checks';
import { ContainerFacts, readContainer } from './containers';
import { formatSuppressed, PolicyError, PolicyFinding, SuppressedFinding } from './finding';
import { checkCaKeyReferences, checkRsaKey, checkUploads } from './material-checks';
import { applySuppressions, checkSuppressions, PolicySuppression } from './suppressions';
import { isPrivateKeySource, sourceId, SynthesizedApp } from './synthesized-app';

export interface SecurityPolicyProps {
  /**
   * A production federation: client certificates must be required and deployed leaf certificates must
   * not outlive 90 days.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Written exceptions, each to one rule for one node. An unknown rule or a reason under 10 characters
   * fails construction.
   * @default []
   */
  readonly suppressions?: readonly PolicySuppression[];
  /**
   * Where suppressed findings (with their reasons) and suppressions that matched nothing are printed.
   * @default console.warn
   */
  readonly warn?: (message: string) => void;
}

/**
 * The security policy, in the spirit of cdk-nag: add it to every stack (`Aspects.of(stack).add(policy)`, or to
 * any construct in it: `Federation` puts it on one childless construct per stack, so cdktf visits it once there
 * rather than on every construct) and each synth checks what the stacks synthesize — container
 * uploads, rendered configs, the hashicorp/tls resources and every cross-stack reference — failing with
 * every violation listed (site, node, rule id, message) before any stack is written.
 *
 * cdktf invokes aspects stack by stack while it writes them, so the first visit checks every stack this
 * aspect was added to at once; that is how one report lists them all and nothing is half-written.
 */
export class SecurityPolicyAspect implements IAspect {
  /** The policy for a resolved federation: its production flag and every node's suppressions. */
  public static forFederation(federation: FederationModel, props: Pick<SecurityPolicyProps, 'warn'> = {}): SecurityPolicyAspect {
    return new SecurityPolicyAspect({
      ...props,
      production: federation.production,
      suppressions: federation.nodes.flatMap((n) => n.suppressions.map((s) => ({ node: n.id, rule: s.rule, reason: s.reason }))),
    });
  }

  public readonly production: boolean;
  public readonly suppressions: readonly PolicySuppression[];
  private readonly warn: (message: string) => void;
  private readonly checkedRoots = new WeakSet<IConstruct>();
  private lastSuppressed: readonly SuppressedFinding[] = [];

  constructor(props: SecurityPolicyProps = {}) {
    this.production = props.production ?? false;
    this.suppressions = [...(props.suppressions ?? [])];
    this.warn = props.warn ?? ((m) => console.warn(m));
    const problems = checkSuppressions(this.suppressions);
    if (problems.length > 0) throw new PolicyError([], problems);
  }

  /** Findings suppressed in the last check, with their reasons. */
  public get suppressed(): readonly SuppressedFinding[] {
    return this.lastSuppressed;
  }

  public visit(node: IConstruct): void {
    const root = node.node.root;
    if (this.checkedRoots.has(root)) return;
    this.checkedRoots.add(root);
    const { violations, suppressed, unused } = applySuppressions(this.evaluate(root), this.suppressions);
    this.lastSuppressed = suppressed;
    for (const s of suppressed) this.warn(formatSuppressed(s));
    for (const u of unused) this.warn(`security policy: the suppression of ${u.rule} on node ${u.node} matched no finding`);
    if (violations.length > 0) throw new PolicyError(violations);
  }

  /**
   * Every finding, suppressed or not, in the stacks under `root` that carry this aspect. Call it during
   * synthesis (after cdktf has prepared every stack), as `visit` does.
   */
  public evaluate(root: IConstruct): PolicyFinding[] {
    // One walk lists every stack's constructs (findAll per stack walked the tree once more for each).
    const { constructsOf, stackOf } = walkStacks(root);
    const stacks = [...constructsOf.keys()];
    const checked = stacks.filter((s) => constructsOf.get(s)!.some((c) => Aspects.of(c).all.includes(this)));
    const app = new SynthesizedApp(stacks);

    const containers = new Map<IConstruct, ContainerFacts>();
    const containersByStack = new Map<TerraformStack, ContainerFacts[]>();
    for (const stack of checked) {
      for (const c of constructsOf.get(stack)!) {
        if (c instanceof TerraformResource && c.terraformResourceType === 'docker_container') {
          const facts = readContainer(app, c, stackOf.get(c));
          if (facts) {
            containers.set(c, facts);
            const inStack = containersByStack.get(stack);
            if (inStack) inStack.push(facts);
            else containersByStack.set(stack, [facts]);
          }
        }
      }
    }
    // Who receives each private key, so a finding on a key names the node that holds it.
    const keyHolders = new Map<string, ContainerFacts[]>();
    for (const c of containers.values()) {
      for (const s of c.uploads.flatMap((u) => u.sources).filter(isPrivateKeySource)) {
        keyHolders.set(sourceId(s), [...(keyHolders.get(sourceId(s)) ?? []), c]);
      }
    }

    const findings: PolicyFinding[] = [];
    for (const stack of checked) {
      const sameSiteNames = new Set((containersByStack.get(stack) ?? []).flatMap((c) => [...c.names]));
      for (const element of constructsOf.get(stack)!) {
        if (!TerraformElement.isTerraformElement(element)) continue;
        const container = containers.get(element);
        if (container) {
          findings.push(...checkConfigs(container, { production: this.production, sameSiteNames }));
          findings.push(...checkUploads(app, container, this.production));
        }
        if (element instanceof TerraformResource && element.terraformResourceType === 'tls_private_key') {
          findings.push(...checkRsaKey(app, element, keyHolders.get(sourceId({ stack, address: `tls_private_key.${element.friendlyUniqueId}`, attribute: '' })) ?? [], stackOf.get(element)));
        }
        findings.push(...checkCaKeyReferences(app, element, container, stackOf.get(element)));
      }
    }
    return findings;
  }
}

/**
 * Every stack under `root` with the constructs under it, the stack first, in `findAll` order (pre-order), and
 * each construct's own stack (`TerraformStack.of`), from one walk of the tree. A stack inside another's subtree
 * is listed in both, as `findAll` would.
 */
function walkStacks(root: IConstruct): { constructsOf: Map<TerraformStack, IConstruct[]>; stackOf: Map<IConstruct, TerraformStack> } {
  const constructsOf = new Map<TerraformStack, IConstruct[]>();
  const stackOf = new Map<IConstruct, TerraformStack>();
  const open: IConstruct[][] = [];
  const visit = (c: IConstruct, own: TerraformStack | undefined) => {
    const isStack = TerraformStack.isStack(c);
    if (isStack) {
      const list: IConstruct[] = [];
      constructsOf.set(c, list);
      open.push(list);
      own = c;
    }
    if (own !== undefined) stackOf.set(c, own);
    for (const list of open) list.push(c);
    for (const child of c.node.children) visit(child, own);
    if (isStack) open.pop();
  };
  visit(root, undefined);
  return { constructsOf, stackOf };
}
