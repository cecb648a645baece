/**
 * `verify` end to end: every endpoint of the spec in turn, then step-ca when asked. Results arrive through
 * `onResult` as they are known (for progress lines) and are returned together (for the table or JSON).
 */
import { FederationModel } from '../model/model';
import { checkEndpoint, ClientIdentity } from './endpoint-checks';
import { IssuedIdentity, issueForeignClient } from './issue';
import { CheckResult } from './result';
import { checkStepCa } from './step-ca-checks';
import { HostPort, targetsOf, UnverifiedNode, VerifyTarget } from './targets';

export interface VerifyOptions {
  /** The federation root, PEM (`--ca`). */
  readonly ca: string;
  /**
   * Endpoint overrides by target id (`--endpoint node=host:port`; a Loom HTTP port: `node:http=host:port`).
   * Without one an endpoint is dialled where the spec publishes it: the site's `docker.address`, else its
   * remote engine's host, else the node's FQDN (dial-route.ts).
   */
  readonly endpoints?: ReadonlyMap<string, HostPort>;
  /** Only these nodes (`--node`); default every node with a TLS server. */
  readonly nodes?: readonly string[];
  /** @default [] */
  readonly clients?: readonly ClientIdentity[];
  readonly canary?: ClientIdentity;
  /** @default 30 */
  readonly warnDays?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** step-ca's base URL (`--step-ca`): checks /health and the ACME directories. */
  readonly stepCaUrl?: string;
  /** @default the spec's provisioners, else ['acme'] */
  readonly acmeProvisioners?: readonly string[];
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface VerifyRun {
  readonly results: readonly CheckResult[];
  /** The endpoints dialled, with where and why (override, the site's address, its engine's host, or the FQDN). */
  readonly targets: readonly VerifyTarget[];
  /** Nodes of the spec not dialled, and why. */
  readonly unverified: readonly UnverifiedNode[];
}

/** Runs every check. Throws only on bad options (an override or --node naming no verifiable node). */
export async function runVerify(model: FederationModel, o: VerifyOptions, onResult: (r: CheckResult) => void = () => undefined): Promise<VerifyRun> {
  const { targets, unverified } = targetsOf(model, o.endpoints);
  for (const id of o.nodes ?? []) {
    if (!targets.some((t) => t.nodeId === id)) throw new Error(`--node ${id}: ${unverified.find((u) => u.nodeId === id)?.reason ?? 'no such node in the spec'}`);
  }
  const chosen = o.nodes && o.nodes.length > 0 ? targets.filter((t) => o.nodes!.includes(t.nodeId)) : targets;
  const foreign = new Map<string, IssuedIdentity>();
  const inputs = {
    ca: o.ca,
    clients: o.clients ?? [],
    ...(o.canary ? { canary: o.canary } : {}),
    warnDays: o.warnDays ?? 30,
    timeoutMs: o.timeoutMs ?? 5000,
    now: o.now ?? (() => new Date()),
    foreignClient: (cn: string) => {
      if (!foreign.has(cn)) foreign.set(cn, issueForeignClient(cn));
      return foreign.get(cn)!;
    },
  };
  const results: CheckResult[] = [];
  for (const t of chosen) results.push(...await checkEndpoint(t, inputs, onResult));
  if (o.stepCaUrl !== undefined) {
    const provisioners = o.acmeProvisioners ?? model.stepCa?.provisioners.map((p) => p.name) ?? ['acme'];
    results.push(...await checkStepCa({ url: o.stepCaUrl, ca: o.ca, provisioners, timeoutMs: inputs.timeoutMs }, onResult));
  }
  return { results, targets: chosen, unverified };
}
