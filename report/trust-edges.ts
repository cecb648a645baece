/**
 * Who may connect to whom. A trust edge is one kind of client a server admits: a linked node (admitted by
 * its CN on the derived allow-list, or by nothing when the link is plain or server-authenticated only), or
 * an open door — any client, or any certificate the federation CA signed — where the server's settings let
 * more in than the links name.
 */
import { FederationModel, LoomNodeModel, SemStreamsNodeModel } from '../model/model';
import type { Transport } from './facts';
import { byText } from './text';

/** Principals that are not a node of the federation. */
export const ANY_CLIENT = '(any client)';
export const ANY_CLIENT_WITHOUT_CERT = '(any client without a certificate)';
export const ANY_FEDERATION_CERT = '(any federation-signed certificate)';

export interface TrustEdge {
  /** The serving node's id. */
  readonly server: string;
  /** The ports this applies to. */
  readonly ports: readonly number[];
  /** A node id, or one of the `(any …)` principals. */
  readonly client: string;
  /** The CN the server checks, when it checks one. */
  readonly clientCn?: string;
  readonly transport: Transport;
  /** What lets the client in, in words. */
  readonly admittedBy: string;
}

/** Every trust edge of the federation: servers in spec order; per server, linked nodes (by id) before open doors. */
export function deriveTrustEdges(model: FederationModel): TrustEdge[] {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const edges: TrustEdge[] = [];
  const open = (e: TrustEdge) => (e.client.startsWith('(') ? 1 : 0);
  for (const n of model.nodes) {
    const own = n.kind === 'semstreams' ? semStreamsEdges(n, model, byId) : loomEdges(n);
    edges.push(...own.sort((a, b) => open(a) - open(b) || byText(a.client, b.client)));
  }
  return edges;
}

/** A stable key of an edge (server and client), for diffs. */
export function edgeKey(e: TrustEdge): string {
  return `${e.server} <- ${e.client}`;
}

function semStreamsEdges(n: SemStreamsNodeModel, model: FederationModel, byId: Map<string, { fqdn: string }>): TrustEdge[] {
  const out = n.output;
  if (!out) return [];
  const ports = [out.port];
  const clients = model.links.filter((l) => l.from === n.id).map((l) => l.to);
  const edges: TrustEdge[] = [];
  if (n.tier === 'none') {
    for (const c of clients) edges.push({ server: n.id, ports, client: c, transport: 'plain', admittedBy: 'nothing: plaintext, tier none' });
    edges.push({ server: n.id, ports, client: ANY_CLIENT, transport: 'plain', admittedBy: 'nothing: plaintext, tier none' });
    return edges;
  }
  if (!out.mtls) {
    for (const c of clients) edges.push({ server: n.id, ports, client: c, transport: 'TLS', admittedBy: 'nothing: no client authentication' });
    edges.push({ server: n.id, ports, client: ANY_CLIENT, transport: 'TLS', admittedBy: 'nothing: no client authentication' });
    return edges;
  }
  for (const c of clients) {
    const cn = byId.get(c)!.fqdn;
    edges.push({ server: n.id, ports, client: c, clientCn: cn, transport: 'mTLS', admittedBy: 'federation CA + CN on allowed_client_cns' });
  }
  if (out.allowedClientCns.length === 0) {
    edges.push({ server: n.id, ports, client: ANY_FEDERATION_CERT, transport: 'mTLS', admittedBy: 'federation CA (allowed_client_cns is empty: any CN)' });
  }
  if (!out.requireClientCert) {
    edges.push({ server: n.id, ports, client: ANY_CLIENT_WITHOUT_CERT, transport: 'TLS', admittedBy: 'require_client_cert: false' });
  }
  return edges;
}

function loomEdges(n: LoomNodeModel): TrustEdge[] {
  const ports = [n.grpcPort, n.httpPort];
  const t = n.tls;
  const g = n.gateway;
  if (t.mode === 'disabled') return [{ server: n.id, ports, client: ANY_CLIENT, transport: 'plain', admittedBy: 'nothing: TLS disabled, tier none' }];
  if (!g) {
    // Loom v1.4.0 checks no client certificate, and serves its HTTP port in plaintext.
    return [
      { server: n.id, ports: [n.grpcPort], client: ANY_CLIENT, transport: 'TLS', admittedBy: 'nothing: no gateway, and Loom checks no client certificate' },
      { server: n.id, ports: [n.httpPort], client: ANY_CLIENT, transport: 'plain', admittedBy: 'nothing: no gateway, and Loom serves HTTP without TLS' },
    ];
  }
  if (!g.mtls) return [{ server: n.id, ports, client: ANY_CLIENT, transport: 'TLS', admittedBy: 'nothing: the gateway checks no client certificate (tls.mtls false)' }];
  const edges: TrustEdge[] = g.allowedClients.map((c) => ({
    server: n.id, ports, client: c.nodeId ?? c.commonName, clientCn: c.commonName, transport: 'mTLS' as Transport,
    admittedBy: 'gateway: federation signer (issuer pinned) + whole subject on allowedClients',
  }));
  if (t.mode === 'manual' && !t.requireClientCert) {
    edges.push({ server: n.id, ports, client: ANY_CLIENT_WITHOUT_CERT, transport: 'TLS', admittedBy: 'requireClientCert: false (the gateway lets clients without a certificate through)' });
  }
  return edges;
}
