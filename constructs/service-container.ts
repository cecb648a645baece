import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume, VolumeConfig } from '@cdktf/provider-docker/lib/volume';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { NodeModel } from '../model/model';
import { ILocationCertificate } from './location-certificate';
import { DockerLabel, renderLabels } from './docker-labels';
import { lockedDown } from './locked-down';
import { named } from './plan-names';
import { renderKeyUpload } from './private-key-file';
import { terraformLiterals } from './terraform-literal';

/** Mode of every private key inside a container. */
export const KEY_FILE_MODE = '0600';
/** Mode of public material and config files. */
export const PUBLIC_FILE_MODE = '0644';

export interface ServiceContainerProps {
  /** The node this container runs. */
  readonly node: NodeModel;
  /** The site network the container joins (aliases: the node's DNS names). */
  readonly network: Network;
  /** The node's image. */
  readonly image: Image;
  /** The rendered config file's bytes, uploaded at `node.paths.configFile`. */
  readonly configFile: string;
  /**
   * The federation CA certificate, uploaded at `node.paths.caFile`.
   * @default none: tier none needs no CA
   */
  readonly caCertPem?: string;
  /**
   * The node's certificate and key, uploaded at `node.paths.certFile`/`keyFile`.
   * @default none: the node has no federation certificate
   */
  readonly certificate?: ILocationCertificate;
  /**
   * During a root rotation, the root being retired, uploaded at `node.paths.previousCaFile` (SemStreams).
   * @default none
   */
  readonly previousCaCertPem?: string;
  /** Labels identifying the federation and site. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Resources the container starts after (e.g. the site's NATS, which SemStreams needs at boot).
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Terraform name of the container (`docker_container.<planName>`); each volume is named after its Docker name.
   * @default cdktf's names from the construct path, with a hash
   */
  readonly planName?: string;
  /**
   * Join this container's network namespace instead of the site network (Loom behind its gateway): the
   * namespace's owner carries the aliases, published ports and hosts entries.
   * @default none: the container joins the site network and publishes the node's ports itself
   */
  readonly networkNamespace?: Container;
}

/**
 * One node's container with its certificate mounts: config, CA, certificate and key uploaded at exactly
 * the paths its config names. Any change to them replaces the container, so a re-issued certificate
 * lands in a fresh container and the old one is gone.
 */
export class ServiceContainer extends Construct {
  /** The container's name (also its handle for `docker exec`). */
  public readonly containerName: string;
  /** Where the config file lives inside the container. */
  public readonly configPath: string;

  constructor(scope: Construct, id: string, props: ServiceContainerProps) {
    super(scope, id);
    const { node } = props;
    if (props.certificate && !props.caCertPem) throw new Error(`ServiceContainer ${id}: a certificate needs the CA certificate beside it`);
    this.containerName = node.containerName;
    this.configPath = node.paths.configFile;
    const labels = renderLabels(props.labels);
    // Named volumes (ACME state, Loom's cache_dir) survive the container's replacement on re-issue.
    const mounts = node.volumes.map((v, i) => {
      const volume = named(new Volume(this, `volume-${i}`, terraformLiterals<VolumeConfig>({ name: v.name, labels })), props.planName !== undefined ? v.name : undefined);
      return { type: 'volume', source: volume.name, target: v.mount };
    });
    // The config is rendered by the helper below; the constructor only wires it into the resource.
    const config = renderServiceContainerConfig(props, labels, mounts);
    named(new Container(this, 'container', config), props.planName);
  }
}

/** The node's container: spec text (command, config, names) reaches Terraform escaped, as text, never evaluated. */
function renderServiceContainerConfig(props: ServiceContainerProps, labels: DockerLabel[], mounts: { type: string; source: string; target: string }[]): ContainerConfig {
  const { node } = props;
  return terraformLiterals<ContainerConfig>({
    name: node.containerName,
    image: props.image.imageId,
    command: [...node.command],
    restart: 'unless-stopped',
    // The Docker provider writes uploads as uid 0, so a 0600 key is readable by uid 0 alone: the service
    // runs as uid 0 of its container with every capability dropped (no DAC override: it reads only what
    // it owns) and no privilege escalation.
    user: '0:0',
    ...lockedDown(),
    // The site network, plus the ACME network step-ca shares with the tier-acme nodes on its host
    // (created by the step-ca stack, hence by name).
    ...(props.networkNamespace ? { networkMode: `container:${props.networkNamespace.id}` } : {
      networksAdvanced: [props.network.name, ...node.extraNetworks].map((name) => ({ name, aliases: [...node.dnsNames] })),
      // Bound to the site's bindAddress (every interface unless the spec narrows it).
      ports: node.publishedPorts.map((p) => ({ internal: p, external: p, ip: node.publishAddress })),
      host: node.extraHosts.map((h) => ({ host: h.host, ip: h.ip })),
    }),
    // A runaway or compromised service cannot take its host's memory (no swap beyond it). kreuzwerker/docker
    // 3.6.2 has no pids limit, and an nproc ulimit would count every uid-0 process of the host.
    memory: node.limits.memoryMb,
    memorySwap: node.limits.memoryMb,
    ...(Object.keys(node.environment).length > 0 ? { env: Object.entries(node.environment).map(([k, v]) => `${k}=${v}`) } : {}),
    labels,
    ...(mounts.length > 0 ? { mounts } : {}),
    upload: renderUploads(node, props.configFile, props.caCertPem, props.certificate, props.previousCaCertPem),
    ...(props.dependsOn?.length ? { dependsOn: [...props.dependsOn] } : {}),
  });
}

/** The container's uploads: config and public material 0644, the key 0600. */
export function renderUploads(node: NodeModel, configFile: string, caCertPem?: string, cert?: ILocationCertificate, previousCaCertPem?: string) {
  const previousCaFile = node.paths.previousCaFile;
  return [
    { file: node.paths.configFile, content: configFile, permissions: PUBLIC_FILE_MODE },
    ...(caCertPem ? [{ file: node.paths.caFile, content: caCertPem, permissions: PUBLIC_FILE_MODE }] : []),
    ...(previousCaCertPem && previousCaFile ? [{ file: previousCaFile, content: previousCaCertPem, permissions: PUBLIC_FILE_MODE }] : []),
    ...(cert ? [
      { file: node.paths.certFile, content: cert.certPem, permissions: PUBLIC_FILE_MODE },
      // An imported key is uploaded from its file (source + source_hash): it never enters cdktf.out or state.
      { file: node.paths.keyFile, ...renderKeyUpload(cert), permissions: KEY_FILE_MODE },
    ] : []),
  ];
}
