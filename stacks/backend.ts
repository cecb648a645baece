import { LocalBackend, TerraformStack } from 'cdktf';

/** Configures a stack's Terraform backend. */
export type BackendFactory = (stack: TerraformStack, stackName: string) => void;

/**
 * Local state in `<stateDir>/<stack>.tfstate` beside cdktf.out. The path is relative on purpose:
 * cdktf copies it verbatim into consumers' `terraform_remote_state`, so plans carry no machine path.
 * Terraform resolves it from `cdktf.out/stacks/<stack>/`, hence the three `..`.
 */
export function localStateBackend(stateDir = 'state'): BackendFactory {
  return (stack, stackName) => {
    new LocalBackend(stack, { path: `../../../${stateDir}/${stackName}.tfstate` });
  };
}
