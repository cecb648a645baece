import { exampleSpec } from '../model/example';
import { containerOf, synth, uploadsOf } from './helpers';

const out = synth(exampleSpec());
const SITE_STACKS = ['semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c'];

describe('synth of the built-in example', () => {
  test('writes a pki stack and one stack per site', () => {
    expect([...out.stacks.keys()].sort()).toEqual([
      'semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c',
      'semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki', 'semstreams-pki-public',
    ]);
  });

  test.each([...SITE_STACKS, 'semstreams-pki', 'semstreams-pki-public', 'semstreams-keys-location-a'])('stack %s matches its snapshot', (name) => {
    expect(out.stacks.get(name)).toMatchSnapshot();
  });

  test('two synths are byte-identical', () => {
    const again = synth(exampleSpec());
    expect([...again.files.keys()]).toEqual([...out.files.keys()]);
    for (const [path, text] of out.files) expect(again.files.get(path)).toBe(text);
  });

  test('no private key text anywhere in cdktf.out', () => {
    for (const [path, text] of out.files) {
      expect({ path, hasKey: /PRIVATE KEY/.test(text) }).toEqual({ path, hasKey: false });
    }
  });

  test('no machine path in cdktf.out', () => {
    const machinePaths = [process.cwd(), __dirname, require('os').tmpdir(), require('os').homedir()];
    for (const [path, text] of out.files) {
      for (const p of machinePaths) expect({ path, contains: text.includes(p) }).toEqual({ path, contains: false });
    }
  });

  test('state paths are relative and shared: each site reads its keys state and the public state where they are written, never the pki state', () => {
    for (const name of out.stacks.keys()) expect(out.stacks.get(name).terraform.backend.local.path).toBe(`../../../state/${name}.tfstate`);
    for (const name of SITE_STACKS) {
      const remote = out.stacks.get(name).data.terraform_remote_state;
      const site = name.replace('semstreams-', '');
      expect(Object.fromEntries(Object.entries(remote).map(([k, v]: [string, any]) => [k, v.config.path]))).toEqual({
        [`cross-stack-reference-input-semstreams-keys-${site}`]: `../../../state/semstreams-keys-${site}.tfstate`,
        'cross-stack-reference-input-semstreams-pki-public': '../../../state/semstreams-pki-public.tfstate',
      });
    }
  });

  test('location-a\'s deployed config admits exactly location-b', () => {
    const uploads = uploadsOf(out.stacks.get('semstreams-location-a'), 'location-a');
    const config = JSON.parse(uploads.get('/etc/semstreams/config.json')!.content);
    expect(config.security.tls.server.mtls.allowed_client_cns).toEqual(['location-b.semstreams.local']);
    expect(config.security.tls.server.mtls.require_client_cert).toBe(true);
  });

  test('every path a config names is uploaded; keys 0600, the rest 0644', () => {
    for (const [stack, node, cert, key, ca] of [
      ['semstreams-location-a', 'location-a', '/certs/location-a-cert.pem', '/certs/location-a-key.pem', '/certs/federation-ca.pem'],
      ['semstreams-location-b', 'location-b', '/certs/location-b-cert.pem', '/certs/location-b-key.pem', '/certs/federation-ca.pem'],
      ['semstreams-location-c', 'location-c', '/certs/location-c-cert.pem', '/certs/location-c-key.pem', '/certs/federation-ca.pem'],
      ['semstreams-location-a', 'loom', '/etc/loom/certs/server.crt', '/etc/loom/certs/server.key', '/etc/loom/certs/ca.crt'],
    ]) {
      const uploads = uploadsOf(out.stacks.get(stack), node);
      const configText = [...uploads.values()].find((u: any) => u.file.startsWith('/etc/') && !u.file.includes('/certs/'))!.content;
      for (const path of [cert, key, ca]) expect(configText).toContain(path);
      expect(uploads.get(key)!.permissions).toBe('0600');
      expect(uploads.get(cert)!.permissions).toBe('0644');
      expect(uploads.get(ca)!.permissions).toBe('0644');
      expect(uploads.get(key)!.content).toMatch(/^\$\{sensitive\(data\.terraform_remote_state\..*tls_private_key.*private_key_pem\)\}$/);
    }
  });

  test('the CA key never reaches a site: pki outputs used by sites carry no CA key, and every cross-stack output is sensitive', () => {
    const pki = out.stacks.get('semstreams-pki');
    const crossOutputs = Object.entries(pki.output as Record<string, any>).filter(([k]) => k.startsWith('cross-stack-output-'));
    expect(crossOutputs.length).toBeGreaterThan(0);
    for (const [name, o] of crossOutputs) {
      expect(o.sensitive).toBe(true);
      expect(o.value).not.toMatch(/federation-ca_key/);
      expect(name).not.toMatch(/federation-ca_key/);
    }
    for (const name of SITE_STACKS) expect(JSON.stringify(out.stacks.get(name))).not.toMatch(/federation-ca_key|ca_private_key/);
  });

  test('node certificates: CN = FQDN, EKU by role, validity and early renewal from the spec', () => {
    const certs = out.stacks.get('semstreams-pki').resource.tls_locally_signed_cert as Record<string, any>;
    // CSRs are made beside their keys, in each site's keys stack.
    const csrs = Object.assign({}, ...SITE_STACKS.map((n) => out.stacks.get(n.replace('semstreams-', 'semstreams-keys-')).resource.tls_cert_request)) as Record<string, any>;
    const byNode = (id: string) => Object.entries(certs).find(([k]) => k.startsWith(`node-${id}_`))![1];
    const csrOf = (id: string) => Object.entries(csrs).find(([k]) => k.startsWith(`node-${id}_`))![1];
    expect(byNode('location-a').allowed_uses).toEqual(['digital_signature', 'server_auth']);
    expect(byNode('location-b').allowed_uses).toEqual(['digital_signature', 'server_auth', 'client_auth']);
    expect(byNode('location-c').allowed_uses).toEqual(['digital_signature', 'client_auth']);
    expect(byNode('loom').allowed_uses).toEqual(['digital_signature', 'server_auth']);
    for (const id of ['location-a', 'location-b', 'location-c']) {
      expect(byNode(id)).toMatchObject({ validity_period_hours: 90 * 24, early_renewal_hours: 30 * 24, is_ca_certificate: false });
      expect(csrOf(id).subject[0].common_name).toBe(`${id}.semstreams.local`);
      expect(csrOf(id).dns_names).toEqual([`${id}.semstreams.local`]);
    }
    const ca = Object.values(out.stacks.get('semstreams-pki').resource.tls_self_signed_cert as Record<string, any>)[0];
    expect(ca.is_ca_certificate).toBe(true);
    expect(ca.allowed_uses).toEqual(['cert_signing', 'crl_signing', 'digital_signature']);
  });

  test('containers: FQDN aliases, published output ports, host-gateway route to upstreams on other sites', () => {
    const b = containerOf(out.stacks.get('semstreams-location-b'), 'location-b');
    expect(b.networks_advanced[0].aliases).toEqual(['location-b.semstreams.local']);
    expect(b.ports).toEqual([{ internal: 9001, external: 9001, ip: '0.0.0.0' }]);
    expect(b.host).toEqual([{ host: 'location-a.semstreams.local', ip: 'host-gateway' }]);
    expect(b.restart).toBe('unless-stopped');
    expect(containerOf(out.stacks.get('semstreams-location-a'), 'location-a').host).toEqual([]);
  });

  test('each site stack has its own Docker provider and network', () => {
    for (const name of SITE_STACKS) {
      const s = out.stacks.get(name);
      expect(s.provider.docker).toEqual([{ host: 'unix:///var/run/docker.sock' }]);
      expect(Object.values(s.resource.docker_network as Record<string, any>).map((n) => n.name)).toEqual([name]);
    }
  });

  test('outputs for reviewers and the Loom client command', () => {
    const pki = out.stacks.get('semstreams-pki');
    expect(pki.output.node_location_b.value).toMatchObject({
      site: 'location-b', tier: 'manual', cn: 'location-b.semstreams.local', dns_sans: ['location-b.semstreams.local'],
      eku: ['serverAuth', 'clientAuth'], validity_hours: 2160, early_renewal_hours: 720, config_path: '/etc/semstreams/config.json',
    });
    expect(pki.output.node_location_b.value.not_after).toMatch(/validity_end_time/);
    expect(out.stacks.get('semstreams-location-a').output.loom_loom_client_command.value)
      .toBe('loom --tls --tls-ca-file federation-ca.pem --server loom.semstreams.local:60051');
  });
});
