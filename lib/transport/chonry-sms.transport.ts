import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import { CHONRY_SMS_RESOLVED_OPTIONS } from '../chonry-sms.constants';
import { chonrySmsLoggerContext, debugEnabled } from '../chonry-sms.logger';
import { ResolvedChonrySmsOptions, revealSecret } from '../chonry-sms.options';
import { ChonrySmsApiError, ChonrySmsError, ChonrySmsTransportError, ChonrySmsTransportFailure } from '../errors';
import { Redactor } from '../errors/redact';
import { onAbort } from '../reliability/abort-listeners';
import { classifyTransportFailure, TlsHandshake } from './classify-error';
import { withoutInheritedDefaults } from './isolated-axios';
import { AccountReply, parseAccountReply, parseProviderReply, ProviderReply } from './provider-reply';
import { BodyPool } from './body-pool';
import { HandshakeTrackingAgent } from './handshake-agent';
import { axiosProxyConfig, TunnelingHttpsAgent } from './proxy';

/**
 * One exchange's abort switch, in the shape axios takes as `signal` (its `GenericAbortSignal`:
 * `aborted` and the two listener methods). A Node `AbortController` costs about 4 µs per request
 * to create and be listened to, a tenth of the module's own cost of a small send; this costs
 * next to nothing. Aborting calls each listener once.
 */
class ExchangeAbort {
  aborted = false;
  #listeners: (() => void)[] = [];

  addEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.#listeners.push(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.#listeners = this.#listeners.filter((l) => l !== listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/** What the transport has seen lately; the health indicator reads it. Never holds a secret. */
export interface ChonrySmsTransportRecord {
  consecutiveFailures: number;
  lastSuccessAt?: Date;
  lastFailure?: { kind: ChonrySmsTransportFailure; delivery: string; at: Date };
  lastLatencyMs?: number;
}

const MAX_RESPONSE_BYTES = 1_000_000;
/**
 * Idle pooled connections close after 4 s, under the 5 s keep-alive timeout common to gateways,
 * so a request is rarely written onto a connection the server is closing (that fails `unknown`).
 * Setting a timeout also makes Node honour a shorter `Keep-Alive: timeout=N` from the server.
 */
export const CHONRY_IDLE_SOCKET_TIMEOUT_MS = 4_000;
const KEEP_ALIVE: http.AgentOptions = { keepAlive: true, timeout: CHONRY_IDLE_SOCKET_TIMEOUT_MS };
const FORM_HEADERS = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' };

/**
 * Posts form bodies to the gateway through the module's own axios instance, over keep-alive
 * connections it owns. It returns the provider's reply or throws a `ChonrySmsTransportError`;
 * no axios error ever leaves it.
 */
@Injectable()
export class ChonrySmsTransport implements OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly httpAgent = new http.Agent(KEEP_ALIVE);
  private readonly httpsAgent: HandshakeTrackingAgent;
  /** Per-request axios settings for the `proxy` option (axios's own proxy support stays off for https). */
  private readonly proxyConfig: { proxy?: ReturnType<typeof axiosProxyConfig>; headers: Record<string, string> };
  readonly record: ChonrySmsTransportRecord = { consecutiveFailures: 0 };
  /**
   * Memory for large send bodies (see `BodyPool`). Its sender gives a body back once every attempt
   * is over; one a request did not write in full (cut off, answered early) is retired here first.
   */
  readonly bodies = new BodyPool();
  /** Provider text (`msg`) can echo the request: it never carries the credentials out. */
  readonly #redactor: Redactor;

  constructor(
    private readonly http: HttpService,
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions,
  ) {
    withoutInheritedDefaults(this.http.axiosRef);
    const { proxy } = options;
    this.httpsAgent = proxy ? new TunnelingHttpsAgent(proxy, KEEP_ALIVE) : new HandshakeTrackingAgent(KEEP_ALIVE);
    this.proxyConfig = proxy
      ? { proxy: axiosProxyConfig(proxy), headers: proxy.authorization ? { ...FORM_HEADERS, 'Proxy-Authorization': proxy.authorization } : FORM_HEADERS }
      : { headers: FORM_HEADERS };
    this.logger = new Logger(chonrySmsLoggerContext(options.account));
    this.#redactor = new Redactor([options.credentials.accessKey, revealSecret(options.credentials)]);
  }

  /**
   * POSTs one form body to the send endpoint. `cancel` (the module's shutdown) aborts the exchange
   * with a `shutdown` failure of unknown delivery, since the request may already be written.
   */
  post(body: Buffer, cancel?: AbortSignal): Promise<ProviderReply> {
    return this.exchange(this.options.sendUrl, body, parseProviderReply, cancel, true);
  }

  /**
   * POSTs one form body to an account endpoint (`apiBaseUrl` + `path`) the same way, with the same
   * failures. These exchanges go to another host, so they leave the send gateway's record alone.
   */
  postAccount(path: string, body: Buffer, cancel?: AbortSignal): Promise<AccountReply> {
    return this.exchange(this.options.apiBaseUrl + path, body, parseAccountReply, cancel, false);
  }

