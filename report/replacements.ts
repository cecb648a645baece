/**
 * Which containers a change replaces, and why. Docker cannot change a running container's uploads, image,
 * ports or environment, so the kreuzwerker/docker provider replaces the container whenever any of them
 * changes: a new config (e.g. an allow-list gaining a CN), a re-issued certificate, a new image or port.
 *
 * Two sources, one shape: the synthesized Terraform JSON of both federations (what `report --diff` does by
 * default), or `terraform show -json` of a real plan, which knows exactly what Terraform will do.
 */
import { FederationModel, NodeModel } from '../model/model';
import { byText } from './text';

/** What forces a replacement. */
export type ReplacementCause =
  | 'config' | 'allow-list' | 'certificate' | 'CA certificate' | 'key' | 'image' | 'ports' | 'env' | 'command' | 'other';

export interface ReplacementReason {
  readonly cause: ReplacementCause;
  /** In words, e.g. `allowed_client_cns gains location-c.semstreams.local`. Never file content. */
  readonly detail: string;
}

export interface ContainerReplacement {
  readonly siteId: string;
  /** The Docker container name. */
  readonly container: string;
  readonly reasons: readonly ReplacementReason[];
}

/** A site stack's Terraform JSON (cdk.tf.json), as far as this module reads it. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
}

/** What a file inside a node's container is, from the paths its config names. */
type FileRole = 'config' | 'CA certificate' | 'certificate' | 'key' | 'other';

/** Facts about the federations the synthesized stacks came from, for naming files and certificates. */
export interface ReplacementContext {
  readonly before: FederationModel;
  readonly after: FederationModel;
  /** Node ids whose federation certificate is re-issued (a changed subject, SANs, EKU, key or lifetime). */
  readonly reissuedCertificates: ReadonlySet<string>;
  /** The federation root is replaced: every CA file changes. */
  readonly rootReplaced: boolean;
}

/**
 * Replacements between two synths: the container blocks of both sides, matched by container name, compared
 * attribute by attribute (uploads file by file); certificate re-issues come from the context, since an upload
 * of a certificate is a reference whose text does not change when the certificate does.
 */
export function replacementsFromStacks(
  before: ReadonlyMap<string, StackJson>, after: ReadonlyMap<string, StackJson>, ctx: ReplacementContext,
): ContainerReplacement[] {
  const oldContainers = containersOf(before);
  const nodeByContainer = new Map(ctx.after.nodes.map((n) => [n.containerName, n]));
  const siteByContainer = siteOfContainers(ctx.after);
  const result: ContainerReplacement[] = [];
  for (const [name, now] of containersOf(after)) {
    const was = oldContainers.get(name);
    if (!was) continue;
    const node = nodeByContainer.get(name);
    const reasons: ReplacementReason[] = [];
    const imageBefore = imageName(was), imageAfter = imageName(now);
    if (imageBefore !== imageAfter) reasons.push({ cause: 'image', detail: `${imageBefore} → ${imageAfter}` });
    if (!same(was.block.ports, now.block.ports)) reasons.push({ cause: 'ports', detail: `${portsText(was.block.ports)} → ${portsText(now.block.ports)}` });
    if (!same(was.block.env, now.block.env)) reasons.push({ cause: 'env', detail: envChange(was.block.env, now.block.env) });
    if (!same(was.block.command, now.block.command)) reasons.push({ cause: 'command', detail: `${JSON.stringify(was.block.command ?? [])} → ${JSON.stringify(now.block.command ?? [])}` });
    reasons.push(...uploadReasons(uploadsByFile(was.block.upload), uploadsByFile(now.block.upload), node));
    if (node && node.certificate && ctx.reissuedCertificates.has(node.id) && !reasons.some((r) => r.cause === 'certificate')) {
      reasons.push({ cause: 'certificate', detail: `${node.paths.certFile}: re-issued by the pki stack from the site keys stack's new CSR (the key at ${node.paths.keyFile} is kept unless the key algorithm changed)` });
    }
    if (node && node.tier !== 'none' && ctx.rootReplaced && !reasons.some((r) => r.cause === 'CA certificate')) {
      reasons.push({ cause: 'CA certificate', detail: `${node.paths.caFile}: new federation root` });
    }
    const others = otherAttributes(was.block, now.block);
    if (others.length > 0) reasons.push({ cause: 'other', detail: others.join(', ') });
    if (reasons.length > 0) result.push({ siteId: siteByContainer.get(name) ?? now.stack, container: name, reasons });
  }
  return sortReplacements(result);
}

/** `terraform show -json PLAN` output, as far as this module reads it. */
export interface TerraformPlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly type: string;
    readonly change: {
      readonly actions: readonly string[];
      readonly before?: Record<string, any> | null;
      readonly after?: Record<string, any> | null;
      readonly after_unknown?: Record<string, any>;
      readonly replace_paths?: readonly (readonly (string | number)[])[];
    };
    readonly action_reason?: string;
  }[];
}

/**
 * Replacements Terraform plans: every docker_container whose actions are delete and create (either order),
 * with the reasons read from `replace_paths`, uploads compared file by file. `model` names the files.
 */
