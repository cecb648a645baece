/**
 * What a reviewer should look at twice: plaintext between sites, mTLS that checks no CN, servers that admit
 * clients without a certificate, links between machines that only DNS can route — and what a spec cannot
 * tell (whether deployed certificates are due).
 */
import { sameMachine } from '../model/host-identity';
import { FederationModel, SiteModel } from '../model/model';

export type WarningKind =
  | 'plaintext-between-sites' | 'cross-host-link-by-name' | 'loom-without-gateway' | 'loom-admits-nobody' | 'client-certificate-optional'
  | 'renewal-window-unknown';

export interface ReportWarning {
  readonly kind: WarningKind;
  /** The node or link it is about (`a -> b` for links), or `(federation)`. */
  readonly subject: string;
  readonly message: string;
}

/** The warnings of a federation, in a fixed order: by kind, then spec order. */
export function deriveWarnings(model: FederationModel): ReportWarning[] {
  const warnings: ReportWarning[] = [];
  const siteOf = new Map(model.nodes.map((n) => [n.id, n.siteId]));
  for (const l of model.links) {
    const from = siteOf.get(l.from)!;
    const to = siteOf.get(l.to)!;
    if (l.tier === 'none' && from !== to) {
      warnings.push({
        kind: 'plaintext-between-sites',
        subject: `${l.from} -> ${l.to}`,
        message: `tier none on a link between sites ${from} and ${to}: ${l.to} reads ${l.from}'s stream over plain ws://, unencrypted and unauthenticated (SemStreams guide: tier 1 is for trusted networks only)`,
      });
    }
  }
  warnings.push(...crossHostLinksByName(model));
  for (const n of model.nodes) {
    if (n.kind === 'loom' && n.tier !== 'none' && !n.gateway) {
      warnings.push({
        kind: 'loom-without-gateway',
        subject: n.id,
        message: `${n.id} owns its published ports without the mTLS gateway: Loom v1.4.0 checks no client certificate, and its HTTP port ${n.httpPort} is plaintext, running agent queries for anyone who reaches it`,
      });
    }
    if (n.kind === 'loom' && n.gateway?.mtls && n.gateway.allowedClients.length === 0) {
      warnings.push({
        kind: 'loom-admits-nobody',
        subject: n.id,
        message: `${n.id}'s gateway requires client certificates but allowedClients is empty: nobody can connect (security policy FPKI-EMPTY-CLIENT-CN-ALLOWLIST)`,
      });
    }
  }
  for (const n of model.nodes) {
    const optional = n.kind === 'semstreams'
      ? n.output !== undefined && n.output.mtls && !n.output.requireClientCert
      : n.tls.mode === 'manual' && n.tls.mtls && !n.tls.requireClientCert;
    if (optional) {
      warnings.push({
        kind: 'client-certificate-optional',
        subject: n.id,
        message: `${n.id} has require_client_cert: false: clients without a certificate are admitted (SemStreams guide: optional mode only for gradual rollout)`,
      });
    }
  }
  if (model.nodes.some((n) => n.certificate !== undefined)) {
    warnings.push({
      kind: 'renewal-window-unknown',
      subject: '(federation)',
      message: 'whether deployed certificates are inside their renewal window cannot be known from a spec: run `federation-pki verify` against the deployed endpoints (it warns below --warn-days, default 30)',
    });
  }
  return warnings;
}

/**
 * Links between sites on different machines whose upstream site gives no `docker.address`: the downstream
 * then dials the upstream's FQDN with no hosts entry (model/resolve.ts extraHostsFor), so the name must
 * resolve on the downstream's host. Not an error: it may well be in DNS.
 */
function crossHostLinksByName(model: FederationModel): ReportWarning[] {
  const sites = new Map(model.sites.map((s) => [s.id, s]));
  const nodes = new Map(model.nodes.map((n) => [n.id, n]));
  const placement = (s: SiteModel) => ({ host: s.dockerHost, ...(s.address !== undefined ? { address: s.address } : {}) });
  const out: ReportWarning[] = [];
  for (const l of model.links) {
    const up = nodes.get(l.from)!;
    const down = nodes.get(l.to)!;
    const upSite = sites.get(up.siteId)!;
    const downSite = sites.get(down.siteId)!;
    if (upSite.id === downSite.id || upSite.address !== undefined || sameMachine(placement(upSite), placement(downSite))) continue;
    const port = up.kind === 'semstreams' && up.output ? `:${up.output.port}` : '';
    out.push({
      kind: 'cross-host-link-by-name',
      subject: `${l.from} -> ${l.to}`,
      message: `sites ${upSite.id} and ${downSite.id} are on different Docker hosts (${upSite.dockerHost}, ${downSite.dockerHost}) and site ${upSite.id} gives no address (sites.${upSite.id}.docker.address): node ${down.id} dials ${up.fqdn}${port} by name, which must then resolve on ${downSite.id}'s host (DNS) to where ${upSite.id} publishes it; otherwise set sites.${upSite.id}.docker.address`,
    });
  }
  return out;
}
