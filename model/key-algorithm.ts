/**
 * A key algorithm for the federation CA and node keys, in the shape the hashicorp/tls provider wants.
 * Value class in the style of aws-cdk-lib (`KeyAlgorithm.ECDSA_P256`), parsed from spec strings.
 */
export class KeyAlgorithm {
  public static readonly ECDSA_P256 = new KeyAlgorithm('ECDSA_P256', 'ECDSA', { ecdsaCurve: 'P256' });
  public static readonly ECDSA_P384 = new KeyAlgorithm('ECDSA_P384', 'ECDSA', { ecdsaCurve: 'P384' });
  public static readonly RSA_2048 = new KeyAlgorithm('RSA_2048', 'RSA', { rsaBits: 2048 });
  public static readonly RSA_3072 = new KeyAlgorithm('RSA_3072', 'RSA', { rsaBits: 3072 });
  public static readonly RSA_4096 = new KeyAlgorithm('RSA_4096', 'RSA', { rsaBits: 4096 });

  /** Every algorithm a spec may name. */
  public static readonly ALL: readonly KeyAlgorithm[] = [
    KeyAlgorithm.ECDSA_P256, KeyAlgorithm.ECDSA_P384,
    KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072, KeyAlgorithm.RSA_4096,
  ];

  /** The algorithm a spec string names, or undefined. */
  public static fromName(name: string): KeyAlgorithm | undefined {
    return KeyAlgorithm.ALL.find((a) => a.name === name);
  }

  private constructor(
    /** The spec spelling, e.g. `ECDSA_P256`. */
    public readonly name: string,
    /** `algorithm` of `tls_private_key`. */
    public readonly algorithm: 'ECDSA' | 'RSA',
    private readonly params: { readonly ecdsaCurve?: string; readonly rsaBits?: number },
  ) {}

  /** `ecdsa_curve` of `tls_private_key`, for ECDSA. */
  public get ecdsaCurve(): string | undefined { return this.params.ecdsaCurve; }

  /** `rsa_bits` of `tls_private_key`, for RSA. */
  public get rsaBits(): number | undefined { return this.params.rsaBits; }

  /**
   * Key usages a leaf needs: RSA key exchange encrypts with the key (keyEncipherment); ECDSA only signs.
   */
  public get leafKeyUsages(): string[] {
    return this.algorithm === 'RSA' ? ['digital_signature', 'key_encipherment'] : ['digital_signature'];
  }

  public toString(): string { return this.name; }
}
