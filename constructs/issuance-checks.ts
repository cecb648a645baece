import { TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Constructor checks shared by everything the federation root signs: the signer must live in the same
 * stack (so its private key never crosses a stack boundary), and renewal must start before expiry.
 */
export function checkSignedInStack(what: string, signed: IConstruct, signer: IConstruct): void {
  if (TerraformStack.of(signed) !== TerraformStack.of(signer)) {
    throw new Error(`${what}: its CA must be in the same stack, so the CA's private key never crosses a stack boundary`);
  }
}

export function checkRenewalWindow(what: string, validityHours: number, earlyRenewalHours: number): void {
  if (!Number.isInteger(validityHours) || validityHours < 1) throw new Error(`${what}: validityHours must be a positive whole number`);
  if (!(Number.isInteger(earlyRenewalHours) && earlyRenewalHours >= 0 && earlyRenewalHours < validityHours)) {
    throw new Error(`${what}: earlyRenewalHours must be a whole number in 0..validityHours-1`);
  }
}
