import { PolicyRule } from './rules';

/** One thing the security policy found in what a stack synthesizes. */
export interface PolicyFinding {
  readonly rule: PolicyRule;
  /** The site (a container's `federation-pki.site` label, else the stack's name). */
  readonly site: string;
  /** The node (a container's `federation-pki.node` label, else its name; `-` when no node owns the construct). */
  readonly node: string;
  /** Construct path of what was checked, e.g. `semstreams-location-a/node-location-a/container`. */
  readonly path: string;
  /** What is wrong, with the values found. */
  readonly message: string;
}

/** A finding a suppression waived, with the suppression's written reason. */
export interface SuppressedFinding extends PolicyFinding {
  readonly reason: string;
}

/** One line naming site, node, rule and the construct. */
export function formatFinding(f: PolicyFinding): string {
  return `site ${f.site}, node ${f.node}, ${f.rule.id}: ${f.message} (at ${f.path})`;
}

/** The warning a suppressed finding prints at every synth: the finding, the reason, and what the waiver accepts. */
export function formatSuppressed(f: SuppressedFinding): string {
  const risk = f.rule.riskWhenSuppressed ? `; this accepts that ${f.rule.riskWhenSuppressed}` : '';
  return `security policy: suppressed ${formatFinding(f)}; reason: ${JSON.stringify(f.reason)}${risk}`;
}

/** Thrown at synth when the policy finds violations, or at construction when a suppression is malformed. */
export class PolicyError extends Error {
  constructor(
    /** Unsuppressed findings, every one of them. */
    public readonly violations: readonly PolicyFinding[],
    /** Malformed suppressions (unknown rule, no written reason). */
    public readonly suppressionProblems: readonly string[] = [],
  ) {
    super([
      ...(suppressionProblems.length > 0 ? [`security policy: ${count(suppressionProblems.length, 'invalid suppression')}:`, ...suppressionProblems.map((p) => `  - ${p}`)] : []),
      ...(violations.length > 0 ? [
        `security policy: ${count(violations.length, 'violation')} (fix each, or suppress it on its node with a written reason):`,
        ...violations.map((v) => `  - ${formatFinding(v)}`),
      ] : []),
    ].join('\n'));
    this.name = 'PolicyError';
  }
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
