/**
 * Issue 14, item 3: every spec string reaches Terraform as text. Terraform evaluates `${...}` and `%{...}` in
 * every string of cdk.tf.json, so each string field of the spec is set, one at a time, to text carrying both;
 * the spec must then be refused with a clear error, or synthesize stacks in which no template sequence that
 * Terraform would evaluate holds the injected text.
 */
import { readFileSync } from 'fs';
import { Token } from 'cdktf';
import { escapeTemplate, terraformLiteral, terraformLiterals } from '../constructs/terraform-literal';
import { parseSpec } from '../model/load';
import { SpecError } from '../model/problems';
import { resolveFederation } from '../model/resolve';
import { PolicyError } from '../policy/finding';
import { exampleCopy, synth } from './helpers';

const MARK = 'INJECTED';
const PAYLOAD = `\${file("/etc/${MARK}")}%{ if true }${MARK}%{ endif }`;

/** The template sequences (`${...}`, `%{...}`) Terraform would evaluate in `s`, as written. */
function templateSequences(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if ((s.startsWith('$${', i) || s.startsWith('%%{', i))) { i += 2; continue; }
    if (s.startsWith('${', i) || s.startsWith('%{', i)) {
      let depth = 0;
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === '{') depth++;
        else if (s[j] === '}' && --depth === 0) break;
      }
      out.push(s.slice(i, j + 1));
      i = j;
    }
  }
  return out;
}

/** Every string (values and keys) inside a parsed JSON value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { out.push(k); strings(x, out); }
  return out;
}

/** Paths of every string leaf (and extraConfig key) of a spec. */
function stringPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...at, i]));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...at, k]));
  return [];
}

function setAt(spec: any, path: (string | number)[], value: string): any {
  const parent = path.slice(0, -1).reduce((o, k) => o[k], spec);
  parent[path[path.length - 1]] = value;
  return spec;
}

/** The example, with every optional string field the kinds take filled in. */
function richManualSpec(): any {
  const spec = exampleCopy();
  spec.ca = { ...(spec.ca ?? {}), commonName: 'Example root CA', organization: 'Example Org' };
  spec.images = { semstreams: 'semstreams:1.0', loom: 'loom:1.0', nats: 'nats:2.10-alpine', loomGateway: 'haproxy:2.6.12' };
  spec.sites[0].docker = { host: 'ssh://ops@host-a', address: '192.0.2.10' };
  spec.sites[1].docker = { host: 'tcp://host-b:2376', certPath: 'certs/host-b' };
  spec.sites[2].nats = { urls: ['nats://nats.example:4222'] };
  const a = spec.sites[0].nodes[0];
  Object.assign(a, { image: 'semstreams:custom', command: ['semstreams', '--config', '/etc/semstreams/config.json'], platformType: 'edge' });
  a.output.subjects = ['federated.data'];
  a.sans = { dns: ['alt.semstreams.local'], ip: ['192.0.2.1'] };
  a.suppressions = [{ rule: 'FPKI-LEAF-VALIDITY', reason: 'a written reason for the test' }];
  const loom = spec.sites[0].nodes[1];
  loom.extraConfig = { llm: { provider: 'local', model: 'small' }, database: { url: 'postgres://db/loom' }, server: { read_timeout: '30s' } };
  loom.gateway = { enabled: true, image: 'haproxy:custom' };
  // Loom's own self-signed and letsencrypt TLS: only without its gateway.
  const llm = { llm: { provider: 'ollama', ollama_endpoint: 'http://ollama:11434', ollama_model: 'llama3.2' } };
  spec.sites.push({ id: 'location-d', docker: { bindAddress: '127.0.0.1' }, nodes: [{
    id: 'loom-d', kind: 'loom', fqdn: 'loom-d.semstreams.local', httpPort: 8180, grpcPort: 60151, gateway: { enabled: false }, extraConfig: llm,
    tls: { mode: 'self-signed', selfSigned: { hostnames: ['loom-d.semstreams.local'], organization: 'Self Org' } },
  }, {
    id: 'loom-e', kind: 'loom', fqdn: 'loom-e.semstreams.local', httpPort: 8280, grpcPort: 60251, gateway: { enabled: false }, extraConfig: llm,
    tls: { mode: 'letsencrypt', letsencrypt: { email: 'ops@semstreams.local', acceptTos: true, domains: ['loom-e.semstreams.local'], acmeDirectoryUrl: 'https://acme.example/directory', cacheDir: '/var/cache/loom' } },
  }] });
  return spec;
}

