import { formatProblem, SpecError, SpecProblem } from '../model/problems';
import { resolveFederation } from '../model/resolve';
import { RULES, validateSpec } from '../model/validate';
import { ACME_RULES } from '../model/validate-acme';
import { exampleCopy } from './helpers';

type Mutate = (spec: any) => void;
const siteOf = (spec: any, id: string) => spec.sites.find((s: any) => s.id === id);
const nodeOf = (spec: any, id: string) => spec.sites.flatMap((s: any) => s.nodes).find((n: any) => n.id === id);

function problemsAfter(mutate: Mutate): SpecProblem[] {
  const spec = exampleCopy();
  mutate(spec);
  return validateSpec(spec);
}

/** Expects exactly one problem, with this site, node, field and rule. */
function expectOne(mutate: Mutate, expected: { site?: string; node?: string; field: string; rule: string; message?: RegExp }) {
  const problems = problemsAfter(mutate);
  expect(problems).toHaveLength(1);
  const [p] = problems;
  expect(p.site).toBe(expected.site);
  expect(p.node).toBe(expected.node);
  expect(p.field).toBe(expected.field);
  expect(p.rule).toBe(expected.rule);
  if (expected.message) expect(p.message).toMatch(expected.message);
}

describe('the built-in example', () => {
  test('is valid', () => {
    expect(validateSpec(exampleCopy())).toEqual([]);
  });
});

