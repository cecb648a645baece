/**
 * The resolved federation: the spec with every default applied and every derived value
 * (EKUs, allow-lists, dial URLs, paths inside containers) computed once, so renderers and
 * constructs read facts instead of re-deriving them.
 */
import { ImportedCaModel, ImportedKeyPairModel } from './import-model';
import { KeyAlgorithm } from './key-algorithm';
import { LoomTlsMode, TierName, TlsVersion } from './spec';

export interface FederationModel {
  readonly name: string;
  readonly domain: string;
  readonly ca: CaModel;
  readonly sites: readonly SiteModel[];
  /** Every node of every site, in spec order. */
  readonly nodes: readonly NodeModel[];
  readonly links: readonly LinkModel[];
  /** Production federation: the policy's production rules apply. */
  readonly production: boolean;
  /** step-ca, when the federation has one (tier acme). */
  readonly stepCa?: StepCaModel;
}

/** step-ca: its container, its stack and the ACME endpoints nodes use. */
export interface StepCaModel {
  readonly siteId: string;
  /** Its own stack, `<name>-step-ca`, on the site's Docker host. */
  readonly stackName: string;
  readonly dockerHost: string;
  /** Its engine's URL and its site's address, to tell which sites share its machine (sameMachine). */
  readonly placement: { readonly host: string; readonly address?: string };
  readonly dockerCertPath?: string;
  readonly containerName: string;
  readonly image: string;
  readonly port: number;
  /** Names its TLS certificate covers; configs dial the first. */
  readonly dnsNames: readonly string[];
  /** The Docker network shared by step-ca and the tier-acme nodes on its host (aliases resolve both ways). */
  readonly networkName: string;
  /** Named volume holding step-ca's database. */
  readonly dbVolumeName: string;
  /** The x509 name policy: step-ca signs names inside this domain only. */
  readonly allowedDomain: string;
  readonly intermediateValidityHours: number;
  readonly intermediateEarlyRenewalHours: number;
  /** ACME provisioners: SemStreams' and, when Loom servers use step-ca, Loom's (longer certificates). */
  readonly provisioners: readonly AcmeProvisionerModel[];
  /** Directory URL of the SemStreams provisioner. */
  readonly directoryUrl: string;
  /** Ports published on its Docker host: its HTTPS port when nodes on other hosts dial it, else none. */
  readonly publishedPorts: readonly number[];
  /** Hosts entries for tier-acme nodes on other Docker hosts, so challenges reach them. */
  readonly extraHosts: readonly { readonly host: string; readonly ip: string }[];
  /** During a root rotation, where step-ca finds the root being retired (ca.json `federatedRoots`). */
  readonly previousRootFile?: string;
}

export interface AcmeProvisionerModel {
  readonly name: string;
  /** Go durations of the provisioner's claims. */
  readonly defaultDuration: string;
  readonly minDuration: string;
  readonly maxDuration: string;
  readonly directoryUrl: string;
}

/** A SemStreams node's ACME settings (tier acme). */
export interface SemStreamsAcmeModel {
  readonly directoryUrl: string;
  readonly email: string;
  readonly domains: readonly string[];
  /** The client side's challenge (and a server-only node's): the spec's `acme.challengeType`. */
  readonly challengeType: 'http-01' | 'tls-alpn-01';
  /** The server side's: on a hub the other type, so its two ACME clients never bind the same port. */
  readonly serverChallengeType: 'http-01' | 'tls-alpn-01';
  readonly renewBefore: string;
  readonly serverStoragePath: string;
  readonly clientStoragePath: string;
  /** Named volume mounted at the storage paths' parent, so ACME state survives container replacement. */
  readonly volumeName: string;
  readonly volumeMount: string;
}

export interface CaModel {
  readonly keyAlgorithm: KeyAlgorithm;
  readonly commonName: string;
  readonly organization: string;
  readonly rootValidityHours: number;
  readonly leafValidityHours: number;
  readonly earlyRenewalHours: number;
  /** An existing CA used instead of a generated root (spec `ca.import`). */
  readonly imported?: ImportedCaModel;
}

export interface SiteModel {
  readonly id: string;
  /** Docker host URL of this site's engine. */
  readonly dockerHost: string;
  readonly dockerCertPath?: string;
  /** Where other sites reach this site's published ports, when known. */
  readonly address?: string;
  /** Name of the site's Docker network. */
  readonly networkName: string;
  /** NATS container to deploy, if the site runs its own. */
  readonly natsContainer?: {
    readonly name: string; readonly image: string; readonly alias: string;
    /** Named volume of its JetStream store. */
    readonly storeVolume: string;
  };
  readonly natsUrls: readonly string[];
  readonly nodes: readonly NodeModel[];
}

/** Where a node finds its TLS material and config inside its container. */
export interface ContainerPaths {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly configFile: string;
  /** During a root rotation (SemStreams), the root being retired, listed after `caFile`. */
  readonly previousCaFile?: string;
}

