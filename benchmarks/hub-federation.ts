/**
 * The benchmark's federations, generated in code: one hub site whose SemStreams node serves a websocket
 * output, and N leaf sites, each one SemStreams node that dials the hub (link hub -> leaf). The hub's
 * mTLS allow-list therefore names every leaf; each leaf holds a client certificate only.
 *
 * The plain-cdktf baseline (baseline-app.ts) declares the same resources from the same constants, so both
 * sides of a comparison describe one federation.
 */
import type { FederationSpec, SiteSpec } from '../model/spec';

/** Names shared by the library spec and the hand-written baseline. */
export const HUB = {
  name: 'bench',
  domain: 'bench.local',
  hubId: 'hub',
  hubPort: 9000,
  hubPath: '/ws',
} as const;

/** Leaf ids in order; `extra` adds one leaf after the others (`append`) or before them (`prepend`). */
export interface LeafLayout {
  /** Number of leaf sites before any extra one. */
  readonly leaves: number;
  /**
   * One more leaf, for plan-locality diffs.
   * @default none
   */
  readonly extra?: 'append' | 'prepend';
}

/** Leaf site id `site-0001` (zero-padded so ids sort like their numbers up to 9999). */
export function leafId(i: number): string {
  return `site-${String(i).padStart(4, '0')}`;
}

/** The leaf ids of a layout, in spec order. The extra leaf is `site-<leaves+1>` appended, or `site-0000` prepended. */
export function leafIds(layout: LeafLayout): string[] {
  const ids = Array.from({ length: layout.leaves }, (_, i) => leafId(i + 1));
  if (layout.extra === 'append') ids.push(leafId(layout.leaves + 1));
  if (layout.extra === 'prepend') ids.unshift(leafId(0));
  return ids;
}

export function fqdnOf(nodeId: string): string {
  return `${nodeId}.${HUB.domain}`;
}

/** The federation spec of a layout: hub site first, then the leaf sites. */
export function hubFederationSpec(layout: LeafLayout, keyAlgorithm?: string): FederationSpec {
  const leaves = leafIds(layout);
  const hub: SiteSpec = {
    id: HUB.hubId,
    nodes: [{ id: HUB.hubId, kind: 'semstreams', fqdn: fqdnOf(HUB.hubId), output: { port: HUB.hubPort, path: HUB.hubPath } }],
  };
  const leafSites: SiteSpec[] = leaves.map((id) => ({ id, nodes: [{ id, kind: 'semstreams', fqdn: fqdnOf(id) }] }));
  return {
    name: HUB.name,
    domain: HUB.domain,
    ...(keyAlgorithm ? { ca: { keyAlgorithm } } : {}),
    sites: [hub, ...leafSites],
    links: leaves.map((id) => ({ from: HUB.hubId, to: id })),
  };
}

/** Parses the child apps' command line: `<leaves> <outdir> [append|prepend]`. */
export function parseAppArgs(argv: readonly string[]): { layout: LeafLayout; outdir: string } {
  const [leavesArg, outdir, extra] = argv;
  const leaves = Number(leavesArg);
  if (!Number.isInteger(leaves) || leaves < 0 || !outdir) throw new Error('usage: <app> <leaves> <outdir> [append|prepend]');
  if (extra !== undefined && extra !== 'append' && extra !== 'prepend') throw new Error(`unknown extra leaf position: ${extra}`);
  return { layout: { leaves, ...(extra ? { extra } : {}) }, outdir };
}
