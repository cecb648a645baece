import { TerraformOutput, TerraformStack, Tokenization } from 'cdktf';
import { elementsOf, resolveInStack } from './cdktf-resolution';

/**
 * A stack's Terraform JSON, as cdktf's `TerraformStack.toTerraform` (cdktf 0.21) builds it, without its last
 * step: a stack with overrides of its own (`stack.addOverride`) must go to cdktf's instead.
 *
 * cdktf resolves each element's block (and metadata), merges them, then resolves the merged document once
 * more as a whole. That second pass is for what was merged unresolved, which is only the stack's own overrides:
 * every block is already resolved (cdktf resolves what a token yields again, until no token is left), and on
 * resolved JSON the pass changes nothing but dropping `undefined` values (the metadata's `cloud` for a local
 * backend). It walked every value of every stack again, ~150 ms of a 100-site synth (a twentieth of it).
 * `test/stack-json.test.ts` checks this against cdktf's `toTerraform` on every stack of the examples, so a
 * cdktf that builds the document differently fails there.
 */
export function resolvedStackJson(stack: TerraformStack): Record<string, unknown> {
  const elements = elementsOf(stack);
  const metadata: Record<string, unknown> = {
    version: stack.node.tryGetContext('cdktfVersion'),
    stackName: stack.node.id,
    backend: 'local', // a backend's own metadata overwrites it
    cloud: undefined, // as above, for the cloud and remote backends
  };
  for (const e of elements) mergeInto(metadata, resolve(stack, e.toMetadata()));
  // What cdktf's last pass would drop (resolve keeps no undefined value): everything else here is resolved.
  for (const key of Object.keys(metadata)) if (metadata[key] === undefined) delete metadata[key];
  const outputs: Record<string, unknown> = {};
  for (const e of elements) {
    if (!TerraformOutput.isTerraformOutput(e)) continue;
    // The output's construct path as nested keys, its Terraform name at the end.
    const path = e.node.path.split('/');
    let nested: Record<string, unknown> | string = e.friendlyUniqueId;
    for (let i = path.length - 1; i >= 0; i--) nested = { [path[i]]: nested };
    mergeInto(outputs, nested as Record<string, unknown>);
  }
  const tf: Record<string, unknown> = { '//': { metadata, outputs } };
  for (const e of elements) mergeInto(tf, resolve(stack, e.toTerraform()));
  return tf;
}

function resolve(stack: TerraformStack, value: unknown): Record<string, unknown> {
  return resolveInStack(stack, value) as Record<string, unknown>;
}

/**
 * cdktf's merge of blocks into the document: objects merge key by key, two lists concatenate, `undefined`
 * deletes, anything else (a token included) replaces.
 */
function mergeInto(target: Record<string, any>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (typeof target[key] !== 'object') target[key] = {};
      if (Tokenization.isResolvable(value)) target[key] = value;
      else mergeInto(target[key], value as Record<string, unknown>);
    } else if (Array.isArray(value)) {
      target[key] = Array.isArray(target[key]) ? [...target[key], ...value] : value;
    } else if (value === undefined) {
      delete target[key];
    } else {
      target[key] = value;
    }
  }
}
