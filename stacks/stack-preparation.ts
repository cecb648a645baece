import { TerraformStack, Token, Tokenization } from 'cdktf';
import { elementsOf, resolveInStack } from './cdktf-resolution';

/** The markers cdktf encodes string, list and map tokens with (`${TfToken[…]}`, `#{TfToken[…]}`, `&{TfToken[…]}`). */
const TOKEN_MARKER = 'TfToken[';
/** The marker of a map token, which cdktf finds among an object's keys. */
const MAP_TOKEN_MARKER = '&{TfToken[';
/** cdktf's pattern for number tokens concatenated into a string (its `TokenString.forNumbers`). */
const NUMBER_TOKEN_IN_STRING = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/;

/**
 * What cdktf's `TerraformStack.prepareStack` (cdktf 0.21) does to the elements of `stack`, at the cost of
 * resolving only the tokens in them.
 *
 * cdktf resolves every element's block once in "preparing" mode before it writes any stack: resolving a
 * reference to another stack's resource in that mode is what adds the output to that stack and the remote
 * state to this one. The resolved blocks are thrown away; the only effect is that of the tokens, and resolving
 * plain text, numbers, lists and maps has none. So this walks each block as cdktf's resolution does (keys
 * before values, in order) and hands cdktf's resolver exactly the values on which cdktf's resolution would
 * do token work: a string that may hold a token, a token number, a list holding list tokens, a map with a
 * map-token key, a resolvable, and what cdktf refuses (a function, a construct, the map-token values in a
 * scalar context), so that it is refused here too (its message names the value's path from where the walk
 * handed it over, not from the block). The same references are registered, in the same order. At 100 sites
 * that is ~430 ms of preparation instead of ~530; what is left is the tokens' own work, most of it the stack
 * traces cdktf records for the outputs and remote state it creates.
 *
 * `test/stack-preparation.test.ts` synthesizes the examples both ways and compares every file cdktf writes.
 */
export function prepareStackReferences(stack: TerraformStack): void {
  for (const element of elementsOf(stack)) visit(stack, element.toTerraform());
}

function visit(stack: TerraformStack, value: unknown): void {
  switch (typeof value) {
    case 'string':
      if (mayHoldToken(value)) prepare(stack, value);
      return;
    case 'number':
      if (value === Token.NUMBER_MAP_TOKEN_VALUE || Token.isUnresolved(value)) prepare(stack, value);
      return;
    case 'function':
      prepare(stack, value); // cdktf refuses it
      return;
    case 'object':
      break;
    default:
      return; // undefined, boolean, bigint, symbol: as they are
  }
  if (value === null || value instanceof Date) return;
  if (Array.isArray(value)) {
    // A list token (a string or number element that encodes a list) makes cdktf resolve the list as a whole.
    if (value.some((x) => Token.isUnresolved([x]))) return prepare(stack, value);
    for (const x of value) visit(stack, x);
    return;
  }
  const keys = Object.keys(value);
  // A map-token key, a resolvable, or a construct (which cdktf refuses): cdktf takes the object as a whole.
  if (keys.some((k) => k.includes(MAP_TOKEN_MARKER)) || Tokenization.isResolvable(value) || isConstruct(value)) return prepare(stack, value);
  for (const k of keys) {
    if (mayHoldToken(k)) prepare(stack, k);
    visit(stack, (value as Record<string, unknown>)[k]);
  }
}

/** Whether cdktf's resolution of this string could do more than return it. */
function mayHoldToken(s: string): boolean {
  return s.includes(TOKEN_MARKER) || NUMBER_TOKEN_IN_STRING.test(s) || s === Token.STRING_MAP_TOKEN_VALUE || s === Token.ANY_MAP_TOKEN_VALUE;
}

function prepare(stack: TerraformStack, value: unknown): void {
  resolveInStack(stack, value, true);
}

/** cdktf's test for a construct inside a value it resolves (which it refuses). */
function isConstruct(value: object): boolean {
  return (value as { _children?: unknown })._children !== undefined && (value as { _metadata?: unknown })._metadata !== undefined;
}
