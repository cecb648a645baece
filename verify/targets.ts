/**
 * The endpoints `verify` dials, taken from the spec: every TLS server of the federation with what the
 * plan says it must do (names, mTLS, allow-list), at its FQDN or at an operator's override (tunnels).
 */
import { FederationModel, NodeModel } from '../model/model';

/** How a server's certificate is validated. */
export type ServerTrust =
  /** Chains to the federation root (`--ca`): manual certificates, and step-ca's through its intermediate. */
  | 'federation'
  /** Loom self-signed mode: Loom's own certificate, which no root vouches for. */
  | 'self-signed'
  /** Loom letsencrypt mode against a public ACME CA: the machine's system roots. */
  | 'system';

export interface VerifyTarget {
  readonly nodeId: string;
  readonly siteId: string;
  readonly kind: 'semstreams' | 'loom';
  /** What listens, e.g. `websocket output /ws`. */
  readonly service: string;
  /** The name the certificate must carry and clients send as SNI: the node's FQDN. */
  readonly servername: string;
  readonly host: string;
  readonly port: number;
  /** Path of the HTTP request sent after a handshake to learn whether the server admits the client. */
  readonly path: string;
  /** Names the certificate must cover. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly trust: ServerTrust;
  /** The server checks client certificates. */
  readonly mtls: boolean;
  readonly requireClientCert: boolean;
  /** CNs the server admits; undefined when it checks no CN (Loom). */
  readonly allowedClientCns?: readonly string[];
  /** Days before expiry from which a deploy re-issues the certificate, when the federation CA issues it. */
  readonly earlyRenewalDays?: number;
}

/** A node `verify` does not dial, and why. */
export interface UnverifiedNode {
  readonly nodeId: string;
  readonly reason: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `node=host:port` (IPv6 as `[::1]:port`). Throws with a usage message when malformed. */
export function parseEndpointOverride(s: string): { nodeId: string } & HostPort {
  const m = /^([a-z][a-z0-9-]*)=(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[4]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`--endpoint ${JSON.stringify(s)} is not node=host:port`);
  return { nodeId: m[1], host: m[2] ?? m[3], port };
}

/**
 * The targets of a federation. `overrides` replaces a node's host and port (for Loom, its HTTPS port);
 * a node id in `overrides` that names no verifiable node is an error, so a typo cannot pass silently.
 */
export function targetsOf(model: FederationModel, overrides: ReadonlyMap<string, HostPort> = new Map()): { targets: VerifyTarget[]; unverified: UnverifiedNode[] } {
  const targets: VerifyTarget[] = [];
  const unverified: UnverifiedNode[] = [];
  const early = model.ca.earlyRenewalHours / 24;
  for (const n of model.nodes) {
    const t = targetOf(n, early);
    if ('reason' in t) { unverified.push(t); continue; }
    const o = overrides.get(n.id);
    targets.push(o ? { ...t, host: o.host, port: o.port } : t);
  }
  for (const id of overrides.keys()) {
    if (!targets.some((t) => t.nodeId === id)) {
      const why = unverified.find((u) => u.nodeId === id)?.reason ?? 'no such node in the spec';
      throw new Error(`--endpoint ${id}=…: ${why}`);
    }
  }
  return { targets, unverified };
}

function targetOf(n: NodeModel, earlyRenewalDays: number): VerifyTarget | UnverifiedNode {
  const base = { nodeId: n.id, siteId: n.siteId, servername: n.fqdn, host: n.fqdn, dnsNames: n.dnsNames, ipAddresses: n.ipAddresses };
  if (n.kind === 'semstreams') {
    if (!n.output) return { nodeId: n.id, reason: 'serves nothing (client only)' };
    if (n.tier === 'none') return { nodeId: n.id, reason: 'tier none: plaintext, no TLS to verify' };
    return {
      ...base, kind: 'semstreams', service: `websocket output ${n.output.path}`, port: n.output.port, path: n.output.path, trust: 'federation',
      mtls: n.output.mtls, requireClientCert: n.output.requireClientCert, allowedClientCns: n.output.allowedClientCns,
      // In tier acme the served certificate is step-ca's, renewed by SemStreams itself: no deploy window applies.
      ...(n.acme ? {} : { earlyRenewalDays }),
    };
  }
  const t = n.tls;
  if (t.mode === 'disabled') return { nodeId: n.id, reason: 'tier none: Loom TLS disabled, nothing to verify' };
  // Loom's HTTP/REST port speaks HTTP/1.1 over the same TLS settings as gRPC, so one request tells admission.
  const common = { ...base, kind: 'loom' as const, service: 'loom https', port: n.httpPort, path: '/' };
  if (t.mode === 'manual') {
    return { ...common, trust: 'federation', mtls: t.mtls, requireClientCert: t.requireClientCert, earlyRenewalDays };
  }
  if (t.mode === 'self-signed') {
    return { ...common, dnsNames: t.hostnames, ipAddresses: t.ipAddresses, trust: 'self-signed', mtls: false, requireClientCert: false };
  }
  const viaStepCa = n.tier === 'acme';
  return { ...common, dnsNames: t.domains, ipAddresses: [], trust: viaStepCa ? 'federation' : 'system', mtls: false, requireClientCert: false };
}
