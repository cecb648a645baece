/** What obtainCertificate needs from a challenge responder: publish a key authorization, withdraw it, stop. */
import type { Authorization } from 'acme-client';
import type { Challenge } from 'acme-client/types/rfc8555';

/** The ACME challenge types this module answers. */
export type AcmeChallengeType = 'http-01' | 'tls-alpn-01';

export const ACME_CHALLENGE_TYPES: readonly AcmeChallengeType[] = ['http-01', 'tls-alpn-01'];

/** A server answering one challenge type for the duration of an order. */
export interface ChallengeResponder {
  readonly type: AcmeChallengeType;
  /** The port it listens on (the CA connects to this port on each name's address). */
  readonly port: number;
  /** Starts answering the challenge for `authz`'s name. */
  publish(authz: Authorization, challenge: Challenge, keyAuthorization: string): Promise<void>;
  /** Stops answering it. */
  withdraw(authz: Authorization, challenge: Challenge): Promise<void>;
  /** Closes the listener and every open connection. */
  close(): Promise<void>;
}

/** Where a responder listens. */
export interface ResponderListenProps {
  readonly port: number;
  /**
   * Address to bind.
   * @default all interfaces (Node's default: `::`, or `0.0.0.0` without IPv6)
   */
  readonly host?: string;
}
