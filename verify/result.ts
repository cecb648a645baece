/** The outcome of one check against one endpoint. */

/**
 * `pass` and `fail` are verdicts; `warn` passes with a caution (e.g. few days left); `skip` means the check
 * could not be performed (missing input, no connection, this machine cannot offer the handshake) — never a pass.
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** The checks, in the order they run and appear. */
export const CHECKS = {
  'handshake': 'TLS handshake, server certificate chains to the federation root',
  'names': 'certificate CN and SANs match the node',
  'served-certificate': 'which certificate it serves: ACME (step-ca) or the federation certificate (fallback)',
  'expiry': 'days to expiry',
  'legacy-tls': 'TLS 1.0/1.1 refused',
  'no-client-cert': 'client without a certificate refused',
  'foreign-ca': 'certificate from a foreign CA refused',
  'canary': 'federation-signed but unauthorized client (canary) refused',
  'permitted-client': 'permitted client accepted',
  'step-ca-health': 'step-ca /health answers ok',
  'acme-directory': 'ACME directory reachable',
} as const;

export type CheckId = keyof typeof CHECKS;

export interface CheckResult {
  /** The node id, or `step-ca`. */
  readonly target: string;
  /** `host:port` or URL dialled. */
  readonly endpoint: string;
  readonly check: CheckId;
  readonly status: CheckStatus;
  /** What was seen. */
  readonly detail: string;
  /** What to do, for failures and warnings (the guides' troubleshooting entries). */
  readonly hint?: string;
}

export function result(target: string, endpoint: string, check: CheckId, status: CheckStatus, detail: string, hint?: string): CheckResult {
  return { target, endpoint, check, status, detail, ...(hint !== undefined ? { hint } : {}) };
}
