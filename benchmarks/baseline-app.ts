/**
 * Baseline side of the synth benchmark: a plain cdktf app that declares, by hand, the resources the
 * library synthesizes for the same hub federation — same providers, stacks, keys, CSRs and certificates,
 * networks, images, containers with the same uploads (config files written out here as object literals),
 * the same cross-stack references and outputs. No spec, no validation, no model, no construct layering:
 * the floor a library on cdktf can hope to approach. Usage: `baseline-app <leaves> <outdir> [append|prepend]`.
 *
 * Imports are the same deep `lib/<resource>` paths the library uses, so module loading is comparable.
 */
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { CertRequest } from '@cdktf/provider-tls/lib/cert-request';
import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { startChildReport } from './child-report';
import { fqdnOf, HUB, leafIds, parseAppArgs } from './hub-federation';

const synthDone = startChildReport();
const { layout, outdir } = parseAppArgs(process.argv.slice(2));
const leaves = leafIds(layout);
const { name, domain, hubId } = HUB;
const org = name;
const CONFIG = '/etc/semstreams/config.json';
const CA_FILE = '/certs/federation-ca.pem';
const VALIDITY = 90 * 24;
const RENEW = 30 * 24;
const ecdsa = { algorithm: 'ECDSA', ecdsaCurve: 'P256' };

const app = new App({ outdir });
const state = (stack: string) => ({ path: `../../../state/${stack}.tfstate` });

// --- the pki stack ---------------------------------------------------------------------------------
const pki = new TerraformStack(app, `${name}-pki`);
new LocalBackend(pki, state(`${name}-pki`));
new TlsProvider(pki, 'tls');
const caKey = new PrivateKey(pki, 'ca-key', ecdsa);
const caCert = new SelfSignedCert(pki, 'ca-cert', {
  privateKeyPem: caKey.privateKeyPem,
  isCaCertificate: true,
  subject: [{ commonName: `${name} federation root CA`, organization: org }],
  validityPeriodHours: 1825 * 24,
  setSubjectKeyId: true,
  allowedUses: ['cert_signing', 'crl_signing', 'digital_signature'],
});
new TerraformOutput(pki, 'federation_ca_pem', {
  value: caCert.certPem,
  description: 'Federation root CA certificate (public): save as federation-ca.pem for clients',
});
new TerraformOutput(pki, 'federation_ca_not_after', { value: caCert.validityEndTime });

function issue(id: string, cn: string, uses: string[]) {
  const key = new PrivateKey(pki, `${id}-key`, ecdsa);
  const csr = new CertRequest(pki, `${id}-csr`, {
    privateKeyPem: key.privateKeyPem,
    subject: [{ commonName: cn, organization: org }],
    dnsNames: [cn],
    ipAddresses: [],
  });
  const cert = new LocallySignedCert(pki, `${id}-cert`, {
    certRequestPem: csr.certRequestPem,
    caCertPem: caCert.certPem,
    caPrivateKeyPem: caKey.privateKeyPem,
    validityPeriodHours: VALIDITY,
    earlyRenewalHours: RENEW,
    isCaCertificate: false,
    setSubjectKeyId: true,
    allowedUses: ['digital_signature', ...uses],
  });
  return { key, cert };
}

function nodeOutput(id: string, cert: LocallySignedCert, eku: string) {
  new TerraformOutput(pki, `node_${id.replace(/-/g, '_')}`, {
    value: {
      site: id, tier: 'manual', dns_sans: [fqdnOf(id)], ip_sans: [], config_path: CONFIG,
      cn: fqdnOf(id), eku: [eku], validity_hours: VALIDITY, early_renewal_hours: RENEW, not_after: cert.validityEndTime,
    },
  });
}

const hubPki = issue(`node-${hubId}`, fqdnOf(hubId), ['server_auth']);
nodeOutput(hubId, hubPki.cert, 'serverAuth');
const leafPki = new Map(leaves.map((id) => {
  const issued = issue(`node-${id}`, fqdnOf(id), ['client_auth']);
  nodeOutput(id, issued.cert, 'clientAuth');
  return [id, issued] as const;
}));
const canary = issue('canary', `canary.${domain}`, ['client_auth']);
new TerraformOutput(pki, 'canary_cert_pem', {
  value: canary.cert.certPem,
  description: `Canary client certificate (public), CN canary.${domain}: every mTLS server must refuse it (federation-pki verify --canary-cert)`,
});

// --- one stack per site ----------------------------------------------------------------------------
const nats = (description: string, subject: string, portName: string) => ({ name: portName, type: 'nats', subject, required: true, description });

