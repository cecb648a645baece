import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { exampleCopy } from './helpers';

const ROOT = join(__dirname, '..');

/** cdktf.json's app command, which `cdktf synth` runs through a shell in the project folder. */
const APP_COMMAND: string = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app;

/** Runs main.ts the way `cdktf synth` does (cdktf.json's app), into a temporary outdir. */
function runMain(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'fpki-main-'));
  const outdir = join(dir, 'cdktf.out');
  const r = spawnSync(APP_COMMAND, {
    shell: true,
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, FEDERATION_SPEC: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...r, dir, outdir };
}

describe('main.ts', () => {
  const cleanup: string[] = [];
  afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('with no spec named, synthesizes the built-in example: a pki stack and one stack per site', () => {
    const r = runMain({});
    cleanup.push(r.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(r.outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual(['semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki']);
  });

  test('FEDERATION_SPEC names a spec file (JSON here)', () => {
    const spec = exampleCopy();
    spec.name = 'edge';
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'edge.json'), JSON.stringify(spec));
    const r = runMain({ FEDERATION_SPEC: join(dir, 'edge.json') });
    cleanup.push(r.dir);
    expect(r.status).toBe(0);
    expect(existsSync(join(r.outdir, 'stacks', 'edge-pki', 'cdk.tf.json'))).toBe(true);
  });

  test('a bad spec fails with every problem listed and writes nothing', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[0].output.port = 80;
    spec.sites[1].nodes[0].minVersion = '1.1';
    spec.links.push({ from: 'location-c', to: 'location-c' });
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'bad.yaml'), stringify(spec));
    const r = runMain({ FEDERATION_SPEC: join(dir, 'bad.yaml') });
    cleanup.push(r.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('federation spec has 3 problems');
    expect(r.stderr).toContain('site location-a, node location-a, field output.port');
    expect(r.stderr).toContain('site location-b, node location-b, field minVersion');
    expect(r.stderr).toContain('site location-c, node location-c, field links[2].to');
    expect(existsSync(r.outdir)).toBe(false);
  });

  test('an unreadable or unparsable spec file is a clear error', () => {
    const missing = runMain({ FEDERATION_SPEC: '/nonexistent/spec.yaml' });
    cleanup.push(missing.dir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read /nonexistent/spec.yaml: ENOENT');
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
    const broken = runMain({ FEDERATION_SPEC: join(dir, 'broken.yaml') });
    cleanup.push(broken.dir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/broken\.yaml:2:1: .*\(rule: a spec file is valid YAML or JSON\)/);
  });

  test('under `cdktf synth` (the real CLI) the problems are printed once, without colour codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpki-cli-'));
    cleanup.push(dir);
    const bad = exampleCopy();
    delete bad.sites[2].nodes[0].fqdn;
    bad.sites[1].nodes[0].output.port = 80;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', join(dir, 'cdktf.out')], {
      cwd: ROOT, env: { ...process.env, FEDERATION_SPEC: join(dir, 'bad.json'), CHECKPOINT_DISABLE: '1' }, encoding: 'utf8', timeout: 120_000,
    });
    expect(r.status).toBe(1);
    const all = `${r.stdout}\n${r.stderr}`;
    const missing = 'site location-c, node location-c, field fqdn: missing (it is required and must be a valid FQDN)';
    const port = 'site location-b, node location-b, field output.port: 80 is not a whole number in 1024..65535';
    for (const line of [missing, port, 'federation spec has 2 problems']) {
      expect(all.split(line).length - 1).toBe(1);
      // The line itself is plain text (the CLI's spinner may clear the terminal line before it).
      const printed = all.split('\n').find((l) => l.includes(line))!;
      expect(printed.slice(printed.indexOf(line.slice(0, 10)))).not.toMatch(/\u001b/);
    }
  });
});
