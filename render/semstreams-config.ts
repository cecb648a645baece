/**
 * Renders a SemStreams node's config file in the shape the real program loads
 * (components map, websocket output port in ports.outputs[0].subject, websocket_input in client mode,
 * nats.urls) with the guide's `security` block. Pure: model in, JSON text out.
 */
import { createHash } from 'crypto';
import { DEFAULTS } from '../model/defaults';
import { trustedCaFiles } from '../model/import-model';
import { FederationModel, SemStreamsNodeModel } from '../model/model';

/**
 * websocket_input's `reconnect`. SemStreams replaces its defaults with this object wholesale, and its
 * durations are integer nanoseconds (Go's time.Duration): `{enabled, max_retries: 10}` alone gave zero delays,
 * ten retries in under a second, then a silently dead link. Unlimited retries with backoff heal a link
 * whose upstream restarts or starts late.
 */
export const WEBSOCKET_RECONNECT = {
  enabled: true,
  /** 0 = unlimited. */
  max_retries: 0,
  initial_interval: DEFAULTS.semstreams.reconnectInitialSeconds * 1e9,
  max_interval: DEFAULTS.semstreams.reconnectMaxSeconds * 1e9,
  multiplier: 2,
} as const;

/** The only websocket_input port names SemStreams reads (others are skipped and defaults used). */
export const WEBSOCKET_INPUT_PORTS = { data: 'ws_data', control: 'ws_control' } as const;

/** The SemStreams config of `node` as a JSON-ready object. */
export function renderSemStreamsConfig(node: SemStreamsNodeModel, federation: FederationModel): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  if (node.output) components['federation-output'] = renderWebSocketOutput(node);
  for (const input of node.inputs) {
    components[input.componentName] = {
      type: 'input',
      name: 'websocket_input',
      enabled: true,
      config: {
        mode: 'client',
        client: { url: input.url, reconnect: { ...WEBSOCKET_RECONNECT } },
        auth: { type: 'none' },
        ports: {
          outputs: [
            natsPort(WEBSOCKET_INPUT_PORTS.data, 'federated.data', `data received from ${input.upstreamNodeId}`),
            natsPort(WEBSOCKET_INPUT_PORTS.control, 'federated.control', `control messages from ${input.upstreamNodeId}`),
          ],
        },
      },
    };
  }
  // What SemStreams stores in its key-value bucket (security is not stored, so TLS changes always apply).
  const stored = {
    platform: { org: federation.name, id: node.id, type: node.platformType },
    nats: { urls: [...node.natsUrls] },
    services: {},
    components,
  };
  return { version: renderConfigVersion(stored), platform: stored.platform, security: renderSecurity(node), nats: stored.nats, services: stored.services, components };
}

/**
 * The config's `version`, derived from the parts SemStreams stores (platform, nats, services, components),
 * so it changes whenever they do. SemStreams keeps those in a NATS key-value bucket and, on boot, uses the
 * stored copy when the stored version is equal or higher: a constant version silently lost every later
 * topology, port or subject change. A digest is not ordered, so the site's own NATS also keys its store by
 * these versions (see natsStoreKey): a changed config then boots as new. The `security` block is not
 * stored, so certificate and allow-list changes leave the version alone. Shape `1.0.<n>`, the
 * major.minor.patch SemStreams parses.
 */
export function renderConfigVersion(stored: Record<string, unknown>): string {
  const digest = createHash('sha256').update(JSON.stringify(stored)).digest();
  return `1.0.${digest.readUInt32BE(0) >>> 1}`;
}

/** The config as the file's bytes: two-space JSON with a final newline. */
export function renderSemStreamsConfigFile(node: SemStreamsNodeModel, federation: FederationModel): string {
  return semStreamsConfigFileText(renderSemStreamsConfig(node, federation));
}

/** A rendered config (`renderSemStreamsConfig`) as the file's bytes. */
export function semStreamsConfigFileText(config: Record<string, unknown>): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

function renderWebSocketOutput(node: SemStreamsNodeModel): Record<string, unknown> {
  const out = node.output!;
  return {
    type: 'output',
    name: 'websocket',
    enabled: true,
    config: {
      ports: {
        inputs: out.subjects.map((subject, i) => natsPort(`forward-${i + 1}`, subject, 'forwarded to federation clients')),
        // SemStreams reads the listen port and path from here, literally http://; TLS comes from security.tls.server.
        outputs: [{
          name: 'websocket',
          type: 'network',
          subject: `http://0.0.0.0:${out.port}${out.path}`,
          required: true,
          description: 'federation websocket endpoint',
        }],
      },
    },
  };
}

function natsPort(name: string, subject: string, description: string) {
  return { name, type: 'nats', subject, required: true, description };
}

/**
 * The guide's security block: `{}` in tier none; in tiers manual and acme a server section where others
 * dial in and a client section where the node dials out (both on a hub).
 */
export function renderSecurity(node: SemStreamsNodeModel): Record<string, unknown> {
  if (node.tier === 'none') return {};
  const tls: Record<string, unknown> = {};
  const { paths } = node;
  if (node.output) {
    const o = node.output;
    tls.server = {
      enabled: true,
      mode: node.acme ? 'acme' : 'manual',
      // With ACME these are the guide's fallback, used while step-ca cannot be reached.
      cert_file: paths.certFile,
      key_file: paths.keyFile,
      min_version: node.minVersion,
      ...(node.acme ? { acme: renderAcme(node, node.acme.serverStoragePath, node.acme.serverChallengeType) } : {}),
      mtls: o.mtls
        ? {
          enabled: true,
          // During a root rotation: the federation CA and the root being retired.
          client_ca_files: trustedCaFiles(paths),
          require_client_cert: o.requireClientCert,
          allowed_client_cns: [...o.allowedClientCns],
        }
        : { enabled: false },
    };
  }
  if (node.inputs.length > 0) {
    const presents = node.inputs.some((i) => i.presentsClientCert);
    tls.client = {
      mode: node.acme ? 'acme' : 'manual',
      ca_files: trustedCaFiles(paths),
      insecure_skip_verify: node.insecureSkipVerify,
      min_version: node.minVersion,
      ...(node.acme ? { acme: renderAcme(node, node.acme.clientStoragePath, node.acme.challengeType) } : {}),
      mtls: presents ? { enabled: true, cert_file: paths.certFile, key_file: paths.keyFile } : { enabled: false },
    };
  }
  return Object.keys(tls).length > 0 ? { tls } : {};
}

/**
 * The guide's tier 3 `acme` block, without the guide's `ca_bundle`. SemStreams (commit a12473c) builds its own
 * HTTP client when `ca_bundle` is set, one with no timeouts: a hung step-ca then holds a starting node forever,
 * with no listener and no fallback. Without it, lego's default client is used (30 s TLS handshake and response
 * header timeouts, 2 min overall), and it trusts step-ca's TLS through `LEGO_CA_CERTIFICATES` (model/resolve.ts).
 */
function renderAcme(node: SemStreamsNodeModel, storagePath: string, challengeType: string): Record<string, unknown> {
  const a = node.acme!;
  return {
    enabled: true,
    directory_url: a.directoryUrl,
    email: a.email,
    domains: [...a.domains],
    challenge_type: challengeType,
    renew_before: a.renewBefore,
    storage_path: storagePath,
  };
}
