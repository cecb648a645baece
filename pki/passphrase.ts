/**
 * The root key's passphrase: from the environment variable FPKI_ROOT_PASSPHRASE, else typed at a prompt on a
 * terminal (not echoed). Never a command-line argument: arguments show up in `ps` and shell history.
 */
export const PASSPHRASE_ENV = 'FPKI_ROOT_PASSPHRASE';
/** Shortest passphrase init-root accepts for a new root key. */
export const MIN_PASSPHRASE_LENGTH = 12;

export interface PassphraseSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads one line without echo, or undefined when there is no terminal to ask. */
  readonly prompt: (question: string) => Promise<string | undefined>;
}

/** The passphrase, or an error message. With `confirm`, a prompted passphrase is asked twice. */
export async function readPassphrase(source: PassphraseSource, opts: { confirm: boolean; minLength?: number }): Promise<{ passphrase: string } | { error: string }> {
  let passphrase = source.env[PASSPHRASE_ENV];
  if (passphrase === undefined || passphrase === '') {
    const typed = await source.prompt('Root key passphrase: ');
    if (typed === undefined) return { error: `no passphrase: set ${PASSPHRASE_ENV} or run on a terminal to be prompted` };
    if (opts.confirm && (await source.prompt('Repeat the passphrase: ')) !== typed) return { error: 'the passphrases differ' };
    passphrase = typed;
  }
  if (opts.minLength !== undefined && passphrase.length < opts.minLength) {
    return { error: `the passphrase has ${passphrase.length} characters; a root key needs at least ${opts.minLength}` };
  }
  return { passphrase };
}

/** A prompt on the process's terminal: echo off, answer ends at Enter; undefined without a terminal. */
export function terminalPrompt(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(undefined);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (value: string | undefined, error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error); else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(answer);
        if (ch === '\u0003') return done(undefined, new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}
