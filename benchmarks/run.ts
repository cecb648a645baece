/**
 * `npm run bench`: what synth and issuance cost as a federation grows (issue 7).
 *
 *   npm run bench -- [--sizes 1,10,100,300,1000] [--runs 5] [--large-runs 5] [--methods sucrase,ts-node,node]
 *                    [--parts synth,locality,issuance,keygen,profile] [--locality-sizes 10,100,300]
 *
 * Prints figures only: it never fails on time, and it is not part of `npm test`. It exits non-zero only
 * when a synth itself fails.
 */
import { spawnSync } from 'child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'os';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { join } from 'path';
import { parseRequireTimings } from './child-report';
import { compareInventories, folderBytes, Inventory, inventory, readStacks } from './cdktf-out';
import { summarizeProfile } from './cpu-profile';
import { HUB, leafId } from './hub-federation';
import { measureIssuance, ISSUANCE_NODES } from './issuance';
import { measureNodeKeygen, PKI_KEYS_FOR_100_NODES } from './node-keygen';
import { median } from './stats';
import { diffSynths, existingStackBlockCounts, StackChange } from './plan-diff';
import { Method, METHODS, removeRun, REPO_ROOT, requireTimingFlags, runSynth, Side } from './synth-runner';
import { fixed, ratio, renderTable } from './text-table';

interface Options {
  sizes: number[];
  runs: number;
  largeRuns: number;
  methods: Method[];
  parts: Set<string>;
  localitySizes: number[];
}

function parseOptions(argv: readonly string[]): Options {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const numbers = (s: string) => s.split(',').map(Number);
  const methods = (get('--methods') ?? METHODS.join(',')).split(',') as Method[];
  for (const m of methods) if (!METHODS.includes(m)) throw new Error(`unknown method ${m} (${METHODS.join(', ')})`);
  return {
    sizes: numbers(get('--sizes') ?? '1,10,100,300,1000'),
    runs: Number(get('--runs') ?? 5),
    largeRuns: Number(get('--large-runs') ?? 5),
    methods,
    parts: new Set((get('--parts') ?? 'synth,locality,issuance,keygen,profile').split(',')),
    localitySizes: numbers(get('--locality-sizes') ?? '10,100,300'),
  };
}

const out = (s = '') => process.stdout.write(`${s}\n`);
const MiB = (kib: number) => kib / 1024;

function header(): void {
  const cpu = cpus();
  out('# federation-pki benchmarks');
  out(`machine: ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? '?'}), ${fixed(totalmem() / 2 ** 30, 1)} GiB memory, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = git(['status', '--porcelain']).split('\n').filter((l) => l.length > 0).length;
  out(`library: commit ${git(['rev-parse', '--short', 'HEAD']) || '?'}${dirty > 0 ? ` + ${dirty} uncommitted paths in the working tree (measured as they are)` : ''}, cdktf ${require('cdktf/package.json').version}`);
  out(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: other work running beside the benchmark shows up as noise)`);
  out(`federations: one hub site (SemStreams node serving mTLS) + N leaf sites (one SemStreams node each, dialing the hub); stacks = 2N + 4 (pki, pki-public, and a keys stack and a site stack for the hub and each leaf)`);
}

// --- 1. synth: library vs baseline --------------------------------------------------------------

interface SizeFigures {
  leaves: number;
  stacks: number;
  runs: number;
  wall: Record<Side, number>;
  /** Fastest run: noise on a shared machine only ever adds time. */
  wallMin: Record<Side, number>;
  /**
   * Median over runs of (library wall / baseline wall of the same run): the two sides run back to back,
   * so a slow spell of the shared machine, which moves both, cancels out of each pair.
   */
  pairedRatio: number;
  /**
   * The headline figure: median over runs of (library CPU / baseline CPU of the same run). CPU time (user +
   * system) counts only the work the process does, so other jobs on a shared machine move it far less
   * than wall time; pairing cancels what remains.
   */
  pairedCpuRatio: number;
  /** Lowest and highest of those per-run CPU ratios: the spread a reader should weigh the median against. */
  cpuRatioRange: [number, number];
  cpu: Record<Side, number>;
  synth: Record<Side, number>;
  rss: Record<Side, number>;
  bytes: Record<Side, number>;
}

