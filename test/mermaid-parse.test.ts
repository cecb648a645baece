/**
 * The report's diagrams through the real Mermaid parser (the grammar GitHub renders with), when one is
 * given: FPKI_MERMAID_DIR names a folder whose node_modules hold `mermaid` and `jsdom`
 * (`npm install mermaid jsdom` there). Not a project dependency: ~230 MB for one check. A full render needs
 * a browser (jsdom has no CSSStyleSheet or SVG layout) and none can be downloaded on these machines.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import { loadSpecFile } from '../model/load';
import { resolveFederation } from '../model/resolve';
import { collectFacts, renderMermaid } from '../report';
import { exampleCopy } from './helpers';

const dir = process.env.FPKI_MERMAID_DIR;
const why = !dir ? 'FPKI_MERMAID_DIR is not set' : !existsSync(join(dir, 'node_modules', 'mermaid')) ? `no node_modules/mermaid in ${dir}` : undefined;
if (why) console.log(`mermaid-parse: not run: ${why}`);
const maybe = why ? test.skip : test;

/** Parses each diagram in a child node process (mermaid is ESM and wants a DOM). */
function parse(diagrams: readonly string[]): string[] {
  const script = `
    const { JSDOM } = require(${JSON.stringify(join(dir ?? '', 'node_modules', 'jsdom'))});
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    globalThis.window = dom.window; globalThis.document = dom.window.document;
    import(${JSON.stringify(join(dir ?? '', 'node_modules', 'mermaid', 'dist', 'mermaid.core.mjs'))}).then(async ({ default: mermaid }) => {
      mermaid.initialize({ startOnLoad: false });
      const out = [];
      for (const d of JSON.parse(process.argv[1])) {
        try { const r = await mermaid.parse(d); out.push(r.diagramType); } catch (e) { out.push('error: ' + String(e.message).split('\\n').slice(0, 3).join(' ')); }
      }
      process.stdout.write(JSON.stringify(out));
    });`;
  const r = require('child_process').spawnSync(process.execPath, ['-e', script, JSON.stringify(diagrams)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`mermaid child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

maybe('both examples parse as flowcharts; a broken diagram does not', () => {
  const acme = loadSpecFile(join(__dirname, '..', 'examples', 'three-locations-acme.yaml'));
  const tierNone = exampleCopy();
  tierNone.tier = 'none';
  delete tierNone.sites[0].nodes[1].tls;
  const diagrams = [exampleCopy(), acme, tierNone].map((s) => renderMermaid(collectFacts(resolveFederation(s))));
  const broken = `${diagrams[0]}\n  node_loom == "unterminated ==> x`;
  expect(parse([...diagrams, broken]).map((r) => r.startsWith('error') ? 'error' : r)).toEqual(['flowchart-v2', 'flowchart-v2', 'flowchart-v2', 'error']);
});
