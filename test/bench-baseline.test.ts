/**
 * The synth benchmark compares the library with a hand-written plain-cdktf app (benchmarks/baseline-app.ts). That
 * comparison means something only while both declare the same Terraform: after the site-isolation change the
 * baseline had half the library's stacks and nobody noticed. Here both apps run as `npm run bench` runs them, and
 * every stack they write must be equal, block for block, but for cdktf's `//` metadata (construct paths).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readStacks } from '../benchmarks/cdktf-out';

const REPO = join(__dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs one bench app with `leaves` leaf sites; its stacks by name, cdktf metadata removed. */
function synth(app: 'library-app' | 'baseline-app', leaves: number): Map<string, { dependencies: string[]; json: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), `fpki-bench-${app}-`));
  dirs.push(dir);
  const out = join(dir, 'cdktf.out');
  const r = spawnSync(process.execPath, ['-r', join(REPO, 'scripts', 'ts-register.js'), join('benchmarks', `${app}.ts`), String(leaves), out], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`${app} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return new Map([...readStacks(out)].map(([name, s]) => [name, { dependencies: [...s.dependencies].sort(), json: withoutMetadata(s.json) }]));
}

function withoutMetadata(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutMetadata);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '//').map(([k, x]) => [k, withoutMetadata(x)]));
}

test('the plain-cdktf baseline synthesizes exactly what the library does for the bench federation', () => {
  const library = synth('library-app', 3);
  const baseline = synth('baseline-app', 3);
  // Two keys and two site stacks per site (hub and 3 leaves), the pki and public stacks.
  expect([...library.keys()].sort()).toHaveLength(10);
  expect([...baseline.keys()].sort()).toEqual([...library.keys()].sort());
  for (const [name, stack] of library) expect({ name, ...baseline.get(name)! }).toEqual({ name, ...stack });
});
