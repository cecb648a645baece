import { IConstruct } from 'constructs';

/**
 * The constructs that are an online CA (StepCa): the security policy lets such a construct's container hold
 * its own intermediate's key. A mark rather than `instanceof StepCa`, so the policy does not load step-ca's
 * modules at the synth of a federation without step-ca.
 */
const onlineCas = new WeakSet<IConstruct>();

/** Marks `c` as an online CA (StepCa's constructor does, for every StepCa). */
export function markOnlineCa(c: IConstruct): void {
  onlineCas.add(c);
}

/** Whether `c` is an online CA. */
export function isOnlineCa(c: IConstruct | undefined): boolean {
  return c !== undefined && onlineCas.has(c);
}
