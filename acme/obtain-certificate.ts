/**
 * Obtains a certificate over ACME (RFC 8555) from a directory whose HTTPS chains to a given root — the
 * federation's step-ca, or any ACME CA — answering the challenge with a server of its own while the
 * order runs. Every call registers a fresh account (a new account key): nothing is stored between calls.
 */
import * as acme from 'acme-client';
import { KeyAlgorithm } from '../model/key-algorithm';
import { AcmeChallengeType, ChallengeResponder } from './challenge-responder';
import { withDirectoryTrust } from './directory-trust';
import { startHttp01Responder } from './http01-responder';
import { startTlsAlpn01Responder } from './tls-alpn01-responder';

/** The port RFC 8555 fixes for http-01 validation. */
export const DEFAULT_HTTP01_PORT = 80;
/** The port RFC 8737 fixes for tls-alpn-01 validation. */
export const DEFAULT_TLS_ALPN01_PORT = 443;

export interface ObtainCertificateProps {
  /** The ACME directory, e.g. `https://step-ca.semstreams.local:9000/acme/acme/directory`. */
  readonly directoryUrl: string;
  /** PEM of the root the directory's HTTPS certificate must chain to (the federation root): the only root trusted. */
  readonly caPem: string;
  /** Account contact, sent as `mailto:<email>`. */
  readonly email: string;
  /** Names the certificate covers; the first is also its CN. */
  readonly domains: readonly string[];
  /**
   * Which challenge to answer.
   * @default 'http-01'
   */
  readonly challenge?: AcmeChallengeType;
  /**
   * Port the http-01 responder listens on. The CA connects to port 80 of each name, so anything else
   * needs a forward to it (or a CA configured for tests, like step-ca's `--acme-http-port`).
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Port the tls-alpn-01 responder listens on (the CA connects to 443).
   * @default 443
   */
  readonly tlsPort?: number;
  /**
   * Address the challenge responder binds.
   * @default all interfaces
   */
  readonly bindAddress?: string;
  /**
   * Algorithm of the certificate's key.
   * @default KeyAlgorithm.ECDSA_P256
   */
  readonly keyAlgorithm?: KeyAlgorithm;
  /**
   * Addresses for names, used instead of DNS when connecting to the directory (like curl's `--resolve`).
   * @default {} (DNS)
   */
  readonly resolve?: Readonly<Record<string, string>>;
}

/** A certificate from the CA, with the key generated for it. */
export interface ObtainedCertificate {
  /** The leaf followed by the chain, exactly as the CA returned them (PEM). */
  readonly certPem: string;
  /** The certificate's private key (PEM, PKCS#8). Secret: never log it. */
  readonly keyPem: string;
  /** The leaf's validity. */
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// How often to poll a pending challenge or order: step-ca validates at once, Let's Encrypt within seconds.
const POLL = { backoffAttempts: 10, backoffMin: 1000, backoffMax: 10_000 };

export async function obtainCertificate(props: ObtainCertificateProps): Promise<ObtainedCertificate> {
  if (props.domains.length === 0) throw new Error('obtainCertificate: at least one domain is required');
  const challenge = props.challenge ?? 'http-01';
  const keyPem = (await createKey(props.keyAlgorithm ?? KeyAlgorithm.ECDSA_P256)).toString();
  const [, csr] = await acme.crypto.createCsr({ commonName: props.domains[0], altNames: [...props.domains] }, keyPem);
  const responder = await startResponder(challenge, props);
  try {
    const certPem = await withDirectoryTrust({ caPem: props.caPem, resolve: props.resolve }, async () => {
      const client = new acme.Client({ directoryUrl: props.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey('P-256'), ...POLL });
      return client.auto({
        csr,
        email: props.email,
        termsOfServiceAgreed: true,
        challengePriority: [challenge],
        // acme-client would first fetch the challenge itself, from this host's view of DNS and ports;
        // only the CA's view counts, and the CA reports what it saw.
        skipChallengeVerification: true,
        challengeCreateFn: async (authz, ch, keyAuthorization) => {
          if (ch.type !== challenge) throw new Error(`${props.directoryUrl} does not offer ${challenge} for ${authz.identifier.value} (offers: ${authz.challenges.map((c) => c.type).join(', ')})`);
          await responder.publish(authz, ch, keyAuthorization);
        },
        challengeRemoveFn: (authz, ch) => responder.withdraw(authz, ch),
      });
    });
    const info = acme.crypto.readCertificateInfo(certPem);
    return { certPem, keyPem, notBefore: info.notBefore, notAfter: info.notAfter };
  } catch (e) {
    throw new Error(`ACME order for ${props.domains.join(', ')} at ${props.directoryUrl} failed: ${(e as Error).message}`);
  } finally {
    await responder.close();
  }
}

function startResponder(challenge: AcmeChallengeType, props: ObtainCertificateProps): Promise<ChallengeResponder> {
  switch (challenge) {
    case 'http-01': return startHttp01Responder({ port: props.httpPort ?? DEFAULT_HTTP01_PORT, host: props.bindAddress });
    case 'tls-alpn-01': return startTlsAlpn01Responder({ port: props.tlsPort ?? DEFAULT_TLS_ALPN01_PORT, host: props.bindAddress });
    default: throw new Error(`unsupported ACME challenge: ${challenge as string} (expected http-01 or tls-alpn-01)`);
  }
}

function createKey(alg: KeyAlgorithm): Promise<Buffer> {
  if (alg.algorithm === 'ECDSA') return acme.crypto.createPrivateEcdsaKey(alg.ecdsaCurve === 'P384' ? 'P-384' : 'P-256');
  return acme.crypto.createPrivateRsaKey(alg.rsaBits);
}
