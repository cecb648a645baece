import { join } from 'path';
import { loadSpecFile } from './load';
import { packageRoot } from './package-root';
import { FederationSpec } from './spec';

/** Path of the built-in example: the guide's three-location federation in tier manual. */
export const EXAMPLE_SPEC_PATH = join(packageRoot(), 'examples', 'three-locations.yaml');

/** The built-in example spec. */
export function exampleSpec(): FederationSpec {
  return loadSpecFile(EXAMPLE_SPEC_PATH);
}
