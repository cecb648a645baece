/**
 * Federation traffic seen from outside: a message published on one site's NATS must arrive on another's
 * through the websocket links (A → B → C, mTLS on every hop).
 */
import { randomBytes } from 'crypto';
import { connectNats } from './nats-client';

export interface FlowResult { readonly sent: number; readonly received: number; readonly firstAfterMs?: number }

/**
 * Publishes a probe every `intervalMs` on `fromHost` until one arrives on `toHost` (or `timeoutMs` passes).
 * Repeated publishing covers links that are still connecting: the output forwards only what is published
 * while a client is connected.
 */
export async function probeFlow(fromHost: string, toHost: string, subject: string, timeoutMs: number, intervalMs = 500,
  ports: { readonly from?: number; readonly to?: number } = {}): Promise<FlowResult> {
  const token = randomBytes(8).toString('hex');
  const [pub, sub] = await Promise.all([connectNats(fromHost, ports.from), connectNats(toHost, ports.to)]);
  const started = Date.now();
  let received = 0;
  let firstAfterMs: number | undefined;
  try {
    sub.subscribe(subject, (payload) => {
      if (payload.includes(token)) {
        received += 1;
        if (firstAfterMs === undefined) firstAfterMs = Date.now() - started;
      }
    });
    await sub.flush();
    let sent = 0;
    while (Date.now() - started < timeoutMs && received === 0) {
      sent += 1;
      pub.publish(subject, JSON.stringify({ probe: token, seq: sent }));
      await pub.flush();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    // A short burst after the first arrival: the link carries a stream, not one lucky message.
    if (received > 0) {
      const before = received;
      for (let i = 0; i < 20; i += 1) { sent += 1; pub.publish(subject, JSON.stringify({ probe: token, seq: sent })); }
      await pub.flush();
      const until = Date.now() + 5000;
      while (Date.now() < until && received < before + 20) await new Promise((r) => setTimeout(r, 100));
    }
    return { sent, received, ...(firstAfterMs !== undefined ? { firstAfterMs } : {}) };
  } finally {
    pub.close();
    sub.close();
  }
}
