import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import { CHONRY_SMS_RESOLVED_OPTIONS } from '../chonry-sms.constants';
import { chonrySmsLoggerContext } from '../chonry-sms.logger';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsError, ChonrySmsTransportError, ChonrySmsTransportFailure } from '../errors';
import { classifyTransportFailure, TlsHandshake } from './classify-error';
import { withoutInheritedDefaults } from './isolated-axios';
import { parseProviderReply, ProviderReply } from './provider-reply';

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
/**
 * A keep-alive HTTPS agent that remembers which of its sockets completed the TLS handshake. Until
 * then TLS carries no application data, so only a failure on a socket never secured is provably unsent.
 */
class HandshakeTrackingAgent extends https.Agent {
  private readonly secured = new WeakSet<object>();
  override createConnection(...args: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
    const socket = super.createConnection(...args);
    socket?.once('secureConnect', () => this.secured.add(socket));
    return socket;
  }
  handshakeOf(socket: unknown): TlsHandshake {
    if (typeof socket !== 'object' || socket === null) return 'unknown';
    return this.secured.has(socket) ? 'completed' : 'not-completed';
  }
}
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
  private readonly httpsAgent = new HandshakeTrackingAgent(KEEP_ALIVE);
  readonly record: ChonrySmsTransportRecord = { consecutiveFailures: 0 };

  constructor(
    private readonly http: HttpService,
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions,
  ) {
    withoutInheritedDefaults(this.http.axiosRef);
    this.logger = new Logger(chonrySmsLoggerContext(options.account));
  }

  /**
   * POSTs one form body to the send endpoint. `cancel` (the module's shutdown) aborts the exchange
   * with a `shutdown` failure of unknown delivery, since the request may already be written.
   */
  async post(body: string, cancel?: AbortSignal): Promise<ProviderReply> {
    if (cancel?.aborted) {
      throw new ChonrySmsTransportError('shutdown', 'not-sent', 'the application shut down before the request was made');
    }
    const started = performance.now();
    const controller = new AbortController();
    let abortedBy: 'timeout' | 'shutdown' | undefined;
    const timer = setTimeout(() => {
      abortedBy = 'timeout';
      controller.abort();
    }, this.options.timeout);
    const onCancel = () => {
      abortedBy ??= 'shutdown';
      controller.abort();
    };
    cancel?.addEventListener('abort', onCancel, { once: true });
    try {
      let response: { status: number; data: unknown };
      try {
        response = await this.http.axiosRef.request({
          method: 'POST',
          url: this.options.sendUrl,
          data: body,
          headers: FORM_HEADERS,
          responseType: 'text',
          transformRequest: (data: unknown) => data,
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          maxRedirects: 0,
          maxContentLength: MAX_RESPONSE_BYTES,
          signal: controller.signal,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
        });
      } catch (err) {
        throw this.classify(err, abortedBy);
      }
      const reply = parseProviderReply(response.status, typeof response.data === 'string' ? response.data : '');
      const latencyMs = performance.now() - started;
      this.succeeded(latencyMs);
      // Sizes and outcome only: the body holds the secret and the recipients.
      this.logger.debug(`POST ${this.options.sendUrl}: ${Buffer.byteLength(body)} bytes, HTTP ${response.status}, code ${reply.code}, ${Math.round(latencyMs)} ms`);
      return reply;
    } catch (err) {
      const failure = err instanceof ChonrySmsError ? (err as ChonrySmsTransportError) : this.classify(err, abortedBy);
      if (failure.kind !== 'shutdown') this.failed(failure, performance.now() - started);
      throw failure;
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    }
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
    this.record.consecutiveFailures = 0;
    this.record.lastSuccessAt = new Date();
    this.record.lastLatencyMs = latencyMs;
  }

  private failed(err: ChonrySmsTransportError, latencyMs: number): void {
    this.record.consecutiveFailures++;
    this.record.lastFailure = { kind: err.kind, delivery: err.delivery, at: new Date() };
    this.record.lastLatencyMs = latencyMs;
    this.logger.warn(`POST ${this.options.baseUrl} failed after ${Math.round(latencyMs)} ms: ${err.kind} (delivery ${err.delivery})`);
  }

  // The last shutdown hook: sends still draining at shutdown (a queue worker's, the in-flight sends
  // ChonrySmsInFlightSends waits for) keep their connections until then.
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
