/**
 * Terraform references inside synthesized values: `${tls_private_key.x.private_key_pem}`,
 * `${data.terraform_remote_state.r.outputs.o}` and the like. Pure text functions.
 */

/** A reference as written: `address.attribute`, or a remote state output. */
export type TerraformReference =
  | { readonly kind: 'local'; readonly address: string; readonly attribute: string }
  | { readonly kind: 'remote'; readonly dataSource: string; readonly output: string };

const REMOTE = /(?<![\w.-])data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;
const ADDRESS = /(?<![\w.-])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** The bodies of the `${...}` interpolations in `s` (not `$${`, Terraform's escape for a literal). */
export function interpolations(s: string): string[] {
  const bodies: string[] = [];
  let i = s.indexOf('${');
  while (i >= 0) {
    if (i > 0 && s[i - 1] === '$') { i = s.indexOf('${', i + 2); continue; }
    let depth = 1;
    let j = i + 2;
    for (; j < s.length && depth > 0; j++) {
      if (s[j] === '{') depth++;
      else if (s[j] === '}') depth--;
    }
    bodies.push(s.slice(i + 2, depth === 0 ? j - 1 : j));
    i = s.indexOf('${', j);
  }
  return bodies;
}

/** The references in one interpolation body. */
export function referencesIn(body: string): TerraformReference[] {
  const refs: TerraformReference[] = [];
  const rest = body.replace(REMOTE, (_m, dataSource: string, output: string) => {
    refs.push({ kind: 'remote', dataSource, output });
    return ' ';
  });
  for (const m of rest.matchAll(ADDRESS)) refs.push({ kind: 'local', address: m[1], attribute: m[2] });
  return refs;
}

/**
 * Every string inside a JSON-like value that holds `${` (the only ones with references), appended to `out` in
 * document order (bounded depth: synthesized JSON is shallow). It collects rather than calling back: the policy
 * walks every string of every block, and a walk taking a callback was compiled by V8 again for each caller.
 */
export function collectInterpolated(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectInterpolated(v, out, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const k of Object.keys(value)) collectInterpolated((value as Record<string, unknown>)[k], out, depth + 1);
  }
  return out;
}

/** Whether a string holds any interpolation or template directive (`%{`), i.e. is not a literal. */
export function isLiteral(s: string): boolean {
  return interpolations(s).length === 0 && !/(^|[^%])%\{/.test(s.replace(/%%\{/g, ''));
}

/** The text Terraform makes of a literal: its escapes `$${` and `%%{` read back as `${` and `%{`. */
export function literalText(s: string): string {
  return s.replace(/\$\$\{/g, () => '${').replace(/%%\{/g, () => '%{');
}
