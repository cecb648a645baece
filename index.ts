/** federation-pki: the TLS/mTLS estate of a SemStreams or Loom federation, as cdktf stacks. */
export * from './model/spec';
export * from './model/model';
export * from './model/key-algorithm';
export * from './model/problems';
export { RULES, validateSpec } from './model/validate';
export { resolveFederation } from './model/resolve';
export { loadSpecFile, parseSpec } from './model/load';
export { exampleSpec, EXAMPLE_SPEC_PATH } from './model/example';
export * from './render/semstreams-config';
export * from './render/looms-yaml';
export * from './constructs/federation-ca';
export * from './constructs/location-certificate';
export * from './constructs/service-container';
export * from './stacks/backend';
export * from './stacks/pki-stack';
export * from './stacks/site-stack';
export * from './stacks/federation';
export * from './policy';
