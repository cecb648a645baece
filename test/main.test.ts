import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
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

  test('with no spec named, synthesizes the built-in example: pki, public, and per site a keys stack and a site stack', () => {
    const r = runMain({});
    cleanup.push(r.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(r.outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual([
      'semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c',
      'semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki', 'semstreams-pki-public',
    ]);
  });

  test('the folders holding keys (cdktf.out, where plans are saved, and the default state folder) are the owner\'s alone', () => {
    const state = join(ROOT, 'state');
    if (existsSync(state)) chmodSync(state, 0o755);
    const r = runMain({});
    cleanup.push(r.dir);
    expect(r.status).toBe(0);
    expect((statSync(r.outdir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(state).mode & 0o777).toString(8)).toBe('700');
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

  test('a security-policy violation prints the list and exits 1, without a stack trace, and writes no stack', () => {
    const spec = exampleCopy();
    spec.tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'plain.yaml'), stringify(spec));
    const r = runMain({ FEDERATION_SPEC: join(dir, 'plain.yaml') });
    cleanup.push(r.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^security policy: 2 violations \(fix each, or suppress it on its node with a written reason\):\n/);
    expect(r.stderr).toContain('site location-b, node location-b, FPKI-PLAINTEXT-CROSS-SITE');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/PolicyError|\.ts:\d+/);
    expect(existsSync(join(r.outdir, 'stacks', 'semstreams-location-b', 'cdk.tf.json'))).toBe(false);
  });

  test('an invalid suppression is listed the same way', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[0].suppressions = [{ rule: 'FPKI-NO-SUCH-RULE', reason: 'a written reason of some length' }];
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'sup.yaml'), stringify(spec));
    const r = runMain({ FEDERATION_SPEC: join(dir, 'sup.yaml') });
    cleanup.push(r.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^security policy: 1 invalid suppression:\n  - node location-a, suppression of "FPKI-NO-SUCH-RULE": no such rule/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  test('a spec that is not a regular file is refused at once: /dev/zero (read until the process aborted), a FIFO (hung), a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    for (const [path, kind] of [['/dev/zero', 'a character device'], [join(dir, 'fifo.yaml'), 'a FIFO'], [dir, 'a directory']]) {
      const started = Date.now();
      const r = runMain({ FEDERATION_SPEC: path });
      cleanup.push(r.dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`cannot read ${path}: not a regular file (${kind})`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(Date.now() - started).toBeLessThan(60_000);
    }
  });

  test('a spec file over 4 MiB is refused without reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpki-spec-'));
    cleanup.push(dir);
    writeFileSync(join(dir, 'big.yaml'), `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const r = runMain({ FEDERATION_SPEC: join(dir, 'big.yaml') });
    cleanup.push(r.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*big\.yaml: \d+ bytes, more than 4194304 \(rule: a spec file is at most 4 MiB\)/);
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
