/**
 * A federation diff as pull-request Markdown: trust edges first, then certificates, containers and warnings.
 */
import { FederationDiff, FieldChange, SetChange } from './diff';
import { ContainerReplacement } from './replacements';
import { CertificateFacts, ContainerFacts } from './facts';
import { cell, code, table } from './text';
import { trustEdgeTable } from './render-report';

/** Renders the diff. The same diff always gives the same text. */
export function renderDiff(d: FederationDiff): string {
  const title = d.oldName === d.newName ? code(d.newName) : `${code(d.oldName)} → ${code(d.newName)}`;
  return [
    `# Federation ${title}: what this change does to TLS/mTLS`,
    '',
    `Trust edges: ${tally(d.trustEdges)} · Certificates: ${tally(d.certificates)}${d.root.length > 0 ? ', new federation root' : ''} · Containers: ${d.containers.added.length} added, ${d.containers.removed.length} removed, ${d.replacedContainers.length} replaced · Warnings: ${d.warnings.added.length} new, ${d.warnings.removed.length} resolved`,
    '',
    '## Trust edges',
    '',
    renderSet(d.trustEdges, trustEdgeTable, 'Server <- client'),
    '',
    '## Certificates',
    '',
    ...(d.root.length > 0 ? [
      '**Federation root replaced**: every certificate is re-issued and every site must receive the new `federation_ca_pem`.',
      '',
      changeTable('Root', d.root.map((f) => ['federation root', f])),
      '',
    ] : []),
    renderSet(d.certificates, certificateTable, 'Certificate', 'A changed certificate is re-issued by the next deploy of the pki stack, from the new CSR of its site\'s keys stack (a new key only when the key algorithm changed).'),
    '',
    '## Containers',
    '',
    renderContainers(d),
    '',
    '## Warnings',
    '',
    d.warnings.added.length === 0 && d.warnings.removed.length === 0 ? 'No change.' : [
      ...d.warnings.added.map((w) => `- new: **${w.kind}** (${code(w.subject)}): ${w.message}`),
      ...d.warnings.removed.map((w) => `- resolved: **${w.kind}** (${code(w.subject)}): ${w.message}`),
    ].join('\n'),
    '',
  ].join('\n');
}

function tally(s: SetChange<unknown>): string {
  return `${s.added.length} added, ${s.removed.length} removed, ${s.changed.length} changed`;
}

function renderSet<T>(s: SetChange<T>, render: (ts: readonly T[]) => string, thing: string, note?: string): string {
  if (s.added.length === 0 && s.removed.length === 0 && s.changed.length === 0) return 'No change.';
  const parts: string[] = [];
  if (s.added.length > 0) parts.push('**Added**', '', render(s.added), '');
  if (s.removed.length > 0) parts.push('**Removed**', '', render(s.removed), '');
  if (s.changed.length > 0) {
    parts.push('**Changed**', '', changeTable(thing, s.changed.flatMap((c) => c.fields.map((f): [string, FieldChange] => [c.key, f]))), '');
    if (note) parts.push(note, '');
  }
  return parts.join('\n').trimEnd();
}

function changeTable(thing: string, rows: readonly [string, FieldChange][]): string {
  return table([thing, 'Field', 'Before', 'After'], rows.map(([key, f]) => [code(key), f.field, cell(f.before), cell(f.after)]));
}

function certificateTable(certs: readonly CertificateFacts[]): string {
  return table(['Node', 'Issuer', 'CN', 'SANs', 'EKU', 'Lifetime'], certs.map((c) => [
    c.nodeId.startsWith('(') ? c.nodeId : code(c.nodeId), cell(c.issuer), code(c.commonName),
    [...c.dnsNames.map((x) => `DNS:${x}`), ...c.ipAddresses.map((x) => `IP:${x}`)].map(code).join(' '), c.eku.join(', '), cell(c.lifetime),
  ]));
}

function containerTable(containers: readonly ContainerFacts[]): string {
  return table(['Site', 'Container', 'Image', 'Published ports'], containers.map((c) => [
    code(c.siteId), code(c.name), code(c.image), c.publishedPorts.join(', ') || '—',
  ]));
}

function renderContainers(d: FederationDiff): string {
  const set = renderSet(d.containers, containerTable, 'Container');
  if (d.replacedContainers.length === 0) return set;
  return [
    ...(set === 'No change.' ? [] : [set, '']),
    '**Replaced** by the next deploy of its site stack (Docker cannot change these in a running container):',
    '',
    replacementTable(d.replacedContainers),
  ].join('\n');
}

/** One row per reason, so every cause of a replacement is on its own line. */
export function replacementTable(replacements: readonly ContainerReplacement[]): string {
  return table(['Site', 'Container', 'Because of', 'What changes'], replacements.flatMap((r) => r.reasons.map((why) => [
    code(r.siteId), code(r.container), why.cause, cell(why.detail),
  ])));
}
