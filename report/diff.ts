/**
 * What changes between two federations: trust edges first (what a reviewer must approve), then
 * certificates, then containers, then warnings gained or resolved. Pure comparison of two fact sets.
 */
import { CertificateFacts, ContainerFacts, FederationFacts, RootCaFacts } from './facts';
import { ContainerReplacement } from './replacements';
import { edgeKey, TrustEdge } from './trust-edges';
import { ReportWarning } from './warnings';

/** One field of one thing, before and after. */
export interface FieldChange {
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

/** Things present only in the new federation, only in the old, and in both but different. */
export interface SetChange<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
  readonly changed: readonly { readonly key: string; readonly before: T; readonly after: T; readonly fields: readonly FieldChange[] }[];
}

export interface FederationDiff {
  readonly oldName: string;
  readonly newName: string;
  readonly trustEdges: SetChange<TrustEdge>;
  /** Changes to the federation root: any one replaces the root, so every certificate is re-issued. */
  readonly root: readonly FieldChange[];
  readonly certificates: SetChange<CertificateFacts>;
  /** Containers added and removed (`changed` is unused: see `replacedContainers`). */
  readonly containers: SetChange<ContainerFacts>;
  /** Containers in both that the next deploy replaces, with why (from the synthesized stacks or a plan). */
  readonly replacedContainers: readonly ContainerReplacement[];
  readonly warnings: { readonly added: readonly ReportWarning[]; readonly removed: readonly ReportWarning[] };
}

/**
 * Compares two federations' facts. Which containers are replaced is not a fact of either spec alone: pass
 * it in (`replacementsFromStacks`, `replacementsFromPlan`); `diffOfSpecs` does.
 */
export function diffFacts(before: FederationFacts, after: FederationFacts, replacedContainers: readonly ContainerReplacement[] = []): FederationDiff {
  const warningKey = (w: ReportWarning) => `${w.kind} ${w.subject} ${w.message}`;
  const oldWarnings = new Set(before.warnings.map(warningKey));
  const newWarnings = new Set(after.warnings.map(warningKey));
  return {
    oldName: before.name,
    newName: after.name,
    trustEdges: diffSets(before.trustEdges, after.trustEdges, edgeKey, (e) => ({
      ports: e.ports.join(', '), clientCn: e.clientCn ?? '—', transport: e.transport, admittedBy: e.admittedBy,
    })),
    root: diffFields(rootFields(before.root), rootFields(after.root)),
    certificates: diffSets(before.certificates, after.certificates, (c) => `${c.nodeId} / ${c.source}`, (c) => ({
      commonName: c.commonName,
      sans: [...c.dnsNames.map((d) => `DNS:${d}`), ...c.ipAddresses.map((i) => `IP:${i}`)].join(' '),
      eku: c.eku.join(', '), keyAlgorithm: c.keyAlgorithm, lifetime: c.lifetime, renewal: c.renewal,
    })),
    containers: { ...diffSets(before.containers, after.containers, (c) => c.name, () => ({})), changed: [] },
    replacedContainers,
    warnings: {
      added: after.warnings.filter((w) => !oldWarnings.has(warningKey(w))),
      removed: before.warnings.filter((w) => !newWarnings.has(warningKey(w))),
    },
  };
}

/** True when nothing a reviewer sees differs. */
export function isEmptyDiff(d: FederationDiff): boolean {
  const empty = (s: SetChange<unknown>) => s.added.length === 0 && s.removed.length === 0 && s.changed.length === 0;
  return empty(d.trustEdges) && d.root.length === 0 && empty(d.certificates) && empty(d.containers)
    && d.replacedContainers.length === 0
    && d.warnings.added.length === 0 && d.warnings.removed.length === 0;
}

function rootFields(r: RootCaFacts): Record<string, string> {
  return { commonName: r.commonName, keyAlgorithm: r.keyAlgorithm, validityDays: String(r.validityDays) };
}

function diffSets<T>(before: readonly T[], after: readonly T[], key: (t: T) => string, fields: (t: T) => Record<string, string>): SetChange<T> {
  const oldByKey = new Map(before.map((t) => [key(t), t]));
  const newByKey = new Map(after.map((t) => [key(t), t]));
  const changed: { key: string; before: T; after: T; fields: FieldChange[] }[] = [];
  for (const [k, a] of newByKey) {
    const b = oldByKey.get(k);
    if (b === undefined) continue;
    const f = diffFields(fields(b), fields(a));
    if (f.length > 0) changed.push({ key: k, before: b, after: a, fields: f });
  }
  return {
    added: after.filter((t) => !oldByKey.has(key(t))),
    removed: before.filter((t) => !newByKey.has(key(t))),
    // The new federation's order, so the diff reads like the new report.
    changed,
  };
}

function diffFields(before: Record<string, string>, after: Record<string, string>): FieldChange[] {
  // Fields in the order the caller lists them: the order a reader scans a row.
  return Object.keys({ ...before, ...after })
    .filter((f) => before[f] !== after[f])
    .map((f) => ({ field: f, before: before[f] ?? '—', after: after[f] ?? '—' }));
}
