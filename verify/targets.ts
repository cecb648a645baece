/**
 * The endpoints `verify` dials, taken from the spec: every TLS server of the federation with what the
 * plan says it must do (names, mTLS, allow-list, which certificate it serves), dialled where the spec
 * publishes it (dial-route.ts) or at an operator's override (tunnels).
 */
import { FederationModel, LoomNodeModel, NodeModel, SemStreamsNodeModel, SiteModel } from '../model/model';
import { parseGoDuration } from '../model/duration';
import { stepCaIntermediateCommonName } from '../model/names';
import { DialRoute, dialRouteOf } from './dial-route';

/** How a server's certificate is validated. */
export type ServerTrust =
  /** Chains to the federation root (`--ca`): manual certificates, and step-ca's through its intermediate. */
  | 'federation'
  /** Loom self-signed mode: Loom's own certificate, which no root vouches for. */
  | 'self-signed'
  /** Loom letsencrypt mode against a public ACME CA: the machine's system roots. */
  | 'system';

export interface VerifyTarget {
  /** What results name: the node id, or `<node>:http` for a Loom node's HTTP port (its gRPC port is `<node>`). */
  readonly id: string;
  readonly nodeId: string;
  readonly siteId: string;
  readonly kind: 'semstreams' | 'loom';
  /** What listens, e.g. `websocket output /ws`. */
  readonly service: string;
  /** The name the certificate must carry and clients send as SNI: the node's FQDN. */
  readonly servername: string;
  /** Where it is dialled: see `route`. */
  readonly host: string;
  readonly port: number;
  /** Why `host` is where it is dialled: an override, the site's address, its engine's host, or the FQDN (dial-route.ts). */
  readonly route: DialRoute;
  /**
   * What is sent after a handshake to learn whether the server admits the client: an HTTP/1.1 GET of
   * `path`, or a gRPC health call over HTTP/2 (a gRPC port answers nothing else).
   */
  readonly protocol: 'http' | 'grpc';
  readonly path: string;
  /** Names the certificate must cover. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly trust: ServerTrust;
  /** The server checks client certificates. */
  readonly mtls: boolean;
  readonly requireClientCert: boolean;
  /** CNs the server admits; undefined when it checks no CN. */
  readonly allowedClientCns?: readonly string[];
  /** Who enforces client authentication, when not the service itself (Loom: its gateway). */
  readonly enforcedBy?: string;
  /** Days before expiry from which a deploy re-issues the certificate, when the federation CA issues it. */
  readonly earlyRenewalDays?: number;
  /** Which certificates the node may serve, to tell step-ca's from the federation's; with trust `federation` only. */
  readonly certificateSources?: CertificateSources;
}

/**
 * Where the certificate a node serves comes from, as the plan has it: step-ca over ACME, or the pki stack
 * (the federation certificate, which SemStreams in ACME mode keeps as its fallback).
 */
