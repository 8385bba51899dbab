// What the specs need from the test runner beyond @jest/globals: a visible note in the run's
// output, and a skip that says why.
import { format, types } from 'node:util';

/**
 * A line for the run's output (figures a test measures but does not judge). Written straight to
 * the worker's stdout, which Jest passes through in CI logs as it is, one line, no stack trace.
 */
export function diagnostic(message: string): void {
  process.stdout.write(`# ${format(message)}\n`);
}

type Block = (name: string, fn: () => unknown, timeout?: number) => unknown;

/**
 * `describe`/`it` as given when `reason` is false, otherwise its `.skip` with the reason added to
 * the name (so the skip is visible in the report, as node:test's `{ skip: reason }` was).
 */
export function skipIf<T extends Block & { skip: Block }>(reason: string | boolean | undefined, block: T): Block {
  if (!reason) return block;
  const why = typeof reason === 'string' ? reason : 'skipped';
  return (name, fn, timeout) => block.skip(`${name} [skipped: ${why}]`, fn, timeout);
}

/**
 * Whether `value` is an Error from any realm. Jest runs the tests in a vm context of their own, so
 * errors made by Node itself (sockets, fetch, fs) are not `instanceof Error` there.
 */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}
