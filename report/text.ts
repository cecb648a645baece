/** Small text helpers for deterministic Markdown. */

/** Code-point order: unlike localeCompare, the same on every machine and locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value as inline code, safe inside a table cell. */
export function code(s: string | number): string {
  const text = String(s).replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Plain text safe inside a table cell. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** A Markdown table; an empty body renders as one row of dashes. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const body = rows.length > 0 ? rows : [header.map(() => '—')];
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** `1 site` / `3 sites`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