export interface CertificateSources {
  /** `acme`: the node obtains its certificate from step-ca; `federation`: it serves the one the pki stack issued (or its own). */
  readonly mode: 'acme' | 'federation';
  /** SemStreams in ACME mode: the federation certificate is its configured fallback (`cert_file`/`key_file`). */
  readonly fallback: boolean;
  /** The container to restart when it serves its fallback. */
  readonly containerName: string;
  /** The CA that signs federation certificates when the spec imports one (an intermediate), PEM; undefined: the root given with --ca. */
  readonly federationSignerPem?: string;
  /** The node's own certificate (spec `certificate`), PEM, when it brings one: its federation certificate exactly. */
  readonly ownCertPem?: string;
  /** step-ca's intermediate, in tier acme. */
  readonly stepCa?: {
    /** Its certificate when the spec imports it; undefined: the pki stack generates it, signed by the root, with `commonName`. */
    readonly certPem?: string;
    readonly commonName: string;
    /** The longest certificate step-ca issues, hours: tells its certificates from federation ones when one CA signs both. */
    readonly maxLifetimeHours: number;
  };
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

/**
 * Parses `node=host:port` (IPv6 as `[::1]:port`); `node:http=host:port` names a Loom node's HTTP port.
 * Throws with a usage message when malformed.
 */
export function parseEndpointOverride(s: string): { nodeId: string } & HostPort {
  const m = /^([a-z][a-z0-9-]*(?::http)?)=(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[4]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`--endpoint ${JSON.stringify(s)} is not node=host:port (or node:http=host:port for a Loom HTTP port)`);
  return { nodeId: m[1], host: m[2] ?? m[3], port };
}

/**
 * The targets of a federation. `overrides` replaces a target's host and port (by target id: a Loom node's
 * gRPC port is `<node>`, its HTTP port `<node>:http`); an id in `overrides` that names no verifiable target
 * is an error, so a typo cannot pass silently.
 */
export function targetsOf(model: FederationModel, overrides: ReadonlyMap<string, HostPort> = new Map()): { targets: VerifyTarget[]; unverified: UnverifiedNode[] } {
  const targets: VerifyTarget[] = [];
  const unverified: UnverifiedNode[] = [];
  const early = model.ca.earlyRenewalHours / 24;
  const sites = new Map(model.sites.map((s) => [s.id, s]));
  for (const n of model.nodes) {
    const ts = n.kind === 'loom' ? loomTargets(n, early) : targetOf(n, early);
    const site = sites.get(n.siteId)!;
    for (const t of Array.isArray(ts) ? ts : [ts]) {
      if ('reason' in t) { unverified.push(t); continue; }
      const o = overrides.get(t.id);
      const sources = t.trust === 'federation' ? certificateSourcesOf(model, n) : undefined;
      const placed = o
        ? { ...t, host: o.host, port: o.port, route: { via: 'override' as const, reason: `--endpoint ${t.id}=${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}` } }
        : withRoute(t, site, n.fqdn);
      targets.push(sources ? { ...placed, certificateSources: sources } : placed);
    }
  }
  for (const id of overrides.keys()) {
    if (!targets.some((t) => t.id === id)) {
      const why = unverified.find((u) => u.nodeId === id.replace(/:http$/, ''))?.reason ?? 'no such node in the spec';
      throw new Error(`--endpoint ${id}=…: ${why}`);
    }
  }
  return { targets, unverified };
}

/** A target as the node resolves it, before it is placed (where to dial) and told its certificate sources. */
type Unplaced = Omit<VerifyTarget, 'host' | 'route' | 'certificateSources'>;

function withRoute(t: Unplaced, site: SiteModel, fqdn: string): VerifyTarget {
  const r = dialRouteOf(site, fqdn);
  return { ...t, host: r.host, route: r.route };
}

/** What the node may serve: in tier acme step-ca's certificate (SemStreams with the federation one as fallback), else the federation's. */
function certificateSourcesOf(model: FederationModel, n: NodeModel): CertificateSources {
  const imported = model.ca.imported;
  const acme = n.kind === 'semstreams' ? n.acme !== undefined : n.tls.mode === 'letsencrypt';
  const stepCa = model.stepCa;
  const hours = (d: string) => (parseGoDuration(d) ?? 0) / 3600;
  return {
    mode: acme ? 'acme' : 'federation',
    fallback: acme && n.kind === 'semstreams',
    containerName: n.containerName,
    ...(imported?.intermediate ? { federationSignerPem: imported.intermediate.certPem } : {}),
    ...(n.certificate?.imported ? { ownCertPem: n.certificate.imported.certPem } : {}),
    ...(stepCa ? {
      stepCa: {
        ...(imported ? { certPem: (imported.stepCaIntermediate ?? imported.intermediate)?.certPem } : {}),
        commonName: stepCaIntermediateCommonName(model.name),
        maxLifetimeHours: Math.max(...stepCa.provisioners.map((p) => hours(p.maxDuration))),
      },
    } : {}),
  };
}

function targetOf(n: SemStreamsNodeModel, earlyRenewalDays: number): Unplaced | UnverifiedNode {
  const base = { id: n.id, nodeId: n.id, siteId: n.siteId, servername: n.fqdn, dnsNames: n.dnsNames, ipAddresses: n.ipAddresses };
  if (!n.output) return { nodeId: n.id, reason: 'serves nothing (client only)' };
  if (n.tier === 'none') return { nodeId: n.id, reason: 'tier none: plaintext, no TLS to verify' };
  return {
    ...base, kind: 'semstreams', service: `websocket output ${n.output.path}`, port: n.output.port, protocol: 'http', path: n.output.path, trust: 'federation',
    mtls: n.output.mtls, requireClientCert: n.output.requireClientCert, allowedClientCns: n.output.allowedClientCns,
    // In tier acme the served certificate is step-ca's, renewed by SemStreams itself: no deploy window applies.
    ...(n.acme ? {} : { earlyRenewalDays }),
  };
}

/**
 * A Loom node's two published ports: gRPC (a gRPC call over HTTP/2) and HTTP (`GET /health`). Behind the
 * gateway both are the gateway's TLS with its allow-list; without it Loom checks no client certificate
 * (v1.4.0) and its HTTP port is plaintext, which the handshake check then reports.
 */
function loomTargets(n: LoomNodeModel, earlyRenewalDays: number): (Unplaced | UnverifiedNode)[] {
  const t = n.tls;
  if (t.mode === 'disabled') return [{ nodeId: n.id, reason: 'tier none: Loom TLS disabled, nothing to verify' }];
  const base = { nodeId: n.id, siteId: n.siteId, servername: n.fqdn, dnsNames: n.dnsNames, ipAddresses: n.ipAddresses, kind: 'loom' as const };
  type Common = Pick<VerifyTarget, 'trust' | 'mtls' | 'requireClientCert'>
    & Partial<Pick<VerifyTarget, 'dnsNames' | 'ipAddresses' | 'allowedClientCns' | 'enforcedBy' | 'earlyRenewalDays'>>;
  const ports = (common: Common): Unplaced[] => [
    { ...base, ...common, id: n.id, service: `loom grpc${n.gateway ? ' (gateway)' : ''}`, port: n.grpcPort, protocol: 'grpc', path: '/' },
    { ...base, ...common, id: `${n.id}:http`, service: `loom http${n.gateway ? ' (gateway)' : ''}`, port: n.httpPort, protocol: 'http', path: '/health' },
  ];
  const g = n.gateway;
  if (g && t.mode === 'manual') {
    return ports({
      trust: 'federation', mtls: g.mtls, requireClientCert: t.requireClientCert, earlyRenewalDays,
      ...(g.mtls ? { allowedClientCns: g.allowedClients.map((c) => c.commonName), enforcedBy: 'its mTLS gateway' } : {}),
    });
  }
  if (t.mode === 'manual') return ports({ trust: 'federation', mtls: false, requireClientCert: false, earlyRenewalDays });
  if (t.mode === 'self-signed') {
    return ports({ dnsNames: t.hostnames, ipAddresses: t.ipAddresses, trust: 'self-signed', mtls: false, requireClientCert: false });
  }
  return ports({ dnsNames: t.domains, ipAddresses: [], trust: n.tier === 'acme' ? 'federation' : 'system', mtls: false, requireClientCert: false });
}
