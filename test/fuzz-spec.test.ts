/**
 * Hostile spec input, property-based (fast-check, fixed seed, bounded runs and sizes): whatever the text or
 * object, parseSpec + resolveFederation end in a SpecError listing problems or in a sound model — never
 * another exception, never a hang, never a polluted Object.prototype. Valid ones are synthesized with the
 * security policy: a PolicyError listing known rules, or stacks with no key text and nothing Terraform would
 * evaluate but the library's own references; and the policy's findings match what the spec waives.
 */
import { readFileSync } from 'fs';
import { posix } from 'path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseSpec } from '../model/load';
import { FederationModel } from '../model/model';
import { isAbsoluteContainerPath, isDnsName, isId, isInDomain } from '../model/names';
import { SpecError } from '../model/problems';
import { resolveFederation } from '../model/resolve';
import { locateProjectFile } from '../model/project-paths';
import { PKI_RULES } from '../pki/rules';
import { PolicyError } from '../policy/finding';
import { interpolations } from '../policy/references';
import { PolicyRule } from '../policy/rules';
import { exampleCopy, synth } from './helpers';

/** Fixed seed: a failure names its counterexample and reproduces on every machine. */
const SEED = 20261108;
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });
/** A single case taking this long counts as a hang (generous: the machine may be busy with other suites). */
const PER_CASE_MS = 4000;

/** The example without its Loom's extraConfig, so cases can write their own (each keeps an llm section Loom needs). */
const EXAMPLE_YAML = readFileSync('examples/three-locations.yaml', 'utf8').replace(/\n {8}extraConfig:.*\n {10}llm: .*\n/, '\n');
const PROTOTYPE_BASELINE = Object.getOwnPropertyNames(Object.prototype).sort();

type Outcome = 'invalid' | 'valid';

/** Runs one case: a sound model, or a SpecError with problems; anything else fails the property. */
function outcome(resolve: () => FederationModel): Outcome {
  const started = Date.now();
  let result: Outcome;
  try {
    expectSoundModel(resolve());
    result = 'valid';
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    expectClearError(e);
    result = 'invalid';
  }
  expect(Date.now() - started).toBeLessThan(PER_CASE_MS);
  expectPrototypesUntouched();
  return result;
}

const fromText = (text: string) => () => resolveFederation(parseSpec(text));
const fromObject = (spec: unknown) => () => resolveFederation(spec as never);

/** What every valid model promises: ids, DNS names inside the domain, absolute normalized container paths. */
function expectSoundModel(m: FederationModel): void {
  expect(isId(m.name)).toBe(true);
  expect(isDnsName(m.domain)).toBe(true);
  for (const site of m.sites) expect(isId(site.id)).toBe(true);
  for (const n of m.nodes) {
    expect(isId(n.id)).toBe(true);
    expect(isDnsName(n.fqdn) && isInDomain(n.fqdn, m.domain)).toBe(true);
    expect(n.dnsNames.every(isDnsName)).toBe(true);
    const paths = [...Object.values(n.paths), ...n.volumes.map((v) => v.mount)];
    if (n.kind === 'loom' && n.tls.mode === 'letsencrypt') paths.push(n.tls.cacheDir);
    for (const p of paths) expect(isNormalizedAbsolute(p)).toBe(true);
    if (n.kind === 'semstreams' && n.output) {
      expect(n.output.allowedClientCns.every(isDnsName)).toBe(true);
      expect(isNormalizedUrlPath(n.output.path)).toBe(true);
    }
  }
}

/** A SpecError lists problems, each with field, message and rule, in a message safe to print. */
function expectClearError(e: SpecError): void {
  expect(e.problems.length).toBeGreaterThan(0);
  for (const p of e.problems.slice(0, 50)) {
    expect([typeof p.field, typeof p.message, typeof p.rule]).toEqual(['string', 'string', 'string']);
    expect(p.rule.length).toBeGreaterThan(0);
  }
  // Bounded however long the offending values, and no control characters but the line breaks between problems.
  expect(e.message.length).toBeLessThan(202 * 3000);
  expect(/[\0-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(e.message)).toBe(false);
}

function expectPrototypesUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_BASELINE);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.toString.call({})).toBe('[object Object]');
}

