import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Volume, VolumeConfig } from '@cdktf/provider-docker/lib/volume';
import { Construct } from 'constructs';
import { STEP_CA_LAYOUT } from '../model/defaults';
import { StepCaModel } from '../model/model';
import { renderStepCaConfigFile } from '../render/step-ca-config';
import { IIntermediateCa } from './intermediate-ca';
import { lockedDown } from './locked-down';
import { markOnlineCa } from './online-ca';
import { renderKeyUpload } from './private-key-file';
import { named } from './plan-names';
import { KEY_FILE_MODE, PUBLIC_FILE_MODE } from './service-container';
import { terraformLiterals } from './terraform-literal';

/** What ACME clients need from step-ca. */
export interface IStepCa {
  /** Directory URL of the SemStreams ACME provisioner. */
  readonly directoryUrl: string;
  /** The root step-ca's TLS and issued certificates chain to, PEM. */
  readonly rootCertPem: string;
}

export interface StepCaProps {
  /** The resolved step-ca settings. */
  readonly model: StepCaModel;
  /** The network step-ca and its neighbouring tier-acme nodes share; step-ca's aliases are its dnsNames. */
  readonly network: Network;
  /** The step-ca image. */
  readonly image: Image;
  /** The federation root certificate, PEM. */
  readonly rootCertPem: string;
  /** The intermediate step-ca signs with. */
  readonly intermediate: IIntermediateCa;
  /**
   * During a root rotation, the root being retired, uploaded at `model.previousRootFile` (ca.json `federatedRoots`).
   * @default none
   */
  readonly previousRootCertPem?: string;
  /**
   * Healthcheck command.
   * @default the official image's `step ca health` against step-ca's first DNS name and the federation root
   */
  readonly healthcheck?: readonly string[];
  /** Labels for the container and volume. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Terraform name of the container and its volume (`docker_container.<planName>`, `docker_volume.<planName>`).
   * @default cdktf's names from the construct path, with a hash
   */
  readonly planName?: string;
}

/**
 * step-ca in a container, run with a ca.json rendered by this library (no `step ca init`): rooted in the
 * federation root, signing with an intermediate the pki stack issued, its database on a named volume.
 */
export class StepCa extends Construct implements IStepCa {
  public readonly directoryUrl: string;
  public readonly rootCertPem: string;
  public readonly containerName: string;

  constructor(scope: Construct, id: string, props: StepCaProps) {
    super(scope, id);
    markOnlineCa(this);
    const m = props.model;
    this.directoryUrl = m.directoryUrl;
    this.rootCertPem = props.rootCertPem;
    this.containerName = m.containerName;
    const labels = Object.entries(props.labels ?? {}).map(([label, value]) => ({ label, value }));
    const db = named(new Volume(this, 'db', terraformLiterals<VolumeConfig>({ name: m.dbVolumeName, labels })), props.planName);
    named(new Container(this, 'container', terraformLiterals<ContainerConfig>({
      name: m.containerName,
      image: props.image.imageId,
      // The key is unencrypted PEM (hashicorp/tls), so no password file is needed.
      command: ['/usr/local/bin/step-ca', STEP_CA_LAYOUT.configFile],
      restart: 'unless-stopped',
      // Uploads are written as uid 0, so the CA runs as uid 0 of its container: its 0600 key is readable by
      // that process alone. Every capability is dropped but NET_BIND_SERVICE, which must stay in the bounding
      // set: the official image's step-ca binary carries it as a file capability, and the kernel refuses to
      // exec such a binary otherwise ("Operation not permitted", exit 126). no-new-privileges keeps the
      // process from gaining it; it listens on an unprivileged port anyway.
      user: '0:0',
      ...lockedDown(['CAP_NET_BIND_SERVICE']),
      networksAdvanced: [{ name: props.network.name, aliases: [...m.dnsNames] }],
      ports: m.publishedPorts.map((p) => ({ internal: p, external: p })),
      host: m.extraHosts.map((h) => ({ host: h.host, ip: h.ip })),
      mounts: [{ type: 'volume', source: db.name, target: STEP_CA_LAYOUT.dbDir }],
      healthcheck: {
        test: [...(props.healthcheck ?? ['CMD', 'step', 'ca', 'health', '--ca-url', `https://${m.dnsNames[0]}:${m.port}`, '--root', STEP_CA_LAYOUT.rootFile])],
        interval: '30s',
        timeout: '5s',
        retries: 3,
        startPeriod: '10s',
      },
      labels,
      upload: [
        { file: STEP_CA_LAYOUT.configFile, content: renderStepCaConfigFile(m), permissions: PUBLIC_FILE_MODE },
        { file: STEP_CA_LAYOUT.rootFile, content: props.rootCertPem, permissions: PUBLIC_FILE_MODE },
        { file: STEP_CA_LAYOUT.crtFile, content: props.intermediate.certPem, permissions: PUBLIC_FILE_MODE },
        { file: STEP_CA_LAYOUT.keyFile, ...renderKeyUpload(props.intermediate), permissions: KEY_FILE_MODE },
        ...(props.previousRootCertPem && m.previousRootFile
          ? [{ file: m.previousRootFile, content: props.previousRootCertPem, permissions: PUBLIC_FILE_MODE }] : []),
      ],
    })), props.planName);
  }
}
