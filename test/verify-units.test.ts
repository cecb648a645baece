/** verify's pure parts: targets from the spec, endpoint overrides, messages, and the legacy-TLS judgement. */
import { exampleSpec } from '../model/example';
import { resolveFederation } from '../model/resolve';
import {
  checkLegacy, CheckResult, dialRouteOf, engineHostOf, explainRefusal, explainServerCertificate, parseEndpointOverride, probe, renderJson, renderTable, targetsOf,
} from '../verify';
import { exampleCopy } from './helpers';

const model = resolveFederation(exampleSpec());

describe('targets from the spec', () => {
  test('the example: both websocket outputs and both of Loom\'s gateway ports, at their FQDNs, with the plan\'s expectations', () => {
    const { targets, unverified } = targetsOf(model);
    expect(targets.map((t) => [t.id, t.host, t.port, t.protocol, t.servername, t.mtls, t.requireClientCert, t.allowedClientCns])).toEqual([
      ['location-a', 'location-a.semstreams.local', 9000, 'http', 'location-a.semstreams.local', true, true, ['location-b.semstreams.local']],
      ['loom', 'loom.semstreams.local', 60051, 'grpc', 'loom.semstreams.local', true, true, ['location-b.semstreams.local']],
      ['loom:http', 'loom.semstreams.local', 8080, 'http', 'loom.semstreams.local', true, true, ['location-b.semstreams.local']],
      ['location-b', 'location-b.semstreams.local', 9001, 'http', 'location-b.semstreams.local', true, true, ['location-c.semstreams.local']],
    ]);
    expect(targets.filter((t) => t.nodeId === 'loom').map((t) => [t.path, t.enforcedBy])).toEqual([['/', 'its mTLS gateway'], ['/health', 'its mTLS gateway']]);
    expect(unverified).toEqual([{ nodeId: 'location-c', reason: 'serves nothing (client only)' }]);
    expect(targets[0].earlyRenewalDays).toBe(30);
  });

  test('overrides move a node to a tunnel without changing the name checked', () => {
    const { targets } = targetsOf(model, new Map([['location-a', { host: '127.0.0.1', port: 19000 }]]));
    expect(targets[0]).toMatchObject({ host: '127.0.0.1', port: 19000, servername: 'location-a.semstreams.local' });
  });

  test('a Loom node\'s HTTP port is overridden as node:http, its gRPC port as node', () => {
    const { targets } = targetsOf(model, new Map([['loom', { host: '127.0.0.1', port: 1 }], ['loom:http', { host: '127.0.0.1', port: 2 }]]));
    expect(targets.filter((t) => t.nodeId === 'loom').map((t) => [t.id, t.port])).toEqual([['loom', 1], ['loom:http', 2]]);
    expect(parseEndpointOverride('loom:http=127.0.0.1:8443')).toEqual({ nodeId: 'loom:http', host: '127.0.0.1', port: 8443 });
    expect(() => targetsOf(model, new Map([['location-a:http', { host: 'h', port: 1 }]]))).toThrow('--endpoint location-a:http=…');
  });

  test('Loom without its gateway: no client authentication to check, on either port', () => {
    const spec = exampleCopy();
    spec.sites[0].nodes[1].gateway = { enabled: false };
    spec.sites[0].nodes[1].tls = { mode: 'manual', mtls: false };
    const loom = targetsOf(resolveFederation(spec)).targets.filter((t) => t.nodeId === 'loom');
    expect(loom.map((t) => [t.id, t.port, t.mtls, t.enforcedBy])).toEqual([['loom', 60051, false, undefined], ['loom:http', 8080, false, undefined]]);
  });

  test('an override naming no verifiable node is an error, not ignored', () => {
    expect(() => targetsOf(model, new Map([['location-z', { host: 'h', port: 1 }]]))).toThrow('--endpoint location-z=…: no such node in the spec');
    expect(() => targetsOf(model, new Map([['location-c', { host: 'h', port: 1 }]]))).toThrow('serves nothing (client only)');
  });

  test('tier none leaves nothing to verify', () => {
    const spec = exampleCopy();
    spec.tier = 'none';
    delete spec.sites[0].nodes[1].tls;
    const { targets, unverified } = targetsOf(resolveFederation(spec));
    expect(targets).toEqual([]);
    expect(unverified.map((u) => u.reason)).toEqual([
      'tier none: plaintext, no TLS to verify', 'tier none: Loom TLS disabled, nothing to verify', 'tier none: plaintext, no TLS to verify', 'serves nothing (client only)',
    ]);
  });

  test('parseEndpointOverride', () => {
    expect(parseEndpointOverride('location-a=127.0.0.1:9000')).toEqual({ nodeId: 'location-a', host: '127.0.0.1', port: 9000 });
    expect(parseEndpointOverride('loom=[::1]:8443')).toEqual({ nodeId: 'loom', host: '::1', port: 8443 });
    expect(parseEndpointOverride('loom=tunnel.example.net:1')).toEqual({ nodeId: 'loom', host: 'tunnel.example.net', port: 1 });
    for (const bad of ['location-a', 'location-a=host', 'location-a=host:0', 'location-a=host:70000', '=h:1', 'A=h:1']) {
      expect(() => parseEndpointOverride(bad)).toThrow(/is not node=host:port/);
    }
  });
});

