/**
 * The federation spec: what an operator writes, in TypeScript or in a YAML/JSON file.
 *
 * Everything not named here (certificates, allow-lists, URLs, mounts, config files) is
 * derived from it by `resolveFederation`, so the pieces are consistent by construction.
 */

import { CaImportSpec, CertificateFilesSpec } from './import-spec';

export type { CaImportSpec, CertificateFilesSpec } from './import-spec';

/** The three tiers of the SemStreams TLS/mTLS guide. */
export type TierName = 'none' | 'manual' | 'acme';

/** Minimum TLS version, as both SemStreams and Loom spell it. */
export type TlsVersion = '1.2' | '1.3';

export interface FederationSpec {
  /** Federation name: prefix of stack, container and network names. Lowercase letters, digits, '-'. */
  readonly name: string;
  /** DNS domain every node FQDN lives in, e.g. `semstreams.local`. */
  readonly domain: string;
  /** The federation CA and the certificates it issues. */
  readonly ca?: CaSpec;
  /**
   * Security tier for every node that does not say otherwise.
   * @default 'manual'
   */
  readonly tier?: TierName;
  /** TLS settings for every node that does not say otherwise. */
  readonly tls?: TlsSpec;
  /** Images used where a node names none. */
  readonly images?: ImagesSpec;
  /** The sites: one Docker host and one Terraform stack each. */
  readonly sites: readonly SiteSpec[];
  /**
   * Federation links between SemStreams nodes. `{ from: 'a', to: 'b' }` means node b's
   * websocket input dials node a's websocket output: a serves, b is its client.
   * @default []
   */
  readonly links?: readonly LinkSpec[];
  /** step-ca, the federation's ACME CA (tier acme). Runs in its own stack on one site's Docker host. */
  readonly stepCa?: StepCaSpec;
  /** ACME settings of every node in tier acme. */
  readonly acme?: AcmeSpec;
  /**
   * A production federation: the security policy applies its production rules (client certificates
   * required, leaf validity at most 90 days).
   * @default false
   */
  readonly production?: boolean;
}

export interface StepCaSpec {
  /** The site whose Docker host runs step-ca. */
  readonly site: string;
  /**
   * step-ca image (override for a private registry).
   * @default 'smallstep/step-ca:0.30.2'
   */
  readonly image?: string;
  /**
   * Every name clients use to reach step-ca (its own TLS certificate covers them); configs dial the first.
   * @default ['step-ca.<domain>']
   */
  readonly dnsNames?: readonly string[];
  /**
   * HTTPS port of the CA (published on its Docker host).
   * @default 9000
   */
  readonly port?: number;
  /**
   * Name of the ACME provisioner SemStreams nodes use.
   * @default 'acme'
   */
  readonly provisioner?: string;
  /**
   * Lifetime of ACME certificates for SemStreams, a Go duration (the guide's tier 3: 24 hours).
   * @default '24h'
   */
  readonly certificateDuration?: string;
  /**
   * Validity of step-ca's intermediate CA (issued by the federation root in the pki stack), in days.
   * @default 365
   */
  readonly intermediateValidityDays?: number;
}

export interface AcmeSpec {
  /** Contact email of the nodes' ACME accounts. Required in tier acme. */
  readonly email?: string;
  /**
   * ACME challenge: 'http-01' (step-ca connects to port 80 of the node) or 'tls-alpn-01' (port 443).
   * @default 'http-01'
   */
  readonly challengeType?: 'http-01' | 'tls-alpn-01';
  /**
   * Renew when the remaining lifetime is below this Go duration; shorter than certificateDuration.
   * @default '8h'
   */
  readonly renewBefore?: string;
}

/** A written exception to one security-policy rule for one node. */
export interface SuppressionSpec {
  /** The policy rule's id. */
  readonly rule: string;
  /** Why the exception is acceptable: required, shown in every synth's policy report. */
  readonly reason: string;
}

export interface CaSpec {
  /**
   * Key algorithm of the CA and of every node key: ECDSA_P256, ECDSA_P384, RSA_2048, RSA_3072 or RSA_4096.
   * @default 'ECDSA_P256'
   */
  readonly keyAlgorithm?: string;
  /**
   * Subject common name of the federation root.
   * @default '<name> federation root CA'
   */
  readonly commonName?: string;
  /**
   * Subject organization on the root and on every node certificate.
   * @default the federation name
   */
  readonly organization?: string;
  /**
   * Root validity in days (the guide: 1-5 years for CA certificates).
   * @default 1825
   */
  readonly rootValidityDays?: number;
  /**
   * Node certificate validity in days (the guide: 90 days for server and client certificates).
   * @default 90
   */
  readonly leafValidityDays?: number;
  /**
   * Days before expiry from which `cdktf deploy` re-issues a node certificate (the guide: renew 30 days before expiry).
   * @default 30
   */
  readonly earlyRenewalDays?: number;
  /**
   * Use an existing CA (e.g. an offline root and an intermediate it signed, docs/OFFLINE-ROOT.md) instead
   * of generating a root: the pki stack signs with the imported intermediate and the root key is never needed.
   * @default none: the pki stack generates the federation root
   */
  readonly import?: CaImportSpec;
}

