/**
 * Tier acme rules: the step-ca the tier needs, the guide's ACME fields, and reachability between
 * step-ca and every node that uses it. Works on the raw spec, like the rest of validation.
 */
import { DEFAULTS } from './defaults';
import { sameMachine } from './host-identity';
import { parseGoDuration } from './duration';
import { isDnsName, isEmail, isInDomain } from './names';

export const ACME_RULES = {
  stepCaRequired: 'tier acme (SemStreams guide, tier 3) needs stepCa: { site: <site id> }, the step-ca that issues its 24-hour certificates',
  stepCaSite: 'stepCa.site names a site of the federation',
  stepCaNames: 'stepCa.dnsNames are DNS names inside the federation domain (step-ca signs only the federation\'s names)',
  provisioner: 'stepCa.provisioner is lowercase letters, digits and "-" (it is part of the ACME directory URL)',
  duration: 'durations are Go durations such as "24h", "8h" or "90m", at least 5m',
  intermediate: 'stepCa.intermediateValidityDays is a whole number of days shorter than the root\'s validity',
  email: 'SemStreams guide, ACME fields: email is required, an email address (acme.email)',
  challengeType: 'SemStreams guide, ACME fields: challenge_type is "http-01" or "tls-alpn-01"',
  renewBefore: 'SemStreams guide, ACME fields: renew_before is a Go duration shorter than the certificate duration (else every check renews)',
  reachStepCa: 'step-ca is reachable under a name in its dnsNames from every node that uses it: a node on another Docker host needs the step-ca site\'s docker.address',
  reachNode: 'ACME challenges connect from step-ca to the node: a tier-acme node on another Docker host than step-ca needs its site\'s docker.address',
  loomDirectory: 'in tier acme, Loom\'s acme_directory_url is step-ca\'s Loom provisioner, set by federation-pki',
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const STEP_CA_FIELDS = ['site', 'image', 'dnsNames', 'port', 'provisioner', 'certificateDuration', 'intermediateValidityDays'];
export const ACME_FIELDS = ['email', 'challengeType', 'renewBefore'];

/** How validateSpec reports a problem. */
export type Report = (where: { site?: string; node?: string }, field: string, message: string, rule: string) => void;

/** A node as the acme checks see it. */
export interface AcmeNodeFacts {
  readonly id: string;
  readonly site: string;
  readonly kind: string;
  readonly tier: string;
  readonly dockerHost: string;
  readonly siteAddress?: string;
  /** Loom: the spec's tls block. */
  readonly loomTls?: Obj;
  /** A SemStreams node with an output that also dials an upstream: its two ACME sides answer different challenges. */
  readonly hub?: boolean;
}

const placementOf = (n: AcmeNodeFacts) => ({ host: n.dockerHost, address: n.siteAddress });

/** Ports the acme setup publishes, for the port-clash check (on one machine: see sameMachine). */
export interface PublishedPort { readonly host: string; readonly address?: string; readonly port: number; readonly site: string; readonly node: string; readonly field: string }

export function checkAcme(spec: Obj, domain: string | undefined, nodes: readonly AcmeNodeFacts[], sites: ReadonlyMap<string, { host: string; address?: string }>,
  rootDays: number, report: Report): PublishedPort[] {
  const acmeNodes = nodes.filter((n) => n.tier === 'acme');
  const published: PublishedPort[] = [];
  const s = spec.stepCa;
  if (s === undefined) {
    if (acmeNodes.length > 0) report({}, 'stepCa', `missing, while ${acmeNodes.map((n) => n.id).join(', ')} ${acmeNodes.length === 1 ? 'is' : 'are'} in tier acme`, ACME_RULES.stepCaRequired);
    checkAcmeSettings(spec, acmeNodes.length > 0, parseGoDuration(DEFAULTS.stepCa.certificateDuration)!, report);
    return published;
  }
  if (!isObj(s)) { report({}, 'stepCa', 'is not a map', ACME_RULES.stepCaSite); return published; }
  const site = typeof s.site === 'string' ? sites.get(s.site) : undefined;
  if (!site) report({}, 'stepCa.site', `${JSON.stringify(s.site)} is not a site of the federation`, ACME_RULES.stepCaSite);
  if (s.dnsNames !== undefined) {
    if (!Array.isArray(s.dnsNames) || s.dnsNames.length === 0) report({}, 'stepCa.dnsNames', 'is not a non-empty list', ACME_RULES.stepCaNames);
    else s.dnsNames.forEach((d, i) => {
      if (typeof d !== 'string' || !isDnsName(d) || (domain !== undefined && !isInDomain(d, domain))) report({}, `stepCa.dnsNames[${i}]`, `${JSON.stringify(d)} is not a DNS name inside ${domain}`, ACME_RULES.stepCaNames);
    });
  }
  if (s.image !== undefined && (typeof s.image !== 'string' || s.image.length === 0)) report({}, 'stepCa.image', 'is not an image name', 'this field is a non-empty string');
  const port = s.port ?? DEFAULTS.stepCa.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) report({}, 'stepCa.port', `${JSON.stringify(port)} is not in 1..65535`, 'ports are whole numbers 1..65535');
  // Published on its host only when a node on another Docker host dials it; neighbours use the ACME network.
  else if (site && acmeNodes.some((n) => !sameMachine(placementOf(n), site))) published.push({ host: site.host, ...(site.address !== undefined ? { address: site.address } : {}), port, site: s.site as string, node: 'step-ca', field: 'stepCa.port' });
  if (s.provisioner !== undefined && (typeof s.provisioner !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(s.provisioner))) {
    report({}, 'stepCa.provisioner', `${JSON.stringify(s.provisioner)} is not a provisioner name`, ACME_RULES.provisioner);
  }
  const durationText = s.certificateDuration ?? DEFAULTS.stepCa.certificateDuration;
  const duration = typeof durationText === 'string' ? parseGoDuration(durationText) : undefined;
  if (duration === undefined || duration < 300) report({}, 'stepCa.certificateDuration', `${JSON.stringify(durationText)} is not a Go duration of at least 5m`, ACME_RULES.duration);
  const inter = s.intermediateValidityDays;
  if (inter !== undefined && (typeof inter !== 'number' || !Number.isInteger(inter) || inter < 1 || inter >= rootDays)) {
    report({}, 'stepCa.intermediateValidityDays', `${JSON.stringify(inter)} is not in 1..${rootDays - 1}`, ACME_RULES.intermediate);
  }
  checkAcmeSettings(spec, acmeNodes.length > 0, duration, report);

  if (site) {
    const challenge = isObj(spec.acme) && spec.acme.challengeType === 'tls-alpn-01' ? 443 : 80;
    for (const n of acmeNodes) {
      if (n.kind === 'loom' && loomMode(n) !== 'letsencrypt') continue;
      if (sameMachine(placementOf(n), site)) continue;
      if (site.address === undefined) report({ site: n.site, node: n.id }, 'tier', `on Docker host ${n.dockerHost}, step-ca on ${site.host} has no address`, ACME_RULES.reachStepCa);
      if (n.siteAddress === undefined) report({ site: n.site, node: n.id }, 'tier', `step-ca on ${site.host} cannot reach this node on ${n.dockerHost}`, ACME_RULES.reachNode);
      const loomPort = n.loomTls && isObj(n.loomTls.letsencrypt) ? n.loomTls.letsencrypt.httpChallengePort : undefined;
      const port = n.kind === 'loom' ? (typeof loomPort === 'number' ? loomPort : DEFAULTS.loom.httpChallengePort) : challenge;
      if (n.kind !== 'loom') {
        const at = { host: n.dockerHost, ...(n.siteAddress !== undefined ? { address: n.siteAddress } : {}), site: n.site, node: n.id };
        published.push({ ...at, port, field: 'acme.challengeType' });
        // A hub's server side answers the other challenge (model/resolve.ts), so it publishes that port too.
        if (n.hub) published.push({ ...at, port: port === 80 ? 443 : 80, field: 'acme.challengeType (the server side answers the other challenge)' });
      }
    }
  }
  for (const n of acmeNodes) {
    const le = n.loomTls && isObj(n.loomTls.letsencrypt) ? n.loomTls.letsencrypt : undefined;
    if (n.kind === 'loom' && loomMode(n) === 'letsencrypt' && le?.acmeDirectoryUrl !== undefined) {
      report({ site: n.site, node: n.id }, 'tls.letsencrypt.acmeDirectoryUrl', 'set by the operator', ACME_RULES.loomDirectory);
    }
  }
  return published;
}

