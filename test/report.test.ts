/** The pull-request report: facts, trust edges, warnings, Mermaid, Markdown and the diff, on the built-in example. */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { resolveFederation } from '../model/resolve';
import {
  ANY_CLIENT, ANY_CLIENT_WITHOUT_CERT, collectFacts, deriveTrustEdges, deriveWarnings, diffFacts, diffOfSpecs,
  isEmptyDiff, renderMermaid, renderReport, reportOfSpec,
} from '../report';
import { exampleCopy, runCliCaptured } from './helpers';

const factsOf = (spec: any) => collectFacts(resolveFederation(spec));

/** The example as a reviewer might change it in a pull request. */
function changedExample(): any {
  const spec = exampleCopy();
  spec.links.push({ from: 'location-a', to: 'location-c' });
  const b = spec.sites[1].nodes[0];
  b.output.port = 9101;
  b.sans = { dns: ['hub.semstreams.local'] };
  spec.sites[0].nodes[1].tls.requireClientCert = false;
  spec.images = { semstreams: 'semstreams:1.4.0' };
  return spec;
}

describe('trust edges', () => {
  test('the example: each link admitted by its CN; Loom\'s gateway admits its allow-list only', () => {
    expect(deriveTrustEdges(resolveFederation(exampleCopy())).map((e) => [e.server, e.ports, e.client, e.clientCn, e.transport])).toEqual([
      ['location-a', [9000], 'location-b', 'location-b.semstreams.local', 'mTLS'],
      ['loom', [60051, 8080], 'location-b', 'location-b.semstreams.local', 'mTLS'],
      ['location-b', [9001], 'location-c', 'location-c.semstreams.local', 'mTLS'],
    ]);
    const loom = deriveTrustEdges(resolveFederation(exampleCopy())).find((e) => e.server === 'loom')!;
    expect(loom.admittedBy).toMatch(/^gateway: federation signer \(issuer pinned\) \+ whole subject on allowedClients/);
  });

  test('Loom without its gateway: anyone, over TLS on gRPC and in plaintext on HTTP', () => {
    const spec = exampleCopy();
    Object.assign(spec.sites[0].nodes[1], { gateway: { enabled: false }, tls: { mode: 'manual', mtls: false } });
    expect(deriveTrustEdges(resolveFederation(spec)).filter((e) => e.server === 'loom').map((e) => [e.ports, e.client, e.transport])).toEqual([
      [[60051], ANY_CLIENT, 'TLS'], [[8080], ANY_CLIENT, 'plain'],
    ]);
  });

  test('CN entries on a Loom allow-list are clients of their own', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[1].allowedClients = ['location-b', 'ops.semstreams.local'];
    expect(deriveTrustEdges(resolveFederation(spec)).filter((e) => e.server === 'loom').map((e) => [e.client, e.clientCn])).toEqual([
      ['location-b', 'location-b.semstreams.local'], ['ops.semstreams.local', 'ops.semstreams.local'],
    ]);
  });

  test('an optional client certificate opens the door to clients without one', () => {
    const spec = exampleCopy();
    spec.tls.requireClientCert = false;
    const edges = deriveTrustEdges(resolveFederation(spec));
    // The example's Loom node keeps its own requireClientCert: true.
    expect(edges.filter((e) => e.client === ANY_CLIENT_WITHOUT_CERT).map((e) => e.server)).toEqual(['location-a', 'location-b']);
  });

  test('TLS without mTLS: linked nodes and anyone else, unauthenticated', () => {
    const spec = exampleCopy();
    spec.tls.mtls = false;
    delete spec.sites[0].nodes[1].tls;
    const edges = deriveTrustEdges(resolveFederation(spec)).filter((e) => e.server === 'location-a');
    expect(edges.map((e) => [e.client, e.transport, e.clientCn])).toEqual([['location-b', 'TLS', undefined], [ANY_CLIENT, 'TLS', undefined]]);
  });
});

