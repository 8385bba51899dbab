import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { ChonrySmsConfigError } from '../errors';
import { HandshakeTrackingAgent } from './handshake-agent';

/** The module's `proxy` option: no proxy (default), the standard environment variables, or one URL. */
export type ChonrySmsProxyOption = false | 'env' | { url: string };

/** A checked proxy. `label` (host:port) is all that errors and logs ever show of it. */
export interface ResolvedChonrySmsProxy {
  readonly host: string;
  readonly port: number;
  readonly label: string;
  /** `Proxy-Authorization` value, when the URL carried a user name and password. */
  readonly authorization?: string;
}

/** Error code of a tunnel the proxy would not open; `classifyTransportFailure` maps it to `proxy` / `not-sent`. */
export const PROXY_FAILURE_CODE = 'ERR_CHONRY_PROXY';

/** The first of `HTTPS_PROXY`/`https_proxy` (or `HTTP_PROXY`/`http_proxy` for an `http:` gateway) unless `NO_PROXY` names the host. */
export function proxyFromEnv(target: URL, env: NodeJS.ProcessEnv): string | undefined {
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const url = target.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy') : pick('HTTP_PROXY', 'http_proxy');
  if (url === undefined) return undefined;
  const noProxy = pick('NO_PROXY', 'no_proxy') ?? '';
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return undefined;
    const [name, entryPort] = entry.replace(/^\[|\]$/g, '').split(/:(?=\d+$)/);
    if (entryPort !== undefined && entryPort !== port) continue;
    const suffix = name.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return undefined;
  }
  return url;
}

/** Checks the `proxy` option against the gateway URL; `undefined` means a direct connection. */
export function resolveProxyOption(value: unknown, target: URL, env: NodeJS.ProcessEnv = process.env): ResolvedChonrySmsProxy | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  let raw: string | undefined;
  let source: string;
  if (value === 'env') {
    raw = proxyFromEnv(target, env);
    source = target.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
    if (raw === undefined) return undefined;
  } else if (typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string') {
    raw = (value as { url: string }).url;
    source = 'proxy.url';
  } else {
    throw new ChonrySmsConfigError('proxy', "must be false, 'env' or { url: 'http://host:port' }");
  }
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    // The text is not shown: a proxy URL may carry a password.
    throw new ChonrySmsConfigError('proxy', `${source} is not a URL`);
  }
  if (url.protocol !== 'http:') throw new ChonrySmsConfigError('proxy', `${source} must be an http: proxy URL (got ${url.protocol})`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ChonrySmsConfigError('proxy', `${source} must be an origin only (no path, query or fragment)`);
  }
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  return Object.freeze({ host, port, label: `${url.hostname}:${port}`, authorization });
}

/** What axios needs to send plain-http requests through the proxy (absolute-URI form). */
export function axiosProxyConfig(proxy: ResolvedChonrySmsProxy): { protocol: string; host: string; port: number } {
  return { protocol: 'http', host: proxy.host, port: proxy.port };
}

function proxyFailure(proxy: ResolvedChonrySmsProxy, detail: string, status?: number, cause?: unknown): Error {
  return Object.assign(new Error(`proxy ${proxy.label}: ${detail}`), { code: PROXY_FAILURE_CODE, proxyLabel: proxy.label, proxyDetail: detail, proxyStatus: status, cause });
}

/**
 * An https agent that reaches the gateway through an HTTP `CONNECT` tunnel, so the proxy sees only
 * the gateway's host and port and TLS is end to end: the form body (and the secret) never crosses
 * the proxy in clear text. Keep-alive pooling works as with the plain agent.
 */
export class TunnelingHttpsAgent extends HandshakeTrackingAgent {
  constructor(
    private readonly proxy: ResolvedChonrySmsProxy,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    let settled = false;
    const done = (err: Error | null, socket?: Duplex) => {
      if (settled) return;
      settled = true;
      callback?.(err, socket as Duplex);
    };
    const target = `${options.host ?? 'localhost'}:${options.port ?? 443}`;
    const headers: Record<string, string> = { Host: target };
    if (this.proxy.authorization) headers['Proxy-Authorization'] = this.proxy.authorization;
    const connect = http.request({ host: this.proxy.host, port: this.proxy.port, method: 'CONNECT', path: target, headers, agent: false });
    connect.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        done(proxyFailure(this.proxy, `refused to open a tunnel to the gateway (HTTP ${res.statusCode})`, res.statusCode));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      // https.Agent has already set `servername` (SNI) from the gateway's host name.
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket });
      this.track(secure);
      done(null, secure);
    });
    connect.once('response', (res) => {
      // A proxy that answers CONNECT with a body and closes: same verdict, nothing was tunnelled.
      res.resume();
      done(proxyFailure(this.proxy, `refused to open a tunnel to the gateway (HTTP ${res.statusCode})`, res.statusCode));
    });
    connect.once('error', (err: NodeJS.ErrnoException) => {
      done(proxyFailure(this.proxy, `could not be reached (${typeof err.code === 'string' ? err.code : 'error'})`, undefined, err));
    });
    connect.end();
    return undefined;
  }
}
