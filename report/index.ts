/** The pull-request report: facts of a federation, rendered alone or as a diff of two. */
import { resolveFederation } from '../model/resolve';
import { FederationSpec } from '../model/spec';
import { diffFacts } from './diff';
import { collectFacts } from './facts';
import { replacementsFromPlan, replacementsFromStacks, TerraformPlanJson } from './replacements';
import { renderDiff } from './render-diff';
import { renderReport } from './render-report';
import { synthesizeStacks } from './synthesized-stacks';

export * from './diff';
export * from './facts';
export * from './mermaid';
export * from './render-diff';
export * from './render-report';
export * from './replacements';
export * from './synthesized-stacks';
export * from './trust-edges';
export * from './warnings';

/** The Markdown report of a spec. Throws SpecError when the spec is invalid. */
export function reportOfSpec(spec: FederationSpec): string {
  return renderReport(collectFacts(resolveFederation(spec)));
}

export interface DiffOptions {
  /**
   * `terraform show -json` of plans of the new federation's site stacks: which containers are replaced, and
   * why, is then read from what Terraform plans instead of from comparing the two synths.
   * @default none: compare the synthesized stacks
   */
  readonly plans?: readonly TerraformPlanJson[];
  /**
   * The directory imported PKI files are relative to.
   * @default process.cwd()
   */
  readonly projectRoot?: string;
}

/** The Markdown diff between two specs. Throws SpecError when either is invalid. */
export function diffOfSpecs(before: FederationSpec, after: FederationSpec, options: DiffOptions = {}): string {
  const root = options.projectRoot !== undefined ? { projectRoot: options.projectRoot } : {};
  const oldModel = resolveFederation(before, root), newModel = resolveFederation(after, root);
  const oldFacts = collectFacts(oldModel), newFacts = collectFacts(newModel);
  const facts = diffFacts(oldFacts, newFacts);
  // A new root re-signs every certificate; otherwise those whose subject, SANs, EKU, key or lifetime change.
  const reissuedCerts = facts.root.length > 0 ? newFacts.certificates : [...facts.certificates.added, ...facts.certificates.changed.map((c) => c.after)];
  const reissued = new Set(reissuedCerts.filter((c) => c.source === 'federation-ca').map((c) => c.nodeId));
  const replaced = options.plans
    ? replacementsFromPlan(options.plans, newModel)
    : replacementsFromStacks(synthesizeStacks(before, options.projectRoot), synthesizeStacks(after, options.projectRoot), {
      before: oldModel, after: newModel, reissuedCertificates: reissued, rootReplaced: facts.root.length > 0,
    });
  return renderDiff(diffFacts(oldFacts, newFacts, replaced));
}
