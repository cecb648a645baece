/**
 * acme-client sends every request through one process-wide axios instance (`acme.axios`). To trust only
 * the federation root for the directory's HTTPS, that instance gets an `https.Agent({ ca })` for the
 * duration of one order; orders therefore run one at a time in a process, each with its own trust.
 */
import * as acme from 'acme-client';
import { LookupAddress, lookup as dnsLookup } from 'dns';
import * as https from 'https';
import { LookupFunction } from 'net';
import { Duplex } from 'stream';

export interface DirectoryTrustProps {
  /** PEM of the root(s) the directory's certificate must chain to: the only roots trusted. */
  readonly caPem: string;
  /**
   * Addresses for names, used instead of DNS when connecting to the directory (like curl's `--resolve`).
   * The certificate is still checked against the name.
   * @default {} (DNS)
   */
  readonly resolve?: Readonly<Record<string, string>>;
  /**
   * Timeout of each request to the directory, in milliseconds.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
}

/** acme-client's own settings on its axios instance (src/axios.js). */
interface AcmeSettings { retryMaxAttempts: number; retryDefaultDelay: number }

let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` with acme-client's HTTP client trusting only `props.caPem`; restores the previous settings after. */
export function withDirectoryTrust<T>(props: DirectoryTrustProps, fn: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const defaults = acme.axios.defaults;
    const settings = (defaults as unknown as { acmeSettings: AcmeSettings }).acmeSettings;
    const saved = { httpsAgent: defaults.httpsAgent, proxy: defaults.proxy, timeout: defaults.timeout };
    const savedSettings = { ...settings };
    const agent = new TransportErrorRecordingAgent({ ca: props.caPem, keepAlive: true, lookup: overrideLookup(props.resolve ?? {}) });
    defaults.httpsAgent = agent;
    // Straight to the directory: a proxy from the environment would otherwise carry the connection.
    defaults.proxy = false;
    defaults.timeout = props.requestTimeoutMs ?? 30_000;
    // acme-client retries failed requests 5 times, 5 s apart and growing (75 s in all), even a certificate
    // that does not verify; three tries 1, 2 and 3 s apart ride out a restarting CA without that wait.
    settings.retryMaxAttempts = 3;
    settings.retryDefaultDelay = 1;
    try {
      return await fn();
    } catch (e) {
      // After its last retry of a connection or TLS failure acme-client reads a response that does not
      // exist and throws a TypeError ("reading 'config'"); the failure itself is what the caller needs.
      if (e instanceof TypeError && agent.lastError) throw new Error(`cannot talk to the ACME directory: ${agent.lastError.message}`);
      throw e;
    } finally {
      Object.assign(defaults, saved);
      Object.assign(settings, savedSettings);
      agent.destroy();
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** An https.Agent that remembers the last connection or TLS error of its sockets. */
class TransportErrorRecordingAgent extends https.Agent {
  public lastError?: Error;

  public createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    socket?.on('error', (e: Error) => { this.lastError = e; });
    return socket;
  }
}

/** A `lookup` answering the given names from the table and everything else from DNS. */
function overrideLookup(table: Readonly<Record<string, string>>): LookupFunction {
  const byName = new Map(Object.entries(table).map(([name, address]) => [name.toLowerCase(), address]));
  return (hostname, options, callback) => {
    const address = byName.get(hostname.toLowerCase());
    if (address === undefined) {
      dnsLookup(hostname, options, callback as never);
      return;
    }
    const family = address.includes(':') ? 6 : 4;
    // Node asks for every address (options.all) when it races IPv4 and IPv6 connections.
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
