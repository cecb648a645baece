/**
 * Reads and checks an imported PKI at synth: the CA files of `ca.import` and every node's own certificate.
 * Each failure becomes a SpecProblem at the spec field that names the file; what passes becomes the model's
 * imported material (public certificates as normalized PEM, keys as paths Terraform reads at apply time).
 */
import { ImportedCaModel, ImportedKeyPairModel } from '../model/import-model';
import { FederationModel, NodeModel } from '../model/model';
import { SpecProblem } from '../model/problems';
import { readRegularFile, UnreadableFileError } from '../model/read-file';
import { locateProjectFile, pathFromStack } from '../model/project-paths';
import { CertificateFilesSpec, FederationSpec } from '../model/spec';
import { Certificate } from './certificate';
import {
  checkCaCapable, checkCaValidity, checkExtendedKeyUsage, checkKeyMatches, checkKeyStrength, checkLeafValidity,
  checkNodeNames, checkNotCa, iso, verifyChain,
} from './certificate-checks';
import { parsePrivateKeyPem } from './pem';
import { Finding, findingMessage, PKI_RULES } from './rules';

const HOURS_PER_DAY = 24;
/** Certificate and key files are small; anything larger is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

export interface ImportedPkiInput {
  readonly spec: FederationSpec;
  /** The federation resolved without imports: node roles and the CA's validity settings. */
  readonly model: FederationModel;
  /** The directory the spec's file paths are relative to. */
  readonly projectRoot: string;
  /** The time certificates are checked at. */
  readonly now: Date;
}

export interface ImportedPki {
  readonly problems: readonly SpecProblem[];
  readonly ca?: ImportedCaModel;
  /** Nodes' own certificates by node id. */
  readonly nodeCertificates: ReadonlyMap<string, ImportedKeyPairModel>;
}

/** Where a problem goes: site/node context and the field naming the file. */
interface Place { readonly site?: string; readonly node?: string; readonly field: string }

/** Collects problems; each check result is placed at a field. */
class Findings {
  public readonly problems: SpecProblem[] = [];
  public add(place: Place, finding: Finding | undefined): boolean {
    if (!finding) return false;
    this.problems.push({
      ...(place.site !== undefined ? { site: place.site } : {}),
      ...(place.node !== undefined ? { node: place.node } : {}),
      field: place.field, message: findingMessage(finding), rule: finding.rule,
    });
    return true;
  }
}

/** Checks everything the spec imports. A spec that imports nothing yields nothing. */
export function checkImportedPki(input: ImportedPkiInput): ImportedPki {
  const { spec, model, projectRoot, now } = input;
  const out = new Findings();
  const imp = spec.ca?.import;
  const leafDays = model.ca.leafValidityHours / HOURS_PER_DAY;
  const renewalDays = model.ca.earlyRenewalHours / HOURS_PER_DAY;
  const files = new FileReader(projectRoot, out);

  let ca: ImportedCaModel | undefined;
  let root: Certificate | undefined;
  let previousRoot: Certificate | undefined;
  let intermediate: LoadedPair | undefined;
  let intermediateFailed = false;
  if (imp) {
    root = loadCa(files, out, { field: 'ca.import.rootCertFile' }, imp.rootCertFile, now, leafDays, 'rootCertFile holds the root alone (a rotation\'s old root goes in previousRootCertFile)');
    if (imp.previousRootCertFile !== undefined) {
      previousRoot = loadCa(files, out, { field: 'ca.import.previousRootCertFile' }, imp.previousRootCertFile, now, 0, 'previousRootCertFile holds one root');
    }
    const pair = (key: 'intermediate' | 'stepCaIntermediate', given: CertificateFilesSpec) =>
      loadIntermediate(files, out, `ca.import.${key}`, given, root, now, leafDays);
    if (imp.intermediate) {
      intermediate = pair('intermediate', imp.intermediate);
      intermediateFailed = intermediate === undefined;
    }
    const sameAsIntermediate = imp.stepCaIntermediate && imp.intermediate
      && imp.stepCaIntermediate.certFile === imp.intermediate.certFile && imp.stepCaIntermediate.keyFile === imp.intermediate.keyFile;
    const stepCaIntermediate = imp.stepCaIntermediate && !sameAsIntermediate ? pair('stepCaIntermediate', imp.stepCaIntermediate) : intermediate;
    if (model.stepCa && !imp.stepCaIntermediate && !imp.intermediate) {
      out.add({ field: 'ca.import.stepCaIntermediate' }, { message: 'tier acme runs step-ca, and ca.import names no intermediate for it to sign with', rule: PKI_RULES.stepCaSigner });
    }
    if (root) {
      ca = {
        rootCertPem: root.pem,
        rootNotAfter: iso(root.notAfter),
        ...(previousRoot ? { previousRootCertPem: previousRoot.pem } : {}),
        ...(intermediate ? { intermediate: intermediate.model } : {}),
        ...(stepCaIntermediate && model.stepCa ? { stepCaIntermediate: stepCaIntermediate.model } : {}),
      };
    }
  }

  const nodeCertificates = new Map<string, ImportedKeyPairModel>();
  const specNodes = new Map(spec.sites.flatMap((s) => s.nodes.map((n) => [n.id, n] as const)));
  for (const node of model.nodes) {
    const given = specNodes.get(node.id)?.certificate;
    const place = (field: string): Place => ({ site: node.siteId, node: node.id, field });
    if (!given) {
      if (imp && node.certificate && !imp.intermediate) {
        out.add(place('certificate'), { message: `node ${node.id} needs a certificate, and ca.import names no intermediate to sign one`, rule: PKI_RULES.needsSigner });
      }
      continue;
    }
    if (!imp) {
      out.add(place('certificate'), { message: 'given without ca.import: the pki stack would generate the root, which does not exist at synth to check the certificate against', rule: PKI_RULES.needsImportedRoot });
      continue;
    }
    if (!node.certificate) {
      out.add(place('certificate'), { message: `given, but node ${node.id} uses no federation certificate (tier ${node.tier}${node.kind === 'loom' ? `, Loom TLS mode ${node.tls.mode}` : ''})`, rule: PKI_RULES.certificateUnused });
      continue;
    }
    const anchors = [root, previousRoot].filter((c): c is Certificate => c !== undefined);
    const loaded = loadNodeCertificate(files, out, place, given, node, {
      anchors: root && !intermediateFailed ? anchors : undefined,
      pool: intermediate?.chain ?? [],
      now, renewalDays,
    });
    if (loaded) nodeCertificates.set(node.id, loaded);
  }
  return { problems: out.problems, ...(ca ? { ca } : {}), nodeCertificates };
}

