/**
 * Hand-composed stacks for the policy tests: the library's constructs put together the way a user would
 * without `Federation`, so the Aspect is the only guard.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { App, Aspects, TerraformStack } from 'cdktf';
import { FederationCa } from '../constructs/federation-ca';
import { ILocationCertificate, LocationCertificate, LocationCertificateProps } from '../constructs/location-certificate';
import { LoomGateway } from '../constructs/loom-gateway';
import { ServiceContainer } from '../constructs/service-container';
import { FederationModel, NodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { PolicyError } from '../policy/finding';
import { SecurityPolicyAspect, SecurityPolicyProps } from '../policy/security-policy-aspect';
import { renderLoomConfigFile } from '../render/looms-yaml';
import { renderSemStreamsConfigFile } from '../render/semstreams-config';
import { exampleCopy } from './helpers';

export interface Site {
  readonly stack: TerraformStack;
  readonly network: Network;
  readonly image: Image;
}

/** An app with a pki stack (root CA) and site stacks composed by hand from the example's node models. */
export class HandScene {
  public readonly outdir = mkdtempSync(join(tmpdir(), 'fpki-policy-'));
  public readonly app = new App({ outdir: this.outdir });
  public readonly model: FederationModel;
  public readonly pki = new TerraformStack(this.app, 'pki');
  public readonly ca: FederationCa;
  private certificates = 0;

  constructor(spec: any = exampleCopy()) {
    this.model = resolveFederation(spec);
    new TlsProvider(this.pki, 'tls');
    this.ca = new FederationCa(this.pki, 'ca', { commonName: 'hand root', organization: 'hand' });
  }

  public node(id: string): NodeModel {
    const n = this.model.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** A site stack with its Docker provider, network and image (or these added to an existing stack). */
  public site(id: string | TerraformStack): Site {
    const stack = typeof id === 'string' ? new TerraformStack(this.app, id) : id;
    new DockerProvider(stack, 'docker', {});
    return { stack, network: new Network(stack, 'network', { name: stack.node.id }), image: new Image(stack, 'image', { name: 'semstreams:latest' }) };
  }

  /** A certificate for `node`, issued in the pki stack. */
  public certificate(node: NodeModel, props: Partial<LocationCertificateProps> = {}): LocationCertificate {
    return new LocationCertificate(this.pki, `cert-${node.id}-${this.certificates++}`, {
      ca: this.ca, commonName: node.fqdn, organization: 'hand', dnsNames: node.dnsNames, serverAuth: true, clientAuth: true, ...props,
    });
  }

  /** The node's container with its rendered config (from `node` as given), the CA and `certificate`. */
  public container(site: Site, node: NodeModel, certificate?: ILocationCertificate, configFile?: string): ServiceContainer {
    return new ServiceContainer(site.stack, `node-${node.id}`, {
      node, network: site.network, image: site.image,
      configFile: configFile ?? (node.kind === 'semstreams' ? renderSemStreamsConfigFile(node, this.model) : renderLoomConfigFile(node)),
      caCertPem: this.ca.certPem,
      ...(certificate ? { certificate } : {}),
      labels: { 'federation-pki.site': node.siteId, 'federation-pki.node': node.id },
    });
  }

  /** A Loom node's gateway (from `node` as given) with `certificate`, and Loom in its namespace. */
  public loomGateway(site: Site, node: NodeModel, certificate: ILocationCertificate): LoomGateway {
    if (node.kind !== 'loom') throw new Error(`${node.id} is not a Loom node`);
    const labels = { 'federation-pki.site': node.siteId, 'federation-pki.node': node.id };
    const gateway = new LoomGateway(site.stack, `gateway-${node.id}`, { node, network: site.network, image: site.image, certificate, caCertPem: this.ca.certPem, labels });
    new ServiceContainer(site.stack, `node-${node.id}`, {
      node, network: site.network, image: site.image, configFile: renderLoomConfigFile(node), networkNamespace: gateway.namespace, labels,
    });
    return gateway;
  }

  /**
   * Adds `policy` to every stack (or those named) and synthesizes. Returns the PolicyError (undefined when synth passed) and
   * the files cdktf wrote; removes the outdir.
   */
  public synth(policy: SecurityPolicyAspect | SecurityPolicyProps = {}, onlyStacks?: readonly string[]): { error?: PolicyError; written: string[]; policy: SecurityPolicyAspect } {
    const aspect = policy instanceof SecurityPolicyAspect ? policy : new SecurityPolicyAspect({ warn: () => undefined, ...policy });
    for (const stack of this.app.node.findAll().filter(TerraformStack.isStack)) {
      if (!onlyStacks || onlyStacks.includes(stack.node.id)) Aspects.of(stack).add(aspect);
    }
    try {
      this.app.synth();
      return { written: filesUnder(this.outdir), policy: aspect };
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      return { error: e, written: filesUnder(this.outdir), policy: aspect };
    } finally {
      rmSync(this.outdir, { recursive: true, force: true });
    }
  }
}

/** `RULE@node` for every violation, sorted and unique. */
export function violationsOf(error: PolicyError | undefined): string[] {
  return [...new Set((error?.violations ?? []).map((v) => `${v.rule.id}@${v.node}`))].sort();
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}
