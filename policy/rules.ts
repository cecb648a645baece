/**
 * The security policy's rules, each with a stable id (used in suppressions and reports). A written per-node
 * suppression may waive any of them; for the rules whose waiver is most dangerous, what it accepts is spelled
 * out beside the reason at every synth. Value class in the style of aws-cdk-lib, like KeyAlgorithm.
 */
export class PolicyRule {
  public static readonly TLS_MIN_VERSION = new PolicyRule('FPKI-TLS-MIN-VERSION',
    'a rendered config allows TLS below 1.2',
    { riskWhenSuppressed: 'peers may negotiate TLS 1.0/1.1, deprecated by RFC 8996 and refused by SemStreams itself' });

  public static readonly INSECURE_SKIP_VERIFY = new PolicyRule('FPKI-INSECURE-SKIP-VERIFY',
    'a TLS client skips server certificate verification (insecure_skip_verify outside tier none; the guide: DEV/TEST ONLY)');

  public static readonly PLAINTEXT_CROSS_SITE = new PolicyRule('FPKI-PLAINTEXT-CROSS-SITE',
    'a tier-none (plaintext ws://) link dials a node on another site');

  public static readonly CLIENT_CERT_NOT_REQUIRED = new PolicyRule('FPKI-CLIENT-CERT-NOT-REQUIRED',
    'in production, a TLS server does not require client certificates (require_client_cert: false, or mTLS off)');

  public static readonly EMPTY_CLIENT_CN_ALLOWLIST = new PolicyRule('FPKI-EMPTY-CLIENT-CN-ALLOWLIST',
    'a server checks client certificates with an empty allowed_client_cns, which admits every certificate the federation CA signed');

  public static readonly RSA_KEY_SIZE = new PolicyRule('FPKI-RSA-KEY-SIZE',
    'an RSA key is shorter than 2048 bits (the guide: minimum 2048-bit RSA)',
    { riskWhenSuppressed: 'an RSA key below 2048 bits can be factored, so a certificate on it proves nothing' });

  public static readonly LEAF_VALIDITY = new PolicyRule('FPKI-LEAF-VALIDITY',
    'in production, a deployed leaf certificate is valid for more than 90 days (the guide: 90-day server and client certificates)');

  public static readonly KEY_FILE_MODE = new PolicyRule('FPKI-KEY-FILE-MODE',
    'a private key is uploaded into a container with a mode other than 0600');

  public static readonly KEY_OWNER = new PolicyRule('FPKI-KEY-OWNER',
    'a private key is uploaded into a container other than its owner\'s (the node its certificate names)',
    { riskWhenSuppressed: 'this node holds another node\'s key and can impersonate it on every link' });

  public static readonly CA_KEY_IN_SITE_STACK = new PolicyRule('FPKI-CA-KEY-IN-SITE-STACK',
    'a stack that deploys containers (or any stack but the CA\'s own) references a CA private key',
    { riskWhenSuppressed: 'whoever reads that stack\'s state or container can sign certificates for every node (only step-ca\'s own intermediate belongs in a container)' });

  /** Every rule, in report order. */
  public static readonly ALL: readonly PolicyRule[] = [
    PolicyRule.TLS_MIN_VERSION, PolicyRule.INSECURE_SKIP_VERIFY, PolicyRule.PLAINTEXT_CROSS_SITE,
    PolicyRule.CLIENT_CERT_NOT_REQUIRED, PolicyRule.EMPTY_CLIENT_CN_ALLOWLIST, PolicyRule.RSA_KEY_SIZE,
    PolicyRule.LEAF_VALIDITY, PolicyRule.KEY_FILE_MODE, PolicyRule.KEY_OWNER, PolicyRule.CA_KEY_IN_SITE_STACK,
  ];

  /** The rule with this id, or undefined. */
  public static fromId(id: string): PolicyRule | undefined {
    return PolicyRule.ALL.find((r) => r.id === id);
  }

  /**
   * What a suppression of this rule accepts, for the rules where that is worst: printed with every finding
   * of the rule that a suppression waives, at every synth, so nobody reads the waiver without it.
   */
  public readonly riskWhenSuppressed?: string;

  private constructor(
    /** Stable id, e.g. `FPKI-TLS-MIN-VERSION`. */
    public readonly id: string,
    /** What the rule forbids, one line. */
    public readonly description: string,
    options: { readonly riskWhenSuppressed?: string } = {},
  ) {
    if (options.riskWhenSuppressed !== undefined) this.riskWhenSuppressed = options.riskWhenSuppressed;
  }

  public toString(): string { return this.id; }
}
