/**
 * The command of a site's own NATS server. Pure: store key in, argv out.
 *
 * SemStreams needs JetStream (it keeps its config in a key-value bucket and exits without it). The `nats`
 * image's default config file has no JetStream, and adding `-js` to it fails (its `cluster {}` block then
 * demands routes), so the server runs from flags alone. Flags first: the alpine image's entrypoint prepends
 * `nats-server` to an argv starting with `-`, and the scratch image's entrypoint is the server itself.
 */
import { createHash } from 'crypto';

/** Where the JetStream store volume is mounted in the NATS container. */
export const NATS_STORE_MOUNT = '/data';

/** NATS client port inside the site network. */
export const NATS_CLIENT_PORT = 4222;

/**
 * A short key naming the JetStream store directory, derived from the config versions of the SemStreams
 * nodes the server serves. SemStreams boots from its stored config when the stored version is not lower
 * than the file's, and a content-derived version is not ordered; a fresh store per set of versions means a
 * changed config always wins, while a restart, or a certificate change, keeps the store.
 */
export function natsStoreKey(configVersions: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(configVersions)).digest('hex').slice(0, 16);
}

/** `nats-server` flags: JetStream on, its store on the volume under the config set's key. */
export function renderNatsCommand(serverName: string, storeKey: string): string[] {
  return ['-js', '-sd', `${NATS_STORE_MOUNT}/jetstream-${storeKey}`, '-n', serverName, '-p', String(NATS_CLIENT_PORT)];
}
