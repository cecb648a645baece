/**
 * `cdktf synth` entry point. Synthesizes the federation named by FEDERATION_SPEC (or the cdktf context
 * key `federationSpec`), else the built-in example. An invalid spec prints every problem and exits 1.
 */
import { App } from 'cdktf';
import { exampleSpec } from './model/example';
import { loadSpecFile } from './model/load';
import { SpecError } from './model/problems';
import { Federation } from './stacks/federation';

function main(): void {
  const app = new App();
  const specPath = process.env.FEDERATION_SPEC || (app.node.tryGetContext('federationSpec') as string | undefined);
  try {
    const spec = specPath ? loadSpecFile(specPath) : exampleSpec();
    new Federation(app, 'federation', { spec });
  } catch (e) {
    if (e instanceof SpecError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  app.synth();
}

main();
