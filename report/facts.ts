/**
 * What a reviewer needs to know about a federation, flattened from the resolved model into plain,
 * comparable records. The report renders these; the diff compares two sets of them.
 */
import { canaryCommonName } from '../model/canary';
import { FederationModel, LoomNodeModel, NodeModel, SemStreamsNodeModel } from '../model/model';
import { TierName } from '../model/spec';
import { count } from './text';
import { deriveTrustEdges, TrustEdge } from './trust-edges';
import { deriveWarnings, ReportWarning } from './warnings';

/** How a connection is protected. */
export type Transport = 'mTLS' | 'TLS' | 'plain';

export interface FederationFacts {
  readonly name: string;
  readonly domain: string;
  readonly root: RootCaFacts;
  readonly sites: readonly SiteFacts[];
  /** Every node, in spec order. */
  readonly nodes: readonly NodeFacts[];
  readonly links: readonly LinkFacts[];
  readonly trustEdges: readonly TrustEdge[];
  /** Every certificate the plan issues or a node obtains, by node (spec order). */
  readonly certificates: readonly CertificateFacts[];
  /** Every container the site stacks run, by site then name. */
  readonly containers: readonly ContainerFacts[];
  /** step-ca, when the federation has one (tier acme). */
  readonly stepCa?: StepCaFacts;
  /** CN of the canary client certificate, when the pki stack issues one (some server uses mTLS). */
  readonly canaryCn?: string;
  readonly warnings: readonly ReportWarning[];
}

export interface RootCaFacts {
  readonly commonName: string;
  readonly keyAlgorithm: string;
  readonly validityDays: number;
}

export interface SiteFacts {
  readonly id: string;
  readonly dockerHost: string;
  readonly nodeIds: readonly string[];
}

export interface PortFacts {
  readonly port: number;
  /** What listens there, e.g. `wss /ws`, `grpc`, `https`, `http-01`. */
  readonly service: string;
  readonly transport: Transport;
  /** Who this port really admits, when the service's own settings do not say it (Loom). */
  readonly admits?: string;
}

export interface NodeFacts {
  readonly id: string;
  readonly siteId: string;
  readonly kind: 'semstreams' | 'loom';
  readonly tier: TierName;
  readonly fqdn: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Ports the node listens on (published on its Docker host). */
  readonly ports: readonly PortFacts[];
  /** Server-side TLS in one phrase, e.g. `mTLS (allow-list, client certificate required)`. */
  readonly serverTls: string;
  readonly minVersion: string;
}

export interface LinkFacts {
  /** The serving node. */
  readonly from: string;
  /** The dialing node. */
  readonly to: string;
  readonly transport: Transport;
  readonly crossSite: boolean;
}

/** Where a certificate comes from: one certificate per node and source. */
export type CertificateSource = 'federation-ca' | 'step-ca' | 'acme' | 'self-signed';

export interface CertificateFacts {
  readonly nodeId: string;
  readonly source: CertificateSource;
  /** Who issues it, e.g. `federation CA`, `step-ca (ACME)`. */
  readonly issuer: string;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Extended key usages, e.g. `serverAuth`. */
  readonly eku: readonly string[];
  readonly keyAlgorithm: string;
  /** Lifetime in words, e.g. `90 days`, `24h`. */
  readonly lifetime: string;
  /** When it is renewed, in words, e.g. `re-issued by a deploy in its last 30 days`. */
  readonly renewal: string;
}

export interface ContainerFacts {
  readonly name: string;
  readonly siteId: string;
  /** The node it runs; undefined for NATS and step-ca. */
  readonly nodeId?: string;
  readonly image: string;
  readonly publishedPorts: readonly number[];
}

export interface StepCaFacts {
  readonly siteId: string;
  readonly url: string;
  readonly healthUrl: string;
  readonly directoryUrls: readonly string[];
  readonly containerName: string;
  readonly image: string;
  readonly port: number;
}

