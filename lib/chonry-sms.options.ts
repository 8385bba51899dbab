import { inspect } from 'node:util';
import {
  CHONRY_DEFAULT_API_BASE_URL,
  CHONRY_DEFAULT_BASE_URL,
  CHONRY_DEFAULT_SHUTDOWN_GRACE_MS,
  CHONRY_DEFAULT_TIME_ZONE,
  CHONRY_DEFAULT_TIMEOUT_MS,
  CHONRY_SEND_PATH,
  CHONRY_SMS_DEFAULT_ACCOUNT,
} from './chonry-sms.constants';
import { resolveBulkDefaults } from './bulk/bulk-options';
import { ChonrySmsConfigError } from './errors';
import { wholeNumberOption } from './errors/option-checks';
import { Redactor } from './errors/redact';
import { withAccount } from './errors/with-account';
import { resolveRetryOptions, ResolvedRetryOptions } from './reliability/retry-options';
import type { ChonrySmsBulkDefaults, ChonrySmsModuleOptions } from './interfaces';
import { resolveProxyOption, ResolvedChonrySmsProxy } from './transport/proxy';
import { hidingValues, isKnownTimeZone, shortTextProblem } from './validation';

const secrets = new WeakMap<ChonrySmsCredentials, string>();

/** Holds the account credentials; the secret lives outside the object, invisible to inspect, JSON and types. */
export class ChonrySmsCredentials {
  constructor(
    readonly accessKey: string,
    secret: string,
  ) {
    secrets.set(this, secret);
  }

  toJSON(): object {
    return { accessKey: this.accessKey, secret: '[redacted]' };
  }

  [inspect.custom](): string {
    return `ChonrySmsCredentials { accessKey: ${JSON.stringify(this.accessKey)}, secret: [redacted] }`;
  }
}

/** The secret, for the form encoder only; not exported from any entry point. */
export function revealSecret(credentials: ChonrySmsCredentials): string {
  return secrets.get(credentials) ?? '';
}

/** The module's options after checking, with defaults applied. */
export interface ResolvedChonrySmsOptions {
  /** The account's registration name; `'default'` for the unnamed registration. Never a credential. */
  readonly account: string;
  readonly credentials: ChonrySmsCredentials;
  readonly baseUrl: string;
  /** `baseUrl` + the send path. */
  readonly sendUrl: string;
  /** The proxy to reach the gateway through; absent: direct. */
  readonly proxy?: ResolvedChonrySmsProxy;
  /** Origin of the provider's account endpoints (balance, templates, signs, delivery reports). */
  readonly apiBaseUrl: string;
  readonly timeout: number;
  readonly timeZone: string;
  readonly defaults: { readonly templateId?: string; readonly sign?: string; readonly senderId?: string };
  readonly retry: ResolvedRetryOptions;
  readonly shutdownGracePeriod: number;
  /** Defaults for `sendBulk()` / `sendPersonalizedBulk()`, checked. */
  readonly bulk?: Readonly<ChonrySmsBulkDefaults>;
}

function requireString(options: Record<string, unknown>, key: string): string {
  const value = options[key];
  if (value === undefined || value === null || value === '') {
    throw new ChonrySmsConfigError(key, 'is required (a non-empty string)');
  }
  if (typeof value !== 'string') throw new ChonrySmsConfigError(key, `must be a string (got ${typeof value})`);
  if (value.trim() !== value || /[\u0000-\u001F\u007F]/.test(value)) {
    throw new ChonrySmsConfigError(key, 'must not contain surrounding spaces or control characters');
  }
  if (!value.isWellFormed()) {
    // It could not be written as UTF-8 on the wire; the value itself is not shown (it may be the secret).
    throw new ChonrySmsConfigError(key, 'contains an unpaired UTF-16 surrogate, so it cannot be sent as UTF-8');
  }
  return value;
}

function optionalShortText(options: Record<string, unknown>, key: string): string | undefined {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  const problem = shortTextProblem(value);
  if (problem) throw new ChonrySmsConfigError(key, problem);
  return value as string;
}

