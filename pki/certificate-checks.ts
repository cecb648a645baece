/**
 * The synth-time checks of imported certificates and keys: each takes parsed material and returns the
 * finding that explains a failure, or undefined. `what` names the file in messages.
 */
import { KeyObject } from 'crypto';
import { Certificate } from './certificate';
import { Finding, PKI_RULES } from './rules';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Curves Go's crypto/tls (SemStreams, Loom, step-ca) accepts, all at least 256 bits. */
const STRONG_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
/** Longest chain followed from a node certificate to the root (Go's own limit is far above real PKIs). */
const MAX_CHAIN = 8;

/** RSA at least 2048 bits, ECDSA on P-256/P-384/P-521, or Ed25519. */
export function checkKeyStrength(key: KeyObject, what: string): Finding | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (d.modulusLength ?? 0) >= 2048 ? undefined : { message: `${what} has a ${d.modulusLength}-bit RSA key, below 2048 bits`, rule: PKI_RULES.keyStrength };
    case 'ec':
      return STRONG_CURVES[d.namedCurve ?? ''] ? undefined : { message: `${what} has an ECDSA key on ${d.namedCurve}, not P-256, P-384 or P-521`, rule: PKI_RULES.keyStrength };
    case 'ed25519':
      return undefined;
    default:
      return { message: `${what} has a ${key.asymmetricKeyType} key, not RSA (2048+ bits), ECDSA or Ed25519`, rule: PKI_RULES.keyStrength };
  }
}

export function checkKeyMatches(cert: Certificate, key: KeyObject, certWhat: string, keyWhat: string): Finding | undefined {
  if (cert.matchesKey(key)) return undefined;
  return { code: 'tls_cert_key_mismatch', message: `${keyWhat} is not the private key of ${certWhat} (private key does not match public key)`, rule: PKI_RULES.keyMismatch };
}

/** A node certificate: valid now and `renewalDays` from now. */
export function checkLeafValidity(cert: Certificate, now: Date, renewalDays: number, what: string): Finding | undefined {
  const early = checkNotYetValid(cert, now, what, PKI_RULES.expired);
  if (early) return early;
  if (cert.notAfter <= now) return { code: 'tls_cert_expired', message: `${what} expired on ${iso(cert.notAfter)}`, rule: PKI_RULES.expired };
  const renewFrom = new Date(cert.notAfter.getTime() - renewalDays * DAY_MS);
  if (renewFrom <= now) {
    return { code: 'tls_cert_expired', message: `${what} expires on ${iso(cert.notAfter)}, inside the ${renewalDays}-day renewal window: renew it before deploying`, rule: PKI_RULES.expired };
  }
  return undefined;
}

/** A CA: valid now and, when it signs, for `outliveDays` more (what it signs now must not outlive it). */
export function checkCaValidity(cert: Certificate, now: Date, outliveDays: number, what: string): Finding | undefined {
  const early = checkNotYetValid(cert, now, what, PKI_RULES.caExpired);
  if (early) return early;
  if (cert.notAfter <= now) return { code: 'tls_cert_expired', message: `${what} expired on ${iso(cert.notAfter)}`, rule: PKI_RULES.caExpired };
  if (cert.notAfter.getTime() - now.getTime() < outliveDays * DAY_MS) {
    return {
      code: 'tls_cert_expired',
      message: `${what} expires on ${iso(cert.notAfter)}, before a ${outliveDays}-day certificate issued today would: renew the CA first`,
      rule: PKI_RULES.caExpired,
    };
  }
  return undefined;
}

function checkNotYetValid(cert: Certificate, now: Date, what: string, rule: string): Finding | undefined {
  if (cert.notBefore <= now) return undefined;
  return { code: 'tls_cert_expired', message: `${what} is not valid before ${iso(cert.notBefore)} (certificate has expired or is not yet valid)`, rule };
}

/** basicConstraints CA:TRUE and keyUsage keyCertSign. */
export function checkCaCapable(cert: Certificate, what: string): Finding | undefined {
  const missing = [...(cert.isCa ? [] : ['basicConstraints CA:TRUE']), ...(cert.keyCertSign ? [] : ['keyUsage keyCertSign'])];
  if (missing.length === 0) return undefined;
  return { code: 'tls_unknown_authority', message: `${what} (${cert.subject}) is not a CA: it lacks ${missing.join(' and ')}`, rule: PKI_RULES.caFlag };
}

export function checkNotCa(cert: Certificate, what: string): Finding | undefined {
  return cert.isCa ? { message: `${what} (${cert.subject}) has basicConstraints CA:TRUE`, rule: PKI_RULES.leafNotCa } : undefined;
}

