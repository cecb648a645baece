/** The security policy checked at every synth: rules, findings, suppressions and the Aspect. */
export { PolicyRule } from './rules';
export { formatFinding, formatSuppressed, PolicyError } from './finding';
export type { PolicyFinding, SuppressedFinding } from './finding';
export type { PolicySuppression } from './suppressions';
export { SecurityPolicyAspect } from './security-policy-aspect';
export type { SecurityPolicyProps } from './security-policy-aspect';
