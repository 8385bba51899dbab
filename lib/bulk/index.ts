export * from './bulk-options';
export * from './bulk-runner';
export * from './request-rate-limiter';