function measureSynth(method: Method, opts: Options, inventories: Map<number, { lib: Inventory; base: Inventory }>): SizeFigures[] {
  const figures: SizeFigures[] = [];
  // One unmeasured run per side: the sucrase method's transpile cache then holds every file, as it does from
  // an operator's second synth on (and the node method compiles its apps here, not inside a measured run).
  for (const side of ['library', 'baseline'] as const) removeRun(runSynth(side, method, 1));
  for (const leaves of opts.sizes) {
    const runs = leaves >= 300 ? opts.largeRuns : opts.runs;
    const samples: Record<Side, { wall: number[]; cpu: number[]; synth: number[]; rss: number[]; bytes: number[] }> = {
      library: { wall: [], cpu: [], synth: [], rss: [], bytes: [] },
      baseline: { wall: [], cpu: [], synth: [], rss: [], bytes: [] },
    };
    let stacks = 0;
    const pairRatios: number[] = [];
    const cpuPairRatios: number[] = [];
    for (let r = 0; r < runs; r++) {
      // Interleaved, so drift in the machine's load hits both sides alike; who goes first alternates.
      const runsBySide = {} as Record<Side, ReturnType<typeof runSynth>>;
      const order: Side[] = r % 2 === 0 ? ['library', 'baseline'] : ['baseline', 'library'];
      for (const side of order) {
        const run = runSynth(side, method, leaves);
        runsBySide[side] = run;
        samples[side].wall.push(run.wallMs);
        samples[side].cpu.push(run.cpuMs);
        samples[side].synth.push(run.synthMs);
        samples[side].rss.push(run.maxRssKiB);
        samples[side].bytes.push(folderBytes(run.outdir));
      }
      pairRatios.push(runsBySide.library.wallMs / runsBySide.baseline.wallMs);
      cpuPairRatios.push(runsBySide.library.cpuMs / runsBySide.baseline.cpuMs);
      if (r === 0) {
        const lib = readStacks(runsBySide.library.outdir);
        stacks = lib.size;
        if (!inventories.has(leaves)) inventories.set(leaves, { lib: inventory(lib), base: inventory(readStacks(runsBySide.baseline.outdir)) });
      }
      removeRun(runsBySide.library);
      removeRun(runsBySide.baseline);
    }
    const med = (side: Side, k: 'wall' | 'cpu' | 'synth' | 'rss' | 'bytes') => median(samples[side][k]);
    const f: SizeFigures = {
      leaves, stacks, runs,
      wall: { library: med('library', 'wall'), baseline: med('baseline', 'wall') },
      wallMin: { library: Math.min(...samples.library.wall), baseline: Math.min(...samples.baseline.wall) },
      pairedRatio: median(pairRatios),
      pairedCpuRatio: median(cpuPairRatios),
      cpuRatioRange: [Math.min(...cpuPairRatios), Math.max(...cpuPairRatios)],
      cpu: { library: med('library', 'cpu'), baseline: med('baseline', 'cpu') },
      synth: { library: med('library', 'synth'), baseline: med('baseline', 'synth') },
      rss: { library: med('library', 'rss'), baseline: med('baseline', 'rss') },
      bytes: { library: med('library', 'bytes'), baseline: med('baseline', 'bytes') },
    };
    figures.push(f);
    process.stderr.write(`  [${method}] ${leaves} leaves: ${runs} runs, paired CPU ratio ${f.pairedCpuRatio.toFixed(3)} (${f.cpuRatioRange.map((x) => x.toFixed(3)).join('-')}), wall ${fixed(f.wall.library)} / ${fixed(f.wall.baseline)} ms\n`);
  }
  return figures;
}

