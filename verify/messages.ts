/**
 * Failure messages in the words of the guides' troubleshooting entries, so an operator can look them up:
 * the SemStreams guide's "certificate signed by unknown authority", "tls: bad certificate", "client
 * certificate CN not in allowed list", "certificate has expired or is not yet valid".
 */

export const GUIDE = {
  unknownAuthority: 'certificate signed by unknown authority',
  badCertificate: 'tls: bad certificate',
  cnNotAllowed: 'client certificate CN not in allowed list',
  expired: 'certificate has expired or is not yet valid',
} as const;

/** Node's codes for a server certificate that does not chain to the roots given. */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export interface Explained {
  /** What went wrong, starting with the guide's phrase when there is one. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

/** Why the server's certificate failed validation. */
export function explainServerCertificate(code: string): Explained {
  if (UNKNOWN_AUTHORITY.has(code)) {
    return {
      message: `${GUIDE.unknownAuthority} (${code})`,
      hint: 'the server\'s certificate does not chain to the federation root given with --ca: add the federation CA to ca_files on clients, and check the container mounts the certificate the pki stack issued (openssl s_client -connect host:port -CAfile federation-ca.pem)',
    };
  }
  if (EXPIRED.has(code)) {
    return {
      message: `${GUIDE.expired} (${code})`,
      hint: 'check the dates (openssl x509 -noout -dates) and re-issue: a cdktf deploy of the pki stack inside the renewal window replaces it',
    };
  }
  if (code === 'INVALID_PURPOSE') {
    return { message: `the server's certificate is not for serving TLS (${code})`, hint: 'the certificate lacks EKU serverAuth: is a client-only certificate mounted as the server\'s?' };
  }
  return { message: `the server's certificate failed validation (${code})`, hint: 'inspect it: openssl s_client -connect host:port -CAfile federation-ca.pem -showcerts' };
}

/** Why the server refused a client, from the TLS alert or the way it hung up. */
export function explainRefusal(how: { code?: string; closedAfterHandshake?: boolean; httpStatus?: number; grpcStatus?: number }): string {
  if (how.grpcStatus === 7) return `gRPC status 7 PERMISSION_DENIED after the handshake (${GUIDE.cnNotAllowed})`;
  if (how.grpcStatus !== undefined) return `gRPC status ${how.grpcStatus} UNAUTHENTICATED after the handshake`;
  if (how.httpStatus !== undefined) return `HTTP ${how.httpStatus} after the handshake (${GUIDE.cnNotAllowed}, or not authorized)`;
  // A server that hangs up after the handshake judged the certificate in its own code: an allow-list miss in
  // SemStreams; Node's TLS servers also drop untrusted certificates this way, without an alert.
  if (how.closedAfterHandshake) return `connection closed after the handshake: the server refused this client (${GUIDE.cnNotAllowed}, or ${GUIDE.badCertificate})`;
  const code = how.code ?? '';
  if (/CERTIFICATE_REQUIRED/.test(code)) return `${GUIDE.badCertificate}: the server requires a client certificate (${code})`;
  if (/UNKNOWN_CA/.test(code)) return `the server does not trust the client certificate's CA (${code})`;
  if (/BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_UNKNOWN/.test(code)) return `${GUIDE.badCertificate} (${code})`;
  if (/CERTIFICATE_EXPIRED/.test(code)) return `${GUIDE.expired}: the client certificate (${code})`;
  if (/HANDSHAKE_FAILURE/.test(code)) return `handshake failure (${code})`;
  if (code === 'ECONNRESET') return 'the server reset the connection';
  return `refused (${code || 'no reason given'})`;
}
