/**
 * The pull-request report of one federation: pure, deterministic Markdown from its facts.
 */
import { FederationFacts } from './facts';
import { MERMAID_LEGEND, renderMermaid } from './mermaid';
import { cell, code, count, table } from './text';
import { TrustEdge } from './trust-edges';

/** Renders the whole report. The same facts always give the same text. */
export function renderReport(facts: FederationFacts): string {
  return [
    `# Federation ${code(facts.name)}: TLS/mTLS report`,
    '',
    renderSummary(facts),
    '',
    '## Warnings',
    '',
    renderWarnings(facts),
    '',
    '## Diagram',
    '',
    MERMAID_LEGEND,
    '',
    '```mermaid',
    renderMermaid(facts),
    '```',
    '',
    '## Sites and nodes',
    '',
    renderNodes(facts),
    '',
    '## Trust edges',
    '',
    'Who may connect to whom: linked nodes first, then anyone else a server\'s settings let in.',
    '',
    trustEdgeTable(facts.trustEdges),
    '',
    '## Certificates',
    '',
    renderCertificates(facts),
    '',
    '## Containers and ports',
    '',
    renderContainers(facts),
    '',
    '## step-ca',
    '',
    renderStepCa(facts),
    '',
  ].join('\n');
}

function renderSummary(f: FederationFacts): string {
  return [
    `- Domain: ${code(f.domain)}; ${count(f.sites.length, 'site')}, ${count(f.nodes.length, 'node')}, ${count(f.links.length, 'link')}`,
    `- Federation root: ${code(f.root.commonName)}, ${f.root.keyAlgorithm}, ${f.root.validityDays} days`,
    `- Canary client: ${f.canaryCn ? `${code(f.canaryCn)}, on no allow-list: every mTLS server must refuse it` : 'none (no server checks client certificates)'}`,
    `- step-ca: ${f.stepCa ? code(f.stepCa.url) : 'none'}`,
  ].join('\n');
}

/** Warnings as a list; `None.` when there are none. */
export function renderWarnings(f: Pick<FederationFacts, 'warnings'>): string {
  if (f.warnings.length === 0) return 'None.';
  return f.warnings.map((w) => `- **${w.kind}** (${code(w.subject)}): ${w.message}`).join('\n');
}

function renderNodes(f: FederationFacts): string {
  return table(['Site', 'Node', 'Kind', 'Tier', 'CN', 'SANs', 'Ports', 'Server TLS', 'Min TLS'], f.nodes.map((n) => [
    code(n.siteId), code(n.id), n.kind, n.tier, code(n.fqdn),
    [...n.dnsNames.map((d) => `DNS:${d}`), ...n.ipAddresses.map((i) => `IP:${i}`)].map(code).join(' '),
    n.ports.map((p) => `${p.port} ${p.service} (${p.transport})${p.admits ? `: admits ${p.admits}` : ''}`).map(cell).join('<br/>') || '—',
    cell(n.serverTls),
    n.tier === 'none' ? '—' : n.kind === 'loom' ? (n.serverTls.includes('enforced by its gateway') ? `${n.minVersion} (gateway)` : '1.2 (Loom\'s fixed floor)') : n.minVersion,
  ]));
}

/** Trust edges as a table (also used by the diff). */
export function trustEdgeTable(edges: readonly TrustEdge[]): string {
  return table(['Server', 'Ports', 'Client', 'Client CN', 'Transport', 'Admitted by'], edges.map((e) => [
    code(e.server), e.ports.join(', '), e.client.startsWith('(') ? cell(e.client) : code(e.client),
    e.clientCn ? code(e.clientCn) : '—', e.transport, cell(e.admittedBy),
  ]));
}

function renderCertificates(f: FederationFacts): string {
  const rows = f.certificates.map((c) => [
    c.nodeId.startsWith('(') ? c.nodeId : code(c.nodeId), cell(c.issuer), code(c.commonName),
    [...c.dnsNames.map((d) => `DNS:${d}`), ...c.ipAddresses.map((i) => `IP:${i}`)].map(code).join(' '),
    c.eku.join(', '), cell(c.keyAlgorithm), cell(c.lifetime), cell(c.renewal),
  ]);
  return [
    table(['Node', 'Issuer', 'CN', 'SANs', 'EKU', 'Key', 'Lifetime', 'Renewal'], rows),
    '',
    'Whether a deployed certificate is inside its renewal window cannot be known from a spec: `federation-pki verify` reads the days left from each endpoint.',
  ].join('\n');
}

function renderContainers(f: FederationFacts): string {
  return table(['Site', 'Container', 'Node', 'Image', 'Published ports'], f.containers.map((c) => [
    code(c.siteId), code(c.name), c.nodeId ? code(c.nodeId) : '—', code(c.image), c.publishedPorts.join(', ') || '—',
  ]));
}

/** What a deploy cannot change about SemStreams' ACME client (commit a12473c); README, "When step-ca is down or hangs". */
const STEP_CA_LIMITS = [
  'SemStreams asks step-ca at every start, once per ACME side. If step-ca hangs, a starting node waits for lego\'s timeouts (~30 s a side), then uses its federation certificate.',
  'That fallback is silent (SemStreams logs nothing) and sticky: the node keeps it after step-ca returns, until it restarts. `verify` shows which certificate each endpoint serves.',
];

function renderStepCa(f: FederationFacts): string {
  // Tier acme's step-ca: its URL, health endpoint and ACME directories, for `verify --step-ca`.
  if (!f.stepCa) return 'None: no node is in tier acme.';
  const s = f.stepCa;
  return [
    `- Site ${code(s.siteId)}, container ${code(s.containerName)} (${code(s.image)})`,
    `- URL ${code(s.url)}; health ${code(s.healthUrl)} (\`federation-pki verify --step-ca ${s.url}\` checks both)`,
    ...s.directoryUrls.map((u) => `- ACME directory ${code(u)}`),
    ...STEP_CA_LIMITS.map((l) => `- ${l}`),
  ].join('\n');
}