const HOURS_PER_DAY = 24;

/** Node id under which the canary's certificate is listed. */
export const CANARY_ID = '(canary)';

/** Collects the facts of a resolved federation. Pure: the same model gives the same facts. */
export function collectFacts(model: FederationModel): FederationFacts {
  const siteOf = new Map(model.nodes.map((n) => [n.id, n.siteId]));
  const mtlsServer = model.nodes.some((n) => (n.kind === 'semstreams' ? n.output?.mtls === true : n.gateway?.mtls === true));
  const stepCa = model.stepCa;
  return {
    name: model.name,
    domain: model.domain,
    root: {
      commonName: model.ca.commonName,
      keyAlgorithm: model.ca.keyAlgorithm.name,
      validityDays: model.ca.rootValidityHours / HOURS_PER_DAY,
    },
    sites: model.sites.map((s) => ({ id: s.id, dockerHost: s.dockerHost, nodeIds: s.nodes.map((n) => n.id) })),
    nodes: model.nodes.map(nodeFacts),
    links: model.links.map((l) => ({
      from: l.from, to: l.to, transport: transportOf(l.tier, l.mtls), crossSite: siteOf.get(l.from) !== siteOf.get(l.to),
    })),
    trustEdges: deriveTrustEdges(model),
    certificates: [...model.nodes.flatMap((n) => certificatesOf(n, model)), ...(mtlsServer ? [canaryFacts(model)] : [])],
    containers: containersOf(model),
    ...(stepCa ? {
      stepCa: {
        siteId: stepCa.siteId,
        url: `https://${stepCa.dnsNames[0]}:${stepCa.port}`,
        healthUrl: `https://${stepCa.dnsNames[0]}:${stepCa.port}/health`,
        directoryUrls: stepCa.provisioners.map((p) => p.directoryUrl),
        containerName: stepCa.containerName,
        image: stepCa.image,
        port: stepCa.port,
      },
    } : {}),
    ...(mtlsServer ? { canaryCn: canaryCommonName(model.domain) } : {}),
    warnings: deriveWarnings(model),
  };
}

export function transportOf(tier: TierName, mtls: boolean): Transport {
  if (tier === 'none') return 'plain';
  return mtls ? 'mTLS' : 'TLS';
}

function nodeFacts(n: NodeModel): NodeFacts {
  const base = {
    id: n.id, siteId: n.siteId, kind: n.kind, tier: n.tier, fqdn: n.fqdn,
    dnsNames: [...n.dnsNames], ipAddresses: [...n.ipAddresses], minVersion: n.minVersion,
  };
  return n.kind === 'semstreams' ? { ...base, ...semStreamsServing(n) } : { ...base, ...loomServing(n) };
}

function semStreamsServing(n: SemStreamsNodeModel): Pick<NodeFacts, 'ports' | 'serverTls'> {
  const out = n.output;
  const ports: PortFacts[] = [];
  if (out) {
    const transport = transportOf(n.tier, out.mtls);
    ports.push({ port: out.port, service: `${n.tier === 'none' ? 'ws' : 'wss'} ${out.path}`, transport });
  }
  if (n.acme) ports.push(...n.publishedPorts.filter((p) => p !== out?.port).map((port) => ({ port, service: n.acme!.challengeType, transport: 'plain' as Transport })));
  let serverTls = 'no server';
  if (out) {
    if (n.tier === 'none') serverTls = 'plain (tier none)';
    else if (!out.mtls) serverTls = 'TLS, no client authentication';
    else serverTls = `mTLS, allow-list of ${out.allowedClientCns.length}, client certificate ${out.requireClientCert ? 'required' : 'optional'}`;
  }
  return { ports, serverTls };
}

