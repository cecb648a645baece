/**
 * @peculiar/x509 wired to Node's WebCrypto, and the mapping from the library's key algorithms to WebCrypto's.
 * node-forge cannot do ECDSA, and the federation's default keys are P-256, hence @peculiar/x509.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, createPrivateKey, webcrypto } from 'crypto';
import { KeyAlgorithm } from '../model/key-algorithm';

type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** WebCrypto parameters to generate and sign with a key of `alg`. */
export function webCryptoAlgorithm(alg: KeyAlgorithm): { generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams; sign: Algorithm | EcdsaParams } {
  if (alg.algorithm === 'ECDSA') {
    const namedCurve = alg.ecdsaCurve === 'P384' ? 'P-384' : 'P-256';
    return { generate: { name: 'ECDSA', namedCurve }, sign: { name: 'ECDSA', hash: namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcdsaParams };
  }
  return {
    generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: alg.rsaBits!, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm,
  };
}

/** The library's key algorithm of a Node key, when it is one of them. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    return d.namedCurve === 'prime256v1' ? KeyAlgorithm.ECDSA_P256 : d.namedCurve === 'secp384r1' ? KeyAlgorithm.ECDSA_P384 : undefined;
  }
  if (key.asymmetricKeyType === 'rsa') return KeyAlgorithm.fromName(`RSA_${d.modulusLength}`);
  return undefined;
}

/** A fresh key pair of `alg`, extractable (its private half is exported once, to a file). */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(webCryptoAlgorithm(alg).generate, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** A WebCrypto signing key from a Node private key (of one of the library's algorithms). */
export async function toSigningKey(key: KeyObject): Promise<{ key: CryptoKey; sign: Algorithm | EcdsaParams }> {
  const alg = keyAlgorithmOf(key);
  if (!alg) throw new Error(`unsupported key: ${key.asymmetricKeyType} ${JSON.stringify(key.asymmetricKeyDetails)}`);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const { generate, sign } = webCryptoAlgorithm(alg);
  return { key: await webcrypto.subtle.importKey('pkcs8', der, generate, false, ['sign']) as CryptoKey, sign };
}

/** A Node private key from a WebCrypto one. */
export async function toKeyObject(key: CryptoKey): Promise<KeyObject> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
