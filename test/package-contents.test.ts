/**
 * Issue 14, item 5: `npm pack` shipped untracked files, a key in the README's `secrets/` layout among them.
 * The package is an allow-list (package.json `files`: the compiled library in dist/, schema, examples, docs);
 * secrets/ is git-ignored. Packed here from a copy of the tracked files with keys, state and plans planted where
 * an operator keeps them, and a stand-in dist/ (the real build is test/consumer-package.test.ts's).
 */
import { execFileSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

const ROOT = join(__dirname, '..');
/** What the package may hold: the compiled library (JavaScript, maps, declarations), the schema, examples, docs. */
const ALLOWED = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/([\w-]+\/)*[\w.-]+\.(js|js\.map|d\.ts)|schema\/[\w.-]+\.json|examples\/[\w.-]+\.yaml|docs\/[\w.-]+\.md)$/;

let work: string;
let packed: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fpki-pack-'));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of tracked) {
    mkdirSync(dirname(join(work, f)), { recursive: true });
    cpSync(join(ROOT, f), join(work, f));
  }
  // What an operator's checkout holds beside the sources: keys (README's secrets/ layout), state, saved plans.
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const plant = (f: string, text: string) => { mkdirSync(dirname(join(work, f)), { recursive: true }); writeFileSync(join(work, f), text); };
  plant('secrets/pki/intermediate-ca.key', key);
  plant('secrets/b.key', key);
  plant('state/semstreams-pki.tfstate', JSON.stringify({ resources: [{ instances: [{ attributes: { private_key_pem: key } }] }] }));
  plant('cdktf.out/stacks/semstreams-location-b/plan', key);
  plant('model/stray.key', key);
  plant('docs/notes.key', key);
  plant('root-ca.key', key);
  // A stand-in build, with a key dropped beside it: only the compiled files of dist/ are packed.
  plant('dist/index.js', 'module.exports = {};\n');
  plant('dist/index.d.ts', 'export {};\n');
  plant('dist/stacks/federation.js', 'module.exports = {};\n');
  plant('dist/secrets/b.key', key);
  plant('dist/node-b.pem', key);
  plant('schema/federation-spec.schema.json', '{}\n');
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: work, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } });
  packed = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path).sort();
}, 120_000);

afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

test('the package holds only allow-listed paths', () => {
  expect(packed.filter((p) => !ALLOWED.test(p))).toEqual([]);
  expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/stacks/federation.js',
    'schema/federation-spec.schema.json', 'examples/three-locations.yaml', 'docs/SECURITY.md']));
  // No source: the package is the build (test/consumer-package.test.ts installs it).
  expect(packed.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
});

test('no key, state, plan, test or snapshot is packed, and no packed file holds key text', () => {
  expect(packed.filter((p) => /(^|\/)(secrets|state|cdktf\.out|test|__snapshots__|benchmarks)\/|\.(key|tfstate)$|(^|\/)plan$/.test(p))).toEqual([]);
  // A PEM key block: the label followed by base64 (sources may name the label, e.g. to recognise a key).
  for (const p of packed) expect({ p, key: /-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{16,}/.test(readFileSync(join(work, p), 'utf8')) }).toEqual({ p, key: false });
});

test('git ignores the README\'s secrets/ layout', () => {
  const ignored = execFileSync('git', ['check-ignore', '--no-index', 'secrets/pki/intermediate-ca.key', 'secrets/b.key', 'state/x.tfstate', 'cdktf.out/stacks/x/plan'], { cwd: ROOT, encoding: 'utf8' });
  expect(ignored.trim().split('\n')).toHaveLength(4);
});
