/**
 * Runs the project's TypeScript under plain node: `node -r ./scripts/ts-register.js main.ts` (cdktf.json's
 * app, the cli and bench scripts). Each file is transpiled by sucrase with the transforms of
 * `sucrase/register/ts`, and the output is kept in node_modules/.cache keyed by the file's content, so a synth
 * transpiles only what changed since the last one (all 44 files of a synth cost ~150 ms every run otherwise).
 *
 * No source maps: sucrase keeps every line where it was, so stack traces already point at the .ts lines.
 */
'use strict';
const { createHash } = require('crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('fs');
const { join } = require('path');
const { addHook } = require('pirates');
const { transform } = require('sucrase');

/** As `sucrase/register/ts`. */
const OPTIONS = { transforms: ['imports', 'typescript'] };
/** FPKI_TS_CACHE moves the cache (e.g. where node_modules is read-only). */
const CACHE = process.env.FPKI_TS_CACHE || join(__dirname, '..', 'node_modules', '.cache', 'federation-pki-ts');
/** Output changes with sucrase's version and options: both are part of every key. */
const SALT = `${require('sucrase/package.json').version}\0${JSON.stringify(OPTIONS)}`;

function transpile(code, filePath) {
  const key = createHash('sha256').update(SALT).update('\0').update(filePath).update('\0').update(code).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not transpiled yet
  }
  const out = transform(code, { ...OPTIONS, filePath }).code;
  try {
    mkdirSync(CACHE, { recursive: true });
    // Written aside and renamed: a run beside this one reads a whole file or none.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, out);
    renameSync(partial, cached);
  } catch {
    // a read-only tree just transpiles every time
  }
  return out;
}

addHook(transpile, { exts: ['.ts'] });
