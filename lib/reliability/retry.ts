import { setTimeout as delay } from 'node:timers/promises';
import { ChonrySmsApiError, ChonrySmsError, ChonrySmsTransportError } from '../errors';
import type { ResolvedRetryOptions } from './retry-options';

/**
 * Full-jitter exponential backoff: a uniform wait in [0, min(maxDelay, initialDelay·2^(retry−1))].
 * `retry` counts from 1 (the wait before the second attempt).
 */
export function backoffDelay(retry: number, policy: ResolvedRetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * 2 ** (retry - 1));
  return Math.floor(random() * (ceiling + 1));
}

/** Whether a failed attempt may be tried again under `policy`. */
export function isRetryable(err: unknown, policy: ResolvedRetryOptions): boolean {
  if (err instanceof ChonrySmsApiError) return policy.retryOnCodes.has(err.code);
  if (!(err instanceof ChonrySmsTransportError) || err.kind === 'shutdown') return false;
  return err.delivery === 'not-sent' || policy.retryUnknownDelivery;
}

/** Called before each retry, for logging. */
export type RetryListener = (failure: ChonrySmsError, attempt: number, delayMs: number) => void;

/**
 * Runs `attempt` until it succeeds, fails in a way `policy` does not retry, or runs out of
 * attempts. If any attempt may have reached the provider, the final error says `unknown` even
 * when a later attempt failed provably unsent.
 */
export async function withRetry<T>(
  policy: ResolvedRetryOptions,
  cancel: AbortSignal,
  attempt: () => Promise<T>,
  onRetry?: RetryListener,
): Promise<T> {
  let mayHaveBeenSent: ChonrySmsError | undefined;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof ChonrySmsError && err.delivery === 'unknown') mayHaveBeenSent = err;
      if (n >= policy.attempts || !isRetryable(err, policy)) throw withDelivery(err, mayHaveBeenSent, n);
      const delayMs = backoffDelay(n, policy);
      onRetry?.(err as ChonrySmsError, n, delayMs);
      if (!(await sleep(delayMs, cancel))) {
        const last = err as ChonrySmsError;
        throw new ChonrySmsTransportError(
          'shutdown',
          mayHaveBeenSent ? 'unknown' : 'not-sent',
          `the application shut down while waiting to retry after attempt ${n} failed (${failureName(last)})`,
        );
      }
    }
  }
}

function failureName(err: ChonrySmsError): string {
  return err instanceof ChonrySmsTransportError ? err.kind : err instanceof ChonrySmsApiError ? `code ${err.code}` : err.name;
}

/** The error to report after `attempts`: an earlier attempt that may have gone out makes it `unknown`. */
function withDelivery(err: unknown, mayHaveBeenSent: ChonrySmsError | undefined, attempts: number): unknown {
  if (!mayHaveBeenSent || !(err instanceof ChonrySmsError) || err.delivery === 'unknown') return err;
  return new ChonrySmsTransportError(
    mayHaveBeenSent instanceof ChonrySmsTransportError ? mayHaveBeenSent.kind : 'network',
    'unknown',
    `an earlier attempt ended in ${failureName(mayHaveBeenSent)}, and the last of ${attempts} attempts in ${failureName(err)}`,
    mayHaveBeenSent instanceof ChonrySmsTransportError ? mayHaveBeenSent.status : undefined,
    mayHaveBeenSent instanceof ChonrySmsTransportError ? mayHaveBeenSent.errno : undefined,
  );
}

/** Waits `ms`; resolves false at once if `cancel` aborts first. Leaves no timer behind either way. */
function sleep(ms: number, cancel: AbortSignal): Promise<boolean> {
  return delay(ms, true, { signal: cancel }).catch(() => false);
}
