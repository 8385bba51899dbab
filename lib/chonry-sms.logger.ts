import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { CHONRY_LOGGER_CONTEXT, CHONRY_SMS_DEFAULT_ACCOUNT } from './chonry-sms.constants';

/** The Nest logger context of an account's log lines: `ChonrySms`, or `ChonrySms:marketing`. */
export function chonrySmsLoggerContext(account: string): string {
  return account === CHONRY_SMS_DEFAULT_ACCOUNT ? CHONRY_LOGGER_CONTEXT : `${CHONRY_LOGGER_CONTEXT}:${account}`;
}

/**
 * Whether Nest would print a debug line now: per-request debug lines are only built then. Levels
 * can change at run time (`app.useLogger`), so this is asked per line. Nest 12's
 * `Logger.isLevelEnabled` asks the app's logger; Nest 11's only reads levels set as an array and
 * says "off" for a logger instance (`logger: new ConsoleLogger(...)`, pino), so the same question
 * is asked here for both lines: no logger means off, a `ConsoleLogger` answers for itself, any
 * other logger is on unless levels were set explicitly.
 */
export function debugEnabled(): boolean {
  const statics = Logger as unknown as { staticInstanceRef?: unknown; logLevels?: LogLevel[] };
  if (!('staticInstanceRef' in statics)) return true;
  const instance = statics.staticInstanceRef;
  if (!instance) return false;
  if (instance instanceof ConsoleLogger) return instance.isLevelEnabled('debug');
  return statics.logLevels ? Logger.isLevelEnabled('debug') : true;
}
