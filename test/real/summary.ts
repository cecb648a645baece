/** Progress lines while the tier runs and the summary table at its end. */

export type Verdict = 'pass' | 'fail' | 'not run';

export interface Row {
  readonly example: string;
  readonly check: string;
  readonly verdict: Verdict;
  readonly detail: string;
  readonly seconds: number;
}

const started = Date.now();
const clock = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;

export function progress(line: string): void {
  process.stdout.write(`[real ${clock()}] ${line}\n`);
}

export function renderSummary(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.example, r.check, r.verdict.toUpperCase(), r.seconds ? `${r.seconds.toFixed(0)}s` : '', r.detail.replace(/\s+/g, ' ')]);
  const head = ['example', 'check', 'result', 'time', 'detail'];
  const widths = head.map((h, i) => Math.min(i === 4 ? 200 : 60, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => (x.length > widths[i] ? `${x.slice(0, widths[i] - 1)}…` : x.padEnd(widths[i]))).join(' | ')} |`;
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
    '',
    // Not the "N passed, N failed" shape on purpose: a tier that could run nothing must not read as a test run.
    `real-peer tier summary — pass ${count('pass')} · fail ${count('fail')} · not run ${count('not run')}`,
  ].join('\n');
}
