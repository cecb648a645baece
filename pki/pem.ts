/** PEM text: splitting into blocks and normalizing certificates, so plans hold the same bytes on every machine. */
import { KeyObject, createPrivateKey } from 'crypto';

export interface PemBlock {
  /** The label between BEGIN and END, e.g. `CERTIFICATE`. */
  readonly label: string;
  /** The decoded body. */
  readonly der: Buffer;
  /** Whether the block carries RFC 1421 encryption headers (`Proc-Type: 4,ENCRYPTED`). */
  readonly legacyEncrypted: boolean;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const lines = m[2].split(/\r?\n/);
    const headers = lines.filter((l) => l.includes(':'));
    const body = lines.filter((l) => !l.includes(':')).join('');
    blocks.push({ label: m[1], der: Buffer.from(body, 'base64'), legacyEncrypted: headers.some((h) => /^Proc-Type:\s*4,ENCRYPTED/i.test(h)) });
  }
  return blocks;
}

/** Standard PEM of `der`: 64-column base64, `\n` line ends, a final newline. */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Why a key text cannot be used as is, or the key. */
export type ParsedKey = { readonly key: KeyObject } | { readonly problem: string };

/** Parses an unencrypted PEM private key; encrypted keys and non-keys are problems (Terraform reads the file as is). */
export function parsePrivateKeyPem(text: string): ParsedKey {
  const blocks = pemBlocks(text).filter((b) => /PRIVATE KEY$/.test(b.label));
  if (blocks.length === 0) return { problem: 'holds no PEM private key' };
  if (blocks.length > 1) return { problem: `holds ${blocks.length} private keys, not one` };
  if (blocks[0].label === 'ENCRYPTED PRIVATE KEY' || blocks[0].legacyEncrypted) {
    return { problem: 'holds an encrypted private key; Terraform and the services read the key as is, so it must be unencrypted (protect the file instead: mode 0600)' };
  }
  try {
    return { key: createPrivateKey({ key: text, format: 'pem' }) };
  } catch (e) {
    return { problem: `holds no readable private key (${(e as NodeJS.ErrnoException).code ?? 'unparseable'})` };
  }
}
