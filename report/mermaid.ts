/**
 * The federation as a Mermaid flowchart: sites as subgraphs, nodes inside them, links as arrows in the
 * direction data flows (serving node to dialing node) labelled with their protection. Every arrow follows
 * that one rule: step-ca serves ACME, so its arrows point from step-ca to the nodes that dial it, and a
 * server that admits clients beyond its links (Loom admits any federation-signed certificate) points at
 * a box for them outside the sites. GitHub and GitLab render it inside a ```mermaid block.
 */
import { FederationFacts, NodeFacts, Transport } from './facts';
import { TrustEdge } from './trust-edges';

/** Arrow per transport: thick for mTLS, plain for TLS, dotted for plaintext, so the weak ones stand out. */
const ARROW: Record<Transport, (label: string) => string> = {
  mTLS: (l) => `== "${l}" ==>`,
  TLS: (l) => `-- "${l}" -->`,
  plain: (l) => `-. "${l}" .->`,
};

/** Renders the diagram's source (without the ```mermaid fence). */
export function renderMermaid(facts: FederationFacts): string {
  const lines = ['flowchart LR'];
  const byId = new Map(facts.nodes.map((n) => [n.id, n]));
  for (const site of facts.sites) {
    lines.push(`  subgraph ${mermaidId('site', site.id)}["site ${label(site.id)}"]`);
    for (const id of site.nodeIds) lines.push(`    ${mermaidId('node', id)}["${nodeLabel(byId.get(id)!)}"]`);
    if (facts.stepCa?.siteId === site.id) lines.push(`    step_ca[("step-ca<br/>:${facts.stepCa.port}")]`);
    lines.push('  end');
  }
  for (const l of facts.links) {
    lines.push(`  ${mermaidId('node', l.from)} ${ARROW[l.transport](l.transport)} ${mermaidId('node', l.to)}`);
  }
  // Clients a server admits beyond its links: Loom's gateway allow-list (nodes or CNs), or an open door
  // such as "(any client)". Same rule as every arrow: from the server to the client that dials it.
  const linked = new Set(facts.links.map((l) => `${l.from}>${l.to}`));
  const extra = facts.trustEdges.filter((e) => !linked.has(`${e.server}>${e.client}`) && (e.client.startsWith('(') || !byId.has(e.client) || byId.get(e.server)?.kind === 'loom'));
  for (const principal of [...new Set(extra.filter((e) => !byId.has(e.client)).map((e) => e.client))]) {
    lines.push(`  ${principalId(principal)}(["${label(principal.startsWith('(') ? principal.slice(1, -1) : principal)}"])`);
  }
  for (const e of extra) {
    const to = byId.has(e.client) ? mermaidId('node', e.client) : principalId(e.client);
    const text = byId.get(e.server)?.kind === 'loom' ? `Loom gateway (${e.transport === 'mTLS' && !e.client.startsWith('(') ? 'mTLS, allowed' : openDoorLabel(e)})` : openDoorLabel(e);
    lines.push(`  ${mermaidId('node', e.server)} ${ARROW[e.transport](text)} ${to}`);
  }
  if (facts.stepCa) {
    // ACME runs over HTTPS that the nodes verify against the federation root: TLS, step-ca serving.
    const acmeNodes = [...new Set(facts.certificates.filter((c) => c.source === 'step-ca').map((c) => c.nodeId))];
    for (const id of acmeNodes) lines.push(`  step_ca ${ARROW.TLS('ACME (TLS)')} ${mermaidId('node', id)}`);
  }
  return lines.join('\n');
}

/** The legend printed above the diagram: what direction and each arrow style mean. */
export const MERMAID_LEGEND = 'Every arrow points from the server to the client that dials it (the direction data flows): '
  + 'a link from the serving node to the dialing node, ACME from step-ca to its clients. '
  + 'Thick (`==>`): mTLS; thin (`-->`): TLS, the server authenticated only; dotted (`-.->`): plaintext. '
  + 'An arrow from a Loom server goes to each client its mTLS gateway admits. '
  + 'Rounded boxes outside the sites are clients that are not nodes of the spec, admitted by a server\'s settings beyond its links.';

function openDoorLabel(e: TrustEdge): string {
  if (e.transport === 'mTLS') return 'mTLS, any CN';
  return e.transport === 'TLS' ? 'TLS, no client auth' : 'plain';
}

function principalId(principal: string): string {
  return `clients_${principal.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
}

function nodeLabel(n: NodeFacts): string {
  const ports = n.ports.map((p) => `${p.service} :${p.port}`).join(', ');
  return `${label(n.id)}<br/>${n.kind} · tier ${n.tier}${ports ? `<br/>${label(ports)}` : ''}`;
}

/** Ids are lowercase letters, digits and '-': Mermaid ids take '_' instead of '-'. */
function mermaidId(prefix: string, id: string): string {
  return `${prefix}_${id.replace(/[^a-z0-9]/g, '_')}`;
}

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities. */
function label(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}
