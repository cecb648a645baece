/**
 * Whether two sites' Docker engines run on one machine. The `docker.host` URL alone cannot say: sites that
 * each deploy from their own machine over the local socket all have `unix:///var/run/docker.sock`. When
 * both sites give a `docker.address` (where others reach their published ports), the addresses decide;
 * otherwise the host URLs do. Sites on one machine reach each other's published ports through the host
 * gateway, and their published ports must not clash.
 */
import { DEFAULTS } from './defaults';

export interface DockerPlacement { readonly host?: unknown; readonly address?: unknown }

export function hostUrlOf(d: DockerPlacement | undefined): string {
  return typeof d?.host === 'string' ? d.host : DEFAULTS.dockerHost;
}

export function sameMachine(a: DockerPlacement | undefined, b: DockerPlacement | undefined): boolean {
  if (typeof a?.address === 'string' && typeof b?.address === 'string') return a.address === b.address;
  return hostUrlOf(a) === hostUrlOf(b);
}
