/**
 * Issue 14, item 2: an operator who can read only their own site's state and the states that site's deploy
 * must read obtains no other site's key and no CA key. Checked on what synth writes, as Terraform will store it:
 * a stack's state holds its own resources and, for every `terraform_remote_state` it reads, the WHOLE outputs
 * map of that state (cdktf.md: not just the outputs it references). test/real/secrets.test.ts checks the same
 * with real Terraform state where the providers are available.
 */
import { readFileSync } from 'fs';
import { PLAN_NAMES } from '../constructs/plan-names';
import { parseSpec } from '../model/load';
import { interpolations } from '../policy/references';
import { exampleCopy, synth, Synthesized } from './helpers';

/** A private key as a resource of one stack. */
interface Key { readonly stack: string; readonly name: string }
const keyId = (k: Key) => `${k.stack}/${k.name}`;

/** The stack whose backend writes the state at `path`. */
function stackAt(out: Synthesized, path: string): string {
  const found = [...out.stacks].find(([, s]) => s.terraform?.backend?.local?.path === path);
  if (!found) throw new Error(`no stack writes ${path}`);
  return found[0];
}

/** Every key a reference inside `value` of `stack` leads to (through remote state, into the origin's outputs). */
function keysReferenced(out: Synthesized, stack: string, value: unknown, depth = 0): Key[] {
  const json = out.stacks.get(stack);
  const found: Key[] = [];
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      for (const body of interpolations(v)) {
        for (const m of body.matchAll(/(?<![\w.-])tls_private_key\.([\w-]+)\./g)) found.push({ stack, name: m[1] });
        for (const m of body.matchAll(/(?<![\w.-])data\.local_sensitive_file\.([\w-]+)\./g)) found.push({ stack, name: `file:${m[1]}` });
        for (const m of body.matchAll(/(?<![\w.-])local\.([\w-]+)/g)) if (depth < 8) found.push(...keysReferenced(out, stack, json.locals?.[m[1]], depth + 1));
        for (const m of body.matchAll(/(?<![\w.-])data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          const origin = stackAt(out, json.data.terraform_remote_state[m[1]].config.path);
          if (depth < 8) found.push(...keysReferenced(out, origin, out.stacks.get(origin).output?.[m[2]]?.value, depth + 1));
        }
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

/** The states a stack's deploy reads: its remote-state data sources. */
function statesRead(out: Synthesized, stack: string): string[] {
  const remote = (out.stacks.get(stack).data?.terraform_remote_state ?? {}) as Record<string, any>;
  return Object.values(remote).map((r) => stackAt(out, r.config.path)).sort();
}

/** Every key a stack's state holds: its own key resources, and every key behind any output of each state it reads. */
function keysInState(out: Synthesized, stack: string): Key[] {
  const json = out.stacks.get(stack);
  const own: Key[] = [
    ...Object.keys(json.resource?.tls_private_key ?? {}).map((name) => ({ stack, name })),
    ...Object.keys(json.data?.local_sensitive_file ?? {}).map((name) => ({ stack, name: `file:${name}` })),
  ];
  const copied = statesRead(out, stack).flatMap((origin) => keysReferenced(out, origin, out.stacks.get(origin).output ?? {}));
  return [...own, ...copied];
}

/** What a site's operator can read: the site's state and every state its deploy reads. */
function readableBy(out: Synthesized, siteStack: string): Map<string, Key> {
  const keys = new Map<string, Key>();
  for (const s of [siteStack, ...statesRead(out, siteStack)]) for (const k of keysInState(out, s)) keys.set(keyId(k), k);
  return keys;
}

/**
 * The key resources a node's key uploads in its site stack lead to: from every container of the node (a Loom
 * node's key is in its mTLS gateway's container, Loom itself holds none).
 */
function deployedKeyOf(out: Synthesized, siteStack: string, nodeId: string): Key[] {
  const containers = out.stacks.get(siteStack).resource.docker_container as Record<string, any>;
  const ofNode = Object.values(containers).filter((x) => x.labels?.some((l: any) => l.label === 'federation-pki.node' && l.value === nodeId));
  expect(ofNode.length).toBeGreaterThan(0);
  const uploads = ofNode.flatMap((c) => (c.upload ?? []).filter((u: any) => u.permissions === '0600'));
  return uploads.flatMap((u: any) => (u.content ? keysReferenced(out, siteStack, u.content) : []));
}

const SPECS: [string, () => any][] = [
  ['three-locations', exampleCopy],
  ['three-locations-acme', () => parseSpec(readFileSync('examples/three-locations-acme.yaml', 'utf8'))],
];

describe.each(SPECS)('%s', (_name, spec) => {
  const model = spec();
  const out = synth(model);
  const sites: { id: string; nodes: { id: string }[] }[] = model.sites;
  const stackOf = (site: string) => `${model.name}-${site}`;

  test('each deployed node key is one key resource, and it is found', () => {
    let found = 0;
    for (const site of sites) {
      for (const n of site.nodes) {
        const keys = deployedKeyOf(out, stackOf(site.id), n.id);
        expect(keys.length).toBeLessThanOrEqual(1);
        found += keys.length;
      }
    }
    expect(found).toBeGreaterThanOrEqual(3);
  });

  test.each(sites.map((s) => s.id))('site %s: its state and the states its deploy reads hold its own nodes\' keys and no other key', (siteId) => {
    const site = sites.find((s) => s.id === siteId)!;
    const own = new Set(site.nodes.flatMap((n) => deployedKeyOf(out, stackOf(siteId), n.id)).map(keyId));
    const readable = [...readableBy(out, stackOf(siteId)).keys()].sort();
    expect(readable).toEqual([...own].sort());
  });

  test.each(sites.map((s) => s.id))('site %s never reads the pki state, which holds the CA key', (siteId) => {
    expect(statesRead(out, stackOf(siteId))).not.toContain(`${model.name}-pki`);
    const pki = out.stacks.get(`${model.name}-pki`);
    expect(Object.keys(pki.resource.tls_private_key)).toContain(PLAN_NAMES.root);
  });

  test('the public stack holds no key: no resources, and no key behind the pki outputs it copies', () => {
    const pub = `${model.name}-pki-public`;
    expect(out.stacks.get(pub).resource).toBeUndefined();
    expect(keysInState(out, pub)).toEqual([]);
    // The pki stack's outputs, all of which are copied into the public state, lead to no key.
    expect(keysReferenced(out, `${model.name}-pki`, out.stacks.get(`${model.name}-pki`).output)).toEqual([]);
  });
});

test('a Loom node behind its gateway: the gateway holds the key, from the site\'s keys stack and wrapped in sensitive(); Loom holds none', () => {
  const model = exampleCopy();
  const out = synth(model);
  const containers = out.stacks.get('semstreams-location-a').resource.docker_container as Record<string, any>;
  const keyUploads = (name: string) => (containers[name].upload ?? []).filter((u: any) => u.permissions === '0600');
  expect(keyUploads('loom')).toEqual([]);
  const [upload] = keyUploads('loom-gateway');
  expect(upload.content).toMatch(/^\$\{sensitive\(data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+\)\}$/);
  expect(keysReferenced(out, 'semstreams-location-a', upload.content).map(keyId)).toEqual(['semstreams-keys-location-a/loom']);
});

test('step-ca: its stack reads its own keys stack and the public stack, never the pki state, and no site reads its key', () => {
  const model = parseSpec(readFileSync('examples/three-locations-acme.yaml', 'utf8'));
  const out = synth(model);
  expect(statesRead(out, 'semstreams-step-ca')).toEqual(['semstreams-keys-step-ca', 'semstreams-pki-public']);
  const stepCaKeys = keysInState(out, 'semstreams-keys-step-ca').map(keyId);
  expect(stepCaKeys).toHaveLength(1);
  for (const site of model.sites) expect([...readableBy(out, `semstreams-${site.id}`).keys()]).not.toContain(stepCaKeys[0]);
});
