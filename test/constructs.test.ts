import { App, TerraformStack } from 'cdktf';
import { FederationCa } from '../constructs/federation-ca';
import { IntermediateCa } from '../constructs/intermediate-ca';
import { LocationCertificate } from '../constructs/location-certificate';
import { KeyAlgorithm } from '../model/key-algorithm';

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
