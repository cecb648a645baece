/**
 * Shape checks of the bring-your-own-PKI fields (`ca.import`, a node's `certificate`). The files themselves
 * are read and checked when the spec is resolved (pki/imported-pki.ts), against the project root.
 */
import { PKI_RULES } from '../pki/rules';
import { RULES } from './validate';

type Add = (field: string, message: string, rule: string) => void;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const CA_IMPORT_FIELDS = ['rootCertFile', 'intermediate', 'stepCaIntermediate', 'previousRootCertFile'] as const;
export const CERTIFICATE_FILES_FIELDS = ['certFile', 'keyFile'] as const;

/** `ca.import`, when present. */
export function checkCaImport(add: Add, ca: Obj): void {
  const imp = ca.import;
  if (imp === undefined) return;
  if (!isObj(imp)) { add('ca.import', `${show(imp)} is not a map`, PKI_RULES.importShape); return; }
  unknownFields(add, imp, CA_IMPORT_FIELDS, 'ca.import');
  filePath(add, imp, 'rootCertFile', 'ca.import', true);
  filePath(add, imp, 'previousRootCertFile', 'ca.import', false);
  certificateFiles(add, imp, 'intermediate', 'ca.import');
  certificateFiles(add, imp, 'stepCaIntermediate', 'ca.import');
}

/** A node's `certificate`, when present. */
export function checkNodeCertificateFiles(add: Add, node: Obj): void {
  certificateFiles(add, node, 'certificate', '');
}

function certificateFiles(add: Add, o: Obj, key: string, base: string): void {
  const v = o[key];
  const field = base ? `${base}.${key}` : key;
  if (v === undefined) return;
  if (!isObj(v)) { add(field, `${show(v)} is not a map with certFile and keyFile`, PKI_RULES.importShape); return; }
  unknownFields(add, v, CERTIFICATE_FILES_FIELDS, field);
  filePath(add, v, 'certFile', field, true);
  filePath(add, v, 'keyFile', field, true);
}

function filePath(add: Add, o: Obj, key: string, base: string, required: boolean): void {
  const v = o[key];
  if (v === undefined && !required) return;
  if (typeof v !== 'string' || v.length === 0 || /[\0-\x1f\x7f"\\$%]/.test(v)) {
    // `"`, `\`, `$` and `%` would need escaping inside the Terraform expressions that name the file.
    add(`${base}.${key}`, `${show(v)} is not a file path (a non-empty string without control characters, quotes, backslashes, "$" or "%")`, PKI_RULES.importShape);
  }
}

function unknownFields(add: Add, o: Obj, known: readonly string[], base: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) add(`${base}.${k}`, `unknown field "${k}"`, RULES.unknownField);
}

function show(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
