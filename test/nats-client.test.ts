/**
 * The real-peer tier's NATS client and flow probe (test/real/nats-client.ts, flow.ts) against a real
 * nats-server (`.toolchain/bin/nats-server`, from scripts/install-toolchain.sh --nats, which `pretest` runs).
 * The tier's flow checks conclude "the links carry nothing" when the probe receives nothing: that holds only
 * if the client itself speaks NATS correctly, and if the probe cannot receive without a path.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { connectNats, NatsConnection } from './real/nats-client';
import { probeFlow } from './real/flow';
import { freePort, ServerProcess, startProcess, waitUntil } from './acme-test-helpers';

const NATS_SERVER = process.env.FPKI_NATS_SERVER_BIN ?? join(__dirname, '..', '.toolchain', 'bin', 'nats-server');

const dir = mkdtempSync(join(tmpdir(), 'fpki-nats-'));
const servers: ServerProcess[] = [];

/** A nats-server on loopback that PINGs every second and drops a client after two unanswered PINGs. */
async function startNats(): Promise<number> {
  // Not a skip: pretest installs it, so a missing binary is a failure.
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing: run scripts/install-toolchain.sh --nats`);
  const port = await freePort();
  const conf = join(dir, `nats-${port}.conf`);
  writeFileSync(conf, `listen: "127.0.0.1:${port}"\nping_interval: "1s"\nping_max: 2\n`);
  const server = startProcess(NATS_SERVER, ['-c', conf], { cwd: dir });
  servers.push(server);
  await waitUntil('nats-server', server, () => new Promise((res) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  }));
  return port;
}

let port: number;
let other: number;
beforeAll(async () => { [port, other] = [await startNats(), await startNats()]; }, 30_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `f` with a publishing and a subscribing connection to the first server, and closes both after. */
async function withPubSub(f: (pub: NatsConnection, sub: NatsConnection) => Promise<void>): Promise<void> {
  const [pub, sub] = await Promise.all([connectNats('127.0.0.1', port), connectNats('127.0.0.1', port)]);
  try {
    await f(pub, sub);
  } finally {
    pub.close();
    sub.close();
  }
}

describe('the tier\'s NATS client against a real nats-server', () => {
  test('a published message reaches a subscriber on another connection, byte for byte, whatever its size', () => withPubSub(async (pub, sub) => {
    const got: string[] = [];
    sub.subscribe('federated.data', (p) => got.push(p));
    await sub.flush();
    // A payload with the protocol's own line ending, and one far larger than a TCP read (split across chunks).
    const payloads = ['{"seq":1}', 'line one\r\nMSG fake 1 3\r\nabc', 'x'.repeat(200_000)];
    for (const p of payloads) pub.publish('federated.data', p);
    await pub.flush();
    const until = Date.now() + 5000;
    while (got.length < payloads.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(payloads);
  }));

  test('it answers the server\'s PINGs: a connection idle for 4 ping intervals still receives', () => withPubSub(async (pub, sub) => {
    const got: string[] = [];
    sub.subscribe('after.idle', (p) => got.push(p));
    await sub.flush();
    await new Promise((r) => setTimeout(r, 4500)); // the server drops a silent client after ~3 s
    pub.publish('after.idle', 'still here');
    await pub.flush();
    await sub.flush();
    expect(got).toEqual(['still here']);
  }), 15_000);

  test('connecting where nothing listens fails, not hangs', async () => {
    const closed = await freePort();
    await expect(connectNats('127.0.0.1', closed, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the flow probe against real nats-servers', () => {
  test('on one server (a path exists) the probe receives its messages', async () => {
    const r = await probeFlow('127.0.0.1', '127.0.0.1', 'federated.data', 5000, 100, { from: port, to: port });
    expect(r.received).toBeGreaterThan(0);
    expect(r.firstAfterMs).toBeLessThan(5000);
  });

  test('between two servers with no link the probe receives nothing: "nothing arrived" means no path', async () => {
    const r = await probeFlow('127.0.0.1', '127.0.0.1', 'federated.data', 2000, 100, { from: port, to: other });
    expect(r.sent).toBeGreaterThan(5);
    expect(r.received).toBe(0);
    expect(r.firstAfterMs).toBeUndefined();
  });
});
