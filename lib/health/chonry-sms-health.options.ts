import { ChonrySmsConfigError } from '../errors';

/** Injection token of the health indicator's options. */
export const CHONRY_SMS_HEALTH_OPTIONS = 'CHONRY_SMS:HEALTH_OPTIONS';

export const CHONRY_HEALTH_DEFAULT_TIMEOUT_MS = 3_000;
export const CHONRY_HEALTH_DEFAULT_FAILURE_THRESHOLD = 3;

/** How `ChonrySmsHealthIndicator` judges the SMS path. */
export interface ChonrySmsHealthOptions {
  /** ms the gateway probe may take before the check reports down; default 3000. */
  timeout?: number;
  /** Down after this many consecutive transport failures of real sends; default 3. */
  failureThreshold?: number;
  /** Probe the gateway with a credential-less HEAD request on every check; default true. */
  probe?: boolean;
}

export type ResolvedChonrySmsHealthOptions = Required<ChonrySmsHealthOptions>;

export function resolveChonrySmsHealthOptions(options: ChonrySmsHealthOptions | undefined | null): ResolvedChonrySmsHealthOptions {
  const o = options ?? {};
  const timeout = o.timeout ?? CHONRY_HEALTH_DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 60_000) {
    throw new ChonrySmsConfigError('health.timeout', `must be a whole number of milliseconds from 1 to 60000 (got ${String(timeout)})`);
  }
  const failureThreshold = o.failureThreshold ?? CHONRY_HEALTH_DEFAULT_FAILURE_THRESHOLD;
  if (typeof failureThreshold !== 'number' || !Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new ChonrySmsConfigError('health.failureThreshold', `must be a whole number from 1 (got ${String(failureThreshold)})`);
  }
  const probe = o.probe ?? true;
  if (typeof probe !== 'boolean') throw new ChonrySmsConfigError('health.probe', 'must be true or false');
  return Object.freeze({ timeout, failureThreshold, probe });
}
