/**
 * Baseline side of the synth benchmark: a plain cdktf app that declares, by hand, the resources the
 * library synthesizes for the same hub federation — same providers, stacks (pki, pki-public, one keys stack
 * and one site stack per site), keys, CSRs and certificates, networks, images, volumes, containers with the
 * same uploads (config files written out here as object literals), the same cross-stack references, locals
 * and outputs, under the same Terraform names. No spec, no validation, no model, no construct layering, no
 * policy: the floor a library on cdktf can hope to approach. Usage: `baseline-app <leaves> <outdir> [append|prepend]`.
 *
 * Imports are the same deep `lib/<resource>` paths the library uses, so module loading is comparable.
 * `npm run bench` counts both sides' cdktf.out and says when they differ; `test/bench-baseline.test.ts`
 * checks that both synthesize the same Terraform, block for block.
 */
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';
import { CertRequest } from '@cdktf/provider-tls/lib/cert-request';
import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';
import { App, Fn, LocalBackend, TerraformLocal, TerraformOutput, TerraformStack, Token } from 'cdktf';
import { createHash } from 'crypto';
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
const under = (id: string) => id.replace(/-/g, '_');

const app = new App({ outdir });
const state = (stack: string) => ({ path: `../../../state/${stack}.tfstate` });

// --- one keys stack per site: the node's key and CSR ------------------------------------------------
function keysStack(id: string) {
  const stack = new TerraformStack(app, `${name}-keys-${id}`);
  new LocalBackend(stack, state(`${name}-keys-${id}`));
  new TlsProvider(stack, 'tls');
  const key = new PrivateKey(stack, `${id}-key`, ecdsa);
  key.overrideLogicalId(id);
  const csr = new CertRequest(stack, `${id}-csr`, {
    privateKeyPem: key.privateKeyPem,
    subject: [{ commonName: fqdnOf(id), organization: org }],
    dnsNames: [fqdnOf(id)],
    ipAddresses: [],
  });
  csr.overrideLogicalId(id);
  return { key, csr };
}
const keys = new Map([hubId, ...leaves].map((id) => [id, keysStack(id)] as const));

// --- the pki stack: the root, and a certificate per CSR ---------------------------------------------
const pki = new TerraformStack(app, `${name}-pki`);
new LocalBackend(pki, state(`${name}-pki`));
new TlsProvider(pki, 'tls');
const caKey = new PrivateKey(pki, 'ca-key', ecdsa);
caKey.overrideLogicalId('federation-ca');
const caCert = new SelfSignedCert(pki, 'ca-cert', {
  privateKeyPem: caKey.privateKeyPem,
  isCaCertificate: true,
  subject: [{ commonName: `${name} federation root CA`, organization: org }],
  validityPeriodHours: 1825 * 24,
  setSubjectKeyId: true,
  allowedUses: ['cert_signing', 'crl_signing', 'digital_signature'],
});
caCert.overrideLogicalId('federation-ca');
new TerraformOutput(pki, 'federation_ca_pem', {
  value: caCert.certPem,
  description: 'Federation root CA certificate (public): save as federation-ca.pem for clients',
});
new TerraformOutput(pki, 'federation_ca_not_after', { value: caCert.validityEndTime });

function sign(id: string, csrPem: string, uses: string[]) {
  const cert = new LocallySignedCert(pki, `${id}-cert`, {
    certRequestPem: csrPem,
    caCertPem: caCert.certPem,
    caPrivateKeyPem: caKey.privateKeyPem,
    validityPeriodHours: VALIDITY,
    earlyRenewalHours: RENEW,
    isCaCertificate: false,
    setSubjectKeyId: true,
    allowedUses: ['digital_signature', ...uses],
  });
  cert.overrideLogicalId(id);
  return cert;
}

