import { join } from 'path';
import { parse } from 'yaml';
import { loadSpecFile } from '../model/load';
import { SemStreamsNodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { renderSemStreamsConfig } from '../render/semstreams-config';
import { renderStepCaConfig } from '../render/step-ca-config';
import { containerOf, exampleCopy, synth, uploadsOf } from './helpers';

const SPEC_PATH = join(__dirname, '..', 'examples', 'three-locations-acme.yaml');
const spec = () => JSON.parse(JSON.stringify(loadSpecFile(SPEC_PATH)));
const out = synth(spec());
/** The example with Loom owning its ports (no gateway): Loom takes its certificate from step-ca itself. */
const ownTlsSpec = (renewBeforeDays = 1) => {
  const s = spec();
  Object.assign(s.sites[0].nodes[1], { gateway: { enabled: false }, tls: { mtls: false, letsencrypt: { acceptTos: true, renewBeforeDays } } });
  delete s.sites[0].nodes[1].allowedClients;
  return s;
};
const STACKS = ['semstreams-keys-location-a', 'semstreams-keys-location-b', 'semstreams-keys-location-c', 'semstreams-keys-step-ca',
  'semstreams-location-a', 'semstreams-location-b', 'semstreams-location-c', 'semstreams-pki', 'semstreams-pki-public', 'semstreams-step-ca'];

describe('synth of the tier acme example', () => {
  test('writes pki, step-ca and one stack per site', () => {
    expect([...out.stacks.keys()].sort()).toEqual(STACKS);
  });

  test.each(STACKS)('stack %s matches its snapshot', (name) => {
    expect(out.stacks.get(name)).toMatchSnapshot();
  });

  test('no private key text anywhere in cdktf.out, and two synths are byte-identical', () => {
    const again = synth(spec());
    for (const [path, text] of out.files) {
      expect({ path, hasKey: /PRIVATE KEY/.test(text) }).toEqual({ path, hasKey: false });
      expect(again.files.get(path)).toBe(text);
    }
  });

  test('the pki stack issues step-ca an intermediate CA signed by the root', () => {
    const pki = out.stacks.get('semstreams-pki');
    const inter = Object.entries(pki.resource.tls_locally_signed_cert as Record<string, any>).find(([k]) => k === 'step-ca-intermediate')![1];
    expect(inter).toMatchObject({ is_ca_certificate: true, allowed_uses: ['cert_signing', 'crl_signing', 'digital_signature'], validity_period_hours: 365 * 24 });
    expect(inter.ca_private_key_pem).toMatch(/^\$\{tls_private_key\.federation-ca\.private_key_pem\}$/);
  });

  test('step-ca gets root, intermediate and its key (0600) and never the root key', () => {
    const s = out.stacks.get('semstreams-step-ca');
    const container = Object.values(s.resource.docker_container as Record<string, any>)[0];
    const uploads = new Map<string, any>(container.upload.map((u: any) => [u.file, u]));
    expect([...uploads.keys()].sort()).toEqual(['/home/step/certs/intermediate_ca.crt', '/home/step/certs/root_ca.crt', '/home/step/config/ca.json', '/home/step/secrets/intermediate_ca_key']);
    expect(uploads.get('/home/step/secrets/intermediate_ca_key').permissions).toBe('0600');
    expect(uploads.get('/home/step/secrets/intermediate_ca_key').content).toMatch(/tls_private_keystep-ca-intermediateprivate_key_pem/);
    expect(JSON.stringify(s)).not.toMatch(/tls_private_key\.?federation-ca/);
    expect(container.mounts).toEqual([{ type: 'volume', source: '${docker_volume.step-ca.name}', target: '/home/step/db' }]);
    expect(container.healthcheck.test).toEqual(['CMD', 'step', 'ca', 'health', '--ca-url', 'https://step-ca.semstreams.local:9000', '--root', '/home/step/certs/root_ca.crt']);
    expect(container.networks_advanced).toEqual([{ name: '${docker_network.acme-network.name}', aliases: ['step-ca.semstreams.local'] }]);
    // The official image's step-ca binary carries NET_BIND_SERVICE as a file capability: the kernel refuses to
    // exec it unless that capability is in the bounding set. Everything else stays dropped.
    expect(container.capabilities).toEqual({ drop: ['ALL'], add: ['CAP_NET_BIND_SERVICE'] });
    expect(container.security_opts).toEqual(['no-new-privileges:true']);
    expect(s.output.acme_directory_url.value).toBe('https://step-ca.semstreams.local:9000/acme/acme/directory');
  });

  test('Loom on its own ACME (no gateway) trusts step-ca through LEGO_CA_CERTIFICATES naming the uploaded federation root', () => {
    const c = containerOf(synth(ownTlsSpec()).stacks.get('semstreams-location-a'), 'loom');
    expect(c.env).toEqual(['LOOM_DATA_DIR=/var/lib/loom', 'LEGO_CA_CERTIFICATES=/etc/loom/certs/ca.crt']);
    expect(c.upload.map((u: any) => u.file)).toContain('/etc/loom/certs/ca.crt');
  });

  test('SemStreams trusts step-ca through LEGO_CA_CERTIFICATES, never ca_bundle, whose client has no timeouts', () => {
    // With ca_bundle set, SemStreams (a12473c) gives lego an HTTP client without timeouts: a hung step-ca held a
    // restarting hub with no listener for as long as it hung. Without it lego's own client (30 s handshake and
    // header timeouts) applies, trusting the file this variable names, and the node falls back in bounded time.
    for (const site of ['location-a', 'location-b', 'location-c']) {
      const stack = out.stacks.get(`semstreams-${site}`);
      const c = containerOf(stack, site);
      expect(c.env).toEqual(['LEGO_CA_CERTIFICATES=/certs/federation-ca.pem']);
      expect(c.upload.map((u: any) => u.file)).toContain('/certs/federation-ca.pem');
      const config = uploadsOf(stack, site).get('/etc/semstreams/config.json')!.content;
      expect(config).not.toContain('ca_bundle');
    }
  });

  test('tier manual SemStreams gets no ACME environment', () => {
    const manual = synth(exampleCopy());
    expect(containerOf(manual.stacks.get('semstreams-location-b'), 'location-b').env).toBeUndefined();
  });

  test('tier-acme nodes join the ACME network and keep ACME state on a named volume; sites deploy after step-ca', () => {
    const manifest = JSON.parse(out.files.get('manifest.json')!);
    for (const site of ['location-a', 'location-b', 'location-c']) {
      const stack = out.stacks.get(`semstreams-${site}`);
      const c = containerOf(stack, site);
      expect(c.networks_advanced.map((n: any) => n.name)).toEqual(['${docker_network.network.name}', 'semstreams-acme']);
      expect(c.mounts).toEqual([{ type: 'volume', source: expect.stringMatching(/^\$\{docker_volume\./), target: '/data/acme' }]);
      const volume = Object.values(stack.resource.docker_volume as Record<string, any>).find((v) => v.name === `semstreams-${site}-acme`);
      expect(volume).toBeDefined();
      expect(manifest.stacks[`semstreams-${site}`].dependencies.sort()).toEqual([`semstreams-keys-${site}`, 'semstreams-pki-public', 'semstreams-step-ca']);
    }
    expect(manifest.stacks['semstreams-step-ca'].dependencies.sort()).toEqual(['semstreams-keys-step-ca', 'semstreams-pki-public']);
  });

  test('location-b\'s deployed config: ACME on both sides, federation certificate as fallback, mTLS as in tier manual', () => {
    const config = JSON.parse(uploadsOf(out.stacks.get('semstreams-location-b'), 'location-b').get('/etc/semstreams/config.json')!.content);
    const acme = {
      enabled: true,
      directory_url: 'https://step-ca.semstreams.local:9000/acme/acme/directory',
      email: 'ops@semstreams.local',
      domains: ['location-b.semstreams.local'],
      challenge_type: 'http-01',
      renew_before: '8h',
    };
    expect(config.security.tls.server).toEqual({
      enabled: true,
      mode: 'acme',
      cert_file: '/certs/location-b-cert.pem',
      key_file: '/certs/location-b-key.pem',
      min_version: '1.2',
      // The hub's server side answers tls-alpn-01 (:443) so its two ACME clients do not both bind :80.
      acme: { ...acme, challenge_type: 'tls-alpn-01', storage_path: '/data/acme/server' },
      mtls: { enabled: true, client_ca_files: ['/certs/federation-ca.pem'], require_client_cert: true, allowed_client_cns: ['location-c.semstreams.local'] },
    });
    expect(config.security.tls.client).toEqual({
      mode: 'acme',
      ca_files: ['/certs/federation-ca.pem'],
      insecure_skip_verify: false,
      min_version: '1.2',
      acme: { ...acme, storage_path: '/data/acme/client' },
      mtls: { enabled: true, cert_file: '/certs/location-b-cert.pem', key_file: '/certs/location-b-key.pem' },
    });
    expect(config.components['from-location-a'].config.client.url).toBe('wss://location-a.semstreams.local:9000/ws');
  });

  test('Loom behind its gateway: the federation-issued certificate, no ACME, no cache volume', () => {
    const stack = out.stacks.get('semstreams-location-a');
    expect(parse(uploadsOf(stack, 'loom').get('/etc/loom/looms.yaml')!.content).server.tls).toEqual({ enabled: false });
    // Only its data volume: no ACME cache.
    expect(containerOf(stack, 'loom').mounts).toEqual([{ type: 'volume', source: '${docker_volume.semstreams-loom-data.name}', target: '/var/lib/loom' }]);
    expect(uploadsOf(stack, 'loom', 'mtls-gateway').get('/usr/local/etc/haproxy/certs/server.pem')!.content)
      .toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-semstreams-pki-public\.outputs\.[\w-]*node_loom_cert_pem\}$/);
    // Its key from the site's keys stack, never the pki state, and kept out of plan output.
    expect(uploadsOf(stack, 'loom', 'mtls-gateway').get('/usr/local/etc/haproxy/certs/server.pem.key')!.content)
      .toMatch(/^\$\{sensitive\(data\.terraform_remote_state\.cross-stack-reference-input-semstreams-keys-location-a\.outputs\.[\w-]+\)\}$/);
    expect(containerOf(stack, 'loom', 'network-namespace').ports).toEqual([{ internal: 60051, external: 60051, ip: '0.0.0.0' }, { internal: 8080, external: 8080, ip: '0.0.0.0' }]);
  });

  test('Loom without the gateway uses step-ca\'s Loom provisioner, with its cache on a named volume', () => {
    const stack = synth(ownTlsSpec()).stacks.get('semstreams-location-a');
    const looms = parse(uploadsOf(stack, 'loom').get('/etc/loom/looms.yaml')!.content);
    expect(looms.server.tls).toEqual({
      enabled: true,
      mode: 'letsencrypt',
      letsencrypt: {
        domains: ['loom.semstreams.local'],
        email: 'ops@semstreams.local',
        acme_directory_url: 'https://step-ca.semstreams.local:9000/acme/acme-loom/directory',
        http_challenge_port: 80,
        cache_dir: '/var/loom/letsencrypt',
        auto_renew: true,
        renew_before_days: 1,
        accept_tos: true,
      },
    });
    const c = containerOf(stack, 'loom');
    expect(c.mounts).toEqual([
      { type: 'volume', source: expect.stringMatching(/^\$\{docker_volume\./), target: '/var/lib/loom' },
      { type: 'volume', source: expect.stringMatching(/^\$\{docker_volume\./), target: '/var/loom/letsencrypt' },
    ]);
    // On step-ca's host the challenge travels over the ACME network: nothing extra is published.
    expect(c.ports).toEqual([{ internal: 60051, external: 60051, ip: '0.0.0.0' }, { internal: 8080, external: 8080, ip: '0.0.0.0' }]);
  });
});

describe('renderStepCaConfig', () => {
  const model = resolveFederation(spec());
  const ca = renderStepCaConfig(model.stepCa!) as any;

  test('rooted in the federation root, signing with the intermediate, TLS 1.2+', () => {
    expect(ca).toMatchObject({
      root: '/home/step/certs/root_ca.crt',
      crt: '/home/step/certs/intermediate_ca.crt',
      key: '/home/step/secrets/intermediate_ca_key',
      address: ':9000',
      dnsNames: ['step-ca.semstreams.local'],
      db: { type: 'badgerv2', dataSource: '/home/step/db' },
      tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
    });
  });

  test('signs only the federation\'s names', () => {
    expect(ca.authority.policy).toEqual({ x509: { allow: { dns: ['semstreams.local', '*.semstreams.local'] } } });
  });

  test('ACME provisioners: 24h for SemStreams; Loom\'s (when Loom owns its ports) lasts its renewal window plus two daily checks', () => {
    expect(ca.authority.provisioners.map((p: any) => p.name)).toEqual(['acme']);
    expect((renderStepCaConfig(resolveFederation(ownTlsSpec()).stepCa!) as any).authority.provisioners).toEqual([
      { type: 'ACME', name: 'acme', forceCN: true, challenges: ['http-01', 'tls-alpn-01'], claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '24h', defaultTLSCertDuration: '24h' } },
      { type: 'ACME', name: 'acme-loom', forceCN: true, challenges: ['http-01', 'tls-alpn-01'], claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '72h', defaultTLSCertDuration: '72h' } },
    ]);
  });

  test('a longer Loom renewal window lengthens Loom\'s certificates, never SemStreams\'', () => {
    const s = ownTlsSpec(7);
    const provisioners = (renderStepCaConfig(resolveFederation(s).stepCa!) as any).authority.provisioners;
    expect(provisioners.map((p: any) => [p.name, p.claims.defaultTLSCertDuration])).toEqual([['acme', '24h'], ['acme-loom', '216h']]);
  });

  test('no Loom under step-ca: one provisioner', () => {
    const s = spec();
    s.sites[0].nodes[1].tls = { mode: 'manual' };
    expect((renderStepCaConfig(resolveFederation(s).stepCa!) as any).authority.provisioners.map((p: any) => p.name)).toEqual(['acme']);
  });
});

