/**
 * Rules about keys and certificates as synthesized: how keys are uploaded and into whose container, RSA
 * sizes, the validity of deployed certificates, and where CA keys are referenced from.
 */
import { TerraformElement, TerraformResource, TerraformStack } from 'cdktf';
import { MAX_LEAF_VALIDITY_DAYS } from './config-checks';
import { ContainerFacts } from './containers';
import { PolicyFinding } from './finding';
import { PolicyRule } from './rules';
import { isPrivateKeySource, SynthesizedApp, TracedSource, typeOf } from './synthesized-app';

/** The only mode a private key file may have. */
export const KEY_FILE_MODE = 0o600;
/** hashicorp/tls's default `rsa_bits`, and the guide's minimum. */
export const MIN_RSA_BITS = 2048;

const CERTIFICATE_TYPES = new Set(['tls_locally_signed_cert', 'tls_self_signed_cert']);

/** Key uploads (mode and owner) and, in production, the validity of every certificate uploaded into `c`. */
export function checkUploads(app: SynthesizedApp, c: ContainerFacts, production: boolean): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const add = (rule: PolicyRule, message: string) => findings.push({ rule, site: c.site, node: c.node, path: c.element.node.path, message });
  for (const u of c.uploads) {
    if (u.privateKey && (!isMode(u.permissions, KEY_FILE_MODE) || u.executable)) {
      add(PolicyRule.KEY_FILE_MODE, `private key ${u.file} is uploaded with mode ${u.permissions ?? 'unset (0644)'}${u.executable ? ', executable' : ''}, not 0600`);
    }
    for (const s of u.sources.filter(isPrivateKeySource)) {
      const owner = app.keyFacts(s)?.owner;
      if (owner?.commonName !== undefined && !c.names.has(owner.commonName)) {
        add(PolicyRule.KEY_OWNER, `${u.file} is the private key of ${owner.commonName} (${describe(s)}), uploaded into container ${c.name}, which answers to ${[...c.names].sort().join(', ')}`);
      }
    }
    if (!production) continue;
    for (const s of u.sources.filter((x) => CERTIFICATE_TYPES.has(typeOf(x.address)) && x.attribute === 'cert_pem')) {
      const cert = app.certificateFacts(s);
      if (cert && !cert.ca && cert.validityHours !== undefined && cert.validityHours > MAX_LEAF_VALIDITY_DAYS * 24) {
        add(PolicyRule.LEAF_VALIDITY, `${u.file} is a certificate${cert.commonName ? ` for ${cert.commonName}` : ''} valid for ${cert.validityHours / 24} days (${describe(s)}), more than ${MAX_LEAF_VALIDITY_DAYS}`);
      }
    }
  }
  return findings;
}

/** RSA keys below 2048 bits, attributed to the container that receives the key when there is one. */
export function checkRsaKey(app: SynthesizedApp, key: TerraformResource, owners: readonly ContainerFacts[], stack: TerraformStack = TerraformStack.of(key)): PolicyFinding[] {
  const block = app.blockOf(key, stack) as Record<string, unknown> | undefined;
  if (!block || block.algorithm !== 'RSA') return [];
  const bits = typeof block.rsa_bits === 'number' ? block.rsa_bits : MIN_RSA_BITS;
  if (bits >= MIN_RSA_BITS) return [];
  const owner = owners[0];
  return [{
    rule: PolicyRule.RSA_KEY_SIZE,
    site: owner?.site ?? stack.node.id,
    node: owner?.node ?? '-',
    path: key.node.path,
    message: `tls_private_key.${key.friendlyUniqueId} is RSA with ${bits} bits, fewer than ${MIN_RSA_BITS}`,
  }];
}

/**
 * CA private keys referenced from anywhere but the CA's own stack, or from any stack that deploys containers.
 * The one exception: step-ca's container receives its own (non-root) intermediate's key, as an upload.
 */
export function checkCaKeyReferences(app: SynthesizedApp, element: TerraformElement, container?: ContainerFacts, stack: TerraformStack = TerraformStack.of(element)): PolicyFinding[] {
  // Most stacks mention no CA key at all: nothing to trace.
  if (!app.mayReferenceCaKey(stack)) return [];
  const block = app.blockOf(element, stack);
  if (block === undefined) return [];
  const siteStack = app.deploysContainers(stack);
  const uploads = container ? (block as { upload?: unknown }).upload : undefined;
  const rest = container ? { ...(block as Record<string, unknown>), upload: undefined } : block;
  const references: { source: TracedSource; inUpload: boolean }[] = [
    ...app.trace(stack, rest).map((source) => ({ source, inUpload: false })),
    ...app.trace(stack, uploads).map((source) => ({ source, inUpload: true })),
  ];
  const findings: PolicyFinding[] = [];
  const seen = new Set<string>();
  for (const { source, inUpload } of references) {
    const key = isPrivateKeySource(source) ? app.keyFacts(source) : undefined;
    if (!key?.ca) continue;
    if (source.stack === stack && !siteStack) continue;
    if (container?.onlineCa && inUpload && !key.root) continue;
    const what = `${key.root ? 'root' : 'intermediate'} CA ${key.caName ? `"${key.caName}" ` : ''}(${describe(source)})`;
    if (seen.has(what)) continue;
    seen.add(what);
    findings.push({
      rule: PolicyRule.CA_KEY_IN_SITE_STACK,
      site: container?.site ?? stack.node.id,
      node: container?.node ?? '-',
      path: element.node.path,
      message: siteStack
        ? `stack ${stack.node.id} deploys containers and references the private key of the ${what}`
        : `stack ${stack.node.id} references the private key of the ${what}, which belongs to stack ${source.stack.node.id}`,
    });
  }
  return findings;
}

/** Whether a mode string (`"0600"`, `"600"`, `"0o600"`) is exactly `mode`. */
function isMode(permissions: string | undefined, mode: number): boolean {
  if (permissions === undefined || !/^(0o?)?[0-7]{3,4}$/i.test(permissions)) return false;
  return parseInt(permissions.replace(/^0o/i, ''), 8) === mode;
}

function describe(s: TracedSource): string {
  return `${s.address} in stack ${s.stack.node.id}`;
}
