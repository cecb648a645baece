/**
 * Where a synth spends its time: a V8 `.cpuprofile` (from `node --cpu-prof`) summarized into self time by
 * origin (library source, cdktf, constructs, provider bindings, ts-node, node internals, GC, ...) and
 * inclusive time of the phases that matter (module loading, the library's model, stack construction,
 * app.synth(), stack-trace capture).
 */
import { readFileSync } from 'fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by origin, ms, largest first. */
  readonly byOrigin: readonly { origin: string; ms: number }[];
  /** Inclusive time of named phases, ms (a phase nested in another counts in both). */
  readonly phases: readonly { phase: string; ms: number }[];
  /** The functions with the most self time. */
  readonly topSelf: readonly { fn: string; ms: number }[];
}

/** Which part of the program a frame belongs to, from its script URL. */
export function originOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return 'V8 (program, idle)';
    return 'V8 builtins';
  }
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) {
    if (m[1].startsWith('@cdktf/provider-')) return 'provider bindings';
    if (m[1] === 'typescript' || m[1] === 'ts-node' || m[1] === 'source-map-support' || m[1] === '@cspotcode/source-map-support') return `ts-node (${m[1]})`;
    return m[1];
  }
  if (url.startsWith('node:')) return 'node internals';
  if (/\/benchmarks\//.test(url)) return 'benchmark app';
  return 'library source';
}

/** Phases: a frame matching any of a phase's patterns puts the sample in that phase. */
const PHASES: readonly { phase: string; match: (fn: string, url: string) => boolean }[] = [
  { phase: 'module loading (require)', match: (fn, url) => fn === 'require' && url.startsWith('node:internal/modules') },
  { phase: 'Federation constructor', match: (fn, url) => fn === 'Federation' && /\/stacks\/federation\.[jt]s$/.test(url) },
  { phase: 'of which spec validation + resolution', match: (fn) => fn === 'resolveFederation' },
  { phase: 'app.synth()', match: (fn, url) => fn === 'synth' && /cdktf\/lib\/app\.js$/.test(url) },
  { phase: 'of which security policy (code under policy/)', match: (_fn, url) => /\/policy\/[^/]+\.[jt]s$/.test(url) },
  { phase: 'token stack traces (cdktf captureStackTrace)', match: (fn, url) => fn === 'captureStackTrace' && /cdktf\/lib/.test(url) },
];

export function summarizeProfile(path: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  const origins = new Map<string, number>();
  const fns = new Map<string, number>();
  const phases = new Map<string, number>(PHASES.map((p) => [p.phase, 0]));
  let totalMs = 0;
  for (const [id, ms] of self) {
    totalMs += ms;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const origin = originOf(url, functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/((?:benchmarks|model|render|constructs|stacks)\/)/, '$1')}:${lineNumber + 1}` : ''}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    // Inclusive: every phase with a frame on this node's stack gets the node's self time once.
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      for (const p of PHASES) if (p.match(f.functionName, f.url)) hit.add(p.phase);
    }
    for (const p of hit) phases.set(p, phases.get(p)! + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    byOrigin: sorted(origins).map(([origin, ms]) => ({ origin, ms })),
    phases: [...phases].map(([phase, ms]) => ({ phase, ms })),
    topSelf: sorted(fns).slice(0, top).map(([fn, ms]) => ({ fn, ms })),
  };
}
