import { Image, ImageConfig } from '@cdktf/provider-docker/lib/image';
import { Network, NetworkConfig } from '@cdktf/provider-docker/lib/network';
import { DockerProvider, DockerProviderConfig } from '@cdktf/provider-docker/lib/provider';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { PLAN_NAMES, setPlanName } from '../constructs/plan-names';
import { IIntermediateCa } from '../constructs/intermediate-ca';
import { privateKeyFile } from '../constructs/private-key-file';
import { StepCa } from '../constructs/step-ca';
import { FederationModel, StepCaModel } from '../model/model';
import { terraformLiterals } from '../constructs/terraform-literal';
import { SiteMaterial } from './site-material';
import { ResolvedOnceStack } from './resolved-once-stack';

export interface StepCaStackProps {
  readonly federation: FederationModel;
  readonly stepCa: StepCaModel;
  /** Holds the root and the intermediate step-ca signs with. */
  readonly pki: SiteMaterial;
  /**
   * Healthcheck command of the step-ca container.
   * @default the official image's `step ca health`
   */
  readonly healthcheck?: readonly string[];
}

/**
 * step-ca on its site's Docker host, in a stack of its own: deployed after the pki stack and before the
 * sites whose tier-acme nodes join its ACME network.
 */
export class StepCaStack extends ResolvedOnceStack {
  public readonly stepCa: StepCa;
  /** The ACME network's name (site containers on this host join it by name). */
  public readonly networkName: string;

  constructor(scope: Construct, id: string, props: StepCaStackProps) {
    super(scope, id);
    const { federation: fed, stepCa: m, pki } = props;
    // With ca.import, step-ca signs with the imported intermediate: its chain from the model, its key from its file.
    const importedIntermediate = fed.ca.imported?.stepCaIntermediate;
    const intermediate: IIntermediateCa | undefined = pki.stepCaIntermediate ?? (importedIntermediate
      ? { certPem: importedIntermediate.chainPem, privateKeyFile: privateKeyFile(importedIntermediate.keyFileFromStack) } : undefined);
    if (!intermediate) throw new Error(`StepCaStack ${id}: the pki stack issued no step-ca intermediate and none is imported`);
    new DockerProvider(this, 'docker', terraformLiterals<DockerProviderConfig>({
      host: m.dockerHost,
      ...(m.dockerCertPath !== undefined ? { certPath: m.dockerCertPath } : {}),
    }));
    const labels = { 'federation-pki.federation': fed.name, 'federation-pki.site': m.siteId };
    const network = new Network(this, 'acme-network', terraformLiterals<NetworkConfig>({ name: m.networkName, driver: 'bridge' }));
    this.networkName = m.networkName;
    const stepCaImage = new Image(this, 'image', terraformLiterals<ImageConfig>({ name: m.image, keepLocally: true }));
    setPlanName(stepCaImage, PLAN_NAMES.stepCa);
    this.stepCa = new StepCa(this, 'step-ca', {
      planName: PLAN_NAMES.stepCa,
      model: m,
      network,
      image: stepCaImage,
      rootCertPem: pki.ca.certPem,
      intermediate,
      ...(fed.ca.imported?.previousRootCertPem ? { previousRootCertPem: fed.ca.imported.previousRootCertPem } : {}),
      labels,
      ...(props.healthcheck ? { healthcheck: props.healthcheck } : {}),
    });
    new TerraformOutput(this, 'acme_directory_url', { value: terraformLiterals(m.directoryUrl), description: 'ACME directory of the SemStreams provisioner' });
    for (const p of m.provisioners.slice(1)) {
      new TerraformOutput(this, `acme_directory_url_${p.name.replace(/-/g, '_')}`, { value: terraformLiterals(p.directoryUrl) });
    }
    new TerraformOutput(this, 'step_ca_container', { value: terraformLiterals(m.containerName) });
  }
}
