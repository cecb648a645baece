/** How verify's results read: one progress line per check, a table at the end, or JSON for machines. */
import { CHECKS, CheckResult, CheckStatus } from './result';
import { endpointOf } from './endpoint-checks';
import { UnverifiedNode, VerifyTarget } from './targets';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'NOT PERFORMED' };

/** `[location-a 127.0.0.1:9000] TLS handshake … PASS  TLSv1.3, …` */
export function renderProgressLine(r: CheckResult): string {
  return `[${r.target} ${r.endpoint}] ${CHECKS[r.check]} … ${LABEL[r.status]}  ${r.detail}\n`;
}

export interface VerifySummary {
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly skip: number;
}

export function summarize(results: readonly CheckResult[]): VerifySummary {
  const n = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return { pass: n('pass'), fail: n('fail'), warn: n('warn'), skip: n('skip') };
}

/** The closing table, where each endpoint was dialled and why, the hints of every failure and warning, and a summary line. */
export function renderTable(results: readonly CheckResult[], unverified: readonly UnverifiedNode[] = [], targets: readonly VerifyTarget[] = []): string {
  // Check ids keep the table narrow; the progress lines carry the full titles.
  const rows = results.map((r) => [r.target, r.endpoint, r.check, LABEL[r.status], r.detail]);
  const header = ['Node', 'Endpoint', 'Check', 'Result', 'Detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i].length))));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (targets.length > 0) {
    out.push('', 'Dialled (SNI and names checked: the FQDN):');
    const w = Math.max(...targets.map((t) => t.id.length));
    for (const t of targets) out.push(`  ${t.id.padEnd(w)}  ${endpointOf(t)}  ${t.route.via}: ${t.route.reason}`);
  }
  const hinted = results.filter((r) => r.hint && (r.status === 'fail' || r.status === 'warn' || r.status === 'skip'));
  if (hinted.length > 0) {
    out.push('', 'What to do:');
    for (const r of hinted) out.push(`  ${r.target} ${r.check}: ${r.hint}`);
  }
  if (unverified.length > 0) {
    out.push('', 'Not dialled:');
    for (const u of unverified) out.push(`  ${u.nodeId}: ${u.reason}`);
  }
  const s = summarize(results);
  out.push('', `${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.skip} not performed`);
  return `${out.join('\n')}\n`;
}

/** Machine-readable results: stable keys, `ok` false on any failure (or, with strict, on any check not performed). */
export function renderJson(results: readonly CheckResult[], unverified: readonly UnverifiedNode[], strict: boolean, targets: readonly VerifyTarget[] = []): string {
  const summary = summarize(results);
  const dialled = targets.map((t) => ({ target: t.id, endpoint: endpointOf(t), servername: t.servername, via: t.route.via, reason: t.route.reason }));
  return `${JSON.stringify({ ok: isOk(summary, strict), summary, results, dialled, unverified }, null, 2)}\n`;
}

export function isOk(s: VerifySummary, strict: boolean): boolean {
  return s.fail === 0 && (!strict || s.skip === 0);
}