/** CN = FQDN; SANs cover the FQDN, the node's extra DNS names (wildcards as TLS clients match them) and its IPs. */
export function checkNodeNames(cert: Certificate, fqdn: string, dnsNames: readonly string[], ips: readonly string[], what: string): Finding | undefined {
  const wrong: string[] = [];
  if (cert.subjectCn !== fqdn) wrong.push(`its CN is ${cert.subjectCn === undefined ? 'missing' : `"${cert.subjectCn}"`}, not the node FQDN "${fqdn}"`);
  const missingDns = dnsNames.filter((n) => !cert.dnsNames.some((san) => dnsMatches(san, n)));
  const certIps = new Set(cert.ipAddresses.map(normalizeIp));
  const missingIps = ips.filter((ip) => !certIps.has(normalizeIp(ip)));
  const missing = [...missingDns, ...missingIps];
  if (missing.length > 0) {
    wrong.push(`its SANs (${[...cert.dnsNames, ...cert.ipAddresses].join(', ') || 'none'}) do not cover ${missing.join(', ')}`);
  }
  if (wrong.length === 0) return undefined;
  return { code: 'tls_hostname_mismatch', message: `${what}: ${wrong.join('; ')}`, rule: PKI_RULES.hostname };
}

function dnsMatches(san: string, name: string): boolean {
  const s = san.toLowerCase();
  const n = name.toLowerCase();
  if (s === n) return true;
  if (!s.startsWith('*.')) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot + 1) === s.slice(2);
}

function normalizeIp(ip: string): string {
  try {
    return new URL(`http://${ip.includes(':') ? `[${ip}]` : ip}/`).hostname;
  } catch {
    return ip;
  }
}

/** The node's roles are allowed by the certificate's EKU (an absent EKU extension allows any usage). */
export function checkExtendedKeyUsage(cert: Certificate, serverAuth: boolean, clientAuth: boolean, what: string): Finding | undefined {
  const eku = cert.extendedKeyUsages;
  if (eku === undefined || eku.includes(ANY_EKU)) return undefined;
  const missing = [...(serverAuth && !eku.includes(SERVER_AUTH) ? ['serverAuth (it serves)'] : []), ...(clientAuth && !eku.includes(CLIENT_AUTH) ? ['clientAuth (it dials with mTLS)'] : [])];
  if (missing.length === 0) return undefined;
  return { message: `${what} lacks extended key usage ${missing.join(' and ')}`, rule: PKI_RULES.extendedKeyUsage };
}

/** A verified chain: the certificate first, the trust anchor last. */
export interface Chain {
  readonly path: readonly Certificate[];
  /** The path without its anchor, PEM: what the certificate's owner sends to peers. */
  readonly sentPem: string;
}

/**
 * Builds and verifies the chain from `leaf` to one of `anchors` through certificates of `pool`, the way a
 * TLS peer holding only the anchors would: each link's signature and names, each CA's CA flag, keyCertSign
 * (when keyUsage is present), path length and validity at `now`.
 */
export function verifyChain(leaf: Certificate, pool: readonly Certificate[], anchors: readonly Certificate[], now: Date, what: string):
  { readonly chain: Chain } | { readonly finding: Finding } {
  let reason = '';
  const extend = (path: Certificate[]): Certificate[] | undefined => {
    const top = path[path.length - 1];
    if (anchors.some((a) => a.equals(top))) return path;
    if (path.length > MAX_CHAIN) { reason = `no root within ${MAX_CHAIN} certificates`; return undefined; }
    const candidates = [...anchors, ...pool].filter((c) => !path.some((p) => p.equals(c)) && top.isIssuedBy(c));
    for (const issuer of candidates) {
      const bad = caProblem(issuer, path.length - 1, now);
      if (bad) { reason = bad; continue; }
      const found = extend([...path, issuer]);
      if (found) return found;
    }
    if (candidates.length === 0 && !reason) reason = `nothing here issued ${top.subject} (certificate signed by unknown authority)`;
    return undefined;
  };
  const path = extend([leaf]);
  if (!path) {
    return {
      finding: {
        code: 'tls_unknown_authority',
        message: `${what} does not verify up to the federation root (${anchors.map((a) => a.subject).join(' or ')}): ${reason}`,
        rule: PKI_RULES.unknownAuthority,
      },
    };
  }
  return { chain: { path, sentPem: path.slice(0, -1).map((c) => c.pem).join('') } };
}

/** Why `ca` cannot issue a certificate with `below` intermediates under it, or undefined. */
function caProblem(ca: Certificate, below: number, now: Date): string | undefined {
  if (!ca.isCa) return `${ca.subject} is not a CA (basicConstraints CA:TRUE missing)`;
  if (ca.hasKeyUsage && !ca.keyCertSign) return `${ca.subject} lacks keyUsage keyCertSign`;
  if (ca.pathLength !== undefined && below > ca.pathLength) return `${ca.subject} allows ${ca.pathLength} intermediates below it, the chain has ${below}`;
  if (ca.notBefore > now || ca.notAfter <= now) return `${ca.subject} is not valid now (until ${iso(ca.notAfter)})`;
  return undefined;
}

/** RFC 3339 to the second (no milliseconds), the form the model and outputs carry. */
export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