export function replacementsFromPlan(plans: readonly TerraformPlanJson[], model: FederationModel): ContainerReplacement[] {
  const nodeByContainer = new Map(model.nodes.map((n) => [n.containerName, n]));
  const siteByContainer = siteOfContainers(model);
  const result: ContainerReplacement[] = [];
  for (const plan of plans) {
    for (const rc of plan.resource_changes ?? []) {
      const { actions, before, after } = rc.change;
      if (rc.type !== 'docker_container' || !(actions.includes('delete') && actions.includes('create'))) continue;
      const name = String(after?.name ?? before?.name ?? rc.address);
      const node = nodeByContainer.get(name);
      const paths = rc.change.replace_paths ?? [];
      const reasons: ReplacementReason[] = [];
      const attributes = [...new Set(paths.map((p) => String(p[0])))];
      for (const attr of attributes) {
        switch (attr) {
          case 'upload': {
            const unknown = rc.change.after_unknown?.upload;
            const found = uploadReasons(uploadsByFile(before?.upload), uploadsByFile(after?.upload), node);
            if (found.length > 0) reasons.push(...found);
            else reasons.push({ cause: 'other', detail: unknown ? 'upload: content known only at apply' : 'upload' });
            break;
          }
          case 'image': reasons.push({ cause: 'image', detail: `${before?.image ?? '?'} → ${after?.image ?? '(known after apply)'}` }); break;
          case 'ports': reasons.push({ cause: 'ports', detail: `${portsText(before?.ports)} → ${portsText(after?.ports)}` }); break;
          case 'env': reasons.push({ cause: 'env', detail: envChange(before?.env, after?.env) }); break;
          case 'command': reasons.push({ cause: 'command', detail: `${JSON.stringify(before?.command ?? [])} → ${JSON.stringify(after?.command ?? [])}` }); break;
          default: reasons.push({ cause: 'other', detail: ATTRIBUTE_WORDS[attr] ?? attr });
        }
      }
      if (reasons.length === 0) reasons.push({ cause: 'other', detail: `Terraform plans a replacement (${rc.action_reason ?? 'no replace_paths in the plan'})` });
      result.push({ siteId: siteByContainer.get(name) ?? '?', container: name, reasons });
    }
  }
  return sortReplacements(result);
}

interface ContainerBlock {
  readonly stack: string;
  readonly block: Record<string, any>;
  readonly images: Record<string, Record<string, any>>;
}

function containersOf(stacks: ReadonlyMap<string, StackJson>): Map<string, ContainerBlock> {
  const found = new Map<string, ContainerBlock>();
  for (const [stack, json] of stacks) {
    const images = json.resource?.docker_image ?? {};
    for (const block of Object.values(json.resource?.docker_container ?? {})) found.set(String(block.name), { stack, block, images });
  }
  return found;
}

/** The image a container runs: the docker_image its `image` references, by that image's name. */
function imageName(c: ContainerBlock): string {
  const m = /^\$\{docker_image\.([^.]+)\.image_id\}$/.exec(String(c.block.image));
  return m ? String(c.images[m[1]]?.name ?? c.block.image) : String(c.block.image);
}

function siteOfContainers(model: FederationModel): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of model.sites) {
    if (s.natsContainer) m.set(s.natsContainer.name, s.id);
    for (const n of s.nodes) {
      m.set(n.containerName, s.id);
      // A Loom node's gateway and the holder of its network namespace are its site's containers too.
      if (n.kind === 'loom' && n.gateway) {
        m.set(n.gateway.containerName, s.id);
        m.set(n.gateway.namespaceContainerName, s.id);
      }
    }
  }
  if (model.stepCa) m.set(model.stepCa.containerName, model.stepCa.siteId);
  return m;
}

interface Upload { readonly file: string; readonly content?: unknown; readonly content_base64?: unknown; readonly source?: unknown; readonly source_hash?: unknown; readonly permissions?: unknown }

function uploadsByFile(uploads: unknown): Map<string, Upload> {
  return new Map((Array.isArray(uploads) ? uploads as Upload[] : []).map((u) => [u.file, u]));
}

/** Upload differences, file by file, named by what the file is. */
function uploadReasons(before: Map<string, Upload>, after: Map<string, Upload>, node?: NodeModel): ReplacementReason[] {
  const reasons: ReplacementReason[] = [];
  const files = [...new Set([...before.keys(), ...after.keys()])].sort(byText);
  for (const file of files) {
    const b = before.get(file), a = after.get(file);
    const role = roleOf(file, node);
    const cause: ReplacementCause = role === 'other' ? 'other' : role;
    if (!b || !a) { reasons.push({ cause, detail: `${file} ${a ? 'added' : 'removed'}` }); continue; }
    const contentChanged = !same(b.content, a.content) || !same(b.content_base64, a.content_base64) || !same(b.source_hash, a.source_hash) || !same(b.source, a.source);
    if (!contentChanged && same(b.permissions, a.permissions)) continue;
    if (!contentChanged) { reasons.push({ cause, detail: `${file}: mode ${String(b.permissions)} → ${String(a.permissions)}` }); continue; }
    if (role === 'config') reasons.push(...configReasons(file, b.content, a.content));
    else reasons.push({ cause, detail: `${file} changes` });
  }
  return reasons;
}

