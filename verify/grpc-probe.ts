/**
 * A gRPC call over HTTP/2 after a real TLS handshake: what `verify` sends to a gRPC port. A gRPC server
 * closes any connection that does not start with the HTTP/2 preface, for every client (loom.md), so an
 * HTTP/1.1 request there tells nothing about client authentication; a gRPC call does. Any gRPC status
 * from the server proves the call got through (Loom answers its health call with 0, OK); a refusal is a
 * TLS alert, a closed connection, or the gateway's PermissionDenied.
 */
import { ClientHttp2Session, connect as connectHttp2, constants } from 'http2';
import { connect, TLSSocket } from 'tls';
import { AfterHandshake, ProbeOptions, ProbeOutcome, probe } from './probe';

/**
 * The call `verify` makes: Loom's own health RPC, whose request message is empty. Loom v1.4.0 registers no
 * standard grpc.health.v1 service (that call answers 12, unimplemented); LoomService/GetHealth answers OK.
 */
export const GRPC_HEALTH_PATH = '/loom.v1.LoomService/GetHealth';
/** A gRPC message frame: not compressed, length 0 (an empty GetHealthRequest). */
const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

/** gRPC status names for the details `verify` prints. */
export const GRPC_STATUS: Readonly<Record<number, string>> = {
  0: 'OK', 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 15: 'DATA_LOSS', 16: 'UNAUTHENTICATED',
};

/**
 * Dials once and, when `call` is true, makes the health call over HTTP/2 (ALPN h2). Without a call it is
 * a plain handshake probe offering h2. Never rejects.
 */
export async function grpcProbe(o: Omit<ProbeOptions, 'request'> & { readonly call: boolean }): Promise<ProbeOutcome> {
  if (!o.call) return probe({ ...o, alpn: ['h2'] });
  const timeoutMs = o.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    let settled = false;
    let established: Omit<Extract<ProbeOutcome, { kind: 'established' }>, 'after'> | undefined;
    let session: ClientHttp2Session | undefined;
    let socket: TLSSocket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      session?.destroy();
      socket?.destroy();
      resolve(r);
    };
    const after = (a: AfterHandshake) => finish({ ...established!, after: a });
    const failed = (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERR_TLS';
      if (established) after({ kind: 'alert', code, message: firstLine(e.message) });
      else finish({ kind: 'handshake-error', code, message: firstLine(e.message), local: false });
    };
    timer = setTimeout(() => {
      if (established) after({ kind: 'open' });
      else finish({ kind: 'connect-error', code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs} ms` });
    }, timeoutMs);
    try {
      socket = connect({
        host: o.host, port: o.port, servername: /^[\d.]+$|:/.test(o.servername) ? undefined : o.servername,
        ca: o.ca, cert: o.cert, key: o.key, minVersion: o.minVersion, maxVersion: o.maxVersion, ciphers: o.ciphers,
        ALPNProtocols: ['h2'], rejectUnauthorized: false,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      finish({ kind: 'handshake-error', code: err.code ?? 'ERR_LOCAL', message: err.message, local: true });
      return;
    }
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!established && /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL/.test(e.code ?? '')) {
        finish({ kind: 'connect-error', code: e.code!, message: firstLine(e.message) });
      } else failed(e);
    });
    socket.on('close', () => {
      if (!established) finish({ kind: 'handshake-error', code: 'ECONNRESET', message: 'the server closed the connection during the handshake', local: false });
    });
    socket.once('secureConnect', () => {
      const s = socket!;
      established = {
        kind: 'established', protocol: s.getProtocol() ?? 'unknown', peer: s.getPeerCertificate(true), authorized: s.authorized,
        ...(s.authorizationError ? { authorizationError: String((s.authorizationError as NodeJS.ErrnoException).code ?? s.authorizationError) } : {}),
      };
      session = connectHttp2(`https://${o.servername}:${o.port}`, { createConnection: () => s });
      session.on('error', failed);
      session.on('close', () => after({ kind: 'closed' }));
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST', [constants.HTTP2_HEADER_PATH]: GRPC_HEALTH_PATH,
        'content-type': 'application/grpc', 'te': 'trailers', 'user-agent': 'federation-pki-verify',
      });
      let status: number | undefined;
      let grpcStatus: number | undefined;
      const read = (h: Record<string, unknown>) => {
        if (h['grpc-status'] !== undefined) grpcStatus = Number(h['grpc-status']);
      };
      stream.on('response', (h) => { status = Number(h[':status']); read(h); });
      stream.on('trailers', read);
      stream.on('error', failed);
      stream.on('close', () => {
        if (status === undefined) { after({ kind: 'closed' }); return; }
        const name = grpcStatus !== undefined ? ` grpc-status ${grpcStatus} (${GRPC_STATUS[grpcStatus] ?? 'unknown'})` : '';
        after({ kind: 'data', text: `HTTP/2 ${status}${name}`, httpStatus: status, ...(grpcStatus !== undefined ? { grpcStatus } : {}) });
      });
      stream.resume();
      stream.end(EMPTY_MESSAGE);
    });
  });
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}
