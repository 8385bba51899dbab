const HEADER_GROUPS = ['common', 'delete', 'get', 'head', 'post', 'put', 'patch', 'options'] as const;

const identity = (data: unknown) => data;

/**
 * The whole default config of the module's axios instances. `axios.create()` (and so
 * `HttpModule.register()`) copies the app's global `axios.defaults`, so an app that set a global
 * `timeout`, `proxy`, `Authorization` header, `transformRequest` or `adapter` would reach SMS
 * traffic. Every key axios knows is pinned here (undefined = unset); any other inherited key is
 * deleted. A test fails when a new axios version adds a default this list does not pin.
 */
export const CHONRY_AXIOS_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  // On Node the http adapter: the fetch/xhr adapters would ignore the module's agents.
  adapter: 'http',
  transitional: Object.freeze({ silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false }),
  transformRequest: [identity],
  transformResponse: [identity],
  // The transport runs its own deadline (AbortController); axios's own timer stays off.
  timeout: 0,
  timeoutErrorMessage: undefined,
  xsrfCookieName: 'XSRF-TOKEN',
  xsrfHeaderName: 'X-XSRF-TOKEN',
  withCredentials: false,
  withXSRFToken: undefined,
  maxContentLength: -1,
  maxBodyLength: -1,
  maxRedirects: 0,
  beforeRedirect: undefined,
  maxRate: undefined,
  env: undefined,
  validateStatus: () => true,
  proxy: false,
  decompress: true,
  responseType: 'text',
  responseEncoding: 'utf8',
  auth: undefined,
  baseURL: undefined,
  allowAbsoluteUrls: true,
  params: undefined,
  paramsSerializer: undefined,
  httpAgent: undefined,
  httpsAgent: undefined,
  transport: undefined,
  socketPath: undefined,
  allowedSocketPaths: undefined,
  lookup: undefined,
  family: undefined,
  httpVersion: 1,
  http2Options: undefined,
  insecureHTTPParser: undefined,
  onUploadProgress: undefined,
  onDownloadProgress: undefined,
  cancelToken: undefined,
  signal: undefined,
  fetchOptions: undefined,
  formDataHeaderPolicy: undefined,
  sensitiveHeaders: undefined,
});

// Structural, so it fits both the CommonJS and the ESM typings of axios (Nest 12's @nestjs/axios is ESM).
interface AxiosLike {
  defaults: object;
}

/** Replaces everything an instance inherited with `CHONRY_AXIOS_DEFAULTS`, in place (axios keeps a reference). */
export function withoutInheritedDefaults<T extends AxiosLike>(instance: T): T {
  const d = instance.defaults as Record<string, unknown>;
  for (const key of Object.keys(d)) delete d[key];
  for (const [key, value] of Object.entries(CHONRY_AXIOS_DEFAULTS)) {
    if (value !== undefined) d[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : value;
  }
  const headers: Record<string, Record<string, string>> = {};
  for (const group of HEADER_GROUPS) headers[group] = {};
  headers.common.Accept = 'application/json, text/plain, */*';
  d.headers = headers;
  return instance;
}
