/** One thing wrong with a spec: where it is and which rule it breaks. */
export interface SpecProblem {
  /** Site id, when the problem is inside a site. */
  readonly site?: string;
  /** Node id, when the problem is inside a node. */
  readonly node?: string;
  /** The field, as a path inside its site/node/link (e.g. `output.port`), or at the top (e.g. `ca.leafValidityDays`). */
  readonly field: string;
  /** What is wrong with the value given. */
  readonly message: string;
  /** The rule broken, and where it comes from (SemStreams guide, Loom reference, or this library). */
  readonly rule: string;
}

/** Renders a problem as one line naming site, node, field and rule. */
export function formatProblem(p: SpecProblem): string {
  const where = [p.site !== undefined ? `site ${p.site}` : undefined, p.node !== undefined ? `node ${p.node}` : undefined, `field ${p.field}`]
    .filter((x) => x !== undefined)
    .join(', ');
  return `${where}: ${p.message} (rule: ${p.rule})`;
}

/** Thrown when a spec is invalid: carries every problem found, not just the first. */
export class SpecError extends Error {
  constructor(public readonly problems: readonly SpecProblem[]) {
    super(`federation spec has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((p) => `  - ${formatProblem(p)}`).join('\n'));
    this.name = 'SpecError';
  }
}
