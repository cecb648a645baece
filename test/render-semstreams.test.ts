import { SemStreamsNodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { renderSecurity, renderSemStreamsConfig, renderSemStreamsConfigFile } from '../render/semstreams-config';
import { exampleCopy } from './helpers';

function configs(mutate: (spec: any) => void = () => undefined) {
  const spec = exampleCopy();
  mutate(spec);
  const fed = resolveFederation(spec);
  const node = (id: string) => fed.nodes.find((n) => n.id === id) as SemStreamsNodeModel;
  return { fed, node, config: (id: string) => renderSemStreamsConfig(node(id), fed) as any };
}

describe('renderSemStreamsConfig on the guide federation (tier manual)', () => {
  const { config } = configs();

  test('location-a (sensor gateway) serves with mTLS admitting exactly location-b', () => {
    const server = config('location-a').security.tls.server;
    expect(server).toEqual({
      enabled: true,
      mode: 'manual',
      cert_file: '/certs/location-a-cert.pem',
      key_file: '/certs/location-a-key.pem',
      min_version: '1.2',
      mtls: {
        enabled: true,
        client_ca_files: ['/certs/federation-ca.pem'],
        require_client_cert: true,
        allowed_client_cns: ['location-b.semstreams.local'],
      },
    });
    expect(config('location-a').security.tls.client).toBeUndefined();
  });

  test('location-b (hub) has both sides: serves C only, dials A with its certificate', () => {
    const tls = config('location-b').security.tls;
    expect(tls.server.mtls.allowed_client_cns).toEqual(['location-c.semstreams.local']);
    expect(tls.client).toEqual({
      mode: 'manual',
      ca_files: ['/certs/federation-ca.pem'],
      insecure_skip_verify: false,
      min_version: '1.2',
      mtls: { enabled: true, cert_file: '/certs/location-b-cert.pem', key_file: '/certs/location-b-key.pem' },
    });
  });

  test('location-c (sink) only dials', () => {
    const tls = config('location-c').security.tls;
    expect(tls.server).toBeUndefined();
    expect(tls.client.mtls.cert_file).toBe('/certs/location-c-cert.pem');
  });

  test('components are a map in the shape the real program loads', () => {
    const a = config('location-a');
    expect(Object.keys(a.components)).toEqual(['federation-output']);
    const out = a.components['federation-output'];
    expect(out).toMatchObject({ type: 'output', name: 'websocket', enabled: true });
    // Port and path come from ports.outputs[0].subject, literally http:// even with TLS.
    expect(out.config.ports.outputs[0].subject).toBe('http://0.0.0.0:9000/ws');
    expect(out.config.port).toBeUndefined();

    const b = config('location-b');
    expect(Object.keys(b.components).sort()).toEqual(['federation-output', 'from-location-a']);
    expect(b.components['from-location-a']).toMatchObject({
      type: 'input',
      name: 'websocket_input',
      enabled: true,
      config: { mode: 'client', client: { url: 'wss://location-a.semstreams.local:9000/ws' } },
    });
    expect(b.components['federation-output'].config.ports.outputs[0].subject).toBe('http://0.0.0.0:9001/ws');
    expect(config('location-c').components['from-location-b'].config.client.url).toBe('wss://location-b.semstreams.local:9001/ws');
  });

  test('nats, platform and version are present', () => {
    const c = config('location-c');
    expect(c.nats).toEqual({ urls: ['nats://nats:4222'] });
    expect(c.platform).toEqual({ org: 'semstreams', id: 'location-c', type: 'edge' });
    // major.minor.patch, which SemStreams parses (anything else makes it boot from its stored config).
    expect(c.version).toMatch(/^1\.0\.\d+$/);
  });

  test('reconnect retries forever with a real backoff, durations in integer nanoseconds', () => {
    // SemStreams replaces its defaults with this object: without intervals, ten retries pass in under a second.
    expect(config('location-c').components['from-location-b'].config.client.reconnect).toEqual({
      enabled: true, max_retries: 0, initial_interval: 1_000_000_000, max_interval: 10_000_000_000, multiplier: 2,
    });
    const r = config('location-b').components['from-location-a'].config.client.reconnect;
    for (const k of ['initial_interval', 'max_interval']) expect(Number.isInteger(r[k]) && r[k] >= 1e9).toBe(true);
  });

  test('input ports carry the only names SemStreams reads: ws_data and ws_control', () => {
    const outputs = config('location-b').components['from-location-a'].config.ports.outputs;
    expect(outputs.map((p: any) => [p.name, p.subject])).toEqual([['ws_data', 'federated.data'], ['ws_control', 'federated.control']]);
  });
});

describe('config version', () => {
  const version = (mutate: (spec: any) => void, id = 'location-c') => configs(mutate).config(id).version;
  const base = version(() => undefined);

  test('changes when a stored part changes: an upstream port, a subject, the platform type, the NATS URL', () => {
    expect(version((s) => { s.sites[1].nodes[0].output.port = 9101; })).not.toBe(base);
    expect(version((s) => { s.sites[1].nodes[0].output.path = '/fed'; })).not.toBe(base);
    expect(version((s) => { s.sites[2].nodes[0].platformType = 'sink'; })).not.toBe(base);
    expect(version((s) => { s.sites[2].nats = { urls: ['nats://nats.example:4222'] }; })).not.toBe(base);
    expect(version((s) => { s.sites[1].nodes[0].output.subjects = ['other.subject']; }, 'location-b'))
      .not.toBe(version(() => undefined, 'location-b'));
  });

  test('stays put when only security changes (SemStreams does not store it, so TLS changes apply anyway)', () => {
    expect(version((s) => { s.tls.minVersion = '1.3'; })).toBe(base);
    expect(version((s) => { s.links.push({ from: 'location-a', to: 'location-c' }); }, 'location-a'))
      .toBe(version(() => undefined, 'location-a'));
  });

  test('is the same on every synth', () => expect(version(() => undefined)).toBe(base));
});

describe('allow-lists come from links', () => {
  test('two clients of one output are both admitted, sorted, and nobody else', () => {
    const { config } = configs((s) => { s.links.push({ from: 'location-a', to: 'location-c' }); });
    expect(config('location-a').security.tls.server.mtls.allowed_client_cns).toEqual(['location-b.semstreams.local', 'location-c.semstreams.local']);
    expect(Object.keys(config('location-c').components).sort()).toEqual(['from-location-a', 'from-location-b']);
  });

  test('require_client_cert follows the spec; mtls off renders enabled false and no client certificate', () => {
    expect(configs((s) => { s.sites[0].nodes[0].requireClientCert = false; }).config('location-a').security.tls.server.mtls.require_client_cert).toBe(false);
    const { config } = configs((s) => { s.tls.mtls = false; delete s.sites[0].nodes[1].tls.requireClientCert; s.sites[0].nodes[1].tls.mtls = false; });
    expect(config('location-a').security.tls.server.mtls).toEqual({ enabled: false });
    expect(config('location-c').security.tls.client.mtls).toEqual({ enabled: false });
  });

  test('min_version 1.3 reaches both sides', () => {
    const tls = configs((s) => { s.tls.minVersion = '1.3'; }).config('location-b').security.tls;
    expect([tls.server.min_version, tls.client.min_version]).toEqual(['1.3', '1.3']);
  });
});

describe('tier none', () => {
  test('renders "security": {} and ws:// URLs', () => {
    const { node, config } = configs((s) => { s.tier = 'none'; delete s.sites[0].nodes[1].tls; });
    expect(config('location-b').security).toEqual({});
    expect(renderSecurity(node('location-a'))).toEqual({});
    expect(config('location-c').components['from-location-b'].config.client.url).toBe('ws://location-b.semstreams.local:9001/ws');
  });
});

test('the file is stable two-space JSON ending in a newline', () => {
  const { fed, node } = configs();
  const text = renderSemStreamsConfigFile(node('location-b'), fed);
  expect(text.endsWith('}\n')).toBe(true);
  expect(JSON.parse(text)).toEqual(renderSemStreamsConfig(node('location-b'), fed));
  expect(renderSemStreamsConfigFile(node('location-b'), fed)).toBe(text);
});
