/**
 * schema/federation-spec.schema.json: generated from model/spec.ts by `npm run build`, shipped in the package
 * (test/consumer-package.test.ts), named by the examples' yaml-language-server modeline so editors complete
 * and check specs. Checked here as generated now, from the types as they are.
 */
import Ajv from 'ajv';
import { readdirSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { parse } from 'yaml';
import { generateSpecSchema, SPEC_SCHEMA_FILE } from '../scripts/spec-schema';

const ROOT = join(__dirname, '..');
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, 'examples', f));
const text = generateSpecSchema();
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(text));

test('schema defaults are values of their fields; prose defaults are in the descriptions', () => {
  expect(text).toContain('"default": "manual"');
  expect(text).toContain('Default: the federation tier.');
  expect(text).not.toContain('"default": "the federation tier"');
});

test.each(EXAMPLES.map((f) => [f.slice(ROOT.length + 1), f]))('%s names the schema in its modeline and conforms to it', (_name, file) => {
  const yaml = readFileSync(file, 'utf8');
  const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(yaml);
  expect(modeline).not.toBeNull();
  expect(resolve(dirname(file), modeline![1])).toBe(SPEC_SCHEMA_FILE);
  validate(parse(yaml));
  expect(validate.errors ?? []).toEqual([]);
});

test('the schema rejects a misspelled field and a value outside an enum', () => {
  const spec = parse(readFileSync(EXAMPLES.find((f) => f.endsWith('three-locations.yaml'))!, 'utf8'));
  expect(validate({ ...spec, teir: 'manual' })).toBe(false);
  expect(validate.errors!.map((e) => e.params)).toContainEqual({ additionalProperty: 'teir' });
  expect(validate({ ...spec, tier: 'manul' })).toBe(false);
  expect(validate({ ...spec, sites: [{ ...spec.sites[0], nodes: [{ ...spec.sites[0].nodes[0], kind: 'nginx' }] }] })).toBe(false);
  expect(validate(spec)).toBe(true);
});
