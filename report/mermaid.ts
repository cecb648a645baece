/**
 * The federation as a Mermaid flowchart: sites as subgraphs, nodes inside them, links as arrows in the
 * direction data flows (serving node to dialing node) labelled with their protection. GitHub and GitLab
 * render it inside a ```mermaid block.
 */
import { FederationFacts, NodeFacts, Transport } from './facts';

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
  // Who may reach each Loom server (its gateway's allow-list, or anyone through an open door).
  const loomIds = new Set(facts.nodes.filter((n) => n.kind === 'loom').map((n) => n.id));
  const declared = new Set<string>();
  for (const e of facts.trustEdges.filter((x) => loomIds.has(x.server))) {
    // A client that is no node (a CN, or an open door such as "(any client)") gets a rounded node of its own.
    const from = byId.has(e.client) ? mermaidId('node', e.client) : mermaidId('client', e.client.toLowerCase());
    if (!byId.has(e.client) && !declared.has(from)) { lines.push(`  ${from}(["${label(e.client)}"])`); declared.add(from); }
    lines.push(`  ${from} ${ARROW[e.transport](`calls Loom (${e.transport})`)} ${mermaidId('node', e.server)}`);
  }
  if (facts.stepCa) {
    const acmeNodes = [...new Set(facts.certificates.filter((c) => c.source === 'step-ca').map((c) => c.nodeId))];
    for (const id of acmeNodes) lines.push(`  ${mermaidId('node', id)} -. "ACME" .-> step_ca`);
  }
  return lines.join('\n');
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
