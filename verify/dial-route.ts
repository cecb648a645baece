/**
 * Where `verify`, on the operator's machine, dials an endpoint by default: where the spec publishes it.
 * A site's published ports are reached at its `docker.address` (what other sites' hosts entries point
 * at); without one, at the host of a remote engine URL (tcp://, ssh://: the engine publishes ports on that
 * machine); otherwise by the node's FQDN, which DNS or /etc/hosts must resolve. The name sent as SNI and
 * checked against the certificate is the FQDN in every case.
 */
import { SiteModel } from '../model/model';

/** Why an endpoint is dialled where it is. */
export interface DialRoute {
  /**
   * `override`: the operator's `--endpoint` (a tunnel, a port forward); `address`: the site's
   * `docker.address`; `engine-host`: the host of the site's `docker.host` URL; `fqdn`: the node's FQDN.
   */
  readonly via: 'override' | 'address' | 'engine-host' | 'fqdn';
  /** The field or option behind it, e.g. `sites.location-a.docker.address`. */
  readonly reason: string;
}

/** The default place to dial a node of `site` whose FQDN is `fqdn`. */
export function dialRouteOf(site: Pick<SiteModel, 'id' | 'dockerHost' | 'address'>, fqdn: string): { host: string; route: DialRoute } {
  if (site.address !== undefined) {
    return { host: site.address, route: { via: 'address', reason: `sites.${site.id}.docker.address` } };
  }
  const engine = engineHostOf(site.dockerHost);
  if (engine !== undefined) {
    return { host: engine, route: { via: 'engine-host', reason: `host of sites.${site.id}.docker.host (${site.dockerHost}); no docker.address` } };
  }
  return { host: fqdn, route: { via: 'fqdn', reason: `the FQDN: site ${site.id} has no docker.address and a local engine socket (${site.dockerHost})` } };
}

/** The machine a remote engine URL names (`tcp://host:2376`, `ssh://user@host:22`), brackets off IPv6; undefined for a local socket. */
export function engineHostOf(dockerHost: string): string | undefined {
  if (!/^(tcp|ssh):\/\//.test(dockerHost)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(dockerHost).hostname;
  } catch {
    return undefined;
  }
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return bare.length > 0 ? bare : undefined;
}
