/**
 * The federation's stacks prepare cross-stack references by resolving only the tokens in their blocks
 * (stacks/stack-preparation.ts), not every value as cdktf's `prepareStack` does. The effect must be cdktf's:
 * these tests synthesize each example both ways and compare every file cdktf writes, byte for byte.
 */
import { join } from 'path';
import { TerraformStack } from 'cdktf';
import { loadSpecFile } from '../model/load';
import { FederationSpec } from '../model/spec';
import * as preparation from '../stacks/stack-preparation';
import { exampleCopy, synth } from './helpers';

const ACME_SPEC = join(__dirname, '..', 'examples', 'three-locations-acme.yaml');

afterEach(() => jest.restoreAllMocks());

/** Every file of the synth, with cdktf's own `prepareStack` (every value of every block resolved, preparing). */
function synthWithCdktfPreparation(spec: FederationSpec): ReadonlyMap<string, string> {
  const prepared: TerraformStack[] = [];
  jest.spyOn(preparation, 'prepareStackReferences').mockImplementation((stack) => {
    prepared.push(stack);
    // Its backend check finds the one ResolvedOnceStack.prepareStack has just ensured.
    TerraformStack.prototype.prepareStack.call(stack);
  });
  const { files } = synth(spec);
  jest.restoreAllMocks();
  // The replacement ran for every stack: the comparison below is between the two preparations.
  expect(prepared.length).toBeGreaterThanOrEqual(8);
  return files;
}

function expectSamePlan(spec: () => FederationSpec): void {
  const ours = synth(spec()).files;
  const cdktf = synthWithCdktfPreparation(spec());
  expect([...ours.keys()]).toEqual([...cdktf.keys()]);
  for (const [path, text] of cdktf) expect([path, ours.get(path)]).toEqual([path, text]);
  // Cross-stack references were prepared (remote state and relayed outputs exist), so the check is not vacuous.
  const stacks = [...ours].filter(([p]) => p.endsWith('cdk.tf.json')).map(([, t]) => JSON.parse(t));
  expect(stacks.some((s) => s.data?.terraform_remote_state !== undefined)).toBe(true);
  expect(stacks.some((s) => Object.keys(s.output ?? {}).some((o) => o.startsWith('cross-stack-output-')))).toBe(true);
}

test('the built-in example: every file as with cdktf\'s own preparation', () => {
  expectSamePlan(exampleCopy);
});

test('the ACME example (step-ca stack and its references): every file as with cdktf\'s own preparation', () => {
  expectSamePlan(() => JSON.parse(JSON.stringify(loadSpecFile(ACME_SPEC))));
});

test('the comparison can fail: without the preparation the plan is another one, or synth fails', () => {
  const ours = synth(exampleCopy()).files;
  jest.spyOn(preparation, 'prepareStackReferences').mockImplementation(() => undefined);
  let unprepared: ReadonlyMap<string, string> | undefined;
  try {
    unprepared = synth(exampleCopy()).files;
  } catch {
    unprepared = undefined; // cdktf or the policy refused the unprepared references
  }
  expect(unprepared === undefined || [...unprepared].some(([p, t]) => ours.get(p) !== t)).toBe(true);
});
