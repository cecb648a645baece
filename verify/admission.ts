/**
 * Did the server admit the client? Read from a probe that sent an HTTP request after the handshake:
 * a server that talks back admitted us; one that alerts, hangs up or answers 401/403 refused us.
 * TLS 1.3 completes the client's side of the handshake before the server has judged the client's
 * certificate, so a completed handshake alone proves nothing — only what follows it does.
 */
import { explainRefusal } from './messages';
import { ProbeOutcome } from './probe';

export type Admission =
  | { readonly admitted: true; readonly detail: string }
  | { readonly admitted: false; readonly detail: string }
  /** Nothing could be concluded (no connection, or this machine could not make the attempt). */
  | { readonly admitted: undefined; readonly detail: string };

export function admissionOf(o: ProbeOutcome): Admission {
  switch (o.kind) {
    case 'connect-error':
      return { admitted: undefined, detail: `no connection (${o.code}: ${o.message})` };
    case 'handshake-error':
      return o.local
        ? { admitted: undefined, detail: `this machine could not attempt it (${o.code})` }
        : { admitted: false, detail: explainRefusal({ code: o.code }) };
    case 'established': {
      const a = o.after;
      switch (a.kind) {
        case 'data':
          // gRPC's refusals: PermissionDenied (the gateway's answer to a CN off its allow-list) and Unauthenticated.
          if (a.grpcStatus === 7 || a.grpcStatus === 16) return { admitted: false, detail: explainRefusal({ grpcStatus: a.grpcStatus }) };
          if (a.grpcStatus !== undefined) return { admitted: true, detail: `the server answered the gRPC call: ${a.text}` };
          if (a.httpStatus === 401 || a.httpStatus === 403) return { admitted: false, detail: explainRefusal({ httpStatus: a.httpStatus }) };
          return { admitted: true, detail: a.httpStatus !== undefined ? `the server answered HTTP ${a.httpStatus}` : 'the server answered' };
        case 'open':
          return { admitted: true, detail: 'the server kept the connection open' };
        case 'closed':
          return { admitted: false, detail: explainRefusal({ closedAfterHandshake: true }) };
        case 'alert':
          return { admitted: false, detail: explainRefusal({ code: a.code }) };
        case 'not-asked':
          return { admitted: undefined, detail: 'no request was sent' };
      }
    }
  }
}
