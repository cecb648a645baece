import { Aspects, ISynthesisSession, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { SecurityPolicyAspect } from '../policy/security-policy-aspect';
import { resolvedStackJson } from './stack-json';
import { prepareStackReferences } from './stack-preparation';

/**
 * A TerraformStack whose Terraform JSON is resolved once per synth.
 *
 * The security policy has to read every stack's JSON before cdktf writes the first one (nothing is
 * half-written), and cdktf then resolves each stack again to write it. For a 100-site federation that second
 * pass cost ~160 ms, a fifth of the whole synth (benchmarks/README.md). Here the first resolution after cdktf
 * has prepared the stacks is kept, and it is what gets written.
 *
 * That is only right while nothing changes the stack between the policy's read and the write. cdktf invokes a
 * stack's aspects just before writing it, after the policy has read it, so the JSON is reused only while every
 * aspect that reaches the stack is a `SecurityPolicyAspect` (which only reads); with any other aspect the
 * stack is resolved afresh, exactly as a plain TerraformStack would be.
 *
 * Two of cdktf's passes over every value are left out, with the same result: preparing resolves only the
 * tokens (see `prepareStackReferences`), and the resolution skips cdktf's second pass over the merged
 * document (see `resolvedStackJson`) unless the stack has overrides of its own, which only that pass resolves.
 */
export class ResolvedOnceStack extends TerraformStack {
  /** Between `prepareStack` and the end of this stack's write: its elements are final. */
  private synthesizing = false;
  private resolved?: unknown;
  /** Whether `addOverride` was called on the stack itself: then cdktf's own `toTerraform` resolves it. */
  private ownOverrides = false;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const write = this.synthesizer;
    this.synthesizer = {
      synthesize: (session: ISynthesisSession) => {
        try {
          write.synthesize(session);
        } finally {
          this.synthesizing = false;
          this.resolved = undefined;
        }
      },
    };
  }

  public prepareStack(): void {
    // cdktf prepares every stack (adding cross-stack outputs and remote-state data sources) before it
    // writes any: after this the stack's elements change only if an aspect changes them. As cdktf's
    // `prepareStack`, resolving only the tokens (see `prepareStackReferences`).
    this.ensureBackendExists();
    prepareStackReferences(this);
    this.resolved = undefined;
    this.synthesizing = true;
  }

  /**
   * Whether `stack` is among this stack's dependencies, transitively (cdktf's definition: reachable through
   * `dependencies`), from one loop that visits each stack once. cdktf asks it of the referenced stack for every
   * cross-stack reference (to refuse a cycle), so a site's reference to the public stack walks the pki stack and
   * every keys stack behind it, for each site. cdktf's own version recurses through closures, which V8 spent
   * ~90 ms compiling at 100 sites, and follows every path again where paths join.
   */
  public dependsOn(stack: TerraformStack): boolean {
    const seen = new Set<TerraformStack>([this]);
    const pending: TerraformStack[] = [this];
    while (pending.length > 0) {
      for (const d of pending.pop()!.dependencies) {
        if (d === stack) return true;
        // Most stacks reached (the keys stacks behind the pki stack) depend on nothing: no set lookup for them.
        if (d.dependencies.length > 0 && !seen.has(d)) {
          seen.add(d);
          pending.push(d);
        }
      }
    }
    return false;
  }

  public addOverride(path: string, value: any): void {
    this.ownOverrides = true;
    super.addOverride(path, value);
  }

  public toTerraform(): any {
    if (!this.synthesizing) return this.resolve();
    // The aspects are checked when a kept resolution would be reused (the write), not when it is made (the
    // policy's read): a resolution made while another aspect is present is never reused.
    if (this.resolved === undefined || !onlyPolicyAspects(this)) this.resolved = this.resolve();
    return this.resolved;
  }

  /** The stack's Terraform JSON as it is now. */
  private resolve(): any {
    return this.ownOverrides ? super.toTerraform() : resolvedStackJson(this);
  }
}

/** Whether every aspect on the stack, its ancestors and its constructs is a (read-only) security policy. */
function onlyPolicyAspects(stack: TerraformStack): boolean {
  return stack.node.scopes.every(onlyPolicy) && subtreeOnlyPolicy(stack);
}

function onlyPolicy(c: IConstruct): boolean {
  for (const a of Aspects.of(c).all) if (!(a instanceof SecurityPolicyAspect)) return false;
  return true;
}

/** `c` and every construct under it (a recursion, not `findAll`: no list of the stack's constructs is built). */
function subtreeOnlyPolicy(c: IConstruct): boolean {
  if (!onlyPolicy(c)) return false;
  for (const child of c.node.children) if (!subtreeOnlyPolicy(child)) return false;
  return true;
}