/** Reads files the spec names, inside the project, reporting missing ones with the code for their kind. */
class FileReader {
  constructor(private readonly projectRoot: string, private readonly out: Findings) {}

  /** The file's text and its path from a stack directory, or undefined (problem reported). */
  public read(place: Place, given: string, kind: 'cert' | 'key'): { text: string; fromStack: string } | undefined {
    const located = locateProjectFile(given, this.projectRoot);
    if ('outside' in located) {
      this.out.add(place, { message: `${located.outside} is outside the project root ${this.projectRoot}; put it inside the project (e.g. a secrets/ folder kept out of git)`, rule: PKI_RULES.inProject });
      return undefined;
    }
    const code = kind === 'cert' ? 'tls_cert_not_found' : 'tls_key_not_found';
    const rule = kind === 'cert' ? PKI_RULES.certNotFound : PKI_RULES.keyNotFound;
    try {
      // Only a regular file, at most MAX_FILE_BYTES: /dev/zero or a FIFO would exhaust memory or block synth.
      return { text: readRegularFile(located.absolute, MAX_FILE_BYTES), fromStack: pathFromStack(located.relative) };
    } catch (e) {
      if (!(e instanceof UnreadableFileError)) throw e;
      const what = e.code === 'ETOOBIG' ? `too large for a PEM ${kind === 'cert' ? 'certificate' : 'key'}` : e.message;
      this.out.add(place, { code, message: `cannot open ${located.relative}: ${what}`, rule });
      return undefined;
    }
  }
}

/** Every certificate of a file, or undefined (problem reported). */
function readCertificates(files: FileReader, out: Findings, place: Place, given: string): Certificate[] | undefined {
  const file = files.read(place, given, 'cert');
  if (!file) return undefined;
  let certs: Certificate[];
  try {
    certs = Certificate.allFromPem(file.text);
  } catch (e) {
    out.add(place, { code: 'tls_cert_not_found', message: `${given} holds a CERTIFICATE block that does not parse (${(e as Error).message.split('\n')[0]})`, rule: PKI_RULES.certNotFound });
    return undefined;
  }
  if (certs.length === 0) {
    out.add(place, { code: 'tls_cert_not_found', message: `${given} holds no PEM certificate`, rule: PKI_RULES.certNotFound });
    return undefined;
  }
  return certs;
}