function hubConfig(): object {
  return {
    version: '1.0.0',
    platform: { org, id: hubId, type: 'edge' },
    security: {
      tls: {
        server: {
          enabled: true, mode: 'manual', cert_file: `/certs/${hubId}-cert.pem`, key_file: `/certs/${hubId}-key.pem`, min_version: '1.2',
          mtls: { enabled: true, client_ca_files: [CA_FILE], require_client_cert: true, allowed_client_cns: leaves.map(fqdnOf).sort() },
        },
      },
    },
    nats: { urls: ['nats://nats:4222'] },
    services: {},
    components: {
      'federation-output': {
        type: 'output', name: 'websocket', enabled: true,
        config: {
          ports: {
            inputs: [nats('forwarded to federation clients', 'federated.data', 'forward-1')],
            outputs: [{ name: 'websocket', type: 'network', subject: `http://0.0.0.0:${HUB.hubPort}${HUB.hubPath}`, required: true, description: 'federation websocket endpoint' }],
          },
        },
      },
    },
  };
}

function leafConfig(id: string): object {
  return {
    version: '1.0.0',
    platform: { org, id, type: 'edge' },
    security: {
      tls: {
        client: {
          mode: 'manual', ca_files: [CA_FILE], insecure_skip_verify: false, min_version: '1.2',
          mtls: { enabled: true, cert_file: `/certs/${id}-cert.pem`, key_file: `/certs/${id}-key.pem` },
        },
      },
    },
    nats: { urls: ['nats://nats:4222'] },
    services: {},
    components: {
      [`from-${hubId}`]: {
        type: 'input', name: 'websocket_input', enabled: true,
        config: {
          mode: 'client',
          client: { url: `wss://${fqdnOf(hubId)}:${HUB.hubPort}${HUB.hubPath}`, reconnect: { enabled: true, max_retries: 10 } },
          auth: { type: 'none' },
          ports: {
            outputs: [
              nats(`data received from ${hubId}`, 'federated.data', 'data'),
              nats(`control messages from ${hubId}`, 'federated.control', 'control'),
            ],
          },
        },
      },
    },
  };
}

function siteStack(id: string, issued: { key: PrivateKey; cert: LocallySignedCert }, config: object, serves: boolean) {
  const stackName = `${name}-${id}`;
  const stack = new TerraformStack(app, stackName);
  new LocalBackend(stack, state(stackName));
  new DockerProvider(stack, 'docker', { host: 'unix:///var/run/docker.sock' });
  const network = new Network(stack, 'network', { name: stackName, driver: 'bridge' });
  const siteLabels = [{ label: 'federation-pki.federation', value: name }, { label: 'federation-pki.site', value: id }];
  const natsImage = new Image(stack, 'image-nats', { name: 'nats:2.10-alpine', keepLocally: true });
  new Container(stack, 'nats', {
    name: `${stackName}-nats`, image: natsImage.imageId, restart: 'unless-stopped',
    networksAdvanced: [{ name: network.name, aliases: ['nats'] }], labels: siteLabels,
  });
  const image = new Image(stack, 'image-semstreams', { name: 'semstreams:latest', keepLocally: true });
  new Container(stack, 'node', {
    name: `${name}-${id}`,
    image: image.imageId,
    command: ['--config', CONFIG],
    restart: 'unless-stopped',
    user: '0:0',
    capabilities: { drop: ['ALL'] },
    securityOpts: ['no-new-privileges:true'],
    networksAdvanced: [{ name: network.name, aliases: [fqdnOf(id)] }],
    ports: serves ? [{ internal: HUB.hubPort, external: HUB.hubPort }] : [],
    host: serves ? [] : [{ host: fqdnOf(hubId), ip: 'host-gateway' }],
    labels: [...siteLabels, { label: 'federation-pki.node', value: id }],
    upload: [
      { file: CONFIG, content: `${JSON.stringify(config, null, 2)}\n`, permissions: '0644' },
      { file: CA_FILE, content: caCert.certPem, permissions: '0644' },
      { file: `/certs/${id}-cert.pem`, content: issued.cert.certPem, permissions: '0644' },
      { file: `/certs/${id}-key.pem`, content: issued.key.privateKeyPem, permissions: '0600' },
    ],
  });
  const out = id.replace(/-/g, '_');
  new TerraformOutput(stack, `${out}_container`, { value: `${name}-${id}` });
  new TerraformOutput(stack, `${out}_config_path`, { value: CONFIG });
}

siteStack(hubId, hubPki, hubConfig(), true);
for (const id of leaves) siteStack(id, leafPki.get(id)!, leafConfig(id), false);

app.synth();
synthDone();
