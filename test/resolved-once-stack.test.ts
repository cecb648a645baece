/**
 * The federation's stacks are resolved once per synth (the policy and cdktf's writer share the JSON), and
 * never at the price of a stale write: a stack an aspect other than the policy reaches is resolved afresh.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Container } from '@cdktf/provider-docker/lib/container';
import { App, Aspects, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { Federation } from '../stacks/federation';
import * as stackJson from '../stacks/stack-json';
import { exampleCopy } from './helpers';

let outdir: string;
beforeEach(() => { outdir = mkdtempSync(join(tmpdir(), 'fpki-resolve-once-')); });
afterEach(() => {
  rmSync(outdir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

const written = (stack: string) => JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));

test('each stack is resolved once per synth: the security policy reads what is then written', () => {
  const app = new App({ outdir });
  const federation = new Federation(app, 'federation', { spec: exampleCopy() });
  const resolves = jest.spyOn(stackJson, 'resolvedStackJson');
  const cdktfResolves = jest.spyOn(TerraformStack.prototype, 'toTerraform');
  app.synth();
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  expect(stacks.length).toBe(8); // pki, pki-public, three sites and their three keys stacks
  // A plain TerraformStack would be resolved twice: by the policy's check, then again to be written.
  expect(resolves).toHaveBeenCalledTimes(stacks.length);
  // No stack has overrides of its own, so none needs cdktf's second pass over its merged document.
  expect(cdktfResolves).not.toHaveBeenCalled();
  expect(federation.policy.suppressed).toEqual([]);
});

test('a stack with another aspect is resolved afresh, so what that aspect changes is written', () => {
  const app = new App({ outdir });
  const federation = new Federation(app, 'federation', { spec: exampleCopy() });
  const siteB = federation.sites.get('location-b')!;
  // cdktf invokes location-b's aspects after the policy (on the first stack) has read every stack.
  Aspects.of(siteB).add({
    visit(node: IConstruct) {
      if (node instanceof Container) node.addOverride('restart', 'on-failure');
    },
  });
  const resolves = jest.spyOn(stackJson, 'resolvedStackJson');
  app.synth();
  const containers = Object.values(written('semstreams-location-b').resource.docker_container) as any[];
  expect(containers.length).toBeGreaterThan(0);
  expect(containers.map((c) => c.restart)).toEqual(containers.map(() => 'on-failure'));
  // Stacks the aspect does not reach keep what the library set.
  expect((Object.values(written('semstreams-location-a').resource.docker_container) as any[])[0].restart).toBe('unless-stopped');
  // Every stack (eight) once, location-b a second time.
  expect(resolves).toHaveBeenCalledTimes(9);
});

test('outside a synth every call resolves the stack as it is now', () => {
  const app = new App({ outdir });
  const federation = new Federation(app, 'federation', { spec: exampleCopy() });
  app.synth();
  const pki = federation.pki;
  const before = pki.toTerraform();
  const cdktfResolves = jest.spyOn(TerraformStack.prototype, 'toTerraform');
  pki.addOverride('locals', { after_synth: 'yes' });
  expect(before.locals).toBeUndefined();
  expect(pki.toTerraform().locals).toEqual({ after_synth: 'yes' });
  // A stack's own overrides are merged unresolved: cdktf's toTerraform, whose last pass resolves them, writes it.
  expect(cdktfResolves).toHaveBeenCalledTimes(1);
});

test('dependsOn answers as cdktf defines it (reachable through dependencies) for every pair of stacks, through joined paths and plain TerraformStacks among them, and cycles are still refused', () => {
  const app = new App({ outdir });
  const { ResolvedOnceStack } = require('../stacks/resolved-once-stack') as typeof import('../stacks/resolved-once-stack');
  const ours = ['a', 'b', 'c', 'd', 'e'].map((id) => new ResolvedOnceStack(app, id));
  const plain = ['p', 'q'].map((id) => new TerraformStack(app, id));
  const [a, b, c, d, e] = ours;
  const [p, q] = plain;
  // a → b → d, a → c → d (paths join at d), d → p (plain) → q, e alone.
  a.addDependency(b); a.addDependency(c); b.addDependency(d); c.addDependency(d); d.addDependency(p); p.addDependency(q);
  // cdktf's definition, written out: `to` is a dependency of `from`, or of one of its dependencies.
  const reachable = (from: TerraformStack, to: TerraformStack): boolean => from.dependencies.some((x) => x === to || reachable(x, to));
  const all = [...ours, ...plain];
  for (const from of all) for (const to of all) expect([from.node.id, to.node.id, from.dependsOn(to)]).toEqual([from.node.id, to.node.id, reachable(from, to)]);
  expect(a.dependsOn(q)).toBe(true);
  expect(e.dependsOn(a)).toBe(false);
  expect(() => q.addDependency(a)).toThrow(/circular/i);
  expect(() => d.addDependency(a)).toThrow(/circular/i);
});
