/**
 * A tiny authoritative DNS server on loopback UDP for ACME tests: it answers A <address> for the names it
 * is given (and an empty answer for their other record types), NXDOMAIN for everything else. CAs started
 * with `-dnsserver` (pebble) or `--resolver` (step-ca) then validate test names without touching /etc/hosts.
 */
import * as dgram from 'dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;

export interface LoopbackDns {
  /** `127.0.0.1:<port>`, for the CA's resolver flag. */
  readonly address: string;
  /** Names queried so far (lower case), to show a CA really asked. */
  readonly queried: ReadonlySet<string>;
  close(): Promise<void>;
}

export function startLoopbackDns(names: readonly string[], answer = '127.0.0.1'): Promise<LoopbackDns> {
  const known = new Set(names.map((n) => n.toLowerCase()));
  const queried = new Set<string>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    const reply = answerQuery(query, known, answer, queried);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve({
      address: `127.0.0.1:${socket.address().port}`,
      queried,
      close: () => new Promise<void>((done) => socket.close(() => done())),
    }));
  });
}

/** The response to one query (one question; EDNS and other additional records are ignored), or undefined if malformed. */
function answerQuery(query: Buffer, known: ReadonlySet<string>, answer: string, queried: Set<string>): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const len = query[offset];
    if (len > 63) return undefined;
    labels.push(query.subarray(offset + 1, offset + 1 + len).toString('ascii'));
    offset += 1 + len;
  }
  const questionEnd = offset + 5;
  if (questionEnd > query.length) return undefined;
  const qtype = query.readUInt16BE(offset + 1);
  const name = labels.join('.').toLowerCase();
  queried.add(name);
  const found = known.has(name);
  const withA = found && qtype === TYPE_A;

  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);                            // same id
  const recursionDesired = query[2] & 0x01;
  header.writeUInt16BE(0x8400 | (recursionDesired << 8) | (found ? 0 : RCODE_NXDOMAIN), 2); // QR, AA, RD echoed
  header.writeUInt16BE(1, 4);                                                  // one question
  header.writeUInt16BE(withA ? 1 : 0, 6);                                      // answers
  const question = query.subarray(12, questionEnd);
  if (!withA) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0);                                             // name: pointer to the question
  record.writeUInt16BE(TYPE_A, 2);
  record.writeUInt16BE(CLASS_IN, 4);
  record.writeUInt32BE(5, 6);                                                  // TTL 5 s
  record.writeUInt16BE(4, 10);
  answer.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
  return Buffer.concat([header, question, record]);
}
