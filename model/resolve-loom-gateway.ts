/**
 * The mTLS gateway of a Loom node: who it admits (whole subjects, issuer pinned), where Loom listens behind
 * it, and the gateway's files. Loom v1.4.0 checks no client certificate itself (loom.md), so this is where
 * the spec's mTLS for Loom is enforced.
 */
import { X509Certificate } from 'crypto';
import { CONTAINER_LAYOUT, DEFAULTS } from './defaults';
import { LoomAllowedClientModel, LoomGatewayModel } from './model';
import { FederationSpec, LoomNodeSpec, NodeSpec, TlsVersion } from './spec';

/** Whether `n` gets a gateway: every tier but none, unless the spec turns it off. */
export function hasLoomGateway(n: LoomNodeSpec, tier: string): boolean {
  return tier !== 'none' && n.gateway?.enabled !== false;
}

/** One RDN value escaped as RFC 2253 prints it (HAProxy's `ssl_c_s_dn(,0,rfc2253)`). */
export function rfc2253Value(v: string): string {
  return v.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

/** The subject the pki stack gives a certificate: O then CN in the certificate, so CN first in RFC 2253. */
export function federationSubject(commonName: string, organization: string): string {
  return `CN=${rfc2253Value(commonName)},O=${rfc2253Value(organization)}`;
}

/** RFC 2253 subject of a PEM certificate (Node prints RDNs in certificate order, one per line). */
export function subjectOfPem(pem: string): string {
  return new X509Certificate(pem).subject.split('\n').reverse().join(',');
}

/** The node ids `allowedClients` names, across every Loom node: their certificates need clientAuth. */
export function loomClientNodeIds(spec: FederationSpec): Set<string> {
  const ids = new Set(spec.sites.flatMap((s) => s.nodes.map((n) => n.id)));
  return new Set(spec.sites.flatMap((s) => s.nodes)
    .flatMap((n) => (n.kind === 'loom' ? n.allowedClients ?? [] : []))
    .filter((c) => ids.has(c)));
}

/** First port from `from` upward that is not taken. */
function freePort(from: number, taken: Set<number>): number {
  let p = from;
  while (taken.has(p)) p += 1;
  taken.add(p);
  return p;
}

export interface GatewayInputs {
  readonly spec: FederationSpec;
  readonly node: LoomNodeSpec;
  readonly byId: ReadonlyMap<string, { node: NodeSpec }>;
  readonly mtls: boolean;
  readonly minVersion: TlsVersion;
  readonly publishedPorts: readonly number[];
}

export function resolveLoomGateway(g: GatewayInputs): LoomGatewayModel {
  const { spec, node } = g;
  const organization = spec.ca?.organization ?? spec.name;
  const rootCn = spec.ca?.commonName ?? `${spec.name} federation root CA`;
  const allowedClients = (node.allowedClients ?? []).map((entry): LoomAllowedClientModel => {
    const other = g.byId.get(entry)?.node;
    const commonName = other ? other.fqdn : entry;
    return { ...(other ? { nodeId: other.id } : {}), commonName, subject: federationSubject(commonName, organization) };
  });
  const taken = new Set(g.publishedPorts);
  const layout = CONTAINER_LAYOUT.loomGateway;
  const containerName = `${spec.name}-${node.id}-gateway`;
  return {
    image: node.gateway?.image ?? spec.images?.loomGateway ?? DEFAULTS.images.loomGateway,
    containerName,
    namespaceContainerName: `${spec.name}-${node.id}-netns`,
    // -W master-worker, -db in the foreground: the official image's way, with our file.
    command: ['haproxy', '-W', '-db', '-f', layout.configFile],
    // The holder only keeps the namespace alive: gateway and Loom can restart without losing it.
    namespaceCommand: ['sleep', 'infinity'],
    mtls: g.mtls,
    // Generated root: CN and O from the spec. An imported CA replaces it with its signer's subject (resolve-import).
    issuerSubject: federationSubject(rootCn, organization),
    allowedClients,
    minVersion: g.minVersion,
    backendGrpcPort: freePort(DEFAULTS.loom.backendGrpcPort, taken),
    backendHttpPort: freePort(DEFAULTS.loom.backendHttpPort, taken),
    paths: { ...layout },
  };
}
