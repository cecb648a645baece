/**
 * The process restrictions every container of the federation runs with: no Linux capabilities and no
 * privilege escalation (setuid binaries, file capabilities). One place, so a hardening change reaches the
 * nodes, NATS, step-ca and the Loom gateway alike (test/container-hardening.test.ts checks all of them).
 */
import { ContainerConfig } from '@cdktf/provider-docker/lib/container';

/**
 * `capabilities` and `securityOpts` of a container config. `keep` names capabilities left in the bounding
 * set, in Docker's spelling (`CAP_NET_BIND_SERVICE`, as Docker reports them back, so a plan stays empty).
 */
export function lockedDown(keep: readonly string[] = []): Pick<ContainerConfig, 'capabilities' | 'securityOpts'> {
  return {
    capabilities: { drop: ['ALL'], ...(keep.length > 0 ? { add: [...keep] } : {}) },
    securityOpts: ['no-new-privileges:true'],
  };
}
