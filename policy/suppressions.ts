import { PolicyFinding, SuppressedFinding } from './finding';
import { PolicyRule } from './rules';

/** A written exception to one rule for one node. */
export interface PolicySuppression {
  /** The node (its `federation-pki.node` label, else its container's name). */
  readonly node: string;
  /** The rule's id, e.g. `FPKI-PLAINTEXT-CROSS-SITE`. */
  readonly rule: string;
  /** Why the exception is acceptable: at least 10 characters, printed with the finding at every synth. */
  readonly reason: string;
}

/** Shortest acceptable reason, as in spec validation. */
export const MIN_REASON_LENGTH = 10;

/** What is wrong with each suppression: an unknown rule, no written reason. */
export function checkSuppressions(suppressions: readonly PolicySuppression[]): string[] {
  const problems: string[] = [];
  for (const s of suppressions) {
    const where = `node ${s.node}, suppression of ${JSON.stringify(s.rule)}`;
    const rule = PolicyRule.fromId(s.rule);
    if (!rule) problems.push(`${where}: no such rule (known: ${PolicyRule.ALL.map((r) => r.id).join(', ')})`);
    if (typeof s.reason !== 'string' || s.reason.trim().length < MIN_REASON_LENGTH) {
      problems.push(`${where}: needs a written reason of at least ${MIN_REASON_LENGTH} characters`);
    }
  }
  return problems;
}

/** Findings split into violations and suppressed findings, and the suppressions that matched nothing. */
export interface SuppressionResult {
  readonly violations: PolicyFinding[];
  readonly suppressed: SuppressedFinding[];
  readonly unused: PolicySuppression[];
}

/** Applies (already checked) suppressions: a finding is waived by a suppression of its rule on its node. */
export function applySuppressions(findings: readonly PolicyFinding[], suppressions: readonly PolicySuppression[]): SuppressionResult {
  const used = new Set<PolicySuppression>();
  const violations: PolicyFinding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const s = suppressions.find((x) => x.node === f.node && x.rule === f.rule.id);
    if (s) {
      used.add(s);
      suppressed.push({ ...f, reason: s.reason });
    } else violations.push(f);
  }
  return { violations, suppressed, unused: suppressions.filter((s) => !used.has(s)) };
}
