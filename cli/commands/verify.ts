/**
 * `federation-pki verify --ca federation-ca.pem [...]`: dials every TLS endpoint of the spec and runs the
 * guides' checks; progress on stderr, a table (or `--json`) on stdout, exit 1 on any failure.
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { EXAMPLE_SPEC_PATH } from '../../model/example';
import { loadSpecFile } from '../../model/load';
import { SpecError } from '../../model/problems';
import { resolveFederation } from '../../model/resolve';
import {
  clientIdentity, ClientIdentity, HostPort, isOk, parseEndpointOverride, renderJson, renderProgressLine, renderTable, runVerify, summarize,
} from '../../verify';
import { CliCommand, CliIo } from '../command';

const USAGE = `usage: federation-pki verify --ca FILE [options]

Dials every TLS server of the spec where the spec publishes it (the site's docker.address, else the
host of a tcp:// or ssh:// docker.host, else the node's FQDN; --endpoint wins), always with the FQDN as
SNI, and checks: handshake against the federation root, CN/SANs, which certificate it serves (tier acme:
step-ca's, or the federation certificate as a silent fallback: a warning), days to expiry, TLS 1.0/1.1
refused; with mTLS: no client certificate refused, a foreign-CA certificate refused, the canary refused,
a permitted client accepted.

  --ca FILE                 federation root (terraform output -raw federation_ca_pem)   (required)
  --spec FILE               federation spec (default: the built-in example)
  --endpoint NODE=HOST:PORT where to dial NODE (tunnels, port forwards); a Loom node's gRPC port is NODE,
                            its HTTP port NODE:http; repeatable
  --node NODE               check only these nodes; repeatable
  --client-cert FILE        a permitted client's certificate; repeatable, paired in order with
  --client-key FILE         its key. Each server uses the first whose CN it admits
  --canary-cert FILE        the pki stack's canary certificate (output canary_cert_pem)
  --canary-key FILE         its key (in the pki state)
  --warn-days N             warn when fewer days remain (default 30)
  --timeout MS              per connection and per answer (default 5000)
  --step-ca URL             also check step-ca: URL/health and its ACME directories
  --acme-provisioner NAME   directories to check (default: the spec's provisioners); repeatable
  --json                    results as JSON on stdout
  --strict                  checks that could not be performed fail the run too
`;

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check deployed endpoints against the spec: handshake, names, expiry, TLS 1.1, mTLS refusals',
  async run(args: readonly string[], io: CliIo): Promise<number> {
    let values;
    try {
      values = parseArgs({
        args: [...args],
        strict: true,
        allowPositionals: false,
        options: {
          'ca': { type: 'string' },
          'spec': { type: 'string' },
          'endpoint': { type: 'string', multiple: true },
          'node': { type: 'string', multiple: true },
          'client-cert': { type: 'string', multiple: true },
          'client-key': { type: 'string', multiple: true },
          'canary-cert': { type: 'string' },
          'canary-key': { type: 'string' },
          'warn-days': { type: 'string' },
          'timeout': { type: 'string' },
          'step-ca': { type: 'string' },
          'acme-provisioner': { type: 'string', multiple: true },
          'json': { type: 'boolean' },
          'strict': { type: 'boolean' },
          'help': { type: 'boolean', short: 'h' },
        },
      }).values;
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    if (values.help) { io.stdout(USAGE); return 0; }

    let inputs;
    try {
      inputs = readInputs(values);
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    let model;
    try {
      model = resolveFederation(loadSpecFile(values.spec ?? EXAMPLE_SPEC_PATH));
    } catch (e) {
      if (e instanceof SpecError) { io.stderr(`${e.message}\n`); return 2; }
      throw e;
    }
    let run;
    try {
      run = await runVerify(model, inputs, (r) => io.stderr(renderProgressLine(r)));
    } catch (e) {
      return usageError(io, (e as Error).message);
    }
    const strict = values.strict === true;
    io.stdout(values.json ? renderJson(run.results, run.unverified, strict, run.targets) : renderTable(run.results, run.unverified, run.targets));
    return isOk(summarize(run.results), strict) ? 0 : 1;
  },
};

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\n\n${USAGE}`);
  return 2;
}

interface RawValues {
  'ca'?: string; 'endpoint'?: string[]; 'node'?: string[]; 'client-cert'?: string[]; 'client-key'?: string[];
  'canary-cert'?: string; 'canary-key'?: string; 'warn-days'?: string; 'timeout'?: string; 'step-ca'?: string; 'acme-provisioner'?: string[];
}

/** Reads files and numbers; throws with a message naming the option at fault. Key text is never echoed. */
function readInputs(v: RawValues) {
  if (v.ca === undefined) throw new Error('--ca FILE is required: the federation root every certificate must chain to');
  const ca = readPem(v.ca, '--ca', /-----BEGIN CERTIFICATE-----/);
  const certs = v['client-cert'] ?? [];
  const keys = v['client-key'] ?? [];
  if (certs.length !== keys.length) throw new Error(`--client-cert given ${certs.length} times but --client-key ${keys.length} times: give them in pairs`);
  const clients: ClientIdentity[] = certs.map((c, i) => identity(c, keys[i], '--client-cert'));
  if ((v['canary-cert'] === undefined) !== (v['canary-key'] === undefined)) throw new Error('--canary-cert and --canary-key go together');
  const canary = v['canary-cert'] !== undefined ? identity(v['canary-cert'], v['canary-key']!, '--canary-cert') : undefined;
  const endpoints = new Map<string, HostPort>();
  for (const e of v.endpoint ?? []) {
    const o = parseEndpointOverride(e);
    endpoints.set(o.nodeId, { host: o.host, port: o.port });
  }
  const warnDays = wholeNumber(v['warn-days'], '--warn-days', 30, 0);
  const timeoutMs = wholeNumber(v.timeout, '--timeout', 5000, 1);
  if (v['step-ca'] !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(v['step-ca'])) throw new Error(`--step-ca ${JSON.stringify(v['step-ca'])} is not an https:// URL`);
  return {
    ca, clients, ...(canary ? { canary } : {}), endpoints, warnDays, timeoutMs,
    ...(v.node ? { nodes: v.node } : {}),
    ...(v['step-ca'] !== undefined ? { stepCaUrl: v['step-ca'] } : {}),
    ...(v['acme-provisioner'] ? { acmeProvisioners: v['acme-provisioner'] } : {}),
  };
}

function identity(certPath: string, keyPath: string, option: string): ClientIdentity {
  const cert = readPem(certPath, option, /-----BEGIN CERTIFICATE-----/);
  const key = readPem(keyPath, option.replace('cert', 'key'), /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  try {
    return clientIdentity(cert, key);
  } catch (e) {
    throw new Error(`${option} ${certPath}: ${(e as Error).message}`);
  }
}

function readPem(path: string, option: string, shape: RegExp): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${option} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!shape.test(text)) throw new Error(`${option} ${path}: not the PEM expected`);
  return text;
}

function wholeNumber(s: string | undefined, option: string, fallback: number, min: number): number {
  if (s === undefined) return fallback;
  if (!/^\d+$/.test(s) || Number(s) < min) throw new Error(`${option} ${JSON.stringify(s)} is not a whole number ≥ ${min}`);
  return Number(s);
}