function loomMode(n: AcmeNodeFacts): unknown {
  return n.loomTls?.mode ?? 'letsencrypt';
}

function checkAcmeSettings(spec: Obj, needed: boolean, durationSeconds: number | undefined, report: Report): void {
  const a = spec.acme ?? {};
  if (!isObj(a)) { report({}, 'acme', 'is not a map', ACME_RULES.email); return; }
  for (const k of Object.keys(a)) if (!ACME_FIELDS.includes(k)) report({}, `acme.${k}`, `unknown field "${k}"`, 'only fields this library knows are accepted (a misspelled field would otherwise be silently ignored)');
  if (needed && (typeof a.email !== 'string' || !isEmail(a.email))) report({}, 'acme.email', `${JSON.stringify(a.email)} is not an email address`, ACME_RULES.email);
  if (a.challengeType !== undefined && a.challengeType !== 'http-01' && a.challengeType !== 'tls-alpn-01') {
    report({}, 'acme.challengeType', `${JSON.stringify(a.challengeType)} is not http-01 or tls-alpn-01`, ACME_RULES.challengeType);
  }
  const rb = a.renewBefore ?? DEFAULTS.acme.renewBefore;
  const rbSeconds = typeof rb === 'string' ? parseGoDuration(rb) : undefined;
  if (rbSeconds === undefined) report({}, 'acme.renewBefore', `${JSON.stringify(rb)} is not a Go duration`, ACME_RULES.renewBefore);
  else if (durationSeconds !== undefined && rbSeconds >= durationSeconds) {
    report({}, 'acme.renewBefore', `${rb} is not shorter than the certificate duration`, ACME_RULES.renewBefore);
  }
}
