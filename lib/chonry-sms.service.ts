import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ChonrySmsBalance,
  ChonrySmsDeliveryReport,
  ChonrySmsSign,
  ChonrySmsTemplate,
  parseBalance,
  parseDeliveryReports,
  parseSigns,
  parseTemplates,
} from './account';
import { bulkSettings, RequestPacer, runBulk } from './bulk';
import {
  CHONRY_BALANCE_PATH,
  CHONRY_REPORTS_PATH,
  CHONRY_SIGNS_PATH,
  CHONRY_SMS_RESOLVED_OPTIONS,
  CHONRY_TEMPLATES_PATH,
} from './chonry-sms.constants';
import { chonrySmsLoggerContext } from './chonry-sms.logger';
import type { ResolvedChonrySmsOptions } from './chonry-sms.options';
import { accountBody, checkedMessages, commonWireFields, normalizedField, personalizedSendBody, plainSendBody } from './chonry-sms.request';
import { QueuedSendPersonalizedSmsDto, QueuedSendSmsDto, SendBulkSmsDto, SendPersonalizedBulkSmsDto, SendPersonalizedSmsDto, SendSmsDto, validateInput } from './dto';
import { ChonrySmsApiError, ChonrySmsDeliveryReportsError, ChonrySmsError } from './errors';
import { withAccount } from './errors/with-account';
import type { ChonrySmsBulkOptions, ChonrySmsBulkResult, SendSmsResult } from './interfaces';
import { ChonrySmsInFlightSends, NO_RETRY, ResolvedRetryOptions, withRetry } from './reliability';
import { ChonrySmsOperation } from './telemetry/send-channel';
import { countRecipients, outcomeOf, traceOperation, traceRequest } from './telemetry/telemetry';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';
import { joinVariables, MAX_MESSAGES_PER_REQUEST, MAX_MOBILES_PER_REQUEST } from './validation';

/**
 * For the queue worker only (not exported from any entry point): checks and encodes a job's send
 * before the worker takes its rate-limit slot, so the slot holds only the request. The send is one
 * request with no in-process retries: BullMQ's retry rules and its slot are the only ones. With
 * `queued`, the recipients were validated in full at enqueue and only their shape is checked
 * (`QueuedSendSmsDto`): a 50,000-number job is then encoded in a few ms instead of validated again,
 * which held the worker's event loop, and so the timers of its other jobs waiting for a slot.
 */
export const PREPARE_ONCE = Symbol('chonry-sms:prepare-once');

/** A validated, encoded send, ready to go out once. */
export interface PreparedSend {
  readonly recipients: number;
  send(): Promise<SendSmsResult>;
}

interface EncodedSend {
  body: Buffer;
  recipients: number;
  operation: ChonrySmsOperation;
}

/**
 * Sends SMS through Chonry's international API. Every call validates its input first (nothing is
 * sent if anything is wrong) and makes exactly one request, or more only as the `retry` option allows.
 */
@Injectable()
export class ChonrySmsService {
  private readonly logger: Logger;
  private readonly sendUrl: URL;

  constructor(
    @Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions,
    private readonly transport: ChonrySmsTransport,
    private readonly inFlight: ChonrySmsInFlightSends,
  ) {
    this.logger = new Logger(chonrySmsLoggerContext(options.account));
    this.sendUrl = new URL(options.sendUrl);
  }

  /** One template with the same variables to up to 50,000 recipients (duplicates are sent once). */
  async send(input: SendSmsDto): Promise<SendSmsResult> {
    return this.named(() => this.sendPlain(input, this.options.retry));
  }

  /** One template with per-recipient variables, up to 10,000 unique recipients. */
  async sendPersonalized(input: SendPersonalizedSmsDto): Promise<SendSmsResult> {
    return this.named(() => this.sendPersonal(input, this.options.retry));
  }

  /** @internal See `PREPARE_ONCE`. Throws the validation error (naming the account) at once. */
  [PREPARE_ONCE](input: SendSmsDto | SendPersonalizedSmsDto, queued = false): PreparedSend {
    let encoded: EncodedSend;
    try {
      encoded =
        'messages' in input
          ? this.encodePersonal(input, queued ? QueuedSendPersonalizedSmsDto : SendPersonalizedSmsDto)
          : this.encodePlain(input, queued ? QueuedSendSmsDto : SendSmsDto);
    } catch (err) {
      throw err instanceof ChonrySmsError ? withAccount(err, this.options.account) : err;
    }
    return { recipients: encoded.recipients, send: () => this.named(() => this.dispatch(encoded.body, encoded.recipients, NO_RETRY, encoded.operation)) };
  }

