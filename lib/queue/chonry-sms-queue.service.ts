import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { isError } from '../realm';
import { ModuleRef } from '@nestjs/core';
import { CHONRY_SMS_DEFAULT_ACCOUNT } from '../chonry-sms.constants';
import { accountName, getChonrySmsServiceToken } from '../chonry-sms.tokens';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SendPersonalizedSmsDto, SendSmsDto } from '../dto';
import type { ChonrySmsDeliveryReport } from '../account';
import { ChonrySmsValidationError } from '../errors';
import { ChonrySmsReportEvent, ChonrySmsReportStream } from '../reports/report-stream';
import { CampaignJobData, jobRecipients, planCampaign } from './campaign-jobs';
import { CampaignStore, ChonrySmsCampaign } from './campaign-store';
import { CHONRY_SMS_QUEUE_RESOLVED_OPTIONS } from './chonry-sms-queue.constants';
import { ChonrySmsCampaignNotFoundError, ChonrySmsEnqueueProgress, ChonrySmsQueueOperation, ChonrySmsQueueUnavailableError } from './chonry-sms-queue.errors';
import { ChonrySmsQueueEvents } from './chonry-sms-queue.events';
import { jobSize, ResolvedChonrySmsQueueOptions } from './chonry-sms-queue.options';
import { CHONRY_SMS_BULL_QUEUE } from './chonry-sms-queue.tokens';
import { describeRedis, RedisGuard, RedisStepFailure } from './redis-guard';

const MAX_IDEMPOTENCY_KEY = 500;
// How long a second enqueue with the same key waits for the first one to finish adding its jobs.
const IDEMPOTENT_WAIT_MS = 5_000;
// Jobs go to Redis in writes of at most this many recipients, at most two at a time, so an outage
// mid-enqueue leaves at most two writes unknown.
const RECIPIENTS_PER_WRITE = 50_000;
const WRITES_IN_FLIGHT = 2;

type JobEntry = { name: string; data: CampaignJobData; opts: { jobId: string } };