const certs = new Map([hubId, ...leaves].map((id) => {
  const serves = id === hubId;
  const cert = sign(id, keys.get(id)!.csr.certRequestPem, [serves ? 'server_auth' : 'client_auth']);
  new TerraformOutput(pki, `node_${under(id)}`, {
    value: {
      site: id, tier: 'manual', dns_sans: [fqdnOf(id)], ip_sans: [], config_path: CONFIG,
      cn: fqdnOf(id), eku: [serves ? 'serverAuth' : 'clientAuth'], validity_hours: VALIDITY, early_renewal_hours: RENEW, not_after: cert.validityEndTime,
    },
  });
  return [id, cert] as const;
}));

const canaryKey = new PrivateKey(pki, 'canary-key', ecdsa);
canaryKey.overrideLogicalId('canary');
const canaryCsr = new CertRequest(pki, 'canary-csr', {
  privateKeyPem: canaryKey.privateKeyPem,
  subject: [{ commonName: `canary.${domain}`, organization: org }],
  dnsNames: [`canary.${domain}`],
  ipAddresses: [],
});
canaryCsr.overrideLogicalId('canary');
const canary = sign('canary', canaryCsr.certRequestPem, ['client_auth']);
new TerraformOutput(pki, 'canary_cert_pem', {
  value: canary.certPem,
  description: `Canary client certificate (public), CN canary.${domain}: every mTLS server must refuse it (federation-pki verify --canary-cert)`,
});

// --- the public stack: certificates relayed out of the pki stack, as locals -------------------------
const pub = new TerraformStack(app, `${name}-pki-public`);
new LocalBackend(pub, state(`${name}-pki-public`));
const caPem = new TerraformLocal(pub, 'federation_ca_pem', caCert.certPem).asString;
const certPems = new Map([...certs].map(([id, c]) => [id, new TerraformLocal(pub, `node_${under(id)}_cert_pem`, c.certPem).asString] as const));

// --- one stack per site ----------------------------------------------------------------------------
const nats = (portName: string, subject: string, description: string) => ({ name: portName, type: 'nats', subject, required: true, description });
const version = (stored: object) => `1.0.${createHash('sha256').update(JSON.stringify(stored)).digest().readUInt32BE(0) >>> 1}`;

function hubConfig(): object {
  const stored = {
    platform: { org, id: hubId, type: 'edge' },
    nats: { urls: ['nats://nats:4222'] },
    services: {},
    components: {
      'federation-output': {
        type: 'output', name: 'websocket', enabled: true,
        config: {
          ports: {
            inputs: [nats('forward-1', 'federated.data', 'forwarded to federation clients')],
            outputs: [{ name: 'websocket', type: 'network', subject: `http://0.0.0.0:${HUB.hubPort}${HUB.hubPath}`, required: true, description: 'federation websocket endpoint' }],
          },
        },
      },
    },
  };
  return {
    version: version(stored),
    platform: stored.platform,
    security: {
      tls: {
        server: {
          enabled: true, mode: 'manual', cert_file: `/certs/${hubId}-cert.pem`, key_file: `/certs/${hubId}-key.pem`, min_version: '1.2',
          mtls: { enabled: true, client_ca_files: [CA_FILE], require_client_cert: true, allowed_client_cns: leaves.map(fqdnOf).sort() },
        },
      },
    },
    nats: stored.nats, services: stored.services, components: stored.components,
  };
}

function leafConfig(id: string): object {
  const stored = {
    platform: { org, id, type: 'edge' },
    nats: { urls: ['nats://nats:4222'] },
    services: {},
    components: {
      [`from-${hubId}`]: {
        type: 'input', name: 'websocket_input', enabled: true,
        config: {
          mode: 'client',
          client: {
            url: `wss://${fqdnOf(hubId)}:${HUB.hubPort}${HUB.hubPath}`,
            reconnect: { enabled: true, max_retries: 0, initial_interval: 1e9, max_interval: 10e9, multiplier: 2 },
          },
          auth: { type: 'none' },
          ports: {
            outputs: [
              nats('ws_data', 'federated.data', `data received from ${hubId}`),
              nats('ws_control', 'federated.control', `control messages from ${hubId}`),
            ],
          },
        },
      },
    },
  };
  return {
    version: version(stored),
    platform: stored.platform,
    security: {
      tls: {
        client: {
          mode: 'manual', ca_files: [CA_FILE], insecure_skip_verify: false, min_version: '1.2',
          mtls: { enabled: true, cert_file: `/certs/${id}-cert.pem`, key_file: `/certs/${id}-key.pem` },
        },
      },
    },
    nats: stored.nats, services: stored.services, components: stored.components,
  };
}

