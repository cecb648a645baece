/**
 * The canary: a client certificate the federation CA signs for no node. Its CN is on no allow-list
 * (validation refuses a node FQDN equal to it), so `verify` can show that each mTLS server refuses a
 * client that the CA signed but no link admits.
 */

/** The canary's CN (and only DNS SAN) in a federation domain. */
export function canaryCommonName(domain: string): string {
  return `canary.${domain}`;
}
