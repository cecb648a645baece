/**
 * What an app's stacks synthesize, read back as Terraform JSON, with every reference traced to where it
 * is defined (across stacks, through the remote-state outputs cdktf creates) and the hashicorp/tls graph
 * understood: which keys belong to a CA (root or intermediate), which to a leaf and whose.
 *
 * The policy reads this instead of the spec so it catches a construct bug or a hand-composed stack.
 */
import {
  TerraformDataSource, TerraformElement, TerraformLocal, TerraformOutput, TerraformProvider, TerraformResource, TerraformStack,
} from 'cdktf';
import { collectInterpolated, interpolations, referencesIn } from './references';

/** How deep a block sits in a stack's JSON (`resource.<type>.<name>`). */
const BLOCK_DEPTH = 3;

/** Where a reference leads: an attribute of a resource or data source in some stack. */
export interface TracedSource {
  readonly stack: TerraformStack;
  /** Terraform address in that stack, e.g. `tls_private_key.location-a` or `data.local_sensitive_file.k`. */
  readonly address: string;
  readonly attribute: string;
}

/** What a private key is for. */
export interface KeyFacts {
  /** Signs certificates: a CA's key. */
  readonly ca: boolean;
  /** The key of a self-signed CA: the federation root. */
  readonly root: boolean;
  /** CN of the CA certificate on this key, when it is a CA's. */
  readonly caName?: string;
  /** The leaf identity certified on this key (the CSR's subject), when it is a leaf's. */
  readonly owner?: { readonly commonName?: string; readonly dnsNames: readonly string[] };
}

/** A certificate resource. */
export interface CertificateFacts {
  readonly ca: boolean;
  readonly validityHours?: number;
  readonly commonName?: string;
}

/** Attributes that hold private key text. */
const PRIVATE_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  tls_private_key: ['private_key_pem', 'private_key_pem_pkcs8', 'private_key_openssh'],
  'data.local_sensitive_file': ['content', 'content_base64'],
};

/** Whether a traced source is private key text. */
export function isPrivateKeySource(s: TracedSource): boolean {
  return (PRIVATE_ATTRIBUTES[typeOf(s.address)] ?? []).includes(s.attribute);
}

type Json = Record<string, any>;
const REMOTE_STATE_PREFIX = 'cross-stack-reference-input-';
const MAX_TRACE_DEPTH = 8;
const LOCAL_REFERENCE = /(?<![\w.-])local\.([A-Za-z_][\w-]*)/g;

function pushAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

export class SynthesizedApp {
  private readonly json = new Map<TerraformStack, Json>();
  private readonly keys = new Map<string, KeyFacts>();
  private readonly certificates = new Map<string, CertificateFacts>();
  /** Stacks by construct path: remote-state data sources name their stack, and a lookup per reference must not scan every stack. */
  private readonly byPath = new Map<string, TerraformStack>();
  /**
   * What each stack's locals and outputs trace to, computed once: every site stack reads the same few outputs of
   * the public and keys stacks, and tracing them again per reference made the policy a tenth of a large synth.
   */
  private readonly tracedLocals = new Map<TerraformStack, Map<string, readonly TracedSource[]>>();
  private readonly tracedOutputs = new Map<TerraformStack, Map<string, readonly TracedSource[]>>();
  /** Addresses of the CA keys (`tls_private_key.federation-ca`), in whichever stack. */
  private readonly caKeyAddresses = new Set<string>();
  /** See `caKeyMentions()`; computed on first use. */
  private caKeyMentionsCache?: readonly string[];
  private readonly mentionsCaKey = new Map<TerraformStack, boolean>();

  /** Reads every stack back as Terraform JSON (all stacks, so references into unchecked stacks resolve too). */
  constructor(public readonly stacks: readonly TerraformStack[]) {
    for (const s of stacks) {
      this.json.set(s, s.toTerraform() as Json);
      this.byPath.set(s.node.path, s);
    }
    this.understandTlsGraph();
  }

