/**
 * Rules read from the config files uploaded into a container (SemStreams config.json, Loom looms.yaml,
 * step-ca ca.json): the text the service will actually load, whoever rendered it.
 */
import { PolicyFinding } from './finding';
import { ContainerFacts, forEachEntry, UploadFacts } from './containers';
import { PolicyRule } from './rules';

/** What config checks need besides the container. */
export interface ConfigCheckContext {
  readonly production: boolean;
  /** Names reachable on the container's own site: every name of every container in its stack. */
  readonly sameSiteNames: ReadonlySet<string>;
}

const MIN_VERSION_FIELDS = new Set(['min_version', 'minVersion', 'MinVersion', 'tls_min_version']);
const INSECURE_FIELDS = new Set(['insecure_skip_verify', 'insecureSkipVerify', 'InsecureSkipVerify', 'tls_insecure_skip_verify']);
const REQUIRE_CLIENT_CERT_FIELDS = new Set(['require_client_cert', 'requireClientCert']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** The guide: 90-day server and client certificates. */
export const MAX_LEAF_VALIDITY_DAYS = 90;

/** Findings of every config file uploaded into `c`. */
export function checkConfigs(c: ContainerFacts, ctx: ConfigCheckContext): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const u of c.uploads) {
    if (u.config) findings.push(...checkConfig(c, u, u.config, ctx));
    else if (u.literal !== undefined) findings.push(...checkGatewayConfig(c, u, u.literal, ctx));
  }
  return findings;
}

function checkConfig(c: ContainerFacts, u: UploadFacts, config: Record<string, unknown>, ctx: ConfigCheckContext): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  // The entry's name (`security.tls.server.min_version`, plus `suffix`), built only for a finding; one function
  // for the whole walk, not a closure per entry.
  const add = (key: string, parents: readonly string[], rule: PolicyRule, message: string, suffix = '') => findings.push({
    rule, site: c.site, node: c.node, path: c.element.node.path, message: `${u.file}: ${[...parents, key].join('.')}${suffix} ${message}`,
  });
  forEachEntry(config, (key, value, parents) => {
    if (MIN_VERSION_FIELDS.has(key)) {
      const minor = tlsMinorVersion(value);
      if (minor !== undefined && minor < 2) add(key, parents, PolicyRule.TLS_MIN_VERSION, `is ${JSON.stringify(value)}: TLS below 1.2`);
    }
    if (INSECURE_FIELDS.has(key) && value === true) add(key, parents, PolicyRule.INSECURE_SKIP_VERIFY, 'is true: the client accepts any server certificate');
    if (ctx.production && REQUIRE_CLIENT_CERT_FIELDS.has(key) && value === false) {
      add(key, parents, PolicyRule.CLIENT_CERT_NOT_REQUIRED, 'is false in a production federation');
    }
    if (ctx.production && key === 'server' && isMap(value) && value.enabled !== false && isMap(value.mtls) && value.mtls.enabled === false) {
      add(key, parents, PolicyRule.CLIENT_CERT_NOT_REQUIRED, 'is false in a production federation: the server admits clients without a certificate', '.mtls.enabled');
    }
    if (key === 'mtls' && isMap(value) && value.enabled === true && 'client_ca_files' in value
      && !(Array.isArray(value.allowed_client_cns) && value.allowed_client_cns.length > 0)) {
      add(key, parents, PolicyRule.EMPTY_CLIENT_CN_ALLOWLIST, `is ${JSON.stringify(value.allowed_client_cns ?? null)}: every certificate the CA signed is admitted`, '.allowed_client_cns');
    }
    if (key === 'url' && typeof value === 'string' && value.startsWith('ws://')) {
      const host = hostOf(value);
      if (host === undefined || (!ctx.sameSiteNames.has(host) && !LOOPBACK.has(host))) {
        add(key, parents, PolicyRule.PLAINTEXT_CROSS_SITE, `is ${value}: plaintext to ${host ?? 'an unknown host'}, which is not on this site`);
      }
    }
    if (ctx.production && key === 'validity_days' && parents[parents.length - 1] === 'self_signed' && typeof value === 'number' && value > MAX_LEAF_VALIDITY_DAYS) {
      add(key, parents, PolicyRule.LEAF_VALIDITY, `is ${value}: the self-signed certificate outlives ${MAX_LEAF_VALIDITY_DAYS} days`);
    }
  });
  return findings;
}

/**
 * A Loom gateway's haproxy.cfg (read as text: the file HAProxy loads). In production every TLS frontend
 * requires client certificates; every frontend that verifies client certificates must admit someone by
 * subject (`acl fpki_allowed_client ssl_c_s_dn ... -m str <subjects>`), as SemStreams must list allowed_client_cns.
 */
function checkGatewayConfig(c: ContainerFacts, u: UploadFacts, text: string, ctx: ConfigCheckContext): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const section of text.split(/\n(?=frontend )/).filter((s) => s.startsWith('frontend '))) {
    const name = section.split('\n')[0].slice('frontend '.length).trim();
    const bindsTls = /^\s*bind .* ssl /m.test(section);
    if (ctx.production && bindsTls && !/^\s*bind .* verify required/m.test(section)) {
      findings.push({
        rule: PolicyRule.CLIENT_CERT_NOT_REQUIRED, site: c.site, node: c.node, path: c.element.node.path,
        message: `${u.file}: frontend ${name} does not require client certificates (no "verify required") in a production federation`,
      });
    }
    if (!/^\s*bind .* verify (required|optional)/m.test(section)) continue;
    if (/^\s*acl fpki_allowed_client ssl_c_s_dn\S* -m str "/m.test(section)) continue;
    findings.push({
      rule: PolicyRule.EMPTY_CLIENT_CN_ALLOWLIST, site: c.site, node: c.node, path: c.element.node.path,
      message: `${u.file}: frontend ${name} verifies client certificates but admits no subject (allowedClients is empty): nobody can connect`,
    });
  }
  return findings;
}

/** The minor version of a TLS 1.x setting (`"1.2"`, `1.2`, `"TLS1.0"`, `"VersionTLS11"`), -1 for SSL, else undefined. */
export function tlsMinorVersion(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 1 && v < 2 ? Math.round((v - 1) * 10) : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^(version)?ssl/i.test(v.trim())) return -1;
  const m = /^(?:(?:version)?tls\s*v?)?1[._]?([0-3])$/i.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