const isNormalizedAbsolute = (p: string) => isAbsoluteContainerPath(p) && posix.normalize(p) === p;
const isNormalizedUrlPath = (p: string) => p.startsWith('/') && !p.includes('//') && !p.split('/').some((s) => s === '.' || s === '..') && !/[\0-\x20\x7f-\uffff?#]/.test(p);

/** Strings an attacker would try in a name: unicode, control and bidi characters, confusables, huge ones. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '-', '.', '\0', '\n', '\x1b', '\u202e', '\u200b', 'İ', 'ı', 'ａ', '😀', '/', '..', ' ', 'A', '_', '%'), maxLength: 30 }),
  fc.constantFrom('location-a.semstreams.local.', 'LOCATION-A.semstreams.local', 'xn--80ak6aa92e.semstreams.local', 'locatіon-a.semstreams.local',
    '*.semstreams.local', 'a..semstreams.local', '-a.semstreams.local', 'semstreams.local', 'x'.repeat(300), `${'a'.repeat(64)}.semstreams.local`,
    '__proto__', 'constructor', 'prototype', 'toString', ''),
  fc.nat({ max: 40 }).map((n) => `${'ab.'.repeat(n * 30)}semstreams.local`),
);

/** The example's every path (maps, lists and leaves), to replace one value at a time. */
function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}
const EXAMPLE_PATHS = pathsOf(exampleCopy()).filter((p) => p.length > 0);

function setAt(target: any, path: readonly (string | number)[], value: unknown, remove: boolean): any {
  const parent = path.slice(0, -1).reduce((o, k) => o[k], target);
  const key = path[path.length - 1];
  if (remove) delete parent[key];
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const anyValue = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 5, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true }),
  hostileString,
  fc.constantFrom(NaN, Infinity, -0, 1e308, -1, 65536, 2 ** 53, 0.5, true, null, [], {}),
);

describe('any value', () => {
  test('any JSON value, as an object and as text, is a SpecError or a model', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      outcome(fromObject(v));
      outcome(fromText(JSON.stringify(v) ?? 'null'));
    }), run(200));
  });

  test('any JavaScript value (Sets, Maps, Dates, boxed values, null-prototype objects, BigInt)', () => {
    fc.assert(fc.property(anyValue, (v) => { outcome(fromObject(v)); }), run(200));
  });

  test('the example with one value replaced by a wrong type, or removed', () => {
    fc.assert(fc.property(fc.constantFrom(...EXAMPLE_PATHS), anyValue, fc.boolean(), (path, value, remove) => {
      outcome(fromObject(setAt(exampleCopy(), path, value, remove)));
    }), run(300));
  });
});

describe('names', () => {
  const NAME_FIELDS: ((s: any, v: string) => void)[] = [
    (s, v) => { s.name = v; },
    (s, v) => { s.domain = v; },
    (s, v) => { s.sites[1].id = v; },
    (s, v) => { s.sites[2].nodes[0].id = v; s.links[1].to = v; },
    (s, v) => { s.sites[2].nodes[0].fqdn = v; },
    (s, v) => { s.sites[2].nodes[0].sans = { dns: [v] }; },
  ];

  test('unicode, control characters and confusables in names: anything outside [a-z0-9.-] is refused', () => {
    fc.assert(fc.property(fc.nat({ max: NAME_FIELDS.length - 1 }), hostileString, (field, v) => {
      const spec = exampleCopy();
      NAME_FIELDS[field](spec, v);
      const result = outcome(fromObject(spec));
      if (/[^a-z0-9.-]/.test(v) || v.length === 0) expect(result).toBe('invalid');
    }), run(400));
  });

  test('ids that are Object.prototype members name nodes and sites like any other', () => {
    fc.assert(fc.property(fc.constantFrom('constructor', 'tostring', 'valueof', 'hasownproperty', 'prototype', 'isprototypeof'), (id) => {
      const spec = exampleCopy();
      spec.sites[2].id = id;
      spec.sites[2].nodes[0].id = id;
      spec.links[1].to = id;
      expect(outcome(fromObject(spec))).toBe('valid');
    }), run(20));
  });
});