describe('warnings', () => {
  const kinds = (spec: any) => deriveWarnings(resolveFederation(spec)).map((w) => `${w.kind} ${w.subject}`);

  test('the example: only that renewal windows cannot be known from a spec (Loom is behind its gateway)', () => {
    expect(kinds(exampleCopy())).toEqual(['renewal-window-unknown (federation)']);
  });

  test('Loom without its gateway, and a gateway that admits nobody', () => {
    const own = exampleCopy();
    Object.assign(own.sites[0].nodes[1], { gateway: { enabled: false }, tls: { mode: 'manual', mtls: false } });
    expect(kinds(own)).toContain('loom-without-gateway loom');
    const nobody = exampleCopy();
    nobody.sites[0].nodes[1].allowedClients = [];
    expect(kinds(nobody)).toContain('loom-admits-nobody loom');
  });

  test('tier none on links between sites, not within one', () => {
    const spec = exampleCopy();
    spec.tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    spec.sites[0].nodes.push({ id: 'probe', kind: 'semstreams', fqdn: 'probe.semstreams.local' });
    spec.links.push({ from: 'location-a', to: 'probe' });
    expect(kinds(spec)).toEqual(['plaintext-between-sites location-a -> location-b', 'plaintext-between-sites location-b -> location-c']);
  });

  test('a link between machines whose upstream site gives no address: routed by DNS alone, warned with both sites, the node and the field', () => {
    const spec = exampleCopy();
    spec.sites[0].docker = { host: 'ssh://ops@192.0.2.10' };
    spec.sites[1].docker = { host: 'ssh://ops@198.51.100.20', address: '198.51.100.20' };
    spec.sites[2].docker = { host: 'ssh://ops@203.0.113.30' };
    const ws = deriveWarnings(resolveFederation(spec)).filter((w) => w.kind === 'cross-host-link-by-name');
    // B -> C is routed by B's address; only A -> B dials a bare name.
    expect(ws.map((w) => w.subject)).toEqual(['location-a -> location-b']);
    expect(ws[0].message).toBe('sites location-a and location-b are on different Docker hosts (ssh://ops@192.0.2.10, ssh://ops@198.51.100.20) and site location-a gives no address (sites.location-a.docker.address): node location-b dials location-a.semstreams.local:9000 by name, which must then resolve on location-b\'s host (DNS) to where location-a publishes it; otherwise set sites.location-a.docker.address');
    // With A's address, or with A and B on one engine, there is nothing to warn about.
    spec.sites[0].docker = { host: 'ssh://ops@192.0.2.10', address: '192.0.2.10' };
    expect(kinds(spec).filter((k) => k.startsWith('cross-host'))).toEqual([]);
    const local = exampleCopy();
    local.sites[2].docker = { host: 'ssh://ops@203.0.113.30' };
    expect(kinds(local).filter((k) => k.startsWith('cross-host'))).toEqual(['cross-host-link-by-name location-b -> location-c']);
  });

  test('each location deploying over its own local socket, with distinct addresses, routes by address: no warning', () => {
    const spec = exampleCopy();
    spec.sites.forEach((s: any, i: number) => { s.docker = { address: `192.0.2.${10 + i}` }; });
    expect(kinds(spec).filter((k) => k.startsWith('cross-host'))).toEqual([]);
  });

  test('optional client certificates are named per server', () => {
    const spec = exampleCopy();
    spec.sites[1].nodes[0].requireClientCert = false;
    expect(kinds(spec)).toContain('client-certificate-optional location-b');
    expect(kinds(spec)).not.toContain('client-certificate-optional location-a');
  });
});