  /** The stack's resolved Terraform JSON. */
  public stackJson(stack: TerraformStack): Json {
    return this.json.get(stack) ?? {};
  }

  /** Whether the stack deploys containers: a site stack (or step-ca's). */
  public deploysContainers(stack: TerraformStack): boolean {
    const resource = this.stackJson(stack).resource;
    return resource !== undefined && resource.docker_container !== undefined && Object.keys(resource.docker_container).length > 0;
  }

  /**
   * The resolved block an element synthesizes to (resource, data source, output, local, provider). `stack` is the
   * element's stack, when the caller knows it (finding it walks the construct tree).
   */
  public blockOf(element: TerraformElement, stack: TerraformStack = TerraformStack.of(element)): unknown {
    const j = this.stackJson(stack);
    const id = element.friendlyUniqueId;
    const inSection = (section: Json | undefined, type: string) => (section === undefined || section[type] === undefined ? undefined : section[type][id]);
    if (element instanceof TerraformResource) return inSection(j.resource, element.terraformResourceType);
    if (element instanceof TerraformDataSource) return inSection(j.data, element.terraformResourceType);
    if (element instanceof TerraformOutput) return j.output === undefined ? undefined : j.output[id];
    if (element instanceof TerraformLocal) return j.locals === undefined ? undefined : j.locals[id];
    if (element instanceof TerraformProvider) return j.provider === undefined ? undefined : j.provider[element.terraformResourceType];
    return undefined;
  }

  /** Every reference inside `value` (a block of `stack`), traced through locals and remote state to its definition. */
  public trace(stack: TerraformStack, value: unknown): TracedSource[] {
    const out: TracedSource[] = [];
    this.traceInto(out, stack, value, 0);
    return out;
  }

  private traceInto(out: TracedSource[], stack: TerraformStack, value: unknown, depth: number): void {
    for (const s of collectInterpolated(value, [])) {
      for (const body of interpolations(s)) {
        // A local value (the public stack relays certificates so) is traced into its definition.
        if (body.includes('local.')) {
          for (const m of body.matchAll(LOCAL_REFERENCE)) {
            if (depth < MAX_TRACE_DEPTH) pushAll(out, this.tracedLocal(stack, m[1], depth + 1));
          }
        }
        for (const ref of referencesIn(body)) {
          if (ref.kind === 'local') { out.push({ stack, address: ref.address, attribute: ref.attribute }); continue; }
          const origin = this.remoteOrigin(stack, ref.dataSource, ref.output);
          if (!origin) out.push({ stack, address: `data.terraform_remote_state.${ref.dataSource}`, attribute: `outputs.${ref.output}` });
          else if (depth < MAX_TRACE_DEPTH) pushAll(out, this.tracedOutput(origin, ref.output, depth + 1));
        }
      }
    }
  }

  /**
   * What local `name` of `stack` traces to. Memoized at depth 1 (one hop from the block being traced), where
   * every trace reaches it with the same depth budget left; deeper hops are computed inside those results
   * (once each), so results stay exactly what an unmemoized trace gives, cycles and the depth bound included.
   */
  private tracedLocal(stack: TerraformStack, name: string, depth: number): readonly TracedSource[] {
    const locals = this.stackJson(stack).locals;
    if (locals === undefined || locals[name] === undefined) return [];
    return this.memoized(this.tracedLocals, stack, name, depth, () => locals[name]);
  }

  /** What output `name` of `origin` traces to (it exists: `remoteOrigin` checked), memoized as `tracedLocal`. */
  private tracedOutput(origin: TerraformStack, name: string, depth: number): readonly TracedSource[] {
    return this.memoized(this.tracedOutputs, origin, name, depth, () => this.stackJson(origin).output[name].value);
  }

