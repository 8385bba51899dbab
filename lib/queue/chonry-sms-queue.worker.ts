import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHONRY_SMS_DEFAULT_ACCOUNT } from '../chonry-sms.constants';
import { chonrySmsTokens } from '../chonry-sms.tokens';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsService, PREPARE_ONCE, PreparedSend } from '../chonry-sms.service';
import { traceOperation } from '../telemetry/telemetry';
import { ChonrySmsApiError, ChonrySmsConfigError, ChonrySmsError, ChonrySmsTransportError } from '../errors';
import { isError } from '../realm';
import { CampaignJobData, jobInput, jobRecipients } from './campaign-jobs';
import { CampaignStore, ChonrySmsCampaignFailure } from './campaign-store';
import { CHONRY_SMS_QUEUE_LOGGER_CONTEXT, CHONRY_SMS_QUEUE_RESOLVED_OPTIONS } from './chonry-sms-queue.constants';
import { ChonrySmsQueueEvents } from './chonry-sms-queue.events';
import type { ResolvedChonrySmsQueueOptions } from './chonry-sms-queue.options';
import { logOutages, reconnectDelay } from './queue-redis';

const CUT_OFF_REASON =
  'the worker running this job stopped or lost its lock after the request may have been sent; not re-sent automatically';
// A job that stalls this often is failed by BullMQ without our bookkeeping; a re-run is harmless
// here (it turns into an `unknown` failure at once), so allow several.
const MAX_STALLED_COUNT = 5;
// Upper bound on the time from taking a rate-limit slot to the request's arrival, beyond the
// HTTP timeout: validating and encoding up to 50,000 numbers. Only a crashed worker's slot waits it out.
const PREPARE_ALLOWANCE_MS = 30_000;
// How often a worker tries its bookkeeping again while Redis is away.
const REDIS_RETRY_MS = 250;

/** What a job returns to BullMQ when it completes. */
export interface ChonrySmsJobResult {
  batchId?: string;
  recipients: number;
  /** True when an earlier run of the same job had already settled it. */
  alreadyFinished?: boolean;
}

/**
 * Runs BullMQ workers for the campaign queue when `workers` is true. Each job is one request
 * through `ChonrySmsService`, after a slot of the global rate limit and an "attempt started"
 * mark in Redis, so a job cut off mid-request is reported `unknown`, never silently sent again.
 */
