import { parse } from 'yaml';
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

  test('each site runs NATS with JetStream on a named volume, hardened, and SemStreams starts after it', () => {
    for (const name of SITE_STACKS) {
      const stack = out.stacks.get(name);
      const site = name.replace('semstreams-', '');
      const nats = Object.entries(stack.resource.docker_container as Record<string, any>).find(([, c]) => c.name === `semstreams-${site}-nats`)!;
      const [natsId, c] = nats;
      expect(c.command.slice(0, 2)).toEqual(['-js', '-sd']);
      expect(c.command[2]).toMatch(/^\/data\/jetstream-[0-9a-f]{16}$/);
      const volume = Object.entries(stack.resource.docker_volume as Record<string, any>).find(([, v]) => v.name === `semstreams-${site}-nats-store`)!;
      expect(c.mounts).toEqual([{ type: 'volume', source: `\${docker_volume.${volume[0]}.name}`, target: '/data' }]);
      expect(c.capabilities).toEqual({ drop: ['ALL'] });
      expect(c.security_opts).toEqual(['no-new-privileges:true']);
      expect(c.networks_advanced[0].aliases).toEqual(['nats']);
      expect(containerOf(stack, site).depends_on).toEqual([`docker_container.${natsId}`]);
    }
  });

  test('a changed link port gives a new NATS store to the two sites whose configs name it; a TLS setting to none', () => {
    const storeOf = (o: typeof out, site: string) => Object.values(o.stacks.get(`semstreams-${site}`).resource.docker_container as Record<string, any>)
      .find((c) => c.name === `semstreams-${site}-nats`).command[2];
    const moved = exampleSpec() as any;
    moved.sites[1].nodes[0].output.port = 9101;
    const after = synth(moved);
    expect(storeOf(after, 'location-a')).toBe(storeOf(out, 'location-a'));
    expect(storeOf(after, 'location-b')).not.toBe(storeOf(out, 'location-b'));
    expect(storeOf(after, 'location-c')).not.toBe(storeOf(out, 'location-c'));
    const tls13 = exampleSpec() as any;
    tls13.tls.minVersion = '1.3';
    const other = synth(tls13);
    for (const site of ['location-a', 'location-b', 'location-c']) expect(storeOf(other, site)).toBe(storeOf(out, site));
  });

  test('location-a\'s deployed config admits exactly location-b', () => {
    const uploads = uploadsOf(out.stacks.get('semstreams-location-a'), 'location-a');
    const config = JSON.parse(uploads.get('/etc/semstreams/config.json')!.content);
    expect(config.security.tls.server.mtls.allowed_client_cns).toEqual(['location-b.semstreams.local']);
    expect(config.security.tls.server.mtls.require_client_cert).toBe(true);
  });

  test('every path a config names is uploaded; keys 0600, the rest 0644', () => {
    for (const [stack, node, cert, key, ca, role] of [
      ['semstreams-location-a', 'location-a', '/certs/location-a-cert.pem', '/certs/location-a-key.pem', '/certs/federation-ca.pem'],
      ['semstreams-location-b', 'location-b', '/certs/location-b-cert.pem', '/certs/location-b-key.pem', '/certs/federation-ca.pem'],
      ['semstreams-location-c', 'location-c', '/certs/location-c-cert.pem', '/certs/location-c-key.pem', '/certs/federation-ca.pem'],
      // Loom's TLS material is its gateway's: HAProxy reads the key from <crt>.key beside the certificate.
      ['semstreams-location-a', 'loom', '/usr/local/etc/haproxy/certs/server.pem', '/usr/local/etc/haproxy/certs/server.pem.key', '/usr/local/etc/haproxy/certs/federation-ca.pem', 'mtls-gateway'],
    ] as const) {
      const uploads = uploadsOf(out.stacks.get(stack), node, role);
      const configText = [...uploads.values()].find((u: any) => /^\/(etc|usr\/local\/etc)\//.test(u.file) && !u.file.includes('/certs/') && !u.file.includes('/errors/'))!.content;
      for (const path of role ? [cert, ca] : [cert, key, ca]) expect(configText).toContain(path);
      if (role) expect(key).toBe(`${cert}.key`);
      expect(uploads.get(key)!.permissions).toBe('0600');
      expect(uploads.get(cert)!.permissions).toBe('0644');
      expect(uploads.get(ca)!.permissions).toBe('0644');
      expect(uploads.get(key)!.content).toMatch(/^\$\{sensitive\(data\.terraform_remote_state\..*tls_private_key.*private_key_pem\)\}$/);
    }
  });

  test('Loom behind its gateway: a namespace holder owns the aliases and published ports; gateway and Loom join it', () => {
    const a = out.stacks.get('semstreams-location-a');
    const holder = containerOf(a, 'loom', 'network-namespace');
    const gateway = containerOf(a, 'loom', 'mtls-gateway');
    const loom = containerOf(a, 'loom');
    expect(holder).toMatchObject({ name: 'semstreams-loom-netns', command: ['sleep', 'infinity'], user: '65534:65534', capabilities: { drop: ['ALL'] } });
    // Bound to the site's docker.bindAddress (default every interface).
    expect(holder.ports).toEqual([{ internal: 60051, external: 60051, ip: '0.0.0.0' }, { internal: 8080, external: 8080, ip: '0.0.0.0' }]);
    expect(holder.networks_advanced).toEqual([{ name: '${docker_network.network.name}', aliases: ['loom.semstreams.local'] }]);
    expect(holder.upload).toBeUndefined();
    const holderRef = 'container:${docker_container.loom-netns.id}';
    for (const c of [gateway, loom]) {
      expect(c.network_mode).toEqual(holderRef);
      expect(c.ports).toBeUndefined();
      expect(c.networks_advanced).toBeUndefined();
    }
    expect(gateway.network_mode).toBe(loom.network_mode);
    expect(gateway).toMatchObject({ name: 'semstreams-loom-gateway', image: '${docker_image.haproxy.image_id}', command: ['haproxy', '-W', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg'] });
    // Loom holds no TLS material: only its looms.yaml, which listens on loopback with TLS off.
    expect(loom.upload.map((u: any) => u.file)).toEqual(['/etc/loom/looms.yaml']);
    const looms = parse(loom.upload[0].content);
    expect(looms.server).toEqual({ host: '127.0.0.1', port: 50051, http_port: 50080, tls: { enabled: false } });
    const cfg = uploadsOf(a, 'loom', 'mtls-gateway').get('/usr/local/etc/haproxy/haproxy.cfg')!.content;
    expect(cfg).toContain('server loom 127.0.0.1:50051 proto h2');
    expect(cfg).toContain('server loom 127.0.0.1:50080\n');
    expect(cfg).toMatch(/bind :::60051 v4v6 ssl .* verify required alpn h2 proto h2/);
    expect(cfg).toMatch(/acl fpki_allowed_client ssl_c_s_dn\(,0,rfc2253\) -m str "CN=location-b\.semstreams\.local,O=semstreams"\n/);
  });

  test('a SemStreams node on a Loom allow-list gets clientAuth', () => {
    const certs = out.stacks.get('semstreams-pki').resource.tls_locally_signed_cert as Record<string, any>;
    const eku = (id: string) => certs[id].allowed_uses;
    expect(eku('location-b')).toContain('client_auth');
    expect(eku('loom')).not.toContain('client_auth');
  });

  test('the CA key never reaches a site: pki outputs used by sites carry no CA key, and every cross-stack output is sensitive', () => {
    const pki = out.stacks.get('semstreams-pki');
    const crossOutputs = Object.entries(pki.output as Record<string, any>).filter(([k]) => k.startsWith('cross-stack-output-'));
    expect(crossOutputs.length).toBeGreaterThan(0);
    for (const [name, o] of crossOutputs) {
      expect(o.sensitive).toBe(true);
      expect(o.value).not.toMatch(/tls_private_key\.?federation-ca/);
      expect(name).not.toMatch(/tls_private_key\.?federation-ca/);
    }
    for (const name of SITE_STACKS) expect(JSON.stringify(out.stacks.get(name))).not.toMatch(/tls_private_key\.?federation-ca|ca_private_key/);
  });

  test('node certificates: CN = FQDN, EKU by role, validity and early renewal from the spec', () => {
    const certs = out.stacks.get('semstreams-pki').resource.tls_locally_signed_cert as Record<string, any>;
    // CSRs are made beside their keys, in each site's keys stack.
    const csrs = Object.assign({}, ...SITE_STACKS.map((n) => out.stacks.get(n.replace('semstreams-', 'semstreams-keys-')).resource.tls_cert_request)) as Record<string, any>;
    const byNode = (id: string) => Object.entries(certs).find(([k]) => k === id)![1];
    const csrOf = (id: string) => Object.entries(csrs).find(([k]) => k === id)![1];
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

test('Loom keeps its data (LOOM_DATA_DIR) on a named volume: it exits at start without a writable data dir', () => {
  const stack = out.stacks.get('semstreams-location-a');
  const c = containerOf(stack, 'loom');
  expect(c.env).toEqual(['LOOM_DATA_DIR=/var/lib/loom']);
  const volume = Object.entries(stack.resource.docker_volume as Record<string, any>).find(([, v]) => v.name === 'semstreams-loom-data')!;
  expect(c.mounts).toEqual([{ type: 'volume', source: `\${docker_volume.${volume[0]}.name}`, target: '/var/lib/loom' }]);
});