interface NodeModelBase {
  readonly id: string;
  readonly siteId: string;
  readonly fqdn: string;
  /** DNS SANs, FQDN first. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly image: string;
  readonly tier: TierName;
  readonly minVersion: TlsVersion;
  readonly containerName: string;
  readonly command: readonly string[];
  readonly paths: ContainerPaths;
  /** Ports published on the site's Docker host. */
  readonly publishedPorts: readonly number[];
  /** The host address those ports bind to (the site's `docker.bindAddress`). */
  readonly publishAddress: string;
  /** Resource limits of the container. */
  readonly limits: { readonly memoryMb: number };
  /** Hosts entries for names this node dials that the site network does not resolve. */
  readonly extraHosts: readonly { readonly host: string; readonly ip: string }[];
  /** Docker networks besides the site's that the container joins (aliases: its DNS names). */
  readonly extraNetworks: readonly string[];
  /** Named volumes mounted into the container. */
  readonly volumes: readonly { readonly name: string; readonly mount: string }[];
  /** Environment variables of the container (no secrets: they show in `docker inspect` and the plan). */
  readonly environment: Readonly<Record<string, string>>;
  /** Written exceptions to security-policy rules. */
  readonly suppressions: readonly { readonly rule: string; readonly reason: string }[];
  /** Whether the federation CA issues this node a certificate (and its container gets cert, key and CA). */
  readonly certificate?: NodeCertificateModel;
}

export interface NodeCertificateModel {
  readonly commonName: string;
  /** EKU serverAuth: the node serves TLS. */
  readonly serverAuth: boolean;
  /** EKU clientAuth: the node dials with a client certificate. */
  readonly clientAuth: boolean;
  /** The node's own certificate and key (spec `certificate`), checked at synth; the pki stack issues none then. */
  readonly imported?: ImportedKeyPairModel;
}

export interface SemStreamsNodeModel extends NodeModelBase {
  readonly kind: 'semstreams';
  readonly platformType: string;
  readonly natsUrls: readonly string[];
  /** The websocket output, when some node links to this one. */
  readonly output?: SemStreamsOutputModel;
  /** One websocket input per upstream node this one dials. */
  readonly inputs: readonly SemStreamsInputModel[];
  readonly insecureSkipVerify: boolean;
  /** ACME settings in tier acme. */
  readonly acme?: SemStreamsAcmeModel;
}

export interface SemStreamsOutputModel {
  readonly port: number;
  readonly path: string;
  readonly subjects: readonly string[];
  /** mTLS settings of the server side (tier manual). */
  readonly mtls: boolean;
  readonly requireClientCert: boolean;
  /** Exactly the CNs of the nodes linked to this output: derived from links, never typed. */
  readonly allowedClientCns: readonly string[];
}

export interface SemStreamsInputModel {
  /** Component name in the config, e.g. `from-location-a`. */
  readonly componentName: string;
  readonly upstreamNodeId: string;
  /** `wss://fqdn:port/path` (or `ws://` in tier none). */
  readonly url: string;
  /** Whether this input presents the node's certificate (upstream requires mTLS). */
  readonly presentsClientCert: boolean;
}

export interface LoomNodeModel extends NodeModelBase {
  readonly kind: 'loom';
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly tls: LoomTlsModel;
  readonly extraConfig: Readonly<Record<string, unknown>>;
  /**
   * The mTLS gateway that owns the published ports (every tier but none, unless the spec disables it).
   * With it, Loom listens on 127.0.0.1 at the gateway's backend ports with TLS off, and `tls` is what the
   * published ports do (the gateway's TLS), not Loom's.
   */
  readonly gateway?: LoomGatewayModel;
}

/** A client the gateway admits: the whole subject, RFC 2253, as HAProxy prints it. */
export interface LoomAllowedClientModel {
  /** The SemStreams node it is, when the spec named a node. */
  readonly nodeId?: string;
  readonly commonName: string;
  /** e.g. `CN=location-b.semstreams.local,O=semstreams`. */
  readonly subject: string;
}

export interface LoomGatewayModel {
  readonly image: string;
  /** The HAProxy container (network namespace: the holder's). */
  readonly containerName: string;
  /** The idle container that owns the network namespace, the site network aliases and the published ports. */
  readonly namespaceContainerName: string;
  readonly command: readonly string[];
  readonly namespaceCommand: readonly string[];
  /** Whether the gateway requires and checks client certificates (the spec's mTLS for this node). */
  readonly mtls: boolean;
  /** Subject (RFC 2253) of the CA that signs node certificates: client certificates must name it as issuer. */
  readonly issuerSubject: string;
  readonly allowedClients: readonly LoomAllowedClientModel[];
  readonly minVersion: TlsVersion;
  /** Where Loom listens, on 127.0.0.1 inside the namespace (never published). */
  readonly backendGrpcPort: number;
  readonly backendHttpPort: number;
  readonly paths: {
    readonly configFile: string; readonly certFile: string; readonly keyFile: string; readonly caFile: string;
    readonly grpcDeniedFile: string; readonly httpDeniedFile: string; readonly adminSocket: string;
  };
}

export type LoomTlsModel =
  | { readonly mode: 'disabled' }
  | { readonly mode: 'manual'; readonly mtls: boolean; readonly requireClientCert: boolean }
  | {
    readonly mode: 'self-signed'; readonly hostnames: readonly string[]; readonly ipAddresses: readonly string[];
    readonly validityDays: number; readonly organization: string;
  }
  | {
    readonly mode: 'letsencrypt'; readonly domains: readonly string[]; readonly email: string;
    readonly acmeDirectoryUrl: string; readonly httpChallengePort: number; readonly cacheDir: string;
    readonly autoRenew: boolean; readonly renewBeforeDays: number; readonly acceptTos: true;
  };

/** Loom TLS modes, including the library's name for TLS off. */
export type LoomTlsModelMode = LoomTlsMode | 'disabled';

export type NodeModel = SemStreamsNodeModel | LoomNodeModel;

export interface LinkModel {
  readonly from: string;
  readonly to: string;
  readonly tier: TierName;
  /** Whether the link is mutually authenticated. */
  readonly mtls: boolean;
}
