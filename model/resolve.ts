/**
 * spec -> model: validates a spec (failing with every problem at once) and derives everything else.
 */
import { sameMachine } from './host-identity';
import { CONTAINER_LAYOUT, DEFAULTS } from './defaults';
import { KeyAlgorithm } from './key-algorithm';
import {
  FederationModel, LinkModel, LoomNodeModel, LoomTlsModel, NodeModel, SemStreamsInputModel,
  SemStreamsNodeModel, SiteModel, StepCaModel,
} from './model';
import { SpecError } from './problems';
import {
  challengePort, loomRenewBeforeDays, resolveSemStreamsAcme, resolveStepCa, stepCaRoute,
} from './resolve-step-ca';
import { applyImportedPki, ResolveOptions } from './resolve-import';
import { hasLoomGateway, loomClientNodeIds, resolveLoomGateway } from './resolve-loom-gateway';
import { FederationSpec, LoomNodeSpec, NodeSpec, SemStreamsNodeSpec, SiteSpec } from './spec';
import { validateSpec } from './validate';

const HOURS_PER_DAY = 24;

export type { ResolveOptions } from './resolve-import';

/**
 * Validates `spec` and resolves it into the model every construct reads. Throws SpecError listing all problems.
 * Imported PKI files (ca.import, node certificates) are read and checked too, relative to `options.projectRoot`.
 */
export function resolveFederation(spec: FederationSpec, options: ResolveOptions = {}): FederationModel {
  const problems = validateSpec(spec);
  if (problems.length > 0) throw new SpecError(problems);

  const links = spec.links ?? [];
  const fedTier = spec.tier ?? DEFAULTS.tier;
  const tls = spec.tls ?? {};
  const mtls = tls.mtls ?? DEFAULTS.mtls;
  const specNodes = spec.sites.flatMap((s) => s.nodes.map((n) => ({ site: s, node: n })));
  const byId = new Map(specNodes.map((e) => [e.node.id, e]));
  const tierOf = (n: NodeSpec) => n.tier ?? fedTier;

  const stepCa = resolveStepCa(spec);
  // Links by endpoint, so resolving a node does not scan every link (linear in the federation's size).
  const linksFrom = groupBy(links, (l) => l.from);
  const linksTo = groupBy(links, (l) => l.to);
  const ctx: ResolveContext = { spec, fedTier, mtls, byId, links, linksFrom, linksTo, stepCa, loomClients: loomClientNodeIds(spec) };
  const sites: SiteModel[] = spec.sites.map((site) => resolveSite(site, ctx));
  const ca = spec.ca ?? {};
  return applyImportedPki(spec, options, {
    name: spec.name,
    domain: spec.domain,
    ca: {
      keyAlgorithm: KeyAlgorithm.fromName(ca.keyAlgorithm ?? DEFAULTS.keyAlgorithm)!,
      commonName: ca.commonName ?? `${spec.name} federation root CA`,
      organization: ca.organization ?? spec.name,
      rootValidityHours: (ca.rootValidityDays ?? DEFAULTS.rootValidityDays) * HOURS_PER_DAY,
      leafValidityHours: (ca.leafValidityDays ?? DEFAULTS.leafValidityDays) * HOURS_PER_DAY,
      earlyRenewalHours: (ca.earlyRenewalDays ?? DEFAULTS.earlyRenewalDays) * HOURS_PER_DAY,
    },
    sites,
    nodes: sites.flatMap((s) => s.nodes),
    links: links.map((l): LinkModel => {
      const tier = tierOf(byId.get(l.from)!.node);
      return { from: l.from, to: l.to, tier, mtls: tier !== 'none' && mtls };
    }),
    production: spec.production ?? false,
    ...(stepCa ? { stepCa } : {}),
  });
}

interface ResolveContext {
  readonly spec: FederationSpec;
  readonly fedTier: string;
  readonly mtls: boolean;
  readonly byId: Map<string, { site: SiteSpec; node: NodeSpec }>;
  readonly links: readonly { from: string; to: string }[];
  readonly linksFrom: ReadonlyMap<string, readonly { from: string; to: string }[]>;
  readonly linksTo: ReadonlyMap<string, readonly { from: string; to: string }[]>;
  readonly stepCa?: StepCaModel;
  /** SemStreams nodes some Loom gateway admits: they dial Loom with their certificate. */
  readonly loomClients: ReadonlySet<string>;
}

