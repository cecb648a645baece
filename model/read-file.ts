/**
 * Reading a file a spec names (or the spec itself) without trusting what is at the path: only a regular file is
 * read, and at most `maxBytes` of it. `/dev/zero` would otherwise be read until memory runs out, and a FIFO
 * would block synth forever; the file is opened non-blocking and checked through its descriptor, so what is
 * checked is what is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'fs';

/** Why a file was not read. */
export class UnreadableFileError extends Error {
  constructor(public readonly code: 'ENOTREG' | 'ETOOBIG' | string, message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/** The text of the regular file at `path`, at most `maxBytes` long; throws UnreadableFileError otherwise. */
export function readRegularFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new UnreadableFileError(code, code === 'ENOENT' ? 'no such file or directory' : code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnreadableFileError('ENOTREG', `not a regular file (${kindOf(st)})`);
    if (st.size > maxBytes) throw new UnreadableFileError('ETOOBIG', `${st.size} bytes, more than ${maxBytes}`);
    // Read to the end, but never past the limit: a file growing while it is read is cut off and refused.
    const buf = Buffer.alloc(maxBytes + 1);
    let len = 0;
    for (let n; len < buf.length && (n = readSync(fd, buf, len, buf.length - len, null)) > 0;) len += n;
    if (len > maxBytes) throw new UnreadableFileError('ETOOBIG', `more than ${maxBytes} bytes`);
    return buf.subarray(0, len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: import('fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}
