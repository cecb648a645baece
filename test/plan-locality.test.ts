/**
 * Plan locality (issue 7): adding one leaf site to a federation changes only the new site's stack, the pki
 * stack's entries for its node, and the stack whose allow-list gains the new node (the hub it dials) —
 * whether the new site comes last or first in the spec. `npm run bench` reports the same at 10..300 sites;
 * this keeps it from regressing.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdktf';
import { readStacks, SynthesizedStack } from '../benchmarks/cdktf-out';
import { HUB, hubFederationSpec, LeafLayout, leafId } from '../benchmarks/hub-federation';
import { diffSynths } from '../benchmarks/plan-diff';
import { Federation } from '../stacks/federation';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function synthHub(layout: LeafLayout): Map<string, SynthesizedStack> {
  const dir = mkdtempSync(join(tmpdir(), 'fpki-locality-'));
  dirs.push(dir);
  const app = new App({ outdir: join(dir, 'cdktf.out') });
  new Federation(app, 'federation', { spec: hubFederationSpec(layout) });
  app.synth();
  return readStacks(join(dir, 'cdktf.out'));
}

const LEAVES = 12;
const before = () => synthHub({ leaves: LEAVES });

describe.each([
  ['appended', 'append' as const, leafId(LEAVES + 1)],
  ['prepended', 'prepend' as const, leafId(0)],
])(`a leaf site %s to ${LEAVES} leaves`, (_, extra, newLeaf) => {
  test('adds its stack, its pki entries, and changes the hub\'s container (its allow-list) and nothing else', () => {
    const changes = diffSynths(before(), synthHub({ leaves: LEAVES, extra }));
    const leafKey = newLeaf.replace(/-/g, '_');
    const mentionsLeaf = (block: string) => block.includes(newLeaf) || block.includes(leafKey);

    expect(changes.map((c) => `${c.kind} ${c.stack}`).sort()).toEqual([
      `added ${HUB.name}-${newLeaf}`,
      `added ${HUB.name}-keys-${newLeaf}`,
      `changed ${HUB.name}-${HUB.hubId}`,
      `changed ${HUB.name}-pki`,
      `changed ${HUB.name}-pki-public`,
    ].sort());
    // The public stack gains the new node's certificate, relayed to its site (its locals, one block, change), and nothing else.
    const pub = changes.find((c) => c.stack === `${HUB.name}-pki-public`)!;
    expect(pub.blocks.filter((b) => b !== '~locals' && !(b.startsWith('+') && mentionsLeaf(b)))).toEqual([]);
    expect(pub.blocks).toContain('~locals');

    const hub = changes.find((c) => c.stack === `${HUB.name}-${HUB.hubId}`)!;
    expect(hub.blocks).toEqual([expect.stringMatching(/^~resource\.docker_container\.hub$/)]);

    // In the pki stack only additions, each about the new node: its certificate (its key and CSR are in its keys
    // stack), the keys stack's state it reads the CSR from, and outputs.
    const pki = changes.find((c) => c.stack === `${HUB.name}-pki`)!;
    // ...and its dependencies gain the new site's keys stack.
    expect(pki.blocks.filter((b) => b !== '~dependencies' && !(b.startsWith('+') && mentionsLeaf(b)))).toEqual([]);
    const resources = pki.blocks.filter((b) => b.startsWith('+resource.')).map((b) => b.split('.')[1]).sort();
    expect(resources).toEqual(['tls_locally_signed_cert']);
    // Its summary output, and the certificate the public stack relays.
    expect(pki.blocks.filter((b) => b.startsWith('+output.'))).toHaveLength(2);
    expect(pki.blocks.filter((b) => b.startsWith('+data.'))).toHaveLength(1);
    expect(pki.blocks).toHaveLength(5);
  });
});