/** Networks, hosts entries and published challenge port that let a tier-acme node and step-ca reach each other. */
function acmeRouting(site: SiteSpec, ctx: ResolveContext, challenges: readonly number[]) {
  if (!ctx.stepCa) return { networks: [] as string[], hosts: [] as { host: string; ip: string }[], ports: [] as number[] };
  const route = stepCaRoute(ctx.spec, ctx.stepCa, site);
  // On step-ca's own host, challenges travel over the ACME network; elsewhere they arrive on the host's port.
  const remote = !sameMachine(site.docker, ctx.stepCa.placement);
  return { ...route, ports: remote ? [...challenges] : [] };
}

function resolveSite(site: SiteSpec, ctx: ResolveContext): SiteModel {
  const name = ctx.spec.name;
  const ownNats = site.nats?.urls === undefined;
  const natsUrls = site.nats?.urls ?? ['nats://nats:4222'];
  return {
    id: site.id,
    dockerHost: site.docker?.host ?? DEFAULTS.dockerHost,
    ...(site.docker?.certPath !== undefined ? { dockerCertPath: site.docker.certPath } : {}),
    ...(site.docker?.address !== undefined ? { address: site.docker.address } : {}),
    networkName: `${name}-${site.id}`,
    ...(ownNats ? {
      natsContainer: {
        name: `${name}-${site.id}-nats`,
        image: site.nats?.image ?? ctx.spec.images?.nats ?? DEFAULTS.images.nats,
        alias: 'nats',
        storeVolume: `${name}-${site.id}-nats-store`,
      },
    } : {}),
    natsUrls,
    nodes: site.nodes.map((n) => (n.kind === 'semstreams'
      ? resolveSemStreams(n, site, natsUrls, ctx)
      : resolveLoom(n, site, ctx))),
  };
}

function baseOf(n: NodeSpec, site: SiteSpec, ctx: ResolveContext) {
  const tier = (n.tier ?? ctx.fedTier) as NodeModel['tier'];
  return {
    id: n.id,
    siteId: site.id,
    fqdn: n.fqdn,
    dnsNames: unique([n.fqdn, ...(n.sans?.dns ?? [])]),
    ipAddresses: unique([...(n.sans?.ip ?? [])]),
    tier,
    minVersion: n.minVersion ?? ctx.spec.tls?.minVersion ?? DEFAULTS.minVersion,
    containerName: `${ctx.spec.name}-${n.id}`,
    suppressions: (n.suppressions ?? []).map((x) => ({ rule: x.rule, reason: x.reason })),
    publishAddress: site.docker?.bindAddress ?? DEFAULTS.bindAddress,
    limits: { memoryMb: n.limits?.memoryMb ?? DEFAULTS.limits.memoryMb },
  };
}

