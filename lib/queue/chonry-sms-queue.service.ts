import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SendPersonalizedSmsDto, SendSmsDto } from '../dto';
import { ChonrySmsValidationError } from '../errors';
import { CampaignJobData, planCampaign } from './campaign-jobs';
import { CampaignStore, ChonrySmsCampaign } from './campaign-store';
import { CHONRY_SMS_QUEUE_RESOLVED_OPTIONS } from './chonry-sms-queue.constants';
import { ChonrySmsCampaignNotFoundError } from './chonry-sms-queue.errors';
import { ChonrySmsQueueEvents } from './chonry-sms-queue.events';
import { jobSize, ResolvedChonrySmsQueueOptions } from './chonry-sms-queue.options';
import { CHONRY_SMS_BULL_QUEUE } from './chonry-sms-queue.tokens';

const MAX_IDEMPOTENCY_KEY = 500;
// How long a second enqueue with the same key waits for the first one to finish adding its jobs.
const IDEMPOTENT_WAIT_MS = 5_000;

/**
 * Durable, rate-limited sending: `enqueue()` validates a send of any size and stores it in Redis
 * as jobs of one provider request each; workers in any number of instances send them.
 */
@Injectable()
export class ChonrySmsQueue {
  constructor(
    @Inject(CHONRY_SMS_BULL_QUEUE) private readonly queue: Queue<CampaignJobData>,
    private readonly store: CampaignStore,
    @Inject(CHONRY_SMS_QUEUE_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsQueueOptions,
    /** `completed` / `failed` for the jobs this process's workers handle. */
    readonly events: ChonrySmsQueueEvents,
  ) {}

  /**
   * Validates `input` (nothing is queued if anything is wrong) and queues it as a campaign.
   * The same `idempotencyKey` returns the same campaign, which is sent once.
   */
  async enqueue(
    input: SendSmsDto | SendPersonalizedSmsDto,
    opts: { idempotencyKey?: string } = {},
  ): Promise<{ campaignId: string; jobs: number }> {
    const plan = planCampaign(input, (personalized) => jobSize(this.options, personalized));
    const key = opts?.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > MAX_IDEMPOTENCY_KEY)) {
      throw new ChonrySmsValidationError([{ path: 'idempotencyKey', message: `must be a non-empty string of at most ${MAX_IDEMPOTENCY_KEY} characters` }]);
    }
    let campaignId: string = randomUUID();
    if (key !== undefined) {
      const existing = await this.store.claim(key, campaignId);
      if (existing !== undefined) {
        const jobs = await this.waitUntilEnqueued(existing);
        if (jobs !== undefined) return { campaignId: existing, jobs };
        // The first enqueue never finished adding its jobs: finish it. Job ids and per-job state
        // are deterministic, so whatever it did add is neither added nor sent twice.
        campaignId = existing;
      }
    }
    await this.store.init(campaignId, plan.total, plan.chunks.length);
    await this.queue.addBulk(
      plan.chunks.map((chunk, index) => ({
        name: 'send',
        data: { campaignId, index, ...chunk },
        opts: { jobId: `${campaignId}-${index}` },
      })),
    );
    await this.store.markEnqueued(campaignId);
    return { campaignId, jobs: plan.chunks.length };
  }

  /** Where a campaign stands: counts, the provider's batch ids, and the failures with their reasons. */
  async getCampaign(campaignId: string): Promise<ChonrySmsCampaign> {
    const campaign = typeof campaignId === 'string' && campaignId !== '' ? await this.store.get(campaignId) : undefined;
    if (!campaign) throw new ChonrySmsCampaignNotFoundError(String(campaignId));
    return campaign;
  }

  private async waitUntilEnqueued(campaignId: string): Promise<number | undefined> {
    const deadline = Date.now() + IDEMPOTENT_WAIT_MS;
    for (;;) {
      const jobs = await this.store.enqueuedJobs(campaignId);
      if (jobs !== undefined || Date.now() > deadline) return jobs;
      await sleep(50);
    }
  }
}
