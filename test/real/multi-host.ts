/**
 * The multi-host check of the real-peer tier: the built-in federation (examples/three-locations.yaml) with
 * each site on its own Docker host — three engines in network namespaces this check creates (./hosts.ts) —
 * deployed with ONE `cdktf deploy` of every stack, so the site stacks deploy in parallel and downstream nodes
 * may start before their upstream. With no restart by hand it must: run each site's containers on its own
 * engine, carry data A→B→C within 60 s of the deploy finishing, route each cross-host link over the
 * upstream site's `docker.address` (not host-gateway, not a container name), plan nothing on a second plan
 * and leave nothing behind on destroy. Done for several fresh deploys (FPKI_REAL_MULTI_HOST_ROUNDS, default 3).
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import type * as http from 'http';
import { resolveFederation } from '../../model/resolve';
import { FederationSpec } from '../../model/spec';
import { runVerify } from '../../verify';
import { assert, planIsEmpty, sleep, verifyInputs } from './deployed';
import { probeFlow } from './flow';
import { BRIDGE_ADDRESS, createHosts, hostDocker, hostsBlocker, hostsLeft, loadImages, removeHosts, TestHost } from './hosts';
import { ProgramName, RealEnvironment } from './prereqs';
import { progress } from './summary';
import { Workspace } from './workspace';

export const MULTI_HOST_ID = 'multi-host';
const EXAMPLE_FILE = 'examples/three-locations.yaml';
const SITES = ['location-a', 'location-b', 'location-c'] as const;
const FLOW_LIMIT_MS = 60_000;
const ROUNDS = Number(process.env.FPKI_REAL_MULTI_HOST_ROUNDS ?? 3);
/** The programs the example runs (tier manual: no step-ca). */
const PROGRAMS: readonly ProgramName[] = ['semstreams', 'loom', 'nats', 'gateway'];

/** What the tier's driver (run.ts) lends this check, so its checks land in the same summary. */
export interface MultiHostContext {
  readonly env: RealEnvironment;
  /** The images the tier built on the main engine, or why there are none. */
  readonly images: Partial<Record<ProgramName, string>> | string;
  readonly check: (example: string, name: string, blocked: string | undefined, fn: () => Promise<string>) => Promise<boolean>;
  readonly adaptSpec: (file: string, images: Partial<Record<ProgramName, string>>, llmEndpoint: string) => any;
  readonly stacksOf: (spec: FederationSpec) => { all: string[]; pki: string; sites: string[] };
  readonly startLlmStub: (address: string) => Promise<http.Server>;
  readonly blockerOf: (env: RealEnvironment, programs: readonly ProgramName[]) => string | undefined;
}


interface EngineContainer {
  readonly name: string;
  readonly site: string;
  readonly status: string;
  readonly restartCount: number;
  readonly pid: number;
  readonly startedAt: string;
  readonly extraHosts: readonly string[];
  readonly ips: Readonly<Record<string, string>>;
}

