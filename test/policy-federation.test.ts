/**
 * The security policy as `Federation` runs it at every synth: the rules a valid spec can still break
 * (plaintext between sites; in production, optional client certificates and long-lived leaves), the
 * spec's suppressions, and a construct bug inside a Federation caught at synth.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Container } from '@cdktf/provider-docker/lib/container';
import { App } from 'cdktf';
import { FederationCa } from '../constructs/federation-ca';
import { renderUploads } from '../constructs/service-container';
import { SemStreamsNodeModel } from '../model/model';
import { PolicyError } from '../policy/finding';
import { renderSemStreamsConfigFile } from '../render/semstreams-config';
import { Federation } from '../stacks/federation';
import { exampleCopy } from './helpers';
import { violationsOf } from './policy-helpers';

const REASON = 'sites share one isolated lab network';

/** Synthesizes a spec through Federation; returns the policy error (if any), the written stack files and the warnings printed. */
function synthFederation(spec: any, tamper?: (f: Federation) => void) {
  const outdir = mkdtempSync(join(tmpdir(), 'fpki-policy-fed-'));
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const app = new App({ outdir });
    const federation = new Federation(app, 'federation', { spec });
    tamper?.(federation);
    let error: PolicyError | undefined;
    try {
      app.synth();
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      error = e;
    }
    const stacksDir = join(outdir, 'stacks');
    const written = existsSync(stacksDir) ? readdirSync(stacksDir).filter((s) => existsSync(join(stacksDir, s, 'cdk.tf.json'))) : [];
    return { error, written, warnings: warn.mock.calls.map((c) => String(c[0])), federation };
  } finally {
    warn.mockRestore();
    rmSync(outdir, { recursive: true, force: true });
  }
}

const tierNone = () => {
  const spec = exampleCopy();
  spec.tier = 'none';
  delete spec.sites[0].nodes[1].tls;
  return spec;
};
const nodeOf = (spec: any, id: string) => spec.sites.flatMap((s: any) => s.nodes).find((n: any) => n.id === id);

