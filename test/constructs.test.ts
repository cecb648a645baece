import { App, TerraformStack } from 'cdktf';
import { FederationCa } from '../constructs/federation-ca';
import { IntermediateCa } from '../constructs/intermediate-ca';
import { LocationCertificate } from '../constructs/location-certificate';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { LoomGateway } from '../constructs/loom-gateway';
import { exampleSpec } from '../model/example';
import { KeyAlgorithm } from '../model/key-algorithm';
import { LoomNodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';

function stacks() {
  // Never synthesized: the checks fire in the constructors.
  const app = new App({ outdir: require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'fpki-constructs-')) });
  return { pki: new TerraformStack(app, 'pki'), site: new TerraformStack(app, 'site') };
}

describe('constructs refuse what would leak or never renew', () => {
  test('a LocationCertificate in another stack than its CA is refused (the CA key would cross stacks)', () => {
    const { pki, site } = stacks();
    const ca = new FederationCa(pki, 'ca', { commonName: 'root', organization: 'o' });
    expect(() => new LocationCertificate(site, 'cert', { ca, commonName: 'a.example.com', organization: 'o', serverAuth: true, clientAuth: false }))
      .toThrow(/must be in the same stack/);
  });

  test('an IntermediateCa in another stack than its root is refused', () => {
    const { pki, site } = stacks();
    const root = new FederationCa(pki, 'ca', { commonName: 'root', organization: 'o' });
    expect(() => new IntermediateCa(site, 'inter', { root, commonName: 'i', organization: 'o' })).toThrow(/must be in the same stack/);
  });

  test('early renewal must start before expiry', () => {
    const { pki } = stacks();
    const ca = new FederationCa(pki, 'ca', { commonName: 'root', organization: 'o', keyAlgorithm: KeyAlgorithm.RSA_4096 });
    expect(() => new LocationCertificate(pki, 'c1', { ca, commonName: 'a.example.com', organization: 'o', serverAuth: true, clientAuth: false, validityHours: 24, earlyRenewalHours: 24 }))
      .toThrow(/earlyRenewalHours/);
    expect(() => new FederationCa(pki, 'ca2', { commonName: 'root', organization: 'o', validityHours: 0 })).toThrow(/validityHours/);
  });

  test('a certificate with neither role is refused', () => {
    const { pki } = stacks();
    const ca = new FederationCa(pki, 'ca', { commonName: 'root', organization: 'o' });
    expect(() => new LocationCertificate(pki, 'c', { ca, commonName: 'a.example.com', organization: 'o', serverAuth: false, clientAuth: false })).toThrow(/serverAuth, clientAuth or both/);
  });
});

describe('LoomGateway', () => {
  test('refuses a Loom node without a gateway in the model (tier none, or gateway.enabled false)', () => {
    const { pki, site } = stacks();
    const ca = new FederationCa(pki, 'ca', { commonName: 'root', organization: 'o' });
    const certificate = new LocationCertificate(pki, 'cert', { ca, commonName: 'loom.semstreams.local', organization: 'o', serverAuth: true, clientAuth: false });
    const loom = resolveFederation(exampleSpec()).nodes.find((n) => n.id === 'loom') as LoomNodeModel;
    const deps = { network: new Network(site, 'net', { name: 'n' }), image: new Image(site, 'img', { name: 'haproxy:2.6.12' }), certificate, caCertPem: ca.certPem, labels: {} };
    expect(() => new LoomGateway(site, 'gw', { node: { ...loom, gateway: undefined }, ...deps })).toThrow(/node loom has no gateway in the model/);
    const gw = new LoomGateway(site, 'gw2', { node: loom, ...deps });
    expect(gw.namespace).toBeDefined();
    expect(gw.gateway).toBeDefined();
  });
});
