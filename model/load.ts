/**
 * Reading a spec file (YAML or JSON). Parsing problems become SpecErrors like any other problem;
 * YAML aliases are capped so an alias bomb cannot exhaust memory.
 */
import { LineCounter, parseDocument } from 'yaml';
import { SpecError } from './problems';
import { readRegularFile, UnreadableFileError } from './read-file';
import { rebaseSpecFilePaths } from './project-paths';
import { FederationSpec } from './spec';

const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** Parses spec text; YAML is a superset of JSON, so one parser serves both. */
export function parseSpec(text: string, source = 'spec'): FederationSpec {
  if (text.length > MAX_SPEC_BYTES) {
    throw new SpecError([{ field: '(file)', message: `${source} is larger than ${MAX_SPEC_BYTES} bytes`, rule: 'a spec file is at most 4 MiB' }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new SpecError(doc.errors.map((e) => {
      // Line and column (1-based) of where the parser stopped, as editors and compilers print them.
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { field: '(file)', message: `${source}:${line}:${col}: ${e.message.split('\n')[0]}`, rule: 'a spec file is valid YAML or JSON' };
    }));
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as FederationSpec;
  } catch (e) {
    throw new SpecError([{ field: '(file)', message: `${source}: ${(e as Error).message}`, rule: 'a spec file is valid YAML or JSON without excessive aliases' }]);
  }
}

/**
 * Reads and parses a spec file. Files it names (ca.import, node certificates) are relative to it; they are
 * rebased to the project root (default: the working directory, where cdktf runs).
 */
export function loadSpecFile(path: string, options: { readonly projectRoot?: string } = {}): FederationSpec {
  let text: string;
  try {
    text = readRegularFile(path, MAX_SPEC_BYTES);
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw e;
    const rule = e.code === 'ETOOBIG' ? 'a spec file is at most 4 MiB' : 'FEDERATION_SPEC names a readable regular file';
    throw new SpecError([{ field: '(file)', message: `cannot read ${path}: ${e.code === 'ENOENT' ? 'ENOENT' : e.message}`, rule }]);
  }
  return rebaseSpecFilePaths(parseSpec(text, path), path, options.projectRoot ?? process.cwd());
}