describe('paths', () => {
  const segment = fc.constantFrom('..', '.', '', 'etc', 'ssl', 'loom', '%2e%2e', '..\\', '~', 'a b', '\0', '\n', 'ü', 'x?y', '#');
  const path = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 6 })).map(([abs, segs]) => `${abs ? '/' : ''}${segs.join('/')}`);

  test('paths inside containers (Loom cache_dir) are absolute and normalized, or refused', () => {
    fc.assert(fc.property(path, (p) => {
      const spec = exampleCopy();
      spec.sites[0].nodes[1].gateway = { enabled: false };
      spec.sites[0].nodes[1].tls = { mode: 'letsencrypt', letsencrypt: { email: 'ops@semstreams.local', acceptTos: true, cacheDir: p } };
      const result = outcome(fromObject(spec));
      expect(result).toBe(isNormalizedAbsolute(p) ? 'valid' : 'invalid');
    }), run(300));
  });

  test('websocket URL paths are absolute and normalized, or refused', () => {
    fc.assert(fc.property(path, (p) => {
      const spec = exampleCopy();
      spec.sites[0].nodes[0].output.path = p;
      const result = outcome(fromObject(spec));
      if (!isNormalizedUrlPath(p)) expect(result).toBe('invalid');
    }), run(300));
  });

  test.each(['/./ws', '/a/../ws', '//ws', '/ws//x', '/%2e%2E/ws', '/a%2Fb', '/ws\x01', '/wś', '/ws\\x'])('websocket path %j is refused (it was accepted before)', (p) => {
    const spec = exampleCopy();
    spec.sites[0].nodes[0].output.path = p;
    expect(outcome(fromObject(spec))).toBe('invalid');
  });

  test.each(['/', '/ws', '/ws/', '/federation/v1/ws', '/a~b_c.d-e', '/%41'])('websocket path %j is accepted', (p) => {
    const spec = exampleCopy();
    spec.sites[0].nodes[0].output.path = p;
    expect(outcome(fromObject(spec))).toBe('valid');
  });

  test('files on the deploying machine that leave the project are refused, as leaving the project', () => {
    const leaves = (p: string) => 'outside' in locateProjectFile(p, process.cwd());
    let outside = 0;
    fc.assert(fc.property(path, (p) => {
      // Specs that pass validation, so the files are looked for: the path as the root, and as one node's own certificate.
      const spec = exampleCopy();
      spec.ca.import = { rootCertFile: p, intermediate: { certFile: 'secrets/i.crt', keyFile: 'secrets/i.key' } };
      const node = exampleCopy();
      node.ca.import = { rootCertFile: 'secrets/root.crt', intermediate: { certFile: 'secrets/i.crt', keyFile: 'secrets/i.key' } };
      node.sites[0].nodes[0].certificate = { certFile: p, keyFile: p };
      for (const s of [spec, node]) {
        let error: SpecError | undefined;
        const result = outcome(() => { try { return fromObject(s)(); } catch (e) { if (e instanceof SpecError) error = e; throw e; } });
        // Only paths that stay inside the project are ever opened: nothing in the examples' project is a CA.
        expect(result).toBe('invalid');
        const named = error!.problems.some((x) => x.rule === PKI_RULES.inProject);
        if (p.length > 0 && !/[\0-\x1f\x7f"\\$%]/.test(p) && leaves(p)) { outside++; expect(named).toBe(true); }
        else expect(named).toBe(false);
      }
    }), run(100));
    expect(outside).toBeGreaterThan(10);
  });
});

