/**
 * Reading a cdktf.out folder back: its size, its stacks, and an inventory of what they declare, so the
 * benchmark can show that the library and the baseline synthesized the same things.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';

/** Total bytes of every file under `dir`. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    total += s.isDirectory() ? folderBytes(p) : s.size;
  }
  return total;
}

/** The manifest's stacks with their parsed cdk.tf.json and dependencies. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly json: any;
}

export function readStacks(outdir: string): Map<string, SynthesizedStack> {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  const stacks = new Map<string, SynthesizedStack>();
  for (const [name, entry] of Object.entries<any>(manifest.stacks)) {
    stacks.set(name, {
      name,
      dependencies: [...entry.dependencies],
      json: JSON.parse(readFileSync(join(outdir, entry.synthesizedStackPath), 'utf8')),
    });
  }
  return stacks;
}

/** What a synth declares, counted over every stack. Keys are row labels of the printed comparison. */
export type Inventory = Map<string, number>;

const CROSS_STACK_OUTPUT = /^cross-stack-output-/;
const REMOTE_STATE_REF = /\$\{data\.terraform_remote_state\.[^}]+\}/g;

export function inventory(stacks: ReadonlyMap<string, SynthesizedStack>): Inventory {
  const counts: Inventory = new Map();
  const add = (key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);
  add('stacks', 0);
  for (const stack of stacks.values()) {
    const j = stack.json;
    add('stacks');
    add('stack dependencies', stack.dependencies.length);
    for (const [type, blocks] of Object.entries<any[]>(j.provider ?? {})) add(`provider ${type}`, blocks.length);
    for (const [type, byName] of Object.entries<Record<string, any>>(j.resource ?? {})) {
      add(`resource ${type}`, Object.keys(byName).length);
      if (type === 'docker_container') {
        for (const c of Object.values<any>(byName)) {
          const uploads: any[] = c.upload ?? [];
          add('container uploads', uploads.length);
          // Literal uploads are the rendered config files: equal bytes mean equal configs on both sides.
          add('literal upload bytes', uploads.filter((u) => !String(u.content).includes('${')).reduce((n, u) => n + Buffer.byteLength(u.content), 0));
        }
      }
    }
    for (const [type, byName] of Object.entries<Record<string, any>>(j.data ?? {})) add(`data ${type}`, Object.keys(byName).length);
    const outputs = Object.keys(j.output ?? {});
    add('outputs (declared)', outputs.filter((o) => !CROSS_STACK_OUTPUT.test(o)).length);
    add('outputs (cross-stack)', outputs.filter((o) => CROSS_STACK_OUTPUT.test(o)).length);
    add('cross-stack references', (JSON.stringify(j.resource ?? {}).match(REMOTE_STATE_REF) ?? []).length);
  }
  return counts;
}

/** Rows of a side-by-side inventory comparison: label, library count, baseline count, equal. */
export function compareInventories(lib: Inventory, base: Inventory): { label: string; lib: number; base: number; same: boolean }[] {
  const labels = [...new Set([...lib.keys(), ...base.keys()])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return labels.map((label) => {
    const l = lib.get(label) ?? 0;
    const b = base.get(label) ?? 0;
    return { label, lib: l, base: b, same: l === b };
  });
}

/** Stacks and providers first, then resources, data, outputs and references. */
function rank(label: string): number {
  const order = ['stacks', 'stack dependencies', 'provider ', 'resource ', 'container uploads', 'literal upload bytes', 'data ', 'outputs', 'cross-stack'];
  const i = order.findIndex((p) => label.startsWith(p));
  return i < 0 ? order.length : i;
}
