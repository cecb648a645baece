/**
 * Issue 14, item 1: keys read through `terraform_remote_state` lose their sensitive mark, so a Docker upload
 * fed from one printed the key in clear in `terraform plan`. Every key upload is wrapped in `sensitive()`.
 * (test/real/secrets.test.ts runs the real `terraform plan` where the providers are available.)
 */
import { readFileSync } from 'fs';
import { parseSpec } from '../model/load';
import { interpolations, referencesIn } from '../policy/references';
import { exampleCopy, synth } from './helpers';

const SPECS: [string, () => any][] = [
  ['three-locations', exampleCopy],
  ['three-locations-acme', () => parseSpec(readFileSync('examples/three-locations-acme.yaml', 'utf8'))],
];

/** Every upload of every container of a stack. */
function uploads(stack: any): { container: string; file: string; content?: string; permissions?: string }[] {
  return Object.entries(stack.resource?.docker_container ?? {}).flatMap(([name, c]: [string, any]) =>
    (c.upload ?? []).map((u: any) => ({ container: name, ...u })));
}

describe.each(SPECS)('%s', (_name, spec) => {
  const out = synth(spec());

  test('every upload whose content is read from another stack\'s state and is a key is wrapped in sensitive()', () => {
    let keys = 0;
    for (const [stackName, stack] of out.stacks) {
      for (const u of uploads(stack)) {
        if (u.content === undefined) continue;
        const remote = interpolations(u.content).flatMap(referencesIn).filter((r) => r.kind === 'remote');
        const readsKey = remote.some((r) => r.kind === 'remote' && /private_key_pem|privatekeypem|_key_/i.test(r.output));
        if (!readsKey && u.permissions !== '0600') continue;
        keys++;
        expect({ stack: stackName, file: u.file, content: u.content }).toEqual({ stack: stackName, file: u.file, content: expect.stringMatching(/^\$\{sensitive\(data\.terraform_remote_state\.[^}]+\)\}$/) });
      }
    }
    expect(keys).toBeGreaterThan(0);
  });

  test('every 0600 upload is a key, and every key upload is 0600', () => {
    for (const stack of out.stacks.values()) {
      for (const u of uploads(stack)) {
        if (u.content?.startsWith('${sensitive(')) expect(u.permissions).toBe('0600');
      }
    }
  });
});