  private memoized(cache: Map<TerraformStack, Map<string, readonly TracedSource[]>>, stack: TerraformStack, name: string, depth: number, value: () => unknown): readonly TracedSource[] {
    const traced: TracedSource[] = [];
    if (depth !== 1) {
      this.traceInto(traced, stack, value(), depth);
      return traced;
    }
    let byName = cache.get(stack);
    if (byName === undefined) cache.set(stack, byName = new Map());
    const known = byName.get(name);
    if (known !== undefined) return known;
    this.traceInto(traced, stack, value(), depth);
    byName.set(name, traced);
    return traced;
  }

  /**
   * Whether any block of `stack` may reference a CA private key. False only when no string of the stack's JSON
   * that holds `${` mentions any of `caKeyMentions()`: a trace reads only such strings, so then no trace of any
   * of its blocks reaches a CA key, and tracing every string of every block (most of the policy's work in a site
   * stack) can be skipped with the same findings. (Reading only those strings, not the whole JSON as text,
   * spares serializing every stack: the config files inside are most of a site stack's bytes.)
   */
  public mayReferenceCaKey(stack: TerraformStack): boolean {
    let may = this.mentionsCaKey.get(stack);
    if (may === undefined) {
      const mentions = this.caKeyMentions();
      // From the stack's root, where blocks sit up to three levels down: the walk gets that much more depth
      // than a trace, which starts at a block, so it reads every string a trace can.
      may = mentions.length > 0 && collectInterpolated(this.stackJson(stack), [], -BLOCK_DEPTH).some((s) => mentions.some((m) => s.includes(m)));
      this.mentionsCaKey.set(stack, may);
    }
    return may;
  }

  /**
   * Text that every reference leading to a CA key contains: the key's address, `local.<name>` of a local and
   * `outputs.<name>` of an output whose value mentions any of these, to a fixed point over every stack. A trace
   * reaches a key only through such text (the address itself, or the `local.` / `.outputs.` reference it
   * follows), so this is a superset of what tracing finds, whatever the depth bound; names are matched across
   * stacks, which can only add mentions.
   */
  private caKeyMentions(): readonly string[] {
    if (this.caKeyMentionsCache !== undefined) return this.caKeyMentionsCache;
    const mentions = [...this.caKeyAddresses];
    let pending: { mention: string; text: string }[] = [];
    if (mentions.length > 0) {
      for (const stack of this.stacks) {
        const j = this.stackJson(stack);
        for (const [name, value] of Object.entries<unknown>(j.locals ?? {})) pending.push({ mention: `local.${name}`, text: JSON.stringify(value) ?? '' });
        for (const [name, output] of Object.entries<Json>(j.output ?? {})) pending.push({ mention: `outputs.${name}`, text: JSON.stringify(output?.value) ?? '' });
      }
    }
    for (let grew = true; grew;) {
      grew = false;
      const rest: typeof pending = [];
      for (const p of pending) {
        if (mentions.some((m) => p.text.includes(m))) { mentions.push(p.mention); grew = true; } else rest.push(p);
      }
      pending = rest;
    }
    return this.caKeyMentionsCache = mentions;
  }

  /** Facts about a private key source, when the tls graph says what it is for. */
  public keyFacts(s: TracedSource): KeyFacts | undefined {
    return this.keys.get(sourceId(s));
  }

  /** Facts about a certificate source (`tls_locally_signed_cert.x` / `tls_self_signed_cert.x`). */
  public certificateFacts(s: TracedSource): CertificateFacts | undefined {
    return this.certificates.get(sourceId(s));
  }

