// Jest runs the suite over tsc's output, not the TypeScript sources: scripts/test.mjs compiles
// lib/, test/ and sample/ to ES modules in a folder of its own (Nest 12 ships ES modules only,
// which Jest loads in its native ESM mode) and passes that folder as --rootDir. Nothing is
// transformed here, and type-checking stays with tsc. Run the suite with `npm test`.
export default {
  testEnvironment: 'node',
  transform: {},
  testMatch: ['<rootDir>/test/**/*.spec.js'],
  // One worker per spec file at a time, four at once, as the node:test runner had.
  maxWorkers: Number(process.env.TEST_CONCURRENCY ?? 4),
  // Long tests exist (20,000 sends, a million-recipient campaign, a real browser); a hang still ends.
  testTimeout: 300_000,
  // Several specs start servers, Redis clients and child processes in one file; their own
  // after-hooks close them, and a worker that still does not exit is reported, then stopped.
  openHandlesTimeout: 5_000,
  verbose: true,
};
