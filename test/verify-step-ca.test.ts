/** verify --step-ca against real HTTPS servers on loopback that answer like step-ca, well and badly. */
import { createServer, Server } from 'https';
import { checkStepCa } from '../verify';
import { issueMaterial, Material } from './verify-material';

let m: Material;
beforeAll(() => { m = issueMaterial(); });
afterAll(() => m.remove());

/** An HTTPS server with step-ca's certificate shape (federation-issued, IP SAN 127.0.0.1) and the given routes. */
function stepCaLike(routes: (base: string) => Record<string, [number, string]>, identity = 'step-ca'): Promise<{ url: string; server: Server }> {
  const id = m.ids.get(identity)!;
  let base = '';
  const server = createServer({ cert: id.cert, key: id.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const [status, body] = routes(base)[req.url ?? ''] ?? [404, '{"type":"urn:ietf:params:acme:error:malformed","detail":"not found"}'];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    resolve({ url: base, server });
  }));
}

const directory = (base: string, p: string) => JSON.stringify({ newNonce: `${base}/acme/${p}/new-nonce`, newAccount: `${base}/acme/${p}/new-account`, newOrder: `${base}/acme/${p}/new-order` });

test('a healthy step-ca: /health ok and both provisioners\' directories', async () => {
  const { url, server } = await stepCaLike((base) => ({
    '/health': [200, '{"status":"ok"}'],
    '/acme/acme/directory': [200, directory(base, 'acme')],
    '/acme/acme-loom/directory': [200, directory(base, 'acme-loom')],
  }));
  try {
    const rs = await checkStepCa({ url, ca: m.caPem, provisioners: ['acme', 'acme-loom'], timeoutMs: 3000 }, () => undefined);
    expect(rs.map((r) => [r.check, r.status])).toEqual([['step-ca-health', 'pass'], ['acme-directory', 'pass'], ['acme-directory', 'pass']]);
    expect(rs[2].endpoint).toBe(`${url}/acme/acme-loom/directory`);
  } finally {
    server.close();
  }
});

test('unhealthy, a missing provisioner and a directory without endpoints each fail', async () => {
  const { url, server } = await stepCaLike(() => ({
    '/health': [503, '{"status":"starting"}'],
    '/acme/acme/directory': [200, '{"meta":{}}'],
  }));
  try {
    const rs = await checkStepCa({ url, ca: m.caPem, provisioners: ['acme', 'nope'], timeoutMs: 3000 }, () => undefined);
    expect(rs.map((r) => [r.check, r.status])).toEqual([['step-ca-health', 'fail'], ['acme-directory', 'fail'], ['acme-directory', 'fail']]);
    expect(rs[0].detail).toBe('HTTP 503: {"status":"starting"}');
    expect(rs[1].detail).toBe('HTTP 200 but no newNonce, newAccount, newOrder in the directory');
    expect(rs[2].detail).toMatch(/^HTTP 404/);
    expect(rs[2].hint).toBe('is there an ACME provisioner named "nope" in ca.json?');
  } finally {
    server.close();
  }
});

test('a step-ca whose certificate does not chain to the federation root: certificate signed by unknown authority', async () => {
  const { url, server } = await stepCaLike(() => ({ '/health': [200, '{"status":"ok"}'] }), 'foreign-a');
  try {
    const rs = await checkStepCa({ url, ca: m.caPem, provisioners: [], timeoutMs: 3000 }, () => undefined);
    expect(rs).toHaveLength(1);
    expect(rs[0].status).toBe('fail');
    expect(rs[0].detail).toMatch(/^certificate signed by unknown authority/);
  } finally {
    server.close();
  }
});

test('nothing listening fails with the connection error', async () => {
  const { url, server } = await stepCaLike(() => ({}));
  await new Promise((r) => server.close(r));
  const rs = await checkStepCa({ url, ca: m.caPem, provisioners: ['acme'], timeoutMs: 3000 }, () => undefined);
  expect(rs.map((r) => r.status)).toEqual(['fail', 'fail']);
  expect(rs[0].detail).toMatch(/^ECONNREFUSED/);
});
