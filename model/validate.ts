/**
 * Checks a federation spec against every rule of the SemStreams guide, the Loom reference and the
 * federation's own consistency, and returns ALL problems (an empty list means valid).
 *
 * It takes `unknown` because specs come from files: wrong types are problems, not crashes.
 */
import { canaryCommonName } from './canary';
import { DEFAULTS } from './defaults';
import { sameMachine } from './host-identity';
import { KeyAlgorithm } from './key-algorithm';
import { isAbsoluteContainerPath, isDnsName, isEmail, isId, isInDomain, isIpAddress } from './names';
import { SpecProblem } from './problems';
import { AcmeNodeFacts, checkAcme, STEP_CA_FIELDS } from './validate-acme';
import { checkCaImport, checkNodeCertificateFiles } from './validate-import';

/** The rules, each with its source, so messages say why and tests can name them. */
export const RULES = {
  id: 'ids are lowercase letters, digits and "-", starting with a letter, at most 63 characters (they name stacks and containers)',
  dnsName: 'names are lowercase DNS names of at least two labels (RFC 1123; SemStreams matches CNs exactly and case-sensitively)',
  inDomain: 'a node FQDN lies inside the federation domain (the federation CA signs only the federation\'s names)',
  uniqueSite: 'site ids are unique',
  limits: 'container limits are whole numbers: memoryMb in 16..1048576',
  reservedSite: 'a site id is not "pki", "pki-public" or "step-ca" and does not start with "keys-": <name>-<site> would be the name of another stack',
  uniqueNode: 'node ids are unique across the federation',
  uniqueFqdn: 'node FQDNs are unique: a CN names exactly one node in every allow-list',
  sanInDomain: 'a DNS SAN lies inside the federation domain (the federation CA signs only the federation\'s names)',
  uniqueName: 'every name the CA signs belongs to one holder: a node\'s DNS and IP SANs are no other node\'s FQDN or SAN, and not step-ca\'s names (a certificate for another\'s name impersonates it)',
  canaryName: 'no node FQDN is canary.<domain>: that CN belongs to the pki stack\'s canary client certificate, which must be on no allow-list (verify relies on every mTLS server refusing it)',
  tier: 'tier is one of none | manual | acme (SemStreams guide: three-tier security model)',
  keyAlgorithm: `keyAlgorithm is one of ${KeyAlgorithm.ALL.map((a) => a.name).join(', ')}`,
  rsaMin: 'SemStreams guide, Use Strong Keys: minimum 2048-bit RSA or 256-bit ECDSA',
  positiveDays: 'validity periods are whole days, at least 1',
  earlyRenewal: 'earlyRenewalDays is a whole number of days, at least 0 and shorter than leafValidityDays (renewal must start before expiry)',
  leafWithinRoot: 'leafValidityDays is shorter than rootValidityDays (a certificate cannot outlive its CA)',
  minVersion: 'SemStreams guide, TLS fields: min_version is "1.2" or "1.3" (TLS 1.0/1.1 are not supported)',
  boolean: 'this field is true or false',
  string: 'this field is a non-empty string',
  stringList: 'this field is a list of non-empty strings',
  insecureSkipVerify: 'SemStreams guide, Client TLS Fields: insecure_skip_verify is DEV/TEST ONLY; allowed in tier none alone',
  sites: 'a federation has at least one site, each with at least one node',
  dockerHost: 'docker.host is unix://<socket>, ssh://[user@]host or tcp://host:port',
  dockerTcpTls: 'a tcp:// Docker host needs docker.certPath (ca.pem, cert.pem, key.pem): the engine API is root on that host',
  ipAddress: 'this field is an IPv4 or IPv6 address',
  natsUrl: 'SemStreams config: nats.urls are nats:// (or tls://) URLs',
  kind: 'node kind is semstreams or loom',
  outputPort: 'SemStreams websocket output: port must be 1024..65535',
  outputPath: 'SemStreams websocket output: path is an absolute, normalized URL path of RFC 3986 characters (no spaces, "?", "#", "//", "." or ".." segments, encoded or not: Go\'s ServeMux redirects such paths, which breaks the websocket handshake)',
  port: 'ports are whole numbers 1..65535',
  distinctPorts: 'a node\'s ports are distinct',
  portClash: 'published ports are unique on one Docker host',
  loomMode: 'Loom reference: tls.mode is manual | letsencrypt | self-signed; anything else is a startup error',
  loomTierNone: 'tier none disables TLS: a Loom node in tier none takes no tls settings',
  loomRequireWithoutCa: 'Loom reference: require_client_cert needs ca_file, i.e. tls.mtls true',
  selfSignedNames: 'Loom reference, self_signed: at least one hostname or IP',
  validityDays: 'Loom reference, self_signed.validity_days: range 1..3650',
  leDomains: 'Loom reference, letsencrypt.domains: 1..100 DNS names',
  leEmail: 'Loom reference, letsencrypt.email: required, an email address',
  leUrl: 'Loom reference, letsencrypt.acme_directory_url: an https:// URL',
  leRenew: 'Loom reference, letsencrypt.renew_before_days: range 1..89',
  leTos: 'Loom reference, letsencrypt.accept_tos: must be true (the server refuses to start when false)',
  cacheDir: 'paths inside containers are absolute and normalized',
  loomGatewayTierNone: 'tier none has no mTLS gateway: a Loom node in tier none takes no gateway settings',
  loomGatewayMode: 'behind its mTLS gateway Loom runs with TLS off on 127.0.0.1 (its REST gateway dials gRPC without TLS) and the gateway presents the federation-issued certificate (HAProxy 2.6 has no ACME client): tls.mode is manual there; for Loom\'s own self-signed or letsencrypt TLS set gateway: { enabled: false }, which checks no client certificate',
  loomMtlsNeedsGateway: 'Loom v1.4.0 checks no client certificate itself (ca_file is ignored, require_client_cert dropped): mTLS for Loom is enforced only by its gateway; keep gateway.enabled, or set tls.mtls false',
  loomAllowedClients: 'allowedClients name SemStreams nodes by id (not tier none) or client CNs: DNS names inside the federation domain, not the canary\'s, each once',
  loomLlm: 'Loom starts only with an llm section (it checks every agent\'s LLM before listening; the default provider, anthropic, needs an API key): give extraConfig.llm with a provider, e.g. extraConfig: { llm: { provider: ollama, ollama_endpoint: "http://ollama:11434", ollama_model: "llama3.2" } }, or set llmSuppliedByOperator: true when you supply it another way',
  extraConfig: 'extraConfig is a map of looms.yaml sections; server.tls, server.host, server.port and server.http_port belong to federation-pki',
  linkEnds: 'links name existing nodes by id',
  selfLink: 'a node does not link to itself',
  duplicateLink: 'each link appears once',
  linkKinds: 'links join SemStreams nodes (websocket output -> websocket input)',
  linkNeedsOutput: 'the "from" node of a link serves a websocket output: give it output: {...}',
  linkTier: 'both ends of a link use TLS or neither does: tier none on one end only fails (a ws:// client cannot talk to a wss:// server, nor the reverse)',
  orphanOutput: 'a websocket output with mTLS needs at least one link: with no linked client, allowed_client_cns would be empty, which admits any certificate the federation CA signed (SemStreams guide: always specify allowed_client_cns in production)',
  suppression: 'a suppression names a policy rule and gives a written reason (at least 10 characters)',
  unknownField: 'only fields this library knows are accepted (a misspelled field would otherwise be silently ignored)',
  terraformToken: 'spec text contains no cdktf token markers ("${TfToken[", "#{TfToken[", "&{TfToken[") and no cdktf number tokens (about -1.888e+289): cdktf would resolve them as references to other values of the stacks, keys included',
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

const KNOWN_FIELDS: Record<string, readonly string[]> = {
  spec: ['name', 'domain', 'ca', 'tier', 'tls', 'images', 'sites', 'links', 'production', 'stepCa', 'acme'],
  ca: ['keyAlgorithm', 'commonName', 'organization', 'rootValidityDays', 'leafValidityDays', 'earlyRenewalDays', 'import'],
  tls: ['minVersion', 'mtls', 'requireClientCert', 'insecureSkipVerify'],
  images: ['semstreams', 'loom', 'nats', 'loomGateway'],
  site: ['id', 'docker', 'nats', 'nodes'],
  docker: ['host', 'certPath', 'address', 'bindAddress'],
  nats: ['urls', 'image'],
  semstreams: ['id', 'kind', 'fqdn', 'sans', 'image', 'tier', 'minVersion', 'command', 'limits', 'suppressions', 'output', 'requireClientCert', 'insecureSkipVerify', 'platformType', 'certificate'],
  loom: ['id', 'kind', 'fqdn', 'sans', 'image', 'tier', 'command', 'limits', 'suppressions', 'grpcPort', 'httpPort', 'tls', 'extraConfig', 'certificate', 'allowedClients', 'gateway', 'llmSuppliedByOperator'],
  gateway: ['enabled', 'image'],
  limits: ['memoryMb'],
  sans: ['dns', 'ip'],
  output: ['port', 'path', 'subjects'],
  loomTls: ['mode', 'mtls', 'requireClientCert', 'selfSigned', 'letsencrypt'],
  selfSigned: ['hostnames', 'ipAddresses', 'validityDays', 'organization'],
  letsencrypt: ['domains', 'email', 'acmeDirectoryUrl', 'httpChallengePort', 'cacheDir', 'autoRenew', 'renewBeforeDays', 'acceptTos'],
  link: ['from', 'to'],
  suppression: ['rule', 'reason'],
};

/** Collects problems with the site/node context they were found in. */
class Checker {
  public readonly problems: SpecProblem[] = [];
  constructor(private readonly site?: string, private readonly node?: string, private readonly prefix = '') {}

  public in(site: string | undefined, node: string | undefined, prefix = ''): Checker {
    const c = new Checker(site, node, prefix);
    (c as { problems: SpecProblem[] }).problems = this.problems;
    return c;
  }

  public add(field: string, message: string, rule: string): void {
    this.problems.push({
      ...(this.site !== undefined ? { site: this.site } : {}),
      ...(this.node !== undefined ? { node: this.node } : {}),
      field: this.prefix + field, message, rule,
    });
  }

  /** Reports fields not in `known`. */
  public fields(o: Obj, known: readonly string[], base: string): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.add(base ? `${base}.${k}` : k, `unknown field "${k}"`, RULES.unknownField);
    }
  }

  public optBool(o: Obj, key: string, base = ''): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') { this.add(join(base, key), `${show(v)} is not a boolean`, RULES.boolean); return undefined; }
    return v;
  }

  public optString(o: Obj, key: string, base = ''): string | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || /[\0-\x1f\x7f]/.test(v)) {
      this.add(join(base, key), `${show(v)} is not a non-empty printable string`, RULES.string);
      return undefined;
    }
    return v;
  }

  public optStringList(o: Obj, key: string, base = ''): string[] | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0 && !/[\0-\x1f\x7f]/.test(x))) {
      this.add(join(base, key), `${show(v)} is not a list of non-empty strings`, RULES.stringList);
      return undefined;
    }
    return v as string[];
  }

  public optObj(o: Obj, key: string, known: readonly string[], base = ''): Obj | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!isObj(v)) { this.add(join(base, key), `${show(v)} is not a map`, RULES.unknownField); return undefined; }
    this.fields(v, known, join(base, key));
    return v;
  }

  public optInt(o: Obj, key: string, min: number, max: number, rule: string, base = ''): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!isInt(v) || v < min || v > max) {
      this.add(join(base, key), `${show(v)} is not a whole number in ${min}..${max}`, rule);
      return undefined;
    }
    return v;
  }
}

