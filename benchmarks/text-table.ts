/** Plain-text tables for the benchmark's console output (first column left-aligned, the rest right-aligned). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A number with a fixed count of decimals. */
export function fixed(n: number, decimals = 0): string {
  return Number.isFinite(n) ? n.toFixed(decimals) : '-';
}

/** library/baseline as `1.07`. */
export function ratio(lib: number, base: number): string {
  return base > 0 ? (lib / base).toFixed(2) : '-';
}
