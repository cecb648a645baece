/**
 * The federation's stacks resolve their Terraform JSON without cdktf's second pass over the merged document
 * (stacks/stack-json.ts). What they build must be what cdktf's own `toTerraform` builds, value for value and in
 * the same key order, for every stack: these tests compare the two on each stack of the examples, with other
 * backends, and with overrides on resources.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Container } from '@cdktf/provider-docker/lib/container';
import { App, Aspects, S3Backend, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { loadSpecFile } from '../model/load';
import { FederationSpec } from '../model/spec';
import { Federation, FederationProps } from '../stacks/federation';
import { resolvedStackJson } from '../stacks/stack-json';
import { exampleCopy } from './helpers';

const ACME_SPEC = join(__dirname, '..', 'examples', 'three-locations-acme.yaml');

let outdir: string;
beforeEach(() => { outdir = mkdtempSync(join(tmpdir(), 'fpki-stack-json-')); });
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes the federation, then compares both resolutions of every stack (prepared, as cdktf wrote them). */
function expectSameAsCdktf(spec: FederationSpec, props: Omit<FederationProps, 'spec'> = {}, configure?: (f: Federation) => void): number {
  const app = new App({ outdir });
  const federation = new Federation(app, 'federation', { ...props, spec });
  configure?.(federation);
  app.synth();
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  for (const stack of stacks) {
    const ours = resolvedStackJson(stack);
    const cdktf = TerraformStack.prototype.toTerraform.call(stack);
    // Every key with its value, no undefined left anywhere (toStrictEqual), then the text cdktf writes.
    expect([stack.node.id, ours]).toStrictEqual([stack.node.id, cdktf]);
    expect(JSON.stringify(ours, null, 2)).toBe(JSON.stringify(cdktf, null, 2));
  }
  return stacks.length;
}

test('the built-in example (SemStreams and Loom, manual TLS and mTLS): every stack as cdktf resolves it', () => {
  expect(expectSameAsCdktf(exampleCopy())).toBe(8);
});

test('the ACME example (step-ca stack, its network and intermediate): every stack as cdktf resolves it', () => {
  expect(expectSameAsCdktf(JSON.parse(JSON.stringify(loadSpecFile(ACME_SPEC))))).toBeGreaterThan(8);
});

test('another backend (its metadata replaces "local"), and resource overrides an aspect adds', () => {
  const backend: FederationProps['backend'] = (stack, name) => { new S3Backend(stack, { bucket: 'fpki-state', key: `${name}.tfstate`, region: 'eu-west-1' }); };
  expectSameAsCdktf(exampleCopy(), { backend }, (federation) => {
    Aspects.of(federation.sites.get('location-b')!).add({
      visit(node: IConstruct) {
        if (node instanceof Container) node.addOverride('restart', 'on-failure');
      },
    });
  });
  const app = new App({ outdir });
  const federation = new Federation(app, 'federation', { spec: exampleCopy(), backend });
  app.synth();
  const json = resolvedStackJson(federation.pki) as any;
  // The comparison above is not vacuous: the backend's metadata and block are there.
  expect(json['//'].metadata.backend).toBe('s3');
  expect(Object.keys(json['//'].metadata)).not.toContain('cloud');
  expect(json.terraform.backend.s3.bucket).toBe('fpki-state');
});
