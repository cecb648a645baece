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
  images: { semstreams: 'semstreams:latest', loom: 'loom:latest', nats: 'nats:2.10-alpine' },
  semstreams: { outputPort: 8081, outputPath: '/ws', subjects: ['federated.data'], platformType: 'edge' },
  loom: {
    grpcPort: 60051,
    httpPort: 8080,
    selfSignedValidityDays: 365,
    selfSignedOrganization: 'Loom Self-Signed',
    acmeDirectoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
    httpChallengePort: 80,
    cacheDir: '/var/loom/letsencrypt',
    renewBeforeDays: 30,
  },
} as const;

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
  },
} as const;