function roleOf(file: string, node?: NodeModel): FileRole {
  if (!node) return 'other';
  const p = node.paths;
  if (file === p.configFile) return 'config';
  if (file === p.caFile || file === p.previousCaFile) return 'CA certificate';
  if (file === p.certFile) return 'certificate';
  if (file === p.keyFile) return 'key';
  return 'other';
}

const MAX_LISTED_PATHS = 6;

/** A config file's change: the allow-list apart (what a reviewer must approve), then the other settings by path. */
function configReasons(file: string, before: unknown, after: unknown): ReplacementReason[] {
  const b = parseConfig(before), a = parseConfig(after);
  if (b === undefined || a === undefined) return [{ cause: 'config', detail: `${file} changes` }];
  const reasons: ReplacementReason[] = [];
  const cnsBefore = new Set(allowLists(b)), cnsAfter = new Set(allowLists(a));
  const gained = [...cnsAfter].filter((c) => !cnsBefore.has(c)).sort(byText);
  const lost = [...cnsBefore].filter((c) => !cnsAfter.has(c)).sort(byText);
  if (gained.length > 0 || lost.length > 0) {
    reasons.push({ cause: 'allow-list', detail: `allowed_client_cns ${[gained.length > 0 ? `gains ${gained.join(', ')}` : '', lost.length > 0 ? `loses ${lost.join(', ')}` : ''].filter(Boolean).join(' and ')}` });
  }
  const changed = leafDiff(b, a, '').filter((p) => !/(^|\.)allowed_client_cns(\[|$)/.test(p));
  if (changed.length > 0) {
    const listed = changed.slice(0, MAX_LISTED_PATHS).join(', ');
    reasons.push({ cause: 'config', detail: `${file}: ${listed}${changed.length > MAX_LISTED_PATHS ? ` and ${changed.length - MAX_LISTED_PATHS} more` : ''}` });
  }
  if (reasons.length === 0) reasons.push({ cause: 'config', detail: `${file} changes (formatting only)` });
  return reasons;
}

/** SemStreams' JSON, or Loom's YAML (loaded only when needed, as elsewhere). */
function parseConfig(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try { return JSON.parse(text); } catch { /* not JSON */ }
  try { return (require('yaml') as typeof import('yaml')).parse(text); } catch { return undefined; }
}

function allowLists(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(allowLists);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
    (k === 'allowed_client_cns' && Array.isArray(x) ? x.map(String) : allowLists(x)));
}

/** Paths of the leaves that differ (a changed array is one path). */
function leafDiff(b: unknown, a: unknown, path: string): string[] {
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (isObj(b) && isObj(a)) {
    return [...new Set([...Object.keys(b), ...Object.keys(a)])].sort(byText)
      .flatMap((k) => leafDiff(b[k], a[k], path ? `${path}.${k}` : k));
  }
  return same(b, a) ? [] : [path || '(whole file)'];
}

/** Container attributes compared above, or set by the library to the same value on every container. */
const EXPLAINED = new Set(['image', 'ports', 'env', 'command', 'upload', '//', 'depends_on', 'lifecycle', 'provider']);

/** Terraform attribute names a reviewer may not know, in words. */
const ATTRIBUTE_WORDS: Readonly<Record<string, string>> = {
  networks_advanced: 'networks_advanced (networks or DNS aliases)',
  host: 'host (extra /etc/hosts entries)',
  mounts: 'mounts (volumes)',
};

function otherAttributes(b: Record<string, any>, a: Record<string, any>): string[] {
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !EXPLAINED.has(k) && !same(b[k], a[k])).sort(byText)
    .map((k) => ATTRIBUTE_WORDS[k] ?? k);
}

function portsText(ports: unknown): string {
  if (!Array.isArray(ports) || ports.length === 0) return 'none';
  return ports.map((p: any) => (p.external !== undefined && p.external !== p.internal ? `${p.external}:${p.internal}` : String(p.internal))).join(', ');
}

/** Names of the variables that change, never their values (they may be secrets). */
function envChange(before: unknown, after: unknown): string {
  const names = (e: unknown) => new Map((Array.isArray(e) ? e : []).map((x: string) => {
    const i = String(x).indexOf('=');
    return [i >= 0 ? String(x).slice(0, i) : String(x), String(x)] as [string, string];
  }));
  const b = names(before), a = names(after);
  const changed = [...new Set([...b.keys(), ...a.keys()])].filter((k) => b.get(k) !== a.get(k)).sort(byText);
  return changed.length > 0 ? `variables ${changed.join(', ')}` : 'order of variables';
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sortReplacements(r: ContainerReplacement[]): ContainerReplacement[] {
  return r.sort((x, y) => byText(x.siteId, y.siteId) || byText(x.container, y.container));
}