  private async exchange<T extends { code: string; msg: string }>(
    url: string,
    body: Buffer,
    parse: (status: number, body: string) => T,
    cancel: AbortSignal | undefined,
    tracked: boolean,
  ): Promise<T> {
    if (cancel?.aborted) {
      throw new ChonrySmsTransportError('shutdown', 'not-sent', 'the application shut down before the request was made');
    }
    const started = performance.now();
    const viaProxy = this.proxyConfig.proxy !== undefined && url.startsWith('http:');
    const controller = new ExchangeAbort();
    let abortedBy: 'timeout' | 'shutdown' | undefined;
    const timer = setTimeout(() => {
      abortedBy = 'timeout';
      controller.abort();
    }, this.options.timeout);
    const onCancel = () => {
      abortedBy ??= 'shutdown';
      controller.abort();
    };
    const stopListening = cancel ? onAbort(cancel, onCancel) : undefined;
    try {
      let response: { status: number; data: unknown; request?: unknown };
      try {
        response = await this.http.axiosRef.request({
          method: 'POST',
          url,
          data: body,
          // Plain http goes to the proxy in absolute-URI form; https tunnels through the agent.
          headers: viaProxy ? this.proxyConfig.headers : FORM_HEADERS,
          ...(viaProxy ? { proxy: this.proxyConfig.proxy } : {}),
          responseType: 'text',
          transformRequest: (data: unknown) => data,
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          maxRedirects: 0,
          maxContentLength: MAX_RESPONSE_BYTES,
          signal: controller,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
        });
      } catch (err) {
        this.noteWritten(body, (err as { request?: unknown } | null)?.request);
        throw this.classify(err, abortedBy);
      }
      this.noteWritten(body, response.request);
      if (response.status === 407 && viaProxy) {
        // Only a proxy asks for proxy credentials: it kept the request (RFC 9110 §15.5.8).
        throw new ChonrySmsTransportError('proxy', 'not-sent', `the proxy ${this.options.proxy?.label} refused the request (HTTP 407, proxy authentication required)`, 407);
      }
      const reply = parse(response.status, typeof response.data === 'string' ? response.data : '');
      reply.msg = this.#redactor.providerText(reply.msg);
      const latencyMs = performance.now() - started;
      if (tracked) this.succeeded(latencyMs);
      // Sizes and outcome only: the body holds the secret and the recipients.
      if (debugEnabled()) this.logger.debug(`POST ${url}: ${body.length} bytes, HTTP ${response.status}, code ${reply.code}, ${Math.round(latencyMs)} ms`);
      return reply;
    } catch (err) {
      const failure = err instanceof ChonrySmsError ? (err as ChonrySmsTransportError) : this.classify(err, abortedBy);
      if (failure.kind !== 'shutdown') this.failed(failure, performance.now() - started, tracked ? this.options.baseUrl : url, tracked);
      throw failure;
    } finally {
      clearTimeout(timer);
      stopListening?.();
    }
  }

  /**
   * Retires `body` from the pool unless `request` (axios's ClientRequest) wrote all of it
   * (`writableFinished`: every byte handed to the system): only then may its memory serve again.
   */
  private noteWritten(body: Buffer, request: unknown): void {
    const written = typeof request === 'object' && request !== null && (request as { writableFinished?: unknown }).writableFinished === true;
    if (!written) this.bodies.retire(body);
  }

  private classify(err: unknown, abortedBy: 'timeout' | 'shutdown' | undefined): ChonrySmsTransportError {
    if (abortedBy === 'shutdown') {
      return new ChonrySmsTransportError('shutdown', 'unknown', 'the application shut down while the request was in flight');
    }
    // axios hands back the ClientRequest; its socket says whether TLS ever carried a request byte.
    const request = (err as { request?: { socket?: unknown } } | null)?.request;
    const secure = this.options.sendUrl.startsWith('https:');
    const handshake: TlsHandshake = secure ? this.httpsAgent.handshakeOf(request?.socket) : 'not-tls';
    return classifyTransportFailure(err, abortedBy === 'timeout', this.options.timeout, handshake);
  }

  private succeeded(latencyMs: number): void {
    this.record.lastLatencyMs = latencyMs;
  }

  private failed(err: ChonrySmsTransportError, latencyMs: number, where: string, tracked: boolean): void {
    if (tracked) this.record.lastLatencyMs = latencyMs;
    this.logger.warn(`POST ${where} failed after ${Math.round(latencyMs)} ms: ${err.kind} (delivery ${err.delivery})`);
  }

  /**
   * Records how one send ended, after all its retries: the health indicator counts sends, not
   * attempts, so one refused send with `retry: { attempts: 3 }` is one failure. A provider's
   * rejection is an answer from a working gateway; a send cut off by shutdown says nothing.
   */
  recordSend(outcome?: unknown): void {
    if (outcome instanceof ChonrySmsTransportError) {
      if (outcome.kind === 'shutdown') return;
      this.record.consecutiveFailures++;
      this.record.lastFailure = { kind: outcome.kind, delivery: outcome.delivery, at: new Date() };
    } else if (outcome === undefined || outcome instanceof ChonrySmsApiError) {
      this.record.consecutiveFailures = 0;
      this.record.lastSuccessAt = new Date();
    }
  }

  // The last shutdown hook: sends still draining at shutdown (a queue worker's, the in-flight sends
  // ChonrySmsInFlightSends waits for) keep their connections until then.
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