function resolveSemStreams(n: SemStreamsNodeSpec, site: SiteSpec, natsUrls: readonly string[], ctx: ResolveContext): SemStreamsNodeModel {
  const base = baseOf(n, site, ctx);
  const layout = CONTAINER_LAYOUT.semstreams;
  const tlsOn = base.tier !== 'none';
  const mtls = tlsOn && ctx.mtls;
  const clients = (ctx.linksFrom.get(n.id) ?? []).map((l) => ctx.byId.get(l.to)!.node);
  const upstreams = (ctx.linksTo.get(n.id) ?? []).map((l) => ctx.byId.get(l.from)!);

  const output = n.output && {
    port: n.output.port ?? DEFAULTS.semstreams.outputPort,
    path: n.output.path ?? DEFAULTS.semstreams.outputPath,
    subjects: [...(n.output.subjects ?? DEFAULTS.semstreams.subjects)],
    mtls,
    requireClientCert: mtls && (n.requireClientCert ?? ctx.spec.tls?.requireClientCert ?? DEFAULTS.requireClientCert),
    allowedClientCns: mtls ? unique(clients.map((c) => c.fqdn)).sort() : [],
  };

  const inputs = upstreams.map(({ node: up }): SemStreamsInputModel => {
    const upOut = (up as SemStreamsNodeSpec).output!;
    const port = upOut.port ?? DEFAULTS.semstreams.outputPort;
    const path = upOut.path ?? DEFAULTS.semstreams.outputPath;
    return {
      componentName: `from-${up.id}`,
      upstreamNodeId: up.id,
      url: `${tlsOn ? 'wss' : 'ws'}://${up.fqdn}:${port}${path}`,
      presentsClientCert: mtls,
    };
  });

  const serverAuth = tlsOn && output !== undefined;
  const clientAuth = mtls && (inputs.length > 0 || ctx.loomClients.has(n.id));
  const configFile = layout.configFile;
  const acme = base.tier === 'acme' && ctx.stepCa && (output || inputs.length > 0)
    ? resolveSemStreamsAcme(ctx.spec, ctx.stepCa, n, output !== undefined && inputs.length > 0) : undefined;
  const acmePorts = acme ? [...new Set([...(output ? [challengePort(acme.serverChallengeType)] : []), ...(inputs.length > 0 ? [challengePort(acme.challengeType)] : [])])] : [];
  const routing = acmeRouting(site, ctx, acmePorts);
  return {
    ...base,
    kind: 'semstreams',
    image: n.image ?? ctx.spec.images?.semstreams ?? DEFAULTS.images.semstreams,
    command: [...(n.command ?? ['--config', configFile])],
    paths: { certFile: layout.certFile(n.id), keyFile: layout.keyFile(n.id), caFile: layout.caFile, configFile },
    publishedPorts: [...(output ? [output.port] : []), ...routing.ports],
    extraHosts: [...extraHostsFor(site, upstreams), ...routing.hosts],
    extraNetworks: acme ? routing.networks : [],
    volumes: acme ? [{ name: acme.volumeName, mount: acme.volumeMount }] : [],
    // SemStreams' ACME client is lego: this variable makes its default HTTP client (which has timeouts) trust
    // step-ca's TLS, which chains to the federation root. `ca_bundle` would do the same without timeouts
    // (render/semstreams-config.ts).
    environment: acme ? { LEGO_CA_CERTIFICATES: layout.caFile } : {},
    ...(serverAuth || clientAuth ? { certificate: { commonName: n.fqdn, serverAuth, clientAuth } } : {}),
    platformType: n.platformType ?? DEFAULTS.semstreams.platformType,
    natsUrls: [...natsUrls],
    ...(output ? { output } : {}),
    inputs,
    insecureSkipVerify: n.insecureSkipVerify ?? ctx.spec.tls?.insecureSkipVerify ?? false,
    ...(acme ? { acme } : {}),
  };
}

/**
 * Hosts entries that let a node reach upstreams on other sites: through the host gateway when both sites
 * share a Docker host (sameMachine: addresses decide when both are given; the upstream publishes its port there), through the upstream site's address when
 * given; otherwise the FQDN must resolve through DNS. Same-site upstreams resolve by network alias.
 */
function extraHostsFor(site: SiteSpec, upstreams: readonly { site: SiteSpec; node: NodeSpec }[]) {
  const entries: { host: string; ip: string }[] = [];
  for (const up of upstreams) {
    if (up.site.id === site.id) continue;
    if (sameMachine(up.site.docker, site.docker)) entries.push({ host: up.node.fqdn, ip: 'host-gateway' });
    else if (up.site.docker?.address !== undefined) entries.push({ host: up.node.fqdn, ip: up.site.docker.address });
  }
  return entries.sort((a, b) => a.host.localeCompare(b.host));
}