/** An absolute http(s) URL without credentials, query or fragment; returned without trailing slashes. */
function originOption(o: Record<string, unknown>, key: string, fallback: string): string {
  const raw = o[key] ?? fallback;
  let url: URL;
  try {
    if (typeof raw !== 'string') throw new TypeError();
    url = new URL(raw);
  } catch {
    throw new ChonrySmsConfigError(key, `must be an absolute http(s) URL such as ${fallback}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ChonrySmsConfigError(key, 'must use http: or https:');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ChonrySmsConfigError(key, 'must not contain credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** Checks the options given to the module; throws `ChonrySmsConfigError` naming the first bad one. */
export function resolveChonrySmsOptions(options: ChonrySmsModuleOptions | undefined | null, account = CHONRY_SMS_DEFAULT_ACCOUNT): ResolvedChonrySmsOptions {
  // A secret put into the wrong option (an environment mix-up) must not be shown by that option's
  // message: every check that quotes a value (echo, describeType, optionKey) hides it while this runs.
  const secret = (options as { secret?: unknown } | null | undefined)?.secret;
  try {
    return hidingValues([secret], () => resolveOptions(options, account));
  } catch (err) {
    if (!(err instanceof ChonrySmsConfigError)) throw err;
    // A safety net for a message that quotes a value some other way: the secret's forms are cut
    // out of the message, which stays otherwise whole. Too short a secret is not searched for: a
    // one-letter secret would cut letters out of every message.
    const redactor = new Redactor([typeof secret === 'string' && secret.length >= 8 ? secret : undefined]);
    const clean = redactor.contains(err.message) || redactor.contains(err.option)
      ? Object.assign(err, { option: redactor.redact(err.option), message: redactor.redact(err.message), stack: redactor.redact(err.stack ?? '') })
      : err;
    throw withAccount(clean, account);
  }
}

function resolveOptions(options: ChonrySmsModuleOptions | undefined | null, account: string): ResolvedChonrySmsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ChonrySmsConfigError('options', 'must be an object with at least accessKey and secret');
  }
  const o = options as unknown as Record<string, unknown>;
  if ('name' in o) {
    // By the time a factory runs, the registration's tokens are made: the name cannot change them.
    throw new ChonrySmsConfigError('name', 'must be given next to useFactory in forRootAsync({ name, useFactory }), not returned by the factory');
  }
  const accessKey = requireString(o, 'accessKey');
  const secret = requireString(o, 'secret');

  const baseUrl = originOption(o, 'baseUrl', CHONRY_DEFAULT_BASE_URL);
  const apiBaseUrl = originOption(o, 'apiBaseUrl', CHONRY_DEFAULT_API_BASE_URL);

  const proxy = resolveProxyOption(o.proxy, new URL(baseUrl));
  const timeout = wholeNumberOption(o.timeout, 'timeout', CHONRY_DEFAULT_TIMEOUT_MS, 1, 600_000, 'milliseconds');

  const timeZone = o.timeZone ?? CHONRY_DEFAULT_TIME_ZONE;
  if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
    throw new ChonrySmsConfigError('timeZone', 'must be an IANA time zone such as Asia/Shanghai (the value given is not one this runtime knows)');
  }

  const retry = resolveRetryOptions(o.retry);
  const shutdownGracePeriod = wholeNumberOption(o.shutdownGracePeriod, 'shutdownGracePeriod', CHONRY_DEFAULT_SHUTDOWN_GRACE_MS, 0, 600_000, 'milliseconds');

  return Object.freeze({
    account,
    credentials: new ChonrySmsCredentials(accessKey, secret),
    baseUrl,
    sendUrl: baseUrl + CHONRY_SEND_PATH,
    proxy,
    apiBaseUrl,
    timeout,
    timeZone,
    defaults: Object.freeze({
      templateId: optionalShortText(o, 'templateId'),
      sign: optionalShortText(o, 'sign'),
      senderId: optionalShortText(o, 'senderId'),
    }),
    retry,
    shutdownGracePeriod,
    bulk: resolveBulkDefaults(o.bulk),
  });
}