function printSynth(method: Method, figures: readonly SizeFigures[]): void {
  const how: Record<Method, string> = {
    sucrase: 'node -r ./scripts/ts-register.js <app>.ts (as cdktf.json runs main.ts; transpile cache warm)',
    'ts-node': 'ts-node --transpile-only <app>.ts (cdktf\'s TypeScript template)',
    node: 'node <app>.js, compiled once with tsc beforehand',
  };
  out(`\n## Synth, method ${method}: ${how[method]}`);
  out('\nHeadline: paired, interleaved CPU ratio (median of per-run library CPU / baseline CPU; library and baseline');
  out('run back to back, who goes first alternating), with the lowest and highest per-run ratio.');
  out(renderTable(
    ['leaves', 'stacks', 'runs', 'paired CPU ratio', 'range', 'CPU ms lib', 'base', 'CPU ms per leaf lib', 'base'],
    figures.map((f, i) => {
      const prev = i > 0 ? figures[i - 1] : undefined;
      const per = (side: Side) => (prev ? fixed((f.cpu[side] - prev.cpu[side]) / (f.leaves - prev.leaves), 2) : '—');
      return [
        String(f.leaves), String(f.stacks), String(f.runs), f.pairedCpuRatio.toFixed(3),
        `${f.cpuRatioRange[0].toFixed(3)}–${f.cpuRatioRange[1].toFixed(3)}`,
        fixed(f.cpu.library), fixed(f.cpu.baseline), per('library'), per('baseline'),
      ];
    }),
  ));
  const worstCpu = Math.max(...figures.map((f) => f.pairedCpuRatio));
  out(`goal paired CPU ratio <= 1.05 at every size: ${worstCpu <= 1.05 ? 'met' : 'NOT met'} (worst ${worstCpu.toFixed(3)})`);
  out('\nAll figures, medians:');
  out(renderTable(
    ['leaves', 'stacks', 'runs', 'wall ms lib', 'base', 'ratio', 'paired', 'min ratio', 'CPU ms lib', 'base', 'ratio', 'in-synth ms lib', 'base', 'ratio'],
    figures.map((f) => [
      String(f.leaves), String(f.stacks), String(f.runs),
      fixed(f.wall.library), fixed(f.wall.baseline), ratio(f.wall.library, f.wall.baseline), f.pairedRatio.toFixed(2),
      ratio(f.wallMin.library, f.wallMin.baseline),
      fixed(f.cpu.library), fixed(f.cpu.baseline), ratio(f.cpu.library, f.cpu.baseline),
      fixed(f.synth.library), fixed(f.synth.baseline), ratio(f.synth.library, f.synth.baseline),
    ]),
  ));
  out('');
  out(renderTable(
    ['leaves', 'peak RSS MiB lib', 'base', 'ratio', 'cdktf.out KiB lib', 'base', 'ratio'],
    figures.map((f) => [
      String(f.leaves),
      fixed(MiB(f.rss.library)), fixed(MiB(f.rss.baseline)), ratio(f.rss.library, f.rss.baseline),
      fixed(f.bytes.library / 1024), fixed(f.bytes.baseline / 1024), ratio(f.bytes.library, f.bytes.baseline),
    ]),
  ));
  out('wall = spawn to exit (node start-up, module loading and transpiling, construction, synth, writing); ratio = of the');
  out('medians; paired = median of each run\'s library/baseline (run back to back); min ratio = fastest library run / fastest');
  out('baseline run; CPU = user + system time of the synth process (all threads);');
  out('in-synth = inside the process, from after the app\'s imports to the end of app.synth().');
  const worst = Math.max(...figures.map((f) => f.wall.library / f.wall.baseline));
  const worstPaired = Math.max(...figures.map((f) => f.pairedRatio));
  out(`wall ratios, for reference (noisier on a shared machine): worst ratio of medians ${worst.toFixed(2)}, worst paired ${worstPaired.toFixed(2)}`);

  if (figures.length > 1) {
    out(`\nGrowth (${method}): marginal cost of one more leaf site between consecutive sizes`);
    const rows: string[][] = [];
    for (let i = 1; i < figures.length; i++) {
      const a = figures[i - 1];
      const b = figures[i];
      const d = b.leaves - a.leaves;
      const per = (x: Record<Side, number>, y: Record<Side, number>, side: Side) => (y[side] - x[side]) / d;
      rows.push([
        `${a.leaves} -> ${b.leaves}`,
        fixed(per(a.wall, b.wall, 'library'), 1), fixed(per(a.wall, b.wall, 'baseline'), 1), ratio(per(a.wall, b.wall, 'library'), per(a.wall, b.wall, 'baseline')),
        fixed(per(a.rss, b.rss, 'library'), 0), fixed(per(a.rss, b.rss, 'baseline'), 0),
        fixed(per(a.bytes, b.bytes, 'library') / 1024, 2), fixed(per(a.bytes, b.bytes, 'baseline') / 1024, 2),
      ]);
    }
    out(renderTable(['leaves', 'wall ms/leaf lib', 'base', 'ratio', 'RSS KiB/leaf lib', 'base', 'cdktf.out KiB/leaf lib', 'base'], rows));
  }
}

