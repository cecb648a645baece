/**
 * Docker hosts the multi-host check creates on this machine and removes again: each is a network namespace
 * (`fpki-h<i>`) with its own dockerd, joined to the root namespace by a veth pair on a test bridge. To the
 * federation they are separate machines: each has its own engine, its own address (10.231.0.1<i>) where its
 * published ports are reached, and its own container address pool.
 *
 *   root namespace: bridge fpki-hosts 10.231.0.1/24 ── veth fpki-h<i>-r ══ veth0 10.231.0.1<i> (netns fpki-h<i>)
 *                                                                              └ dockerd -H unix:///run/fpki-h<i>.sock
 *
 * Everything made here is named after `fpki-h<i>` / `fpki-hosts` (or tagged with that comment in iptables),
 * so teardown, and the setup's sweep of a crashed run's leftovers, find it by name and touch nothing else.
 * Needs root, `ip`, `dockerd` and `iptables`; `hostsBlocker` says what is missing.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const HOSTS_BRIDGE = 'fpki-hosts';
export const BRIDGE_ADDRESS = '10.231.0.1';
const BRIDGE_PREFIX = 24;
/** Tags the root namespace's iptables rule, so teardown deletes only its own. */
const RULE_COMMENT = 'fpki-hosts';
const ENGINE_START_MS = 60_000;

/** One created host: a namespace with its engine. */
export interface TestHost {
  readonly index: number;
  /** The network namespace's name, also the stem of every path the engine uses. */
  readonly name: string;
  /** Where other hosts (and the test) reach its published ports: `docker.address` in the spec. */
  readonly address: string;
  /** Its engine: `docker.host` in the spec. */
  readonly dockerHost: string;
  /** The engine's default-address-pool, routed from the root namespace through `address`. */
  readonly pool: string;
}

function hostOf(index: number): TestHost & { readonly bip: string; readonly dataRoot: string; readonly execRoot: string; readonly socket: string; readonly pidfile: string; readonly log: string; readonly rootVeth: string } {
  const name = `fpki-h${index}`;
  return {
    index,
    name,
    address: `10.231.0.1${index}`,
    socket: `/run/${name}.sock`,
    dockerHost: `unix:///run/${name}.sock`,
    // Each engine gets its own /16, distinct from the main engine's 172.17.0.0/16 and from each other:
    // networks from 10.2<i>.0.0/17, the default bridge at 10.2<i>.255.0/24 (outside the pool, so never reused).
    pool: `10.2${index}.0.0/16`,
    bip: `10.2${index}.255.1/24`,
    dataRoot: `/var/lib/${name}`,
    execRoot: `/run/${name}`,
    pidfile: `/run/${name}.pid`,
    log: `/run/${name}.log`,
    rootVeth: `${name}-r`,
  };
}

function sh(cmd: string, args: readonly string[], timeoutMs = 60_000): string {
  return execFileSync(cmd, [...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** For teardown: runs, never throws, says whether it worked. */
function attempt(cmd: string, args: readonly string[], timeoutMs = 60_000): boolean {
  return spawnSync(cmd, [...args], { encoding: 'utf8', timeout: timeoutMs, stdio: 'ignore' }).status === 0;
}

const inNs = (h: { name: string }, cmd: string, args: readonly string[]) => ['netns', 'exec', h.name, cmd, ...args];

/** What keeps this machine from creating the hosts, or undefined. */
export function hostsBlocker(): string | undefined {
  const missing: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('creating network namespaces and engines needs root');
  for (const tool of ['ip', 'nsenter', 'dockerd', 'iptables']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(`${tool} is not on PATH`);
  }
  return missing.length > 0 ? missing.join('; ') : undefined;
}

/** `docker -H <host's engine> …`. */
export function hostDocker(h: TestHost, args: readonly string[], timeoutMs = 120_000): string {
  return sh('docker', ['-H', h.dockerHost, ...args], timeoutMs);
}

function engineAnswers(socket: string): boolean {
  return existsSync(socket) && attempt('docker', ['-H', `unix://${socket}`, 'info', '--format', '{{.ID}}'], 10_000);
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function waitGone(pids: readonly number[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && pids.some(pidAlive)) await new Promise((r) => setTimeout(r, 250));
}

/**
 * Processes that belong to host `i` whatever state a crashed run left: its dockerd, containerd and shims
 * (their command lines name its exec/data roots) and its containers (in the cgroup parent given to its dockerd).
 */
function processesOf(h: ReturnType<typeof hostOf>): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const cgroup = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      if (cmdline.includes(`${h.execRoot}/`) || cmdline.includes(`${h.execRoot} `) || cmdline.includes(h.dataRoot) || cmdline.includes(h.socket)
        || cgroup.split('\n').some((l) => l.split(':')[2]?.startsWith(`/${h.name}/`))) out.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

function mountsUnder(prefixes: readonly string[]): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter(Boolean)
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)))
    .sort((a, b) => b.length - a.length);
}

