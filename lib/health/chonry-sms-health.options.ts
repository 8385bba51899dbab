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
  /**
   * Down when the international SMS balance (`getBalance().internationalSms`, from `apiBaseUrl`)
   * is below this. Absent: the balance is not checked.
   */
  minBalance?: number;
  /** ms a balance read is reused before the next check reads it again; default 300000 (5 minutes). */
  balanceCacheTtl?: number;
}

export interface ResolvedChonrySmsHealthOptions {
  readonly timeout: number;
  readonly failureThreshold: number;
  readonly probe: boolean;
  readonly minBalance: number | undefined;
  readonly balanceCacheTtl: number;
}

export const CHONRY_HEALTH_DEFAULT_BALANCE_CACHE_TTL_MS = 300_000;

/** A plain decimal as `ConfigService` reads it: `'100'`, `'12.5'`. */
const DECIMAL_TEXT = /^(0|[1-9][0-9]{0,15})(\.[0-9]{1,6})?$/;

function minBalanceOption(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && DECIMAL_TEXT.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new ChonrySmsConfigError('health.minBalance', `must be a number of at least 0 (got ${typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value})`);
  }
  return n;
}

export function resolveChonrySmsHealthOptions(options: ChonrySmsHealthOptions | undefined | null): ResolvedChonrySmsHealthOptions {
  const o = options ?? {};
  const timeout = wholeNumberOption(o.timeout, 'health.timeout', CHONRY_HEALTH_DEFAULT_TIMEOUT_MS, 1, 60_000, 'milliseconds');
  const failureThreshold = wholeNumberOption(o.failureThreshold, 'health.failureThreshold', CHONRY_HEALTH_DEFAULT_FAILURE_THRESHOLD, 1);
  const probe = o.probe ?? true;
  if (typeof probe !== 'boolean') throw new ChonrySmsConfigError('health.probe', 'must be true or false');
  const minBalance = minBalanceOption(o.minBalance);
  const balanceCacheTtl = wholeNumberOption(o.balanceCacheTtl, 'health.balanceCacheTtl', CHONRY_HEALTH_DEFAULT_BALANCE_CACHE_TTL_MS, 1_000, 86_400_000, 'milliseconds');
  return Object.freeze({ timeout, failureThreshold, probe, minBalance, balanceCacheTtl });
}
