/** ACME client: obtain a certificate from step-ca (or any ACME CA) trusting only the federation root. */
export * from './challenge-responder';
export * from './obtain-certificate';
export { startHttp01Responder } from './http01-responder';
export { startTlsAlpn01Responder, ACME_TLS_ALPN_PROTOCOL } from './tls-alpn01-responder';
