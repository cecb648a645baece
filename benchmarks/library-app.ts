/**
 * Library side of the synth benchmark: the `Federation` construct on a generated hub federation, as a
 * cdktf app would run it. Usage: `library-app <leaves> <outdir> [append|prepend]`.
 *
 * Diagnostic variant, for attributing cost only (never in the main comparison): with
 * BENCH_LIBRARY_VARIANT=no-policy the Federation's security policy aspect is made a no-op, so the
 * difference to the plain run is what the policy check costs at synth.
 */
import { App } from 'cdktf';
import { Federation } from '../stacks/federation';
import { startChildReport } from './child-report';
import { hubFederationSpec, parseAppArgs } from './hub-federation';

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
