/**
 * A docker_container as synthesized: its names, the node and site it runs, and every uploaded file with
 * where its content comes from and, for config files, the parsed config.
 */
import { TerraformResource, TerraformStack } from 'cdktf';
import { isOnlineCa } from '../constructs/online-ca';
import { isLiteral, literalText } from './references';
import { isPrivateKeySource, SynthesizedApp, TracedSource } from './synthesized-app';

/** One `upload` block. */
export interface UploadFacts {
  /** Path inside the container. */
  readonly file: string;
  /** Mode as written (`permissions`), undefined when unset (the provider then writes 0644). */
  readonly permissions?: string;
  readonly executable: boolean;
  /** Where the content comes from, traced to its definition; empty for literal content. */
  readonly sources: readonly TracedSource[];
  /** The content, when it is literal (no references). */
  readonly literal?: string;
  /** The literal content parsed as a JSON or YAML map: a config file. */
  readonly config?: Record<string, unknown>;
  /** Private key text: a reference to a private key, PEM key text, or the file the container's config reads its key from. */
  readonly privateKey: boolean;
}

export interface ContainerFacts {
  readonly element: TerraformResource;
  readonly stack: TerraformStack;
  readonly name: string;
  /** `federation-pki.site` label, else the stack's name. */
  readonly site: string;
  /** `federation-pki.node` label, else the container's name. */
  readonly node: string;
  /** Every name the container answers to: network aliases, hostname, container name. */
  readonly names: ReadonlySet<string>;
  readonly uploads: readonly UploadFacts[];
  /** step-ca's container: the online CA, which holds its own intermediate's key by design. */
  readonly onlineCa: boolean;
}

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** Config fields naming the file a service reads its private key from (SemStreams, Loom, step-ca). */
const KEY_PATH_FIELDS = new Set(['key_file', 'keyFile', 'key']);

/** Reads a docker_container resource back; undefined when it did not synthesize to a block. */
export function readContainer(app: SynthesizedApp, element: TerraformResource, stack: TerraformStack = TerraformStack.of(element)): ContainerFacts | undefined {
  const block = app.blockOf(element, stack) as Record<string, any> | undefined;
  if (!block) return undefined;
  const name = typeof block.name === 'string' ? block.name : element.node.path;
  const labels = new Map<string, string>((Array.isArray(block.labels) ? block.labels : [])
    .filter((l: any) => typeof l?.label === 'string' && typeof l?.value === 'string')
    .map((l: any) => [l.label, l.value] as [string, string]));
  const names = new Set<string>([name]);
  if (typeof block.hostname === 'string') names.add(block.hostname);
  // A container in another's network namespace (Loom's gateway) answers to that container's names.
  const shared = typeof block.network_mode === 'string' ? /^container:\$\{docker_container\.([A-Za-z0-9_-]+)\.id\}$/.exec(block.network_mode) : null;
  const owner = shared ? app.stackJson(stack).resource?.docker_container?.[shared[1]] as Record<string, any> | undefined : undefined;
  for (const b of owner ? [block, owner] : [block]) {
    for (const n of Array.isArray(b.networks_advanced) ? b.networks_advanced : []) {
      for (const a of Array.isArray(n?.aliases) ? n.aliases : []) if (typeof a === 'string') names.add(a);
    }
  }
  const raw: RawUpload[] = (Array.isArray(block.upload) ? block.upload : []).map((u: Record<string, any>) => readUpload(app, stack, u));
  const keyPaths = new Set(raw.flatMap((u) => (u.config ? keyPathsIn(u.config) : [])));
  return {
    element,
    stack,
    name,
    site: labels.get('federation-pki.site') ?? stack.node.id,
    node: labels.get('federation-pki.node') ?? name,
    names,
    uploads: raw.map(({ pemKey, ...u }) => ({ ...u, privateKey: pemKey || u.sources.some(isPrivateKeySource) || keyPaths.has(u.file) })),
    onlineCa: isOnlineCa(element.node.scope),
  };
}

/** An upload before the container's configs say which file is a key. */
type RawUpload = Omit<UploadFacts, 'privateKey'> & { readonly pemKey: boolean };

function readUpload(app: SynthesizedApp, stack: TerraformStack, u: Record<string, any>): RawUpload {
  const content = typeof u.content === 'string' ? u.content : typeof u.content_base64 === 'string' ? u.content_base64 : undefined;
  const literal = content !== undefined && isLiteral(content)
    ? (u.content === content ? literalText(content) : Buffer.from(content, 'base64').toString('utf8'))
    : undefined;
  const config = literal !== undefined ? parseConfig(literal) : undefined;
  return {
    file: typeof u.file === 'string' ? u.file : '',
    ...(typeof u.permissions === 'string' ? { permissions: u.permissions } : {}),
    executable: u.executable === true,
    sources: content !== undefined ? app.trace(stack, content) : [],
    ...(literal !== undefined ? { literal } : {}),
    ...(config ? { config } : {}),
    pemKey: literal !== undefined && PEM_PRIVATE_KEY.test(literal),
  };
}

/** A JSON or YAML map, or undefined (PEM text, plain text, invalid). */
export function parseConfig(text: string): Record<string, unknown> | undefined {
  const start = text.trimStart();
  if (start.startsWith('-----BEGIN ')) return undefined;
  let value: unknown;
  try {
    // yaml is loaded only for a YAML config (looms.yaml): a federation without Loom never pays for loading it.
    value = start.startsWith('{') ? JSON.parse(text) : (require('yaml') as typeof import('yaml')).parse(text, { maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** Absolute paths a config names as the file of a private key. */
function keyPathsIn(config: Record<string, unknown>): string[] {
  const paths: string[] = [];
  collectKeyPaths(config, paths, 0);
  return paths;
}

/**
 * `keyPathsIn`'s walk, on its own rather than through `forEachEntry` with a callback: with two callers passing
 * different callbacks, V8 optimizes the shared walker for one, deoptimizes on the other and compiles it again.
 */
function collectKeyPaths(value: unknown, paths: string[], depth: number): void {
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) collectKeyPaths(v, paths, depth);
    return;
  }
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'string') {
      if (KEY_PATH_FIELDS.has(k) && v.startsWith('/')) paths.push(v);
    } else collectKeyPaths(v, paths, depth + 1);
  }
}

/**
 * Calls `f` on every key/value pair inside a parsed config, with the chain of keys above it. The chain is one
 * array, extended and shortened as the walk goes: `f` reads it during the call and keeps no reference to it.
 */
export function forEachEntry(value: unknown, f: (key: string, value: unknown, parents: readonly string[]) => void, parents: string[] = []): void {
  if (parents.length > 64 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) forEachEntry(v, f, parents);
    return;
  }
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    f(k, v, parents);
    if (typeof v !== 'object' || v === null) continue;
    parents.push(k);
    forEachEntry(v, f, parents);
    parents.pop();
  }
}