export interface TlsSpec {
  /**
   * Minimum TLS version.
   * @default '1.2'
   */
  readonly minVersion?: TlsVersion;
  /**
   * Mutual TLS on every federation link (server checks client certificates against the federation CA
   * and the CN allow-list derived from the links).
   * @default true
   */
  readonly mtls?: boolean;
  /**
   * Whether a server refuses clients without a certificate when mTLS is on (the guide: false only for gradual rollout).
   * @default true
   */
  readonly requireClientCert?: boolean;
  /**
   * Skip server certificate checks on clients. DEV/TEST ONLY: allowed in tier none alone.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

export interface ImagesSpec {
  /** @default 'semstreams:a12473c' (the build the SemStreams reference was checked against) */
  readonly semstreams?: string;
  /** @default 'loom:1.4.0' */
  readonly loom?: string;
  /** @default 'nats:2.10-alpine' */
  readonly nats?: string;
  /**
   * Image of every Loom node's mTLS gateway (HAProxy 2.6: its entrypoint runs `haproxy` and the image has
   * `sleep` for the idle namespace holder). Override for a private registry or a locally built image.
   * @default 'haproxy:2.6.12'
   */
  readonly loomGateway?: string;
}

export interface SiteSpec {
  /** Site id: lowercase letters, digits, '-'. Names the site's stack. */
  readonly id: string;
  /** The Docker engine this site deploys to. */
  readonly docker?: DockerHostSpec;
  /**
   * NATS for the site's SemStreams nodes. By default the site runs a NATS container reachable as `nats`;
   * give `urls` to use an existing NATS instead (no container is created then).
   */
  readonly nats?: NatsSpec;
  /** The SemStreams processes and Loom servers of this site. */
  readonly nodes: readonly NodeSpec[];
}

export interface DockerHostSpec {
  /**
   * Docker host: `unix://` socket, `ssh://user@host` or `tcp://host:2376`.
   * @default 'unix:///var/run/docker.sock'
   */
  readonly host?: string;
  /**
   * For `tcp://`: folder on the deploying machine holding ca.pem, cert.pem and key.pem for the engine's TLS.
   * Only the path enters the plan, never the key. Required with `tcp://`.
   */
  readonly certPath?: string;
  /**
   * Address (IP) at which other sites reach the ports this site publishes. When two sites share a Docker
   * host, the library routes between them through the host gateway without it.
   * @default none: other sites resolve this site's node FQDNs through DNS
   */
  readonly address?: string;
  /**
   * Host address (IP) the site's published ports bind to, e.g. the interface facing the other sites.
   * @default '0.0.0.0' (every interface)
   */
  readonly bindAddress?: string;
}

export interface NatsSpec {
  /** NATS URLs of an existing NATS; when given, no NATS container is deployed. */
  readonly urls?: readonly string[];
  /** Image of the NATS container. @default images.nats */
  readonly image?: string;
}

/** Fields common to both kinds of node. */
interface NodeSpecBase {
  /** Node id, unique in the federation: lowercase letters, digits, '-'. Names its container. */
  readonly id: string;
  /** The node's FQDN: its certificate CN and first DNS SAN; must lie inside the federation domain. */
  readonly fqdn: string;
  /** Extra subject alternative names. */
  readonly sans?: { readonly dns?: readonly string[]; readonly ip?: readonly string[] };
  /** Container image. @default images.semstreams / images.loom */
  readonly image?: string;
  /** Security tier of this node. @default the federation tier */
  readonly tier?: TierName;
  /** Minimum TLS version of this node. @default the federation's tls.minVersion */
  readonly minVersion?: TlsVersion;
  /** Container command. @default the service's own `--config <path>` invocation */
  readonly command?: readonly string[];
  /** Resource limits of the node's container. */
  readonly limits?: LimitsSpec;
  /**
   * Exceptions to security-policy rules for this node, each with a written reason.
   * @default []
   */
  readonly suppressions?: readonly SuppressionSpec[];
  /**
   * The node's own certificate and key (existing PKI), uploaded instead of one the pki stack issues.
   * Needs `ca.import`: the certificate must chain to the imported root, and is checked at synth.
   * @default none: the pki stack issues the node's certificate
   */
  readonly certificate?: CertificateFilesSpec;
}

export interface LimitsSpec {
  /**
   * Memory limit in MiB (16..1048576).
   * @default 1024
   */
  readonly memoryMb?: number;
}

export interface SemStreamsNodeSpec extends NodeSpecBase {
  readonly kind: 'semstreams';
  /** The node's websocket output (federation sender), if other nodes link to it. */
  readonly output?: WebSocketOutputSpec;
  /** Override of the federation's `tls.requireClientCert` for this node's server side. */
  readonly requireClientCert?: boolean;
  /** Override of the federation's `tls.insecureSkipVerify` for this node's client side (tier none only). */
  readonly insecureSkipVerify?: boolean;
  /** `platform.type` in the SemStreams config. @default 'edge' */
  readonly platformType?: string;
}

