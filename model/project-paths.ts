/**
 * Files a spec names (imported certificates and keys) live inside the project, and Terraform reaches them
 * through paths relative to its working directory `cdktf.out/stacks/<stack>/`: the same trick as the local
 * state backend (stacks/backend.ts), so cdktf.out holds no machine path and plans match on every machine.
 */
import { realpathSync } from 'fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'path';

/** Where a spec-named file is: project-relative for the plan, absolute for reading at synth. */
export type ProjectFile =
  | { readonly relative: string; readonly absolute: string }
  | { readonly outside: string };

/**
 * Locates `given` (relative to `projectRoot`, or absolute) inside the project. Symlinks are followed: a link
 * inside the project to a file outside it (`secrets/x.key -> /etc/shadow`) is outside, since that file is what
 * synth and Terraform would open. A file that does not exist is judged by its path (it is reported when read).
 */
export function locateProjectFile(given: string, projectRoot: string): ProjectFile {
  const absolute = resolve(projectRoot, given);
  const rel = relative(resolve(projectRoot), absolute);
  if (leaves(rel)) return { outside: absolute };
  const real = realPath(absolute);
  if (real !== undefined && leaves(relative(realPath(projectRoot) ?? resolve(projectRoot), real))) return { outside: real };
  return { relative: rel.split(sep).join('/'), absolute };
}

function leaves(rel: string): boolean {
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

function realPath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The path Terraform uses for a project-relative file, from `cdktf.out/stacks/<stack>/`. */
export function pathFromStack(projectRelative: string): string {
  return `../../../${projectRelative}`;
}

/** The fields of a spec that name files, as paths into the parsed object. */
function fileFields(spec: Record<string, any>): { holder: Record<string, unknown>; key: string }[] {
  const out: { holder: Record<string, unknown>; key: string }[] = [];
  const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const pair = (o: unknown) => {
    if (isObj(o)) for (const key of ['certFile', 'keyFile']) if (typeof o[key] === 'string') out.push({ holder: o, key });
  };
  const imp = isObj(spec.ca) ? spec.ca.import : undefined;
  if (isObj(imp)) {
    for (const key of ['rootCertFile', 'previousRootCertFile']) if (typeof imp[key] === 'string') out.push({ holder: imp, key });
    pair(imp.intermediate);
    pair(imp.stepCaIntermediate);
  }
  for (const site of Array.isArray(spec.sites) ? spec.sites : []) {
    for (const node of isObj(site) && Array.isArray(site.nodes) ? site.nodes : []) if (isObj(node)) pair(node.certificate);
  }
  return out;
}

/**
 * Rewrites the file paths of a parsed spec file from relative-to-the-spec-file to relative-to-the-project
 * (mutating `spec`). A path that leaves the project is made absolute, for validation to reject by name.
 */
export function rebaseSpecFilePaths<T>(spec: T, specFile: string, projectRoot: string): T {
  if (typeof spec !== 'object' || spec === null) return spec;
  for (const { holder, key } of fileFields(spec as Record<string, any>)) {
    const located = locateProjectFile(resolve(dirname(resolve(projectRoot, specFile)), holder[key] as string), projectRoot);
    holder[key] = 'relative' in located ? located.relative : located.outside;
  }
  return spec;
}