/** Removes a cgroup directory tree bottom-up (cgroup directories go with rmdir, never rm -r). */
function removeCgroupTree(dir: string): void {
  let entries: string[] = [];
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e);
    try { if (statSync(p).isDirectory()) removeCgroupTree(p); } catch { /* raced */ }
  }
  try { rmdirSync(dir); } catch { /* still busy or gone */ }
}

/** Stops and removes host `i` and everything it made; safe on a host that never existed. */
async function removeHost(index: number): Promise<string[]> {
  const h = hostOf(index);
  const removed: string[] = [];
  if (engineAnswers(h.socket)) {
    // Its containers first, through the engine itself, so their mounts and netns go the ordinary way.
    const ids = spawnSync('docker', ['-H', h.dockerHost, 'ps', '-aq'], { encoding: 'utf8', timeout: 30_000 }).stdout?.split('\n').filter(Boolean) ?? [];
    if (ids.length > 0 && attempt('docker', ['-H', h.dockerHost, 'rm', '-f', '-v', ...ids], 120_000)) removed.push(`${ids.length} containers on ${h.name}`);
  }
  const pid = existsSync(h.pidfile) ? Number(readFileSync(h.pidfile, 'utf8').trim()) : NaN;
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    await waitGone([pid], 30_000);
    removed.push(`dockerd ${h.name} (pid ${pid})`);
  }
  // Whatever survived (a crashed run's containerd, shims, container processes): by pid, each one of ours.
  let rest = processesOf(h);
  if (rest.length > 0) {
    for (const p of rest) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    await waitGone(rest, 10_000);
    removed.push(`${rest.length} leftover processes of ${h.name}`);
    rest = processesOf(h);
  }
  for (const m of mountsUnder([h.dataRoot, h.execRoot])) if (attempt('umount', ['-l', m])) removed.push(`mount ${m}`);
  for (const p of [h.dataRoot, h.execRoot, h.socket, h.pidfile, h.log]) {
    if (existsSync(p)) { rmSync(p, { recursive: true, force: true }); removed.push(p); }
  }
  const cgroups = (existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []).map((ctrl) => join('/sys/fs/cgroup', ctrl, h.name)).filter(existsSync);
  for (const dir of cgroups) removeCgroupTree(dir);
  if (cgroups.length > 0) removed.push(`cgroup ${h.name} in ${cgroups.length} hierarchies`);
  if (attempt('ip', ['route', 'show', h.pool]) && sh('ip', ['route', 'show', h.pool]) !== '') {
    attempt('ip', ['route', 'del', h.pool]);
    removed.push(`route ${h.pool}`);
  }
  if (existsSync(`/run/netns/${h.name}`)) {
    attempt('ip', ['netns', 'del', h.name]);
    removed.push(`netns ${h.name}`);
  }
  if (attempt('ip', ['link', 'show', h.rootVeth])) {
    attempt('ip', ['link', 'del', h.rootVeth]);
    removed.push(`veth ${h.rootVeth}`);
  }
  return removed;
}

const forwardRule = ['FORWARD', '-i', HOSTS_BRIDGE, '-o', HOSTS_BRIDGE, '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];

/**
 * Removes every host, the bridge and the root namespace's rule: what this module made, found by name, also
 * after a crash. Returns what it removed (empty when nothing was there).
 */
export async function removeHosts(count = 3): Promise<string[]> {
  const removed: string[] = [];
  for (let i = 1; i <= count; i += 1) removed.push(...await removeHost(i));
  while (attempt('iptables', ['-C', ...forwardRule])) {
    attempt('iptables', ['-D', ...forwardRule]);
    removed.push('iptables FORWARD rule');
  }
  if (attempt('ip', ['link', 'show', HOSTS_BRIDGE])) {
    attempt('ip', ['link', 'del', HOSTS_BRIDGE]);
    removed.push(`bridge ${HOSTS_BRIDGE}`);
  }
  return removed;
}

/** What of the hosts still exists (for the check that teardown removed everything). */
export function hostsLeft(count = 3): string[] {
  const left: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    const h = hostOf(i);
    if (processesOf(h).length > 0) left.push(`processes of ${h.name}`);
    if (mountsUnder([h.dataRoot, h.execRoot]).length > 0) left.push(`mounts of ${h.name}`);
    for (const p of [h.dataRoot, h.execRoot, h.socket, h.pidfile, h.log]) if (existsSync(p)) left.push(p);
    if (existsSync(`/run/netns/${h.name}`)) left.push(`netns ${h.name}`);
    if (attempt('ip', ['link', 'show', h.rootVeth])) left.push(`veth ${h.rootVeth}`);
    if (sh('ip', ['route', 'show', h.pool]) !== '') left.push(`route ${h.pool}`);
    for (const ctrl of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) if (existsSync(join('/sys/fs/cgroup', ctrl, h.name))) left.push(`cgroup ${ctrl}/${h.name}`);
  }
  if (attempt('iptables', ['-C', ...forwardRule])) left.push('iptables FORWARD rule');
  if (attempt('ip', ['link', 'show', HOSTS_BRIDGE])) left.push(`bridge ${HOSTS_BRIDGE}`);
  return left;
}

