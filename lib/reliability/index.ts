export * from './retry-options';
export * from './retry';
export * from './in-flight-sends';
