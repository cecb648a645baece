/** The `federation-pki` entry point: --help and --version on the CLI and on every command. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { runCli } from '../cli/main';

const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = [[], ['pki'], ['pki', 'init-root'], ['pki', 'sign-intermediate'], ['acme'], ['verify'], ['report']];

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
}

test.each(COMMANDS.map((c) => [c.join(' ') || '(no command)', c]))('%s --help prints its usage on stdout and exits 0', async (_name, command) => {
  const r = await cli([...command, '--help']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(new RegExp(`^usage: federation-pki ${command[0] ?? '<command>'}`));
});

test.each(COMMANDS.map((c) => [c.join(' ') || '(no command)', c]))('%s --version prints the package version and exits 0', async (_name, command) => {
  for (const flag of ['--version', '-V']) expect(await cli([...command, flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
});

test('the usage lists every command, --help and --version', async () => {
  const { stdout } = await cli(['--help']);
  for (const c of ['pki', 'acme', 'verify', 'report']) expect(stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
  expect(stdout).toContain('--version');
});

test('an unknown command or option is a usage error (exit 2, usage on stderr); --version after -- is an argument', async () => {
  expect(await cli(['deploy'])).toMatchObject({ code: 2, stdout: '' });
  expect((await cli(['--bogus'])).code).toBe(2);
  const afterDashes = await cli(['report', '--', '--version']);
  expect(afterDashes.code).toBe(2);
  expect(afterDashes.stdout).toBe('');
});

test('the entry point starts with a node shebang, so the installed bin runs as node, not as a shell script', () => {
  expect(readFileSync(join(__dirname, '..', 'cli', 'main.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
});