/** A root (or previous root): one CA certificate, valid for `outliveDays` more. */
function loadCa(files: FileReader, out: Findings, place: Place, given: string, now: Date, outliveDays: number, oneRule: string): Certificate | undefined {
  const certs = readCertificates(files, out, place, given);
  if (!certs) return undefined;
  const [cert] = certs;
  const bad = [
    out.add(place, certs.length > 1 ? { message: `${given} holds ${certs.length} certificates, not one`, rule: oneRule } : undefined),
    out.add(place, checkCaCapable(cert, given)),
    out.add(place, checkKeyStrength(cert.publicKey, given)),
    out.add(place, checkCaValidity(cert, now, outliveDays, given)),
  ].some(Boolean);
  return bad ? undefined : cert;
}

interface LoadedPair {
  readonly model: ImportedKeyPairModel;
  /** The certificate and the intermediates above it, as verified (no root). */
  readonly chain: readonly Certificate[];
}

/** An intermediate CA and its key: CA flags, key, strength, validity and chain to the root. */
function loadIntermediate(files: FileReader, out: Findings, base: string, given: CertificateFilesSpec, root: Certificate | undefined, now: Date, outliveDays: number): LoadedPair | undefined {
  const certPlace = { field: `${base}.certFile` };
  const keyPlace = { field: `${base}.keyFile` };
  const certs = readCertificates(files, out, certPlace, given.certFile);
  const key = readKey(files, out, keyPlace, given.keyFile);
  if (!certs || !key) return undefined;
  const [cert, ...above] = certs;
  let bad = [
    out.add(certPlace, checkCaCapable(cert, given.certFile)),
    out.add(certPlace, checkKeyStrength(cert.publicKey, given.certFile)),
    out.add(certPlace, checkCaValidity(cert, now, outliveDays, given.certFile)),
    out.add(keyPlace, checkKeyMatches(cert, key.key, given.certFile, given.keyFile)),
  ].some(Boolean);
  if (!root) return undefined;
  const verified = verifyChain(cert, above, [root], now, given.certFile);
  if ('finding' in verified) bad = out.add(certPlace, verified.finding) || bad;
  if (bad || 'finding' in verified) return undefined;
  const chain = verified.chain.path.slice(0, -1);
  return {
    model: { certPem: cert.pem, chainPem: verified.chain.sentPem, notAfter: iso(cert.notAfter), keyFileFromStack: key.fromStack },
    chain,
  };
}

/** A node's own certificate and key: everything a peer and the service would check. */
function loadNodeCertificate(files: FileReader, out: Findings, place: (field: string) => Place, given: CertificateFilesSpec, node: NodeModel,
  ctx: { anchors?: readonly Certificate[]; pool: readonly Certificate[]; now: Date; renewalDays: number }): ImportedKeyPairModel | undefined {
  const certPlace = place('certificate.certFile');
  const keyPlace = place('certificate.keyFile');
  const certs = readCertificates(files, out, certPlace, given.certFile);
  const key = readKey(files, out, keyPlace, given.keyFile);
  if (!certs || !key) return undefined;
  const [cert, ...above] = certs;
  const role = node.certificate!;
  let bad = [
    out.add(keyPlace, checkKeyMatches(cert, key.key, given.certFile, given.keyFile)),
    out.add(certPlace, checkKeyStrength(cert.publicKey, given.certFile)),
    out.add(certPlace, checkNotCa(cert, given.certFile)),
    out.add(certPlace, checkLeafValidity(cert, ctx.now, ctx.renewalDays, given.certFile)),
    out.add(certPlace, checkNodeNames(cert, node.fqdn, node.dnsNames, node.ipAddresses, given.certFile)),
    out.add(certPlace, checkExtendedKeyUsage(cert, role.serverAuth, role.clientAuth, given.certFile)),
  ].some(Boolean);
  // Without a usable root (or with a broken intermediate) the chain cannot be judged; that problem is reported where it is.
  if (!ctx.anchors) return undefined;
  const verified = verifyChain(cert, [...above, ...ctx.pool], ctx.anchors, ctx.now, given.certFile);
  if ('finding' in verified) bad = out.add(certPlace, verified.finding) || bad;
  if (bad || 'finding' in verified) return undefined;
  return { certPem: cert.pem, chainPem: verified.chain.sentPem, notAfter: iso(cert.notAfter), keyFileFromStack: key.fromStack };
}

function readKey(files: FileReader, out: Findings, place: Place, given: string) {
  const file = files.read(place, given, 'key');
  if (!file) return undefined;
  const parsed = parsePrivateKeyPem(file.text);
  if ('problem' in parsed) {
    out.add(place, { code: 'tls_key_not_found', message: `${given} ${parsed.problem}`, rule: PKI_RULES.keyNotFound });
    return undefined;
  }
  // Strength is judged on the certificate's public key (one problem per weak pair); a different key is a mismatch.
  return { key: parsed.key, fromStack: file.fromStack };
}
