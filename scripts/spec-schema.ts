/**
 * Writes schema/federation-spec.schema.json, the JSON Schema of a spec file, from the TypeScript types in
 * model/spec.ts (their TSDoc becomes the descriptions and defaults editors show). `npm run build` runs it
 * (so `npm ci` and `npm pack` do), `npm run schema` alone; the file is not checked in, so it can never lag
 * behind the types.
 *
 * The schema checks shape (fields, types, enums); the rules that span fields (links name nodes that exist,
 * ports in range, ...) stay with validateSpec, which names site, node, field and rule.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import Ajv from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

const ROOT = join(__dirname, '..');
/** Where the schema lives in the repository and in the package (`federation-pki/spec.schema.json`). */
export const SPEC_SCHEMA_FILE = join(ROOT, 'schema', 'federation-spec.schema.json');

/** The schema, as the JSON text the file holds. */
export function generateSpecSchema(): string {
  const schema = createGenerator({
    path: join(ROOT, 'model', 'spec.ts'),
    tsconfig: join(ROOT, 'tsconfig.json'),
    type: 'FederationSpec',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema('FederationSpec');
  proseDefaultsToDescriptions(schema as Json, schema.definitions as Json);
  const ordered = {
    $schema: schema.$schema,
    title: 'federation-pki federation spec',
    description: 'A federation spec for federation-pki (model/spec.ts). Shape only: validateSpec checks the rules between fields.',
    ...schema,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

type Json = Record<string, any>;

/**
 * Many `@default`s in model/spec.ts are prose ("the federation tier", "none: ..."): right for a reader, wrong
 * as a schema `default`, which editors insert as a value. A default that is not a valid value of its own
 * field moves into the description instead.
 */
function proseDefaultsToDescriptions(node: unknown, definitions: Json): void {
  if (Array.isArray(node)) { node.forEach((n) => proseDefaultsToDescriptions(n, definitions)); return; }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Json;
  if ('default' in o) {
    const { default: value, description, ...field } = o;
    const valid = new Ajv({ strict: false }).compile({ ...field, definitions })(value);
    if (!valid) {
      delete o.default;
      o.description = `${description ? `${description} ` : ''}Default: ${typeof value === 'string' ? value : JSON.stringify(value)}.`;
    }
  }
  for (const v of Object.values(o)) proseDefaultsToDescriptions(v, definitions);
}

if (require.main === module) {
  // schema/ is build output (gitignored): absent on a fresh clone.
  mkdirSync(dirname(SPEC_SCHEMA_FILE), { recursive: true });
  writeFileSync(SPEC_SCHEMA_FILE, generateSpecSchema());
  process.stdout.write(`wrote ${SPEC_SCHEMA_FILE}\n`);
}