function printInventories(inventories: Map<number, { lib: Inventory; base: Inventory }>): void {
  const sizes = [...inventories.keys()];
  const compared = sizes.map((s) => compareInventories(inventories.get(s)!.lib, inventories.get(s)!.base));
  const labels = compared[0].map((r) => r.label);
  out('\n## Same resources on both sides (counted from each cdktf.out: manifest + every stack), library/baseline');
  out(renderTable(['', ...sizes.map((s) => `${s} leaves`)], labels.map((label) => [
    label,
    ...compared.map((rows) => {
      const r = rows.find((x) => x.label === label);
      return r ? (r.same ? `${r.lib}` : `${r.lib}/${r.base} DIFFERS`) : '-';
    }),
  ])));
  const allSame = compared.every((rows) => rows.every((r) => r.same));
  out(allSame
    ? 'every count equal on both sides at every size (one number shown where library = baseline)'
    : 'COUNTS DIFFER: the baseline no longer declares what the library does; update benchmarks/baseline-app.ts');
}

// --- 2. plan locality ------------------------------------------------------------------------------

/** Replaces the new leaf's id and cdktf's logical-id hashes, so diffs at different sizes compare. */
function shapeOf(changes: readonly StackChange[], newLeaf: string): string[] {
  const pki = `${HUB.name}-pki`;
  const hub = `${HUB.name}-${HUB.hubId}`;
  const role = (stack: string) => (stack === pki ? 'pki' : stack === hub ? 'hub' : stack === `${HUB.name}-${newLeaf}` ? 'new leaf' : `other:${stack}`);
  return changes.flatMap((c) => c.blocks.map((b) => `${role(c.stack)} ${b
    .split(newLeaf).join('<new>')
    .split(newLeaf.replace(/-/g, '_')).join('<new>')
    .replace(/_[0-9A-F]{8}(?=\b|[a-z_])/g, '_<hash>')}`)).sort();
}