export interface WebSocketOutputSpec {
  /** Listen port, 1024..65535. Published on the site's Docker host. @default 8081 */
  readonly port?: number;
  /** URL path, starting with '/'. @default '/ws' */
  readonly path?: string;
  /** NATS subjects forwarded to connected clients. @default ['federated.data'] */
  readonly subjects?: readonly string[];
}

export type LoomTlsMode = 'manual' | 'letsencrypt' | 'self-signed';

export interface LoomNodeSpec extends NodeSpecBase {
  readonly kind: 'loom';
  /** gRPC port. @default 60051 */
  readonly grpcPort?: number;
  /** HTTP/REST + SSE port. @default 8080 */
  readonly httpPort?: number;
  /** Loom TLS settings. */
  readonly tls?: LoomTlsSpec;
  /**
   * Who may connect to this Loom server through its mTLS gateway: ids of SemStreams nodes (admitted by their
   * federation certificate, which then carries clientAuth) or client CNs inside the federation domain
   * (admitted when the federation signer issued them with subject exactly `CN=<cn>, O=<ca.organization>`).
   * Under mTLS an empty list admits nobody, and the security policy reports it (FPKI-EMPTY-CLIENT-CN-ALLOWLIST).
   * @default []
   */
  readonly allowedClients?: readonly string[];
  /**
   * The mTLS gateway in front of this Loom server (Loom v1.4.0 checks no client certificate itself).
   * @default enabled outside tier none, image images.loomGateway
   */
  readonly gateway?: LoomGatewaySpec;
  /**
   * Loom starts only with an `llm` section (it checks every agent's LLM before listening). Validation asks
   * for `extraConfig.llm` unless this is true: the operator supplies it another way (their own command or
   * config file, a mounted file, ...).
   * @default false
   */
  readonly llmSuppliedByOperator?: boolean;
  /**
   * The operator's other looms.yaml sections (`llm`, `database`, `observability`, `agents`, ... and
   * non-TLS `server` keys), merged into the generated file. `server.tls`, `server.host` and the ports stay the library's.
   */
  readonly extraConfig?: Record<string, unknown>;
}

/**
 * The gateway owns the node's published gRPC and HTTP ports: it terminates TLS with the node's
 * federation-issued certificate, requires client certificates signed by the federation signer (mTLS) and
 * admits only `allowedClients`; Loom listens on 127.0.0.1 inside the gateway's network namespace with TLS off.
 */
export interface LoomGatewaySpec {
  /**
   * `false`: Loom owns its ports itself, with its own TLS (any tls.mode) and no client authentication on
   * either port (its HTTP port is always plaintext). Not allowed with mTLS, which only the gateway enforces.
   * @default true outside tier none
   */
  readonly enabled?: boolean;
  /** Gateway image. @default images.loomGateway */
  readonly image?: string;
}

export interface LoomTlsSpec {
  /**
   * TLS mode. Behind the gateway (the default) only manual: the gateway presents the federation-issued
   * certificate in every tier, tier acme included (HAProxy 2.6 has no ACME client, and Loom's own TLS
   * must stay off behind it). Without the gateway the default follows the tier: manual in tier manual,
   * letsencrypt in tier acme. Tier none: TLS disabled.
   */
  readonly mode?: LoomTlsMode;
  /**
   * In manual mode: verify client certificates against the federation CA (`ca_file`).
   * @default the federation's tls.mtls
   */
  readonly mtls?: boolean;
  /** In manual mode with mtls: refuse clients without a certificate. @default the federation's tls.requireClientCert */
  readonly requireClientCert?: boolean;
  readonly selfSigned?: LoomSelfSignedSpec;
  readonly letsencrypt?: LoomLetsEncryptSpec;
}

export interface LoomSelfSignedSpec {
  /** @default [fqdn, ...sans.dns] */
  readonly hostnames?: readonly string[];
  /** @default sans.ip */
  readonly ipAddresses?: readonly string[];
  /** 1..3650. @default 365 */
  readonly validityDays?: number;
  /** @default 'Loom Self-Signed' */
  readonly organization?: string;
}

export interface LoomLetsEncryptSpec {
  /** 1..100 names. @default [fqdn, ...sans.dns] */
  readonly domains?: readonly string[];
  /** Contact email of the ACME account. Required. */
  readonly email?: string;
  /** @default 'https://acme-v02.api.letsencrypt.org/directory' */
  readonly acmeDirectoryUrl?: string;
  /** @default 80 */
  readonly httpChallengePort?: number;
  /** Kept on a named volume. @default '/var/loom/letsencrypt' */
  readonly cacheDir?: string;
  /** @default true */
  readonly autoRenew?: boolean;
  /** 1..89. @default 30 */
  readonly renewBeforeDays?: number;
  /** Must be true: Loom refuses to start otherwise. */
  readonly acceptTos?: boolean;
}

export type NodeSpec = SemStreamsNodeSpec | LoomNodeSpec;

export interface LinkSpec {
  /** The serving node (its websocket output). */
  readonly from: string;
  /** The dialing node (its websocket input, client mode). */
  readonly to: string;
}
