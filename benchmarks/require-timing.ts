/**
 * Preloaded into a synth child (`node -r require-timing.js app.js`): times every `require` made from
 * outside node_modules (the app and the library), inclusive of what it loads in turn, and prints the
 * heaviest on stderr at exit as `BENCH_REQUIRE <ms> <request> <- <importer>`. This is how the fixed cost
 * of loading the library is attributed to the imports that cause it. Side effects only: import nothing from here.
 */
import Module = require('module');

import { REQUIRE_TIMING_PREFIX as PREFIX } from './child-report';
const timings = new Map<string, number>();
const loader = Module as unknown as { _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
const load = loader._load;

loader._load = function timedLoad(this: unknown, request, parent, isMain) {
  const started = process.hrtime.bigint();
  try {
    return load.call(this, request, parent, isMain);
  } finally {
    const importer = parent?.filename ?? '';
    // The main module (no importer) is the whole run, not an import.
    if (importer !== '' && !importer.includes('node_modules') && !request.startsWith('node:')) {
      const key = `${request} <- ${importer.replace(/^.*?\/((?:benchmarks|model|render|constructs|stacks|policy|pki|acme|report|verify)\/)/, '$1')}`;
      timings.set(key, (timings.get(key) ?? 0) + Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
};

process.on('exit', () => {
  const heaviest = [...timings].sort((a, b) => b[1] - a[1]).slice(0, 15);
  for (const [key, ms] of heaviest) process.stderr.write(`${PREFIX}${ms.toFixed(1)} ${key}\n`);
});

