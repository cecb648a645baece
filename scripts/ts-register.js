/**
 * Runs the project's TypeScript under plain node: `node -r ./scripts/ts-register.js main.ts` (cdktf.json's
 * app, the cli and bench scripts). Each file is transpiled by sucrase with the transforms of
 * `sucrase/register/ts`, and the output is kept in node_modules/.cache keyed by the file's content, so a synth
 * transpiles only what changed since the last one (all 44 files of a synth cost ~150 ms every run otherwise).
 *
 * The compiled code is cached too (V8's code cache, `.v8` beside the `.js`, keyed by the `.js`'s own key and
 * node's version and flags: the transpiled code is a function of what the `.js` key covers, so it is not hashed
 * again): V8 checks a cache against the source and its own flags and ignores one that does not fit, and a cache
 * written when a run ends holds every function that run compiled, which V8 would otherwise parse and compile
 * again on every synth (node 20 has no `module.enableCompileCache`).
 *
 * Sucrase itself (65 modules) is loaded only when a file has to be transpiled: with a warm cache, never.
 *
 * No source maps: sucrase keeps every line where it was, so stack traces already point at the .ts lines.
 */
'use strict';
const { createHash } = require('crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('fs');
const Module = require('module');
const { dirname, join } = require('path');
const { Script } = require('vm');

/** As `sucrase/register/ts`. */
const OPTIONS = { transforms: ['imports', 'typescript'] };
/** FPKI_TS_CACHE moves the cache (e.g. where node_modules is read-only). */
const CACHE = process.env.FPKI_TS_CACHE || join(__dirname, '..', 'node_modules', '.cache', 'federation-pki-ts');
/** Output changes with sucrase's version and options: both are part of every key. */
const SALT = `${require('sucrase/package.json').version}\0${JSON.stringify(OPTIONS)}`;
/** A code cache fits one V8 (node version, architecture); V8 rejects one made under other flags by itself. */
const CODE_SALT = `${process.version}\0${process.arch}\0${process.execArgv.join(' ')}`;
/** The part of a `.v8` file's name that says which V8 made it. */
const CODE_KEY = createHash('sha256').update(CODE_SALT).digest('hex').slice(0, 16);
/** As pirates' default (what this file used before): TypeScript under node_modules is not transpiled. */
const NODE_MODULES = /[\\/]node_modules[\\/]/;

function keyOf(salt, filePath, code) {
  return createHash('sha256').update(salt).update('\0').update(filePath).update('\0').update(code).digest('hex');
}

function readCached(file, encoding) {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined; // not cached yet
  }
}

function writeCached(file, data) {
  try {
    mkdirSync(CACHE, { recursive: true });
    // Written aside and renamed: a run beside this one reads a whole file or none.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch {
    // a read-only tree just transpiles (and compiles) every time
  }
}

/** The transpiled code of `code` and the key it is cached under. */
function transpile(code, filePath) {
  const key = keyOf(SALT, filePath, code);
  const cached = join(CACHE, `${key}.js`);
  const hit = readCached(cached, 'utf8');
  if (hit !== undefined) return { key, code: hit };
  const out = require('sucrase').transform(code, { ...OPTIONS, filePath }).code;
  writeCached(cached, out);
  return { key, code: out };
}

/** Scripts compiled without a usable code cache in this run, whose cache is written when it ends. */
const uncached = [];
process.once('exit', () => {
  for (const { script, file } of uncached) {
    try {
      writeCached(file, script.createCachedData());
    } catch {
      // no cache: the next run compiles again
    }
  }
});

/** `require` for code run in `module`, as node makes it for its own loader. */
function requireFor(module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Runs transpiled `code` (cached under `key`) as `module`, as `module._compile` would, through V8's code cache. */
function run(module, { key, code }, filename) {
  // A hashbang line (the cli's) is valid only at the very start; the wrapper moves it. Keep the line count.
  const body = code.startsWith('#!') ? `//${code}` : code;
  const file = join(CACHE, `${key}.${CODE_KEY}.v8`);
  const cachedData = readCached(file);
  // Module.wrap puts its header on the first line, so every line keeps its number.
  const script = new Script(Module.wrap(body), { filename, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected) uncached.push({ script, file });
  const wrapper = script.runInThisContext({ displayErrors: true });
  return wrapper.call(module.exports, module.exports, requireFor(module), module, filename, dirname(filename));
}

const loadJs = Module._extensions['.js'];
Module._extensions['.ts'] = function loadTs(module, filename) {
  if (NODE_MODULES.test(filename)) return loadJs(module, filename);
  const source = readFileSync(filename, 'utf8');
  run(module, transpile(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source, filename), filename);
};
