/** Real TLS on loopback: a server enforcing a SemStreams-style CN allow-list, and a client dialing it. */
import * as tls from 'tls';

export interface Identity { readonly cert?: string; readonly key?: string }

/**
 * Like SemStreams' websocket output with mTLS: client certificates must chain to `ca`; then the CN must be
 * on the allow-list (exact, case-sensitive). Admitted clients read "admitted".
 */
export function startAllowListServer(server: Required<Identity>, ca: string, allowedCns: readonly string[]): Promise<tls.Server> {
  const s = tls.createServer({ ...server, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (socket) => {
    const cn = socket.getPeerCertificate().subject?.CN;
    if (typeof cn === 'string' && allowedCns.includes(cn)) socket.end('admitted\n');
    else socket.destroy();
  });
  s.on('tlsClientError', () => undefined);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Dials `port` verifying the server as `servername` against `ca`; resolves with what was read, or the error code. */
export function dial(port: number, servername: string, ca: string, client: Identity): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca, ...client, timeout: 5000 });
    const done = (r: string) => { socket.destroy(); resolve(r); };
    socket.on('data', (d) => { data += d; });
    socket.on('end', () => done(data || 'closed'));
    socket.on('close', () => done(data || 'closed'));
    socket.on('timeout', () => done('timeout'));
    socket.on('error', (e) => done(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

export function portOf(server: tls.Server): number {
  return (server.address() as { port: number }).port;
}

export function close(server: tls.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}
