/** Injection token of the options object given to `forRoot()` / returned by `forRootAsync()`'s factory. */
export const CHONRY_SMS_MODULE_OPTIONS = 'CHONRY_SMS:MODULE_OPTIONS';
/** Injection token of the checked options with their defaults applied (see `ResolvedChonrySmsOptions`). */
export const CHONRY_SMS_RESOLVED_OPTIONS = 'CHONRY_SMS:RESOLVED_OPTIONS';

export const CHONRY_DEFAULT_BASE_URL = 'https://intlapi.1cloudsp.com';
export const CHONRY_SEND_PATH = '/intl/api/v2/send';
/** The provider's main host, which serves the account endpoints (balance, templates, signs, reports). */
export const CHONRY_DEFAULT_API_BASE_URL = 'https://api.1cloudsp.com';
/** Account endpoints on `apiBaseUrl` (form POSTs with accesskey and secret). */
export const CHONRY_BALANCE_PATH = '/query/account';
export const CHONRY_TEMPLATES_PATH = '/query/templatelist';
export const CHONRY_SIGNS_PATH = '/query/signlist';
export const CHONRY_REPORTS_PATH = '/report/status';
export const CHONRY_DEFAULT_TIMEOUT_MS = 10_000;
export const CHONRY_DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
export const CHONRY_DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const CHONRY_LOGGER_CONTEXT = 'ChonrySms';
/** The account name of the registration without a `name`. */
export const CHONRY_SMS_DEFAULT_ACCOUNT = 'default';
