/** One deployed example as the tier's checks see it, and the small helpers every check file uses. */
import { readFileSync } from 'fs';
import { clientIdentity } from '../../verify';
import { containersOf } from './docker';
import { Workspace } from './workspace';

export interface Deployed {
  readonly ws: Workspace;
  readonly spec: any;
  readonly name: string;
  readonly stacks: string[];
  readonly pkiStack: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function assert(cond: unknown, message: string): asserts cond { if (!cond) throw new Error(message); }

/** The federation root, from the pki stack's state (its `federation_ca_pem` output). */
export function federationRootPem(ws: Workspace, pkiStack: string): string {
  return JSON.parse(readFileSync(ws.statePath(pkiStack), 'utf8')).outputs.federation_ca_pem.value as string;
}

/** What `verify` needs from a deploy: the federation root, the nodes' identities (permitted clients), the canary. */
export function verifyInputs(ws: Workspace, pkiStack: string) {
  const ids = ws.identities();
  const ca = federationRootPem(ws, pkiStack);
  const canaryCn = [...ids.keys()].find((cn) => cn.startsWith('canary.'));
  const clients = [...ids.entries()].filter(([cn]) => cn !== canaryCn).map(([, v]) => clientIdentity(v.cert, v.key));
  const canary = canaryCn ? { canary: clientIdentity(ids.get(canaryCn)!.cert, ids.get(canaryCn)!.key) } : {};
  return { ids, ca, canaryCn, clients, canary };
}

/** A second `terraform plan` of every stack must change nothing (`-detailed-exitcode` 0). */
export async function planIsEmpty(ws: Workspace, stacks: readonly string[]): Promise<string> {
  const changed: string[] = [];
  for (const s of stacks) {
    const r = await ws.plan(s);
    if (r.status !== 0) changed.push(`${s} (exit ${r.status}${r.status === 2 ? ': changes planned' : ''})`);
  }
  assert(changed.length === 0, `a second plan is not empty: ${changed.join(', ')}`);
  return `terraform plan of ${stacks.length} stacks: No changes`;
}

/** The address of a site's NATS on its site network, where the flow probe publishes or subscribes. */
export function natsIp(name: string, site: string): string {
  const c = containersOf(name).find((x) => x.name === `${name}-${site}-nats`);
  assert(c, `no NATS container for ${site}`);
  const ip = c.ips[`${name}-${site}`];
  assert(ip, `NATS of ${site} has no address on the site network`);
  return ip;
}