function richAcmeSpec(): any {
  const spec = JSON.parse(JSON.stringify(parseSpec(readFileSync('examples/three-locations-acme.yaml', 'utf8'))));
  spec.stepCa = { ...spec.stepCa, image: 'smallstep/step-ca:0.30.2', dnsNames: ['step-ca.semstreams.local'], provisioner: 'acme', certificateDuration: '24h' };
  spec.acme = { ...spec.acme, renewBefore: '8h', challengeType: 'http-01' };
  return spec;
}

type Outcome = { refused: string } | { leaked: string[]; literal: boolean };

function injectAndSynth(spec: any): Outcome {
  let out;
  try {
    resolveFederation(spec);
    out = synth(spec);
  } catch (e) {
    // A suppression naming no rule is refused by the policy, as clearly as the spec refuses the rest.
    if (e instanceof SpecError || e instanceof PolicyError) return { refused: e.message };
    throw e;
  }
  const all = [...out.stacks.values()].flatMap((s) => strings(s));
  return {
    // Resource names may carry the letters of an image name, never its punctuation: `/etc/` and ` if ` are the payload's.
    leaked: all.flatMap(templateSequences).filter((t) => t.includes(`/etc/${MARK}`) || t.includes(' if true')),
    // The text itself arrives (JSON-encoded inside a SemStreams config): Terraform reads `$${` back as `${`.
    literal: all.some((s) => s.includes(escapeTemplate(PAYLOAD)) || s.includes(escapeTemplate(JSON.stringify(PAYLOAD).slice(1, -1)))),
  };
}

describe('terraformLiteral', () => {
  test('escapes ${ and %{ in literal text, which Terraform reads back as written', () => {
    expect(terraformLiteral('a ${b} %{c} $d %e')).toBe('a $${b} %%{c} $d %e');
    expect(terraformLiteral('${file("/etc/shadow")}')).toBe('$${file("/etc/shadow")}');
  });

  test('keeps cdktf tokens and escapes the literal text around them', () => {
    const token = Token.asString({ resolve: () => 'x' });
    expect(terraformLiteral(`${token}\${chain}`)).toBe(`${token}$\${chain}`);
    expect(terraformLiteral(token)).toBe(token);
  });

  test('refuses a literal "$" or "%" right before a token (it would turn the reference into text or a directive)', () => {
    const token = Token.asString({ resolve: () => 'x' });
    expect(() => terraformLiteral(`a$${token}`)).toThrow(/precedes a Terraform reference/);
    expect(() => terraformLiteral(`a%${token}`)).toThrow(/precedes a Terraform reference/);
  });

  test('walks objects and arrays, leaving numbers, booleans and non-plain objects alone', () => {
    const construct = new (class Thing {})();
    expect(terraformLiterals({ a: ['${x}', 1, true], b: { c: '%{y}' }, d: construct })).toEqual({ a: ['$${x}', 1, true], b: { c: '%%{y}' }, d: construct });
  });
});

