import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import { CHONRY_LOGGER_CONTEXT, CHONRY_SMS_RESOLVED_OPTIONS } from '../chonry-sms.constants';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsError, ChonrySmsTransportError, ChonrySmsTransportFailure } from '../errors';
import { classifyTransportFailure } from './classify-error';
import { parseProviderReply, ProviderReply } from './provider-reply';

/** What the transport has seen lately; the health indicator reads it. Never holds a secret. */
export interface ChonrySmsTransportRecord {
  consecutiveFailures: number;
  lastSuccessAt?: Date;
  lastFailure?: { kind: ChonrySmsTransportFailure; delivery: string; at: Date };
  lastLatencyMs?: number;
}

const MAX_RESPONSE_BYTES = 1_000_000;
const FORM_HEADERS = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' };

/**
 * Posts form bodies to the gateway through the module's own axios instance, over keep-alive
 * connections it owns. It returns the provider's reply or throws a `ChonrySmsTransportError`;
 * no axios error ever leaves it.
 */
@Injectable()
export class ChonrySmsTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(CHONRY_LOGGER_CONTEXT);
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  readonly record: ChonrySmsTransportRecord = { consecutiveFailures: 0 };

  constructor(
    private readonly http: HttpService,
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions,
  ) {}

  /** POSTs one form body to the send endpoint. */
  async post(body: string): Promise<ProviderReply> {
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeout);
    try {
      let response: { status: number; data: unknown };
      try {
        response = await this.http.axiosRef.request({
          method: 'POST',
          url: this.options.sendUrl,
          data: body,
          headers: FORM_HEADERS,
          responseType: 'text',
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          maxRedirects: 0,
          maxContentLength: MAX_RESPONSE_BYTES,
          signal: controller.signal,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
        });
      } catch (err) {
        throw classifyTransportFailure(err, timedOut, this.options.timeout);
      }
      const reply = parseProviderReply(response.status, typeof response.data === 'string' ? response.data : '');
      this.succeeded(performance.now() - started);
      return reply;
    } catch (err) {
      const failure =
        err instanceof ChonrySmsError ? (err as ChonrySmsTransportError) : classifyTransportFailure(err, timedOut, this.options.timeout);
      this.failed(failure, performance.now() - started);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
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

  // The last shutdown hook: users such as queue workers finish their requests in onModuleDestroy first.
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