/**
 * Creates `count` hosts, each with a running engine. The caller removes them with `removeHosts` (in a
 * `finally`): a half-made set is removed the same way.
 */
export async function createHosts(count = 3): Promise<TestHost[]> {
  sh('ip', ['link', 'add', HOSTS_BRIDGE, 'type', 'bridge']);
  sh('ip', ['addr', 'add', `${BRIDGE_ADDRESS}/${BRIDGE_PREFIX}`, 'dev', HOSTS_BRIDGE]);
  sh('ip', ['link', 'set', HOSTS_BRIDGE, 'up']);
  // The main engine sets FORWARD's policy to DROP, and with br_netfilter frames bridged between two hosts'
  // veths pass FORWARD too: without this rule location-b could not reach location-a's published port.
  sh('iptables', ['-I', ...forwardRule]);
  const hosts = [];
  for (let i = 1; i <= count; i += 1) {
    const h = hostOf(i);
    sh('ip', ['netns', 'add', h.name]);
    sh('ip', ['link', 'add', h.rootVeth, 'type', 'veth', 'peer', 'name', 'veth0', 'netns', h.name]);
    sh('ip', ['link', 'set', h.rootVeth, 'master', HOSTS_BRIDGE, 'up']);
    sh('ip', inNs(h, 'ip', ['link', 'set', 'lo', 'up']));
    sh('ip', inNs(h, 'ip', ['addr', 'add', `${h.address}/${BRIDGE_PREFIX}`, 'dev', 'veth0']));
    sh('ip', inNs(h, 'ip', ['link', 'set', 'veth0', 'up']));
    sh('ip', inNs(h, 'ip', ['route', 'add', 'default', 'via', BRIDGE_ADDRESS]));
    // The test (root namespace) talks to containers by their IP, as it does on the main engine: NATS is not
    // published. A route to the host's pool through its address gets it there.
    sh('ip', ['route', 'add', h.pool, 'via', h.address]);
    const log = openSync(h.log, 'a', 0o600);
    try {
      // nsenter --net, not `ip netns exec`: that one also gives the command a fresh mount namespace with its
      // own /sys, where the cgroup hierarchies dockerd needs are not mounted ("Devices cgroup isn't mounted").
      const child = spawn('nsenter', [`--net=/run/netns/${h.name}`, 'dockerd', 
        '--data-root', h.dataRoot, '--exec-root', h.execRoot, '--pidfile', h.pidfile, '-H', `unix://${h.socket}`,
        '--bip', h.bip, '--default-address-pool', `base=10.2${i}.0.0/17,size=24`,
        // Its containers in their own cgroup tree: a crashed run's container processes are found there.
        '--cgroup-parent', `/${h.name}`,
      ], { detached: true, stdio: ['ignore', log, log] });
      child.unref();
    } finally {
      closeSync(log);
    }
    hosts.push(h);
  }
  for (const h of hosts) {
    const until = Date.now() + ENGINE_START_MS;
    while (!engineAnswers(h.socket)) {
      if (Date.now() > until) throw new Error(`the engine of ${h.name} did not answer within ${ENGINE_START_MS / 1000} s: ${readFileSync(h.log, 'utf8').split('\n').filter(Boolean).slice(-3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Docker drops forwarded traffic to ports a container does not publish; the test reaches NATS (4222,
    // unpublished) from the root namespace, so traffic arriving over the veth is accepted. The dockerd made
    // DOCKER-USER when it started; rules added to it are kept until the namespace goes.
    sh('ip', inNs(h, 'iptables', ['-I', 'DOCKER-USER', '-i', 'veth0', '-j', 'ACCEPT']));
  }
  return hosts.map(({ index, name, address, dockerHost, pool }) => ({ index, name, address, dockerHost, pool }));
}

/** Copies images from the main engine into each host's engine (no registry: `docker save | docker load`). */
export function loadImages(hosts: readonly TestHost[], images: readonly string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'fpki-real-hosts-'));
  try {
    const tar = join(dir, 'images.tar');
    sh('docker', ['save', '-o', tar, ...images], 300_000);
    for (const h of hosts) hostDocker(h, ['load', '-q', '-i', tar], 300_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node -r ./scripts/ts-register.js test/real/hosts.ts up|down`: the same setup and teardown by hand.
if (require.main === module) {
  const verb = process.argv[2];
  (async () => {
    if (verb === 'down') { process.stdout.write(`${(await removeHosts()).join('\n')}\n`); return; }
    if (verb === 'up') {
      const blocked = hostsBlocker();
      if (blocked) throw new Error(blocked);
      await removeHosts();
      const hosts = await createHosts();
      process.stdout.write(`${hosts.map((h) => `${h.name} ${h.address} ${h.dockerHost} ${h.pool}`).join('\n')}\n`);
      return;
    }
    throw new Error('usage: hosts.ts up|down');
  })().catch((e) => { process.stderr.write(`${(e as Error).message}\n`); process.exitCode = 1; });
}
