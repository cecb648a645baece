/**
 * Tier acme against the real step-ca and SemStreams: which certificate each side of a node really uses,
 * after a fresh deploy, after a restart with its ACME storage wiped, and across a restart while step-ca hangs.
 */
import { X509Certificate } from 'crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { join } from 'path';
import { resolveFederation } from '../../model/resolve';
import { SemStreamsNodeModel } from '../../model/model';
import { CheckResult, probe, runVerify } from '../../verify';
import { assert, Deployed, federationRootPem, natsIp, sleep } from './deployed';
import { docker } from './docker';
import { probeFlow } from './flow';

/** How long a restarting node may take to listen while step-ca hangs: lego's 30 s timeouts, once per ACME side. */
export const HUNG_STEP_CA_LIMIT_MS = 100_000;
/** How long a node may take to obtain its certificates from a healthy step-ca. */
const ISSUANCE_LIMIT_MS = 60_000;

/** Who issued a certificate a node serves or stores. */
type Issuer = 'step-ca' | 'fallback' | 'other';

interface Roots {
  readonly root: X509Certificate;
  readonly intermediates: readonly X509Certificate[];
}

/** The federation root and the step-ca intermediate(s), from the pki stack's state. */
function rootsOf(d: Deployed): Roots {
  const state = JSON.parse(readFileSync(d.ws.statePath(d.pkiStack), 'utf8'));
  const root = new X509Certificate(federationRootPem(d.ws, d.pkiStack));
  const intermediates: X509Certificate[] = [];
  for (const r of state.resources) {
    if (r.type !== 'tls_locally_signed_cert') continue;
    for (const i of r.instances) { const x = new X509Certificate(i.attributes.cert_pem); if (x.ca) intermediates.push(x); }
  }
  assert(intermediates.length > 0, 'no step-ca intermediate in the pki state');
  return { root, intermediates };
}

function issuerOf(x: X509Certificate, roots: Roots): Issuer {
  if (roots.intermediates.some((i) => x.checkIssued(i) && x.verify(i.publicKey))) return 'step-ca';
  if (x.checkIssued(roots.root) && x.verify(roots.root.publicKey)) return 'fallback';
  return 'other';
}

async function served(port: number, servername: string): Promise<X509Certificate | undefined> {
  const o = await probe({ host: '127.0.0.1', port, servername, timeoutMs: 5000 });
  return o.kind === 'established' ? new X509Certificate(o.peer.raw) : undefined;
}

/** Polls a server port until it serves a certificate `want` accepts, or `limitMs` passes. */
async function servedWithin(port: number, servername: string, limitMs: number, want: (x: X509Certificate) => boolean): Promise<{ cert?: X509Certificate; ms: number; last: string }> {
  const t0 = Date.now();
  let last = 'no TLS listener';
  while (Date.now() - t0 < limitMs) {
    const x = await served(port, servername).catch(() => undefined);
    if (x) { last = `served ${x.serialNumber} from ${x.issuer.replace(/\n/g, ', ')}`; if (want(x)) return { cert: x, ms: Date.now() - t0, last }; }
    await sleep(1000);
  }
  return { ms: Date.now() - t0, last };
}

function findPems(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try { entries = readdirSync(dir); } catch { return []; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(findPems(p));
    else if (/\.(pem|crt)$/.test(e) && /BEGIN CERTIFICATE/.test(readFileSync(p, 'utf8'))) out.push(p);
  }
  return out;
}

/** What `verify` says of the certificate a node serves (its `served-certificate` check), dialled on this engine. */
async function verifyServed(d: Deployed, n: SemStreamsNodeModel): Promise<CheckResult> {
  const model = resolveFederation(d.spec);
  const ca = federationRootPem(d.ws, d.pkiStack);
  const run = await runVerify(model, { ca, nodes: [n.id], endpoints: new Map([[n.id, { host: '127.0.0.1', port: n.output!.port }]]) });
  const r = run.results.find((x) => x.target === n.id && x.check === 'served-certificate');
  assert(r, `verify reported no served-certificate check for ${n.id}`);
  return r;
}