describe('one bad spec per rule', () => {
  test('federation name must be an id', () => expectOne((s) => { s.name = 'Bad Name'; }, { field: 'name', rule: RULES.id }));
  test('domain must be a DNS name', () => {
    const problems = problemsAfter((s) => { s.domain = 'no_domain'; });
    expect(problems[0]).toMatchObject({ field: 'domain', rule: RULES.dnsName });
  });
  test('tier must be none|manual|acme', () => expectOne((s) => { s.tier = 'paranoid'; }, { field: 'tier', rule: RULES.tier }));
  test('unknown key algorithm', () => expectOne((s) => { s.ca.keyAlgorithm = 'ED25519'; }, { field: 'ca.keyAlgorithm', rule: RULES.keyAlgorithm }));
  test('RSA below 2048', () => expectOne((s) => { s.ca.keyAlgorithm = 'RSA_1024'; }, { field: 'ca.keyAlgorithm', rule: RULES.rsaMin, message: /below 2048/ }));
  test('validity must be whole days', () => expectOne((s) => { s.ca.leafValidityDays = 0.5; }, { field: 'ca.leafValidityDays', rule: RULES.positiveDays }));
  test('early renewal must be shorter than validity', () => expectOne((s) => { s.ca.earlyRenewalDays = 90; }, { field: 'ca.earlyRenewalDays', rule: RULES.earlyRenewal }));
  test('leaf must be shorter than root', () => expectOne((s) => { s.ca.rootValidityDays = 60; }, { field: 'ca.leafValidityDays', rule: RULES.leafWithinRoot }));
  test('min_version 1.2 or 1.3 (federation)', () => expectOne((s) => { s.tls.minVersion = '1.1'; }, { field: 'tls.minVersion', rule: RULES.minVersion }));
  test('min_version 1.2 or 1.3 (node)', () => expectOne((s) => { nodeOf(s, 'location-b').minVersion = '1.0'; }, { site: 'location-b', node: 'location-b', field: 'minVersion', rule: RULES.minVersion }));
  test('booleans are booleans', () => expectOne((s) => { s.tls.mtls = 'yes'; }, { field: 'tls.mtls', rule: RULES.boolean }));
  test('insecure_skip_verify outside tier none (federation)', () => expectOne((s) => { s.tls.insecureSkipVerify = true; }, { field: 'tls.insecureSkipVerify', rule: RULES.insecureSkipVerify }));
  test('insecure_skip_verify outside tier none (node)', () => expectOne((s) => { nodeOf(s, 'location-c').insecureSkipVerify = true; }, { site: 'location-c', node: 'location-c', field: 'insecureSkipVerify', rule: RULES.insecureSkipVerify }));
  test('insecure_skip_verify is allowed in tier none', () => {
    expect(problemsAfter((s) => { s.tier = 'none'; s.tls.insecureSkipVerify = true; delete nodeOf(s, 'loom').tls; })).toEqual([]);
  });
  test('at least one site', () => expectOne((s) => { s.sites = []; s.links = []; }, { field: 'sites', rule: RULES.sites }));
  test('site needs nodes', () => {
    const problems = problemsAfter((s) => { siteOf(s, 'location-c').nodes = []; s.links = s.links.filter((l: any) => l.to !== 'location-c'); });
    expect(problems).toEqual([
      expect.objectContaining({ site: 'location-c', field: 'nodes', rule: RULES.sites }),
      expect.objectContaining({ site: 'location-b', node: 'location-b', field: 'output', rule: RULES.orphanOutput }),
    ]);
  });
  test('site ids are ids', () => expectOne((s) => { siteOf(s, 'location-c').id = 'Location C'; }, { site: 'Location C', field: 'id', rule: RULES.id }));
  test.each(['pki', 'pki-public', 'step-ca', 'keys-location-b'])('site id %s would name another stack', (id) => expectOne((s) => { siteOf(s, 'location-c').id = id; }, { site: id, field: 'id', rule: RULES.reservedSite }));
  test('site ids are unique', () => expectOne((s) => { siteOf(s, 'location-c').id = 'location-b'; }, { site: 'location-b', field: 'id', rule: RULES.uniqueSite }));
  test('node ids are unique across sites', () => expectOne((s) => { nodeOf(s, 'loom').id = 'location-c'; }, { site: 'location-c', node: 'location-c', field: 'id', rule: RULES.uniqueNode, message: /also used in site location-a/ }));
  test('FQDNs are unique', () => expectOne((s) => { nodeOf(s, 'loom').fqdn = 'location-c.semstreams.local'; }, { site: 'location-c', node: 'location-c', field: 'fqdn', rule: RULES.uniqueFqdn, message: /node loom/ }));
  test('no node FQDN is the canary\'s name', () => expectOne((s) => { nodeOf(s, 'location-c').fqdn = 'canary.semstreams.local'; }, { site: 'location-c', node: 'location-c', field: 'fqdn', rule: RULES.canaryName, message: /canary/ }));
  test('FQDN is a DNS name', () => expectOne((s) => { nodeOf(s, 'location-c').fqdn = 'Location-C.semstreams.local'; }, { site: 'location-c', node: 'location-c', field: 'fqdn', rule: RULES.dnsName }));
  test('FQDN is inside the domain', () => expectOne((s) => { nodeOf(s, 'location-c').fqdn = 'location-c.example.com'; }, { site: 'location-c', node: 'location-c', field: 'fqdn', rule: RULES.inDomain }));
  test('DNS SANs are DNS names', () => expectOne((s) => { nodeOf(s, 'location-c').sans = { dns: ['ok.semstreams.local', 'bad name'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.dns[1]', rule: RULES.dnsName }));
  test('DNS SANs lie inside the domain (www.google.com was signed)', () => expectOne((s) => { nodeOf(s, 'location-c').sans = { dns: ['www.google.com'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.dns[0]', rule: RULES.sanInDomain, message: /outside domain semstreams\.local/ }));
  test('a DNS SAN is not another node\'s FQDN', () => expectOne((s) => { nodeOf(s, 'location-c').sans = { dns: ['location-a.semstreams.local'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.dns[0]', rule: RULES.uniqueName, message: /already a name of node location-a/ }));
  test('a DNS SAN is not another node\'s FQDN, even when that node comes later', () => expectOne((s) => { nodeOf(s, 'location-a').sans = { dns: ['location-c.semstreams.local'] }; }, { site: 'location-a', node: 'location-a', field: 'sans.dns[0]', rule: RULES.uniqueName, message: /already a name of node location-c/ }));
  test('a DNS SAN is not another node\'s SAN', () => expectOne((s) => { nodeOf(s, 'location-a').sans = { dns: ['shared.semstreams.local'] }; nodeOf(s, 'location-c').sans = { dns: ['shared.semstreams.local'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.dns[0]', rule: RULES.uniqueName, message: /already a name of node location-a/ }));
  test('an IP SAN is not another node\'s, in any spelling', () => expectOne((s) => { nodeOf(s, 'location-a').sans = { ip: ['2001:db8::1'] }; nodeOf(s, 'location-c').sans = { ip: ['2001:0db8:0:0:0:0:0:1'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.ip[0]', rule: RULES.uniqueName }));
  test('a DNS SAN is not the canary\'s name', () => expectOne((s) => { nodeOf(s, 'location-c').sans = { dns: ['canary.semstreams.local'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.dns[0]', rule: RULES.canaryName }));
  test('a DNS SAN is not step-ca\'s name', () => expectOne((s) => {
    s.tier = 'acme'; s.stepCa = { site: 'location-a' }; s.acme = { email: 'ops@semstreams.local' };
    // Loom stays behind its gateway (tls manual there), as in examples/three-locations-acme.yaml.
    nodeOf(s, 'location-c').sans = { dns: ['step-ca.semstreams.local'] };
  }, { site: 'location-c', node: 'location-c', field: 'sans.dns[0]', rule: RULES.uniqueName, message: /step-ca/ }));
  test('a node may repeat its own FQDN as a SAN', () => {
    const s = exampleCopy();
    nodeOf(s, 'location-c').sans = { dns: ['location-c.semstreams.local', 'c.semstreams.local'] };
    expect(validateSpec(s)).toEqual([]);
  });
  test('IP SANs are IPs', () => expectOne((s) => { nodeOf(s, 'location-c').sans = { ip: ['10.0.0.300'] }; }, { site: 'location-c', node: 'location-c', field: 'sans.ip[0]', rule: RULES.ipAddress }));
  test('node kind', () => expectOne((s) => { nodeOf(s, 'loom').kind = 'nginx'; }, { site: 'location-a', node: 'loom', field: 'kind', rule: RULES.kind }));
  test('unknown fields are named', () => expectOne((s) => { nodeOf(s, 'location-a').outputs = {}; }, { site: 'location-a', node: 'location-a', field: 'outputs', rule: RULES.unknownField }));
  test('websocket output port range', () => expectOne((s) => { nodeOf(s, 'location-a').output.port = 80; }, { site: 'location-a', node: 'location-a', field: 'output.port', rule: RULES.outputPort }));
  test('websocket output path', () => expectOne((s) => { nodeOf(s, 'location-a').output.path = 'ws'; }, { site: 'location-a', node: 'location-a', field: 'output.path', rule: RULES.outputPath }));
  test('docker host URL', () => expectOne((s) => { siteOf(s, 'location-b').docker = { host: 'http://b:2375' }; }, { site: 'location-b', field: 'docker.host', rule: RULES.dockerHost }));
  test('tcp:// needs TLS material', () => expectOne((s) => { siteOf(s, 'location-b').docker = { host: 'tcp://10.0.0.2:2376' }; }, { site: 'location-b', field: 'docker.certPath', rule: RULES.dockerTcpTls }));
  test('ssh:// and tcp:// with certPath are accepted', () => {
    expect(problemsAfter((s) => {
      siteOf(s, 'location-b').docker = { host: 'ssh://deploy@site-b.example.net' };
      siteOf(s, 'location-c').docker = { host: 'tcp://site-c.example.net:2376', certPath: 'certs/site-c', address: '192.0.2.10' };
    })).toEqual([]);
  });
  test('site address is an IP', () => expectOne((s) => { siteOf(s, 'location-b').docker = { address: 'site-b' }; }, { site: 'location-b', field: 'docker.address', rule: RULES.ipAddress }));
  test('NATS URLs', () => expectOne((s) => { siteOf(s, 'location-b').nats = { urls: ['http://nats:4222'] }; }, { site: 'location-b', field: 'nats.urls[0]', rule: RULES.natsUrl }));
  test('port clash on one Docker host', () => expectOne((s) => { nodeOf(s, 'location-b').output.port = 9000; }, {
    site: 'location-b', node: 'location-b', field: 'output.port', rule: RULES.portClash, message: /node location-a \(site location-a, output\.port\)/,
  }));
  test('same port on different Docker hosts is fine', () => {
    expect(problemsAfter((s) => {
      nodeOf(s, 'location-b').output.port = 9000;
      siteOf(s, 'location-b').docker = { host: 'ssh://deploy@site-b.example.net' };
    })).toEqual([]);
  });
  test('Loom ports are distinct', () => expectOne((s) => { nodeOf(s, 'loom').httpPort = 60051; }, { site: 'location-a', node: 'loom', field: 'httpPort', rule: RULES.distinctPorts }));
  test('Loom port clash with a SemStreams output', () => expectOne((s) => { nodeOf(s, 'loom').httpPort = 9000; }, { site: 'location-a', node: 'loom', field: 'httpPort', rule: RULES.portClash }));
  test('Loom has no min_version setting', () => expectOne((s) => { nodeOf(s, 'loom').minVersion = '1.3'; }, { site: 'location-a', node: 'loom', field: 'minVersion', rule: RULES.unknownField }));
  test('Loom mode', () => expectOne((s) => { nodeOf(s, 'loom').tls.mode = 'acme'; }, { site: 'location-a', node: 'loom', field: 'tls.mode', rule: RULES.loomMode }));
  test('Loom tls settings in tier none', () => expectOne((s) => { nodeOf(s, 'loom').tier = 'none'; }, { site: 'location-a', node: 'loom', field: 'tls', rule: RULES.loomTierNone }));
  test('Loom require_client_cert without ca_file', () => expectOne((s) => { nodeOf(s, 'loom').tls = { mode: 'manual', mtls: false, requireClientCert: true }; }, { site: 'location-a', node: 'loom', field: 'tls.requireClientCert', rule: RULES.loomRequireWithoutCa }));
  test('Loom self-signed needs a hostname or IP', () => expectOne((s) => { nodeOf(s, 'loom').gateway = { enabled: false }; nodeOf(s, 'loom').tls = { mode: 'self-signed', selfSigned: { hostnames: [] } }; }, { site: 'location-a', node: 'loom', field: 'tls.selfSigned.hostnames', rule: RULES.selfSignedNames }));
  test.each([0, 3651, 12.5])('Loom self-signed validity_days %p is outside 1..3650', (days) => expectOne((s) => { nodeOf(s, 'loom').gateway = { enabled: false }; nodeOf(s, 'loom').tls = { mode: 'self-signed', selfSigned: { validityDays: days } }; }, { site: 'location-a', node: 'loom', field: 'tls.selfSigned.validityDays', rule: RULES.validityDays }));
  test('Loom self-signed validity_days 1 and 3650 are fine', () => {
    for (const validityDays of [1, 3650]) {
      expect(problemsAfter((s) => { nodeOf(s, 'loom').gateway = { enabled: false }; nodeOf(s, 'loom').tls = { mode: 'self-signed', selfSigned: { validityDays } }; })).toEqual([]);
    }
  });
  const le = (extra: object) => (s: any) => {
    nodeOf(s, 'loom').gateway = { enabled: false };
    nodeOf(s, 'loom').tls = { mode: 'letsencrypt', letsencrypt: { email: 'ops@semstreams.local', acceptTos: true, ...extra } };
  };
  test('Loom letsencrypt minimal is fine', () => expect(problemsAfter(le({}))).toEqual([]));
  test('Loom letsencrypt email required', () => expectOne(le({ email: undefined }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.email', rule: RULES.leEmail }));
  test('Loom letsencrypt accept_tos must be true', () => expectOne(le({ acceptTos: false }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.acceptTos', rule: RULES.leTos }));
  test.each([0, 90])('Loom renew_before_days %p is outside 1..89', (d) => expectOne(le({ renewBeforeDays: d }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.renewBeforeDays', rule: RULES.leRenew }));
  test('Loom letsencrypt domains 1..100', () => expectOne(le({ domains: [] }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.domains', rule: RULES.leDomains }));
  test('Loom letsencrypt more than 100 domains', () => {
    const domains = Array.from({ length: 101 }, (_, i) => `n${i}.semstreams.local`);
    expectOne(le({ domains }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.domains', rule: RULES.leDomains, message: /101/ });
  });
  test('Loom letsencrypt directory URL is https', () => expectOne(le({ acmeDirectoryUrl: 'http://ca/dir' }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.acmeDirectoryUrl', rule: RULES.leUrl }));
  test('Loom letsencrypt cache_dir is absolute and normalized', () => expectOne(le({ cacheDir: '/var/../etc' }), { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.cacheDir', rule: RULES.cacheDir }));
  test('Loom extraConfig may not own server.tls', () => expectOne((s) => { nodeOf(s, 'loom').extraConfig.server = { tls: { enabled: false } }; }, { site: 'location-a', node: 'loom', field: 'extraConfig.server.tls', rule: RULES.extraConfig }));
  test('links name existing nodes', () => expectOne((s) => { s.links.push({ from: 'location-a', to: 'location-z' }); }, { site: 'location-a', node: 'location-a', field: 'links[2].to', rule: RULES.linkEnds }));
  test('no self-links', () => expectOne((s) => { s.links.push({ from: 'location-b', to: 'location-b' }); }, { site: 'location-b', node: 'location-b', field: 'links[2].to', rule: RULES.selfLink }));
  test('no duplicate links', () => expectOne((s) => { s.links.push({ from: 'location-a', to: 'location-b' }); }, { site: 'location-b', node: 'location-b', field: 'links[2].to', rule: RULES.duplicateLink }));
  test('Loom needs an llm section', () => expectOne((s) => { delete nodeOf(s, 'loom').extraConfig.llm; }, { site: 'location-a', node: 'loom', field: 'extraConfig.llm', rule: RULES.loomLlm, message: /missing/ }));
  test('the llm error gives an example', () => expect(RULES.loomLlm).toMatch(/extraConfig: \{ llm: \{ provider: ollama, ollama_endpoint: .*, ollama_model: .* \} \}/));
  test('Loom llm names a provider', () => expectOne((s) => { nodeOf(s, 'loom').extraConfig.llm = { model: 'x' }; }, { site: 'location-a', node: 'loom', field: 'extraConfig.llm', rule: RULES.loomLlm, message: /not a map with a provider/ }));
  test('Loom without llm is fine when the operator supplies it', () => expect(problemsAfter((s) => { delete nodeOf(s, 'loom').extraConfig; nodeOf(s, 'loom').llmSuppliedByOperator = true; })).toEqual([]));
  test('Loom behind the gateway takes no self-signed mode', () => expectOne((s) => { nodeOf(s, 'loom').tls = { mode: 'self-signed' }; }, { site: 'location-a', node: 'loom', field: 'tls.mode', rule: RULES.loomGatewayMode }));
  test('Loom mTLS without the gateway is refused (Loom checks no client certificate)', () => expectOne((s) => { nodeOf(s, 'loom').gateway = { enabled: false }; }, { site: 'location-a', node: 'loom', field: 'gateway.enabled', rule: RULES.loomMtlsNeedsGateway }));
  test('Loom without the gateway and without mTLS is allowed', () => expect(problemsAfter((s) => { nodeOf(s, 'loom').gateway = { enabled: false }; nodeOf(s, 'loom').tls = { mode: 'manual', mtls: false }; })).toEqual([]));
  test('no gateway settings in tier none', () => expectOne((s) => { s.tier = 'none'; delete nodeOf(s, 'loom').tls; nodeOf(s, 'loom').gateway = { image: 'haproxy:2.6.12' }; }, { site: 'location-a', node: 'loom', field: 'gateway', rule: RULES.loomGatewayTierNone }));
  test('gateway image is a string', () => expectOne((s) => { nodeOf(s, 'loom').gateway = { image: 7 }; }, { site: 'location-a', node: 'loom', field: 'gateway.image', rule: RULES.string }));
  test('unknown gateway field', () => expectOne((s) => { nodeOf(s, 'loom').gateway = { port: 1 }; }, { site: 'location-a', node: 'loom', field: 'gateway.port', rule: RULES.unknownField }));
  test.each([
    ['a Loom node', 'loom', /is a Loom server/],
    ['a name outside the domain', 'ops.example.com', /outside domain/],
    ['the canary', 'canary.semstreams.local', /canary/],
    ['neither id nor DNS name', 'Not A Name', /neither a node id nor a DNS name/],
  ])('allowedClients refuses %s', (_what, entry, message) => expectOne((s) => { nodeOf(s, 'loom').allowedClients = [entry]; }, { site: 'location-a', node: 'loom', field: 'allowedClients[0]', rule: RULES.loomAllowedClients, message }));
  test('allowedClients refuses a tier-none node', () => {
    const problems = problemsAfter((s) => { nodeOf(s, 'location-c').tier = 'none'; nodeOf(s, 'loom').allowedClients = ['location-c']; });
    expect(problems).toContainEqual(expect.objectContaining({ node: 'loom', field: 'allowedClients[0]', rule: RULES.loomAllowedClients, message: expect.stringMatching(/tier none/) }));
  });
  test('allowedClients refuses duplicates', () => expectOne((s) => { nodeOf(s, 'loom').allowedClients = ['location-b', 'location-b']; }, { site: 'location-a', node: 'loom', field: 'allowedClients[1]', rule: RULES.loomAllowedClients, message: /twice/ }));
  test('allowedClients takes node ids and CNs in the domain', () => expect(problemsAfter((s) => { nodeOf(s, 'loom').allowedClients = ['location-a', 'ops.semstreams.local']; })).toEqual([]));
  test('links join SemStreams nodes', () => expectOne((s) => { s.links.push({ from: 'location-a', to: 'loom' }); }, { site: 'location-a', node: 'loom', field: 'links[2].to', rule: RULES.linkKinds }));
  test('the serving end has an output', () => expectOne((s) => { s.links.push({ from: 'location-c', to: 'location-a' }); }, { site: 'location-c', node: 'location-c', field: 'output', rule: RULES.linkNeedsOutput }));
  test('tier manual and tier acme ends both speak TLS', () => {
    expect(problemsAfter((s) => { nodeOf(s, 'location-c').tier = 'acme'; s.stepCa = { site: 'location-c' }; s.acme = { email: 'ops@semstreams.local' }; })).toEqual([]);
  });
  test('link ends share a tier', () => expectOne((s) => { nodeOf(s, 'location-c').tier = 'none'; }, { site: 'location-c', node: 'location-c', field: 'links[1].tier', rule: RULES.linkTier }));
  test('an mTLS output nobody links to', () => expectOne((s) => { nodeOf(s, 'location-c').output = { port: 9002 }; }, { site: 'location-c', node: 'location-c', field: 'output', rule: RULES.orphanOutput }));
});

describe('all problems at once', () => {
  test('every problem is listed, each naming site, node, field and rule', () => {
    const spec = exampleCopy();
    nodeOf(spec, 'location-a').output.port = 80;
    nodeOf(spec, 'location-b').minVersion = '1.1';
    spec.ca.keyAlgorithm = 'RSA_1024';
    spec.links.push({ from: 'location-c', to: 'location-c' });
    let error: unknown;
    try {
      resolveFederation(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const problems = (error as SpecError).problems;
    expect(problems.map((p) => p.field).sort()).toEqual(['ca.keyAlgorithm', 'links[2].to', 'minVersion', 'output.port']);
    const message = (error as Error).message;
    expect(message).toContain('4 problems');
    expect(message).toContain(`site location-a, node location-a, field output.port: 80 is not a whole number in 1024..65535 (rule: ${RULES.outputPort})`);
    expect(message).toContain('site location-b, node location-b, field minVersion');
    for (const p of problems) expect(message).toContain(formatProblem(p));
  });

  test('wrong types are problems, not crashes', () => {
    for (const bad of [null, 42, 'spec', [], { sites: 'x' }, { name: 1, domain: [], sites: [null, { id: 3, nodes: [7] }], links: {} }]) {
      expect(Array.isArray(validateSpec(bad))).toBe(true);
      expect(validateSpec(bad).length).toBeGreaterThan(0);
    }
  });
});

describe('production and suppressions', () => {
  test('production is a boolean', () => expectOne((s) => { s.production = 'yes'; }, { field: 'production', rule: RULES.boolean }));
  test('a suppression needs a written reason', () => expectOne((s) => { nodeOf(s, 'location-a').suppressions = [{ rule: 'some-rule', reason: 'ok' }]; }, {
    site: 'location-a', node: 'location-a', field: 'suppressions[0].reason', rule: RULES.suppression,
  }));
  test('a suppression names a rule', () => expectOne((s) => { nodeOf(s, 'loom').suppressions = [{ reason: 'the TUI must reach it during rollout' }]; }, {
    site: 'location-a', node: 'loom', field: 'suppressions[0].rule', rule: RULES.suppression,
  }));
  test('a well-formed suppression is accepted by the spec validation', () => {
    expect(problemsAfter((s) => { s.production = true; nodeOf(s, 'loom').suppressions = [{ rule: 'some-rule', reason: 'the TUI must reach it during rollout' }]; })).toEqual([]);
  });
});

describe('tier acme', () => {
  const acmeCopy = () => {
    const spec = exampleCopy();
    spec.tier = 'acme';
    spec.stepCa = { site: 'location-a' };
    spec.acme = { email: 'ops@semstreams.local' };
    delete nodeOf(spec, 'loom').tls;
    return spec;
  };
  /** Loom owning its ports (no gateway), taking its certificate from step-ca in letsencrypt mode. */
  const ownTls = (s: any) => { nodeOf(s, 'loom').gateway = { enabled: false }; nodeOf(s, 'loom').tls = { letsencrypt: { acceptTos: true } }; };
  const acmeProblems = (mutate: Mutate) => { const spec = acmeCopy(); mutate(spec); return validateSpec(spec); };
  const expectAcme = (mutate: Mutate, expected: Partial<SpecProblem>) => {
    const problems = acmeProblems(mutate);
    expect(problems).toEqual([expect.objectContaining(expected)]);
  };

  test('the shipped tier acme example is valid', () => {
    const { loadSpecFile } = require('../model/load');
    expect(validateSpec(loadSpecFile(require('path').join(__dirname, '..', 'examples', 'three-locations-acme.yaml')))).toEqual([]);
  });
  test('a minimal tier acme spec is valid', () => expect(acmeProblems(() => undefined)).toEqual([]));
  test('tier acme needs a step-ca', () => expectAcme((s) => { delete s.stepCa; }, { field: 'stepCa', rule: ACME_RULES.stepCaRequired }));
  test('a per-node tier acme needs a step-ca too', () => {
    const spec = exampleCopy();
    nodeOf(spec, 'location-c').tier = 'acme';
    nodeOf(spec, 'location-b').tier = 'acme';
    spec.acme = { email: 'ops@semstreams.local' };
    expect(validateSpec(spec)).toEqual([expect.objectContaining({ field: 'stepCa', rule: ACME_RULES.stepCaRequired, message: expect.stringMatching(/location-b, location-c are in tier acme/) })]);
  });
  test('stepCa.site exists', () => expectAcme((s) => { s.stepCa.site = 'location-z'; }, { field: 'stepCa.site', rule: ACME_RULES.stepCaSite }));
  test('stepCa.dnsNames inside the domain', () => expectAcme((s) => { s.stepCa.dnsNames = ['ca.example.com']; }, { field: 'stepCa.dnsNames[0]', rule: ACME_RULES.stepCaNames }));
  test('stepCa.provisioner', () => expectAcme((s) => { s.stepCa.provisioner = 'ACME/x'; }, { field: 'stepCa.provisioner', rule: ACME_RULES.provisioner }));
  test.each(['24', '1d', '2m', ''])('certificateDuration %p is refused', (d) => expectAcme((s) => { s.stepCa.certificateDuration = d; s.acme.renewBefore = '1m'; }, { field: 'stepCa.certificateDuration', rule: ACME_RULES.duration }));
  test('intermediate shorter than the root', () => expectAcme((s) => { s.stepCa.intermediateValidityDays = 1825; }, { field: 'stepCa.intermediateValidityDays', rule: ACME_RULES.intermediate }));
  test('unknown stepCa field', () => expectAcme((s) => { s.stepCa.ports = 9000; }, { field: 'stepCa.ports', rule: RULES.unknownField }));
  test('email is required', () => expectAcme((s) => { delete s.acme.email; }, { field: 'acme.email', rule: ACME_RULES.email }));
  test('challenge_type values', () => expectAcme((s) => { s.acme.challengeType = 'dns-01'; }, { field: 'acme.challengeType', rule: ACME_RULES.challengeType }));
  test('renew_before is a Go duration', () => expectAcme((s) => { s.acme.renewBefore = '8 hours'; }, { field: 'acme.renewBefore', rule: ACME_RULES.renewBefore }));
  test('renew_before shorter than the certificate duration', () => expectAcme((s) => { s.acme.renewBefore = '24h'; }, { field: 'acme.renewBefore', rule: ACME_RULES.renewBefore }));
  test('renew_before against a custom duration', () => {
    expect(acmeProblems((s) => { s.stepCa.certificateDuration = '72h'; s.acme.renewBefore = '24h'; })).toEqual([]);
  });
  const remoteC = (s: any) => {
    siteOf(s, 'location-a').docker = { address: '192.0.2.1' };
    siteOf(s, 'location-c').docker = { host: 'ssh://deploy@site-c.example.net', address: '192.0.2.3' };
  };
  test('step-ca published for a remote node clashes with a node port on its host', () => expectAcme((s) => { remoteC(s); s.stepCa.port = 9001; }, { field: 'stepCa.port', rule: RULES.portClash, message: expect.stringMatching(/node location-b/) }));
  test('step-ca is not published when every node shares its host', () => expect(acmeProblems((s) => { s.stepCa.port = 9001; })).toEqual([]));
  test('a node on another Docker host needs both sites\' addresses', () => {
    const problems = acmeProblems((s) => { s.stepCa.port = 9443; siteOf(s, 'location-c').docker = { host: 'ssh://deploy@site-c.example.net' }; });
    expect(problems.map((p) => [p.site, p.node, p.field, p.rule])).toEqual([
      ['location-c', 'location-c', 'tier', ACME_RULES.reachStepCa],
      ['location-c', 'location-c', 'tier', ACME_RULES.reachNode],
    ]);
    expect(acmeProblems((s) => { s.stepCa.port = 9443; remoteC(s); })).toEqual([]);
  });
  test('Loom under step-ca must accept the terms of service', () => expectAcme((s) => { ownTls(s); delete nodeOf(s, 'loom').tls; }, { site: 'location-a', node: 'loom', field: 'tls.letsencrypt.acceptTos', rule: RULES.leTos }));
  test('Loom under step-ca: renew_before_days 1..89', () => expectAcme((s) => { ownTls(s); nodeOf(s, 'loom').tls.letsencrypt.renewBeforeDays = 90; }, { node: 'loom', field: 'tls.letsencrypt.renewBeforeDays', rule: RULES.leRenew }));
  test('Loom under step-ca: the directory URL is not the operator\'s', () => expectAcme((s) => { ownTls(s); nodeOf(s, 'loom').tls.letsencrypt.acmeDirectoryUrl = 'https://other/dir'; }, { node: 'loom', field: 'tls.letsencrypt.acmeDirectoryUrl', rule: ACME_RULES.loomDirectory }));
  test('Loom in manual mode is allowed in tier acme', () => expect(acmeProblems((s) => { nodeOf(s, 'loom').tls = { mode: 'manual' }; })).toEqual([]));
  test('Loom owning its ports takes step-ca\'s certificate in letsencrypt mode', () => expect(acmeProblems((s) => { ownTls(s); nodeOf(s, 'loom').tls.mtls = false; })).toEqual([]));
  test('behind the gateway (the default) Loom takes no letsencrypt settings, even in tier acme', () => expectAcme((s) => { nodeOf(s, 'loom').tls = { letsencrypt: { acceptTos: true } }; }, {
    site: 'location-a', node: 'loom', field: 'tls.letsencrypt', rule: RULES.loomGatewayMode,
  }));
});

describe('messages an operator reads (issue 16)', () => {
  const problemsOf = (mutate: Mutate): readonly SpecProblem[] => {
    const spec = exampleCopy();
    mutate(spec);
    try { resolveFederation(spec); } catch (e) { if (e instanceof SpecError) return e.problems; throw e; }
    throw new Error('the spec was valid');
  };

  test('a missing field says "missing", never "undefined"', () => {
    const problems = problemsOf((s) => { delete nodeOf(s, 'location-c').fqdn; delete s.sites[0].nodes[0].kind; });
    expect(problems.map(formatProblem).join('\n')).not.toContain('undefined');
    expect(problems.find((p) => p.field === 'fqdn')!.message).toBe('missing (it is required and must be a valid FQDN)');
  });

  test('a value given wrong still shows the value', () => {
    expect(problemsOf((s) => { nodeOf(s, 'location-c').fqdn = 'Not A Name'; })[0].message).toBe('"Not A Name" is not a valid FQDN');
  });

  test('YAML and JSON syntax errors carry line and column', () => {
    const { parseSpec } = require('../model/load');
    const at = (text: string) => { try { parseSpec(text, 'spec.yaml'); } catch (e) { return (e as SpecError).problems.map((p) => p.message); } return []; };
    expect(at('name: x\nsites:\n  - id: a\n    nodes: [\n')[0]).toMatch(/^spec\.yaml:5:1: /);
    expect(at('name: x\nname: y\n')).toEqual(['spec.yaml:2:1: Map keys must be unique']);
    expect(at('{"name": "x",\n "sites": [1,,]}')[0]).toMatch(/^spec\.yaml:2:14: /);
  });
});

test('a hole in a programmatic spec\'s node list is refused, not skipped (synth read it as a node: TypeError)', () => {
  const s = exampleCopy();
  delete s.sites[0].nodes[1];
  expect(validateSpec(s)).toEqual([expect.objectContaining({ site: 'location-a', node: '#1', field: '(node)', message: 'undefined is not a map' })]);
  expect(() => resolveFederation(s)).toThrow(SpecError);
});
