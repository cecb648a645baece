/**
 * scripts/ts-register.js, which runs main.ts for `cdktf synth` (and the cli and bench scripts): TypeScript runs,
 * stack traces point at the .ts lines, a file's output is reused from the cache, and a changed file is
 * transpiled again; V8's code cache of each file is written once, reused, and rewritten when V8 rejects it.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const REGISTER = join(__dirname, '..', 'scripts', 'ts-register.js');
let dir: string;
let cache: string;

const LIB = (value: number) => [
  'export const value: number = ' + value + ';',
  'interface Unused { readonly x: string }',
  'export function boom(): never {',
  "  throw new Error('boom');",
  '}',
  '',
].join('\n');

function run(): { stdout: string; stderr: string; status: number | null } {
  return spawnSync(process.execPath, ['-r', REGISTER, 'main.ts'], {
    cwd: dir, env: { ...process.env, FPKI_TS_CACHE: cache }, encoding: 'utf8', timeout: 60_000,
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fpki-ts-register-'));
  cache = join(dir, 'cache');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'lib.ts'), LIB(1));
  writeFileSync(join(dir, 'main.ts'), [
    "import { boom, value } from './src/lib';",
    'try { boom(); } catch (e) {',
    "  const at = (e as Error).stack!.split('\\n').find((l) => l.includes('lib.ts'))!;",
    "  console.log(JSON.stringify({ value, at: at.slice(at.indexOf('lib.ts')) }));",
    '}',
  ].join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('runs TypeScript; a stack trace names the line of the .ts source (no source map needed)', () => {
  const r = run();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ value: 1, at: 'lib.ts:4:9)' });
});

test('a file unchanged since the last run is not transpiled again: its cached output runs', () => {
  const files = readdirSync(cache);
  expect(files.filter((f) => f.endsWith('.js'))).toHaveLength(2);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // Tamper with lib.ts's cached output: if the run used it, the cache was read.
  const lib = files.map((f) => join(cache, f)).find((f) => readFileSync(f, 'utf8').includes('const value = 1'))!;
  writeFileSync(lib, readFileSync(lib, 'utf8').replace('const value = 1', 'const value = 41'));
  expect(JSON.parse(run().stdout).value).toBe(41);
});

test('a changed file is transpiled again', () => {
  writeFileSync(join(dir, 'src', 'lib.ts'), LIB(7));
  expect(JSON.parse(run().stdout).value).toBe(7);
  expect(readdirSync(cache).filter((f) => f.endsWith('.js'))).toHaveLength(3);
});

test('each file\'s compiled code is cached: V8 accepts the cache on the next run, and a damaged one is ignored and rewritten', () => {
  const codeCaches = () => readdirSync(cache).filter((f) => f.endsWith('.v8')).map((f) => join(cache, f));
  // The run before wrote main.ts's and the new lib.ts's caches (every file written is renamed into place, a new inode).
  const written = new Map(codeCaches().map((f) => [f, statSync(f).ino]));
  expect(written.size).toBeGreaterThanOrEqual(2);
  expect(JSON.parse(run().stdout)).toEqual({ value: 7, at: 'lib.ts:4:9)' });
  // Accepted: nothing was rewritten (a rejected cache is written again when the run ends).
  expect(new Map(codeCaches().map((f) => [f, statSync(f).ino]))).toEqual(written);

  for (const f of written.keys()) writeFileSync(f, 'not a code cache');
  const r = run();
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ value: 7, at: 'lib.ts:4:9)' });
  const rewritten = [...written.keys()].filter((f) => readFileSync(f, 'utf8') !== 'not a code cache');
  expect(rewritten.length).toBeGreaterThanOrEqual(2);
  expect(readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