describe('every string field of the spec reaches Terraform as text, through synth', () => {
  const cases: [string, () => any][] = [['manual', richManualSpec], ['acme', richAcmeSpec]];
  const fields = cases.flatMap(([name, make]) => stringPaths(make()).map((path) => [name, path.join('.'), make, path] as const));

  test('the rich specs are valid as written (so every injection below changes one field only)', () => {
    for (const [, make] of cases) expect(() => resolveFederation(make())).not.toThrow();
    expect(fields.length).toBeGreaterThan(60);
  });

  test.each(fields.map(([name, field, make, path]) => [name, field, make, path]))('%s spec, %s', (_name, _field, make, path) => {
    const spec = (make as () => any)();
    const p = path as (string | number)[];
    const original = p.reduce((o: any, k) => o[k], spec) as string;
    const result = injectAndSynth(setAt(spec, p, `${original}${PAYLOAD}`));
    if ('refused' in result) {
      expect(result.refused).toMatch(/^(federation spec has \d+ problem|security policy: \d+ invalid suppression)/);
      return;
    }
    expect(result.leaked).toEqual([]);
  });

  test.each([
    ['ca.organization', ['ca', 'organization']],
    ['ca.commonName', ['ca', 'commonName']],
    ['a node command', ['sites', 0, 'nodes', 0, 'command', 0]],
    ['a node image', ['sites', 0, 'nodes', 0, 'image']],
    ['platformType', ['sites', 0, 'nodes', 0, 'platformType']],
    ['Loom extraConfig', ['sites', 0, 'nodes', 1, 'extraConfig', 'llm', 'model']],
    ['docker.certPath', ['sites', 1, 'docker', 'certPath']],
    ['a Loom gateway image', ['sites', 0, 'nodes', 1, 'gateway', 'image']],
  ])('%s is accepted and arrives as the literal text', (_name, path) => {
    const result = injectAndSynth(setAt(richManualSpec(), path as (string | number)[], PAYLOAD));
    expect(result).toEqual({ leaked: [], literal: true });
  });

  test('an extraConfig key with template sequences arrives as text too', () => {
    const spec = richManualSpec();
    spec.sites[0].nodes[1].extraConfig.llm[PAYLOAD] = 'x';
    expect(injectAndSynth(spec)).toEqual({ leaked: [], literal: true });
  });

  test('the review\'s example: an organization naming the root key leaves the certificate subject a literal', () => {
    const spec = richManualSpec();
    spec.ca.organization = '${tls_private_key.federation-ca_key_12345678.private_key_pem}';
    const stacks = [...synth(spec).stacks.values()];
    const resources = (type: string) => stacks.flatMap((st) => Object.values(st.resource?.[type] ?? {}));
    const subjects = [...resources('tls_self_signed_cert'), ...resources('tls_cert_request')].flatMap((r: any) => strings(r.subject));
    expect(subjects.flatMap(templateSequences).filter((t) => t.includes('tls_private_key'))).toEqual([]);
    expect(subjects).toContain('$${tls_private_key.federation-ca_key_12345678.private_key_pem}');
  });
});

describe('cdktf token markers in spec text are refused', () => {
  const fields = stringPaths(richManualSpec());
  test.each(['${TfToken[TOKEN.1]}', '#{TfToken[TOKEN.2]}', '&{TfToken[TOKEN.3]}', '-1.8881545897087626e+289'])('%s in any string field', (marker) => {
    for (const path of fields) {
      const spec = setAt(richManualSpec(), path, `x${marker}`);
      expect(() => resolveFederation(spec)).toThrow(/looks like a cdktf token/);
    }
  });

  test('as an extraConfig key, and as a number', () => {
    const key = richManualSpec();
    key.sites[0].nodes[1].extraConfig.llm['${TfToken[TOKEN.1]}'] = 'x';
    expect(() => resolveFederation(key)).toThrow(/site location-a, node loom, field extraConfig\.llm\.\$\{TfToken\[TOKEN\.1\]\}: key .* looks like a cdktf token/);
    const num = richManualSpec();
    num.sites[0].nodes[1].extraConfig.llm.temperature = -1.8881545897087626e+289;
    expect(() => resolveFederation(num)).toThrow(/looks like a cdktf token/);
  });
});