describe('Mermaid', () => {
  test('sites as subgraphs holding their nodes, links as labelled arrows from server to client', () => {
    const m = renderMermaid(factsOf(exampleCopy()));
    expect(m.split('\n')[0]).toBe('flowchart LR');
    expect(m.match(/^ {2}subgraph /gm)).toHaveLength(3);
    expect(m).toMatch(/subgraph site_location_a\["site location-a"\]\n {4}node_location_a\[.*\n {4}node_loom\[.*\n {2}end/);
    expect(m).toContain('node_location_a == "mTLS" ==> node_location_b');
    expect(m).toContain('node_location_b == "mTLS" ==> node_location_c');
  });

  test('edges for who may reach Loom (from the server, as every arrow): its allow-list through the gateway, or anyone without it', () => {
    const gated = renderMermaid(factsOf(exampleCopy()));
    expect(gated).toContain('node_loom == "Loom gateway (mTLS, allowed)" ==> node_location_b');
    expect(gated).not.toContain('clients_');
    const own = exampleCopy();
    Object.assign(own.sites[0].nodes[1], { gateway: { enabled: false }, tls: { mode: 'manual', mtls: false } });
    const m = renderMermaid(factsOf(own));
    expect(m).toContain('clients_any_client(["any client"])');
    expect(m).toContain('node_loom -- "Loom gateway (TLS, no client auth)" --> clients_any_client');
    expect(m).toContain('node_loom -. "Loom gateway (plain)" .-> clients_any_client');
  });

  test('TLS and plaintext links get their own arrows', () => {
    const tls = exampleCopy();
    tls.tls.mtls = false;
    delete tls.sites[0].nodes[1].tls;
    expect(renderMermaid(factsOf(tls))).toContain('node_location_a -- "TLS" --> node_location_b');
    const plain = exampleCopy();
    plain.tier = 'none';
    delete plain.sites[0].nodes[1].tls;
    expect(renderMermaid(factsOf(plain))).toContain('node_location_a -. "plain" .-> node_location_b');
  });
});

describe('Mermaid: one direction, styles that mean what the legend says (issue 16)', () => {
  const acme = () => require('../model/load').loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml'));
  const arrows = (m: string) => m.split('\n').map((l) => /^ {2}(\S+) (==|--|-\.) "([^"]*)" (==>|-->|\.->) (\S+)$/.exec(l)).filter((x) => x !== null)
    .map((x) => ({ from: x![1], style: x![2], label: x![3], to: x![5] }));

  test('both examples match their snapshots', () => {
    expect(renderMermaid(factsOf(exampleCopy()))).toMatchSnapshot('manual');
    expect(renderMermaid(factsOf(acme()))).toMatchSnapshot('acme');
  });

  test('ACME arrows go from step-ca (the server) to each ACME node, drawn as TLS, not as plaintext', () => {
    const a = arrows(renderMermaid(factsOf(acme())));
    const toStepCa = a.filter((x) => x.to === 'step_ca');
    expect(toStepCa).toEqual([]);
    const fromStepCa = a.filter((x) => x.from === 'step_ca');
    // Loom is behind its gateway, which presents the federation-issued certificate: no ACME for it.
    expect(fromStepCa.map((x) => x.to)).toEqual(['node_location_a', 'node_location_b', 'node_location_c']);
    for (const x of fromStepCa) expect([x.style, x.label]).toEqual(['--', 'ACME (TLS)']);
    // Dotted means plaintext, and nothing in tier acme is plaintext.
    expect(a.filter((x) => x.style === '-.')).toEqual([]);
  });

  test('every arrow starts at a server: a link\'s serving node, step-ca, or a server with an open door', () => {
    for (const spec of [exampleCopy(), acme()]) {
      const facts = factsOf(spec);
      const servers = new Set([...facts.links.map((l) => `node_${l.from.replace(/-/g, '_')}`), 'step_ca',
        ...facts.trustEdges.map((e) => `node_${e.server.replace(/-/g, '_')}`)]);
      for (const x of arrows(renderMermaid(facts))) expect(servers.has(x.from)).toBe(true);
    }
  });

  test('Loom without a gateway has an arrow to the clients it admits: anyone', () => {
    const own = exampleCopy();
    Object.assign(own.sites[0].nodes[1], { gateway: { enabled: false }, tls: { mode: 'manual', mtls: false } });
    expect(renderMermaid(factsOf(own))).toMatch(/node_loom -- "[^"]*" --> clients_any_client/);
  });

  test('the legend says what the arrows mean', () => {
    const r = reportOfSpec(exampleCopy());
    expect(r).toContain('Every arrow points from the server to the client that dials it');
    expect(r).toContain('dotted (`-.->`): plaintext');
  });
});

describe('the report', () => {
  test('of the built-in example matches its snapshot', () => {
    expect(reportOfSpec(exampleCopy())).toMatchSnapshot();
  });

  test('is deterministic and carries no machine path', () => {
    const a = reportOfSpec(exampleCopy());
    expect(reportOfSpec(exampleCopy())).toBe(a);
    for (const p of [process.cwd(), tmpdir(), require('os').homedir()]) expect(a.includes(p)).toBe(false);
  });

  test('sections in order, a Mermaid block, the canary and every CN', () => {
    const r = reportOfSpec(exampleCopy());
    const order = ['## Warnings', '## Diagram', '```mermaid', '## Sites and nodes', '## Trust edges', '## Certificates', '## Containers and ports', '## step-ca'];
    const at = order.map((s) => r.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    for (const cn of ['location-a', 'location-b', 'location-c', 'loom', 'canary']) expect(r).toContain(`\`${cn}.semstreams.local\``);
    expect(r).toContain('step-ca: none');
  });

  test('table cells cannot be broken by a value', () => {
    const spec = exampleCopy();
    spec.images = { semstreams: 'registry|evil:1' };
    const row = renderReport(factsOf(spec)).split('\n').find((l) => l.includes('evil'))!;
    expect(row).toContain('registry\\|evil:1');
    expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });

  test('step-ca: its URL, health endpoint and directories in tier acme', () => {
    const r = renderReport(factsOf(require('../model/load').loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml'))));
    expect(r).toContain('`https://step-ca.semstreams.local:9000/health`');
    expect(r).toContain('`https://step-ca.semstreams.local:9000/acme/acme/directory`');
    expect(r).toContain('step_ca -- "ACME (TLS)" --> node_location_b');
  });

  test('step-ca: the limits of SemStreams\' ACME client when step-ca hangs, in tier acme only', () => {
    const r = renderReport(factsOf(require('../model/load').loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml'))));
    const section = r.slice(r.indexOf('## step-ca'));
    expect(section).toMatch(/If step-ca hangs, a starting node waits for lego's timeouts \(~30 s a side\), then uses its federation certificate/);
    expect(section).toMatch(/fallback is silent .* and sticky: the node keeps it after step-ca returns, until it restarts/);
    expect(renderReport(factsOf(exampleCopy()))).not.toContain('lego');
  });
});

describe('the diff', () => {
  test('of the example and a reviewed change matches its snapshot', () => {
    expect(diffOfSpecs(exampleCopy(), changedExample())).toMatchSnapshot();
  });

  test('trust edges come first, then certificates, containers, warnings', () => {
    const d = diffOfSpecs(exampleCopy(), changedExample());
    const at = ['## Trust edges', '## Certificates', '## Containers', '## Warnings'].map((s) => d.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  test('names the new edge, the changed port, the re-issued certificate and the replaced containers', () => {
    const diff = diffFacts(factsOf(exampleCopy()), factsOf(changedExample()));
    expect(diff.trustEdges.added.map((e) => `${e.server} <- ${e.client}`)).toEqual(['location-a <- location-c', `loom <- ${ANY_CLIENT_WITHOUT_CERT}`]);
    expect(diff.trustEdges.removed).toEqual([]);
    expect(diff.trustEdges.changed.map((c) => [c.key, c.fields])).toEqual([['location-b <- location-c', [{ field: 'ports', before: '9001', after: '9101' }]]]);
    expect(diff.certificates.changed.map((c) => [c.key, c.fields.map((f) => f.field)])).toEqual([['location-b / federation-ca', ['sans']]]);
    // Which containers are replaced is not a fact of a spec: test/replacements.test.ts.
    expect(diff.containers).toEqual({ added: [], removed: [], changed: [] });
    expect(diff.warnings.added.map((w) => w.kind)).toEqual(['client-certificate-optional']);
  });

  test('a new root is called out', () => {
    const spec = exampleCopy();
    spec.ca.keyAlgorithm = 'ECDSA_P384';
    const d = diffOfSpecs(exampleCopy(), spec);
    expect(d).toContain('**Federation root replaced**');
    expect(d).toMatch(/`federation root` \| keyAlgorithm \| ECDSA_P256 \| ECDSA_P384/);
  });

  test('no change says so', () => {
    expect(isEmptyDiff(diffFacts(factsOf(exampleCopy()), factsOf(exampleCopy())))).toBe(true);
    expect(diffOfSpecs(exampleCopy(), exampleCopy()).match(/No change\./g)).toHaveLength(4);
  });
});

describe('the CLI', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'fpki-report-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => runCliCaptured(['report', ...args]);

  test('`report` prints the built-in example\'s report', async () => {
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(reportOfSpec(exampleCopy()));
    expect(r.stdout).toContain('```mermaid\nflowchart LR');
  });

  test('`report --diff OLD NEW` compares two spec files', async () => {
    writeFileSync(join(dir, 'old.json'), JSON.stringify(exampleCopy()));
    writeFileSync(join(dir, 'new.json'), JSON.stringify(changedExample()));
    const r = await run('--diff', join(dir, 'old.json'), join(dir, 'new.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(diffOfSpecs(exampleCopy(), changedExample()));
  });

  test('an invalid spec lists its problems and exits 1; bad arguments exit 2', async () => {
    const bad = exampleCopy();
    bad.sites[2].nodes[0].fqdn = 'canary.semstreams.local';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const r = await run('--spec', join(dir, 'bad.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('site location-c, node location-c, field fqdn: "canary.semstreams.local" is the canary\'s name');
    expect((await run('--diff', join(dir, 'bad.json'))).code).toBe(2);
    expect((await run('--bogus')).code).toBe(2);
    expect((await run('--plan', join(dir, 'bad.json'))).code).toBe(2);
  });

  test('`report --diff` says which of the two files is wrong', async () => {
    writeFileSync(join(dir, 'good.json'), JSON.stringify(exampleCopy()));
    const bad = exampleCopy();
    bad.sites[2].nodes[0].fqdn = 'canary.semstreams.local';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const newBad = await run('--diff', join(dir, 'good.json'), join(dir, 'bad.json'));
    expect(newBad.code).toBe(1);
    expect(newBad.stderr.startsWith(`NEW_SPEC ${join(dir, 'bad.json')}: federation spec has 1 problem:`)).toBe(true);
    const oldBad = await run('--diff', join(dir, 'bad.json'), join(dir, 'good.json'));
    expect(oldBad.code).toBe(1);
    expect(oldBad.stderr.startsWith(`OLD_SPEC ${join(dir, 'bad.json')}: federation spec has 1 problem:`)).toBe(true);
  });
});
