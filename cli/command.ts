/** One CLI subcommand: `federation-pki <name> [args]`. */
export interface CliCommand {
  /** The subcommand word, e.g. `report`. */
  readonly name: string;
  /** One line for the usage text. */
  readonly summary: string;
  /** Runs the command; resolves with the process exit code. Writes its own output. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Where a command writes, so tests can capture it. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};
