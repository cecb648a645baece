/**
 * A throwaway cdktf project for one deploy of one example: its own cdktf.json (running this repository's
 * main.ts), spec, cdktf.out and state/, so a run never touches the repository's own state. The cdktf and
 * terraform logs stay in the workspace (mode 0700) and are removed with it: a plan can print what the
 * tier must not echo.
 */
import { spawn, spawnSync } from 'child_process';
import { X509Certificate, createPrivateKey } from 'crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { stringify } from 'yaml';

export const REPO = resolve(__dirname, '..', '..');
const CDKTF = join(REPO, 'node_modules', '.bin', 'cdktf');

export interface CommandResult { readonly status: number; readonly output: string; readonly seconds: number }

export class Workspace {
  public readonly dir: string;
  public readonly specPath: string;
  private logCount = 0;

  constructor(public readonly name: string, private readonly cliConfig: string) {
    this.dir = mkdtempSync(join(tmpdir(), `fpki-real-${name}-`));
    chmodSync(this.dir, 0o700);
    this.specPath = join(this.dir, 'spec.yaml');
    writeFileSync(join(this.dir, 'cdktf.json'), JSON.stringify({
      language: 'typescript',
      app: `node -r ${join(REPO, 'scripts', 'ts-register.js')} ${join(REPO, 'main.ts')}`,
      projectId: 'federation-pki-real-tier',
      sendCrashReports: 'false',
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }, null, 2));
  }

  writeSpec(spec: unknown): void {
    writeFileSync(this.specPath, stringify(spec));
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      FEDERATION_SPEC: this.specPath,
      TF_CLI_CONFIG_FILE: this.cliConfig,
      CHECKPOINT_DISABLE: '1',
      // cdktf otherwise points every init at ~/.terraform.d/plugin-cache, which Terraform does not make safe
      // for concurrent use: another deploy on this machine initializing at the same moment deleted a provider
      // there under this workspace's links ("could not read package directory"). Each workspace installs
      // from the mirror itself.
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CI: '1',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    };
  }

  /** Runs a command in the workspace, its output kept in a log file there (never printed). */
  run(cmd: string, args: readonly string[], cwd = this.dir, timeoutMs = 900_000): Promise<CommandResult> {
    const started = Date.now();
    return new Promise((res) => {
      const child = spawn(cmd, [...args], { cwd, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => { output += d; });
      child.stderr.on('data', (d) => { output += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        this.logCount += 1;
        writeFileSync(join(this.dir, `log-${String(this.logCount).padStart(2, '0')}-${cmd.split('/').pop()}.txt`), `$ ${cmd} ${args.join(' ')}\n${output}`, { mode: 0o600 });
        res({ status: code ?? -1, output, seconds: (Date.now() - started) / 1000 });
      });
    });
  }

  /** `cdktf deploy` behind a provider mirror: `--skip-provider-lock`, since `providers lock` asks the public registry. */
  deploy(stacks: readonly string[]): Promise<CommandResult> {
    return this.run(CDKTF, ['deploy', ...stacks, '--auto-approve', '--skip-provider-lock']);
  }

  destroy(stacks: readonly string[]): Promise<CommandResult> {
    return this.run(CDKTF, ['destroy', ...stacks, '--auto-approve', '--skip-provider-lock']);
  }

  synth(): Promise<CommandResult> {
    return this.run(CDKTF, ['synth']);
  }

  stackDir(stack: string): string {
    return join(this.dir, 'cdktf.out', 'stacks', stack);
  }

  /** `terraform plan -detailed-exitcode` in a deployed stack: 0 = no changes, 2 = changes. */
  plan(stack: string, extra: readonly string[] = []): Promise<CommandResult> {
    return this.run('terraform', ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false', ...extra], this.stackDir(stack));
  }

  terraform(stack: string, args: readonly string[]): Promise<CommandResult> {
    return this.run('terraform', [...args], this.stackDir(stack));
  }

  /** Every command output so far, for scans (e.g. for key text); never printed. */
  logs(): string {
    return spawnSync('sh', ['-c', `cat ${join(this.dir, 'log-')}*.txt 2>/dev/null`], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout;
  }

  statePath(stack: string): string {
    return join(this.dir, 'state', `${stack}.tfstate`);
  }

  /**
   * Certificates and their keys by CN (read from the state files, never printed). Certificates are in the pki
   * state, node keys in the sites' keys states (`<name>-keys-<site>`), the canary's key in the pki state: every
   * state file of the workspace is read, so a key is found wherever it lives.
   */
  identities(): Map<string, { cert: string; key: string }> {
    const dir = join(this.dir, 'state');
    if (!existsSync(dir)) return new Map();
    const certs: string[] = [];
    const keys: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.tfstate')).sort()) {
      const state = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      for (const r of state.resources ?? []) {
        if (r.mode !== undefined && r.mode !== 'managed') continue;
        for (const inst of r.instances ?? []) {
          if (r.type === 'tls_locally_signed_cert') certs.push(inst.attributes.cert_pem);
          if (r.type === 'tls_private_key') keys.push(inst.attributes.private_key_pem);
        }
      }
    }
    const out = new Map<string, { cert: string; key: string }>();
    for (const cert of certs) {
      const x = new X509Certificate(cert);
      const key = keys.find((k) => { try { return x.checkPrivateKey(createPrivateKey(k)); } catch { return false; } });
      const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
      if (cn && key) out.set(cn, { cert, key });
    }
    return out;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
