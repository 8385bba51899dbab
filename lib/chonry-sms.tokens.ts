import type { InjectionToken } from '@nestjs/common';
import { CHONRY_SMS_DEFAULT_ACCOUNT, CHONRY_SMS_MODULE_OPTIONS, CHONRY_SMS_RESOLVED_OPTIONS } from './chonry-sms.constants';
import { ChonrySmsService } from './chonry-sms.service';
import { ChonrySmsConfigError } from './errors';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The account a registration's `name` stands for: `'default'` when absent. A name is 1 to 64
 * letters, digits, `_`, `.` or `-` (it goes into injection tokens, log contexts and queue names).
 */
export function accountName(name: unknown): string {
  if (name === undefined || name === null) return CHONRY_SMS_DEFAULT_ACCOUNT;
  if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
    throw new ChonrySmsConfigError('name', 'must be 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  return name;
}

/** The injection tokens of one account. The default account keeps the plain class and string tokens. */
export interface ChonrySmsAccountTokens {
  readonly service: InjectionToken;
  readonly transport: InjectionToken;
  readonly options: string;
  readonly resolvedOptions: string;
}

export function chonrySmsTokens(name?: string): ChonrySmsAccountTokens {
  const account = accountName(name);
  if (account === CHONRY_SMS_DEFAULT_ACCOUNT) {
    return { service: ChonrySmsService, transport: ChonrySmsTransport, options: CHONRY_SMS_MODULE_OPTIONS, resolvedOptions: CHONRY_SMS_RESOLVED_OPTIONS };
  }
  return {
    service: `CHONRY_SMS:${account}:SERVICE`,
    transport: `CHONRY_SMS:${account}:TRANSPORT`,
    options: `${CHONRY_SMS_MODULE_OPTIONS}:${account}`,
    resolvedOptions: `${CHONRY_SMS_RESOLVED_OPTIONS}:${account}`,
  };
}

/** The token `@InjectChonrySms(name)` injects: `ChonrySmsService` itself for the default account. */
export function getChonrySmsServiceToken(name?: string): InjectionToken {
  return chonrySmsTokens(name).service;
}
