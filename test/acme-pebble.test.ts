/**
 * The ACME client against a real ACME server: Debian's pebble (Let's Encrypt's test CA) on loopback, with
 * a loopback DNS server answering the test names, a TLS certificate for its API issued here at test time,
 * and challenges on ephemeral ports. `scripts/install-toolchain.sh --pebble` installs pebble.
 */
import { X509Certificate } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as https from 'https';
import { tmpdir } from 'os';
import { join } from 'path';
import { obtainCertificate } from '../acme';
import { freePort, openssl, pemBlocks, ServerProcess, startProcess, waitUntil } from './acme-test-helpers';
import { LoopbackDns, startLoopbackDns } from './loopback-dns';

const PEBBLE = '/usr/bin/pebble';
const NAMES = ['location-b.semstreams.local', 'location-c.semstreams.local'];

let dir: string;
let dns: LoopbackDns;
let pebble: ServerProcess;
let apiCaPem: string;
let directoryUrl: string;
let managementUrl: string;
let httpPort: number;
let tlsPort: number;

/** GET over HTTPS trusting only the test CA that issued pebble's API certificate. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca: apiCaPem, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  if (!existsSync(PEBBLE)) throw new Error(`${PEBBLE} is missing: run scripts/install-toolchain.sh --pebble (apt-get install pebble)`);
  dir = mkdtempSync(join(tmpdir(), 'fpki-pebble-'));
  // The Debian package ships no test certificates: a throwaway CA and a localhost certificate for pebble's API.
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'api-ca.key', '-out', 'api-ca.pem',
    '-days', '1', '-subj', '/CN=pebble API test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'api.key', '-out', 'api.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'api.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(dir, 'x509', '-req', '-in', 'api.csr', '-CA', 'api-ca.pem', '-CAkey', 'api-ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'api.ext', '-out', 'api.pem');
  apiCaPem = readFileSync(join(dir, 'api-ca.pem'), 'utf8');

  const [apiPort, managementPort] = [await freePort(), await freePort()];
  [httpPort, tlsPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'pebble-config.json'), JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${apiPort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: join(dir, 'api.pem'),
      privateKey: join(dir, 'api.key'),
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  }));
  dns = await startLoopbackDns(NAMES);
  // No artificial validation delay, and no deliberately rejected nonces: the test is about issuance.
  pebble = startProcess(PEBBLE, ['-config', 'pebble-config.json', '-dnsserver', dns.address], { cwd: dir, env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' } });
  directoryUrl = `https://localhost:${apiPort}/dir`;
  managementUrl = `https://localhost:${managementPort}`;
  await waitUntil('pebble', pebble, async () => (await get(directoryUrl)).status === 200);
}, 30_000);

afterAll(async () => {
  await pebble?.stop();
  await dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** openssl verify of a returned bundle against pebble's (per-run) root. */
async function verifyAgainstPebbleRoot(certPem: string): Promise<string> {
  const root = await get(`${managementUrl}/roots/0`);
  expect(root.status).toBe(200);
  const [leaf, ...chain] = pemBlocks(certPem);
  writeFileSync(join(dir, 'pebble-root.pem'), root.body);
  writeFileSync(join(dir, 'leaf.pem'), leaf);
  writeFileSync(join(dir, 'chain.pem'), chain.join(''));
  return openssl(dir, 'verify', '-CAfile', 'pebble-root.pem', '-untrusted', 'chain.pem', 'leaf.pem');
}

describe('obtainCertificate against pebble', () => {
  test('http-01: a certificate for the name, validated by pebble through the loopback DNS', async () => {
    const name = 'location-b.semstreams.local';
    const got = await obtainCertificate({ directoryUrl, caPem: apiCaPem, email: 'ops@semstreams.local', domains: [name], challenge: 'http-01', httpPort, bindAddress: '127.0.0.1' });
    const leaf = new X509Certificate(got.certPem);
    expect(leaf.subjectAltName).toBe(`DNS:${name}`);
    expect(leaf.checkPrivateKey(require('crypto').createPrivateKey(got.keyPem))).toBe(true);
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(got.notBefore.getTime()).toBe(new Date(leaf.validFrom).getTime());
    expect(got.notAfter.getTime()).toBe(new Date(leaf.validTo).getTime());
    expect(pemBlocks(got.certPem).length).toBeGreaterThanOrEqual(2);
    expect(await verifyAgainstPebbleRoot(got.certPem)).toMatch(/leaf\.pem: OK/);
    // pebble really resolved the name through the test's DNS server (so it fetched the token from us).
    expect(dns.queried.has(name)).toBe(true);
  });

  test('tls-alpn-01: pebble validates the acmeIdentifier certificate served over ALPN acme-tls/1', async () => {
    const name = 'location-c.semstreams.local';
    const got = await obtainCertificate({ directoryUrl, caPem: apiCaPem, email: 'ops@semstreams.local', domains: [name], challenge: 'tls-alpn-01', tlsPort, bindAddress: '127.0.0.1' });
    expect(new X509Certificate(got.certPem).subjectAltName).toBe(`DNS:${name}`);
    expect(await verifyAgainstPebbleRoot(got.certPem)).toMatch(/leaf\.pem: OK/);
  });

  test('the directory is trusted only through the given root: another root fails the TLS handshake', async () => {
    openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '1', '-subj', '/CN=some other root');
    await expect(obtainCertificate({
      directoryUrl, caPem: readFileSync(join(dir, 'other.pem'), 'utf8'), email: 'ops@semstreams.local', domains: [NAMES[0]], httpPort, bindAddress: '127.0.0.1',
    })).rejects.toThrow(/cannot talk to the ACME directory: unable to verify the first certificate/);
  }, 30_000);

  test('a name the CA cannot validate is not issued (pebble reports the failed challenge)', async () => {
    await expect(obtainCertificate({
      directoryUrl, caPem: apiCaPem, email: 'ops@semstreams.local', domains: ['unknown.semstreams.local'], httpPort, bindAddress: '127.0.0.1',
    })).rejects.toThrow(/could not resolve URL "http:\/\/unknown\.semstreams\.local:/);
  }, 30_000);
});
