import { CHONRY_LOGGER_CONTEXT, CHONRY_SMS_DEFAULT_ACCOUNT } from './chonry-sms.constants';

/** The Nest logger context of an account's log lines: `ChonrySms`, or `ChonrySms:marketing`. */
export function chonrySmsLoggerContext(account: string): string {
  return account === CHONRY_SMS_DEFAULT_ACCOUNT ? CHONRY_LOGGER_CONTEXT : `${CHONRY_LOGGER_CONTEXT}:${account}`;
}
