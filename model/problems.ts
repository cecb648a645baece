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
  const where = [p.site !== undefined ? `site ${printable(p.site, 100)}` : undefined, p.node !== undefined ? `node ${printable(p.node, 100)}` : undefined, `field ${printable(p.field, 200)}`]
    .filter((x) => x !== undefined)
    .join(', ');
  return `${where}: ${printable(p.message, 2000)} (rule: ${p.rule})`;
}

/**
 * Spec text as it may appear in a message: bounded (an id can be megabytes long, and it is repeated in every
 * problem of its site) and with control and bidi characters escaped (they would rewrite the operator's terminal).
 */
function printable(text: string, max: number): string {
  const s = String(text);
  const cut = s.length > max ? `${s.slice(0, max - 3)}...` : s;
  return cut.replace(/[\0-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Problems listed in a SpecError's message; the rest are counted (all stay in `problems`). */
const MAX_LISTED_PROBLEMS = 200;

/**
 * A problem about an absent value says "missing": validators render the value they were given, and
 * `undefined is not a valid FQDN` reads like a value an operator typed.
 */
export function sayMissing(p: SpecProblem): SpecProblem {
  const m = /^undefined is (not .*)$/s.exec(p.message);
  return m ? { ...p, message: `missing (it is required and must be ${m[1].replace(/^not /, '')})` } : p;
}

/** Thrown when a spec is invalid: carries every problem found, not just the first. */
export class SpecError extends Error {
  public readonly problems: readonly SpecProblem[];

  constructor(given: readonly SpecProblem[]) {
    const problems = given.map(sayMissing);
    super(`federation spec has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  - ${formatProblem(p)}`).join('\n') +
      (problems.length > MAX_LISTED_PROBLEMS ? `\n  - ... and ${problems.length - MAX_LISTED_PROBLEMS} more` : ''));
    this.name = 'SpecError';
    this.problems = problems;
  }
}
