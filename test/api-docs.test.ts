/**
 * The API reference (`npm run docs`: typedoc over the package's entry points, typedoc.json) builds from the
 * TSDoc without a warning: every type the public API hands out is exported too (typedoc's notExported
 * check), and every {@link} resolves.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..');

test('typedoc documents the public API with no warning (nothing it references is left unexported)', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--treatWarningsAsErrors'], {
    cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  expect({ status: r.status, warnings: `${r.stdout}${r.stderr}`.split('\n').filter((l) => /warning|error/i.test(l) && !/Found 0 errors and 0 warnings/.test(l)) })
    .toEqual({ status: 0, warnings: [] });
}, 300_000);