@Injectable()
export class ChonrySmsQueueWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CHONRY_SMS_QUEUE_LOGGER_CONTEXT);
  private readonly closing = new AbortController();
  private worker?: Worker<CampaignJobData, ChonrySmsJobResult>;
  // Each account's service and the time one of its requests may hold a rate-limit slot.
  private readonly accounts = new Map<string, { sms: ChonrySmsService; inFlightMs: number } | undefined>();
  // Requests to the provider under way, so shutdown can wait for exactly them.
  private readonly requests = new Set<Promise<unknown>>();

  constructor(
    @Inject(CHONRY_SMS_QUEUE_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsQueueOptions,
    private readonly store: CampaignStore,
    private readonly events: ChonrySmsQueueEvents,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.workers) return;
    if (!this.sender(undefined)) {
      throw new ChonrySmsConfigError('queue.workers', 'needs ChonrySmsModule registered in the application (or set workers: false)');
    }
    const o = this.options;
    this.worker = new Worker<CampaignJobData, ChonrySmsJobResult>(o.queueName, (job, token) => this.process(job, token), {
      // BullMQ's blocking connections wait for Redis (maxRetriesPerRequest: null); they only reconnect sooner.
      connection: { ...o.connection, retryStrategy: reconnectDelay },
      prefix: o.prefix,
      concurrency: o.concurrency,
      // No BullMQ limiter: it would count every account's jobs in one fixed window. The pacing
      // step in `CampaignStore.begin` holds each account's limit over sliding windows.
      lockDuration: o.lockDuration,
      stalledInterval: o.stalledInterval,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    logOutages(this.worker, o.connection, 'SMS queue worker');
  }

  /**
   * Stops taking jobs; a job waiting for a rate-limit slot is released, one mid-request finishes.
   * With Redis away, BullMQ's close would wait for it: once the requests in flight have ended
   * (each within the HTTP timeout), it gets `redisTimeout` to close, then `redisTimeout` to drop
   * its connections.
   */
  async onModuleDestroy(): Promise<void> {
    this.closing.abort();
    const worker = this.worker;
    if (!worker) return;
    const closed = worker.close().then(() => true);
    await Promise.allSettled(this.requests);
    if (await this.within(closed)) return;
    this.logger.warn(`Queue worker did not close within ${this.options.redisTimeout} ms of its last request (Redis unavailable?): dropping its connections`);
    await this.within(worker.disconnect().then(() => true));
  }

  /** Whether `done` resolved within `redisTimeout` (no timer is left behind either way). */
  private async within(done: Promise<boolean>): Promise<boolean> {
    const bound = new AbortController();
    const inTime = await Promise.race([done.catch(() => true), sleep(this.options.redisTimeout, false, { signal: bound.signal })]);
    bound.abort();
    return inTime;
  }

  /**
   * A bookkeeping step that must not be lost to a short Redis outage: tried again until Redis
   * answers or shutdown begins (each step is idempotent, so a lost answer is harmless).
   */
  private async untilRecorded<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (this.closing.signal.aborted) throw err;
        await sleep(REDIS_RETRY_MS, undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
    }
  }

  private async process(job: Job<CampaignJobData, ChonrySmsJobResult>, token?: string): Promise<ChonrySmsJobResult> {
    const data = job.data;
    const mobiles = jobRecipients(data);
    const sender = this.sender(data.account);
    if (!sender) {
      // Refused at enqueue in the producing process; this worker's application lacks the account.
      return this.failed(job, mobiles, new ChonrySmsConfigError('account', `'${data.account}' has no ChonrySmsModule registration in this worker's application: nothing was sent`));
    }
    // Checked and encoded before the rate-limit slot is taken: the slot holds only the request. The
    // recipients were validated in full at enqueue; here only their shape is checked.
    let prepared: PreparedSend;
    try {
      prepared = sender.sms[PREPARE_ONCE](jobInput(data), true);
    } catch (err) {
      return this.failed(job, mobiles, err);
    }
    const slot = { member: randomUUID(), inFlightMs: sender.inFlightMs };
    for (;;) {
      const outcome = await this.untilRecorded(() => this.store.begin(data, mobiles, this.options.limiter, slot, CUT_OFF_REASON));
      if ('done' in outcome) {
        if (outcome.done === 'already-finished') return { recipients: mobiles.length, alreadyFinished: true };
        this.emitFailed(job, { mobiles, delivery: 'unknown', reason: CUT_OFF_REASON }, false);
        throw new UnrecoverableError(CUT_OFF_REASON);
      }
      if (outcome.go) break;
      if (this.closing.signal.aborted) {
        // Shutting down before the request: hand the job back untouched, for another worker.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      await sleep(outcome.waitMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }

    let batchId: string;
    try {
      // One request, none of ChonrySmsModule's in-process retries: BullMQ's rules and slot apply.
      const request = traceOperation(
        { account: data.account ?? CHONRY_SMS_DEFAULT_ACCOUNT, name: 'campaign job', recipients: mobiles.length, attributes: { 'chonry_sms.campaign_id': data.campaignId, 'chonry_sms.job_id': String(job.id), 'chonry_sms.attempt': job.attemptsMade + 1 } },
        () => prepared.send(),
        (r) => ({ 'chonry_sms.batch_id': r.batchId }),
      );
      const tracked = request.catch(() => undefined).finally(() => this.requests.delete(tracked));
      this.requests.add(tracked);
      const result = await request;
      batchId = result.batchId;
    } catch (err) {
      if (this.options.limiter) await this.untilRecorded(() => this.store.release(slot.member, data.account));
      return this.failed(job, mobiles, err);
    }
    if (this.options.limiter) await this.untilRecorded(() => this.store.release(slot.member, data.account));
    await this.untilRecorded(() => this.store.sent(data, mobiles.length, batchId));
    this.events.emit('completed', { campaignId: data.campaignId, jobId: String(job.id), recipients: mobiles.length, batchId });
    return { batchId, recipients: mobiles.length };
  }

  /** Not-sent failures retry with BullMQ's backoff; anything that may have been sent is final. */
  private async failed(job: Job<CampaignJobData, ChonrySmsJobResult>, mobiles: string[], err: unknown): Promise<never> {
    const known = err instanceof ChonrySmsError;
    const delivery = known ? err.delivery : 'unknown';
    const reason = isError(err) ? err.message : String(err);
    const failure: ChonrySmsCampaignFailure = { mobiles, delivery, reason };
    const retryable =
      delivery === 'not-sent' &&
      (err instanceof ChonrySmsTransportError || (err instanceof ChonrySmsApiError && this.options.retryApiCodes.includes(err.code)));
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const verdict = await this.untilRecorded(() => this.store.failed(job.data, failure, retryable && !lastAttempt ? 'retry' : 'final'));
    this.emitFailed(job, failure, verdict === 'retry');
    if (verdict === 'retry') throw err;
    throw new UnrecoverableError(reason);
  }

  /** The service of the job's account (the default one when unnamed), or undefined if not registered here. */
  private sender(account: string | undefined): { sms: ChonrySmsService; inFlightMs: number } | undefined {
    const key = account ?? CHONRY_SMS_DEFAULT_ACCOUNT;
    if (this.accounts.has(key)) return this.accounts.get(key);
    let found: { sms: ChonrySmsService; inFlightMs: number } | undefined;
    try {
      const tokens = chonrySmsTokens(key);
      const sms = this.moduleRef.get<ChonrySmsService>(tokens.service, { strict: false });
      const smsOptions = this.moduleRef.get<ResolvedChonrySmsOptions>(tokens.resolvedOptions, { strict: false });
      found = { sms, inFlightMs: smsOptions.timeout + PREPARE_ALLOWANCE_MS };
    } catch {
      found = undefined;
    }
    this.accounts.set(key, found);
    return found;
  }

  private emitFailed(job: Job<CampaignJobData>, failure: ChonrySmsCampaignFailure, retrying: boolean): void {
    if (!retrying) this.logger.warn(`Job ${String(job.id)} failed (delivery ${failure.delivery}): ${failure.reason}`);
    this.events.emit('failed', { campaignId: job.data.campaignId, jobId: String(job.id), ...failure, retrying });
  }
}
