/**
 * Spec text reaching Terraform as text.
 *
 * Terraform evaluates `${...}` and `%{...}` in every string of a `.tf.json` file, so a spec value such as
 * `${file("/etc/hostname")}` or `${tls_private_key.root.private_key_pem}` would be evaluated, not written.
 * Every string a construct hands to a Terraform resource, data source, provider or output goes through
 * `terraformLiterals` at that call: literal text is escaped (`$${`, `%%{`, which Terraform reads back as
 * `${`, `%{`), and cdktf tokens (references this library made) are kept. Escaping happens exactly there, once:
 * a value escaped twice would reach its file as `$${`.
 *
 * A spec string that looks like a cdktf token would be resolved by cdktf as one; validation refuses those
 * (model/validate.ts, RULES.terraformToken), so every token seen here is one this library made.
 */
import { Token } from 'cdktf';

/** cdktf's string token marker (`${TfToken[TOKEN.n]}`), as cdktf itself matches it. */
const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;
/** The begin marker every cdktf string token starts with. */
const STRING_TOKEN_BEGIN = '${TfToken[';

/** Escapes Terraform template sequences in literal text (no tokens in it). */
export function escapeTemplate(text: string): string {
  // Most text has neither sequence: no copy, no regex.
  if (!text.includes('${') && !text.includes('%{')) return text;
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** One string: literal parts escaped, cdktf tokens kept. */
export function terraformLiteral(s: string): string {
  // A string token always contains its begin marker: text without one is literal, as Token.isUnresolved would say.
  if (!s.includes(STRING_TOKEN_BEGIN) || !Token.isUnresolved(s)) return escapeTemplate(s);
  let out = '';
  let last = 0;
  for (const m of s.matchAll(STRING_TOKEN)) {
    const literal = s.slice(last, m.index);
    // `$` or `%` right before a token would turn the token's `${` into an escape (`$${`) or a directive: refuse.
    if (/[$%]$/.test(literal)) throw new Error(`a literal ending in "${literal.slice(-1)}" precedes a Terraform reference: ${JSON.stringify(literal.slice(-40))}`);
    out += escapeTemplate(literal) + m[0];
    last = m.index! + m[0].length;
  }
  return out + escapeTemplate(s.slice(last));
}

/**
 * A value for a Terraform resource, data source, provider or output, with every string in it escaped as by
 * `terraformLiteral`. Objects and arrays are copied; cdktf objects (constructs, resolvables) and numbers are kept.
 */
export function terraformLiterals<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return terraformLiteral(v);
  if (Array.isArray(v)) {
    // A list token (`#{TfToken[...]}` as the only element) is a reference: keep it whole.
    if (Token.isUnresolved(v)) return v;
    return v.map(walk);
  }
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
