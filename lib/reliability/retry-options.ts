import { ChonrySmsConfigError } from '../errors';
import { wholeNumberOption } from '../errors/option-checks';
import { optionKey } from '../validation/problem';

/** The `retry` module option. Absent: every send is tried exactly once. */
export interface ChonrySmsRetryOptions {
  /** Attempts in all, the first included (1–10); default 3. */
  attempts?: number;
  /** Backoff ceiling before the first retry, in ms; it doubles per retry. Default 200. */
  initialDelay?: number;
  /** Cap on any single backoff, in ms; default 5000. */
  maxDelay?: number;
  /** Provider `code`s to retry as well (e.g. `['9024']`); the provider refused those, so nothing was sent. Default none. */
  retryOnCodes?: string[];
  /**
   * Also retry failures that may have reached the provider: timeouts, resets after the request was
   * written, HTTP errors, unreadable replies. **This can deliver a message twice.** Default false.
   */
  retryUnknownDelivery?: boolean;
}

/** `retry` after checking, with defaults applied. `attempts: 1` means no retries. */
export interface ResolvedRetryOptions {
  readonly attempts: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly retryOnCodes: ReadonlySet<string>;
  readonly retryUnknownDelivery: boolean;
}

export const NO_RETRY: ResolvedRetryOptions = Object.freeze({
  attempts: 1,
  initialDelay: 0,
  maxDelay: 0,
  retryOnCodes: new Set<string>(),
  retryUnknownDelivery: false,
});

const KNOWN = new Set(['attempts', 'initialDelay', 'maxDelay', 'retryOnCodes', 'retryUnknownDelivery']);


/** Checks the `retry` option; throws `ChonrySmsConfigError` naming the bad field (e.g. `retry.attempts`). */
export function resolveRetryOptions(value: unknown): ResolvedRetryOptions {
  if (value === undefined || value === null || value === false) return NO_RETRY;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ChonrySmsConfigError('retry', 'must be an object such as { attempts: 3 }');
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new ChonrySmsConfigError(`retry.${optionKey(key)}`, `is not a known option (known: ${[...KNOWN].join(', ')})`);
  }
  const attempts = wholeNumberOption(o.attempts, 'retry.attempts', 3, 1, 10);
  const initialDelay = wholeNumberOption(o.initialDelay, 'retry.initialDelay', 200, 0, 60_000);
  const maxDelay = wholeNumberOption(o.maxDelay, 'retry.maxDelay', Math.max(5_000, initialDelay), 0, 300_000);
  if (maxDelay < initialDelay) {
    throw new ChonrySmsConfigError('retry.maxDelay', `must not be less than retry.initialDelay (${initialDelay})`);
  }
  const codes = o.retryOnCodes ?? [];
  if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string' && /^\d{1,10}$/.test(c) && c !== '0')) {
    throw new ChonrySmsConfigError('retry.retryOnCodes', "must be an array of the provider's non-zero codes as strings, e.g. ['9024']");
  }
  const unknownDelivery = o.retryUnknownDelivery ?? false;
  if (typeof unknownDelivery !== 'boolean') {
    throw new ChonrySmsConfigError('retry.retryUnknownDelivery', 'must be true or false');
  }
  return Object.freeze({ attempts, initialDelay, maxDelay, retryOnCodes: new Set(codes as string[]), retryUnknownDelivery: unknownDelivery });
}
