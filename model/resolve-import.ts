/**
 * Applies an imported PKI (spec `ca.import`, nodes' `certificate`) to a resolved federation: the files are
 * checked at synth (pki/imported-pki.ts) and their public material enters the model; during a root
 * rotation every trust list gains the previous root.
 */
import { PREVIOUS_ROOT_LAYOUT } from './import-model';
import { subjectOfPem } from './resolve-loom-gateway';
import { FederationModel, NodeModel } from './model';
import { SpecError } from './problems';
import { FederationSpec } from './spec';

export interface ResolveOptions {
  /**
   * The directory the spec's file paths are relative to, and where cdktf.out is written.
   * @default process.cwd()
   */
  readonly projectRoot?: string;
  /**
   * The time imported certificates are checked at (expiry, renewal window).
   * @default now
   */
  readonly now?: Date;
}

/** `model` with the imported PKI applied; throws SpecError listing every problem with the imported files. */
export function applyImportedPki(spec: FederationSpec, options: ResolveOptions, model: FederationModel): FederationModel {
  const importsAnything = spec.ca?.import !== undefined || spec.sites.some((s) => s.nodes.some((n) => n.certificate !== undefined));
  if (!importsAnything) return model;
  // Loaded only here: the checks need @peculiar/x509, whose loading (~50 ms) every other synth would pay too.
  const { checkImportedPki } = require('../pki/imported-pki') as typeof import('../pki/imported-pki');
  const result = checkImportedPki({ spec, model, projectRoot: options.projectRoot ?? process.cwd(), now: options.now ?? new Date() });
  if (result.problems.length > 0) throw new SpecError(result.problems);
  const rotating = result.ca?.previousRootCertPem !== undefined;

  const withImports = (node: NodeModel): NodeModel => {
    const own = result.nodeCertificates.get(node.id);
    const certificate = node.certificate && own ? { ...node.certificate, imported: own } : node.certificate;
    const previousCaFile = rotating && node.kind === 'semstreams' && node.tier !== 'none' ? PREVIOUS_ROOT_LAYOUT.semstreams : undefined;
    // A gateway pins the issuer of client certificates: with an imported CA, the CA that signs node certificates.
    const signer = result.ca ? result.ca.intermediate?.certPem ?? result.ca.rootCertPem : undefined;
    const gateway = node.kind === 'loom' && node.gateway && signer ? { gateway: { ...node.gateway, issuerSubject: subjectOfPem(signer) } } : {};
    return {
      ...node,
      ...gateway,
      ...(certificate ? { certificate } : {}),
      ...(previousCaFile ? { paths: { ...node.paths, previousCaFile } } : {}),
    };
  };
  const sites = model.sites.map((s) => ({ ...s, nodes: s.nodes.map(withImports) }));
  return {
    ...model,
    ca: { ...model.ca, ...(result.ca ? { imported: result.ca } : {}) },
    sites,
    nodes: sites.flatMap((s) => s.nodes),
    ...(model.stepCa ? { stepCa: { ...model.stepCa, ...(rotating ? { previousRootFile: PREVIOUS_ROOT_LAYOUT.stepCa } : {}) } } : {}),
  };
}
