/**
 * `federation-pki pki init-root | sign-intermediate`: the offline root ceremony (docs/OFFLINE-ROOT.md).
 * init-root creates the federation root on the operator's machine with its key encrypted at rest;
 * sign-intermediate signs the intermediates the pki stack (`ca.import.intermediate`) and step-ca use.
 * The root key never enters Terraform.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseArgs } from 'util';
import { KeyAlgorithm } from '../../model/key-algorithm';
import { Certificate } from '../../pki/certificate';
import {
  createRoot, decryptPrivateKey, encryptPrivateKey, exportIntermediateKey, ROOT_KEY_CIPHER, signIntermediate,
} from '../../pki/offline-root';
import { MIN_PASSPHRASE_LENGTH, PASSPHRASE_ENV, PassphraseSource, readPassphrase, terminalPrompt } from '../../pki/passphrase';
import { pemBlocks } from '../../pki/pem';
import { CliCommand, CliIo } from '../command';

const ALGORITHMS = KeyAlgorithm.ALL.map((a) => a.name).join('|');

const USAGE = `usage: federation-pki pki init-root --out DIR [--name CN] [--organization O] [--days D] [--key-algorithm ${ALGORITHMS}]
       federation-pki pki sign-intermediate --root-cert FILE --root-key FILE --out DIR [--cn CN]
                                            [--days D] [--path-len N] [--key-algorithm ALG]

init-root          writes DIR/root-ca.crt and DIR/root-ca.key (PKCS#8, ${ROOT_KEY_CIPHER.toUpperCase()}, mode 0600).
                   Defaults: --name "federation root CA", --days 1825, --key-algorithm ECDSA_P256.
sign-intermediate  writes DIR/intermediate-ca.crt, DIR/intermediate-ca.key (unencrypted: Terraform and
                   step-ca read it; mode 0600) and a copy of the root certificate as DIR/root-ca.crt.
                   Defaults: --cn "federation intermediate CA", --days 365, --path-len 0 (signs leaf
                   certificates only), --key-algorithm ECDSA_P256.

The root key's passphrase comes from ${PASSPHRASE_ENV}, else a prompt on the terminal; never an argument.
Existing files are never overwritten.
`;

const DEFAULTS = { rootName: 'federation root CA', rootDays: 1825, intermediateCn: 'federation intermediate CA', intermediateDays: 365, pathLength: 0 };

/** Where the passphrase is read from; tests replace the prompt. */
export interface PkiCommandOptions {
  readonly prompt?: PassphraseSource['prompt'];
}

export function makePkiCommand(options: PkiCommandOptions = {}): CliCommand {
  const prompt = options.prompt ?? terminalPrompt;
  return {
    name: 'pki',
    summary: 'offline root ceremony: init-root (encrypted root key), sign-intermediate (for ca.import and step-ca)',
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const [sub, ...rest] = args;
      if (sub === undefined || sub === '--help' || sub === '-h') { (sub ? io.stdout : io.stderr)(USAGE); return sub ? 0 : 2; }
      // `pki init-root --help` too: one usage text covers both subcommands.
      if (['init-root', 'sign-intermediate'].includes(sub) && (rest.includes('--help') || rest.includes('-h'))) { io.stdout(USAGE); return 0; }
      try {
        if (sub === 'init-root') return await initRoot(rest, io, { env: io.env, prompt });
        if (sub === 'sign-intermediate') return await signIntermediateCommand(rest, io, { env: io.env, prompt });
        io.stderr(`unknown pki subcommand: ${sub}\n\n${USAGE}`);
        return 2;
      } catch (e) {
        if (e instanceof UsageError) { io.stderr(`${e.message}\n\n${USAGE}`); return 2; }
        if (e instanceof CeremonyError) { io.stderr(`${e.message}\n`); return 1; }
        throw e;
      }
    },
  };
}

export const pkiCommand: CliCommand = makePkiCommand();

class UsageError extends Error {}
class CeremonyError extends Error {}

