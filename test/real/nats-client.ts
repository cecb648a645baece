/**
 * The few NATS protocol verbs the tier needs (CONNECT, PUB, SUB, PING), over a plain TCP socket to a NATS
 * container the tier deployed. Text protocol: https://docs.nats.io/reference/reference-protocols/nats-protocol
 */
import * as net from 'net';

export interface NatsConnection {
  publish(subject: string, payload: string): void;
  /** Messages on `subject` from now on, pushed to `onMessage`. */
  subscribe(subject: string, onMessage: (payload: string) => void): void;
  /** Resolves once the server has answered a PING: everything sent before it was processed. */
  flush(): Promise<void>;
  close(): void;
}

export function connectNats(host: string, port = 4222, timeoutMs = 5000): Promise<NatsConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`NATS ${host}:${port}: no INFO within ${timeoutMs} ms`)); }, timeoutMs);
    let buffer = Buffer.alloc(0);
    let ready = false;
    let sid = 0;
    const handlers = new Map<string, (payload: string) => void>();
    const pongs: (() => void)[] = [];
    const conn: NatsConnection = {
      publish: (subject, payload) => {
        const body = Buffer.from(payload);
        socket.write(`PUB ${subject} ${body.length}\r\n`);
        socket.write(Buffer.concat([body, Buffer.from('\r\n')]));
      },
      subscribe: (subject, onMessage) => {
        sid += 1;
        handlers.set(String(sid), onMessage);
        socket.write(`SUB ${subject} ${sid}\r\n`);
      },
      flush: () => new Promise<void>((res) => { pongs.push(res); socket.write('PING\r\n'); }),
      close: () => socket.destroy(),
    };
    socket.on('error', (e) => { clearTimeout(timer); if (!ready) reject(e); });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.subarray(0, eol).toString();
        if (line.startsWith('MSG ')) {
          // MSG <subject> <sid> [reply-to] <#bytes>
          const parts = line.split(' ');
          const size = Number(parts[parts.length - 1]);
          if (buffer.length < eol + 2 + size + 2) return;
          const payload = buffer.subarray(eol + 2, eol + 2 + size).toString();
          buffer = buffer.subarray(eol + 2 + size + 2);
          handlers.get(parts[2])?.(payload);
          continue;
        }
        buffer = buffer.subarray(eol + 2);
        if (line.startsWith('INFO ') && !ready) {
          ready = true;
          clearTimeout(timer);
          socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name: 'federation-pki-real-tier', lang: 'node', protocol: 1 })}\r\n`);
          resolve(conn);
        } else if (line === 'PING') {
          socket.write('PONG\r\n');
        } else if (line === 'PONG') {
          pongs.shift()?.();
        }
      }
    });
  });
}
