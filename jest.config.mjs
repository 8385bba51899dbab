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
  // Every test's name and time in the log, as the node:test runner printed them.
  verbose: true,
};