/** Consecutive runs of `jobs` holding at most `RECIPIENTS_PER_WRITE` recipients each (at least one job). */
function writes(jobs: JobEntry[]): JobEntry[][] {
  const out: JobEntry[][] = [];
  let current: JobEntry[] = [];
  let recipients = 0;
  for (const job of jobs) {
    const n = jobRecipients(job.data).length;
    if (current.length > 0 && recipients + n > RECIPIENTS_PER_WRITE) {
      out.push(current);
      current = [];
      recipients = 0;
    }
    current.push(job);
    recipients += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function part(jobs: JobEntry[]) {
  return { jobs: jobs.length, recipients: jobs.reduce((n, j) => n + jobRecipients(j.data).length, 0), jobIds: jobs.map((j) => j.opts.jobId) };
}

/**
 * Durable, rate-limited sending: `enqueue()` validates a send of any size and stores it in Redis
 * as jobs of one provider request each; workers in any number of instances send them.
 */
@Injectable()
export class ChonrySmsQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ChonrySmsQueue');
  private reportsSubscription?: Subscription;
  /** Reports from the stream, counted into campaigns a loop turn at a time (one Redis round trip per turn). */
  private reportBuffer: ChonrySmsReportEvent[] = [];
  private flushing?: Promise<void>;

  constructor(
    @Inject(CHONRY_SMS_BULL_QUEUE) private readonly queue: Queue<CampaignJobData>,
    private readonly store: CampaignStore,
    @Inject(CHONRY_SMS_QUEUE_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsQueueOptions,
    /** `completed` / `failed` for the jobs this process's workers handle. */
    readonly events: ChonrySmsQueueEvents,
    private readonly redis: RedisGuard,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Validates `input` (nothing is queued if anything is wrong) and queues it as a campaign.
   * The same `idempotencyKey` returns the same campaign, which is sent once. Each Redis step
   * answers within `redisTimeout`, or this rejects with `ChonrySmsQueueUnavailableError`, whose
   * `progress` says which jobs were written.
   */
  async enqueue(
    input: SendSmsDto | SendPersonalizedSmsDto,
    opts: { idempotencyKey?: string; account?: string } = {},
  ): Promise<{ campaignId: string; jobs: number }> {
    const plan = planCampaign(input, (personalized) => jobSize(this.options, personalized));
    const account = this.registeredAccount(opts?.account);
    const key = opts?.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > MAX_IDEMPOTENCY_KEY)) {
      throw new ChonrySmsValidationError([{ path: 'idempotencyKey', message: `must be a non-empty string of at most ${MAX_IDEMPOTENCY_KEY} characters` }]);
    }
    let campaignId: string = randomUUID();
    const jobsOf = (id: string): JobEntry[] =>
      plan.chunks.map((chunk, index) => ({ name: 'send', data: { campaignId: id, index, ...account, ...chunk }, opts: { jobId: `${id}-${index}` } }));
    let pending = jobsOf(campaignId);
    // Each job's state in Redis as far as this call knows: jobs never sent to Redis are not written.
    const states = new Map<string, 'written' | 'unknown'>();
    const unavailable = (failure: RedisStepFailure): ChonrySmsQueueUnavailableError => {
      const all = jobsOf(campaignId);
      const progress: ChonrySmsEnqueueProgress = {
        campaignId,
        jobs: all.length,
        recipients: plan.total,
        written: part(all.filter((j) => states.get(j.opts.jobId) === 'written')),
        unknown: part(all.filter((j) => states.get(j.opts.jobId) === 'unknown')),
        notWritten: part(all.filter((j) => !states.has(j.opts.jobId))),
        resumable: key !== undefined,
      };
      return this.unavailable('enqueue', failure, progress);
    };
    try {
      if (key !== undefined) {
        const existing = await this.redis.run(() => this.store.claim(key, campaignId));
        if (existing !== undefined) {
          const jobs = await this.waitUntilEnqueued(existing);
          if (jobs !== undefined) return { campaignId: existing, jobs };
          // The first enqueue never finished adding its jobs: finish it. Job ids and per-job state
          // are deterministic, so whatever it did add is neither added nor sent twice.
          campaignId = existing;
          pending = jobsOf(campaignId);
        }
      }
      await this.redis.run(() => this.store.init(campaignId, plan.total, plan.chunks.length));
    } catch (err) {
      throw err instanceof RedisStepFailure ? unavailable(err) : err;
    }
    // Two writes in flight: BullMQ serialises the next one while Redis stores the one before (about a
    // third less time for a million numbers than one write at a time). After a failure no other write
    // starts, the one still in flight is waited for, and each write is reported as it ended.
    let failed: unknown;
    const inFlight = new Set<Promise<void>>();
    for (const write of writes(pending)) {
      if (failed !== undefined) break;
      const done: Promise<void> = this.redis
        .run(() => this.queue.addBulk(write))
        .then(
          () => {
            for (const j of write) states.set(j.opts.jobId, 'written');
          },
          (err: unknown) => {
            if (!(err instanceof RedisStepFailure) || err.mayHaveRun) for (const j of write) states.set(j.opts.jobId, 'unknown');
            failed ??= err;
          },
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
      if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failed !== undefined) throw failed instanceof RedisStepFailure ? unavailable(failed) : failed;
    try {
      await this.redis.run(() => this.store.markEnqueued(campaignId));
    } catch (err) {
      throw err instanceof RedisStepFailure ? unavailable(err) : err;
    }
    return { campaignId, jobs: plan.chunks.length };
  }

  /**
   * With `ChonrySmsReportsModule` in the application, every delivery report on its stream is
   * counted into its campaign (`delivered` / `undelivered`), in any process that has this queue.
   */
  onApplicationBootstrap(): void {
    let stream: ChonrySmsReportStream;
    try {
      stream = this.moduleRef.get(ChonrySmsReportStream, { strict: false });
    } catch {
      return; // no reports module: counts come only from recordDeliveryReports()
    }
    this.reportsSubscription = stream.reports$.subscribe((event) => {
      this.reportBuffer.push(event);
      this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushReports());
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.reportsSubscription?.unsubscribe();
    await this.flushing;
  }

  private async flushReports(): Promise<void> {
    const events = this.reportBuffer;
    this.reportBuffer = [];
    this.flushing = undefined;
    const byAccount = new Map<string, ChonrySmsReportEvent[]>();
    for (const e of events) byAccount.set(e.account, [...(byAccount.get(e.account) ?? []), e]);
    for (const [account, reports] of byAccount) {
      await this.recordDeliveryReports(reports, { account }).catch((err: unknown) =>
        // The stream's subscribers have the reports too; only the campaign counts miss them.
        this.logger.warn(`${reports.length} delivery report(s) not counted into their campaigns: ${isError(err) ? err.message : String(err)}`),
      );
    }
  }

  /**
   * Counts delivery reports into the campaigns that sent their batches (`getCampaign()`'s
   * `delivered` / `undelivered`), each `smUuid` once, however often it is given. Reports of batches
   * this queue did not send are ignored. Resolves to how many were counted. Not needed with
   * `ChonrySmsReportsModule`, whose reports are counted on their own.
   */
  async recordDeliveryReports(reports: readonly ChonrySmsDeliveryReport[], { account = CHONRY_SMS_DEFAULT_ACCOUNT }: { account?: string } = {}): Promise<number> {
    try {
      return await this.redis.run(() => this.store.delivered(accountName(account), reports));
    } catch (err) {
      throw err instanceof RedisStepFailure ? this.unavailable('recordDeliveryReports', err) : err;
    }
  }

  /** Where a campaign stands: counts, the provider's batch ids, and the failures with their reasons. */
  async getCampaign(campaignId: string): Promise<ChonrySmsCampaign> {
    let campaign: ChonrySmsCampaign | undefined;
    if (typeof campaignId === 'string' && campaignId !== '') {
      try {
        campaign = await this.redis.run(() => this.store.get(campaignId));
      } catch (err) {
        throw err instanceof RedisStepFailure ? this.unavailable('getCampaign', err) : err;
      }
    }
    if (!campaign) throw new ChonrySmsCampaignNotFoundError(String(campaignId));
    return campaign;
  }

  /**
   * The job field naming a campaign's account (none for the default one), after checking that the
   * account is registered here: a campaign for an account no worker can send for is refused.
   */
  private registeredAccount(name: unknown): { account?: string } {
    let account: string;
    try {
      account = accountName(name);
      if (account === CHONRY_SMS_DEFAULT_ACCOUNT) return {};
      this.moduleRef.get(getChonrySmsServiceToken(account), { strict: false });
    } catch {
      throw new ChonrySmsValidationError([
        { path: 'account', message: `must name a ChonrySmsModule registration of this application (got ${JSON.stringify(String(name).slice(0, 64))})` },
      ]);
    }
    return { account };
  }

  private unavailable(operation: ChonrySmsQueueOperation, failure: RedisStepFailure, progress?: ChonrySmsEnqueueProgress): ChonrySmsQueueUnavailableError {
    return new ChonrySmsQueueUnavailableError(operation, describeRedis(this.options.connection), this.options.redisTimeout, failure.reason, progress);
  }

  private async waitUntilEnqueued(campaignId: string): Promise<number | undefined> {
    const deadline = Date.now() + IDEMPOTENT_WAIT_MS;
    for (;;) {
      const jobs = await this.redis.run(() => this.store.enqueuedJobs(campaignId));
      if (jobs !== undefined || Date.now() > deadline) return jobs;
      await sleep(50);
    }
  }
}
