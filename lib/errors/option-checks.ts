import { ChonrySmsConfigError } from './chonry-sms.errors';

/**
 * A whole-number option from `min` to `max` (its default when absent), or a `ChonrySmsConfigError`
 * naming it. The one check behind every numeric option of the module, health, retry and queue.
 */
export function wholeNumberOption(value: unknown, option: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ChonrySmsConfigError(option, `must be a whole number${unit ? ` of ${unit}` : ''} ${range} (got ${String(n).slice(0, 40)})`);
  }
  return n;
}
