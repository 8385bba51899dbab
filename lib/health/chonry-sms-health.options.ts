import { ChonrySmsConfigError } from '../errors';
import { wholeNumberOption } from '../errors/option-checks';

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
  const timeout = wholeNumberOption(o.timeout, 'health.timeout', CHONRY_HEALTH_DEFAULT_TIMEOUT_MS, 1, 60_000, 'milliseconds');
  const failureThreshold = wholeNumberOption(o.failureThreshold, 'health.failureThreshold', CHONRY_HEALTH_DEFAULT_FAILURE_THRESHOLD, 1);
  const probe = o.probe ?? true;
  if (typeof probe !== 'boolean') throw new ChonrySmsConfigError('health.probe', 'must be true or false');
  return Object.freeze({ timeout, failureThreshold, probe });
}
