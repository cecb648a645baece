import { Image, ImageConfig } from '@cdktf/provider-docker/lib/image';
import { Network, NetworkConfig } from '@cdktf/provider-docker/lib/network';
import { DockerProvider, DockerProviderConfig } from '@cdktf/provider-docker/lib/provider';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { NatsServer } from '../constructs/nats-server';
import { imagePlanName, nodePlanName, PLAN_NAMES, setPlanName } from '../constructs/plan-names';
import { ILocationCertificate } from '../constructs/location-certificate';
import type { LoomGateway } from '../constructs/loom-gateway';
import { ServiceContainer } from '../constructs/service-container';
import { FederationModel, NodeModel, SiteModel } from '../model/model';
import { natsStoreKey } from '../render/nats-command';
import { renderSemStreamsConfig, semStreamsConfigFileText } from '../render/semstreams-config';
import { terraformLiterals } from '../constructs/terraform-literal';
import { SiteMaterial } from './site-material';
import { ResolvedOnceStack } from './resolved-once-stack';

export interface SiteStackProps {
  readonly federation: FederationModel;
  readonly site: SiteModel;
  /** Where node certificates come from (cross-stack references: keys stay references in cdktf.out). */
  readonly pki: SiteMaterial;
}

/**
 * One site: its own Docker provider (the site's engine), a network, NATS, and a container per node
 * carrying its rendered config and TLS material.
 */
export class SiteStack extends ResolvedOnceStack {
  /** Containers by node id. */
  public readonly containers: ReadonlyMap<string, ServiceContainer>;

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id);
    const { federation: fed, site, pki } = props;
    new DockerProvider(this, 'docker', terraformLiterals<DockerProviderConfig>({
      host: site.dockerHost,
      ...(site.dockerCertPath !== undefined ? { certPath: site.dockerCertPath } : {}),
    }));
    const network = new Network(this, 'network', terraformLiterals<NetworkConfig>({ name: site.networkName, driver: 'bridge' }));
    const labels = { 'federation-pki.federation': fed.name, 'federation-pki.site': site.id };

    const images = new Map<string, Image>();
    // Every image the site runs, in the order the containers below first use them (NATS, then each node's gateway
    // and node), created here in that order. Here, not in a helper: cdktf records a stack trace per token, and
    // every frame above a resource's constructor is in each of its traces.
    const siteImages = [...(site.natsContainer ? [site.natsContainer.image] : []), ...site.nodes.flatMap((n) => [...(n.kind === 'loom' && n.gateway ? [n.gateway.image] : []), n.image])];
    for (const name of siteImages) {
      if (images.has(name)) continue;
      // Named after the image's repository, so adding a node never renames another node's image resource
      // and a new tag updates the same address.
      const image = new Image(this, `image-${name.replace(/[^a-zA-Z0-9]+/g, '-')}`, terraformLiterals<ImageConfig>({ name, keepLocally: true }));
      setPlanName(image, imagePlanName(name, siteImages));
      images.set(name, image);
    }
    const imageFor = (name: string) => images.get(name)!;

    // Each SemStreams config is rendered once: its file, and its version for the NATS store key.
    const semStreamsConfigs = new Map(site.nodes.flatMap((n) => (n.kind === 'semstreams' ? [[n.id, renderSemStreamsConfig(n, fed)] as const] : [])));
    const configFiles = new Map(site.nodes.map((node) => [node.id, node.kind === 'semstreams' ? semStreamsConfigFileText(semStreamsConfigs.get(node.id)!) : loomRenderers().renderLoomConfigFile(node)]));
    let nats: NatsServer | undefined;
    if (site.natsContainer) {
      const m = site.natsContainer;
      nats = new NatsServer(this, 'nats', {
        containerName: m.name,
        alias: m.alias,
        network,
        image: imageFor(m.image),
        storeVolumeName: m.storeVolume,
        // Keyed by the configs SemStreams boots from the store: a changed config gets a fresh store and wins.
        planName: PLAN_NAMES.nats,
        storeKey: natsStoreKey([...semStreamsConfigs.values()].map((c) => c.version as string)),
        labels,
      });
    }

    const containers = new Map<string, ServiceContainer>();
    for (const node of site.nodes) {
      const cert = pki.nodeCredentials.get(node.id);
      // During a root rotation: SemStreams lists the previous root as a second CA file, Loom's one ca_file holds both.
      const previousRoot = fed.ca.imported?.previousRootCertPem;
      const caCertPem = previousRoot && node.kind === 'loom' ? `${pki.ca.certPem}${previousRoot}` : pki.ca.certPem;
      const nodeLabels = { ...labels, 'federation-pki.node': node.id };
      // Behind its gateway, Loom holds no TLS material: the gateway has the certificate and the roots.
      const gateway = addLoomGateway(this, node, { network, imageFor, certificate: cert, caCertPem, labels: nodeLabels });
      containers.set(node.id, new ServiceContainer(this, `node-${node.id}`, {
        node,
        network,
        image: imageFor(node.image),
        configFile: configFiles.get(node.id)!,
        ...(node.tier !== 'none' && !gateway ? { caCertPem } : {}),
        ...(node.tier !== 'none' && previousRoot && node.paths.previousCaFile ? { previousCaCertPem: previousRoot } : {}),
        ...(cert && !gateway ? { certificate: cert } : {}),
        ...(gateway ? { networkNamespace: gateway.namespace } : {}),
        labels: nodeLabels,
        // SemStreams exits at boot without NATS; starting after it also replaces NATS first when its store key changes.
        ...(nats && node.kind === 'semstreams' ? { dependsOn: [nats.container] } : {}),
        planName: nodePlanName(node.id),
      }));
      const outId = node.id.replace(/-/g, '_');
      new TerraformOutput(this, `${outId}_container`, { value: terraformLiterals(node.containerName) });
      new TerraformOutput(this, `${outId}_config_path`, { value: terraformLiterals(node.paths.configFile) });
      if (node.kind === 'loom') {
        const { command, note } = loomRenderers().renderLoomClientCommand(node);
        new TerraformOutput(this, `${outId}_loom_client_command`, { value: terraformLiterals(command), description: note });
      }
    }
    this.containers = containers;
  }
}

/** The mTLS gateway of a Loom node that has one (see LoomGateway), else undefined. */
function addLoomGateway(scope: Construct, node: NodeModel, deps: {
  network: Network; imageFor: (name: string) => Image; certificate?: ILocationCertificate; caCertPem: string; labels: Record<string, string>;
}): LoomGateway | undefined {
  if (node.kind !== 'loom' || !node.gateway) return undefined;
  if (!deps.certificate) throw new Error(`Loom node ${node.id}: its gateway needs the node's certificate (public stack) and key (the site's keys stack)`);
  const { LoomGateway } = require('../constructs/loom-gateway') as typeof import('../constructs/loom-gateway');
  return new LoomGateway(scope, `gateway-${node.id}`, {
    node, network: deps.network, image: deps.imageFor(node.gateway.image), certificate: deps.certificate, caCertPem: deps.caCertPem, labels: deps.labels,
    planName: nodePlanName(node.id),
  });
}

/** Loom's renderers and gateway are loaded only for a site with a Loom node. */
function loomRenderers(): typeof import('../render/looms-yaml') {
  return require('../render/looms-yaml') as typeof import('../render/looms-yaml');
}
