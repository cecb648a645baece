/** Shared by the real ACME tests: free loopback ports, a CA process with its log, openssl. */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as net from 'net';

/** A port free on 127.0.0.1 right now (for a CA flag that must name it before anything listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A started server process whose output is kept for failure messages. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when it has exited. */
  stop(): Promise<void>;
}

export function startProcess(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ServerProcess {
  const child = spawn(command, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  child.on('error', (e) => { output += `\n[spawn error] ${e.message}\n`; });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    child,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Polls `probe` every 100 ms until it resolves true; fails with the process log after `timeoutMs`. */
export async function waitUntil(what: string, server: ServerProcess, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`${what}: the process exited with ${server.child.exitCode}:\n${server.log()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms:\n${server.log()}`);
}

/** Runs openssl in `cwd`; returns stdout, throws with stderr. */
export function openssl(cwd: string, ...args: string[]): string {
  return execFileSync('openssl', args, { cwd, stdio: 'pipe' }).toString();
}

/** The PEM blocks of a bundle, in order. */
export function pemBlocks(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((b) => b.trimEnd() + '\n') ?? [];
}
