/**
 * The real-peer tier (`npm run test:real`): deploys both shipped examples with `cdktf deploy` to a local
 * Docker engine running the real SemStreams, Loom, NATS and step-ca, with the real Terraform providers, and
 * proves from outside what only a real deploy can show. Programs come from the environment (README, "The
 * real-peer tier"); a check whose prerequisite is missing is reported "not run: <what>", never passed.
 * Exit 1 when any check fails; checks that could not run do not fail the run, they show.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as http from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, TerraformStack } from 'cdktf';
import { parse } from 'yaml';
import { resolveFederation } from '../../model/resolve';
import { FederationSpec } from '../../model/spec';
import { Federation } from '../../stacks/federation';
import { admissionOf, httpProbeRequest, probe, runVerify } from '../../verify';
import { acmeIssued, restartWhileStepCaHangs, wipedStorageRestarts } from './acme-checks';
import { assert, Deployed, natsIp, planIsEmpty, sleep, verifyInputs } from './deployed';
import { allVolumes, containersOf, ContainerState, docker, hostAddressForContainers, logsOf, namedLike } from './docker';
import { freshParallelDeploys } from './fresh-deploys';
import { probeFlow } from './flow';
import { imageFor, versionOf } from './images';
import { MULTI_HOST_ID, runMultiHost } from './multi-host';
import { findEnvironment, isMissing, PINNED_PROVIDERS, PROGRAMS, ProgramName, RealEnvironment } from './prereqs';
import { progress, renderSummary, Row, Verdict } from './summary';
import { REPO, Workspace } from './workspace';

const SETTLE_SECONDS = Number(process.env.FPKI_REAL_SETTLE_SECONDS ?? 25);
const FLOW_TIMEOUT_MS = 60_000;
const RECOVERY_LIMIT_MS = 30_000;
const LLM_STUB_MODEL = 'federation-pki-stub';

const rows: Row[] = [];

function record(example: string, check: string, verdict: Verdict, detail: string, seconds = 0): void {
  rows.push({ example, check, verdict, detail, seconds });
  progress(`${verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'NOT RUN'} ${example} ${check}: ${detail}`);
}

/** Runs one check: a thrown error is its failure; `blocked` (a reason) makes it "not run". */
async function check(example: string, name: string, blocked: string | undefined, fn: () => Promise<string>): Promise<boolean> {
  if (blocked) { record(example, name, 'not run', blocked); return false; }
  progress(`… ${example} ${name}`);
  const t0 = Date.now();
  try {
    const detail = await fn();
    record(example, name, 'pass', detail, (Date.now() - t0) / 1000);
    return true;
  } catch (e) {
    record(example, name, 'fail', (e as Error).message, (Date.now() - t0) / 1000);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The LLM stand-in: Loom checks its LLM before it listens; an Ollama-shaped answer to GET /api/tags suffices.

function startLlmStub(address: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/api/tags')) res.end(JSON.stringify({ models: [{ name: LLM_STUB_MODEL, model: LLM_STUB_MODEL }] }));
    else { res.statusCode = 404; res.end('{}'); }
  });
  return new Promise((res, rej) => { server.once('error', rej); server.listen(0, address, () => res(server)); });
}

// ---------------------------------------------------------------------------------------------------------
// Example specs, adapted to this engine: images by name, the LLM stand-in. Nothing else changes.

interface Example { readonly id: string; readonly file: string }
const EXAMPLES: readonly Example[] = [
  { id: 'manual', file: 'examples/three-locations.yaml' },
  { id: 'acme', file: 'examples/three-locations-acme.yaml' },
];

