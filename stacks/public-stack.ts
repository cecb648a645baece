import { TerraformLocal, Token } from 'cdktf';
import { ResolvedOnceStack } from './resolved-once-stack';

/** cdktf's string token marker, as cdktf matches it (constructs/terraform-literal.ts). */
const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * Public material (the root certificate, node and intermediate certificates) relayed out of the pki stack:
 * `<name>-pki-public`. It has no resources, only locals read from the pki stack's outputs, and those outputs
 * hold no key (keys are generated in the keys stacks; the CA keys are never outputs). Site stacks read this
 * state instead of the pki state, whose resources hold the root key (`terraform_remote_state` needs read access
 * to the whole state it reads, and copies its whole outputs map into the reader's state).
 */
export class PublicStack extends ResolvedOnceStack {
  private readonly published = new Map<string, string>();

  /**
   * `value` (public values of other stacks, maybe with literal text between them) for use in another stack:
   * each reference becomes a local of this stack, literal text stays as it is.
   */
  public publish(id: string, value: string): string {
    if (!Token.isUnresolved(value)) return value;
    let i = 0;
    return value.replace(STRING_TOKEN, (token) => this.relay(i++ === 0 ? id : `${id}_${i}`, token));
  }

  private relay(id: string, token: string): string {
    const known = this.published.get(token);
    if (known !== undefined) return known;
    const relayed = new TerraformLocal(this, id, token).asString;
    this.published.set(token, relayed);
    return relayed;
  }
}