  // A body from the transport's pool goes to one dispatch, which gives it back (see `dispatch`);
  // a prepared (queued) send's body is an ordinary Buffer, as it may wait to be sent.
  private sendPlain(input: SendSmsDto, retry: ResolvedRetryOptions): Promise<SendSmsResult> {
    const { body, recipients, operation } = this.encodePlain(input, SendSmsDto, this.transport.bodies.allocate);
    return this.dispatch(body, recipients, retry, operation);
  }

  private sendPersonal(input: SendPersonalizedSmsDto, retry: ResolvedRetryOptions): Promise<SendSmsResult> {
    const { body, recipients, operation } = this.encodePersonal(input, SendPersonalizedSmsDto, this.transport.bodies.allocate);
    return this.dispatch(body, recipients, retry, operation);
  }

  private encodePlain(input: SendSmsDto, as: typeof SendSmsDto | typeof QueuedSendSmsDto = SendSmsDto, allocate?: (size: number) => Buffer): EncodedSend {
    const dto = validateInput<SendSmsDto>(as, input);
    const mobiles = normalizedField<string[]>(dto, 'mobiles');
    return { body: plainSendBody(this.options, commonWireFields(dto, this.options), mobiles, joinVariables(normalizedField<string[]>(dto, 'variables')), allocate), recipients: mobiles.length, operation: 'send' };
  }

  private encodePersonal(input: SendPersonalizedSmsDto, as: typeof SendPersonalizedSmsDto | typeof QueuedSendPersonalizedSmsDto = SendPersonalizedSmsDto, allocate?: (size: number) => Buffer): EncodedSend {
    const dto = validateInput<SendPersonalizedSmsDto>(as, input);
    const messages = checkedMessages(dto);
    return { body: personalizedSendBody(this.options, commonWireFields(dto, this.options), messages, allocate), recipients: messages.length, operation: 'sendPersonalized' };
  }

  /**
   * `send()` for any number of recipients: validates all of them first, then sends requests of at
   * most 50,000 (or `chunkSize`) with bounded concurrency. Never throws for a failed request:
   * the result accounts for every recipient.
   */
  async sendBulk(input: SendBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    return this.named(() => this.bulkPlain(input, options));
  }

  /** `sendPersonalized()` for any number of messages, in requests of at most 10,000 (or `chunkSize`). */
  async sendPersonalizedBulk(input: SendPersonalizedBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    return this.named(() => this.bulkPersonal(input, options));
  }

  private bulkPlain(input: SendBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    const settings = bulkSettings(this.options.bulk ?? {}, options, MAX_MOBILES_PER_REQUEST);
    const dto = validateInput(SendBulkSmsDto, input);
    const common = commonWireFields(dto, this.options);
    const content = joinVariables(normalizedField<string[]>(dto, 'variables'));
    const mobiles = normalizedField<string[]>(dto, 'mobiles');
    return this.bulkSpan('sendBulk', mobiles.length, () => runBulk(mobiles, settings, {
      send: (chunk, pace) => this.dispatch(plainSendBody(this.options, common, chunk, content, this.transport.bodies.allocate), chunk.length, this.options.retry, 'sendBulk', pace),
      mobilesOf: (chunk) => chunk,
    }, this.inFlight.closingSignal));
  }

  private bulkPersonal(input: SendPersonalizedBulkSmsDto, options?: ChonrySmsBulkOptions): Promise<ChonrySmsBulkResult> {
    const settings = bulkSettings(this.options.bulk ?? {}, options, MAX_MESSAGES_PER_REQUEST);
    const dto = validateInput(SendPersonalizedBulkSmsDto, input);
    const common = commonWireFields(dto, this.options);
    const messages = checkedMessages(dto);
    return this.bulkSpan('sendPersonalizedBulk', messages.length, () => runBulk(messages, settings, {
      send: (chunk, pace) => this.dispatch(personalizedSendBody(this.options, common, chunk, this.transport.bodies.allocate), chunk.length, this.options.retry, 'sendPersonalizedBulk', pace),
      mobilesOf: (chunk) => chunk.mobiles(),
    }, this.inFlight.closingSignal));
  }

  /** A bulk send's span, the parent of its requests' spans; its outcome as counts. */
  private bulkSpan(name: 'sendBulk' | 'sendPersonalizedBulk', recipients: number, run: () => Promise<ChonrySmsBulkResult>): Promise<ChonrySmsBulkResult> {
    return traceOperation({ account: this.options.account, name, recipients }, run, (r) => ({
      'chonry_sms.sent': r.sent,
      'chonry_sms.failed': r.failed,
      'chonry_sms.requests': r.batches.length + r.failures.length,
    }));
  }

