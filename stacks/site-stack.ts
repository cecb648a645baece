import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image, ImageConfig } from '@cdktf/provider-docker/lib/image';
import { Network, NetworkConfig } from '@cdktf/provider-docker/lib/network';
import { DockerProvider, DockerProviderConfig } from '@cdktf/provider-docker/lib/provider';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { ServiceContainer } from '../constructs/service-container';
import { FederationModel, NodeModel, SiteModel } from '../model/model';
import { renderLoomClientCommand, renderLoomConfigFile } from '../render/looms-yaml';
import { renderSemStreamsConfigFile } from '../render/semstreams-config';
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
    const imageFor = (name: string) => {
      if (!images.has(name)) {
        // Named after the image, so adding a node never renames another node's image resource.
        images.set(name, new Image(this, `image-${name.replace(/[^a-zA-Z0-9]+/g, '-')}`, terraformLiterals<ImageConfig>({ name, keepLocally: true })));
      }
      return images.get(name)!;
    };

    if (site.natsContainer) {
      const nats = site.natsContainer;
      new Container(this, 'nats', terraformLiterals<ContainerConfig>({
        name: nats.name,
        image: imageFor(nats.image).imageId,
        restart: 'unless-stopped',
        networksAdvanced: [{ name: network.name, aliases: [nats.alias] }],
        labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
      }));
    }

    const containers = new Map<string, ServiceContainer>();
    for (const node of site.nodes) {
      const cert = pki.nodeCredentials.get(node.id);
      // During a root rotation: SemStreams lists the previous root as a second CA file, Loom's one ca_file holds both.
      const previousRoot = fed.ca.imported?.previousRootCertPem;
      containers.set(node.id, new ServiceContainer(this, `node-${node.id}`, {
        node,
        network,
        image: imageFor(node.image),
        configFile: renderConfigFile(node, fed),
        ...(node.tier !== 'none' ? { caCertPem: previousRoot && node.kind === 'loom' ? `${pki.ca.certPem}${previousRoot}` : pki.ca.certPem } : {}),
        ...(node.tier !== 'none' && previousRoot && node.paths.previousCaFile ? { previousCaCertPem: previousRoot } : {}),
        ...(cert ? { certificate: cert } : {}),
        labels: { ...labels, 'federation-pki.node': node.id },
      }));
      const outId = node.id.replace(/-/g, '_');
      new TerraformOutput(this, `${outId}_container`, { value: terraformLiterals(node.containerName) });
      new TerraformOutput(this, `${outId}_config_path`, { value: terraformLiterals(node.paths.configFile) });
      if (node.kind === 'loom') {
        const { command, note } = renderLoomClientCommand(node);
        new TerraformOutput(this, `${outId}_loom_client_command`, { value: terraformLiterals(command), description: note });
      }
    }
    this.containers = containers;
  }
}

function renderConfigFile(node: NodeModel, fed: FederationModel): string {
  return node.kind === 'semstreams' ? renderSemStreamsConfigFile(node, fed) : renderLoomConfigFile(node);
}
