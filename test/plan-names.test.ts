/** Readable, stable Terraform addresses (issue 16): no cdktf hashes, images not named after their tags. */
import { join } from 'path';
import { App, TerraformStack } from 'cdktf';
import { Image } from '@cdktf/provider-docker/lib/image';
import { imagePlanName, nodePlanName, setPlanName } from '../constructs/plan-names';
import { loadSpecFile } from '../model/load';
import { synthesizeStacks } from '../report';
import { exampleCopy } from './helpers';

/** Every resource, data source and local address of every stack, as `stack: type.name` (`local.name`). */
function addresses(spec: any): string[] {
  const out: string[] = [];
  for (const [stack, json] of synthesizeStacks(spec) as Map<string, any>) {
    for (const [kind, prefix] of [['resource', ''], ['data', 'data.']] as const) {
      for (const [type, byName] of Object.entries<Record<string, unknown>>(json[kind] ?? {})) for (const name of Object.keys(byName)) out.push(`${stack}: ${prefix}${type}.${name}`);
    }
    for (const name of Object.keys(json.locals ?? {})) out.push(`${stack}: local.${name}`);
  }
  return out.sort();
}

const HASHED = /_[0-9A-F]{8}$/;

describe('plan addresses', () => {
  test('the built-in example: every resource named after what it is', () => {
    const remote = (stack: string, from: string) => `${stack}: data.terraform_remote_state.cross-stack-reference-input-${from}`;
    expect(addresses(exampleCopy())).toEqual([
      // Each site's keys stack: its nodes' keys and CSRs, named after the nodes.
      'semstreams-keys-location-a: tls_cert_request.location-a',
      'semstreams-keys-location-a: tls_cert_request.loom',
      'semstreams-keys-location-a: tls_private_key.location-a',
      'semstreams-keys-location-a: tls_private_key.loom',
      'semstreams-keys-location-b: tls_cert_request.location-b',
      'semstreams-keys-location-b: tls_private_key.location-b',
      'semstreams-keys-location-c: tls_cert_request.location-c',
      'semstreams-keys-location-c: tls_private_key.location-c',
      remote('semstreams-location-a', 'semstreams-keys-location-a'),
      remote('semstreams-location-a', 'semstreams-pki-public'),
      'semstreams-location-a: docker_container.location-a',
      'semstreams-location-a: docker_container.loom',
      'semstreams-location-a: docker_container.loom-gateway',
      'semstreams-location-a: docker_container.loom-netns',
      'semstreams-location-a: docker_image.haproxy',
      'semstreams-location-a: docker_container.nats',
      'semstreams-location-a: docker_image.loom',
      'semstreams-location-a: docker_image.nats',
      'semstreams-location-a: docker_image.semstreams',
      'semstreams-location-a: docker_network.network',
      'semstreams-location-a: docker_volume.semstreams-location-a-nats-store',
      'semstreams-location-a: docker_volume.semstreams-loom-data',
      remote('semstreams-location-b', 'semstreams-keys-location-b'),
      remote('semstreams-location-b', 'semstreams-pki-public'),
      'semstreams-location-b: docker_container.location-b',
      'semstreams-location-b: docker_container.nats',
      'semstreams-location-b: docker_image.nats',
      'semstreams-location-b: docker_image.semstreams',
      'semstreams-location-b: docker_network.network',
      'semstreams-location-b: docker_volume.semstreams-location-b-nats-store',
      remote('semstreams-location-c', 'semstreams-keys-location-c'),
      remote('semstreams-location-c', 'semstreams-pki-public'),
      'semstreams-location-c: docker_container.location-c',
      'semstreams-location-c: docker_container.nats',
      'semstreams-location-c: docker_image.nats',
      'semstreams-location-c: docker_image.semstreams',
      'semstreams-location-c: docker_network.network',
      'semstreams-location-c: docker_volume.semstreams-location-c-nats-store',
      // The pki stack signs the keys stacks' CSRs: only the root and the canary have keys here.
      ...['location-a', 'location-b', 'location-c'].map((s) => remote('semstreams-pki', `semstreams-keys-${s}`)),
      'semstreams-pki: tls_private_key.federation-ca', 'semstreams-pki: tls_self_signed_cert.federation-ca',
      'semstreams-pki: tls_cert_request.canary', 'semstreams-pki: tls_private_key.canary',
      ...['canary', 'location-a', 'location-b', 'location-c', 'loom'].map((n) => `semstreams-pki: tls_locally_signed_cert.${n}`),
      // The public stack: no resources, locals named after the pki outputs they relay.
      remote('semstreams-pki-public', 'semstreams-pki'),
      'semstreams-pki-public: local.federation_ca_pem',
      ...['location_a', 'location_b', 'location_c', 'loom'].map((n) => `semstreams-pki-public: local.node_${n}_cert_pem`),
    ].sort());
  });

  test('tier acme: step-ca, its intermediate and the ACME volumes carry no hash either', () => {
    const a = addresses(loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml')));
    expect(a.filter((x) => HASHED.test(x))).toEqual([]);
    for (const x of ['semstreams-step-ca: docker_container.step-ca', 'semstreams-step-ca: docker_volume.step-ca', 'semstreams-step-ca: docker_image.step-ca',
      'semstreams-pki: tls_locally_signed_cert.step-ca-intermediate', 'semstreams-location-b: docker_volume.semstreams-location-b-acme',
      'semstreams-keys-step-ca: tls_private_key.step-ca-intermediate', 'semstreams-keys-step-ca: tls_cert_request.step-ca-intermediate',
      'semstreams-pki-public: local.step_ca_intermediate_cert_pem']) expect(a).toContain(x);
    // Every stack of the tier, the new keys and public stacks included, has something named in it.
    const stacks = new Set(a.map((x) => x.split(':')[0]));
    expect([...stacks].sort()).toEqual(['semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c', 'semstreams-keys-step-ca',
      'semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki', 'semstreams-pki-public', 'semstreams-step-ca']);
  });

  test('a new image tag keeps the image address', () => {
    const retagged = exampleCopy();
    retagged.images = { semstreams: 'registry.example:5000/team/semstreams:1.4.0', nats: 'nats:2.11-alpine' };
    expect(addresses(retagged)).toEqual(addresses(exampleCopy()));
  });

  test('node ids that are names of other resources get a suffix, so nothing is overwritten', () => {
    const spec = exampleCopy();
    spec.sites[2].nodes.push({ id: 'nats', kind: 'semstreams', fqdn: 'nats-node.semstreams.local' });
    spec.links.push({ from: 'location-b', to: 'nats' });
    const a = addresses(spec);
    expect(a).toContain('semstreams-location-c: docker_container.nats');
    expect(a).toContain('semstreams-location-c: docker_container.nats_node');
    expect(nodePlanName('canary')).toBe('canary_node');
    expect(nodePlanName('federation-ca')).toBe('federation-ca_node');
  });

  test('image names: repository without tag or digest; two tags of one repository told apart', () => {
    expect(imagePlanName('ghcr.io/org/semstreams:1.4@sha256:abc', ['ghcr.io/org/semstreams:1.4@sha256:abc'])).toBe('semstreams');
    const both = ['semstreams:1.3', 'semstreams:1.4'];
    expect(both.map((i) => imagePlanName(i, both))).toEqual(['semstreams_1_3', 'semstreams_1_4']);
    expect(imagePlanName('9lives:1', ['9lives:1'])).toBe('image-9lives');
  });

  test('two elements of one type and stack may not share a name', () => {
    const stack = new TerraformStack(new App({ outdir: require('os').tmpdir() }), 's');
    setPlanName(new Image(stack, 'a', { name: 'x' }), 'img');
    expect(() => setPlanName(new Image(stack, 'b', { name: 'y' }), 'img')).toThrow(/docker_image\.img is already s\/a/);
    expect(() => setPlanName(new Image(stack, 'c', { name: 'z' }), '1bad')).toThrow(/not a Terraform resource name/);
  });
});