const volumeMount = (volume: string) => docker(['volume', 'inspect', '-f', '{{.Mountpoint}}', volume]);

/** The leaf certificates SemStreams stored for one ACME side (its `storage_path`, on the node's volume). */
function storedLeaves(n: SemStreamsNodeModel, side: 'client' | 'server'): X509Certificate[] {
  return findPems(join(volumeMount(n.acme!.volumeName), side)).map((p) => new X509Certificate(readFileSync(p))).filter((x) => !x.ca);
}

const hub = (d: Deployed): SemStreamsNodeModel => {
  const n = resolveFederation(d.spec).nodes.find((x) => x.id === 'location-b');
  assert(n && n.kind === 'semstreams' && n.output && n.inputs.length > 0 && n.acme, 'location-b is not an ACME hub (server and client sides)');
  return n;
};

/** Every node's sides after a fresh deploy: server certificates as served, client certificates as stored. */
export async function acmeIssued(d: Deployed): Promise<string> {
  const roots = rootsOf(d);
  const model = resolveFederation(d.spec);
  const seen: string[] = [];
  const problems: string[] = [];
  for (const n of model.nodes) {
    if (n.kind !== 'semstreams' || !n.output) continue;
    // The first deploy orders certificates as the nodes start.
    const r = await servedWithin(n.output.port, n.fqdn, ISSUANCE_LIMIT_MS, (x) => issuerOf(x, roots) === 'step-ca');
    if (!r.cert) { problems.push(`${n.id} server certificate is not from step-ca (${r.last})`); continue; }
    const v = await verifyServed(d, n);
    if (v.status === 'pass' && /step-ca/.test(v.detail)) seen.push(`${n.id} server (verify: ${v.status})`);
    else problems.push(`${n.id}: step-ca's certificate served, but verify says ${v.status}: ${v.detail}`);
  }
  for (const n of model.nodes) {
    if (n.kind !== 'semstreams' || n.inputs.length === 0 || !n.acme) continue;
    const certs = storedLeaves(n, 'client');
    if (certs.some((x) => issuerOf(x, roots) === 'step-ca')) seen.push(`${n.id} client`); else problems.push(`${n.id} client: no step-ca certificate in its ACME storage (${certs.length} certificates there)`);
  }
  const loom = model.nodes.find((n) => n.kind === 'loom');
  if (loom && loom.kind === 'loom' && loom.tls.mode === 'letsencrypt') {
    const r = await servedWithin(loom.grpcPort, loom.fqdn, ISSUANCE_LIMIT_MS, (x) => issuerOf(x, roots) === 'step-ca');
    if (r.cert) seen.push('loom'); else problems.push(`loom: its certificate is not from step-ca (${r.last})`);
  }
  assert(problems.length === 0, problems.join('; '));
  return `certificates from the deployed step-ca: ${seen.join(', ')}`;
}

/**
 * The hub restarted with its ACME storage wiped, `rounds` times: each time both of its ACME clients must
 * obtain a new step-ca certificate (the issue saw the two collide on :80 in 9 of 9 such restarts).
 */
export async function wipedStorageRestarts(d: Deployed, rounds = 3): Promise<string> {
  const roots = rootsOf(d);
  const n = hub(d);
  const container = `${d.name}-${n.id}`;
  const mount = volumeMount(n.acme!.volumeName);
  const done: string[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const before = await served(n.output!.port, n.fqdn);
    docker(['stop', container]);
    for (const e of readdirSync(mount)) rmSync(join(mount, e), { recursive: true, force: true });
    assert(findPems(mount).length === 0, `round ${round}: ${n.acme!.volumeName} still holds certificates after wiping`);
    docker(['start', container]);
    const r = await servedWithin(n.output!.port, n.fqdn, ISSUANCE_LIMIT_MS,
      (x) => issuerOf(x, roots) === 'step-ca' && x.serialNumber !== before?.serialNumber);
    assert(r.cert, `round ${round}: the server side serves no new step-ca certificate ${ISSUANCE_LIMIT_MS / 1000} s after a restart with wiped storage (${r.last})`);
    const clients = storedLeaves(n, 'client');
    assert(clients.some((x) => issuerOf(x, roots) === 'step-ca'), `round ${round}: the client side stored no step-ca certificate (${clients.length} certificates in its storage)`);
    assert(clients.every((x) => x.serialNumber !== r.cert!.serialNumber), `round ${round}: the client side stored the server side's certificate`);
    done.push(`round ${round}: server ${(r.ms / 1000).toFixed(1)} s, client stored ${clients[0].serialNumber.slice(0, 8)}`);
  }
  return `${container}, ACME storage wiped before each start: both sides obtained new step-ca certificates every time (${done.join('; ')})`;
}

