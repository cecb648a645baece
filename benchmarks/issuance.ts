/**
 * Issuance: `terraform apply` of the pki stack of a 100-node hub federation (the hub and 99 leaves, so 100
 * node certificates plus the root and the canary) with each candidate key algorithm, using the real
 * hashicorp/tls provider from the toolchain's filesystem mirror (`scripts/install-toolchain.sh --providers`).
 *
 * Where the providers are not there, nothing is faked: the result says "not measured" with the exact
 * reason (the missing mirror entries and terraform's own `init` error).
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { Federation } from '../stacks/federation';
import { hubFederationSpec, HUB } from './hub-federation';
import { REPO_ROOT } from './synth-runner';

export const ISSUANCE_ALGORITHMS = ['ECDSA_P256', 'RSA_2048', 'RSA_4096'] as const;
/** Node certificates in the measured pki stack: the hub plus 99 leaves. */
export const ISSUANCE_NODES = 100;

const TF_RC = join(REPO_ROOT, '.toolchain', 'terraformrc');
const MIRROR = join(REPO_ROOT, '.toolchain', 'providers');
const PKI_STACK = `${HUB.name}-pki`;

export type IssuanceResult =
  | { readonly algorithm: string; readonly measured: true; readonly initMs: number; readonly applyMs: number; readonly resources: number; readonly certificates: number }
  | { readonly algorithm: string; readonly measured: false; readonly reason: string };

/** Synthesizes the 100-node federation with `algorithm` into a temporary folder (state goes beside it). */
function synthPki(algorithm: string): { work: string; stackDir: string } {
  const work = mkdtempSync(join(tmpdir(), 'fpki-bench-issuance-'));
  const app = new App({ outdir: join(work, 'cdktf.out') });
  new Federation(app, 'federation', { spec: hubFederationSpec({ leaves: ISSUANCE_NODES - 1 }, algorithm) });
  app.synth();
  return { work, stackDir: join(work, 'cdktf.out', 'stacks', PKI_STACK) };
}

function terraform(cwd: string, args: string[]) {
  const started = process.hrtime.bigint();
  const r = spawnSync('terraform', args, {
    cwd,
    env: { ...process.env, TF_CLI_CONFIG_FILE: TF_RC, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  return { status: r.status, ms: Number(process.hrtime.bigint() - started) / 1e6, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/** The pki stack's providers that the filesystem mirror lacks, as `namespace/type version`. */
function missingFromMirror(stackDir: string): string[] {
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  const missing: string[] = [];
  for (const p of Object.values<any>(tf.terraform?.required_providers ?? {})) {
    const dir = join(MIRROR, 'registry.terraform.io', p.source, p.version, 'linux_amd64');
    const ok = existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('terraform-provider-'));
    if (!ok) missing.push(`${p.source} ${p.version}`);
  }
  return missing;
}

/** terraform's first error on one line: the `Error:` line and its explanation (up to the next error). */
function terraformError(out: string): string {
  const lines = out.split('\n').map((l) => l.replace(/^[│╷╵\s]+/, '').trim()).filter((l) => l.length > 0);
  const i = lines.findIndex((l) => l.startsWith('Error:'));
  if (i < 0) return lines.slice(-2).join(' ');
  const next = lines.findIndex((l, j) => j > i && l.startsWith('Error:'));
  return lines.slice(i, next < 0 ? i + 8 : Math.min(next, i + 8)).join(' ');
}

/** Why issuance cannot be measured here, or undefined when the toolchain is complete. */
export function issuancePrerequisites(): string | undefined {
  const version = spawnSync('terraform', ['version'], { env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' }, encoding: 'utf8' });
  if (version.error || version.status !== 0) return `terraform is not on PATH (${version.error?.message ?? `exit ${version.status}`})`;
  if (!existsSync(TF_RC)) return '.toolchain/terraformrc is missing: run scripts/install-toolchain.sh --providers';
  return undefined;
}

/** Applies the pki stack once per algorithm; a missing prerequisite yields "not measured" for every algorithm. */
export function measureIssuance(algorithms: readonly string[] = ISSUANCE_ALGORITHMS): IssuanceResult[] {
  const missingTool = issuancePrerequisites();
  if (missingTool) return algorithms.map((algorithm) => ({ algorithm, measured: false, reason: missingTool }));
  return algorithms.map((algorithm): IssuanceResult => {
    const { work, stackDir } = synthPki(algorithm);
    try {
      const missing = missingFromMirror(stackDir);
      const init = terraform(stackDir, ['init', '-input=false', '-no-color']);
      if (init.status !== 0) {
        const mirror = missing.length > 0 ? `${missing.join(', ')} not in the filesystem mirror .toolchain/providers (scripts/install-toolchain.sh --providers builds them from the Go module proxy and failed or was not run); ` : '';
        return { algorithm, measured: false, reason: `${mirror}terraform init exited ${init.status}: ${terraformError(init.out)}` };
      }
      const apply = terraform(stackDir, ['apply', '-auto-approve', '-input=false', '-no-color']);
      if (apply.status !== 0) return { algorithm, measured: false, reason: `terraform apply exited ${apply.status}: ${terraformError(apply.out)}` };
      const state = JSON.parse(readFileSync(join(work, 'state', `${PKI_STACK}.tfstate`), 'utf8'));
      const resources: any[] = state.resources ?? [];
      return {
        algorithm,
        measured: true,
        initMs: init.ms,
        applyMs: apply.ms,
        resources: resources.length,
        certificates: resources.filter((r) => r.type === 'tls_locally_signed_cert').length,
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