describe('rules a valid spec can break', () => {
  test('tier none between sites fails synth at every dialing node, before any stack is written', () => {
    const { error, written } = synthFederation(tierNone());
    expect(violationsOf(error)).toEqual(['FPKI-PLAINTEXT-CROSS-SITE@location-b', 'FPKI-PLAINTEXT-CROSS-SITE@location-c']);
    expect(error!.message).toContain('site location-b, node location-b, FPKI-PLAINTEXT-CROSS-SITE:');
    expect(written).toEqual([]);
  });

  test('...and passes with a written suppression on each, printed as a warning with its reason at every synth', () => {
    const spec = tierNone();
    for (const id of ['location-b', 'location-c']) nodeOf(spec, id).suppressions = [{ rule: 'FPKI-PLAINTEXT-CROSS-SITE', reason: REASON }];
    const { error, written, warnings, federation } = synthFederation(spec);
    expect(error).toBeUndefined();
    expect(written).toHaveLength(5); // tier none: pki, pki-public and three sites (no keys stacks: no certificates)
    expect(federation.policy.suppressed.map((f) => f.node)).toEqual(['location-b', 'location-c']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^security policy: suppressed site location-b, node location-b, FPKI-PLAINTEXT-CROSS-SITE: .*reason: "sites share one isolated lab network"$/);
  });

  test('in production, optional client certificates fail synth at every server; suppressions waive them', () => {
    const spec = exampleCopy();
    spec.production = true;
    spec.tls.requireClientCert = false;
    nodeOf(spec, 'loom').tls.requireClientCert = false;
    expect(violationsOf(synthFederation(spec).error)).toEqual([
      'FPKI-CLIENT-CERT-NOT-REQUIRED@location-a', 'FPKI-CLIENT-CERT-NOT-REQUIRED@location-b', 'FPKI-CLIENT-CERT-NOT-REQUIRED@loom',
    ]);
    for (const id of ['location-a', 'location-b', 'loom']) nodeOf(spec, id).suppressions = [{ rule: 'FPKI-CLIENT-CERT-NOT-REQUIRED', reason: 'gradual rollout until 2027-01' }];
    expect(synthFederation(spec).error).toBeUndefined();
  });

  test('in production, 365-day leaves fail synth at every node that receives one', () => {
    const spec = exampleCopy();
    spec.production = true;
    spec.ca.leafValidityDays = 365;
    expect(violationsOf(synthFederation(spec).error)).toEqual([
      'FPKI-LEAF-VALIDITY@location-a', 'FPKI-LEAF-VALIDITY@location-b', 'FPKI-LEAF-VALIDITY@location-c', 'FPKI-LEAF-VALIDITY@loom',
    ]);
  });

  test('the examples pass in production as they are', () => {
    const spec = exampleCopy();
    spec.production = true;
    const { error, warnings } = synthFederation(spec);
    expect(error).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('spec suppressions', () => {
  test('an unknown rule id fails before any stack exists', () => {
    const spec = exampleCopy();
    nodeOf(spec, 'location-a').suppressions = [{ rule: 'FPKI-TLS-MIN-VERSON', reason: 'typo in the rule id here' }];
    expect(() => synthFederation(spec)).toThrow(/node location-a, suppression of "FPKI-TLS-MIN-VERSON": no such rule/);
  });
});

describe('a construct bug inside a Federation', () => {
  test('a site container whose key upload lost its 0600 mode fails synth', () => {
    const { error } = synthFederation(exampleCopy(), (f) => {
      const node = f.model.nodes.find((n) => n.id === 'location-b') as SemStreamsNodeModel;
      const container = f.sites.get('location-b')!.containers.get('location-b')!.node.findChild('container') as Container;
      const cert = f.pki.certificates.get('location-b')!;
      container.addOverride('upload', renderUploads(node, renderSemStreamsConfigFile(node, f.model), f.pki.ca.certPem, cert)
        .map((u) => (u.file === node.paths.keyFile ? { ...u, permissions: '0644' } : u)));
    });
    expect(violationsOf(error)).toEqual(['FPKI-KEY-FILE-MODE@location-b']);
  });

  test('a site container handed the root key fails synth', () => {
    const { error } = synthFederation(exampleCopy(), (f) => {
      const container = f.sites.get('location-c')!.containers.get('location-c')!.node.findChild('container') as Container;
      container.addOverride('upload', [{ file: '/certs/federation-ca.key', content: (f.pki.ca as FederationCa)._privateKeyPem, permissions: '0600' }]);
    });
    expect(violationsOf(error)).toEqual(['FPKI-CA-KEY-IN-SITE-STACK@location-c']);
  });

  test('...unless the spec suppresses it on that node; every synth then prints the reason and what it accepts', () => {
    const spec = exampleCopy();
    nodeOf(spec, 'location-c').suppressions = [{ rule: 'FPKI-CA-KEY-IN-SITE-STACK', reason: 'disaster-recovery drill, ticket OPS-9' }];
    const { error, written, warnings } = synthFederation(spec, (f) => {
      const container = f.sites.get('location-c')!.containers.get('location-c')!.node.findChild('container') as Container;
      container.addOverride('upload', [{ file: '/certs/federation-ca.key', content: (f.pki.ca as FederationCa)._privateKeyPem, permissions: '0600' }]);
    });
    expect(error).toBeUndefined();
    expect(written).toHaveLength(8);
    expect(warnings).toEqual([expect.stringMatching(
      /suppressed site location-c, node location-c, FPKI-CA-KEY-IN-SITE-STACK: .*reason: "disaster-recovery drill, ticket OPS-9"; this accepts that whoever reads that stack's state or container can sign certificates for every node/,
    )]);
  });
});