function resolveLoom(n: LoomNodeSpec, site: SiteSpec, ctx: ResolveContext): LoomNodeModel {
  const base = baseOf(n, site, ctx);
  const layout = CONTAINER_LAYOUT.loom;
  const gatewayed = hasLoomGateway(n, base.tier);
  const tls = resolveLoomTls(n, base.tier, base.dnsNames, base.ipAddresses, ctx, gatewayed);
  const grpcPort = n.grpcPort ?? DEFAULTS.loom.grpcPort;
  const httpPort = n.httpPort ?? DEFAULTS.loom.httpPort;
  const configFile = layout.configFile;
  const viaStepCa = base.tier === 'acme' && tls.mode === 'letsencrypt';
  const routing = viaStepCa ? acmeRouting(site, ctx, [tls.httpChallengePort]) : { networks: [], hosts: [], ports: [] };
  const challenge = tls.mode === 'letsencrypt' && !viaStepCa ? [tls.httpChallengePort] : routing.ports;
  return {
    ...base,
    kind: 'loom',
    image: n.image ?? ctx.spec.images?.loom ?? DEFAULTS.images.loom,
    command: [...(n.command ?? ['serve', '--config', configFile])],
    paths: { certFile: layout.certFile(), keyFile: layout.keyFile(), caFile: layout.caFile, configFile },
    publishedPorts: [grpcPort, httpPort, ...challenge],
    extraHosts: routing.hosts,
    extraNetworks: routing.networks,
    volumes: [
      // Loom's data (its SQLite sessions, agents, artifacts) outlives the container, which a re-issued
      // certificate replaces. Without a writable data dir Loom exits at start ("unable to open database file").
      { name: `${ctx.spec.name}-${n.id}-data`, mount: layout.dataDir },
      // Loom keeps its ACME account in cache_dir.
      ...(tls.mode === 'letsencrypt' ? [{ name: `${ctx.spec.name}-${n.id}-letsencrypt`, mount: tls.cacheDir }] : []),
    ],
    environment: {
      LOOM_DATA_DIR: layout.dataDir,
      // Loom's ACME client (lego) trusts only the system pool or the file this variable names: against step-ca,
      // whose TLS chains to the federation root, Loom otherwise exits at start ("certificate signed by unknown authority").
      ...(viaStepCa ? { LEGO_CA_CERTIFICATES: layout.caFile } : {}),
    },
    ...(tls.mode === 'manual' ? { certificate: { commonName: n.fqdn, serverAuth: true, clientAuth: false } } : {}),
    grpcPort,
    httpPort,
    tls,
    extraConfig: n.extraConfig ?? {},
    ...(gatewayed && tls.mode === 'manual' ? {
      gateway: resolveLoomGateway({
        spec: ctx.spec, node: n, byId: ctx.byId, mtls: tls.mtls, minVersion: base.minVersion, publishedPorts: [grpcPort, httpPort, ...challenge],
      }),
    } : {}),
  };
}

function resolveLoomTls(n: LoomNodeSpec, tier: string, dnsNames: readonly string[], ips: readonly string[], ctx: ResolveContext, gatewayed: boolean): LoomTlsModel {
  if (tier === 'none') return { mode: 'disabled' };
  const t = n.tls ?? {};
  // Behind the gateway the published ports present the federation-issued certificate in every tier.
  const mode = t.mode ?? (tier === 'acme' && !gatewayed ? 'letsencrypt' : 'manual');
  if (mode === 'manual') {
    const mtls = t.mtls ?? ctx.mtls;
    return {
      mode,
      mtls,
      requireClientCert: mtls && (t.requireClientCert ?? ctx.spec.tls?.requireClientCert ?? DEFAULTS.requireClientCert),
    };
  }
  if (mode === 'self-signed') {
    const s = t.selfSigned ?? {};
    return {
      mode,
      hostnames: [...(s.hostnames ?? dnsNames)],
      ipAddresses: [...(s.ipAddresses ?? ips)],
      validityDays: s.validityDays ?? DEFAULTS.loom.selfSignedValidityDays,
      organization: s.organization ?? DEFAULTS.loom.selfSignedOrganization,
    };
  }
  const le = t.letsencrypt ?? {};
  // In tier acme, Loom's ACME server is step-ca's Loom provisioner, with day-granular renewal that fits it.
  const stepCa = tier === 'acme' ? ctx.stepCa : undefined;
  return {
    mode,
    domains: [...(le.domains ?? dnsNames)],
    email: le.email ?? (stepCa ? ctx.spec.acme?.email : undefined)!,
    acmeDirectoryUrl: stepCa ? stepCa.provisioners[1].directoryUrl : le.acmeDirectoryUrl ?? DEFAULTS.loom.acmeDirectoryUrl,
    httpChallengePort: le.httpChallengePort ?? DEFAULTS.loom.httpChallengePort,
    cacheDir: le.cacheDir ?? DEFAULTS.loom.cacheDir,
    autoRenew: le.autoRenew ?? true,
    renewBeforeDays: stepCa ? loomRenewBeforeDays(n) : le.renewBeforeDays ?? DEFAULTS.loom.renewBeforeDays,
    acceptTos: true,
  };
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Items by key, each group in the items' order. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return groups;
}
