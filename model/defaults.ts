/** Defaults from the SemStreams guide, the Loom reference and the real programs, in one place. */
export const DEFAULTS = {
  tier: 'manual',
  keyAlgorithm: 'ECDSA_P256',
  rootValidityDays: 1825,
  leafValidityDays: 90,
  earlyRenewalDays: 30,
  minVersion: '1.2',
  mtls: true,
  requireClientCert: true,
  dockerHost: 'unix:///var/run/docker.sock',
  // Pinned: a moving tag would change what runs without a change to the spec or the plan. Neither program publishes
  // an image; these name the builds the references were checked against (Loom v1.4.0, SemStreams at a12473c).
  images: { semstreams: 'semstreams:a12473c', loom: 'loom:1.4.0', nats: 'nats:2.10-alpine', loomGateway: 'haproxy:2.6.12' },
  /** Host address published ports bind to: every interface, since other sites dial them. */
  bindAddress: '0.0.0.0',
  /** Container limits: a runaway node cannot take its host's memory. */
  limits: { memoryMb: 1024 },
  semstreams: {
    outputPort: 8081, outputPath: '/ws', subjects: ['federated.data'], platformType: 'edge',
    /** websocket_input reconnect backoff: 1 s doubling to 10 s, retrying forever (tested with the real program). */
    reconnectInitialSeconds: 1, reconnectMaxSeconds: 10,
  },
  stepCa: {
    image: 'smallstep/step-ca:0.30.2',
    port: 9000,
    provisioner: 'acme',
    certificateDuration: '24h',
    intermediateValidityDays: 365,
    /** Shortest certificate step-ca may issue: a floor for claims, well under any useful duration. */
    minCertificateDuration: '5m',
    /** Container user of the official image. */
    uid: 1000,
  },
  acme: { challengeType: 'http-01', renewBefore: '8h', loomRenewBeforeDays: 1 },
  loom: {
    grpcPort: 60051,
    httpPort: 8080,
    selfSignedValidityDays: 365,
    selfSignedOrganization: 'Loom Self-Signed',
    acmeDirectoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
    httpChallengePort: 80,
    cacheDir: '/var/loom/letsencrypt',
    renewBeforeDays: 30,
    /** Where Loom listens behind its gateway (127.0.0.1 in the gateway's namespace): first free from these. */
    backendGrpcPort: 50051,
    backendHttpPort: 50080,
  },
} as const;

/** Where step-ca finds its files: the official image's layout under /home/step. */
export const STEP_CA_LAYOUT = {
  rootFile: '/home/step/certs/root_ca.crt',
  crtFile: '/home/step/certs/intermediate_ca.crt',
  keyFile: '/home/step/secrets/intermediate_ca_key',
  configFile: '/home/step/config/ca.json',
  dbDir: '/home/step/db',
} as const;

/** Where a SemStreams node in tier acme keeps ACME state (on a named volume). */
export const ACME_STORAGE = { mount: '/data/acme', server: '/data/acme/server', client: '/data/acme/client' } as const;

/** Where material lives inside containers: the guide's `/certs/...` layout for SemStreams, Loom's `/etc/loom`. */
export const CONTAINER_LAYOUT = {
  semstreams: {
    certFile: (id: string) => `/certs/${id}-cert.pem`,
    keyFile: (id: string) => `/certs/${id}-key.pem`,
    caFile: '/certs/federation-ca.pem',
    configFile: '/etc/semstreams/config.json',
  },
  loom: {
    certFile: () => '/etc/loom/certs/server.crt',
    keyFile: () => '/etc/loom/certs/server.key',
    caFile: '/etc/loom/certs/ca.crt',
    configFile: '/etc/loom/looms.yaml',
    /** LOOM_DATA_DIR: sessions (SQLite), agents, artifacts; on a named volume. */
    dataDir: '/var/lib/loom',
  },
  /** The official HAProxy image's layout: its default command reads /usr/local/etc/haproxy/haproxy.cfg. */
  loomGateway: {
    configFile: '/usr/local/etc/haproxy/haproxy.cfg',
    certFile: '/usr/local/etc/haproxy/certs/server.pem',
    /** HAProxy loads `<crt>.key` beside a certificate without a key: the key stays a file of its own, 0600. */
    keyFile: '/usr/local/etc/haproxy/certs/server.pem.key',
    caFile: '/usr/local/etc/haproxy/certs/federation-ca.pem',
    grpcDeniedFile: '/usr/local/etc/haproxy/errors/grpc-permission-denied.http',
    httpDeniedFile: '/usr/local/etc/haproxy/errors/http-forbidden.http',
    /** Runtime API (`set ssl cert`, `set ssl ca-file`): /run is uid 0's, so it needs no capability to write. */
    adminSocket: '/var/run/haproxy-admin.sock',
  },
} as const;