function parse(args: readonly string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: false, strict: true }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function required(values: Record<string, string | undefined>, name: string): string {
  const v = values[name];
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function wholeNumber(values: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} ${v} is not a whole number in ${min}..${max}`);
  return Number(v);
}

function keyAlgorithm(values: Record<string, string | undefined>): KeyAlgorithm {
  const v = values['key-algorithm'] ?? KeyAlgorithm.ECDSA_P256.name;
  const alg = KeyAlgorithm.fromName(v);
  if (!alg) throw new UsageError(`--key-algorithm ${v} is not one of ${ALGORITHMS}`);
  return alg;
}

async function passphrase(source: PassphraseSource, confirm: boolean): Promise<string> {
  const r = await readPassphrase(source, { confirm, ...(confirm ? { minLength: MIN_PASSPHRASE_LENGTH } : {}) });
  if ('error' in r) throw new CeremonyError(r.error);
  return r.passphrase;
}

/** Refuses to overwrite any of `files` in `dir` (checked before the passphrase is asked). */
function refuseOverwrite(dir: string, files: readonly string[]): void {
  const existing = files.filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) throw new CeremonyError(`refusing to overwrite ${existing.map((f) => join(dir, f)).join(', ')}`);
}

/** Creates `dir` (0700 when new): only once everything is ready to be written. */
function makeOut(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function writePublic(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o644, flag: 'wx' });
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

function describe(label: string, pem: string): string {
  const [c] = Certificate.allFromPem(pem);
  return `${label}: ${c.subject}\n  not after: ${c.notAfter.toISOString()}\n  SHA-256 fingerprint: ${c.fingerprint256}\n`;
}

async function initRoot(args: readonly string[], io: CliIo, source: PassphraseSource): Promise<number> {
  const v = parse(args, { out: { type: 'string' }, name: { type: 'string' }, organization: { type: 'string' }, days: { type: 'string' }, 'key-algorithm': { type: 'string' } });
  const out = required(v, 'out');
  const days = wholeNumber(v, 'days', DEFAULTS.rootDays, 1, 36500);
  const alg = keyAlgorithm(v);
  refuseOverwrite(out, ['root-ca.crt', 'root-ca.key']);
  const pass = await passphrase(source, true);
  const root = await createRoot({ commonName: v.name ?? DEFAULTS.rootName, ...(v.organization ? { organization: v.organization } : {}), validityDays: days, keyAlgorithm: alg });
  makeOut(out);
  // The key reaches the disk only encrypted.
  writeSecret(join(out, 'root-ca.key'), encryptPrivateKey(root.privateKey, pass));
  writePublic(join(out, 'root-ca.crt'), root.certPem);
  io.stdout(`${describe('root', root.certPem)}wrote ${join(out, 'root-ca.crt')}\nwrote ${join(out, 'root-ca.key')} (PKCS#8, ${ROOT_KEY_CIPHER}, mode 0600): keep it offline\n`);
  return 0;
}

async function signIntermediateCommand(args: readonly string[], io: CliIo, source: PassphraseSource): Promise<number> {
  const v = parse(args, {
    'root-cert': { type: 'string' }, 'root-key': { type: 'string' }, out: { type: 'string' }, cn: { type: 'string' },
    organization: { type: 'string' }, days: { type: 'string' }, 'path-len': { type: 'string' }, 'key-algorithm': { type: 'string' },
  });
  const rootCertFile = required(v, 'root-cert');
  const rootKeyFile = required(v, 'root-key');
  const out = required(v, 'out');
  const days = wholeNumber(v, 'days', DEFAULTS.intermediateDays, 1, 36500);
  const pathLength = wholeNumber(v, 'path-len', DEFAULTS.pathLength, 0, 8);
  const alg = keyAlgorithm(v);
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new CeremonyError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const rootCertPem = read(rootCertFile);
  const rootKeyPem = read(rootKeyFile);
  if (!pemBlocks(rootKeyPem).some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
    throw new CeremonyError(`${rootKeyFile} is not an encrypted PKCS#8 key: the root key is kept encrypted at rest (pki init-root)`);
  }
  const copyRoot = !(existsSync(join(out, 'root-ca.crt')) && read(join(out, 'root-ca.crt')) === rootCertPem);
  refuseOverwrite(out, ['intermediate-ca.crt', 'intermediate-ca.key', ...(copyRoot ? ['root-ca.crt'] : [])]);
  let privateKey;
  try {
    privateKey = decryptPrivateKey(rootKeyPem, await passphrase(source, false));
  } catch (e) {
    throw new CeremonyError((e as Error).message);
  }
  let issued;
  try {
    issued = await signIntermediate({
      root: { certPem: rootCertPem, privateKey }, commonName: v.cn ?? DEFAULTS.intermediateCn,
      ...(v.organization ? { organization: v.organization } : {}), validityDays: days, pathLength, keyAlgorithm: alg,
    });
  } catch (e) {
    throw new CeremonyError((e as Error).message);
  }
  makeOut(out);
  writeSecret(join(out, 'intermediate-ca.key'), exportIntermediateKey(issued.privateKey));
  writePublic(join(out, 'intermediate-ca.crt'), issued.certPem);
  if (copyRoot) writePublic(join(out, 'root-ca.crt'), rootCertPem);
  io.stdout(`${describe('intermediate', issued.certPem)}  path length: ${pathLength}\n`
    + `wrote ${join(out, 'intermediate-ca.crt')}\nwrote ${join(out, 'intermediate-ca.key')} (mode 0600)\n`
    + `${copyRoot ? `wrote ${join(out, 'root-ca.crt')}\n` : ''}`
    + 'spec: ca.import: { rootCertFile: root-ca.crt, intermediate: { certFile: intermediate-ca.crt, keyFile: intermediate-ca.key } }\n');
  return 0;
}
