/** Verify a deployed federation against its spec: real TLS against every endpoint, and step-ca. */
export * from './admission';
export * from './dial-route';
export * from './endpoint-checks';
export * from './grpc-probe';
export * from './issue';
export * from './messages';
export * from './probe';
export * from './render';
export * from './result';
export * from './run';
export * from './served-certificate';
export * from './step-ca-checks';
export * from './targets';
