/**
 * Stand-in figure for issuance that this machine CAN measure: key generation (and one CA signature per
 * certificate) for the pki stack's algorithms with Node's crypto (OpenSSL), not the hashicorp/tls provider
 * (Go). Same operation class — RSA key generation dominates and grows steeply with the modulus — so it
 * shows what choosing RSA-4096 costs, but the provider's absolute times will differ.
 */
import { generateKeyPairSync, KeyObject, sign } from 'crypto';
import { median } from './stats';

export interface KeygenAlgorithm {
  /** The spec's `ca.keyAlgorithm` spelling. */
  readonly name: string;
  readonly generate: () => { privateKey: KeyObject };
  /** Keys timed; RSA-4096 is sampled, not run 102 times, to keep the benchmark short. */
  readonly samples: number;
}

export const KEYGEN_ALGORITHMS: readonly KeygenAlgorithm[] = [
  { name: 'ECDSA_P256', generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), samples: 102 },
  { name: 'RSA_2048', generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }), samples: 40 },
  { name: 'RSA_4096', generate: () => generateKeyPairSync('rsa', { modulusLength: 4096 }), samples: 12 },
];

export interface KeygenFigure {
  readonly algorithm: string;
  readonly samples: number;
  readonly meanMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** Mean time of one SHA-256 signature over a certificate-sized message (the CA signing a leaf). */
  readonly signMeanMs: number;
  /** mean × keys: one key per node plus the root and the canary, generated one after another. */
  readonly projectedSerialMs: number;
}

/** Keys a 100-node pki stack generates: the root, 100 nodes, the canary. */
export const PKI_KEYS_FOR_100_NODES = 102;

export function measureNodeKeygen(algorithms: readonly KeygenAlgorithm[] = KEYGEN_ALGORITHMS, keys = PKI_KEYS_FOR_100_NODES): KeygenFigure[] {
  // A certificate's to-be-signed part is a few hundred bytes; content does not matter for the cost.
  const tbs = Buffer.alloc(600, 7);
  return algorithms.map((alg) => {
    alg.generate(); // warm-up: first use loads the algorithm's code paths
    const times: number[] = [];
    let last: KeyObject | undefined;
    for (let i = 0; i < alg.samples; i++) {
      const t = process.hrtime.bigint();
      last = alg.generate().privateKey;
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const signs = 50;
    const t = process.hrtime.bigint();
    for (let i = 0; i < signs; i++) sign('sha256', tbs, last!);
    const signMeanMs = Number(process.hrtime.bigint() - t) / 1e6 / signs;
    const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
    return {
      algorithm: alg.name,
      samples: alg.samples,
      meanMs,
      medianMs: median(times),
      maxMs: Math.max(...times),
      signMeanMs,
      projectedSerialMs: meanMs * keys,
    };
  });
}
