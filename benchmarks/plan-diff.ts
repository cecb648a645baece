/**
 * Plan locality: what changes between two synths, stack by stack. Each stack is compared block by block
 * (providers, resources, data sources, outputs, the terraform block); a block is added, removed or
 * changed (deep comparison, cdktf's `//` metadata included: a moved construct is a change too).
 */
import { SynthesizedStack } from './cdktf-out';

export interface StackChange {
  readonly stack: string;
  readonly kind: 'added' | 'removed' | 'changed';
  /** Block keys such as `resource.docker_container.nats` or `output.node_hub`, each prefixed `+`, `-` or `~`. */
  readonly blocks: readonly string[];
}

/** Every changed stack, sorted by name; unchanged stacks are left out. */
export function diffSynths(before: ReadonlyMap<string, SynthesizedStack>, after: ReadonlyMap<string, SynthesizedStack>): StackChange[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: StackChange[] = [];
  for (const name of names) {
    const b = before.get(name);
    const a = after.get(name);
    if (!b) changes.push({ stack: name, kind: 'added', blocks: [...blocksOf(a!.json).keys()].map((k) => `+${k}`) });
    else if (!a) changes.push({ stack: name, kind: 'removed', blocks: [...blocksOf(b.json).keys()].map((k) => `-${k}`) });
    else {
      const blocks = diffBlocks(blocksOf(b.json), blocksOf(a.json));
      const depsChanged = b.dependencies.join() !== a.dependencies.join();
      if (blocks.length > 0 || depsChanged) changes.push({ stack: name, kind: 'changed', blocks: [...blocks, ...(depsChanged ? ['~dependencies'] : [])] });
    }
  }
  return changes;
}

/** A stack's blocks by key, each as canonical JSON. */
function blocksOf(json: any): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const section of ['resource', 'data']) {
    for (const [type, byName] of Object.entries<Record<string, unknown>>(json[section] ?? {})) {
      for (const [name, body] of Object.entries(byName)) blocks.set(`${section}.${type}.${name}`, canonical(body));
    }
  }
  for (const [name, body] of Object.entries(json.output ?? {})) blocks.set(`output.${name}`, canonical(body));
  for (const [type, body] of Object.entries(json.provider ?? {})) blocks.set(`provider.${type}`, canonical(body));
  if (json.terraform) blocks.set('terraform', canonical(json.terraform));
  if (json.locals) blocks.set('locals', canonical(json.locals));
  return blocks;
}

function diffBlocks(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [key, body] of after) {
    if (!before.has(key)) out.push(`+${key}`);
    else if (before.get(key) !== body) out.push(`~${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) out.push(`-${key}`);
  return out.sort((x, y) => x.slice(1).localeCompare(y.slice(1)));
}

/** JSON with object keys sorted, so key order never counts as a change. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => p.localeCompare(q)))
    : x));
}

/** Block counts of a diff by section and sign, over the stacks that existed before (not the added ones). */
export function existingStackBlockCounts(changes: readonly StackChange[]): Record<string, { added: number; changed: number; removed: number }> {
  const inExisting = changes.filter((c) => c.kind !== 'added').flatMap((c) => c.blocks);
  const count = (sign: string, section: string) => inExisting.filter((b) => b.startsWith(sign) && b.slice(1).startsWith(section)).length;
  return Object.fromEntries(['resource', 'data', 'output', 'provider', 'terraform', 'dependencies'].map((s) => [s, { added: count('+', s), changed: count('~', s), removed: count('-', s) }]));
}
