import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { exampleSpec } from '../model/example';
import { FederationSpec } from '../model/spec';
import { Federation, FederationProps } from '../stacks/federation';

/** A deep, mutable copy of the built-in example spec. */
export function exampleCopy(): any {
  return JSON.parse(JSON.stringify(exampleSpec()));
}

export interface Synthesized {
  /** Every file cdktf wrote, by path relative to the outdir. */
  readonly files: ReadonlyMap<string, string>;
  /** Parsed cdk.tf.json by stack name. */
  readonly stacks: ReadonlyMap<string, any>;
}

/** Synthesizes a federation into a temporary outdir, reads every file back and removes the outdir. */
export function synth(spec: FederationSpec, props: Omit<FederationProps, 'spec'> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'fpki-synth-'));
  try {
    const app = new App({ outdir });
    new Federation(app, 'federation', { ...props, spec });
    app.synth();
    const files = new Map<string, string>();
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        const r = rel ? `${rel}/${name}` : name;
        if (statSync(p).isDirectory()) walk(p, r);
        else files.set(r, readFileSync(p, 'utf8'));
      }
    };
    walk(outdir, '');
    const stacks = new Map<string, any>();
    for (const [path, text] of files) {
      const m = /^stacks\/([^/]+)\/cdk\.tf\.json$/.exec(path);
      if (m) stacks.set(m[1], JSON.parse(text));
    }
    return { files, stacks };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The uploads of a stack's node container, by file path. */
export function uploadsOf(stack: any, nodeId: string, role?: string): Map<string, { content: string; permissions: string }> {
  const c = containerOf(stack, nodeId, role);
  if (!c) throw new Error(`no container for node ${nodeId}${role ? ` (${role})` : ''}`);
  return new Map(c.upload.map((u: any) => [u.file, u]));
}

/**
 * The container resource of a node: the service itself, or with `role` one of its helpers (a Loom node's
 * `mtls-gateway` and `network-namespace`).
 */
export function containerOf(stack: any, nodeId: string, role?: string): any {
  const label = (c: any, name: string) => c.labels?.find((l: any) => l.label === name)?.value;
  return Object.values(stack.resource.docker_container as Record<string, any>)
    .find((c) => label(c, 'federation-pki.node') === nodeId && label(c, 'federation-pki.role') === role);
}

/** Runs the CLI in-process with the given arguments, capturing what it prints and its exit code. */
export async function runCliCaptured(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Loaded on use: most test files import these helpers and never run the CLI.
  const { runCli } = await import('../cli/main');
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
}
