import { types } from 'node:util';

// Checks that hold across JavaScript realms. Under a test runner that runs code in a vm context of
// its own (Jest does), Node's own objects — socket and fs errors, the promises of fs/promises and
// timers/promises — come from the main realm, so `instanceof Error` and `instanceof Promise` are
// false for them in the module's code.

/** Whether `value` is an Error of any realm. */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** Whether `value` is a promise (or any thenable) of any realm. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Whether `value` is a real Date of any realm (`fs.Stats` times are Node's, for one): one with a
 * time value. Not `instanceof`, which `Object.create(Date.prototype)` passes and Date's methods refuse.
 */
export function isDate(value: unknown): value is Date {
  return types.isDate(value);
}