function measureLocality(opts: Options): void {
  out('\n## Plan locality: one leaf site added to N (library, diff of two synths, block by block)');
  const rows: string[][] = [];
  const shapes = new Map<string, string[]>();
  const details = new Map<string, StackChange[]>();
  for (const leaves of opts.localitySizes) {
    const before = runSynth('library', 'node', leaves);
    try {
      const beforeStacks = readStacks(before.outdir);
      for (const position of ['append', 'prepend'] as const) {
        const after = runSynth('library', 'node', leaves, { extra: position });
        try {
          const newLeaf = position === 'append' ? leafId(leaves + 1) : leafId(0);
          const changes = diffSynths(beforeStacks, readStacks(after.outdir));
          const counts = existingStackBlockCounts(changes);
          const sig = (k: string) => `${counts[k].added}/${counts[k].changed}/${counts[k].removed}`;
          const newStack = `${HUB.name}-${newLeaf}`;
          const unexpected = changes.filter((c) => !(c.kind === 'added' && c.stack === newStack) && !(c.kind === 'changed' && (c.stack === `${HUB.name}-pki` || c.stack === `${HUB.name}-${HUB.hubId}`)));
          const pkiForeign = changes.filter((c) => c.stack === `${HUB.name}-pki`).flatMap((c) => c.blocks).filter((b) => !b.includes(newLeaf) && !b.includes(newLeaf.replace(/-/g, '_')));
          rows.push([
            String(leaves), position,
            `${changes.filter((c) => c.kind === 'added').length}/${changes.filter((c) => c.kind === 'changed').length}/${changes.filter((c) => c.kind === 'removed').length}`,
            changes.filter((c) => c.kind === 'changed').map((c) => c.stack).join(' ') || '-',
            sig('resource'), sig('output'), sig('data'), sig('provider'),
            unexpected.length === 0 && pkiForeign.length === 0 ? 'yes' : `NO: ${[...unexpected.map((c) => c.stack), ...pkiForeign].join(', ')}`,
          ]);
          const shape = shapeOf(changes, newLeaf);
          shapes.set(`${leaves} ${position}`, shape);
          details.set(`${leaves} ${position}`, changes);
        } finally {
          removeRun(after);
        }
      }
    } finally {
      removeRun(before);
    }
  }
  out(renderTable(['N', 'new leaf', 'stacks +/~/-', 'changed existing stacks', 'resources +/~/-', 'outputs +/~/-', 'data +/~/-', 'providers +/~/-', 'local'], rows));
  out('(+/~/- counted in the stacks that existed before; the new leaf\'s own stack is the "+" in stacks)');
  for (const position of ['append', 'prepend']) {
    const keys = [...shapes.keys()].filter((k) => k.endsWith(position));
    const first = shapes.get(keys[0])!;
    const constant = keys.every((k) => shapes.get(k)!.join('\n') === first.join('\n'));
    out(`${position}: the changed blocks are ${constant ? 'the same at every N (constant in federation size)' : 'NOT the same at every N'}`);
  }
  const example = details.get([...details.keys()].find((k) => k.endsWith('append') && k.startsWith('100 ')) ?? [...details.keys()][0])!;
  out('changed blocks when a leaf is appended (N = 100 where measured; "+" added, "~" changed, "-" removed):');
  for (const c of example) {
    if (c.kind === 'added') out(`  ${c.stack} (new stack): ${c.blocks.length} blocks`);
    else out(`  ${c.stack}: ${c.blocks.join(', ')}`);
  }
}

// --- 3. issuance -----------------------------------------------------------------------------------

function printIssuance(): void {
  out(`\n## Issuance: terraform apply of the pki stack, ${ISSUANCE_NODES} node certificates + root + canary, real hashicorp/tls`);
  const results = measureIssuance();
  const measured = results.filter((r) => r.measured);
  if (measured.length > 0) {
    out(renderTable(['algorithm', 'init s', 'apply s', 'resources', 'certificates'], measured.map((r) => [
      r.algorithm, fixed(r.initMs / 1000, 1), fixed(r.applyMs / 1000, 1), String(r.resources), String(r.certificates)])));
    out('(terraform\'s default -parallelism=10)');
  }
  // Algorithms failing for the same reason share one line.
  const reasons = new Map<string, string[]>();
  for (const r of results) if (!r.measured) reasons.set(r.reason, [...(reasons.get(r.reason) ?? []), r.algorithm]);
  for (const [reason, algorithms] of reasons) out(`${algorithms.join(', ')}: not measured: ${reason}`);
}

function printKeygen(): void {
  out(`\n## Node keygen (stand-in, NOT the provider): Node crypto.generateKeyPairSync (OpenSSL ${process.versions.openssl}), one key at a time`);
  const figures = measureNodeKeygen();
  out(renderTable(
    ['algorithm', 'keys timed', 'mean ms/key', 'median', 'max', 'sign ms', `${PKI_KEYS_FOR_100_NODES} keys serial, s`, 'vs ECDSA_P256'],
    figures.map((f) => [f.algorithm, String(f.samples), fixed(f.meanMs, 2), fixed(f.medianMs, 2), fixed(f.maxMs, 1), fixed(f.signMeanMs, 3),
      fixed(f.projectedSerialMs / 1000, 2), `${fixed(f.meanMs / figures[0].meanMs, 0)}x`]),
  ));
  out(`(${PKI_KEYS_FOR_100_NODES} keys = root + ${ISSUANCE_NODES} nodes + canary; "sign" = one SHA-256 signature by a key of that algorithm, as the CA signing a leaf)`);
}

// --- profile ---------------------------------------------------------------------------------------

