/**
 * The installed package's own directory. The code runs from the sources (`cli/main.ts` under
 * scripts/ts-register.js, ts-jest) and from the compiled `dist/` of an installed package, one level deeper,
 * so files shipped beside the code (examples/, package.json) are found by walking up, not by a fixed `..`.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';

/** The package's name in its package.json. */
export const PACKAGE_NAME = 'federation-pki';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME) return (cached = { root: dir, version: pkg.version ?? '0.0.0' });
    }
    if (dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: no package.json named ${PACKAGE_NAME} above ${__dirname}`);
  }
}

/** The directory holding the package's package.json, examples/ and schema/. */
export function packageRoot(): string {
  return find().root;
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  return find().version;
}
