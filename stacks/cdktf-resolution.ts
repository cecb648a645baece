import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';

/** The resolver cdktf's own `prepareStack` and `toTerraform` resolve with. */
const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** `value` resolved in `stack` as cdktf resolves a stack's blocks; `preparing` as in cdktf's `prepareStack`. */
export function resolveInStack(stack: TerraformStack, value: unknown, preparing = false): any {
  return Tokenization.resolve(value, { scope: stack, preparing, resolver: RESOLVER });
}

/** The stack's elements in cdktf's order (pre-order), not descending into a nested stack. */
export function elementsOf(node: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) if (!TerraformStack.isStack(child)) elementsOf(child, into);
  return into;
}
