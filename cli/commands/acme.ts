/**
 * `federation-pki acme --directory URL --ca ROOT.pem --email E --domain D [--domain D2] --out DIR` obtains a
 * certificate over ACME (step-ca, or any ACME CA), trusting only the given root for the directory, and
 * writes cert.pem (leaf + chain, 0644) and key.pem (0600). It prints a summary, never the key.
 */
import { X509Certificate } from 'crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join, resolve as resolvePath } from 'path';
import { parseArgs } from 'util';
import { ACME_CHALLENGE_TYPES, AcmeChallengeType, DEFAULT_HTTP01_PORT, DEFAULT_TLS_ALPN01_PORT, obtainCertificate } from '../../acme';
import { KeyAlgorithm } from '../../model/key-algorithm';
import { CliCommand, CliIo } from '../command';

const USAGE = `usage: federation-pki acme --directory URL --ca ROOT_PEM --email EMAIL --domain NAME [--domain NAME ...] --out DIR
         [--challenge http-01|tls-alpn-01] [--http-port ${DEFAULT_HTTP01_PORT}] [--tls-port ${DEFAULT_TLS_ALPN01_PORT}] [--bind ADDRESS]
         [--key-algorithm ECDSA_P256] [--resolve NAME:ADDRESS ...]

Obtains a certificate from an ACME directory (e.g. step-ca's https://step-ca.<domain>:9000/acme/acme/directory),
trusting only ROOT_PEM (the federation root) for the directory's HTTPS. Answers the challenge itself while
the order runs: http-01 on --http-port, tls-alpn-01 on --tls-port (the CA connects to 80 and 443 of each
name). Writes DIR/cert.pem (leaf and chain, 0644) and DIR/key.pem (0600). The first --domain is the CN.
--resolve connects to NAME at ADDRESS instead of its DNS address (like curl), for the directory only.
`;

export const acmeCommand: CliCommand = {
  name: 'acme',
  summary: 'Obtain a certificate over ACME (step-ca) trusting only the federation root; writes cert.pem and key.pem',
  async run(args: readonly string[], io: CliIo): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          directory: { type: 'string' }, ca: { type: 'string' }, email: { type: 'string' }, domain: { type: 'string', multiple: true },
          out: { type: 'string' }, challenge: { type: 'string' }, 'http-port': { type: 'string' }, 'tls-port': { type: 'string' },
          bind: { type: 'string' }, 'key-algorithm': { type: 'string' }, resolve: { type: 'string', multiple: true },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      }));
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    if (values.help) { io.stdout(USAGE); return 0; }
    const missing = (['directory', 'ca', 'email', 'domain', 'out'] as const).filter((k) => values[k] === undefined);
    if (missing.length > 0) return usageError(io, `missing ${missing.map((k) => `--${k}`).join(', ')}`);
    const challenge = values.challenge ?? 'http-01';
    if (!ACME_CHALLENGE_TYPES.includes(challenge as AcmeChallengeType)) return usageError(io, `--challenge must be one of ${ACME_CHALLENGE_TYPES.join(', ')}, not ${challenge}`);
    const httpPort = parsePort(values['http-port'], DEFAULT_HTTP01_PORT);
    const tlsPort = parsePort(values['tls-port'], DEFAULT_TLS_ALPN01_PORT);
    if (httpPort === undefined || tlsPort === undefined) return usageError(io, '--http-port and --tls-port must be whole numbers in 1..65535');
    const keyAlgorithm = KeyAlgorithm.fromName(values['key-algorithm'] ?? 'ECDSA_P256');
    if (!keyAlgorithm) return usageError(io, `--key-algorithm must be one of ${KeyAlgorithm.ALL.map((a) => a.name).join(', ')}`);
    const resolve: Record<string, string> = {};
    for (const entry of values.resolve ?? []) {
      const at = entry.indexOf(':');
      if (at <= 0 || at === entry.length - 1) return usageError(io, `--resolve takes NAME:ADDRESS, not ${entry}`);
      resolve[entry.slice(0, at)] = entry.slice(at + 1);
    }

    let caPem: string;
    try {
      caPem = readFileSync(values.ca!, 'utf8');
    } catch (e) {
      io.stderr(`cannot read --ca ${values.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    let got;
    try {
      got = await obtainCertificate({
        directoryUrl: values.directory!, caPem, email: values.email!, domains: values.domain!, challenge: challenge as AcmeChallengeType,
        httpPort, tlsPort, bindAddress: values.bind, keyAlgorithm, resolve,
      });
    } catch (e) {
      io.stderr(`${(e as Error).message}\n`);
      return 1;
    }

    const outDir = resolvePath(values.out!);
    mkdirSync(outDir, { recursive: true });
    const certFile = join(outDir, 'cert.pem');
    const keyFile = join(outDir, 'key.pem');
    writeWithMode(keyFile, got.keyPem, 0o600);
    writeWithMode(certFile, got.certPem, 0o644);
    const leaf = new X509Certificate(got.certPem);
    const chainLength = (got.certPem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
    io.stdout([
      `certificate for ${values.domain!.join(', ')} from ${values.directory}`,
      `  subject:    ${leaf.subject.replace(/\n/g, ', ')}`,
      `  names:      ${leaf.subjectAltName ?? '(none)'}`,
      `  issuer:     ${leaf.issuer.replace(/\n/g, ', ')}`,
      `  not before: ${got.notBefore.toISOString()}`,
      `  not after:  ${got.notAfter.toISOString()} (${formatHours(got.notAfter.getTime() - got.notBefore.getTime())})`,
      `  chain:      ${chainLength} certificate${chainLength === 1 ? '' : 's'} (leaf first)`,
      `wrote ${certFile} (0644) and ${keyFile} (0600)`,
      '',
    ].join('\n'));
    return 0;
  },
};

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\n\n${USAGE}`);
  return 2;
}

function parsePort(text: string | undefined, fallback: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * Writes through a temp file created with `mode` and renames it over `path`, so the key is never readable
 * by others, not even briefly, and an existing file's looser mode does not survive.
 */
function writeWithMode(path: string, content: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode, flag: 'wx' });
  chmodSync(tmp, mode); // the create mode passes through the umask; the file gets exactly `mode`
  renameSync(tmp, path);
}

/** `24h01m` style. */
function formatHours(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
