/**
 * One real TLS connection and what happened on it: whether TCP connected, whether the handshake completed
 * (and who ended it), the server's certificate and its validation, and — after an HTTP request — whether
 * the server then talked to us or hung up. Everything `verify` concludes is read from these.
 */
import { PeerCertificate, SecureVersion, connect } from 'tls';

export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  /** SNI and the name checked against the certificate. */
  readonly servername: string;
  /** Roots to validate the server against; undefined: Node's default roots. */
  readonly ca?: string;
  /** Client certificate and key, PEM. */
  readonly cert?: string;
  readonly key?: string;
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  readonly ciphers?: string;
  /** Bytes to send once the handshake completes (an HTTP request), to see whether the server admits us. */
  readonly request?: string;
  /** ALPN protocols to offer. @default none */
  readonly alpn?: readonly string[];
  /** Milliseconds for TCP + handshake, and again for the server's answer. @default 5000 */
  readonly timeoutMs?: number;
}

/** What a probe saw. */
export type ProbeOutcome =
  /** No TLS at all: TCP refused, unreachable, or no handshake in time. */
  | { readonly kind: 'connect-error'; readonly code: string; readonly message: string }
  /** TLS failed before the handshake completed. `local`: this machine could not even offer the handshake asked for. */
  | { readonly kind: 'handshake-error'; readonly code: string; readonly message: string; readonly local: boolean }
  | {
    readonly kind: 'established';
    readonly protocol: string;
    readonly peer: PeerCertificate;
    /** The server's certificate chains to `ca` (or the default roots) and is within its validity. */
    readonly authorized: boolean;
    readonly authorizationError?: string;
    /** What followed the request. */
    readonly after: AfterHandshake;
  };

export type AfterHandshake =
  /** The server answered: the first bytes (at most 512), the HTTP status when it is HTTP, the gRPC status of a gRPC call. */
  | { readonly kind: 'data'; readonly text: string; readonly httpStatus?: number; readonly grpcStatus?: number }
  /** The server ended the connection without a byte. */
  | { readonly kind: 'closed' }
  /** The server sent a TLS alert (TLS 1.3 reports client-certificate refusals after the client's handshake completes). */
  | { readonly kind: 'alert'; readonly code: string; readonly message: string }
  /** Still open, silent, when the time ran out. */
  | { readonly kind: 'open' }
  /** No request was sent. */
  | { readonly kind: 'not-asked' };

/** Errors raised by this machine's own TLS library before anything reached the server. */
const LOCAL_CODES = new Set(['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM', 'ERR_TLS_INVALID_PROTOCOL_VERSION', 'ERR_INVALID_ARG_VALUE']);
/** Errors of TCP itself: there was no TLS conversation. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** Dials once. Never rejects: every failure is an outcome. */
export function probe(o: ProbeOptions): Promise<ProbeOutcome> {
  const timeoutMs = o.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    let settled = false;
    let established: Omit<Extract<ProbeOutcome, { kind: 'established' }>, 'after'> | undefined;
    let data = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const finishAfter = (after: AfterHandshake) => finish({ ...established!, after });
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect({
        host: o.host, port: o.port, servername: isIp(o.servername) ? undefined : o.servername,
        ca: o.ca, cert: o.cert, key: o.key, minVersion: o.minVersion, maxVersion: o.maxVersion, ciphers: o.ciphers,
        ...(o.alpn ? { ALPNProtocols: [...o.alpn] } : {}),
        // Validation is judged below from `authorized`, so a bad certificate is still inspected, never trusted.
        rejectUnauthorized: false,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      resolve({ kind: 'handshake-error', code: err.code ?? 'ERR_LOCAL', message: err.message, local: true });
      return;
    }
    timer = setTimeout(() => {
      if (established) finishAfter(data.length > 0 ? dataOf(data) : { kind: 'open' });
      else finish({ kind: 'connect-error', code: 'ETIMEDOUT', message: `no TLS handshake within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.on('secureConnect', () => {
      established = {
        kind: 'established',
        protocol: socket.getProtocol() ?? 'unknown',
        peer: socket.getPeerCertificate(true),
        authorized: socket.authorized,
        ...(socket.authorizationError ? { authorizationError: String((socket.authorizationError as NodeJS.ErrnoException).code ?? socket.authorizationError) } : {}),
      };
      if (o.request === undefined) { finishAfter({ kind: 'not-asked' }); return; }
      clearTimeout(timer);
      timer = setTimeout(() => finishAfter(data.length > 0 ? dataOf(data) : { kind: 'open' }), timeoutMs);
      socket.write(o.request);
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]).subarray(0, 512);
      // One chunk is enough to know the server talked to us; wait briefly for the status line if it is split.
      if (/\r?\n/.test(data.toString('latin1')) || data.length >= 512) finishAfter(dataOf(data));
    });
    socket.on('end', () => { if (established) finishAfter(data.length > 0 ? dataOf(data) : { kind: 'closed' }); });
    socket.on('close', () => {
      if (established) finishAfter(data.length > 0 ? dataOf(data) : { kind: 'closed' });
      else finish({ kind: 'handshake-error', code: 'ECONNRESET', message: 'the server closed the connection during the handshake', local: false });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERR_TLS';
      if (established) { finishAfter(data.length > 0 ? dataOf(data) : { kind: 'alert', code, message: firstLine(e.message) }); return; }
      if (CONNECT_CODES.has(code)) finish({ kind: 'connect-error', code, message: firstLine(e.message) });
      else finish({ kind: 'handshake-error', code, message: firstLine(e.message), local: LOCAL_CODES.has(code) || /no protocols available|no ciphers available/i.test(e.message) });
    });
  });
}

function dataOf(data: Buffer): AfterHandshake {
  const text = data.toString('latin1');
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(text);
  return m ? { kind: 'data', text, httpStatus: Number(m[1]) } : { kind: 'data', text };
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}

/** The GET `verify` sends after a handshake: harmless to a websocket output (it answers 400 without an upgrade). */
export function httpProbeRequest(host: string, path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: federation-pki-verify\r\nConnection: close\r\n\r\n`;
}
