/**
 * tls-alpn-01 (RFC 8737): the CA opens TLS to `<name>:443` offering only ALPN `acme-tls/1` with SNI
 * `<name>`, and expects a self-signed certificate for that name carrying the critical acmeIdentifier
 * extension (the SHA-256 of the key authorization). A Node TLS server picks that certificate by SNI.
 */
import * as acme from 'acme-client';
import * as tls from 'tls';
import { ChallengeResponder, ResponderListenProps } from './challenge-responder';
import { listen } from './listen';

/** The ALPN protocol a validation connection negotiates (RFC 8737 §6.2). */
export const ACME_TLS_ALPN_PROTOCOL = 'acme-tls/1';

export async function startTlsAlpn01Responder(props: ResponderListenProps): Promise<ChallengeResponder> {
  const contexts = new Map<string, tls.SecureContext>();
  const server = tls.createServer({
    ALPNProtocols: [ACME_TLS_ALPN_PROTOCOL],
    SNICallback: (servername, cb) => {
      const context = contexts.get(servername.toLowerCase());
      if (context) cb(null, context);
      else cb(new Error(`no tls-alpn-01 challenge for ${servername}`));
    },
  });
  // A handshake for a name without a challenge fails; that is the answer, not a fault of the responder.
  server.on('tlsClientError', () => undefined);
  server.on('secureConnection', (socket) => socket.end());
  const listening = await listen(server, props);
  return {
    type: 'tls-alpn-01',
    port: listening.port,
    async publish(authz, _challenge, keyAuthorization) {
      // ECDSA keeps this fast; the certificate lives for this validation only.
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization, await acme.crypto.createPrivateEcdsaKey('P-256'));
      contexts.set(authz.identifier.value.toLowerCase(), tls.createSecureContext({ key, cert }));
    },
    async withdraw(authz) { contexts.delete(authz.identifier.value.toLowerCase()); },
    close: () => listening.close(),
  };
}