describe('YAML', () => {
  // yaml reports collection keys it stringifies through process.emitWarning: expected here, and noise.
  let quiet: jest.SpyInstance;
  beforeAll(() => { quiet = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined); });
  afterAll(() => quiet.mockRestore());

  const TOKENS = ['name: ', 'sites:', 'nodes:', 'id: ', 'x', 'a-b', '\n', '  ', '- ', '&a ', '*a', '&b ', '*b', '[', ']', '{', '}', ', ', ': ',
    '!!binary ', '!!set ', '!!omap ', '!!str ', '!!int ', '!!float ', '!!map ', '!!seq ', '!custom ', '? ', '|\n', '>\n', '"', '\'', '#',
    '---\n', '...\n', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '<<: ', '__proto__: ', 'constructor: ', '.inf', '0x1F', '1e400', '~', 'null', 'true',
    '\t', '\0', '\ufeff', '\u2028', '\\u0000', '\r'];

  test('random YAML from its syntax tokens', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (tokens) => {
      outcome(fromText(tokens.join('')));
    }), run(400));
  });

  test('the example YAML with tokens spliced in anywhere', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: EXAMPLE_YAML.length }), fc.constantFrom(...TOKENS)), { minLength: 1, maxLength: 4 }), (splices) => {
      let text = EXAMPLE_YAML;
      for (const [at, token] of [...splices].sort((x, y) => y[0] - x[0])) text = text.slice(0, at) + token + text.slice(at);
      outcome(fromText(text));
    }), run(200));
  });

  test('alias bombs ("billion laughs"), also inside extraConfig where a model would keep them, never expand', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.boolean(), (depth, fanout, inExtraConfig) => {
      const defs = [`  l0: &l0 [${Array(fanout).fill('"lol"').join(', ')}]`];
      for (let i = 1; i < depth; i++) defs.push(`  l${i}: &l${i} [${Array(fanout).fill(`*l${i - 1}`).join(', ')}]`);
      const bomb = `*l${depth - 1}`;
      const text = inExtraConfig
        ? EXAMPLE_YAML.replace('        kind: loom\n', `        kind: loom\n        extraConfig:\n          defs:\n${defs.map((d) => `    ${d}`).join('\n')}\n          agents: ${bomb}\n          llm: { provider: ollama }\n`)
        : `bomb:\n${defs.join('\n')}\nname: ${bomb}\n`;
      let model: FederationModel | undefined;
      const result = outcome(() => (model = fromText(text)()));
      // Whatever is accepted is held as shared objects: no more distinct nodes than the text has characters.
      if (result === 'valid') expect(distinctNodes(model!)).toBeLessThan(text.length);
      if (fanout ** depth > 100_000) expect(result).toBe('invalid');
    }), run(150));
  });

  test('deep nesting, in flow and block style', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('list', 'map', 'block'), fc.boolean(), (depth, style, inExtraConfig) => {
      const d = style === 'block' ? Math.min(depth, 1500) : depth;
      const deep = style === 'list' ? `${'['.repeat(d)}${']'.repeat(d)}`
        : style === 'map' ? `${'{"a": '.repeat(d)}1${'}'.repeat(d)}`
          : Array.from({ length: d }, (_, i) => `${' '.repeat(i + 10)}a:`).join('\n');
      const text = inExtraConfig
        ? EXAMPLE_YAML.replace('        kind: loom\n', style === 'block' ? `        kind: loom\n        extraConfig:\n${deep}\n` : `        kind: loom\n        extraConfig: { llm: ${deep} }\n`)
        : style === 'block' ? `name:\n${deep}\n` : `{"name": ${deep}}`;
      outcome(fromText(text));
    }), run(24));
  });

  test('duplicate keys, in YAML and in JSON, are refused', () => {
    const keyLines = EXAMPLE_YAML.split('\n').map((l, i) => ({ l, i })).filter(({ l }) => /^\s*[A-Za-z]\w*:/.test(l));
    fc.assert(fc.property(fc.constantFrom(...keyLines), ({ i }) => {
      const lines = EXAMPLE_YAML.split('\n');
      const key = lines[i].match(/^(\s*[A-Za-z]\w*:)/)![1];
      lines.splice(i + 1, 0, `${key} duplicate`);
      expect(outcome(fromText(lines.join('\n')))).toBe('invalid');
    }), run(keyLines.length));
    expect(outcome(fromText('{"name": "a", "name": "b", "domain": "x.y", "sites": []}'))).toBe('invalid');
  });
});

describe('prototype pollution', () => {
  const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
  const payload = fc.constantFrom({ polluted: true }, { prototype: { polluted: true } }, { toString: 'x' }, 'polluted', [{ polluted: true }]);
  const MAP_PATHS = EXAMPLE_PATHS.filter((p) => { const v = p.reduce((o: any, k) => o[k], exampleCopy()); return typeof v === 'object' && v !== null && !Array.isArray(v); });

  test('__proto__ / constructor / prototype keys anywhere, as JSON, YAML and objects, leave Object.prototype alone', () => {
    fc.assert(fc.property(fc.constantFrom([] as (string | number)[], ...MAP_PATHS), fc.constantFrom(...PROTO_KEYS), payload, (at, key, value) => {
      const spec = setAt(exampleCopy(), [...at, key], value, false);
      const json = JSON.stringify(spec);
      expect(json).toContain(`"${key}"`);
      // Outside extraConfig (free-form) an unknown key is refused; inside it, it stays an own property.
      const expected = at.includes('extraConfig') ? undefined : 'invalid';
      for (const result of [outcome(fromText(json)), outcome(fromText(stringify(spec))), outcome(fromObject(JSON.parse(json)))]) {
        if (expected) expect(result).toBe(expected);
      }
    }), run(100));
  });

  test('inside extraConfig the key reaches the model as an own property, not a prototype', () => {
    const text = EXAMPLE_YAML.replace('        kind: loom\n', '        kind: loom\n        extraConfig: { llm: { provider: ollama, __proto__: { polluted: true } } }\n');
    const model = resolveFederation(parseSpec(text));
    const llm = (model.nodes.find((n) => n.id === 'loom') as any).extraConfig.llm;
    expect(Object.getPrototypeOf(llm)).toBe(Object.prototype);
    expect(Object.keys(llm)).toEqual(['provider', '__proto__']);
    expectPrototypesUntouched();
  });
});