function adaptSpec(file: string, images: Partial<Record<ProgramName, string>>, llmEndpoint: string): any {
  const spec = parse(readFileSync(join(REPO, file), 'utf8'));
  spec.images = { ...(spec.images ?? {}), semstreams: images.semstreams, loom: images.loom, nats: images.nats, loomGateway: images.gateway };
  if (spec.stepCa) spec.stepCa.image = images.stepCa;
  for (const site of spec.sites) {
    for (const node of site.nodes) {
      if (node.kind !== 'loom') continue;
      node.extraConfig = { ...(node.extraConfig ?? {}), llm: { provider: 'ollama', ollama_endpoint: llmEndpoint, ollama_model: LLM_STUB_MODEL } };
    }
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Every stack of the spec, in an order cdktf deploys: the keys stacks (`<name>-keys-<site>`, `<name>-keys-step-ca`),
 * the pki stack that signs their CSRs, `<name>-pki-public` that relays the certificates, step-ca, then the sites.
 * Taken from the Federation construct itself (not synthesized), so the list cannot drift from what synth writes.
 */
function stacksOf(spec: FederationSpec): { all: string[]; pki: string; sites: string[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'fpki-real-stacks-'));
  try {
    const fed = new Federation(new App({ outdir }), 'federation', { spec: JSON.parse(JSON.stringify(spec)) });
    const name = (st: TerraformStack) => st.node.id;
    const sites = [...fed.sites.values()].map(name);
    const all = [...fed.keys.map(name), name(fed.pki), name(fed.publicMaterial), ...(fed.stepCa ? [name(fed.stepCa)] : []), ...sites];
    return { all, pki: name(fed.pki), sites };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function flowAtoC(d: Deployed, timeoutMs = FLOW_TIMEOUT_MS): Promise<string> {
  const r = await probeFlow(natsIp(d.name, 'location-a'), natsIp(d.name, 'location-c'), 'federated.data', timeoutMs);
  assert(r.received > 0, `nothing published on location-a's NATS arrived on location-c's within ${timeoutMs / 1000} s (${r.sent} sent)`);
  return `${r.received} messages arrived A→B→C, the first ${(r.firstAfterMs! / 1000).toFixed(1)} s after publishing began (${r.sent} sent)`;
}

function describeRestarts(cs: readonly ContainerState[]): string {
  return cs.map((c) => `${c.name}: ${c.status}, ${c.restartCount} restarts${c.status !== 'running' ? `, exit ${c.exitCode}` : ''}`).join('; ');
}

async function settled(name: string): Promise<string> {
  const first = containersOf(name);
  assert(first.length > 0, 'no containers found');
  await sleep(SETTLE_SECONDS * 1000);
  const after = containersOf(name);
  const bad = after.filter((c) => {
    const before = first.find((f) => f.id === c.id);
    return c.status !== 'running' || !before || before.restartCount !== c.restartCount || before.startedAt !== c.startedAt;
  });
  if (bad.length > 0) {
    const tails = bad.map((c) => `${c.name} log: ${logsOf(c.name, 6).replace(/\s+/g, ' ').slice(-400)}`).join(' || ');
    throw new Error(`not running steadily after ${SETTLE_SECONDS} s: ${describeRestarts(bad)} — ${tails}`);
  }
  return `${after.length} containers running, none restarted in ${SETTLE_SECONDS} s (${after.map((c) => c.name).join(', ')})`;
}

/** The admission checks every published server port must pass. */
const MATRIX_CHECKS = ['handshake', 'names', 'legacy-tls', 'no-client-cert', 'foreign-ca', 'canary', 'permitted-client'];

/** The handshake matrix at every published SemStreams server port, through `verify` plus an off-list federation CN. */
async function handshakeMatrix(d: Deployed, extraAllowedCheck = true): Promise<string> {
  const model = resolveFederation(d.spec);
  const { ids, ca, canaryCn, clients, canary } = verifyInputs(d.ws, d.pkiStack);
  const nodes = model.nodes.filter((n) => n.kind === 'semstreams' && n.output);
  const endpoints = new Map(nodes.map((n) => [n.id, { host: '127.0.0.1', port: (n as any).output.port }]));
  const run = await runVerify(model, { ca, endpoints, nodes: nodes.map((n) => n.id), clients, ...canary });
  const wanted = MATRIX_CHECKS;
  const problems = run.results.filter((r) => wanted.includes(r.check) && r.status !== 'pass').map((r) => `${r.target} ${r.check}: ${r.status} (${r.detail})`);
  for (const n of nodes) {
    for (const c of wanted) if (!run.results.some((r) => r.target === n.id && r.check === c)) problems.push(`${n.id} ${c}: no result`);
  }
  if (extraAllowedCheck) {
    // A federation-issued client certificate whose CN is not on this server's list.
    for (const n of nodes) {
      const allowed = (n as any).output.allowedClientCns as string[];
      const other = [...ids.entries()].find(([cn]) => cn !== canaryCn && !allowed.includes(cn) && cn !== n.fqdn);
      if (!other) { problems.push(`${n.id} off-list CN: no federation certificate off its list to try`); continue; }
      const o = await probe({ host: '127.0.0.1', port: (n as any).output.port, servername: n.fqdn, ca, cert: other[1].cert, key: other[1].key, request: httpProbeRequest(n.fqdn, (n as any).output.path) });
      const a = admissionOf(o);
      if (a.admitted !== false) problems.push(`${n.id}: federation CN ${other[0]} (not on its list) was ${a.admitted ? 'admitted' : `not judged (${a.detail})`}`);
    }
  }
  assert(problems.length === 0, problems.join('; '));
  return `${nodes.map((n) => `${n.id}:${(n as any).output.port}`).join(', ')}: permitted client admitted; off-list federation CN, canary, no certificate, foreign CA and TLS 1.1 refused`;
}

/** The same matrix on both published ports of each Loom node, through its gateway, with the real Loom behind it. */
async function loomMatrix(d: Deployed): Promise<string> {
  const model = resolveFederation(d.spec);
  const { ca, clients, canary } = verifyInputs(d.ws, d.pkiStack);
  const looms = model.nodes.filter((n) => n.kind === 'loom');
  assert(looms.length > 0, 'the example has no Loom node');
  const endpoints = new Map(looms.flatMap((n) => (n.kind === 'loom' ? [[n.id, { host: '127.0.0.1', port: n.grpcPort }], [`${n.id}:http`, { host: '127.0.0.1', port: n.httpPort }]] as const : [])));
  const run = await runVerify(model, { ca, endpoints: new Map(endpoints), nodes: looms.map((n) => n.id), clients, ...canary });
  const wanted = MATRIX_CHECKS;
  const problems: string[] = [];
  const seen = new Set(run.results.map((r) => r.target));
  for (const t of endpoints.keys()) {
    if (!seen.has(t)) { problems.push(`${t}: not checked`); continue; }
    for (const c of wanted) {
      const r = run.results.find((x) => x.target === t && x.check === c);
      if (!r) problems.push(`${t} ${c}: no result`);
      else if (r.status !== 'pass') problems.push(`${t} ${c}: ${r.status} (${r.detail})`);
    }
  }
  // The permitted client reaches Loom itself: its health RPC answers OK through the gateway.
  for (const n of looms) {
    const r = run.results.find((x) => x.target === n.id && x.check === 'permitted-client');
    if (r && !/grpc-status 0\b/.test(r.detail)) problems.push(`${n.id}: the permitted client got no healthy gRPC answer from Loom (${r.detail})`);
  }
  assert(problems.length === 0, problems.join('; '));
  const admitted = run.results.filter((r) => r.check === 'permitted-client').map((r) => `${r.target}: ${r.detail}`).join('; ');
  return `${[...endpoints.entries()].map(([t, e]) => `${t}:${e.port}`).join(', ')}: no certificate, foreign CA, canary and TLS 1.1 refused; ${admitted}`;
}

async function deployAll(d: Deployed, stacks = d.stacks): Promise<string> {
  const r = await d.ws.deploy(stacks);
  if (r.status !== 0) {
    const tail = r.output.split('\n').filter((l) => /Error|error:/.test(l)).slice(0, 4).join(' | ').replace(/-----BEGIN[^|]*/g, '[redacted]');
    throw new Error(`cdktf deploy exited ${r.status} after ${r.seconds.toFixed(0)} s: ${tail || 'see the workspace logs'}`);
  }
  return `cdktf deploy ${stacks.join(' ')} in ${r.seconds.toFixed(0)} s`;
}

async function restartRecovery(d: Deployed): Promise<string> {
  const b = `${d.name}-location-b`;
  docker(['restart', b], 120_000);
  const t0 = Date.now();
  const r = await probeFlow(natsIp(d.name, 'location-a'), natsIp(d.name, 'location-c'), 'federated.data', RECOVERY_LIMIT_MS);
  assert(r.received > 0, `after ${b} restarted, nothing reached location-c within ${RECOVERY_LIMIT_MS / 1000} s`);
  return `after docker restart of ${b}, location-c received again ${((Date.now() - t0) / 1000).toFixed(1)} s later`;
}

async function downstreamFirst(d: Deployed): Promise<string> {
  const b = `${d.name}-location-b`;
  const c = `${d.name}-location-c`;
  docker(['stop', b], 120_000);
  docker(['restart', c], 120_000);
  // Longer than the whole retry budget the old reconnect settings had (10 retries, no delay).
  await sleep(15_000);
  docker(['start', b], 120_000);
  const t0 = Date.now();
  const r = await probeFlow(natsIp(d.name, 'location-a'), natsIp(d.name, 'location-c'), 'federated.data', RECOVERY_LIMIT_MS);
  assert(r.received > 0, `location-c started 15 s before location-b and received nothing within ${RECOVERY_LIMIT_MS / 1000} s of location-b starting`);
  return `location-c started 15 s before its upstream, and federated ${((Date.now() - t0) / 1000).toFixed(1)} s after location-b came up`;
}

async function portChange(d: Deployed): Promise<string> {
  const b = d.spec.sites.find((s: any) => s.id === 'location-b').nodes[0];
  const oldPort = b.output.port;
  b.output.port = oldPort + 10;
  d.ws.writeSpec(d.spec);
  await deployAll(d);
  await sleep(3000);
  const flow = await flowAtoC(d);
  const model = resolveFederation(d.spec);
  const node = model.nodes.find((n) => n.id === 'location-b')!;
  const o = await probe({ host: '127.0.0.1', port: b.output.port, servername: node.fqdn, timeoutMs: 5000 });
  assert(o.kind !== 'connect-error', `location-b does not listen on its new port ${b.output.port}`);
  const old = await probe({ host: '127.0.0.1', port: oldPort, servername: node.fqdn, timeoutMs: 3000 });
  assert(old.kind === 'connect-error', `location-b still answers on its old port ${oldPort}`);
  return `location-b moved ${oldPort} → ${b.output.port}: it listens there, not on ${oldPort}, and ${flow}`;
}

async function rotation(d: Deployed): Promise<string> {
  const before = new Map(containersOf(d.name).map((c) => [c.name, c.id]));
  const listed = await d.ws.terraform(d.pkiStack, ['state', 'list', '-no-color']);
  const addr = listed.output.split('\n').find((l) => /^tls_locally_signed_cert\..*location-b/.test(l.trim()))?.trim();
  assert(addr, 'no location-b certificate in the pki state');
  const r = await d.ws.terraform(d.pkiStack, ['apply', '-auto-approve', '-input=false', '-no-color', `-replace=${addr}`]);
  assert(r.status === 0, `re-issuing ${addr} failed (exit ${r.status})`);
  // Every stack, as an operator would: cdktf refuses a subset without the stacks it depends on.
  await deployAll(d);
  const after = new Map(containersOf(d.name).map((c) => [c.name, c.id]));
  const replaced = [...after.keys()].filter((n) => before.get(n) !== after.get(n)).sort();
  assert(replaced.length === 1 && replaced[0] === `${d.name}-location-b`, `replaced: ${replaced.join(', ') || 'nothing'} (expected only ${d.name}-location-b)`);
  await sleep(3000);
  const flow = await flowAtoC(d);
  return `re-issued location-b's certificate: only ${replaced[0]} was replaced, and ${flow}`;
}

async function destroyClean(d: Deployed, volumesBefore: readonly string[]): Promise<string> {
  const r = await d.ws.destroy(d.stacks);
  assert(r.status === 0, `cdktf destroy exited ${r.status}`);
  const left = [
    ...containersOf(d.name).map((c) => `container ${c.name}`),
    ...namedLike('network', `${d.name}-`).map((n) => `network ${n}`),
    ...allVolumes().filter((v) => !volumesBefore.includes(v)).map((v) => `volume ${v}`),
  ];
  assert(left.length === 0, `left behind: ${left.join(', ')}`);
  return `cdktf destroy in ${r.seconds.toFixed(0)} s; no container, network or volume left`;
}

/** No private key text in what cdktf and terraform printed while deploying (plans included). */
function keysInOutput(d: Deployed): string {
  const hits = (d.ws.logs().match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/g) ?? []).length;
  assert(hits === 0, `${hits} private key blocks appeared in cdktf/terraform output (kept in the workspace, not printed)`);
  return 'cdktf deploy and terraform plan printed no private key text';
}

// ---------------------------------------------------------------------------------------------------------

async function runExample(ex: Example, env: RealEnvironment, images: Partial<Record<ProgramName, string>> | string, llm: string | undefined): Promise<void> {
  const base = blockerOf(env, programsOf(ex)) ?? (typeof images === 'string' ? images : undefined) ?? (llm === undefined ? 'the LLM stand-in could not start' : undefined);
  const names = ['deploy', 'plan output has no key', 'containers running', 'flow A→C', 'handshake matrix', 'Loom behind its gateway', ...(ex.id === 'acme' ? ACME_CHECKS : []),
    'recovery after restart', 'downstream started first', 'second deploy plans nothing', 'changed link port', 'rotation', 'fresh parallel deploys', 'destroy leaves nothing'];
  if (base) { for (const n of names) record(ex.id, n, 'not run', base); return; }
  const imgs = images as Record<ProgramName, string>;
  const cliConfig = (env.terraform as { cliConfig: string }).cliConfig;
  const spec = adaptSpec(ex.file, imgs, llm!);
  const { all, pki } = stacksOf(spec);
  const name = spec.name as string;
  const leftovers = containersOf(name);
  if (leftovers.length > 0) {
    for (const n of names) record(ex.id, n, 'not run', `containers of federation ${name} already exist on this engine (${leftovers.map((c) => c.name).join(', ')}); remove them first`);
    return;
  }
  const ws = new Workspace(ex.id, cliConfig);
  ws.writeSpec(spec);
  const d: Deployed = { ws, spec, name, stacks: all, pkiStack: pki };
  const volumesBefore = allVolumes();
  progress(`${ex.id}: workspace ${ws.dir}, stacks ${all.join(', ')}`);
  try {
    const deployed = await check(ex.id, 'deploy', undefined, () => deployAll(d));
    const no = deployed ? undefined : 'deploy failed';
    await check(ex.id, 'plan output has no key', no, async () => keysInOutput(d));
    const running = await check(ex.id, 'containers running', no, () => settled(name));
    const flows = await check(ex.id, 'flow A→C', no ?? (running ? undefined : 'containers are not running'), () => flowAtoC(d));
    await check(ex.id, 'handshake matrix', no, () => handshakeMatrix(d));
    await check(ex.id, 'Loom behind its gateway', no ?? (running ? undefined : 'containers are not running'), () => loomMatrix(d));
    if (ex.id === 'acme') {
      const issued = await check(ex.id, 'certificates from step-ca', no, () => acmeIssued(d));
      const needAcme = no ?? (issued ? undefined : 'step-ca issued no certificates on the fresh deploy');
      await check(ex.id, 'hub ACME after wiped storage', needAcme, () => wipedStorageRestarts(d));
      await check(ex.id, 'restart while step-ca hangs', needAcme ?? (flows ? undefined : 'no federation flow to start with'), () => restartWhileStepCaHangs(d));
    }
    const needFlow = no ?? (flows ? undefined : 'no federation flow to recover');
    await check(ex.id, 'recovery after restart', needFlow, () => restartRecovery(d));
    await check(ex.id, 'downstream started first', needFlow, () => downstreamFirst(d));
    await check(ex.id, 'second deploy plans nothing', no, () => planIsEmpty(d.ws, d.stacks));
    await check(ex.id, 'changed link port', needFlow, () => portChange(d));
    await check(ex.id, 'rotation', needFlow, () => rotation(d));
    await check(ex.id, 'fresh parallel deploys', needFlow, () => freshParallelDeploys(d, deployAll));
  } finally {
    await check(ex.id, 'destroy leaves nothing', undefined, () => destroyClean(d, volumesBefore));
    if (!process.env.FPKI_REAL_KEEP_WORKSPACE) ws.remove();
  }
}

const ACME_CHECKS = ['certificates from step-ca', 'hub ACME after wiped storage', 'restart while step-ca hangs'];

/** Programs each example runs: tier manual has no step-ca. */
const programsOf = (ex: Example): ProgramName[] => ['semstreams', 'loom', 'nats', 'gateway', ...(ex.id === 'acme' ? ['stepCa' as const] : [])];

/** Every missing prerequisite of an example, joined; undefined when it can run. */
function blockerOf(env: RealEnvironment, programs: readonly ProgramName[]): string | undefined {
  const missing = [
    ...(isMissing(env.docker) ? [env.docker.why] : []),
    ...(isMissing(env.terraform) ? [env.terraform.why] : []),
    ...programs.map((p) => env.programs[p]).filter(isMissing).map((m) => m.why),
    ...(programs.includes('stepCa') && isMissing(env.setcap) && !isMissing(env.programs.stepCa) && env.programs.stepCa.bin ? [env.setcap.why] : []),
  ];
  return missing.length > 0 ? missing.join('; ') : undefined;
}

async function main(): Promise<void> {
  progress('real-peer tier: looking for the real programs in the environment');
  const env = findEnvironment();
  const blocker = isMissing(env.docker) ? env.docker.why : undefined;
  let images: Partial<Record<ProgramName, string>> | string = blocker ?? '';
  const versions: string[] = [];
  let stub: http.Server | undefined;
  let llm: string | undefined;
  if (!blocker) {
    try {
      const tools = { busybox: (env.busybox as any).path, setcap: (env.setcap as any).path };
      const built: Partial<Record<ProgramName, string>> = {};
      for (const p of Object.keys(PROGRAMS) as ProgramName[]) {
        const src = env.programs[p];
        if (isMissing(src) || (p === 'stepCa' && isMissing(env.setcap) && src.bin)) continue;
        built[p] = imageFor(p, src, tools);
        versions.push(`${p}: ${versionOf(p, src)} (image ${built[p]})`);
      }
      images = built;
      const address = hostAddressForContainers();
      stub = await startLlmStub(address);
      // A port of its own (not Ollama's 11434), so two runs of the tier on one machine do not collide.
      llm = `http://${address}:${(stub.address() as { port: number }).port}`;
    } catch (e) {
      images = `could not prepare images: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  progress(`docker: ${isMissing(env.docker) ? `missing (${env.docker.why})` : env.docker.serverVersion}; terraform providers: ${isMissing(env.terraform) ? `missing (${env.terraform.why})` : Object.entries(PINNED_PROVIDERS).map(([s, v]) => `${s} ${v}`).join(', ')}`);
  for (const v of versions) progress(v);
  try {
    for (const ex of EXAMPLES) {
      if (process.env.FPKI_REAL_ONLY && process.env.FPKI_REAL_ONLY !== ex.id) continue;
      await runExample(ex, env, images, llm);
    }
    if (!process.env.FPKI_REAL_ONLY || process.env.FPKI_REAL_ONLY === MULTI_HOST_ID) await runMultiHost({ env, images, check, adaptSpec, stacksOf, startLlmStub, blockerOf });
  } finally {
    stub?.close();
  }
  process.stdout.write(`\n${renderSummary(rows)}\n`);
  if (versions.length > 0) process.stdout.write(`versions: ${versions.join('; ')}; docker ${(env.docker as any).serverVersion}\n`);
  process.exitCode = rows.some((r) => r.verdict === 'fail') ? 1 : 0;
}

main().catch((e) => { process.stderr.write(`real-peer tier crashed: ${(e as Error).stack}\n`); process.exitCode = 1; });