function siteStack(id: string, config: { version?: unknown }, serves: boolean) {
  const stackName = `${name}-${id}`;
  const stack = new TerraformStack(app, stackName);
  new LocalBackend(stack, state(stackName));
  new DockerProvider(stack, 'docker', { host: 'unix:///var/run/docker.sock' });
  const network = new Network(stack, 'network', { name: stackName, driver: 'bridge' });
  const siteLabels = [{ label: 'federation-pki.federation', value: name }, { label: 'federation-pki.site', value: id }];
  const natsImage = new Image(stack, 'image-nats', { name: 'nats:2.10-alpine', keepLocally: true });
  natsImage.overrideLogicalId('nats');
  const store = new Volume(stack, `${stackName}-nats-store`, { name: `${stackName}-nats-store`, labels: siteLabels });
  const storeKey = createHash('sha256').update(JSON.stringify([config.version])).digest('hex').slice(0, 16);
  const natsContainer = new Container(stack, 'nats', {
    name: `${stackName}-nats`, image: natsImage.imageId,
    command: ['-js', '-sd', `/data/jetstream-${storeKey}`, '-n', `${stackName}-nats`, '-p', '4222'],
    restart: 'unless-stopped', user: '0:0', capabilities: { drop: ['ALL'] }, securityOpts: ['no-new-privileges:true'],
    networksAdvanced: [{ name: network.name, aliases: ['nats'] }],
    mounts: [{ type: 'volume', source: store.name, target: '/data' }],
    labels: siteLabels,
  });
  const image = new Image(stack, 'image-semstreams', { name: 'semstreams:a12473c', keepLocally: true });
  image.overrideLogicalId('semstreams');
  const node = new Container(stack, `node-${id}`, {
    name: `${name}-${id}`,
    image: image.imageId,
    command: ['--config', CONFIG],
    restart: 'unless-stopped',
    user: '0:0',
    capabilities: { drop: ['ALL'] },
    securityOpts: ['no-new-privileges:true'],
    networksAdvanced: [{ name: network.name, aliases: [fqdnOf(id)] }],
    ports: serves ? [{ internal: HUB.hubPort, external: HUB.hubPort, ip: '0.0.0.0' }] : [],
    host: serves ? [] : [{ host: fqdnOf(hubId), ip: 'host-gateway' }],
    memory: 1024,
    memorySwap: 1024,
    labels: [...siteLabels, { label: 'federation-pki.node', value: id }],
    upload: [
      { file: CONFIG, content: `${JSON.stringify(config, null, 2)}\n`, permissions: '0644' },
      { file: CA_FILE, content: caPem, permissions: '0644' },
      { file: `/certs/${id}-cert.pem`, content: certPems.get(id)!, permissions: '0644' },
      { file: `/certs/${id}-key.pem`, content: Token.asString(Fn.sensitive(keys.get(id)!.key.privateKeyPem)), permissions: '0600' },
    ],
    dependsOn: [natsContainer],
  });
  node.overrideLogicalId(id);
  new TerraformOutput(stack, `${under(id)}_container`, { value: `${name}-${id}` });
  new TerraformOutput(stack, `${under(id)}_config_path`, { value: CONFIG });
}

siteStack(hubId, hubConfig(), true);
for (const id of leaves) siteStack(id, leafConfig(id), false);

app.synth();
synthDone();
