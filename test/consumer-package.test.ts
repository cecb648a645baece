/**
 * The package as another cdktf app gets it: `npm pack` (which builds dist/ through `prepare`), then the
 * README's "Use it from your own app" section, run as written in a fresh temporary directory: its files
 * are written from the README's code blocks and its commands run one by one. The app pins a different patch
 * version of constructs than this repository's dev copy, type-checks with its own strict settings and
 * skipLibCheck off (so the library's .d.ts are checked too), synthesizes, and runs the package's bin.
 *
 * Installs come from the npm cache where they can (`prefer-offline`): every package but the consumer's own
 * constructs and @types/node is already there from this repository's `npm ci`.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const DEV_CONSTRUCTS = (require('constructs/package.json') as { version: string }).version;
const NPM_ENV = { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

jest.setTimeout(15 * 60_000);

/** The README section between its heading and the next `## ` heading. */
function readmeSection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Use it from your own app\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Fenced blocks: "```json package.json" names a file; a "```bash" block holds commands. */
function blocks(section: string): { info: string; body: string }[] {
  return [...section.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1].trim(), body: m[2] }));
}

interface Run { readonly command: string; readonly status: number | null; readonly stdout: string; readonly stderr: string }

let app: string;
let tarball: string;
let packedFiles: string[];
const runs: Run[] = [];
let section: string;

