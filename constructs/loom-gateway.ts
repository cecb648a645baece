import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Construct } from 'constructs';
import { lockedDown } from './locked-down';
import { named } from './plan-names';
import { LoomNodeModel } from '../model/model';
import { renderGrpcDeniedFile, renderHttpDeniedFile, renderLoomGatewayConfig } from '../render/loom-gateway-config';
import { ILocationCertificate } from './location-certificate';
import { renderKeyUpload } from './private-key-file';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE } from './service-container';
import { terraformLiterals } from './terraform-literal';

export interface LoomGatewayProps {
  /** The Loom node the gateway fronts; must have `gateway`. */
  readonly node: LoomNodeModel;
  /** The site network the namespace joins (aliases: the node's DNS names). */
  readonly network: Network;
  /** The gateway image (also runs the idle namespace holder). */
  readonly image: Image;
  /** The node's federation-issued certificate and key: what the published ports present. */
  readonly certificate: ILocationCertificate;
  /** The roots client certificates must chain to (during a rotation, both). */
  readonly caCertPem: string;
  /** Labels identifying the federation, site and node. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Base of the Terraform names: `docker_container.<planName>-netns` and `docker_container.<planName>-gateway`.
   * @default cdktf's names from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * An mTLS gateway (HAProxy) in front of one Loom server, in two containers:
 * - the namespace holder: idle, owns the network namespace, the site network aliases and the published
 *   ports, so that a restarted or replaced gateway (a re-issued certificate) leaves Loom reachable;
 * - the gateway: joins the holder's namespace, terminates TLS with the node's certificate on the published
 *   gRPC and HTTP ports, requires client certificates and admits only the allow-list.
 * Loom joins the same namespace (`namespace`) and listens on 127.0.0.1 only.
 */
export class LoomGateway extends Construct {
  /** The container whose network namespace gateway and Loom share. */
  public readonly namespace: Container;
  /** The HAProxy container. */
  public readonly gateway: Container;

  constructor(scope: Construct, id: string, props: LoomGatewayProps) {
    super(scope, id);
    const { node } = props;
    const g = node.gateway;
    if (!g) throw new Error(`LoomGateway ${id}: node ${node.id} has no gateway in the model`);
    const labels = (role: string) => Object.entries({ ...props.labels, 'federation-pki.role': role }).map(([label, value]) => ({ label, value }));
    const locked = lockedDown();

    const plan = props.planName;
    // Spec text (names, config, allow-list subjects) reaches Terraform escaped, as text: never evaluated.
    this.namespace = named(new Container(this, 'namespace', terraformLiterals<ContainerConfig>({
      name: g.namespaceContainerName,
      image: props.image.imageId,
      command: [...g.namespaceCommand],
      restart: 'unless-stopped',
      user: '65534:65534',
      ...locked,
      networksAdvanced: [props.network.name, ...node.extraNetworks].map((name) => ({ name, aliases: [...node.dnsNames] })),
      // Bound to the site's bindAddress (every interface unless the spec narrows it).
      ports: node.publishedPorts.map((p) => ({ internal: p, external: p, ip: node.publishAddress })),
      host: node.extraHosts.map((h) => ({ host: h.host, ip: h.ip })),
      labels: labels('network-namespace'),
    })), plan !== undefined ? `${plan}-netns` : undefined);

    this.gateway = named(new Container(this, 'gateway', terraformLiterals<ContainerConfig>({
      name: g.containerName,
      image: props.image.imageId,
      command: [...g.command],
      restart: 'unless-stopped',
      // As in ServiceContainer: uploads are uid 0's, so the 0600 key is readable by uid 0 alone; no capabilities.
      user: '0:0',
      ...locked,
      networkMode: `container:${this.namespace.id}`,
      labels: labels('mtls-gateway'),
      upload: [
        { file: g.paths.configFile, content: renderLoomGatewayConfig(node), permissions: PUBLIC_FILE_MODE },
        { file: g.paths.caFile, content: props.caCertPem, permissions: PUBLIC_FILE_MODE },
        { file: g.paths.certFile, content: props.certificate.certPem, permissions: PUBLIC_FILE_MODE },
        { file: g.paths.keyFile, ...renderKeyUpload(props.certificate), permissions: KEY_FILE_MODE },
        { file: g.paths.grpcDeniedFile, content: renderGrpcDeniedFile(), permissions: PUBLIC_FILE_MODE },
        { file: g.paths.httpDeniedFile, content: renderHttpDeniedFile(), permissions: PUBLIC_FILE_MODE },
      ],
    })), plan !== undefined ? `${plan}-gateway` : undefined);
  }
}