describe('where each endpoint is dialled: the spec\'s routing (#17 item 7)', () => {
  /** The example spread over machines: A gives its address; B is deployed over tcp://, C over ssh:// (both without an address). */
  const spread = () => {
    const spec = exampleCopy();
    spec.sites[0].docker = { address: '192.0.2.10' };
    spec.sites[1].docker = { host: 'tcp://198.51.100.20:2376', certPath: 'certs/location-b' };
    spec.sites[2].docker = { host: 'ssh://ops@203.0.113.30' };
    return spec;
  };
  const placed = (m: ReturnType<typeof resolveFederation>, overrides = new Map()) =>
    targetsOf(m, overrides).targets.map((t) => [t.id, t.host, t.servername, t.route.via, t.route.reason]);

  test('by default: the site\'s docker.address, else its remote engine\'s host; SNI stays the FQDN', () => {
    expect(placed(resolveFederation(spread()))).toEqual([
      ['location-a', '192.0.2.10', 'location-a.semstreams.local', 'address', 'sites.location-a.docker.address'],
      ['loom', '192.0.2.10', 'loom.semstreams.local', 'address', 'sites.location-a.docker.address'],
      ['loom:http', '192.0.2.10', 'loom.semstreams.local', 'address', 'sites.location-a.docker.address'],
      ['location-b', '198.51.100.20', 'location-b.semstreams.local', 'engine-host', 'host of sites.location-b.docker.host (tcp://198.51.100.20:2376); no docker.address'],
    ]);
  });

  test('the address wins over the engine URL\'s host; a local socket without an address leaves the FQDN', () => {
    const spec = spread();
    spec.sites[1].docker = { ...spec.sites[1].docker, address: '192.0.2.20' };
    spec.sites[0].docker = {};
    expect(placed(resolveFederation(spec)).map((r) => [r[0], r[1], r[3]])).toEqual([
      ['location-a', 'location-a.semstreams.local', 'fqdn'], ['loom', 'loom.semstreams.local', 'fqdn'], ['loom:http', 'loom.semstreams.local', 'fqdn'],
      ['location-b', '192.0.2.20', 'address'],
    ]);
    expect(targetsOf(resolveFederation(spec)).targets[0].route.reason).toBe('the FQDN: site location-a has no docker.address and a local engine socket (unix:///var/run/docker.sock)');
  });

  test('--endpoint overrides win, per port, and say so', () => {
    const rows = placed(resolveFederation(spread()), new Map([['location-b', { host: '127.0.0.1', port: 19001 }], ['loom:http', { host: '::1', port: 18080 }]]));
    expect(rows.filter((r) => r[3] === 'override')).toEqual([
      ['loom:http', '::1', 'loom.semstreams.local', 'override', '--endpoint loom:http=[::1]:18080'],
      ['location-b', '127.0.0.1', 'location-b.semstreams.local', 'override', '--endpoint location-b=127.0.0.1:19001'],
    ]);
    expect(rows.find((r) => r[0] === 'loom')![3]).toBe('address');
  });

  test('engine hosts from the URL forms validation accepts', () => {
    expect(engineHostOf('tcp://engine-b.example.net:2376')).toBe('engine-b.example.net');
    expect(engineHostOf('ssh://ops@203.0.113.30')).toBe('203.0.113.30');
    expect(engineHostOf('ssh://203.0.113.30:2222')).toBe('203.0.113.30');
    expect(engineHostOf('tcp://[2001:db8::5]:2376')).toBe('2001:db8::5');
    expect(engineHostOf('unix:///var/run/docker.sock')).toBeUndefined();
    expect(dialRouteOf({ id: 's', dockerHost: 'ssh://ops@h.example.net' }, 'n.example.net')).toEqual({ host: 'h.example.net', route: { via: 'engine-host', reason: 'host of sites.s.docker.host (ssh://ops@h.example.net); no docker.address' } });
  });
});

