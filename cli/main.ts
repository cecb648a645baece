/**
 * `federation-pki <command> [args]`: operator commands beside `cdktf synth`.
 * Run with `npx ts-node --transpile-only cli/main.ts <command>` or `npm run cli -- <command>`.
 */
import { CliCommand, CliIo, processIo } from './command';
// Each command lives in its own file under cli/commands/ and is listed here once.
const COMMANDS: readonly CliCommand[] = [
  // (commands are registered here)
  (require('./commands/pki') as typeof import('./commands/pki')).pkiCommand,
  (require('./commands/acme') as typeof import('./commands/acme')).acmeCommand,
  (require('./commands/verify') as typeof import('./commands/verify')).verifyCommand,
  (require('./commands/report') as typeof import('./commands/report')).reportCommand,
];

export async function runCli(argv: readonly string[], io: CliIo = processIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [name, ...args] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const usage = ['usage: federation-pki <command> [args]', '', 'commands:', ...commands.map((c) => `  ${c.name.padEnd(20)} ${c.summary}`)].join('\n');
    (name === undefined || name === '--help' || name === '-h' ? io.stdout : io.stderr)(`${name && !name.startsWith('-') ? `unknown command: ${name}\n\n` : ''}${usage}\n`);
    return name === undefined || name === '--help' || name === '-h' ? 0 : 2;
  }
  return command.run(args, io);
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
