/**
 * Renders step-ca's ca.json (the real program's field names): rooted in the federation root, signing
 * with the intermediate the pki stack issues, ACME provisioners with the tier's certificate durations,
 * and a name policy allowing only the federation's domain. Pure: model in, JSON text out.
 */
import { STEP_CA_LAYOUT } from '../model/defaults';
import { StepCaModel } from '../model/model';

/** Challenges every provisioner offers: http-01 (port 80) and tls-alpn-01 (port 443). */
export const ACME_CHALLENGES = ['http-01', 'tls-alpn-01'] as const;

export function renderStepCaConfig(ca: StepCaModel): Record<string, unknown> {
  return {
    root: STEP_CA_LAYOUT.rootFile,
    // During a root rotation step-ca also trusts the root being retired (only then: no key when there is none).
    ...(ca.previousRootFile !== undefined ? { federatedRoots: [ca.previousRootFile] } : {}),
    crt: STEP_CA_LAYOUT.crtFile,
    key: STEP_CA_LAYOUT.keyFile,
    address: `:${ca.port}`,
    dnsNames: [...ca.dnsNames],
    logger: { format: 'json' },
    db: { type: 'badgerv2', dataSource: STEP_CA_LAYOUT.dbDir },
    authority: {
      // The federation CA signs only the federation's names, whoever asks.
      policy: { x509: { allow: { dns: [ca.allowedDomain, `*.${ca.allowedDomain}`] } } },
      provisioners: ca.provisioners.map((p) => ({
        type: 'ACME',
        name: p.name,
        forceCN: true,
        challenges: [...ACME_CHALLENGES],
        claims: {
          minTLSCertDuration: p.minDuration,
          maxTLSCertDuration: p.maxDuration,
          defaultTLSCertDuration: p.defaultDuration,
        },
      })),
    },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
}

/** The ca.json file's bytes. */
export function renderStepCaConfigFile(ca: StepCaModel): string {
  return `${JSON.stringify(renderStepCaConfig(ca), null, 2)}\n`;
}
