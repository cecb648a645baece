/** What the tier reads from the Docker engine: containers, networks and volumes of one federation. */
import { execFileSync, spawnSync } from 'child_process';
import { networkInterfaces } from 'os';

export function docker(args: readonly string[], timeoutMs = 120_000): string {
  return execFileSync('docker', [...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function tryDocker(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('docker', [...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: (r.stdout ?? '').trim(), stderr: (r.stderr ?? '').trim() };
}

export interface ContainerState {
  readonly name: string;
  readonly id: string;
  readonly status: string;
  readonly restartCount: number;
  readonly startedAt: string;
  readonly exitCode: number;
  /** IP on each network, by network name. */
  readonly ips: Readonly<Record<string, string>>;
}

const byLabel = (federation: string) => ['--filter', `label=federation-pki.federation=${federation}`];

/** Every container the federation's stacks created (they carry its label). */
export function containersOf(federation: string): ContainerState[] {
  const ids = docker(['ps', '-aq', ...byLabel(federation)]).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const raw = JSON.parse(docker(['inspect', ...ids])) as any[];
  return raw.map((c) => ({
    name: String(c.Name).replace(/^\//, ''),
    id: c.Id,
    status: c.State.Status,
    restartCount: c.RestartCount,
    startedAt: c.State.StartedAt,
    exitCode: c.State.ExitCode,
    ips: Object.fromEntries(Object.entries(c.NetworkSettings.Networks as Record<string, any>).map(([n, v]) => [n, v.IPAddress])),
  })).sort((a, b) => a.name.localeCompare(b.name));
}

export function networksOf(federation: string): string[] {
  return docker(['network', 'ls', '-q', ...byLabel(federation)]).split('\n').filter(Boolean);
}

/** Networks and volumes by name prefix (some are created without the label, e.g. the step-ca network). */
export function namedLike(kind: 'network' | 'volume', prefix: string): string[] {
  return docker([kind, 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n.startsWith(prefix)).sort();
}

export function allVolumes(): string[] {
  return docker(['volume', 'ls', '-q']).split('\n').filter(Boolean).sort();
}

export function logsOf(container: string, tail = 40): string {
  const r = spawnSync('docker', ['logs', '--tail', String(tail), container], { encoding: 'utf8', timeout: 30_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

/** The default bridge's address on this machine (docker0): every container can reach it. */
export function hostAddressForContainers(): string {
  // os.networkInterfaces() omits docker0 while no container uses it (the link is down); `ip` lists it.
  const addr = networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address
    ?? /inet (\d+\.\d+\.\d+\.\d+)/.exec(spawnSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }).stdout ?? '')?.[1];
  if (!addr) throw new Error('no IPv4 address on docker0 (the engine\'s default bridge)');
  return addr;
}