const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

/** A short, safe rendering of a bad value for a message (bounded, no control characters). */
function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The parts of a node validation needs later for cross-node checks. */
interface NodeFacts {
  id: string;
  site: string;
  kind: 'semstreams' | 'loom';
  tier: string;
  hasOutput: boolean;
  mtls: boolean;
  ports: { port: number; field: string }[];
  /** Loom: behind its mTLS gateway. */
  loomGatewayed?: boolean;
  /** Loom: the spec's allowedClients, checked once every node is known. */
  allowedClients?: readonly string[];
}

/** Validates a spec; returns every problem found. */
export function validateSpec(input: unknown): SpecProblem[] {
  const top = new Checker();
  if (!isObj(input)) {
    top.add('(spec)', `${show(input)} is not a map`, 'a federation spec is a map with name, domain, sites');
    return top.problems;
  }
  top.fields(input, KNOWN_FIELDS.spec, '');

  const name = input.name;
  if (typeof name !== 'string' || !isId(name)) top.add('name', `${show(name)} is not a valid federation name`, RULES.id);
  const domain = typeof input.domain === 'string' && isDnsName(input.domain) ? input.domain : undefined;
  if (domain === undefined) top.add('domain', `${show(input.domain)} is not a valid DNS domain`, RULES.dnsName);

  const fedTier = checkTier(top, input, 'tier') ?? DEFAULTS.tier;
  top.optBool(input, 'production');
  checkCa(top, input);
  const tls = top.optObj(input, 'tls', KNOWN_FIELDS.tls) ?? {};
  checkMinVersion(top, tls, 'tls.minVersion');
  const fedMtls = top.optBool(tls, 'mtls', 'tls') ?? DEFAULTS.mtls;
  top.optBool(tls, 'requireClientCert', 'tls');
  const fedInsecure = top.optBool(tls, 'insecureSkipVerify', 'tls') ?? false;
  if (fedInsecure && fedTier !== 'none') {
    top.add('tls.insecureSkipVerify', `true in tier ${fedTier}`, RULES.insecureSkipVerify);
  }
  const images = top.optObj(input, 'images', KNOWN_FIELDS.images) ?? {};
  for (const k of KNOWN_FIELDS.images) top.optString(images, k, 'images');

  const nodes = new Map<string, NodeFacts>();
  const fqdns = new Map<string, string>();
  const portsByHost = new Map<string, { node: string; site: string; port: number; field: string; address?: string }[]>();
  const siteIds = new Set<string>();
  const duplicateIds = new Set<string>();
  const siteHosts = new Map<string, { host: string; address?: string }>();
  const acmeFacts: AcmeNodeFacts[] = [];
  // Nodes that dial an upstream (a link's `to`), for telling a tier-acme hub from a server-only node.
  const dialers = new Set(Array.isArray(input.links) ? input.links.filter(isObj).map((l) => l.to).filter((t): t is string => typeof t === 'string') : []);

  if (!Array.isArray(input.sites) || input.sites.length === 0) {
    top.add('sites', `${show(input.sites)} is not a non-empty list of sites`, RULES.sites);
  } else {
    // Array.from: a hole in a sparse list (a programmatic spec) is visited as undefined and refused, not skipped.
    Array.from(input.sites).forEach((rawSite, si) => {
      const siteId = isObj(rawSite) && typeof rawSite.id === 'string' ? rawSite.id : `#${si}`;
      const sc = top.in(siteId, undefined);
      if (!isObj(rawSite)) { sc.add('(site)', `${show(rawSite)} is not a map`, RULES.sites); return; }
      sc.fields(rawSite, KNOWN_FIELDS.site, '');
      if (!isId(siteId)) sc.add('id', `${show(rawSite.id)} is not a valid site id`, RULES.id);
      else if (siteIds.has(siteId)) sc.add('id', `site id "${siteId}" is used twice`, RULES.uniqueSite);
      else if (['pki', 'pki-public', 'step-ca'].includes(siteId) || siteId.startsWith('keys-')) sc.add('id', `"${siteId}" names another stack`, RULES.reservedSite);
      siteIds.add(siteId);
      const dockerHost = checkDocker(sc, rawSite);
      const address = isObj(rawSite.docker) && typeof rawSite.docker.address === 'string' ? rawSite.docker.address : undefined;
      if (dockerHost !== undefined) siteHosts.set(siteId, { host: dockerHost, ...(address !== undefined ? { address } : {}) });
      checkNats(sc, rawSite);
      if (!Array.isArray(rawSite.nodes) || rawSite.nodes.length === 0) {
        sc.add('nodes', `${show(rawSite.nodes)} is not a non-empty list of nodes`, RULES.sites);
        return;
      }
      Array.from(rawSite.nodes).forEach((rawNode, ni) => {
        const nodeId = isObj(rawNode) && typeof rawNode.id === 'string' ? rawNode.id : `#${ni}`;
        const nc = top.in(siteId, nodeId);
        if (!isObj(rawNode)) { nc.add('(node)', `${show(rawNode)} is not a map`, RULES.kind); return; }
        const facts = checkNode(nc, rawNode, { domain, fedTier, fedMtls, fedInsecure, siteId, nodeId });
        if (!isId(nodeId)) nc.add('id', `${show(rawNode.id)} is not a valid node id`, RULES.id);
        else if (nodes.has(nodeId)) {
          nc.add('id', `node id "${nodeId}" is also used in site ${nodes.get(nodeId)!.site}`, RULES.uniqueNode);
          duplicateIds.add(nodeId);
        }
        else if (facts) nodes.set(nodeId, facts);
        if (typeof rawNode.fqdn === 'string' && isDnsName(rawNode.fqdn)) {
          const other = fqdns.get(rawNode.fqdn);
          if (other !== undefined) nc.add('fqdn', `"${rawNode.fqdn}" is also the FQDN of node ${other}`, RULES.uniqueFqdn);
          else fqdns.set(rawNode.fqdn, nodeId);
        }
        if (facts && dockerHost !== undefined) {
          acmeFacts.push({
            id: nodeId, site: siteId, kind: facts.kind, tier: facts.tier, dockerHost,
            ...(address !== undefined ? { siteAddress: address } : {}),
            ...(rawNode.output !== undefined && dialers.has(nodeId) ? { hub: true } : {}),
            ...(facts.loomGatewayed ? { loomTls: { ...(isObj(rawNode.tls) ? rawNode.tls : {}), mode: 'manual' } } : isObj(rawNode.tls) ? { loomTls: rawNode.tls } : {}),
          });
          // By engine URL, then by machine: sites on their own machines may all deploy over the local socket.
          const list = portsByHost.get(dockerHost) ?? [];
          for (const p of facts.ports) {
            const clash = list.find((q) => q.port === p.port && sameMachine({ host: dockerHost, address }, { host: dockerHost, address: q.address }));
            if (clash) {
              nc.add(p.field, `port ${p.port} is already published on Docker host ${address ?? dockerHost} by node ${clash.node} (site ${clash.site}, ${clash.field})`, RULES.portClash);
            } else list.push({ node: nodeId, site: siteId, port: p.port, field: p.field, ...(address !== undefined ? { address } : {}) });
          }
          portsByHost.set(dockerHost, list);
        }
      });
    });
  }

  if (input.stepCa !== undefined && isObj(input.stepCa)) top.fields(input.stepCa, STEP_CA_FIELDS, 'stepCa');
  const rootDays = isObj(input.ca) && typeof input.ca.rootValidityDays === 'number' ? input.ca.rootValidityDays : DEFAULTS.rootValidityDays;
  const acmePorts = checkAcme(input, domain, acmeFacts, siteHosts, rootDays, (where, field, message, rule) => top.in(where.site, where.node).add(field, message, rule));
  for (const p of acmePorts) {
    const clash = (portsByHost.get(p.host) ?? []).find((q) => q.port === p.port && sameMachine(p, q));
    if (clash) {
      top.in(p.node === 'step-ca' ? undefined : p.site, p.node === 'step-ca' ? undefined : p.node)
        .add(p.field, `port ${p.port} is already published on Docker host ${p.address ?? p.host} by node ${clash.node} (site ${clash.site}, ${clash.field})`, RULES.portClash);
    } else portsByHost.set(p.host, [...(portsByHost.get(p.host) ?? []), p]);
  }
  checkLinks(top, input.links, nodes, duplicateIds);
  checkAllowedClients(top, nodes, domain);
  checkNameOwners(top, input, domain);
  checkNoTokenMarkers(top, input);
  return top.problems;
}

