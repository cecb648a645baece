/**
 * Every shipped example (every *.yaml / *.json in examples/, including ones added later) synthesized and
 * every file cdktf writes scanned: no private key text, no password-like values that are not references,
 * no absolute path of the build machine. The scanner is shown to catch each of these first.
 */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { join } from 'path';
import { Container } from '@cdktf/provider-docker/lib/container';
import { App } from 'cdktf';
import { parse } from 'yaml';
import { loadSpecFile } from '../model/load';
import { Federation } from '../stacks/federation';
import { exampleCopy } from './helpers';

const EXAMPLES = readdirSync('examples').filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

/** Field names whose values must be references, never literals. */
const SECRET_FIELD = /pass(word|phrase)|secret|token|api[_-]?key|credential/i;
/** A value that only points at a secret: a Terraform reference, an environment variable, a file (path). */
const REFERENCE = /^(\$\{[^}]+\}|\$[A-Z_][A-Z0-9_]*|env:[A-Za-z_]\w*|file:.+|\/\S*)$/;

interface Finding { readonly file: string; readonly what: string }

/** Synthesizes `spec` into a temporary outdir; returns every file written, by path relative to it, and the outdir. */
function synthAll(spec: unknown, tamper?: (f: Federation) => void): { files: Map<string, string>; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'fpki-scan-'));
  try {
    const app = new App({ outdir });
    const federation = new Federation(app, 'federation', { spec: spec as never });
    tamper?.(federation);
    app.synth();
    const files = new Map<string, string>();
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
        else files.set(`${rel}${name}`, readFileSync(p, 'utf8'));
      }
    };
    walk(outdir, '');
    return { files, outdir };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every problem in the written files. */
function scan(files: ReadonlyMap<string, string>, machinePaths: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const [file, text] of files) {
    if (/PRIVATE KEY/i.test(text)) findings.push({ file, what: 'private key text' });
    for (const p of machinePaths) {
      if (containsPath(text, p)) findings.push({ file, what: `machine path ${p}` });
    }
    let json: unknown;
    try { json = JSON.parse(text); } catch { continue; }
    scanValue(json, [], (where, what) => findings.push({ file, what: `${what} at ${where}` }));
  }
  return findings;
}

/** Walks a JSON value, and into strings that are config files (rendered SemStreams/Loom/step-ca configs). */
function scanValue(v: unknown, at: readonly string[], report: (where: string, what: string) => void, depth = 0): void {
  if (depth > 40) return;
  if (typeof v === 'string') {
    if (v.includes('\n')) {
      const config = parseConfig(v);
      if (config) scanValue(config, [...at, '(config)'], report, depth + 1);
    }
    return;
  }
  if (Array.isArray(v)) { v.forEach((x, i) => scanValue(x, [...at, String(i)], report, depth + 1)); return; }
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v)) {
    if (SECRET_FIELD.test(k) && (typeof x === 'string' || typeof x === 'number') && String(x).length > 0 && !REFERENCE.test(String(x))) {
      report([...at, k].join('.'), 'a literal secret-like value');
    }
    scanValue(x, [...at, k], report, depth + 1);
  }
}

function parseConfig(text: string): unknown {
  try {
    return text.trimStart().startsWith('{') ? JSON.parse(text) : parse(text);
  } catch {
    return undefined;
  }
}

/** The path as a whole path component: followed by `/`, a quote, whitespace or the end. */
function containsPath(text: string, p: string): boolean {
  const escaped = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}(?=[/"'\\s,}\\]]|$)`).test(text);
}

/** Absolute paths of this machine that must never reach cdktf.out. */
function machinePaths(outdir: string): string[] {
  const candidates = [process.cwd(), homedir(), tmpdir(), outdir];
  const all = candidates.flatMap((p) => { try { return [p, realpathSync(p)]; } catch { return [p]; } });
  return [...new Set(all)].filter((p) => p.length > 1);
}

describe.each(EXAMPLES)('examples/%s', (example) => {
  let out: ReturnType<typeof synthAll>;
  beforeAll(() => { out = synthAll(loadSpecFile(join('examples', example))); });

  test('synthesizes (a manifest.json and at least a pki and a site stack)', () => {
    expect(out.files.has('manifest.json')).toBe(true);
    expect([...out.files.keys()].filter((f) => f.endsWith('/cdk.tf.json')).length).toBeGreaterThanOrEqual(2);
  });

  test('no file holds private key text, a literal password or secret, or a path of this machine', () => {
    expect(scan(out.files, machinePaths(out.outdir))).toEqual([]);
  });
});

describe('the scanner', () => {
  test('finds private key text, a literal password and this machine\'s paths when they are there', () => {
    const spec = exampleCopy();
    const loom = spec.sites[0].nodes[1];
    loom.extraConfig = { ...loom.extraConfig, database: { password: 'hunter2-literal', dsn_file: '/run/secrets/dsn' } };
    spec.sites[1].docker = { host: 'tcp://10.0.0.2:2376', certPath: join(homedir(), 'docker-certs') };
    const { files, outdir } = synthAll(spec, (f) => {
      // A key as literal text, generated here and never stored.
      const { generateKeyPairSync } = require('crypto') as typeof import('crypto');
      const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const c = f.sites.get('location-c')!.containers.get('location-c')!.node.findChild('container') as Container;
      c.addOverride('labels', [{ label: 'leak', value: pem }]);
    });
    const found = scan(files, machinePaths(outdir)).map((x) => `${x.file}: ${x.what}`);
    expect(found).toContain('stacks/semstreams-location-c/cdk.tf.json: private key text');
    expect(found.some((x) => /location-a\/cdk\.tf\.json: a literal secret-like value at .*\(config\)\.database\.password$/.test(x))).toBe(true);
    expect(found).toContain(`stacks/semstreams-location-b/cdk.tf.json: machine path ${homedir()}`);
  });

  test('a reference is not a secret', () => {
    const found: string[] = [];
    scanValue({ password: '${var.db_password}', secret: '$DB_SECRET', token_file: '/run/token', api_key: 'env:API_KEY' }, [], (w) => found.push(w));
    expect(found).toEqual([]);
  });
});