describe('huge input', () => {
  test('huge lists of junk sites, nodes and links end in a SpecError', () => {
    fc.assert(fc.property(fc.integer({ min: 1000, max: 20_000 }), fc.constantFrom('sites', 'nodes', 'links'), anyValue, (count, where, junk) => {
      const spec = exampleCopy();
      if (where === 'sites') spec.sites = Array(count).fill(junk);
      if (where === 'nodes') spec.sites[0].nodes = Array(count).fill(junk);
      if (where === 'links') spec.links = Array(count).fill(junk);
      outcome(fromObject(spec));
    }), run(6));
  });

  test('a valid federation of 1000 sites and 999 links resolves', () => {
    const n = 1000;
    const spec = {
      name: 'big', domain: 'big.example',
      sites: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, docker: { host: `ssh://ops@h${i}` }, nodes: [{ id: `n${i}`, kind: 'semstreams', fqdn: `n${i}.big.example`, ...(i < n - 1 ? { output: { port: 9000 } } : {}) }] })),
      links: Array.from({ length: n - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` })),
    };
    expect(outcome(fromObject(spec))).toBe('valid');
  });

  test('a megabyte-long id with control characters is refused in a bounded, printable message', () => {
    const spec = exampleCopy();
    spec.sites[0].id = `\x1b[31m${'x'.repeat(1_000_000)}`;
    spec.sites[0].nodes = Array(500).fill({ kind: 'nope' });
    expect(outcome(fromObject(spec))).toBe('invalid');
  });
});

describe('through synth and the security policy', () => {
  /** Every interpolation the library itself writes: a resource or remote-state reference, maybe inside sensitive(). */
  const OWN = /^(sensitive\()?(data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+|[a-z][a-z_]*\.[\w-]+\.[a-z_]+|local\.[a-z][\w-]*|terraform\.workspace|filesha256\("[^"$%{}]*"\))\)?$/;
  const EXAMPLE_ACME = parseSpec(readFileSync('examples/three-locations-acme.yaml', 'utf8'));

  type SynthOutcome = 'invalid' | 'policy' | 'synthesized';

  /** Resolves and synthesizes: a SpecError, a PolicyError listing known rules, or stacks holding no key and nothing Terraform would evaluate but the library's own references. */
  function synthOutcome(spec: unknown, onPolicy?: (e: PolicyError) => void): SynthOutcome {
    if (outcome(fromObject(spec)) === 'invalid') return 'invalid';
    let out;
    try {
      out = synth(spec as never, {});
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      expect(e.violations.length + e.suppressionProblems.length).toBeGreaterThan(0);
      for (const v of e.violations) {
        expect(PolicyRule.ALL).toContain(v.rule);
        expect(e.message).toContain(`site ${v.site}, node ${v.node}, ${v.rule.id}: `);
      }
      expect(e.stack === undefined || !e.message.includes('    at ')).toBe(true);
      onPolicy?.(e);
      return 'policy';
    }
    for (const [file, text] of out.files) expect({ file, key: /PRIVATE KEY-----/.test(text) }).toEqual({ file, key: false });
    const strings: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v === 'string') strings.push(v);
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { strings.push(k); walk(x); }
    };
    for (const stack of out.stacks.values()) walk(stack);
    for (const str of strings) {
      for (const body of interpolations(str)) expect(body).toMatch(OWN);
      expect(/(^|[^%])%\{/.test(str.replace(/%%\{/g, ''))).toBe(false);
    }
    return 'synthesized';
  }

  const template = fc.tuple(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('${', '%{', '$${', '%%{', '$$${', '}', '${file("/etc/shadow")}', '%{ for x in [1] }y%{ endfor }',
      '${tls_private_key.federation-ca_key_0.private_key_pem}', '${jsonencode(data.terraform_remote_state.x.outputs)}', '"${x}"', '\\${x}'),
    fc.string({ maxLength: 6 }),
  ).map((parts) => parts.join(''));
  const FREE_TEXT: [string, (s: any, v: string) => void][] = [
    ['ca.organization', (s, v) => { s.ca = { ...s.ca, organization: v }; }],
    ['ca.commonName', (s, v) => { s.ca = { ...s.ca, commonName: v }; }],
    ['image', (s, v) => { s.sites[0].nodes[0].image = v; }],
    ['command', (s, v) => { s.sites[1].nodes[0].command = ['semstreams', v]; }],
    ['platformType', (s, v) => { s.sites[2].nodes[0].platformType = v; }],
    ['output.subjects', (s, v) => { s.sites[0].nodes[0].output.subjects = [v]; }],
    // Loom starts only with an llm section (its provider kept): the text goes beside it.
    ['extraConfig value', (s, v) => { s.sites[0].nodes[1].extraConfig = { llm: { ...s.sites[0].nodes[1].extraConfig?.llm, model: v } }; }],
    ['extraConfig key', (s, v) => { s.sites[0].nodes[1].extraConfig = { llm: { ...s.sites[0].nodes[1].extraConfig?.llm, [v]: 'x' } }; }],
    ['gateway.image', (s, v) => { s.sites[0].nodes[1].gateway = { image: v }; }],
    ['images.loomGateway', (s, v) => { s.images = { loomGateway: v }; }],
    ['images.nats', (s, v) => { s.images = { nats: v }; }],
    ['docker.certPath', (s, v) => { s.sites[1].docker = { host: 'tcp://b:2376', certPath: v }; }],
  ];

  test.each(FREE_TEXT)('%s with Terraform template sequences: refused, or synthesized as text', (_field, set) => {
    const seen = new Set<SynthOutcome>();
    fc.assert(fc.property(template, fc.boolean(), (v, acme) => {
      const spec = acme ? JSON.parse(JSON.stringify(EXAMPLE_ACME)) : exampleCopy();
      if (acme && spec.sites[0].nodes[1].kind !== 'loom') return;
      set(spec, v);
      seen.add(synthOutcome(spec));
    }), run(3));
    expect(seen).toContain('synthesized');
  });

  test('free-text fields with hostile strings', () => {
    fc.assert(fc.property(fc.constantFrom(...FREE_TEXT), hostileString, ([, set], v) => {
      const spec = exampleCopy();
      set(spec, v);
      synthOutcome(spec);
    }), run(10));
  });

  test('the example with one value replaced: refused, a policy error, or stacks with no key text and only the library\'s references', () => {
    fc.assert(fc.property(fc.constantFrom(...EXAMPLE_PATHS), anyValue, fc.boolean(), (path, value, remove) => {
      synthOutcome(setAt(exampleCopy(), path, value, remove));
    }), run(40));
  });

  test('the policy finds exactly what the spec waives: client certificates not required, and leaves over 90 days, in production', () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 31, max: 365 }), (production, optionalA, optionalB, leafDays) => {
      const spec = exampleCopy();
      spec.production = production;
      spec.ca.leafValidityDays = leafDays;
      if (optionalA) spec.sites[0].nodes[0].requireClientCert = false;
      if (optionalB) spec.sites[1].nodes[0].requireClientCert = false;
      let found: PolicyError | undefined;
      const result = synthOutcome(spec, (e) => { found = e; });
      const expectedClientCert = production ? [...(optionalA ? ['location-a'] : []), ...(optionalB ? ['location-b'] : [])] : [];
      const expectLeaf = production && leafDays > 90;
      if (expectedClientCert.length === 0 && !expectLeaf) { expect(result).toBe('synthesized'); return; }
      expect(result).toBe('policy');
      const ids = new Set(found!.violations.map((v) => v.rule.id));
      expect([...ids].sort()).toEqual([...(expectedClientCert.length > 0 ? ['FPKI-CLIENT-CERT-NOT-REQUIRED'] : []), ...(expectLeaf ? ['FPKI-LEAF-VALIDITY'] : [])].sort());
      expect(found!.violations.filter((v) => v.rule.id === 'FPKI-CLIENT-CERT-NOT-REQUIRED').map((v) => v.node).sort()).toEqual(expectedClientCert);
    }), run(12));
  });
});

/** Distinct objects and arrays reachable from a value (shared ones counted once). */
function distinctNodes(root: unknown): number {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    stack.push(...Object.values(v));
  }
  return seen.size;
}
