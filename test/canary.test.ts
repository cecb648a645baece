/** The pki stack's canary: a federation-signed client certificate that no allow-list names. */
import { canaryCommonName } from '../model/canary';
import { exampleCopy, synth, uploadsOf } from './helpers';

const out = synth(exampleCopy());
const pki = out.stacks.get('semstreams-pki');
const entryOf = (type: string) => Object.entries(pki.resource[type] as Record<string, any>).find(([k]) => k === 'canary')?.[1];

test('the canary is a clientAuth-only certificate for canary.<domain>, signed by the federation CA', () => {
  expect(canaryCommonName('semstreams.local')).toBe('canary.semstreams.local');
  expect(entryOf('tls_cert_request').subject[0].common_name).toBe('canary.semstreams.local');
  const cert = entryOf('tls_locally_signed_cert');
  expect(cert.allowed_uses).toEqual(['digital_signature', 'client_auth']);
  expect(cert.is_ca_certificate).toBe(false);
  expect(cert.ca_private_key_pem).toMatch(/^\$\{tls_private_key\.federation-ca\.private_key_pem\}$/);
});

test('its certificate is an output; its key is not', () => {
  expect(pki.output.canary_cert_pem.value).toMatch(/^\$\{tls_locally_signed_cert\.canary\.cert_pem\}$/);
  for (const [name, o] of Object.entries(pki.output as Record<string, any>)) {
    expect({ name, canaryKey: /tls_private_key\.?canary/.test(JSON.stringify(o)) }).toEqual({ name, canaryKey: false });
  }
});

test('no rendered allow-list names the canary', () => {
  for (const [stack, node] of [['semstreams-location-a', 'location-a'], ['semstreams-location-b', 'location-b']]) {
    const config = JSON.parse(uploadsOf(out.stacks.get(stack), node).get('/etc/semstreams/config.json')!.content);
    expect(config.security.tls.server.mtls.allowed_client_cns.length).toBeGreaterThan(0);
    expect(config.security.tls.server.mtls.allowed_client_cns).not.toContain('canary.semstreams.local');
  }
});

test('no canary where no server checks client certificates', () => {
  const spec = exampleCopy();
  spec.tls.mtls = false;
  delete spec.sites[0].nodes[1].tls;
  const plain = synth(spec).stacks.get('semstreams-pki');
  expect(Object.keys(plain.resource.tls_private_key).some((k) => k.startsWith('canary'))).toBe(false);
  expect(plain.output.canary_cert_pem).toBeUndefined();
});
