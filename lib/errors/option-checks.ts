import { echo } from '../validation/problem';
import { ChonrySmsConfigError } from './chonry-sms.errors';

/** A plain decimal whole number as text: what an environment variable read by `ConfigService` holds. */
const DECIMAL_TEXT = /^-?(0|[1-9][0-9]{0,15})$/;

/**
 * A whole-number option from `min` to `max` (its default when absent), or a `ChonrySmsConfigError`
 * naming it. The one check behind every numeric option of the module, health, retry and queue.
 *
 * Options usually come from `ConfigService`, which reads environment variables as strings, so a
 * plain decimal string (`'5000'`) is read as its number. Anything else written as a string (`'5e3'`,
 * `' 5000'`, `'05'`) is refused, and the error says it got a string.
 */
export function wholeNumberOption(value: unknown, option: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): number {
  const given = value ?? fallback;
  const n = typeof given === 'string' && DECIMAL_TEXT.test(given) ? Number(given) : given;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    const got = typeof given === 'string' ? `the string ${echo(given)}` : String(n).slice(0, 40);
    throw new ChonrySmsConfigError(option, `must be a whole number${unit ? ` of ${unit}` : ''} ${range} (got ${got})`);
  }
  return n;
}
