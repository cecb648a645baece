/**
 * Start order on fresh deploys: cdktf deploys the site stacks in parallel, so a downstream node often starts
 * before its upstream listens. The links' reconnect settings must heal that with nobody restarting anything.
 */
import { assert, Deployed, natsIp, sleep } from './deployed';
import { containersOf } from './docker';
import { probeFlow } from './flow';

/** How long after `cdktf deploy` returns the federation must carry data A→B→C (issue 17). */
export const WHOLE_WITHIN_MS = 60_000;

/** Publishes on A and listens on C from the moment both NATS servers accept connections. */
async function firstFlowAfter(d: Deployed, t0: number): Promise<number | undefined> {
  while (Date.now() - t0 < WHOLE_WITHIN_MS) {
    try {
      const r = await probeFlow(natsIp(d.name, 'location-a'), natsIp(d.name, 'location-c'), 'federated.data', WHOLE_WITHIN_MS - (Date.now() - t0));
      if (r.received > 0) return Date.now() - t0;
    } catch {
      await sleep(500); // NATS not listening yet, or its container not created yet
    }
  }
  return undefined;
}

/** When each SemStreams node started, relative to its upstream: shows whether a downstream went first. */
function startOrder(d: Deployed): string {
  const started = new Map(containersOf(d.name).map((c) => [c.name, Date.parse(c.startedAt)]));
  const at = (site: string) => started.get(`${d.name}-${site}`) ?? NaN;
  const rel = (down: string, up: string) => {
    const s = (at(down) - at(up)) / 1000;
    return `${down} ${Math.abs(s).toFixed(1)} s ${s < 0 ? 'before' : 'after'} ${up}`;
  };
  return `${rel('location-b', 'location-a')}, ${rel('location-c', 'location-b')}`;
}

/**
 * `rounds` times: destroy everything, deploy every stack in one `cdktf deploy` (site stacks in parallel), and
 * require data A→C within WHOLE_WITHIN_MS of the deploy returning, with no restart by hand.
 */
export async function freshParallelDeploys(d: Deployed, deployAll: (d: Deployed) => Promise<string>, rounds = 3): Promise<string> {
  const done: string[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const destroyed = await d.ws.destroy(d.stacks);
    assert(destroyed.status === 0, `round ${round}: cdktf destroy exited ${destroyed.status}`);
    assert(containersOf(d.name).length === 0, `round ${round}: containers left after destroy`);
    await deployAll(d);
    const t0 = Date.now();
    const ms = await firstFlowAfter(d, t0);
    const restarts = containersOf(d.name).filter((c) => c.restartCount > 0).map((c) => `${c.name} ×${c.restartCount}`);
    assert(ms !== undefined, `round ${round}: nothing reached location-c within ${WHOLE_WITHIN_MS / 1000} s of the deploy (${startOrder(d)}; self-restarts: ${restarts.join(', ') || 'none'})`);
    done.push(`round ${round}: ${(ms / 1000).toFixed(1)} s (${startOrder(d)}; self-restarts: ${restarts.join(', ') || 'none'})`);
  }
  return `whole within ${WHOLE_WITHIN_MS / 1000} s after each of ${rounds} fresh deploys, no restart by hand — ${done.join('; ')}`;
}