/**
 * The hub restarted while step-ca hangs (paused, so it accepts connections and never answers). SemStreams
 * must give up on ACME and fall back to the federation certificate within lego's timeouts, and federate.
 * What is documented is checked too: it stays on the fallback after step-ca returns, until it restarts.
 */
export async function restartWhileStepCaHangs(d: Deployed): Promise<string> {
  const roots = rootsOf(d);
  const n = hub(d);
  const container = `${d.name}-${n.id}`;
  const stepCa = `${d.name}-step-ca`;
  docker(['pause', stepCa]);
  let listen: Awaited<ReturnType<typeof servedWithin>>;
  let flowMs: number;
  try {
    docker(['restart', container]);
    listen = await servedWithin(n.output!.port, n.fqdn, HUNG_STEP_CA_LIMIT_MS, () => true);
    assert(listen.cert, `with step-ca hung, ${container} had no TLS listener ${HUNG_STEP_CA_LIMIT_MS / 1000} s after restarting (${listen.last})`);
    const issuer = issuerOf(listen.cert, roots);
    assert(issuer === 'fallback', `with step-ca hung, ${container} serves a certificate from ${issuer}, not the federation fallback`);
    const t0 = Date.now();
    const f = await probeFlow(natsIp(d.name, 'location-a'), natsIp(d.name, 'location-c'), 'federated.data', HUNG_STEP_CA_LIMIT_MS - listen.ms);
    assert(f.received > 0, `with step-ca hung, nothing reached location-c through ${container} within ${HUNG_STEP_CA_LIMIT_MS / 1000} s of its restart`);
    flowMs = listen.ms + (Date.now() - t0);
    const paused = docker(['inspect', '-f', '{{.State.Paused}}', stepCa]);
    assert(paused === 'true', `step-ca was not paused throughout (State.Paused ${paused})`);
  } finally {
    docker(['unpause', stepCa]);
  }
  // Documented (README, "When step-ca is down or hangs"): the fallback is sticky until the node restarts.
  await sleep(15_000);
  const still = await served(n.output!.port, n.fqdn);
  assert(still && issuerOf(still, roots) === 'fallback', `after step-ca returned, ${container} no longer serves the fallback: the README's "sticky until restart" is stale`);
  const warned = await verifyServed(d, n);
  assert(warned.status === 'warn' && /fallback/.test(warned.detail), `verify did not flag ${n.id}'s fallback: ${warned.status} (${warned.detail})`);
  docker(['restart', container]);
  const back = await servedWithin(n.output!.port, n.fqdn, ISSUANCE_LIMIT_MS, (x) => issuerOf(x, roots) === 'step-ca');
  assert(back.cert, `after step-ca returned and ${container} restarted, it serves no step-ca certificate (${back.last})`);
  const cleared = await verifyServed(d, n);
  assert(cleared.status === 'pass', `verify after the restart: ${cleared.status} (${cleared.detail})`);
  return `step-ca paused: ${container} listened with the federation fallback ${(listen.ms / 1000).toFixed(1)} s after restarting, `
    + `location-c received ${(flowMs / 1000).toFixed(1)} s after it; after step-ca returned it kept the fallback 15 s later (verify: warn), `
    + `and served a step-ca certificate ${(back.ms / 1000).toFixed(1)} s after one more restart (verify: pass)`;
}
