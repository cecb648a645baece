#!/usr/bin/env node
/**
 * The `federation-pki <command> [args]` executable: operator commands beside the cdktf app.
 * Installed, it runs as the package's bin (compiled to dist/cli/main.js); in a clone, `npm run cli -- <command>`.
 */
import { packageVersion } from '../model/package-root';
import { CliCommand, CliIo, processIo } from './command';
// Each command lives in its own file under cli/commands/ and is listed here once.
const COMMANDS: readonly CliCommand[] = [
  // (commands are registered here)
  (require('./commands/pki') as typeof import('./commands/pki')).pkiCommand,
  (require('./commands/acme') as typeof import('./commands/acme')).acmeCommand,
  (require('./commands/verify') as typeof import('./commands/verify')).verifyCommand,
  (require('./commands/report') as typeof import('./commands/report')).reportCommand,
];

const HELP = ['--help', '-h'];
const VERSION = ['--version', '-V'];

function usage(commands: readonly CliCommand[]): string {
  return [
    'usage: federation-pki <command> [args]',
    '       federation-pki <command> --help      what a command takes',
    '       federation-pki --version             the installed version (also after any command)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(20)} ${c.summary}`),
    '',
  ].join('\n');
}

/**
 * Runs one CLI invocation; resolves with the exit code (0 ok, 1 failure, 2 bad arguments).
 * `--version` (or `-V`) anywhere before a `--` prints the version and exits 0, with or without a command;
 * `--help` goes to the command, which prints its own usage.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (options.some((a) => VERSION.includes(a))) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const [name, ...args] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const asked = name === undefined || HELP.includes(name);
    (asked ? io.stdout : io.stderr)(`${name && !name.startsWith('-') ? `unknown command: ${name}\n\n` : ''}${usage(commands)}`);
    return asked ? 0 : 2;
  }
  return command.run(args, io);
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
