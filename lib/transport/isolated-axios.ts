const HEADER_GROUPS = ['common', 'delete', 'get', 'head', 'post', 'put', 'patch', 'options'] as const;

/**
 * `axios.create()` (and so `HttpModule.register()`) copies the global `axios.defaults`; an app that
 * set a global `Authorization` header, `auth` or `baseURL` would send them to the SMS gateway.
 * Resets what an instance inherited, so its requests carry only what the module puts on them.
 */
// Structural, so it fits both the CommonJS and the ESM typings of axios (Nest 12's @nestjs/axios is ESM).
interface AxiosLike {
  defaults: { auth?: unknown; baseURL?: unknown; params?: unknown; headers: unknown };
}

export function withoutInheritedDefaults<T extends AxiosLike>(instance: T): T {
  const d = instance.defaults;
  d.auth = undefined;
  d.baseURL = undefined;
  d.params = undefined;
  const headers = d.headers as unknown as Record<string, unknown>;
  for (const group of HEADER_GROUPS) headers[group] = {};
  for (const name of Object.keys(headers)) if (!(HEADER_GROUPS as readonly string[]).includes(name)) delete headers[name];
  (headers.common as Record<string, string>).Accept = 'application/json, text/plain, */*';
  return instance;
}
