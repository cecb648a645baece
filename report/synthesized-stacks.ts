/**
 * A federation's stacks as Terraform JSON, synthesized in memory (the way `cdktf synth` would write them,
 * cross-stack references included) for comparing two of them. Nothing is left on disk.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, TerraformStack } from 'cdktf';
import { FederationSpec } from '../model/spec';
import { Federation } from '../stacks/federation';
import { StackJson } from './replacements';

/** Every stack's Terraform JSON by stack name. Throws SpecError when the spec is invalid. */
export function synthesizeStacks(spec: FederationSpec, projectRoot?: string): Map<string, StackJson> {
  // cdktf's App creates its outdir; this one is never written into and removed at once.
  const outdir = mkdtempSync(join(tmpdir(), 'fpki-report-'));
  try {
    const app = new App({ outdir, skipValidation: true });
    new Federation(app, 'federation', { spec, ...(projectRoot !== undefined ? { projectRoot } : {}) });
    const stacks = app.node.findAll().filter(TerraformStack.isStack);
    // As App.synth does: every stack is prepared (cross-stack outputs and remote state) before any is resolved.
    for (const s of stacks) s.prepareStack();
    return new Map(stacks.map((s) => [s.node.id, s.toTerraform() as StackJson]));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
