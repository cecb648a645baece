/**
 * Library side of the synth benchmark: the `Federation` construct on a generated hub federation, as a
 * cdktf app would run it. Usage: `library-app <leaves> <outdir> [append|prepend]`.
 *
 * Diagnostic variants, for attributing cost only (never in the main comparison), by BENCH_LIBRARY_VARIANT:
 * - `no-policy`: the Federation's security policy aspect is made a no-op, so the difference to the plain
 *   run is what the policy check costs at synth;
 * - `cdktf-resolution`: the federation's stacks are prepared and resolved by cdktf's own `prepareStack` and
 *   `toTerraform` (every value resolved while preparing, the merged document resolved a second time), as the
 *   baseline's are, so the difference to the baseline is the library's own cost without the two passes
 *   stacks/stack-preparation.ts and stacks/stack-json.ts save.
 */
import { App, TerraformStack } from 'cdktf';
import * as stackJson from '../stacks/stack-json';
import * as stackPreparation from '../stacks/stack-preparation';
import { Federation } from '../stacks/federation';
import { startChildReport } from './child-report';
import { hubFederationSpec, parseAppArgs } from './hub-federation';

if (process.env.BENCH_LIBRARY_VARIANT === 'cdktf-resolution') {
  const mutable = (m: object) => m as Record<string, unknown>;
  mutable(stackPreparation).prepareStackReferences = (stack: TerraformStack) => TerraformStack.prototype.prepareStack.call(stack);
  mutable(stackJson).resolvedStackJson = (stack: TerraformStack) => TerraformStack.prototype.toTerraform.call(stack);
}
const synthDone = startChildReport();
const { layout, outdir } = parseAppArgs(process.argv.slice(2));
const app = new App({ outdir });
const federation = new Federation(app, 'federation', { spec: hubFederationSpec(layout) });
if (process.env.BENCH_LIBRARY_VARIANT === 'no-policy') {
  const policy = (federation as { policy?: { visit: (node: unknown) => void } }).policy;
  if (!policy) throw new Error('BENCH_LIBRARY_VARIANT=no-policy: this Federation has no policy aspect');
  policy.visit = () => undefined;
}
app.synth();
synthDone();