describe('messages follow the guides\' troubleshooting entries', () => {
  test.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /^certificate signed by unknown authority/, /add the federation CA to ca_files/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /^certificate signed by unknown authority/, /add the federation CA to ca_files/],
    ['CERT_HAS_EXPIRED', /^certificate has expired or is not yet valid/, /openssl x509 -noout -dates/],
    ['CERT_NOT_YET_VALID', /^certificate has expired or is not yet valid/, /re-issue/],
  ])('%s', (code, message, hint) => {
    const e = explainServerCertificate(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });

  test('refusals', () => {
    expect(explainRefusal({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })).toMatch(/^tls: bad certificate: the server requires a client certificate/);
    expect(explainRefusal({ code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' })).toBe('tls: bad certificate (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)');
    expect(explainRefusal({ closedAfterHandshake: true })).toContain('client certificate CN not in allowed list');
    expect(explainRefusal({ httpStatus: 403 })).toMatch(/^HTTP 403/);
  });
});

describe('a TLS 1.0/1.1 attempt this machine cannot make is reported as not performed', () => {
  const target = targetsOf(model).targets[0];
  const judge = (o: Parameters<typeof checkLegacy>[1], presented = true) => {
    const out: [string, string][] = [];
    checkLegacy(target, o, presented, (_check, status, detail) => { out.push([status, detail]); });
    return out[0];
  };

  test('a real attempt with no usable cipher fails here, before anything is sent', async () => {
    const o = await probe({ host: '127.0.0.1', port: 9, servername: 'x.test', maxVersion: 'TLSv1.1', ciphers: 'NO-SUCH-CIPHER', timeoutMs: 1000 });
    expect(o).toMatchObject({ kind: 'handshake-error', local: true });
    expect(judge(o)).toEqual(['skip', expect.stringMatching(/^not performed: this machine's OpenSSL cannot offer TLS 1.0\/1.1/)]);
  });

  test('refusals: a protocol-version alert passes; an ambiguous refusal without a permitted certificate is inconclusive', () => {
    expect(judge({ kind: 'handshake-error', code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', message: '', local: false })[0]).toBe('pass');
    expect(judge({ kind: 'handshake-error', code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: '', local: false }, false)).toEqual(['skip', expect.stringMatching(/^inconclusive/)]);
    expect(judge({ kind: 'connect-error', code: 'ECONNREFUSED', message: '' })[0]).toBe('skip');
  });
});

describe('rendering', () => {
  const rs: CheckResult[] = [
    { target: 'location-a', endpoint: '127.0.0.1:9000', check: 'handshake', status: 'pass', detail: 'TLSv1.3, chains to the federation root' },
    { target: 'location-a', endpoint: '127.0.0.1:9000', check: 'canary', status: 'fail', detail: 'admitted canary.semstreams.local', hint: 'set allowed_client_cns' },
    { target: 'location-a', endpoint: '127.0.0.1:9000', check: 'permitted-client', status: 'skip', detail: 'not performed: no --client-cert' },
  ];

  test('the table: a row per check, hints for what failed, and the counts', () => {
    const t = renderTable(rs, [{ nodeId: 'location-c', reason: 'serves nothing (client only)' }]);
    expect(t.split('\n')[0]).toMatch(/^Node {8}Endpoint {8}Check {13}Result {9}Detail$/);
    expect(t.split('\n')[3]).toBe(`location-a  127.0.0.1:9000  ${'canary'.padEnd(16)}  ${'FAIL'.padEnd(13)}  admitted canary.semstreams.local`);
    expect(t).toContain('What to do:\n  location-a canary: set allowed_client_cns');
    expect(t).toContain('Not dialled:\n  location-c: serves nothing (client only)');
    expect(t.trimEnd().split('\n').pop()).toBe('1 passed, 1 failed, 0 warnings, 1 not performed');
  });

  test('the table and JSON say where each endpoint was dialled and why', () => {
    const spec = exampleCopy();
    spec.sites[0].docker = { address: '192.0.2.10' };
    const targets = targetsOf(resolveFederation(spec)).targets.filter((t) => t.nodeId !== 'loom');
    const t = renderTable(rs, [], targets);
    expect(t).toContain([
      'Dialled (SNI and names checked: the FQDN):',
      '  location-a  192.0.2.10:9000  address: sites.location-a.docker.address',
      '  location-b  location-b.semstreams.local:9001  fqdn: the FQDN: site location-b has no docker.address and a local engine socket (unix:///var/run/docker.sock)',
    ].join('\n'));
    expect(JSON.parse(renderJson(rs, [], false, targets)).dialled[0]).toEqual({
      target: 'location-a', endpoint: '192.0.2.10:9000', servername: 'location-a.semstreams.local', via: 'address', reason: 'sites.location-a.docker.address',
    });
  });

  test('JSON: ok false on a failure; strict also fails on checks not performed', () => {
    expect(JSON.parse(renderJson(rs, [], false))).toMatchObject({ ok: false, summary: { pass: 1, fail: 1, warn: 0, skip: 1 } });
    expect(JSON.parse(renderJson([rs[0], rs[2]], [], false)).ok).toBe(true);
    expect(JSON.parse(renderJson([rs[0], rs[2]], [], true)).ok).toBe(false);
  });
});
