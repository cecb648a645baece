import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume, VolumeConfig } from '@cdktf/provider-docker/lib/volume';
import { Construct } from 'constructs';
import { NATS_STORE_MOUNT, renderNatsCommand } from '../render/nats-command';
import { DockerLabel, renderLabels } from './docker-labels';
import { lockedDown } from './locked-down';
import { named } from './plan-names';
import { terraformLiterals } from './terraform-literal';

export interface NatsServerProps {
  /** Container name. */
  readonly containerName: string;
  /** Network alias node configs dial (`nats://<alias>:4222`). */
  readonly alias: string;
  /** The site network. */
  readonly network: Network;
  /** The NATS image (official `nats` images, or any whose entrypoint is `nats-server`). */
  readonly image: Image;
  /** Named volume holding the JetStream store; survives container replacement. */
  readonly storeVolumeName: string;
  /** Names the store directory on the volume (see `natsStoreKey`). */
  readonly storeKey: string;
  /** Labels identifying the federation and site. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Terraform name of the container (`docker_container.<planName>`); the volume is named after its Docker name.
   * @default cdktf's names from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * A site's NATS server with JetStream, which SemStreams requires, its store on a named volume. Hardened like
 * the node containers: no capabilities (it binds 4222 and owns its volume), no privilege escalation.
 */
export class NatsServer extends Construct {
  /** The container, for nodes that must start after it. */
  public readonly container: Container;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: NatsServerProps) {
    super(scope, id);
    this.containerName = props.containerName;
    // The configs are rendered by the helpers below; the constructor only wires them into resources.
    const labels = renderLabels(props.labels);
    const store = named(new Volume(this, 'store', renderStoreVolumeConfig(props, labels)), props.planName !== undefined ? props.storeVolumeName : undefined);
    const config = renderNatsContainerConfig(props, store, labels);
    this.container = named(new Container(this, 'container', config), props.planName);
  }
}

function renderStoreVolumeConfig(props: NatsServerProps, labels: DockerLabel[]): VolumeConfig {
  return terraformLiterals<VolumeConfig>({ name: props.storeVolumeName, labels });
}

/** The NATS container: spec text (names, labels) reaches Terraform escaped, as text, never evaluated. */
function renderNatsContainerConfig(props: NatsServerProps, store: Volume, labels: DockerLabel[]): ContainerConfig {
  return terraformLiterals<ContainerConfig>({
    name: props.containerName,
    image: props.image.imageId,
    command: renderNatsCommand(props.containerName, props.storeKey),
    restart: 'unless-stopped',
    user: '0:0',
    ...lockedDown(),
    networksAdvanced: [{ name: props.network.name, aliases: [props.alias] }],
    mounts: [{ type: 'volume', source: store.name, target: NATS_STORE_MOUNT }],
    labels,
  });
}