describe('tier acme routing', () => {
  test('a node on another Docker host reaches step-ca through its site address, and publishes its challenge port', () => {
    const s = spec();
    s.stepCa.port = 9443;
    s.sites[0].docker = { address: '192.0.2.1' };
    s.sites[2].docker = { host: 'ssh://deploy@site-c.example.net', address: '192.0.2.3' };
    const model = resolveFederation(s);
    const c = model.nodes.find((n) => n.id === 'location-c') as SemStreamsNodeModel;
    expect(c.extraNetworks).toEqual([]);
    // location-b's site has no address: C resolves B through DNS; step-ca's site has one.
    expect(c.extraHosts).toEqual([{ host: 'step-ca.semstreams.local', ip: '192.0.2.1' }]);
    expect(c.publishedPorts).toEqual([80]);
    expect(model.stepCa!.publishedPorts).toEqual([9443]);
    expect(model.stepCa!.extraHosts).toEqual([{ host: 'location-c.semstreams.local', ip: '192.0.2.3' }]);
    expect((renderSemStreamsConfig(c, model) as any).security.tls.client.acme.directory_url).toBe('https://step-ca.semstreams.local:9443/acme/acme/directory');
  });
});

describe('a hub\'s two ACME clients never bind the same port', () => {
  const fed = resolveFederation(spec());
  const node = (id: string) => fed.nodes.find((n) => n.id === id) as SemStreamsNodeModel;
  const sides = (id: string) => {
    const tls = renderSemStreamsConfig(node(id), fed).security as any;
    return { server: tls.tls.server?.acme?.challenge_type, client: tls.tls.client?.acme?.challenge_type };
  };

  test('location-b (serves and dials): client side http-01 (:80) as the spec says, server side tls-alpn-01 (:443)', () => {
    // SemStreams binds :80 for http-01 and :443 for tls-alpn-01, once per ACME client.
    expect(sides('location-b')).toEqual({ server: 'tls-alpn-01', client: 'http-01' });
  });

  test('one-sided nodes keep the spec\'s challenge type', () => {
    expect(sides('location-a')).toEqual({ server: 'http-01', client: undefined });
    expect(sides('location-c')).toEqual({ server: undefined, client: 'http-01' });
  });

  test('with tls-alpn-01 in the spec the hub swaps: client tls-alpn-01, server http-01', () => {
    const s = spec();
    s.acme.challengeType = 'tls-alpn-01';
    const f = resolveFederation(s);
    const b = f.nodes.find((n) => n.id === 'location-b') as SemStreamsNodeModel;
    const tls = (renderSemStreamsConfig(b, f).security as any).tls;
    expect([tls.server.acme.challenge_type, tls.client.acme.challenge_type]).toEqual(['http-01', 'tls-alpn-01']);
  });

  test('a hub on another Docker host than step-ca publishes both challenge ports', () => {
    const s = spec();
    s.sites[0].docker = { host: 'ssh://ops@a.example', address: '192.0.2.10' };
    s.sites[1].docker = { host: 'ssh://ops@b.example', address: '192.0.2.11' };
    s.sites[2].docker = { host: 'ssh://ops@c.example', address: '192.0.2.12' };
    s.stepCa.port = 9443; // location-a's output already publishes 9000 on that host
    const b = resolveFederation(s).nodes.find((n) => n.id === 'location-b')!;
    expect([...b.publishedPorts].sort((x, y) => x - y)).toEqual([80, 443, 9001]);
  });

  test('validation counts a remote hub\'s second challenge port: another node on its host publishing 443 clashes', () => {
    const s = spec();
    s.sites[0].docker = { host: 'ssh://ops@a.example', address: '192.0.2.10' };
    s.sites[1].docker = { host: 'ssh://ops@b.example', address: '192.0.2.11' };
    s.sites[2].docker = { host: 'ssh://ops@c.example', address: '192.0.2.12' };
    s.stepCa.port = 9443;
    // location-c (client only, http-01 on :80) moves onto location-b's machine and serves on 443.
    s.sites[2].docker = { host: 'ssh://ops@b.example', address: '192.0.2.11' };
    s.sites[2].nodes[0].output = { port: 443, path: '/ws' };
    expect(() => resolveFederation(s)).toThrow(/port 443 is already published on Docker host 192\.0\.2\.11 by node location-b \(site location-b, acme\.challengeType \(the server side answers the other challenge\)\)/);
  });
});