function containersOn(h: TestHost, federation: string): EngineContainer[] {
  const ids = hostDocker(h, ['ps', '-aq', '--filter', `label=federation-pki.federation=${federation}`]).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return (JSON.parse(hostDocker(h, ['inspect', ...ids])) as any[]).map((c) => ({
    name: String(c.Name).replace(/^\//, ''),
    site: c.Config.Labels?.['federation-pki.site'] ?? '',
    status: c.State.Status,
    restartCount: c.RestartCount,
    pid: c.State.Pid,
    startedAt: c.State.StartedAt,
    extraHosts: c.HostConfig.ExtraHosts ?? [],
    ips: Object.fromEntries(Object.entries(c.NetworkSettings.Networks as Record<string, any>).map(([n, v]) => [n, v.IPAddress])),
  })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The spec: the example as run.ts adapts it, each site on its own host's engine and address. */
function multiHostSpec(ctx: MultiHostContext, images: Partial<Record<ProgramName, string>>, hosts: readonly TestHost[], llmPort: number): any {
  const spec = ctx.adaptSpec(EXAMPLE_FILE, images, `http://${BRIDGE_ADDRESS}:${llmPort}`);
  SITES.forEach((id, i) => {
    const site = spec.sites.find((s: any) => s.id === id);
    assert(site, `${EXAMPLE_FILE} has no site ${id}`);
    site.docker = { host: hosts[i].dockerHost, address: hosts[i].address };
  });
  return spec;
}

interface Round {
  readonly n: number;
  readonly ws: Workspace;
  readonly spec: any;
  readonly name: string;
  readonly stacks: readonly string[];
  readonly hosts: readonly TestHost[];
  deployedAt?: number;
}

const hostOfSite = (r: Round, site: string) => r.hosts[SITES.indexOf(site as typeof SITES[number])];

function natsIpOf(r: Round, site: string): string {
  const c = containersOn(hostOfSite(r, site), r.name).find((x) => x.name === `${r.name}-${site}-nats`);
  assert(c, `no NATS container for ${site} on ${hostOfSite(r, site).name}`);
  const ip = c.ips[`${r.name}-${site}`];
  assert(ip, `NATS of ${site} has no address on the site network`);
  return ip;
}

/** The first error lines of a cdktf run, for a failure's detail (key text redacted: a plan can print it). */
function errorsIn(output: string): string {
  const lines = output.split('\n').filter((l) => /Error|error:/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim());
  return [...new Set(lines)].slice(0, 4).join(' | ').replace(/-----BEGIN[^|]*/g, '[redacted]') || 'see the workspace logs';
}

async function deployAll(r: Round): Promise<string> {
  const res = await r.ws.deploy(r.stacks);
  r.deployedAt = Date.now();
  if (res.status !== 0) throw new Error(`cdktf deploy exited ${res.status} after ${res.seconds.toFixed(0)} s: ${errorsIn(res.output)}`);
  return `one cdktf deploy of ${r.stacks.length} stacks (${r.stacks.join(', ')}) in ${res.seconds.toFixed(0)} s`;
}

/** Data A→B→C, published from the moment of the check until it arrives, within 60 s of the deploy finishing. */
async function flowWithinLimit(r: Round): Promise<string> {
  const left = FLOW_LIMIT_MS - (Date.now() - r.deployedAt!);
  assert(left > 0, 'the 60 s after the deploy were over before the flow check began');
  const res = await probeFlow(natsIpOf(r, 'location-a'), natsIpOf(r, 'location-c'), 'federated.data', left);
  const after = (Date.now() - r.deployedAt!) / 1000;
  assert(res.received > 0, `nothing published on location-a's NATS arrived on location-c's within 60 s of the deploy finishing (${res.sent} sent)`);
  const first = (FLOW_LIMIT_MS - left + res.firstAfterMs!) / 1000;
  return `${res.received}/${res.sent} messages A→B→C across three engines; the first arrived ${first.toFixed(1)} s after the deploy finished (check done at ${after.toFixed(1)} s), no restart by hand`;
}

/** Each site's containers on its own engine, all running; self-restarts (the restart policy's) are reported. */
function containersPlaced(r: Round): string {
  const problems: string[] = [];
  const seen: string[] = [];
  let restarts = 0;
  r.hosts.forEach((h, i) => {
    const site = SITES[i];
    const cs = containersOn(h, r.name);
    if (cs.length === 0) problems.push(`${h.name}: no containers of ${site}`);
    for (const c of cs) {
      if (c.site !== site) problems.push(`${c.name} (site ${c.site}) runs on ${h.name}, the engine of ${site}`);
      if (c.status !== 'running') problems.push(`${c.name} on ${h.name}: ${c.status}`);
      restarts += c.restartCount;
    }
    seen.push(`${h.name}: ${cs.map((c) => `${c.name}${c.restartCount > 0 ? ` (restarted itself ${c.restartCount}×)` : ''}`).join(', ')}`);
  });
  assert(problems.length === 0, problems.join('; '));
  return `${seen.join('; ')}; ${restarts} self-restarts in all; ${startOrder(r)}`;
}

/**
 * When the SemStreams nodes started, relative to the first, and which downstream started before its
 * upstream: what the parallel deploy did this time (reported, not asserted: the order varies).
 */
function startOrder(r: Round): string {
  const model = resolveFederation(r.spec);
  const started = new Map<string, number>();
  for (const n of model.nodes) {
    if (n.kind !== 'semstreams') continue;
    const c = containersOn(hostOfSite(r, n.siteId), r.name).find((x) => x.name === n.containerName);
    if (c) started.set(n.id, Date.parse(c.startedAt));
  }
  const first = Math.min(...started.values());
  const order = [...started.entries()].sort((a, b) => a[1] - b[1]).map(([id, t]) => `${id} +${((t - first) / 1000).toFixed(1)} s`);
  const early = model.links.filter((l) => (started.get(l.to) ?? 0) < (started.get(l.from) ?? 0)).map((l) => `${l.to} before ${l.from}`);
  return `started ${order.join(', ')} (downstream first: ${early.join(', ') || 'none'})`;
}

/** The IPv4 peers (address:port) of a process's ESTABLISHED TCP connections, read from its network namespace. */
function establishedPeers(pid: number): string[] {
  const peers: string[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try { text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '01') continue;
      const [addrHex, portHex] = f[2].split(':');
      // IPv4 is one little-endian word; in tcp6 an IPv4-mapped address ends in that word.
      const word = addrHex.slice(-8);
      if (file === 'tcp6' && !/^0{16}FFFF0{4}/i.test(addrHex)) continue;
      const ip = [6, 4, 2, 0].map((o) => parseInt(word.slice(o, o + 2), 16)).join('.');
      peers.push(`${ip}:${parseInt(portHex, 16)}`);
    }
  }
  return peers;
}

/** One file out of a container (`docker cp … -` writes a tar stream; the first entry is the file). */
function fileInContainer(h: TestHost, container: string, path: string): string {
  const tar = execFileSync('docker', ['-H', h.dockerHost, 'cp', `${container}:${path}`, '-'], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  const size = parseInt(tar.subarray(124, 136).toString().replace(/\0.*$/, '').trim(), 8);
  return tar.subarray(512, 512 + size).toString('utf8');
}

const urlsIn = (x: unknown): string[] => (typeof x === 'string' ? (/^wss?:\/\//.test(x) ? [x] : [])
  : Array.isArray(x) ? x.flatMap(urlsIn) : x && typeof x === 'object' ? Object.values(x).flatMap(urlsIn) : []);

/**
 * Each cross-host websocket link goes over the upstream site's address: the downstream's rendered config
 * (read back out of its container) dials the upstream's FQDN, the container maps that FQDN to the upstream
 * host's address, and the container holds an established connection to that address and port.
 */
/**
 * `verify` from this machine with no endpoint given (issue 17, item 7): it must dial every server where the
 * spec routes to it, the site's `docker.address` on another engine, and pass there.
 */
async function verifyByRouting(r: Round): Promise<string> {
  const model = resolveFederation(r.spec);
  const { ca, clients, canary } = verifyInputs(r.ws, `${r.name}-pki`);
  const run = await runVerify(model, { ca, clients, ...canary });
  const problems: string[] = [];
  for (const t of run.targets) {
    const site = model.sites.find((x) => x.id === t.siteId)!;
    if (t.route.via !== 'address' || t.host !== site.address) problems.push(`${t.id} dialled at ${t.host} (${t.route.via}), not at ${site.address}`);
  }
  assert(run.targets.length >= 4, `verify dialled ${run.targets.length} endpoints, expected location-a, location-b and Loom's two ports`);
  problems.push(...run.results.filter((x) => x.status !== 'pass').map((x) => `${x.target} ${x.check}: ${x.status} (${x.detail})`));
  assert(problems.length === 0, problems.join('; '));
  return `${run.targets.map((t) => `${t.id} at ${t.host}:${t.port} (${t.route.reason})`).join(', ')}: ${run.results.length} checks passed`;
}

function linksOverAddresses(r: Round): string {
  const model = resolveFederation(r.spec);
  const problems: string[] = [];
  const seen: string[] = [];
  for (const n of model.nodes) {
    if (n.kind !== 'semstreams' || n.inputs.length === 0) continue;
    const h = hostOfSite(r, n.siteId);
    const c = containersOn(h, r.name).find((x) => x.name === n.containerName);
    if (!c) { problems.push(`${n.id}: no container on ${h.name}`); continue; }
    const urls = urlsIn(JSON.parse(fileInContainer(h, c.name, '/etc/semstreams/config.json')));
    const peers = establishedPeers(c.pid);
    for (const input of n.inputs) {
      const up = model.nodes.find((x) => x.id === input.upstreamNodeId)!;
      const upHost = hostOfSite(r, up.siteId);
      const url = new URL(input.url);
      if (!urls.includes(input.url)) problems.push(`${n.id}: its config in the container does not dial ${input.url} (it has ${urls.join(', ') || 'no websocket URL'})`);
      if (url.hostname !== up.fqdn) problems.push(`${n.id} dials ${url.hostname}, not ${up.id}'s FQDN`);
      const mapped = c.extraHosts.filter((e) => e.startsWith(`${url.hostname}:`)).map((e) => e.slice(url.hostname.length + 1));
      if (mapped.length !== 1 || mapped[0] !== upHost.address) problems.push(`${n.id}: ${url.hostname} maps to ${mapped.join(', ') || 'nothing'} in the container, not ${upHost.address} (${upHost.name})`);
      const target = `${upHost.address}:${url.port}`;
      if (!peers.includes(target)) problems.push(`${n.id}: no established connection to ${target} (it has ${peers.join(', ') || 'none'})`);
      else seen.push(`${n.id} (${h.name}) → ${url.hostname} = ${target} (${upHost.name}), connected`);
    }
  }
  assert(seen.length > 0 || problems.length > 0, 'the example has no cross-site link');
  assert(problems.length === 0, problems.join('; '));
  return seen.join('; ');
}

const BUILTIN_NETWORKS = ['bridge', 'host', 'none'];

function leftOn(h: TestHost, federation: string): string[] {
  return [
    ...containersOn(h, federation).map((c) => `container ${c.name}`),
    ...hostDocker(h, ['network', 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n && !BUILTIN_NETWORKS.includes(n)).map((n) => `network ${n}`),
    ...hostDocker(h, ['volume', 'ls', '-q']).split('\n').filter(Boolean).map((v) => `volume ${v}`),
  ].map((x) => `${h.name}: ${x}`);
}

async function destroyClean(r: Round): Promise<string> {
  const res = await r.ws.destroy(r.stacks);
  assert(res.status === 0, `cdktf destroy exited ${res.status} after ${res.seconds.toFixed(0)} s: ${errorsIn(res.output)}`);
  const left = r.hosts.flatMap((h) => leftOn(h, r.name));
  assert(left.length === 0, `left behind: ${left.join(', ')}`);
  return `cdktf destroy in ${res.seconds.toFixed(0)} s; no container, network or volume left on ${r.hosts.map((h) => h.name).join(', ')}`;
}

/**
 * Empties the engines when an earlier round's destroy left something (that round's check already failed):
 * each round starts fresh, so one failed destroy does not fail every later deploy.
 */
function wipeEngines(hosts: readonly TestHost[], federation: string): string[] {
  const left = hosts.flatMap((h) => leftOn(h, federation));
  if (left.length === 0) return [];
  for (const h of hosts) {
    const ids = hostDocker(h, ['ps', '-aq']).split('\n').filter(Boolean);
    if (ids.length > 0) hostDocker(h, ['rm', '-f', '-v', ...ids]);
    const nets = hostDocker(h, ['network', 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n && !BUILTIN_NETWORKS.includes(n));
    if (nets.length > 0) hostDocker(h, ['network', 'rm', ...nets]);
    const vols = hostDocker(h, ['volume', 'ls', '-q']).split('\n').filter(Boolean);
    if (vols.length > 0) hostDocker(h, ['volume', 'rm', '-f', ...vols]);
  }
  return left;
}

const CHECKS = ['deploy', 'flow A→C within 60 s', 'containers on their engines', 'links over addresses', 'verify by the spec\'s routing', 'second plan empty', 'destroy leaves nothing'] as const;
const named = (check: string, n: number) => `${check} (deploy ${n}/${ROUNDS})`;

/** Runs the multi-host check: creates the hosts, `ROUNDS` fresh deploys, removes the hosts. */
export async function runMultiHost(ctx: MultiHostContext): Promise<void> {
  const all = Array.from({ length: ROUNDS }, (_, i) => CHECKS.map((c) => named(c, i + 1))).flat();
  const blocked = hostsBlocker() ?? ctx.blockerOf(ctx.env, PROGRAMS) ?? (typeof ctx.images === 'string' ? ctx.images || 'no images' : undefined);
  if (blocked) { for (const c of ['hosts', ...all, 'hosts removed']) await ctx.check(MULTI_HOST_ID, c, blocked, async () => ''); return; }
  const images = ctx.images as Record<ProgramName, string>;
  const cliConfig = (ctx.env.terraform as { cliConfig: string }).cliConfig;
  let hosts: TestHost[] = [];
  let stub: http.Server | undefined;
  try {
    const made = await ctx.check(MULTI_HOST_ID, 'hosts', undefined, async () => {
      const swept = await removeHosts();
      if (swept.length > 0) progress(`multi-host: removed leftovers of an earlier run: ${swept.join(', ')}`);
      hosts = await createHosts(SITES.length);
      const names = PROGRAMS.map((p) => images[p]);
      loadImages(hosts, names);
      // Loom checks its LLM before it listens: a stand-in where every host's containers reach the root namespace.
      stub = await ctx.startLlmStub(BRIDGE_ADDRESS);
      return `${hosts.map((h) => `${h.name} (${h.address}, ${h.dockerHost}, pool ${h.pool})`).join('; ')}; loaded ${names.join(', ')}; LLM stand-in on ${BRIDGE_ADDRESS}`;
    });
    for (let n = 1; n <= ROUNDS; n += 1) {
      if (!made) { for (const c of CHECKS) await ctx.check(MULTI_HOST_ID, named(c, n), 'the hosts could not be created', async () => ''); continue; }
      const spec = multiHostSpec(ctx, images, hosts, (stub!.address() as { port: number }).port);
      const wiped = wipeEngines(hosts, spec.name);
      if (wiped.length > 0) progress(`multi-host deploy ${n}/${ROUNDS}: emptied the engines first (the last destroy left ${wiped.join(', ')})`);
      const ws = new Workspace(`${MULTI_HOST_ID}-${n}`, cliConfig);
      ws.writeSpec(spec);
      const r: Round = { n, ws, spec, name: spec.name, stacks: ctx.stacksOf(spec).all, hosts };
      progress(`multi-host deploy ${n}/${ROUNDS}: workspace ${ws.dir}`);
      try {
        const deployed = await ctx.check(MULTI_HOST_ID, named('deploy', n), undefined, () => deployAll(r));
        const no = deployed ? undefined : 'deploy failed';
        await ctx.check(MULTI_HOST_ID, named('flow A→C within 60 s', n), no, () => flowWithinLimit(r));
        await ctx.check(MULTI_HOST_ID, named('containers on their engines', n), no, async () => containersPlaced(r));
        await ctx.check(MULTI_HOST_ID, named('links over addresses', n), no, async () => linksOverAddresses(r));
        await ctx.check(MULTI_HOST_ID, named('verify by the spec\'s routing', n), no, () => verifyByRouting(r));
        await ctx.check(MULTI_HOST_ID, named('second plan empty', n), no, () => planIsEmpty(r.ws, r.stacks));
      } finally {
        await ctx.check(MULTI_HOST_ID, named('destroy leaves nothing', n), undefined, () => destroyClean(r));
        if (!process.env.FPKI_REAL_KEEP_WORKSPACE) ws.remove();
      }
      await sleep(1000);
    }
  } finally {
    stub?.close();
    await ctx.check(MULTI_HOST_ID, 'hosts removed', undefined, async () => {
      const removed = await removeHosts(SITES.length);
      const left = hostsLeft(SITES.length);
      assert(left.length === 0, `still there after teardown: ${left.join(', ')}`);
      return `removed ${removed.length}: ${removed.join(', ')}; nothing of fpki-h1..${SITES.length} or ${'fpki-hosts'} is left`;
    });
  }
}