function loomServing(n: LoomNodeModel): Pick<NodeFacts, 'ports' | 'serverTls'> {
  const t = n.tls;
  const g = n.gateway;
  if (g) {
    const transport: Transport = g.mtls ? 'mTLS' : 'TLS';
    const cns = g.allowedClients.map((c) => c.commonName);
    const admits = !g.mtls ? 'any client (no client authentication)'
      : cns.length === 0 ? 'nobody (allowedClients is empty)'
        : `${cns.join(', ')} only (certificate from the federation signer, whole subject matched)${t.mode === 'manual' && !t.requireClientCert ? ', and clients without a certificate' : ''}`;
    const auth = !g.mtls ? 'TLS, no client authentication'
      : `mTLS, allow-list of ${cns.length} (whole subject, issuer pinned), client certificate ${t.mode === 'manual' && t.requireClientCert ? 'required' : 'optional'}`;
    return {
      ports: [
        { port: n.grpcPort, service: 'grpc (HTTP/2) via gateway', transport, admits },
        { port: n.httpPort, service: 'https via gateway', transport, admits },
      ],
      serverTls: `${auth}, enforced by its gateway (HAProxy, ${g.containerName}) with the federation-issued certificate; `
        + `Loom itself listens on 127.0.0.1:${g.backendGrpcPort} (gRPC) and 127.0.0.1:${g.backendHttpPort} (HTTP) with TLS off, not published`,
    };
  }
  const anyone = 'any client (Loom checks no client certificate)';
  if (t.mode === 'disabled') {
    return {
      ports: [{ port: n.grpcPort, service: 'grpc', transport: 'plain', admits: anyone }, { port: n.httpPort, service: 'http', transport: 'plain', admits: anyone }],
      serverTls: 'plain (tier none), no gateway',
    };
  }
  const ports: PortFacts[] = [
    { port: n.grpcPort, service: 'grpc+tls', transport: 'TLS', admits: anyone },
    // Loom v1.4.0 serves its HTTP port with plain ListenAndServe whatever server.tls says.
    { port: n.httpPort, service: 'http, plaintext (Loom serves it without TLS)', transport: 'plain', admits: `${anyone}, agent queries included (SSE)` },
    ...n.publishedPorts.filter((p) => p !== n.grpcPort && p !== n.httpPort).map((port) => ({ port, service: 'http-01', transport: 'plain' as Transport })),
  ];
  const how = t.mode === 'manual' ? 'the federation-issued certificate' : t.mode === 'self-signed' ? 'a self-signed certificate (Loom generates it)' : 'an ACME certificate';
  return { ports, serverTls: `no gateway: TLS on gRPC only, with ${how}; no client authentication on either port (Loom v1.4.0 implements none)` };
}