  /** The stack a remote-state output comes from: the one cdktf named the data source after, else the only stack with that output. */
  private remoteOrigin(stack: TerraformStack, dataSource: string, output: string): TerraformStack | undefined {
    const has = (s: TerraformStack) => {
      const outputs = this.stackJson(s).output;
      return s !== stack && outputs !== undefined && outputs[output] !== undefined;
    };
    if (dataSource.startsWith(REMOTE_STATE_PREFIX)) {
      const named = this.byPath.get(dataSource.slice(REMOTE_STATE_PREFIX.length));
      if (named && has(named)) return named;
    }
    const candidates = this.stacks.filter(has);
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** Which keys are CA keys (root or intermediate) and which belong to which leaf. */
  private understandTlsGraph(): void {
    const requests = new Map<string, { keys: TracedSource[]; commonName?: string; dnsNames: string[] }>();
    for (const stack of this.stacks) {
      for (const [id, r] of Object.entries<Json>(this.stackJson(stack).resource?.tls_cert_request ?? {})) {
        requests.set(sourceId({ stack, address: `tls_cert_request.${id}`, attribute: '' }), {
          keys: this.trace(stack, r.private_key_pem).filter(isPrivateKeySource),
          ...(typeof r.subject?.[0]?.common_name === 'string' ? { commonName: r.subject[0].common_name } : {}),
          dnsNames: Array.isArray(r.dns_names) ? r.dns_names.filter((d: unknown) => typeof d === 'string') : [],
        });
      }
    }
    const mark = (sources: TracedSource[], facts: KeyFacts) => {
      for (const s of sources.filter(isPrivateKeySource)) {
        if (facts.ca) this.caKeyAddresses.add(s.address);
        const before = this.keys.get(sourceId(s));
        // A key that is a CA's anywhere stays a CA's; the root mark is never lost.
        if (before?.ca && !facts.ca) continue;
        this.keys.set(sourceId(s), before?.root ? before : facts);
      }
    };
    for (const stack of this.stacks) {
      const resource = this.stackJson(stack).resource ?? {};
      for (const [id, c] of Object.entries<Json>(resource.tls_self_signed_cert ?? {})) {
        const ca = c.is_ca_certificate === true;
        const commonName = c.subject?.[0]?.common_name;
        this.certificates.set(sourceId({ stack, address: `tls_self_signed_cert.${id}`, attribute: '' }), certificate(ca, c.validity_period_hours, commonName));
        if (ca) mark(this.trace(stack, c.private_key_pem), { ca: true, root: true, caName: commonName });
      }
      for (const [id, c] of Object.entries<Json>(resource.tls_locally_signed_cert ?? {})) {
        const ca = c.is_ca_certificate === true;
        const request = this.trace(stack, c.cert_request_pem).map((s) => requests.get(sourceId({ ...s, attribute: '' }))).find((r) => r !== undefined);
        this.certificates.set(sourceId({ stack, address: `tls_locally_signed_cert.${id}`, attribute: '' }), certificate(ca, c.validity_period_hours, request?.commonName));
        mark(this.trace(stack, c.ca_private_key_pem), { ca: true, root: false });
        if (request && ca) mark(request.keys, { ca: true, root: false, ...(request.commonName ? { caName: request.commonName } : {}) });
        if (request && !ca) mark(request.keys, { ca: false, root: false, owner: { ...(request.commonName ? { commonName: request.commonName } : {}), dnsNames: request.dnsNames } });
      }
    }
  }
}

function certificate(ca: boolean, validityHours: unknown, commonName: unknown): CertificateFacts {
  return {
    ca,
    ...(typeof validityHours === 'number' ? { validityHours } : {}),
    ...(typeof commonName === 'string' ? { commonName } : {}),
  };
}

/** Construct paths of stacks, computed once: `node.path` walks the tree on every call. */
const stackPaths = new WeakMap<TerraformStack, string>();

/** One map key per resource: stack path and address (the attribute does not matter). */
export function sourceId(s: TracedSource): string {
  let path = stackPaths.get(s.stack);
  if (path === undefined) stackPaths.set(s.stack, path = s.stack.node.path);
  return `${path}|${s.address}`;
}

/** Terraform type of an address: `tls_private_key` or `data.local_sensitive_file`. */
export function typeOf(address: string): string {
  return address.slice(0, address.lastIndexOf('.'));
}