function run(command: string): Run {
  const r = spawnSync('bash', ['-c', command], { cwd: app, env: NPM_ENV, encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  const result = { command, status: r.status, stdout: r.stdout, stderr: r.stderr };
  runs.push(result);
  return result;
}

function find(command: string): Run {
  const r = runs.find((x) => x.command === command);
  if (!r) throw new Error(`the README's commands do not include ${command}`);
  return r;
}

/** Every `<name>/package.json` under `dir`'s node_modules trees. */
function copiesOf(dir: string, name: string): string[] {
  const out: string[] = [];
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      const paths = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((e) => join(modules, entry, e)) : [join(modules, entry)];
      for (const p of paths) {
        if (p.slice(modules.length + 1) === name && existsSync(join(p, 'package.json'))) out.push(join(p, 'package.json'));
        walk(join(p, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

beforeAll(() => {
  section = readmeSection();
  app = mkdtempSync(join(tmpdir(), 'fpki-consumer-'));
  // `npm pack` runs `prepare`, which builds dist/ and the schema from the sources as they are.
  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', app], { cwd: ROOT, env: NPM_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const [info] = JSON.parse(packed.slice(packed.search(/^\[/m))) as { filename: string; files: { path: string }[] }[];
  tarball = info.filename;
  packedFiles = info.files.map((f) => f.path).sort();
  for (const block of blocks(section)) {
    const [lang, file] = block.info.split(/\s+/);
    if (file) writeFileSync(join(app, file), block.body);
    else if (lang === 'bash') {
      for (const line of block.body.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
        // Stop at the first failing command: the ones after it depend on it.
        if (run(line).status !== 0) return;
      }
    }
  }
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

test('the README section names the tarball npm pack writes and the files and commands the test runs', () => {
  expect(tarball).toBe(`${PKG.name}-${PKG.version}.tgz`);
  const named = blocks(section).map((b) => b.info.split(/\s+/)[1]).filter(Boolean);
  expect(named).toEqual(['package.json', 'tsconfig.json', 'cdktf.json', 'main.ts']);
  const consumer = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  expect(consumer.dependencies['federation-pki']).toBe(`file:${tarball}`);
  expect(section).toContain(`\`${tarball}\``);
  expect(runs.map((r) => r.command)).toEqual([
    'npm install --no-audit --no-fund',
    'cp node_modules/federation-pki/examples/three-locations.yaml edge.yaml',
    'npx tsc',
    'node main.js',
    'npx federation-pki --help',
    'npx federation-pki --version',
    'npx federation-pki report --spec edge.yaml',
  ]);
});

test('every command of the README section succeeds', () => {
  for (const r of runs) expect({ command: r.command, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ command: r.command, status: 0, stderr: '' });
});

test('the tarball holds the compiled library, its types, the bin, schema, examples and license: no sources, tests or keys', () => {
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli/main.js', 'dist/acme/index.d.ts', 'dist/verify/index.d.ts',
    'dist/report/index.d.ts', 'dist/policy/index.d.ts', 'schema/federation-spec.schema.json', 'examples/three-locations.yaml',
    'LICENSE', 'CHANGELOG.md', 'README.md', 'package.json']) expect(packedFiles).toContain(f);
  expect(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(packedFiles.filter((f) => /^(test|benchmarks|scripts|__snapshots__|cdktf\.out|state)\//.test(f) || /fixture/i.test(f))).toEqual([]);
  const installed = join(app, 'node_modules', 'federation-pki');
  const withKeyText = packedFiles.filter((f) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(join(installed, f), 'utf8')));
  expect(withKeyText).toEqual([]);
  expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004');
});

test('one copy of constructs and of cdktf: the app\'s, a different patch of constructs than this repository\'s dev copy', () => {
  const consumer = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  expect(consumer.dependencies.constructs).not.toBe(DEV_CONSTRUCTS);
  const constructs = copiesOf(app, 'constructs');
  expect(constructs).toEqual([join(app, 'node_modules', 'constructs', 'package.json')]);
  expect(JSON.parse(readFileSync(constructs[0], 'utf8')).version).toBe(consumer.dependencies.constructs);
  expect(copiesOf(app, 'cdktf')).toEqual([join(app, 'node_modules', 'cdktf', 'package.json')]);
});

test('the app type-checks under its own strict settings, with the library\'s declarations checked (skipLibCheck off)', () => {
  const tsconfig = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  expect(tsconfig.compilerOptions).toMatchObject({ strict: true, skipLibCheck: false, noEmitOnError: true });
  expect(find('npx tsc')).toMatchObject({ status: 0, stdout: '' });
  expect(existsSync(join(app, 'main.js'))).toBe(true);
});

test('the app synthesizes the spec\'s stacks, named from the spec, with no machine path in cdktf.out', () => {
  expect(find('node main.js').status).toBe(0);
  const manifest = JSON.parse(readFileSync(join(app, 'cdktf.out', 'manifest.json'), 'utf8'));
  expect(Object.keys(manifest.stacks).sort()).toEqual(['semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c',
    'semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki', 'semstreams-pki-public']);
  const out = filesUnder(join(app, 'cdktf.out'));
  expect(out.filter((f) => readFileSync(f, 'utf8').includes(app))).toEqual([]);
  expect(out.filter((f) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(f, 'utf8')))).toEqual([]);
  const pki = JSON.parse(readFileSync(join(app, 'cdktf.out', 'stacks', 'semstreams-pki', 'cdk.tf.json'), 'utf8'));
  expect(Object.keys(pki.resource.tls_locally_signed_cert).length).toBeGreaterThan(0);
});

test('the bin runs the compiled CLI: --help lists the commands, --version is the package\'s, report renders the spec', () => {
  const bin = join(app, 'node_modules', 'federation-pki', 'dist', 'cli', 'main.js');
  expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  const help = find('npx federation-pki --help').stdout;
  for (const command of ['report', 'verify', 'acme', 'pki']) expect(help).toMatch(new RegExp(`^  ${command} `, 'm'));
  expect(find('npx federation-pki --version').stdout).toBe(`${PKG.version}\n`);
  const report = find('npx federation-pki report --spec edge.yaml').stdout;
  expect(report).toMatch(/^# /);
  for (const name of ['location-a.semstreams.local', 'location-b.semstreams.local', 'location-c.semstreams.local', '```mermaid']) expect(report).toContain(name);
});

test('the subpath exports and the names the README lists resolve in the installed package', () => {
  const script = [
    "const root = require('federation-pki');",
    "const out = { root: Object.keys(root) };",
    "for (const p of ['acme', 'verify', 'report', 'policy']) out[p] = Object.keys(require('federation-pki/' + p));",
    "out.schema = require('federation-pki/spec.schema.json').$ref;",
    'process.stdout.write(JSON.stringify(out));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const exported = JSON.parse(r.stdout) as Record<string, string[]> & { schema: string };
  expect(exported.schema).toBe('#/definitions/FederationSpec');
  expect(exported.acme).toContain('obtainCertificate');
  expect(exported.verify).toContain('runVerify');
  expect(exported.report).toEqual(expect.arrayContaining(['reportOfSpec', 'diffOfSpecs']));
  expect(exported.policy).toContain('SecurityPolicyAspect');
  const row = section.split('\n').find((l) => l.startsWith('| `federation-pki` |'))!;
  const listed = [...row.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]).filter((n) => n !== 'federation');
  expect(listed.length).toBeGreaterThan(15);
  expect(listed.filter((n) => !exported.root.includes(n))).toEqual([]);
});
