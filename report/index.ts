/** The pull-request report: facts of a federation, rendered alone or as a diff of two. */
import { resolveFederation } from '../model/resolve';
import { FederationSpec } from '../model/spec';
import { diffFacts } from './diff';
import { collectFacts } from './facts';
import { renderDiff } from './render-diff';
import { renderReport } from './render-report';

export * from './diff';
export * from './facts';
export * from './mermaid';
export * from './render-diff';
export * from './render-report';
export * from './trust-edges';
export * from './warnings';

/** The Markdown report of a spec. Throws SpecError when the spec is invalid. */
export function reportOfSpec(spec: FederationSpec): string {
  return renderReport(collectFacts(resolveFederation(spec)));
}

/** The Markdown diff between two specs. Throws SpecError when either is invalid. */
export function diffOfSpecs(before: FederationSpec, after: FederationSpec): string {
  return renderDiff(diffFacts(collectFacts(resolveFederation(before)), collectFacts(resolveFederation(after))));
}