function certificatesOf(n: NodeModel, model: FederationModel): CertificateFacts[] {
  const certs: CertificateFacts[] = [];
  const ca = model.ca;
  if (n.certificate) {
    const c = n.certificate;
    const days = ca.leafValidityHours / HOURS_PER_DAY;
    const early = ca.earlyRenewalHours / HOURS_PER_DAY;
    certs.push({
      nodeId: n.id,
      source: 'federation-ca',
      issuer: n.kind === 'semstreams' && n.acme ? 'federation CA (fallback)' : 'federation CA',
      commonName: c.commonName,
      dnsNames: [...n.dnsNames],
      ipAddresses: [...n.ipAddresses],
      eku: [...(c.serverAuth ? ['serverAuth'] : []), ...(c.clientAuth ? ['clientAuth'] : [])],
      keyAlgorithm: ca.keyAlgorithm.name,
      lifetime: `${days} days`,
      renewal: `re-issued by a deploy in its last ${early} days (from day ${days - early})`,
    });
  }
  if (n.kind === 'semstreams' && n.acme) {
    const provisioner = model.stepCa?.provisioners.find((p) => p.directoryUrl === n.acme!.directoryUrl);
    certs.push({
      nodeId: n.id,
      source: 'step-ca',
      issuer: 'step-ca (ACME)',
      commonName: n.fqdn,
      dnsNames: [...n.acme.domains],
      ipAddresses: [],
      eku: ['serverAuth', 'clientAuth'],
      keyAlgorithm: 'chosen by SemStreams',
      lifetime: provisioner?.defaultDuration ?? 'step-ca default',
      renewal: `SemStreams renews when less than ${n.acme.renewBefore} remains`,
    });
  }
  if (n.kind === 'loom' && n.tls.mode === 'letsencrypt') {
    const viaStepCa = model.stepCa?.provisioners.find((p) => p.directoryUrl === (n.tls as { acmeDirectoryUrl: string }).acmeDirectoryUrl);
    certs.push({
      nodeId: n.id,
      source: viaStepCa ? 'step-ca' : 'acme',
      issuer: viaStepCa ? 'step-ca (ACME)' : `ACME ${n.tls.acmeDirectoryUrl}`,
      commonName: n.tls.domains[0],
      dnsNames: [...n.tls.domains],
      ipAddresses: [],
      eku: ['serverAuth'],
      keyAlgorithm: 'chosen by Loom',
      lifetime: viaStepCa?.defaultDuration ?? 'set by the ACME server',
      renewal: n.tls.autoRenew ? `Loom renews when less than ${count(n.tls.renewBeforeDays, 'day')} remain` : 'auto_renew off: renew by hand',
    });
  }
  if (n.kind === 'loom' && n.tls.mode === 'self-signed') {
    certs.push({
      nodeId: n.id,
      source: 'self-signed',
      issuer: 'self-signed (Loom generates it)',
      commonName: n.tls.hostnames[0] ?? n.tls.ipAddresses[0] ?? n.fqdn,
      dnsNames: [...n.tls.hostnames],
      ipAddresses: [...n.tls.ipAddresses],
      eku: ['serverAuth'],
      keyAlgorithm: 'chosen by Loom',
      lifetime: `${n.tls.validityDays} days`,
      renewal: 'no automatic renewal (Loom reference)',
    });
  }
  return certs;
}

/** The pki stack's canary, listed with the certificates under the pseudo node id `(canary)`. */
function canaryFacts(model: FederationModel): CertificateFacts {
  const cn = canaryCommonName(model.domain);
  const days = model.ca.leafValidityHours / HOURS_PER_DAY;
  const early = model.ca.earlyRenewalHours / HOURS_PER_DAY;
  return {
    nodeId: CANARY_ID, source: 'federation-ca', issuer: 'federation CA', commonName: cn, dnsNames: [cn], ipAddresses: [], eku: ['clientAuth'],
    keyAlgorithm: model.ca.keyAlgorithm.name, lifetime: `${days} days`, renewal: `re-issued by a deploy in its last ${early} days (from day ${days - early})`,
  };
}

function containersOf(model: FederationModel): ContainerFacts[] {
  const containers: ContainerFacts[] = [];
  for (const site of model.sites) {
    if (site.natsContainer) containers.push({ name: site.natsContainer.name, siteId: site.id, image: site.natsContainer.image, publishedPorts: [] });
    for (const n of site.nodes) {
      const g = n.kind === 'loom' ? n.gateway : undefined;
      if (g) {
        // The namespace holder publishes the ports; the gateway and Loom share its network namespace.
        containers.push({ name: g.namespaceContainerName, siteId: site.id, nodeId: n.id, image: g.image, publishedPorts: [...n.publishedPorts] });
        containers.push({ name: g.containerName, siteId: site.id, nodeId: n.id, image: g.image, publishedPorts: [] });
      }
      containers.push({ name: n.containerName, siteId: site.id, nodeId: n.id, image: n.image, publishedPorts: g ? [] : [...n.publishedPorts] });
    }
    if (model.stepCa && model.stepCa.siteId === site.id) {
      containers.push({ name: model.stepCa.containerName, siteId: site.id, image: model.stepCa.image, publishedPorts: [...model.stepCa.publishedPorts] });
    }
  }
  return containers;
}
