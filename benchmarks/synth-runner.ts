/**
 * Runs one synth as a child process, the way production runs a cdktf app, and measures it: wall time
 * from spawn to exit (parent clock), peak RSS (the child's own getrusage) and the cdktf.out it wrote.
 *
 * Three ways to start the app, the same for both sides of a comparison:
 * - `sucrase`: `node -r ./scripts/ts-register.js <app>.ts`, exactly what cdktf.json's `app` runs: sucrase
 *   transpiles each TypeScript file the app loads, and its output is cached by content, so a run transpiles
 *   only files changed since the previous one.
 * - `ts-node`: `ts-node --transpile-only <app>.ts`, what cdktf's TypeScript template runs (minus npx's own
 *   start-up, which both sides would pay alike); ts-node's source-map support also rewrites every stack
 *   trace cdktf captures for its tokens.
 * - `node`: the app compiled once with tsc into a temporary folder, run with plain node: the cost of the
 *   synth itself, without transpiling.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { parseChildReport } from './child-report';

export const REPO_ROOT = join(__dirname, '..');

export type Side = 'library' | 'baseline';
export type Method = 'node' | 'ts-node' | 'sucrase';
export const METHODS: readonly Method[] = ['sucrase', 'ts-node', 'node'];

const APP_FILE: Record<Side, string> = { library: 'library-app', baseline: 'baseline-app' };

export interface SynthRun {
  readonly wallMs: number;
  readonly maxRssKiB: number;
  /** In-process time from the app's first statement after its imports to the end of `app.synth()`. */
  readonly synthMs: number;
  /** CPU time of the child (user + system), ms. */
  readonly cpuMs: number;
  /** The cdktf.out folder; the caller removes it (see `removeRun`). */
  readonly outdir: string;
  /** What the child wrote on stderr. */
  readonly stderr: string;
}

/** Where the apps were compiled for the `node` method; compiled on first use. */
let compiledRoot: string | undefined;

/**
 * Compiles both apps (and what they import from the library) once with tsc into a temporary folder.
 * Type errors elsewhere in a shared working tree must not stop the benchmark, so emit happens regardless
 * and only missing output counts as failure.
 */
export function compileApps(): string {
  if (compiledRoot) return compiledRoot;
  const out = mkdtempSync(join(tmpdir(), 'fpki-bench-build-'));
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const apps = [...Object.values(APP_FILE), 'require-timing'].map((f) => join('benchmarks', `${f}.ts`));
  const r = spawnSync(process.execPath, [tsc, '--outDir', out, '--rootDir', '.', '--target', 'ES2021', '--module', 'commonjs',
    '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule', '--types', 'node', '--noEmitOnError', 'false', ...apps], { cwd: REPO_ROOT, encoding: 'utf8' });
  for (const f of Object.values(APP_FILE)) {
    if (!existsSync(join(out, 'benchmarks', `${f}.js`))) throw new Error(`tsc did not emit ${f}.js (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  compiledRoot = out;
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  return out;
}

/** The command line that starts an app. */
export function appCommand(side: Side, method: Method, nodeFlags: readonly string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  if (method === 'sucrase') {
    return { args: [...nodeFlags, '-r', join(REPO_ROOT, 'scripts', 'ts-register.js'), join('benchmarks', `${APP_FILE[side]}.ts`)], env: process.env };
  }
  if (method === 'ts-node') {
    const bin = join(REPO_ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');
    return { args: [...nodeFlags, bin, '--transpile-only', join('benchmarks', `${APP_FILE[side]}.ts`)], env: process.env };
  }
  const root = compileApps();
  // The compiled files live outside the repo: let them resolve the repo's node_modules.
  return { args: [...nodeFlags, join(root, 'benchmarks', `${APP_FILE[side]}.js`)], env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') } };
}

export interface SynthOptions {
  /** One more leaf after (`append`) or before (`prepend`) the others. @default none */
  readonly extra?: 'append' | 'prepend';
  /** Flags for node itself (profiling, preloads). @default none */
  readonly nodeFlags?: readonly string[];
  /** Extra environment of the child (e.g. BENCH_LIBRARY_VARIANT). @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/** One synth of `leaves` leaf sites by one side, measured. */
export function runSynth(side: Side, method: Method, leaves: number, options: SynthOptions = {}): SynthRun {
  const { extra, nodeFlags = [] } = options;
  const outdir = mkdtempSync(join(tmpdir(), `fpki-bench-${side}-`));
  const { args, env } = appCommand(side, method, nodeFlags);
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...args, String(leaves), join(outdir, 'cdktf.out'), ...(extra ? [extra] : [])], {
    cwd: REPO_ROOT, env: { ...env, ...options.env, CHECKPOINT_DISABLE: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const report = parseChildReport(r.stdout ?? '');
  if (r.status !== 0 || !report) {
    rmSync(outdir, { recursive: true, force: true });
    throw new Error(`${side} synth of ${leaves} leaves (${method}) failed with exit ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return { wallMs, maxRssKiB: report.maxRssKiB, synthMs: report.synthMs, cpuMs: report.cpuMs, outdir: join(outdir, 'cdktf.out'), stderr: r.stderr ?? '' };
}

/** Node flags that preload require-timing.ts into a child started with the `node` method. */
export function requireTimingFlags(): string[] {
  return ['-r', join(compileApps(), 'benchmarks', 'require-timing.js')];
}

/** Removes a run's cdktf.out and its temporary parent. */
export function removeRun(run: SynthRun): void {
  rmSync(join(run.outdir, '..'), { recursive: true, force: true });
}

/** A path relative to the repo, for printing. */
export function repoRelative(p: string): string {
  return relative(REPO_ROOT, p);
}