  /** The account's balances (`/query/account` on `apiBaseUrl`); `internationalSms` is the `国际短信` one. */
  async getBalance(): Promise<ChonrySmsBalance> {
    return this.named(async () => parseBalance(await this.account(CHONRY_BALANCE_PATH, 'balance')));
  }

  /** The account's templates and their review state (`/query/templatelist` on `apiBaseUrl`). */
  async listTemplates(): Promise<ChonrySmsTemplate[]> {
    return this.named(async () => parseTemplates(await this.account(CHONRY_TEMPLATES_PATH, 'templates')));
  }

  /** The account's signatures and their review state (`/query/signlist` on `apiBaseUrl`). */
  async listSigns(): Promise<ChonrySmsSign[]> {
    return this.named(async () => parseSigns(await this.account(CHONRY_SIGNS_PATH, 'signs')));
  }

  /**
   * Pulls the delivery reports waiting at the provider (`/report/status` on `apiBaseUrl`). The
   * provider hands each report out once: store the result before anything else. Never retried.
   * Some malformed entries: `ChonrySmsDeliveryReportsError`, carrying the well-formed ones.
   */
  async pullDeliveryReports(): Promise<ChonrySmsDeliveryReport[]> {
    return this.named(async () => {
      const { reports, malformed } = parseDeliveryReports(await this.account(CHONRY_REPORTS_PATH, 'deliveryReports'), this.options.timeZone);
      if (malformed.length > 0) throw new ChonrySmsDeliveryReportsError(reports, malformed.length);
      return reports;
    });
  }

  /**
   * One account endpoint's exchange: credentials only, tracked for shutdown, never retried (a pull
   * repeated after a lost answer would not get the same reports back). Returns the reply's `data`.
   */
  private account(path: string, operation: ChonrySmsOperation): Promise<unknown> {
    const body = accountBody(this.options);
    const meta = { account: this.options.account, operation, recipients: 0, body, url: new URL(this.options.apiBaseUrl + path) };
    return this.inFlight.run(async (cancel) => {
      const reply = await traceRequest(meta, async () => {
        const reply = await this.transport.postAccount(path, body, cancel);
        if (reply.code !== '0') throw new ChonrySmsApiError(reply.code, reply.msg);
        return reply;
      }, (r) => ({ status: r.status }));
      return reply.data;
    });
  }

  /**
   * Runs one public call so that every error it throws, or reports in a bulk result, names the
   * account; a synchronous throw (validation) becomes a rejection like any other.
   */
  private async named<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      for (const failure of (result as Partial<ChonrySmsBulkResult>).failures ?? []) withAccount(failure.error, this.options.account);
      return result;
    } catch (err) {
      throw err instanceof ChonrySmsError ? withAccount(err, this.options.account) : err;
    }
  }

  /**
   * The one path every request takes: shutdown tracking, retries as configured, the provider's
   * verdict. With `pace`, every attempt holds a rate-limit slot until its request has ended.
   */
  private dispatch(body: Buffer, recipients: number, retry: ResolvedRetryOptions, operation: ChonrySmsOperation, pace?: RequestPacer): Promise<SendSmsResult> {
    const meta = { account: this.options.account, operation, recipients, body, url: this.sendUrl };
    return this.inFlight.run(async (cancel) => {
      try {
        const result = await withRetry(
          retry,
          cancel,
          async () => {
            const slot = await pace?.();
            try {
              const reply = await traceRequest(meta, async () => {
                const reply = await this.transport.post(body, cancel);
                if (reply.code !== '0') throw new ChonrySmsApiError(reply.code, reply.msg);
                return reply;
              }, (r) => ({ status: r.status, batchId: r.batchId }));
              return { batchId: reply.batchId, msg: reply.msg, recipients };
            } finally {
              slot?.release();
            }
          },
          (failure, attempt, delayMs) =>
            this.logger.warn(`SMS attempt ${attempt} of ${retry.attempts} failed (${failure.message}); retrying in ${delayMs} ms`),
        );
        this.transport.recordSend();
        countRecipients(this.options.account, 'accepted', recipients);
        return result;
      } catch (err) {
        // Health and metrics count sends, not attempts: one record per send, after its retries.
        this.transport.recordSend(err);
        countRecipients(this.options.account, outcomeOf(err), recipients);
        throw err;
      } finally {
        // Every attempt is over: a pooled body's memory may serve the next send.
        this.transport.bodies.release(body);
      }
    });
  }
}
