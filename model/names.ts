/** Lexical checks for names that end up in certificates, URLs and resource names. */

const ID = /^[a-z][a-z0-9-]{0,62}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** An id used in stack, container and resource names: lowercase letter first, then letters, digits, '-'. */
export function isId(s: string): boolean {
  return ID.test(s) && !s.endsWith('-');
}

/**
 * A lowercase DNS name (RFC 1123 labels, at most 253 characters, at least two labels).
 * Lowercase only because SemStreams compares CNs case-sensitively: one spelling per name.
 */
export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/** True when `name` is `domain` or lies below it. */
export function isInDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/** IPv4 dotted quad or an IPv6 address. */
export function isIpAddress(s: string): boolean {
  const v4 = s.split('.');
  if (v4.length === 4 && v4.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return true;
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** A container path: absolute, normalized (no '.', '..', '//', trailing '/'), printable. */
export function isAbsoluteContainerPath(s: string): boolean {
  if (!s.startsWith('/') || s.length > 4096 || /[\0-\x1f\x7f]/.test(s)) return false;
  if (s === '/') return true;
  return s.slice(1).split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** An email address, as far as an ACME server checks one. */
export function isEmail(s: string): boolean {
  const at = s.lastIndexOf('@');
  return at > 0 && /^[^\s@]+$/.test(s.slice(0, at)) && isDnsName(s.slice(at + 1).toLowerCase());
}

/** The CN of step-ca's intermediate when the pki stack generates it (no `ca.import`). */
export function stepCaIntermediateCommonName(federationName: string): string {
  return `${federationName} step-ca intermediate CA`;
}
