import type { ChonrySmsRetryOptions } from '../reliability/retry-options';
import type { ChonrySmsProxyOption } from '../transport/proxy';
import type { ChonrySmsBulkDefaults } from './bulk-send.interface';

/** What `ChonrySmsModule.forRoot()` / `forRootAsync()` accept. */
export interface ChonrySmsModuleOptions {
  /** Account access key (the provider's `accesskey`). */
  accessKey: string;
  /** Account secret. Never logged, never put in an error or a health report. */
  secret: string;
  /** Gateway origin; default `https://intlapi.1cloudsp.com`. Plain `http:` only if you set it. */
  baseUrl?: string;
  /**
   * How to reach the gateway: `false` (default) connects directly whatever the environment says;
   * `'env'` uses `HTTPS_PROXY` / `HTTP_PROXY` (lower case too) unless `NO_PROXY` names the host;
   * `{ url: 'http://user:pass@proxy:3128' }` uses that HTTP proxy. An `https:` gateway is reached
   * through a `CONNECT` tunnel (the proxy never sees the body); an `http:` one in the proxy's
   * absolute-URI form (the proxy sees everything, as with any plain-http request).
   */
  proxy?: ChonrySmsProxyOption;
  /**
   * Origin of the provider's account endpoints (balance, templates, signs, delivery reports),
   * which live on its main host, not the international send host; default `https://api.1cloudsp.com`.
   */
  apiBaseUrl?: string;
  /** Deadline for one request, in ms, from start to full response; default 10000. */
  timeout?: number;
  /** Defaults used when a send does not name its own. */
  templateId?: string;
  sign?: string;
  senderId?: string;
  /** IANA zone in which a `Date` `scheduleSendTime` is written; default `Asia/Shanghai`. */
  timeZone?: string;
  /**
   * Opt-in retries. By default only failures that provably never reached the provider are retried
   * (connection refused, DNS, TLS handshake), plus provider codes listed in `retryOnCodes`.
   * Absent: every send is tried once.
   */
  retry?: ChonrySmsRetryOptions;
  /** On shutdown, how long (ms) to wait for sends in flight before cancelling them; default 10000. */
  shutdownGracePeriod?: number;
  /** Defaults for `sendBulk()` / `sendPersonalizedBulk()` (chunk size, concurrency, rate limit, stopOnError); a call's options override them. */
  bulk?: ChonrySmsBulkDefaults;
}
