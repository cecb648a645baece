/** The gateway's haproxy.cfg for each admission setting (the real HAProxy runs the default in loom-gateway.test.ts). */
import { LoomNodeModel } from '../model/model';
import { resolveFederation } from '../model/resolve';
import { federationSubject, rfc2253Value } from '../model/resolve-loom-gateway';
import { renderGrpcDeniedFile, renderLoomGatewayConfig } from '../render/loom-gateway-config';
import { exampleCopy } from './helpers';

function loom(mutate: (spec: any, node: any) => void = () => undefined): LoomNodeModel {
  const spec = exampleCopy();
  mutate(spec, spec.sites[0].nodes[1]);
  return resolveFederation(spec).nodes.find((n) => n.id === 'loom') as LoomNodeModel;
}
const frontends = (cfg: string) => cfg.split('\n').filter((l) => l.startsWith('frontend '));

test('the example: both frontends require a certificate, pin the issuer and admit location-b\'s whole subject', () => {
  const cfg = renderLoomGatewayConfig(loom());
  expect(frontends(cfg)).toEqual(['frontend loom-grpc', 'frontend loom-http']);
  expect(cfg.match(/verify required/g)).toHaveLength(2);
  expect(cfg.match(/acl fpki_issuer ssl_c_i_dn\(,0,rfc2253\) -m str "CN=semstreams federation root CA,O=semstreams"/g)).toHaveLength(2);
  expect(cfg.match(/http-request deny deny_status 403 unless fpki_issuer fpki_allowed_client/g)).toHaveLength(2);
  expect(cfg).toContain('ssl-min-ver TLSv1.2');
});

test('CN entries and node ids side by side; TLS 1.3 from the federation', () => {
  const cfg = renderLoomGatewayConfig(loom((s, n) => { s.tls.minVersion = '1.3'; n.allowedClients = ['location-b', 'ops.semstreams.local']; }));
  expect(cfg).toContain('-m str "CN=location-b.semstreams.local,O=semstreams" "CN=ops.semstreams.local,O=semstreams"');
  expect(cfg).toContain('ssl-min-ver TLSv1.3');
});

test('an empty allow-list admits nobody', () => {
  const cfg = renderLoomGatewayConfig(loom((_s, n) => { n.allowedClients = []; }));
  expect(cfg.match(/acl fpki_allowed_client always_false/g)).toHaveLength(2);
  expect(cfg).not.toContain('ssl_c_s_dn');
});

test('requireClientCert false: verify optional, a client with a certificate is still judged', () => {
  const cfg = renderLoomGatewayConfig(loom((_s, n) => { n.tls.requireClientCert = false; }));
  expect(cfg.match(/verify optional/g)).toHaveLength(2);
  expect(cfg).toContain('http-request deny deny_status 403 if { ssl_c_used } !fpki_issuer || { ssl_c_used } !fpki_allowed_client');
});

test('mtls false: TLS only, no CA file, no client rules', () => {
  const cfg = renderLoomGatewayConfig(loom((_s, n) => { n.tls = { mode: 'manual', mtls: false }; }));
  expect(cfg).not.toMatch(/verify|ca-file|fpki_/);
  expect(cfg.match(/bind :::\d+ v4v6 ssl crt \/usr\/local\/etc\/haproxy\/certs\/server\.pem alpn/g)).toHaveLength(2);
});

test('subjects are escaped as RFC 2253 prints them, and quoted for HAProxy', () => {
  expect(rfc2253Value('a,b+c"d\\e<f>g;h')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
  expect(federationSubject('x.semstreams.local', 'ACME, Inc.')).toBe('CN=x.semstreams.local,O=ACME\\, Inc.');
  const cfg = renderLoomGatewayConfig(loom((s) => { s.ca.organization = 'Say "hi"'; }));
  expect(cfg).toContain('-m str "CN=location-b.semstreams.local,O=Say \\\\\\"hi\\\\\\""');
});

test('the gRPC refusal is a trailers-only gRPC answer: HTTP 200, grpc-status 7', () => {
  expect(renderGrpcDeniedFile()).toBe('HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 7\r\ngrpc-message: client certificate CN not in allowed list\r\ncontent-length: 0\r\n\r\n');
});

test('a node without a gateway has no gateway config', () => {
  expect(() => renderLoomGatewayConfig(loom((s, n) => { s.tier = 'none'; delete n.tls; }))).toThrow(/has no gateway/);
});
