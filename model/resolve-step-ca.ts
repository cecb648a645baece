/**
 * step-ca's part of the model: where it runs, which names reach it, its ACME provisioners, and what
 * a tier-acme node needs to use it.
 */
import { ACME_STORAGE, DEFAULTS } from './defaults';
import { sameMachine } from './host-identity';
import { formatGoDuration } from './duration';
import { AcmeProvisionerModel, SemStreamsAcmeModel, StepCaModel } from './model';
import { FederationSpec, LoomNodeSpec, NodeSpec, SiteSpec } from './spec';

const DAY_SECONDS = 86_400;

export const dockerHostOf = (site: SiteSpec) => site.docker?.host ?? DEFAULTS.dockerHost;

/** Nodes whose tier is acme, with their sites. */
export function acmeNodes(spec: FederationSpec): { site: SiteSpec; node: NodeSpec }[] {
  const fedTier = spec.tier ?? DEFAULTS.tier;
  return spec.sites.flatMap((site) => site.nodes.filter((n) => (n.tier ?? fedTier) === 'acme').map((node) => ({ site, node })));
}

/** Loom servers that take their certificate from step-ca (tier acme, letsencrypt mode). */
export function loomAcmeNodes(spec: FederationSpec): LoomNodeSpec[] {
  return acmeNodes(spec).map((e) => e.node).filter((n): n is LoomNodeSpec => n.kind === 'loom' && n.gateway?.enabled === false && (n.tls?.mode ?? 'letsencrypt') === 'letsencrypt');
}

/** Loom's renew_before_days under step-ca (it renews in whole days, checked daily). */
export function loomRenewBeforeDays(n: LoomNodeSpec): number {
  return n.tls?.letsencrypt?.renewBeforeDays ?? DEFAULTS.acme.loomRenewBeforeDays;
}

/**
 * Lifetime of Loom's certificates from step-ca. Loom checks once a day and renews when at most
 * renew_before_days remain, so a 24-hour certificate could expire between two checks: Loom gets its
 * own provisioner whose certificates last renew_before_days plus two daily checks.
 */
export function loomCertificateSeconds(spec: FederationSpec): number {
  const days = Math.max(...loomAcmeNodes(spec).map(loomRenewBeforeDays));
  return (days + 2) * DAY_SECONDS;
}

export function resolveStepCa(spec: FederationSpec): StepCaModel | undefined {
  const s = spec.stepCa;
  if (!s) return undefined;
  const site = spec.sites.find((x) => x.id === s.site)!;
  const dnsNames = [...(s.dnsNames ?? [`step-ca.${spec.domain}`])];
  const port = s.port ?? DEFAULTS.stepCa.port;
  const base = `https://${dnsNames[0]}:${port}/acme`;
  const provisionerName = s.provisioner ?? DEFAULTS.stepCa.provisioner;
  const duration = s.certificateDuration ?? DEFAULTS.stepCa.certificateDuration;
  const provisioners: AcmeProvisionerModel[] = [{
    name: provisionerName,
    defaultDuration: duration,
    minDuration: DEFAULTS.stepCa.minCertificateDuration,
    maxDuration: duration,
    directoryUrl: `${base}/${provisionerName}/directory`,
  }];
  if (loomAcmeNodes(spec).length > 0) {
    const loomDuration = formatGoDuration(loomCertificateSeconds(spec));
    provisioners.push({
      name: `${provisionerName}-loom`,
      defaultDuration: loomDuration,
      minDuration: DEFAULTS.stepCa.minCertificateDuration,
      maxDuration: loomDuration,
      directoryUrl: `${base}/${provisionerName}-loom/directory`,
    });
  }
  // Challenges for nodes on other Docker hosts go to their site's address.
  const extraHosts = acmeNodes(spec)
    .filter((e) => !sameMachine(e.site.docker, site.docker) && e.site.docker?.address !== undefined)
    .map((e) => ({ host: e.node.fqdn, ip: e.site.docker!.address! }))
    .sort((a, b) => a.host.localeCompare(b.host));
  const remoteUsers = acmeNodes(spec).some((e) => !sameMachine(e.site.docker, site.docker));
  const intermediateDays = s.intermediateValidityDays ?? DEFAULTS.stepCa.intermediateValidityDays;
  return {
    siteId: site.id,
    stackName: `${spec.name}-step-ca`,
    dockerHost: dockerHostOf(site),
    placement: { host: dockerHostOf(site), ...(site.docker?.address !== undefined ? { address: site.docker.address } : {}) },
    ...(site.docker?.certPath !== undefined ? { dockerCertPath: site.docker.certPath } : {}),
    containerName: `${spec.name}-step-ca`,
    image: s.image ?? DEFAULTS.stepCa.image,
    port,
    dnsNames,
    networkName: `${spec.name}-acme`,
    dbVolumeName: `${spec.name}-step-ca-db`,
    allowedDomain: spec.domain,
    intermediateValidityHours: intermediateDays * 24,
    // Re-issue the intermediate a tenth of its life before expiry (at least a day).
    intermediateEarlyRenewalHours: Math.max(24, Math.floor(intermediateDays * 24 / 10)),
    provisioners,
    directoryUrl: provisioners[0].directoryUrl,
    publishedPorts: remoteUsers ? [port] : [],
    extraHosts,
  };
}

/** How a tier-acme node reaches step-ca: the ACME network on step-ca's host, else a hosts entry to its site. */
export function stepCaRoute(spec: FederationSpec, stepCa: StepCaModel, site: SiteSpec): { networks: string[]; hosts: { host: string; ip: string }[] } {
  if (sameMachine(site.docker, stepCa.placement)) return { networks: [stepCa.networkName], hosts: [] };
  const caSite = spec.sites.find((x) => x.id === stepCa.siteId)!;
  const address = caSite.docker?.address;
  return { networks: [], hosts: address ? stepCa.dnsNames.map((host) => ({ host, ip: address })) : [] };
}

/** The other challenge type, on the other port. */
export function otherChallengeType(t: 'http-01' | 'tls-alpn-01'): 'http-01' | 'tls-alpn-01' {
  return t === 'http-01' ? 'tls-alpn-01' : 'http-01';
}

/**
 * A SemStreams node's ACME block (the guide's tier 3 fields). A hub (server and client sides both on ACME)
 * runs two ACME clients for the same name, each binding its challenge port (http-01 :80, tls-alpn-01 :443):
 * with one challenge type both bind the same port at once and the loser silently keeps the fallback
 * certificate (seen with SemStreams a12473c). So a hub's client side uses the spec's challenge type and its
 * server side the other one.
 */
export function resolveSemStreamsAcme(spec: FederationSpec, stepCa: StepCaModel, node: NodeSpec, hub = false): SemStreamsAcmeModel {
  const acme = spec.acme ?? {};
  const challengeType = acme.challengeType ?? (DEFAULTS.acme.challengeType as 'http-01');
  return {
    directoryUrl: stepCa.directoryUrl,
    email: acme.email!,
    domains: [node.fqdn],
    challengeType,
    serverChallengeType: hub ? otherChallengeType(challengeType) : challengeType,
    renewBefore: acme.renewBefore ?? DEFAULTS.acme.renewBefore,
    serverStoragePath: ACME_STORAGE.server,
    clientStoragePath: ACME_STORAGE.client,
    volumeName: `${spec.name}-${node.id}-acme`,
    volumeMount: ACME_STORAGE.mount,
  };
}

/** The port an ACME challenge connects to on the node. */
export function challengePort(challengeType: string): number {
  return challengeType === 'tls-alpn-01' ? 443 : 80;
}