function printProfile(leaves: number, methods: readonly Method[]): void {
  out(`\n## Where the time goes: V8 CPU profile of one synth of ${leaves} leaves (node --cpu-prof)`);
  for (const method of methods) {
    for (const side of ['library', 'baseline'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'fpki-bench-prof-'));
      try {
        const run = runSynth(side, method, leaves, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
        removeRun(run);
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) { out(`${side} (${method}): no profile written`); continue; }
        const s = summarizeProfile(join(dir, file), 6);
        out(`${side}, ${method}: ${fixed(s.totalMs)} ms sampled`);
        out(`  self time by origin: ${s.byOrigin.slice(0, 8).map((o) => `${o.origin} ${fixed(o.ms)}`).join(', ')}`);
        out(`  inclusive: ${s.phases.map((p) => `${p.phase} ${fixed(p.ms)}`).join(', ')}`);
        out(`  top self: ${s.topSelf.map((t) => `${t.fn} ${fixed(t.ms)}`).join('; ')}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

/** The library's fixed cost, attributed: the heaviest imports of one synth (node method, inclusive ms). */
function printRequireTimings(): void {
  out('\n## Heaviest imports (node method, 1 leaf; inclusive ms, a nested import counts in its importer too)');
  for (const side of ['library', 'baseline'] as const) {
    const run = runSynth(side, 'node', 1, { nodeFlags: requireTimingFlags() });
    removeRun(run);
    out(`${side}: ${parseRequireTimings(run.stderr).slice(0, 10).map((t) => `${t.what} ${fixed(t.ms)}`).join('; ')}`);
  }
}

/**
 * A/B attribution of the security policy aspect: the library as is, the library with the aspect made a
 * no-op (diagnostic variant of library-app.ts), and the baseline, interleaved; node method, medians.
 */
function printPolicyAttribution(sizes: readonly number[], runs: number): void {
  out(`\n## What the security policy aspect costs (node method, median of ${runs}; library with the aspect made a no-op, for attribution only)`);
  const rows: string[][] = [];
  for (const leaves of sizes) {
    const walls = { lib: [] as number[], noPolicy: [] as number[], base: [] as number[] };
    for (let r = 0; r < runs; r++) {
      const lib = runSynth('library', 'node', leaves);
      removeRun(lib);
      let noPolicy;
      try {
        noPolicy = runSynth('library', 'node', leaves, { env: { BENCH_LIBRARY_VARIANT: 'no-policy' } });
      } catch (e) {
        out(`not available: ${(e as Error).message.split('\n').find((l) => l.includes('BENCH_LIBRARY_VARIANT')) ?? (e as Error).message}`);
        return;
      }
      removeRun(noPolicy);
      const base = runSynth('baseline', 'node', leaves);
      removeRun(base);
      walls.lib.push(lib.wallMs);
      walls.noPolicy.push(noPolicy.wallMs);
      walls.base.push(base.wallMs);
    }
    const [l, n, b] = [median(walls.lib), median(walls.noPolicy), median(walls.base)];
    rows.push([String(leaves), fixed(l), fixed(n), fixed(l - n), fixed(b), ratio(l, b), ratio(n, b)]);
  }
  out(renderTable(['leaves', 'library ms', 'without policy', 'policy costs', 'baseline', 'ratio', 'ratio without policy'], rows));
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  header();
  if (opts.parts.has('synth')) {
    const inventories = new Map<number, { lib: Inventory; base: Inventory }>();
    for (const method of opts.methods) printSynth(method, measureSynth(method, opts, inventories));
    printInventories(inventories);
  }
  if (opts.parts.has('locality')) measureLocality(opts);
  if (opts.parts.has('issuance')) printIssuance();
  if (opts.parts.has('keygen')) printKeygen();
  if (opts.parts.has('profile')) {
    printRequireTimings();
    printPolicyAttribution([...new Set([Math.min(100, Math.max(...opts.sizes)), Math.max(...opts.sizes)])], opts.largeRuns);
    printProfile(Math.max(...opts.sizes), opts.methods);
  }
  out(`\nbenchmark took ${fixed((Date.now() - started) / 1000)} s`);
}

main();
