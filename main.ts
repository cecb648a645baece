/**
 * `cdktf synth` entry point. Synthesizes the federation named by FEDERATION_SPEC (or the cdktf context
 * key `federationSpec`), else the built-in example. An invalid spec prints every problem and exits 1
 * before anything is written (under the cdktf CLI: reports them to it, which prints them and fails); so does a
 * security-policy violation (and an invalid suppression), without a stack trace.
 */
import { Annotations, App, DISABLE_STACK_TRACE_IN_METADATA, TerraformStack } from 'cdktf';
import { exampleSpec } from './model/example';
import { loadSpecFile } from './model/load';
import { SpecError } from './model/problems';
import { resolveFederation } from './model/resolve';
import { FederationSpec } from './model/spec';
import { PolicyError } from './policy/finding';
import { Federation } from './stacks/federation';
import { restrictSecretDirs } from './stacks/secret-dirs';

/** The spec file named by the environment or by cdktf context (which the CLI passes as CDKTF_CONTEXT_JSON). */
function namedSpecPath(): string | undefined {
  if (process.env.FEDERATION_SPEC) return process.env.FEDERATION_SPEC;
  const context = JSON.parse(process.env.CDKTF_CONTEXT_JSON || '{}') as { federationSpec?: string };
  return context.federationSpec || undefined;
}

function main(): void {
  let spec: FederationSpec;
  try {
    const path = namedSpecPath();
    spec = path ? loadSpecFile(path) : exampleSpec();
    // Validate before the App exists: the App creates its outdir, and a bad spec must leave nothing behind
    // (under the cdktf CLI, only the stub stack that carries the problems; the CLI drops the previous stacks).
    resolveFederation(spec);
  } catch (e) {
    if (e instanceof SpecError) {
      if (process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined) { reportToCdktfCli(e); return; }
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  try {
    const app = new App();
    new Federation(app, 'federation', { spec });
    app.synth();
    // The default backend's state folder and cdktf.out (plans saved by diff/deploy) hold keys: owner only.
    restrictSecretDirs([app.outdir, 'state']);
  } catch (e) {
    // A policy violation is the operator's to fix, not a crash: the list, no stack trace, exit 1.
    if (e instanceof PolicyError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/**
 * Under the cdktf CLI, the problems go to it as an error annotation of a stub stack: the CLI prints each
 * annotation once, plainly, and fails the synth. What an app writes to stderr it prints twice instead (a
 * log line with colour codes, then again in its error summary), and so would it anything on stdout.
 */
function reportToCdktfCli(e: SpecError): void {
  const app = new App({ context: { [DISABLE_STACK_TRACE_IN_METADATA]: true } });
  const stack = new TerraformStack(app, 'federation-spec');
  Annotations.of(stack).addError(e.message);
  app.synth();
}

main();
