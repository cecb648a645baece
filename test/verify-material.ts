/**
 * Federation material for verify's tests, issued at test time by openssl into a temporary folder (never
 * committed): the example's root, node and canary certificates with the plan's parameters (ECDSA P-256,
 * CN = FQDN, EKU by role), a foreign root, and deliberately broken server certificates (expired, due soon).
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as tls from 'tls';
import { Identity } from './tls-helpers';

export interface Material {
  readonly dir: string;
  readonly caPem: string;
  /** step-ca's intermediate (CN `semstreams step-ca intermediate CA`), signed by the root. */
  readonly stepCaIntermediatePem: string;
  /**
   * Identities by name: location-a, location-b, location-c, loom, canary, foreign-a (location-a's CN, foreign
   * root), expired-a, soon-a, step-ca; and as step-ca would issue them, for a day, from an intermediate below
   * the root named as the pki stack names it: acme-a, acme-b (certificate: leaf then intermediate); stray-a
   * (location-a's CN from another intermediate below the root); long-a (location-a's CN for 90 days from
   * step-ca's intermediate).
   */
  readonly ids: ReadonlyMap<string, Required<Identity>>;
  /** Path of a file in the folder. */
  path(name: string): string;
  remove(): void;
}

const ROLES: Record<string, { cn: string; eku: string; dirName?: string }> = {
  'location-a': { cn: 'location-a.semstreams.local', eku: 'serverAuth' },
  'location-b': { cn: 'location-b.semstreams.local', eku: 'serverAuth,clientAuth' },
  'location-c': { cn: 'location-c.semstreams.local', eku: 'clientAuth' },
  'loom': { cn: 'loom.semstreams.local', eku: 'serverAuth' },
  'canary': { cn: 'canary.semstreams.local', eku: 'clientAuth' },
};

export function issueMaterial(): Material {
  const dir = mkdtempSync(join(tmpdir(), 'fpki-verify-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ext = (name: string, cn: string, eku: string, sans = `DNS:${cn}`) => {
    writeFileSync(join(dir, `${name}.ext`), [
      'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${eku}`, `subjectAltName=${sans}`,
    ].join('\n'));
  };
  const leaf = (name: string, cn: string, eku: string, ca: string, days: number, sans?: string) => {
    ext(name, cn, eku, sans);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`);
  };
  const root = (name: string, cn: string) => {
    writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n');
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}/O=semstreams`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-signkey', `${name}.key`, '-out', `${name}.pem`, '-days', '1825', '-extfile', `${name}.ext`);
  };

  const intermediate = (name: string, cn: string) => {
    writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}/O=semstreams`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '365', '-extfile', `${name}.ext`);
  };

  root('ca', 'semstreams federation root CA');
  intermediate('step-ca-intermediate', 'semstreams step-ca intermediate CA');
  intermediate('other-intermediate', 'some other intermediate CA');
  leaf('acme-a', ROLES['location-a'].cn, 'serverAuth', 'step-ca-intermediate', 1);
  leaf('acme-b', ROLES['location-b'].cn, 'serverAuth,clientAuth', 'step-ca-intermediate', 1);
  leaf('long-a', ROLES['location-a'].cn, 'serverAuth', 'step-ca-intermediate', 90);
  leaf('stray-a', ROLES['location-a'].cn, 'serverAuth', 'other-intermediate', 1);
  root('foreign-ca', 'some other CA');
  for (const [name, r] of Object.entries(ROLES)) leaf(name, r.cn, r.eku, 'ca', 90);
  leaf('foreign-a', ROLES['location-a'].cn, 'serverAuth', 'foreign-ca', 90);
  leaf('soon-a', ROLES['location-a'].cn, 'serverAuth', 'ca', 10);
  leaf('step-ca', 'step-ca.semstreams.local', 'serverAuth', 'ca', 90, 'DNS:step-ca.semstreams.local,IP:127.0.0.1');
  // An expired certificate: `openssl x509` only counts days forward, `openssl ca` takes explicit dates.
  ext('expired-a', ROLES['location-a'].cn, 'serverAuth');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir', 'serial = $dir/ca.srl',
    'default_md = sha256', 'policy = any', 'unique_subject = no', 'copy_extensions = none', '[any]', 'commonName = supplied',
  ].join('\n'));
  openssl('req', ...ec, '-keyout', 'expired-a.key', '-out', 'expired-a.csr', '-subj', `/CN=${ROLES['location-a'].cn}`);
  openssl('ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', 'expired-a.csr', '-out', 'expired-a.pem',
    '-startdate', '20200101000000Z', '-enddate', '20200401000000Z', '-extfile', 'expired-a.ext', '-notext');

  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const ids = new Map<string, Required<Identity>>();
  for (const name of [...Object.keys(ROLES), 'foreign-a', 'soon-a', 'expired-a', 'step-ca']) ids.set(name, { cert: read(`${name}.pem`), key: read(`${name}.key`) });
  // Served as SemStreams serves an ACME certificate: the leaf, then the intermediate that signed it.
  ids.set('acme-a', { cert: read('acme-a.pem') + read('step-ca-intermediate.pem'), key: read('acme-a.key') });
  ids.set('acme-b', { cert: read('acme-b.pem') + read('step-ca-intermediate.pem'), key: read('acme-b.key') });
  ids.set('long-a', { cert: read('long-a.pem') + read('step-ca-intermediate.pem'), key: read('long-a.key') });
  ids.set('stray-a', { cert: read('stray-a.pem') + read('other-intermediate.pem'), key: read('stray-a.key') });
  return { dir, caPem: read('ca.pem'), stepCaIntermediatePem: read('step-ca-intermediate.pem'), ids, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ServerOptions {
  readonly identity: Required<Identity>;
  /** Roots for client certificates; with `requestCert`. */
  readonly ca?: string;
  /** Ask for a client certificate. @default true */
  readonly requestCert?: boolean;
  /**
   * CN allow-list with the SemStreams guide's meaning: exact, case-sensitive; EMPTY = ANY CN the CA signed.
   * undefined: no CN check at all (Loom).
   */
  readonly allowedCns?: readonly string[];
  readonly minVersion?: tls.SecureVersion;
  readonly ciphers?: string;
}

/**
 * A configurable HTTPS-speaking TLS server on loopback: with `requestCert` it refuses clients without a
 * certificate chaining to `ca` (Node: rejectUnauthorized), then applies the allow-list and answers HTTP 200
 * or hangs up. Misconfigurations are expressed through the options, as an operator would misconfigure one.
 */
export function startServer(o: ServerOptions): Promise<tls.Server> {
  const requestCert = o.requestCert ?? true;
  const s = tls.createServer({
    key: o.identity.key, cert: o.identity.cert, ca: o.ca, requestCert, rejectUnauthorized: requestCert,
    minVersion: o.minVersion ?? 'TLSv1.2', ...(o.ciphers ? { ciphers: o.ciphers } : {}),
  }, (socket) => {
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const allowed = o.allowedCns === undefined || o.allowedCns.length === 0 || (typeof cn === 'string' && o.allowedCns.includes(cn));
    if (!allowed) { socket.destroy(); return; }
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  s.on('tlsClientError', () => undefined);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
