/**
 * Issue 14, item 6 (the parts done here): published ports bind to an address the spec chooses, node containers
 * have a memory limit, and default images are pinned versions, not `:latest`.
 */
import { DEFAULTS } from '../model/defaults';
import { resolveFederation } from '../model/resolve';
import { RULES, validateSpec } from '../model/validate';
import { join } from 'path';
import { loadSpecFile } from '../model/load';
import { containerOf, exampleCopy, synth } from './helpers';

describe('published ports', () => {
  test('bind to every interface by default, and to the site\'s docker.bindAddress when given', () => {
    const spec = exampleCopy();
    spec.sites[1].docker = { bindAddress: '10.0.0.2' };
    const out = synth(spec);
    expect(containerOf(out.stacks.get('semstreams-location-a'), 'location-a').ports).toEqual([{ internal: 9000, external: 9000, ip: '0.0.0.0' }]);
    expect(containerOf(out.stacks.get('semstreams-location-b'), 'location-b').ports).toEqual([{ internal: 9001, external: 9001, ip: '10.0.0.2' }]);
  });

  test('docker.bindAddress is an IP address', () => {
    const spec = exampleCopy();
    spec.sites[1].docker = { bindAddress: 'example.com' };
    expect(validateSpec(spec)).toEqual([expect.objectContaining({ site: 'location-b', field: 'docker.bindAddress', rule: RULES.ipAddress })]);
  });
});

describe('process restrictions', () => {
  test('every container of both examples drops every capability (step-ca keeps only NET_BIND_SERVICE) and cannot escalate', () => {
    const acme = loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml'));
    const seen: string[] = [];
    for (const out of [synth(exampleCopy()), synth(JSON.parse(JSON.stringify(acme)))]) {
      for (const stack of out.stacks.values()) {
        for (const c of Object.values((stack.resource?.docker_container ?? {}) as Record<string, any>)) {
          const keep = c.name.endsWith('-step-ca') ? { add: ['CAP_NET_BIND_SERVICE'] } : {};
          expect({ name: c.name, capabilities: c.capabilities, security_opts: c.security_opts })
            .toEqual({ name: c.name, capabilities: { drop: ['ALL'], ...keep }, security_opts: ['no-new-privileges:true'] });
          seen.push(c.name);
        }
      }
    }
    // Nodes, NATS, Loom's gateway and its namespace holder, step-ca: all of them were looked at.
    expect(seen).toEqual(expect.arrayContaining(['semstreams-location-a', 'semstreams-location-a-nats', 'semstreams-loom', 'semstreams-loom-gateway', 'semstreams-loom-netns', 'semstreams-step-ca']));
  });
});

describe('limits', () => {
  test('every node container has a memory limit (no swap beyond it); a node may set its own', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[1].limits = { memoryMb: 4096 };
    const out = synth(spec);
    for (const [stack, node, mb] of [['semstreams-location-a', 'location-a', 1024], ['semstreams-location-a', 'loom', 4096], ['semstreams-location-b', 'location-b', 1024], ['semstreams-location-c', 'location-c', 1024]] as const) {
      expect(containerOf(out.stacks.get(stack), node)).toMatchObject({ memory: mb, memory_swap: mb });
    }
  });

  test.each([0, 15, 1.5, '512', -1])('limits.memoryMb %j is refused', (v) => {
    const spec = exampleCopy();
    spec.sites[0].nodes[0].limits = { memoryMb: v };
    expect(validateSpec(spec)).toEqual([expect.objectContaining({ node: 'location-a', field: 'limits.memoryMb', rule: RULES.limits })]);
  });
});

describe('images', () => {
  test('no default image is a moving :latest tag (or untagged)', () => {
    for (const image of Object.values(DEFAULTS.images)) expect(image).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
    const model = resolveFederation(exampleCopy());
    for (const n of model.nodes) expect(n.image).not.toMatch(/:latest$|^[^:]+$/);
  });
});