/**
 * The names a node's certificate carries beyond its FQDN: inside the domain, not the canary's, and claimed by no
 * other node or by step-ca. (FQDNs themselves are checked where the node is.) hashicorp/tls cannot put name
 * constraints on the CAs it generates, so this is where the federation CA's names are bounded.
 */
function checkNameOwners(top: Checker, input: Obj, domain: string | undefined): void {
  if (!Array.isArray(input.sites)) return;
  const entries: { site: string; node: string; fqdn?: string; dns: unknown[]; ip: unknown[] }[] = [];
  input.sites.forEach((site, si) => {
    if (!isObj(site) || !Array.isArray(site.nodes)) return;
    site.nodes.forEach((n, ni) => {
      if (!isObj(n)) return;
      const sans = isObj(n.sans) ? n.sans : {};
      entries.push({
        site: typeof site.id === 'string' ? site.id : `#${si}`, node: typeof n.id === 'string' ? n.id : `#${ni}`,
        ...(typeof n.fqdn === 'string' ? { fqdn: n.fqdn } : {}),
        dns: Array.isArray(sans.dns) ? sans.dns : [], ip: Array.isArray(sans.ip) ? sans.ip : [],
      });
    });
  });
  // Who holds each name: FQDNs first (a SAN never takes a name from an FQDN), then step-ca, then SANs in order.
  const owner = new Map<string, string>();
  for (const e of entries) if (e.fqdn !== undefined && !owner.has(e.fqdn)) owner.set(e.fqdn, `node ${e.node}`);
  const stepCa = isObj(input.stepCa) ? input.stepCa : undefined;
  if (stepCa && domain !== undefined) {
    const names = Array.isArray(stepCa.dnsNames) ? stepCa.dnsNames : [`step-ca.${domain}`];
    for (const d of names) if (typeof d === 'string' && !owner.has(d)) owner.set(d, 'step-ca');
  }
  for (const e of entries) {
    const c = top.in(e.site, e.node);
    const claim = (key: string, name: string, field: string) => {
      const held = owner.get(key);
      if (held !== undefined && held !== `node ${e.node}`) c.add(field, `"${name}" is already a name of ${held}`, RULES.uniqueName);
      else owner.set(key, `node ${e.node}`);
    };
    e.dns.forEach((d, i) => {
      if (typeof d !== 'string' || !isDnsName(d)) return;
      const field = `sans.dns[${i}]`;
      if (domain !== undefined && !isInDomain(d, domain)) c.add(field, `"${d}" is outside domain ${domain}`, RULES.sanInDomain);
      else if (domain !== undefined && d === canaryCommonName(domain)) c.add(field, `"${d}" is the canary's name`, RULES.canaryName);
      else claim(d, d, field);
    });
    // One spelling per address: 2001:db8::1 and 2001:0db8:0:0:0:0:0:1 are the same SAN.
    e.ip.forEach((ip, i) => { if (typeof ip === 'string' && isIpAddress(ip)) claim(`ip:${ip.includes(':') ? new URL(`http://[${ip}]/`).hostname : ip}`, ip, `sans.ip[${i}]`); });
  }
}

/**
 * Every string (and map key) of the spec, wherever it is: none may look like a cdktf token. Terraform template
 * sequences (`${`, `%{`) are fine here: constructs escape them where text enters Terraform (constructs/terraform-literal.ts).
 */
function checkNoTokenMarkers(top: Checker, input: Obj): void {
  const looksLikeToken = (v: unknown) => (typeof v === 'string' && (/[$#&]\{TfToken\[/.test(v) || /-1\.888\d*e\+28\d/i.test(v)))
    || (typeof v === 'number' && Math.abs(v) >= 1e280 && Number.isFinite(v));
  const walk = (c: Checker, v: unknown, field: string, seen: Set<object>, skip: readonly string[] = []) => {
    if (looksLikeToken(v)) { c.add(field || '(spec)', `${show(v)} looks like a cdktf token`, RULES.terraformToken); return; }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) { v.forEach((x, i) => walk(c, x, `${field}[${i}]`, seen)); return; }
    for (const [k, x] of Object.entries(v)) {
      if (skip.includes(k)) continue;
      const at = join(field, k);
      if (looksLikeToken(k)) c.add(at, `key ${show(k)} looks like a cdktf token`, RULES.terraformToken);
      else walk(c, x, at, seen);
    }
  };
  const seen = new Set<object>();
  walk(top, input, '', seen, ['sites']);
  if (!Array.isArray(input.sites)) return;
  input.sites.forEach((site, si) => {
    if (!isObj(site)) return;
    const siteId = typeof site.id === 'string' ? site.id : `#${si}`;
    walk(top.in(siteId, undefined), site, '', seen, ['nodes']);
    if (!Array.isArray(site.nodes)) return;
    site.nodes.forEach((node, ni) => {
      if (isObj(node)) walk(top.in(siteId, typeof node.id === 'string' ? node.id : `#${ni}`), node, '', seen);
    });
  });
}

function checkTier(c: Checker, o: Obj, key: string): string | undefined {
  const t = o[key];
  if (t === undefined) return undefined;
  if (t !== 'none' && t !== 'manual' && t !== 'acme') { c.add(key, `${show(t)} is not a tier`, RULES.tier); return undefined; }
  return t;
}

function checkMinVersion(c: Checker, o: Obj, field: string): void {
  const key = field.split('.').pop()!;
  const v = o[key];
  if (v !== undefined && v !== '1.2' && v !== '1.3') c.add(field, `${show(v)} is not "1.2" or "1.3"`, RULES.minVersion);
}

function checkCa(c: Checker, spec: Obj): void {
  const ca = c.optObj(spec, 'ca', KNOWN_FIELDS.ca);
  if (!ca) return;
  const alg = ca.keyAlgorithm;
  if (alg !== undefined) {
    const rsa = typeof alg === 'string' ? /^RSA_?(\d+)$/.exec(alg) : null;
    if (rsa && Number(rsa[1]) < 2048) c.add('ca.keyAlgorithm', `${show(alg)} is RSA below 2048 bits`, RULES.rsaMin);
    else if (typeof alg !== 'string' || !KeyAlgorithm.fromName(alg)) c.add('ca.keyAlgorithm', `${show(alg)} is not a supported key algorithm`, RULES.keyAlgorithm);
  }
  c.optString(ca, 'commonName', 'ca');
  c.optString(ca, 'organization', 'ca');
  checkCaImport((field, message, rule) => c.add(field, message, rule), ca);
  const root = c.optInt(ca, 'rootValidityDays', 1, 36500, RULES.positiveDays, 'ca') ?? DEFAULTS.rootValidityDays;
  const leaf = c.optInt(ca, 'leafValidityDays', 1, 36500, RULES.positiveDays, 'ca') ?? DEFAULTS.leafValidityDays;
  const early = ca.earlyRenewalDays ?? DEFAULTS.earlyRenewalDays;
  if (!isInt(early) || early < 0 || early >= leaf) {
    c.add('ca.earlyRenewalDays', `${show(early)} is not in 0..${leaf - 1} (leaf validity ${leaf} days)`, RULES.earlyRenewal);
  }
  if (leaf >= root) c.add('ca.leafValidityDays', `${leaf} days is not shorter than the root's ${root} days`, RULES.leafWithinRoot);
}

/** Checks `docker`; returns the host key used for port-clash checks. */
function checkDocker(c: Checker, site: Obj): string | undefined {
  const d = c.optObj(site, 'docker', KNOWN_FIELDS.docker) ?? {};
  const host = d.host ?? DEFAULTS.dockerHost;
  const ok = typeof host === 'string' && /^(unix:\/\/\/\S+|ssh:\/\/([^@\s/]+@)?[^\s/@]+(:\d+)?|tcp:\/\/[^\s/]+:\d+)$/.test(host);
  if (!ok) c.add('docker.host', `${show(host)} is not a Docker host URL`, RULES.dockerHost);
  const certPath = c.optString(d, 'certPath', 'docker');
  if (ok && typeof host === 'string' && host.startsWith('tcp://') && certPath === undefined) {
    c.add('docker.certPath', `missing for ${host}`, RULES.dockerTcpTls);
  }
  const address = d.address;
  if (address !== undefined && (typeof address !== 'string' || !isIpAddress(address))) {
    c.add('docker.address', `${show(address)} is not an IP address`, RULES.ipAddress);
  }
  const bind = d.bindAddress;
  if (bind !== undefined && (typeof bind !== 'string' || !isIpAddress(bind))) {
    c.add('docker.bindAddress', `${show(bind)} is not an IP address`, RULES.ipAddress);
  }
  return ok ? (host as string) : undefined;
}

function checkNats(c: Checker, site: Obj): void {
  const n = c.optObj(site, 'nats', KNOWN_FIELDS.nats);
  if (!n) return;
  const urls = c.optStringList(n, 'urls', 'nats');
  if (urls) {
    if (urls.length === 0) c.add('nats.urls', 'empty list', RULES.natsUrl);
    urls.forEach((u, i) => {
      if (!/^(nats|tls):\/\/[^\s/]+(:\d+)?$/.test(u)) c.add(`nats.urls[${i}]`, `${show(u)} is not a nats:// URL`, RULES.natsUrl);
    });
  }
  c.optString(n, 'image', 'nats');
}

interface NodeContext {
  domain: string | undefined;
  fedTier: string;
  fedMtls: boolean;
  fedInsecure: boolean;
  siteId: string;
  nodeId: string;
}

function checkNode(c: Checker, n: Obj, ctx: NodeContext): NodeFacts | undefined {
  const kind = n.kind;
  if (kind !== 'semstreams' && kind !== 'loom') {
    c.add('kind', `${show(kind)} is not a node kind`, RULES.kind);
    return undefined;
  }
  c.fields(n, KNOWN_FIELDS[kind], '');
  const fqdn = n.fqdn;
  if (typeof fqdn !== 'string' || !isDnsName(fqdn)) c.add('fqdn', `${show(fqdn)} is not a valid FQDN`, RULES.dnsName);
  else if (ctx.domain !== undefined && !isInDomain(fqdn, ctx.domain)) c.add('fqdn', `"${fqdn}" is outside domain ${ctx.domain}`, RULES.inDomain);
  else if (ctx.domain !== undefined && fqdn === canaryCommonName(ctx.domain)) c.add('fqdn', `"${fqdn}" is the canary's name`, RULES.canaryName);
  const sans = c.optObj(n, 'sans', KNOWN_FIELDS.sans);
  if (sans) {
    (c.optStringList(sans, 'dns', 'sans') ?? []).forEach((d, i) => {
      if (!isDnsName(d)) c.add(`sans.dns[${i}]`, `${show(d)} is not a valid DNS name`, RULES.dnsName);
    });
    (c.optStringList(sans, 'ip', 'sans') ?? []).forEach((ip, i) => {
      if (!isIpAddress(ip)) c.add(`sans.ip[${i}]`, `${show(ip)} is not an IP address`, RULES.ipAddress);
    });
  }
  c.optString(n, 'image');
  c.optStringList(n, 'command');
  const limits = c.optObj(n, 'limits', KNOWN_FIELDS.limits);
  if (limits) {
    c.optInt(limits, 'memoryMb', 16, 1048576, RULES.limits, 'limits');
  }
  checkSuppressions(c, n);
  checkNodeCertificateFiles((field, message, rule) => c.add(field, message, rule), n);
  const tier = checkTier(c, n, 'tier') ?? ctx.fedTier;
  checkMinVersion(c, n, 'minVersion');

  if (kind === 'semstreams') {
    const insecure = c.optBool(n, 'insecureSkipVerify') ?? ctx.fedInsecure;
    if (insecure && tier !== 'none' && n.insecureSkipVerify !== undefined) {
      c.add('insecureSkipVerify', `true in tier ${tier}`, RULES.insecureSkipVerify);
    }
    c.optBool(n, 'requireClientCert');
    c.optString(n, 'platformType');
    const out = c.optObj(n, 'output', KNOWN_FIELDS.output);
    const ports: NodeFacts['ports'] = [];
    if (out) {
      const port = c.optInt(out, 'port', 1024, 65535, RULES.outputPort, 'output') ?? (out.port === undefined ? DEFAULTS.semstreams.outputPort : undefined);
      if (port !== undefined) ports.push({ port, field: 'output.port' });
      const path = out.path;
      if (path !== undefined && (typeof path !== 'string' || !isNormalizedUrlPath(path))) {
        c.add('output.path', `${show(path)} is not a URL path`, RULES.outputPath);
      }
      c.optStringList(out, 'subjects', 'output');
    }
    return { id: ctx.nodeId, site: ctx.siteId, kind, tier, hasOutput: out !== undefined, mtls: ctx.fedMtls, ports };
  }

  const grpc = c.optInt(n, 'grpcPort', 1, 65535, RULES.port) ?? (n.grpcPort === undefined ? DEFAULTS.loom.grpcPort : undefined);
  const http = c.optInt(n, 'httpPort', 1, 65535, RULES.port) ?? (n.httpPort === undefined ? DEFAULTS.loom.httpPort : undefined);
  const ports: NodeFacts['ports'] = [];
  if (grpc !== undefined) ports.push({ port: grpc, field: 'grpcPort' });
  if (http !== undefined) {
    if (http === grpc) c.add('httpPort', `${http} is also the gRPC port`, RULES.distinctPorts);
    else ports.push({ port: http, field: 'httpPort' });
  }
  const gateway = c.optObj(n, 'gateway', KNOWN_FIELDS.gateway);
  const gatewayed = tier !== 'none' && (gateway ? c.optBool(gateway, 'enabled', 'gateway') : undefined) !== false;
  if (gateway) c.optString(gateway, 'image', 'gateway');
  if (tier === 'none' && gateway) c.add('gateway', 'gateway settings given in tier none', RULES.loomGatewayTierNone);
  // In tier none allowedClients are accepted but not enforced (there is no gateway): a spec can switch tiers in one line.
  const allowed = c.optStringList(n, 'allowedClients');
  if (c.optBool(n, 'llmSuppliedByOperator') !== true) checkLlm(c, n);
  checkLoomTls(c, n, tier, ctx, ports, gatewayed);
  if (tier === 'acme' && !gatewayed && !isObj(n.tls)) {
    c.add('tls.letsencrypt.acceptTos', 'undefined is not true (tier acme runs Loom in letsencrypt mode against step-ca)', RULES.leTos);
  }
  checkExtraConfig(c, n);
  return { id: ctx.nodeId, site: ctx.siteId, kind, tier, hasOutput: false, mtls: false, ports, loomGatewayed: gatewayed, ...(allowed ? { allowedClients: allowed } : {}) };
}

/** `extraConfig.llm`: a map naming a provider (Loom refuses to start without one it can reach). */
function checkLlm(c: Checker, n: Obj): void {
  const extra = isObj(n.extraConfig) ? n.extraConfig : {};
  const llm = extra.llm;
  if (llm === undefined) { c.add('extraConfig.llm', 'missing', RULES.loomLlm); return; }
  if (!isObj(llm) || typeof llm.provider !== 'string' || llm.provider.length === 0) {
    c.add('extraConfig.llm', `${show(llm)} is not a map with a provider`, RULES.loomLlm);
  }
}

/** Each Loom's allowedClients against the federation's nodes (after every node is known). */
function checkAllowedClients(top: Checker, nodes: Map<string, NodeFacts>, domain: string | undefined): void {
  for (const n of nodes.values()) {
    if (!n.allowedClients || n.tier === 'none') continue;
    const c = top.in(n.site, n.id);
    const seen = new Set<string>();
    n.allowedClients.forEach((entry, i) => {
      const field = `allowedClients[${i}]`;
      if (seen.has(entry)) { c.add(field, `${show(entry)} is given twice`, RULES.loomAllowedClients); return; }
      seen.add(entry);
      const other = nodes.get(entry);
      if (other) {
        if (other.kind !== 'semstreams') c.add(field, `node ${entry} is a Loom server, which dials nobody`, RULES.loomAllowedClients);
        else if (other.tier === 'none') c.add(field, `node ${entry} is tier none: it has no certificate`, RULES.loomAllowedClients);
        return;
      }
      if (!isDnsName(entry)) c.add(field, `${show(entry)} is neither a node id nor a DNS name`, RULES.loomAllowedClients);
      else if (domain !== undefined && !isInDomain(entry, domain)) c.add(field, `"${entry}" is outside domain ${domain}`, RULES.loomAllowedClients);
      else if (domain !== undefined && entry === canaryCommonName(domain)) c.add(field, `"${entry}" is the canary's name`, RULES.loomAllowedClients);
    });
  }
}

function checkLoomTls(c: Checker, n: Obj, tier: string, ctx: NodeContext, ports: NodeFacts['ports'], gatewayed: boolean): void {
  const tls = c.optObj(n, 'tls', KNOWN_FIELDS.loomTls);
  if (!tls) return;
  if (gatewayed && (tls.mode === 'self-signed' || tls.mode === 'letsencrypt' || tls.selfSigned !== undefined || tls.letsencrypt !== undefined)) {
    const what = tls.mode === 'self-signed' || tls.mode === 'letsencrypt' ? 'tls.mode' : tls.selfSigned !== undefined ? 'tls.selfSigned' : 'tls.letsencrypt';
    c.add(what, `${what === 'tls.mode' ? show(tls.mode) : 'given'} behind the mTLS gateway`, RULES.loomGatewayMode);
    return;
  }
  if (!gatewayed && tier !== 'none' && (tls.mode ?? (tier === 'acme' ? 'letsencrypt' : 'manual')) === 'manual' && (c.optBool(tls, 'mtls', 'tls') ?? ctx.fedMtls)) {
    c.add('gateway.enabled', 'false while Loom uses mTLS (tls.mtls, default: the federation\'s)', RULES.loomMtlsNeedsGateway);
  }
  if (tier === 'none') {
    c.add('tls', 'tls settings given in tier none', RULES.loomTierNone);
    return;
  }
  const mode = tls.mode;
  if (mode !== undefined && mode !== 'manual' && mode !== 'letsencrypt' && mode !== 'self-signed') {
    c.add('tls.mode', `${show(mode)} is not a Loom TLS mode`, RULES.loomMode);
  }
  const mtls = c.optBool(tls, 'mtls', 'tls') ?? ctx.fedMtls;
  const require = c.optBool(tls, 'requireClientCert', 'tls');
  if (require === true && !mtls) c.add('tls.requireClientCert', 'true while tls.mtls is false', RULES.loomRequireWithoutCa);

  const ss = c.optObj(tls, 'selfSigned', KNOWN_FIELDS.selfSigned, 'tls');
  if (ss) {
    const hostnames = c.optStringList(ss, 'hostnames', 'tls.selfSigned');
    const ips = c.optStringList(ss, 'ipAddresses', 'tls.selfSigned');
    hostnames?.forEach((h, i) => {
      if (!isDnsName(h) && h !== 'localhost') c.add(`tls.selfSigned.hostnames[${i}]`, `${show(h)} is not a hostname`, RULES.dnsName);
    });
    ips?.forEach((ip, i) => {
      if (!isIpAddress(ip)) c.add(`tls.selfSigned.ipAddresses[${i}]`, `${show(ip)} is not an IP address`, RULES.ipAddress);
    });
    if (hostnames !== undefined && hostnames.length === 0 && (ips === undefined || ips.length === 0)) {
      c.add('tls.selfSigned.hostnames', 'no hostname and no IP address', RULES.selfSignedNames);
    }
    c.optInt(ss, 'validityDays', 1, 3650, RULES.validityDays, 'tls.selfSigned');
    c.optString(ss, 'organization', 'tls.selfSigned');
  }

  const le = c.optObj(tls, 'letsencrypt', KNOWN_FIELDS.letsencrypt, 'tls');
  const viaStepCa = tier === 'acme' && !gatewayed && (mode === undefined || mode === 'letsencrypt');
  if (mode === 'letsencrypt' || le || viaStepCa) {
    const l = le ?? {};
    const domains = c.optStringList(l, 'domains', 'tls.letsencrypt');
    if (domains) {
      if (domains.length < 1 || domains.length > 100) c.add('tls.letsencrypt.domains', `${domains.length} domains`, RULES.leDomains);
      domains.forEach((d, i) => {
        if (!isDnsName(d)) c.add(`tls.letsencrypt.domains[${i}]`, `${show(d)} is not a DNS name`, RULES.leDomains);
      });
    }
    // Under step-ca the node's email defaults to acme.email, checked with the other ACME settings.
    if (!(viaStepCa && l.email === undefined) && (typeof l.email !== 'string' || !isEmail(l.email))) {
      c.add('tls.letsencrypt.email', `${show(l.email)} is not an email address`, RULES.leEmail);
    }
    const url = c.optString(l, 'acmeDirectoryUrl', 'tls.letsencrypt');
    if (url !== undefined && !isHttpsUrl(url)) c.add('tls.letsencrypt.acmeDirectoryUrl', `${show(url)} is not an https:// URL`, RULES.leUrl);
    const challenge = c.optInt(l, 'httpChallengePort', 1, 65535, RULES.port, 'tls.letsencrypt')
      ?? (l.httpChallengePort === undefined ? DEFAULTS.loom.httpChallengePort : undefined);
    if (mode === 'letsencrypt' && !viaStepCa && challenge !== undefined) {
      if (ports.some((p) => p.port === challenge)) c.add('tls.letsencrypt.httpChallengePort', `${challenge} is also a Loom port`, RULES.distinctPorts);
      else ports.push({ port: challenge, field: 'tls.letsencrypt.httpChallengePort' });
    }
    const cache = c.optString(l, 'cacheDir', 'tls.letsencrypt');
    if (cache !== undefined && !isAbsoluteContainerPath(cache)) c.add('tls.letsencrypt.cacheDir', `${show(cache)} is not an absolute normalized path`, RULES.cacheDir);
    c.optBool(l, 'autoRenew', 'tls.letsencrypt');
    c.optInt(l, 'renewBeforeDays', 1, 89, RULES.leRenew, 'tls.letsencrypt');
    if (l.acceptTos !== true) c.add('tls.letsencrypt.acceptTos', `${show(l.acceptTos)} is not true`, RULES.leTos);
  }
}

/** `/`, or `/`-separated non-empty RFC 3986 segments (optionally a final `/`), none of them `.` or `..` even percent-encoded. */
function isNormalizedUrlPath(p: string): boolean {
  if (p === '/') return true;
  if (!/^(\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+)+\/?$/.test(p) || /%(2e|2f|5c)/i.test(p)) return false;
  return p.split('/').every((segment) => segment !== '.' && segment !== '..');
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

function checkExtraConfig(c: Checker, n: Obj): void {
  const extra = n.extraConfig;
  if (extra === undefined) return;
  if (!isObj(extra)) { c.add('extraConfig', `${show(extra)} is not a map`, RULES.extraConfig); return; }
  const server = extra.server;
  if (server === undefined) return;
  if (!isObj(server)) { c.add('extraConfig.server', `${show(server)} is not a map`, RULES.extraConfig); return; }
  for (const owned of ['tls', 'host', 'port', 'http_port']) {
    if (owned in server) c.add(`extraConfig.server.${owned}`, 'set by the operator', RULES.extraConfig);
  }
}

function checkSuppressions(c: Checker, n: Obj): void {
  const list = n.suppressions;
  if (list === undefined) return;
  if (!Array.isArray(list)) { c.add('suppressions', `${show(list)} is not a list`, RULES.suppression); return; }
  list.forEach((s, i) => {
    if (!isObj(s)) { c.add(`suppressions[${i}]`, `${show(s)} is not a map with rule and reason`, RULES.suppression); return; }
    c.fields(s, KNOWN_FIELDS.suppression, `suppressions[${i}]`);
    if (typeof s.rule !== 'string' || s.rule.length === 0) c.add(`suppressions[${i}].rule`, `${show(s.rule)} is not a rule id`, RULES.suppression);
    if (typeof s.reason !== 'string' || s.reason.trim().length < 10) c.add(`suppressions[${i}].reason`, `${show(s.reason)} is not a written reason`, RULES.suppression);
  });
}

function checkLinks(top: Checker, links: unknown, nodes: Map<string, NodeFacts>, ambiguous: ReadonlySet<string>): void {
  if (links === undefined) links = [];
  if (!Array.isArray(links)) { top.add('links', `${show(links)} is not a list`, RULES.linkEnds); return; }
  const seen = new Set<string>();
  const served = new Set<string>();
  links.forEach((l, i) => {
    const c = top.in(undefined, undefined, `links[${i}].`);
    if (!isObj(l)) { c.add('(link)', `${show(l)} is not a map with from and to`, RULES.linkEnds); return; }
    c.fields(l, KNOWN_FIELDS.link, '');
    const from = nodes.get(l.from as string);
    const to = nodes.get(l.to as string);
    if (ambiguous.has(l.from as string) || ambiguous.has(l.to as string)) {
      // A duplicated id is reported once, where it is defined; links through it cannot be judged.
      served.add(l.from as string);
      return;
    }
    // Reported at the dialing node where it exists, else at the serving one.
    const anchor = to ?? from;
    const at = top.in(anchor?.site, anchor?.id, `links[${i}].`);
    if (typeof l.from !== 'string' || !from) at.add('from', `${show(l.from)} is not a node of the federation`, RULES.linkEnds);
    if (typeof l.to !== 'string' || !to) at.add('to', `${show(l.to)} is not a node of the federation`, RULES.linkEnds);
    if (!from || !to) return;
    if (from.id === to.id) { at.add('to', `node ${to.id} links to itself`, RULES.selfLink); return; }
    const key = `${from.id}->${to.id}`;
    if (seen.has(key)) { at.add('to', `link ${from.id} -> ${to.id} is given twice`, RULES.duplicateLink); return; }
    seen.add(key);
    if (from.kind !== 'semstreams' || to.kind !== 'semstreams') {
      at.add(from.kind !== 'semstreams' ? 'from' : 'to', `node ${from.kind !== 'semstreams' ? from.id : to.id} is a Loom server`, RULES.linkKinds);
      return;
    }
    if (!from.hasOutput) top.in(from.site, from.id).add('output', `node ${to.id} links to it, but it has no websocket output`, RULES.linkNeedsOutput);
    if ((from.tier === 'none') !== (to.tier === 'none')) at.add('tier', `${from.id} is tier ${from.tier}, ${to.id} is tier ${to.tier}`, RULES.linkTier);
    served.add(from.id);
  });
  for (const n of nodes.values()) {
    if (n.hasOutput && !served.has(n.id) && !ambiguous.has(n.id) && n.mtls && n.tier !== 'none') {
      top.in(n.site, n.id).add('output', 'no node links to this websocket output', RULES.orphanOutput);
    }
  }
}
