import { ChonrySmsError, ChonrySmsDelivery } from '../errors';

/** `getCampaign()` was asked for a campaign Redis does not know (never enqueued, or expired). */
export class ChonrySmsCampaignNotFoundError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;

  constructor(readonly campaignId: string) {
    super(`No SMS campaign ${JSON.stringify(campaignId.slice(0, 100))} in the queue's Redis (never enqueued, or expired)`);
  }
}

/** Jobs of a campaign, by what an interrupted `enqueue()` knows about them. */
export interface ChonrySmsEnqueuedPart {
  jobs: number;
  recipients: number;
  /** BullMQ job ids (`<campaignId>-<index>`). */
  jobIds: string[];
}

/** How far an `enqueue()` got before Redis stopped answering. */
export interface ChonrySmsEnqueueProgress {
  campaignId: string;
  jobs: number;
  recipients: number;
  /** In Redis: workers will send these. */
  written: ChonrySmsEnqueuedPart;
  /** Sent to Redis, answer never came: they may be in Redis (and then will be sent), or not. */
  unknown: ChonrySmsEnqueuedPart;
  /** Never sent to Redis. */
  notWritten: ChonrySmsEnqueuedPart;
  /**
   * True when the call had an `idempotencyKey`: calling `enqueue()` again with the same input and
   * key finishes this campaign, and no job is added or sent twice.
   */
  resumable: boolean;
}

export type ChonrySmsQueueOperation = 'start-up' | 'enqueue' | 'getCampaign' | 'recordDeliveryReports';

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

function describeProgress(p: ChonrySmsEnqueueProgress): string {
  const part = (x: { jobs: number; recipients: number }) => `${count(x.jobs, 'job')} (${count(x.recipients, 'recipient')})`;
  if (p.written.jobs === p.jobs) {
    return `campaign ${p.campaignId}: all ${part(p)} were written to Redis and will be sent.` +
      (p.resumable ? ' Calling enqueue() again with the same idempotencyKey returns it.' : '');
  }
  const parts = [`campaign ${p.campaignId}: of ${part(p)}, ${part(p.written)} were written to Redis and will be sent`];
  if (p.unknown.jobs > 0) parts.push(`${part(p.unknown)} may or may not have been written`);
  parts.push(`${part(p.notWritten)} were not written`);
  const next = p.resumable
    ? 'Call enqueue() again with the same input and idempotencyKey to finish it: nothing is added or sent twice.'
    : p.written.jobs + p.unknown.jobs > 0
      ? 'It had no idempotencyKey, so it cannot be finished: enqueueing the same input again would send the written recipients twice.'
      : 'Nothing of it will be sent; it is safe to enqueue it again.';
  return `${parts.join('; ')}. ${next}`;
}

/**
 * Redis did not answer a queue call within `redisTimeout` (unreachable, refusing, or hung).
 * For `enqueue()`, `progress` says which jobs were written (and will be sent), which may have
 * been, and which were not; `delivery` is `unknown` as soon as any job may be in Redis.
 */
export class ChonrySmsQueueUnavailableError extends ChonrySmsError {
  readonly delivery: ChonrySmsDelivery;

  constructor(
    readonly operation: ChonrySmsQueueOperation,
    /** Redis as `host:port` (never its password). */
    readonly redis: string,
    readonly timeoutMs: number,
    /** What went wrong at Redis, e.g. `no answer within 5000 ms` or `connection refused`. */
    readonly reason: string,
    readonly progress?: ChonrySmsEnqueueProgress,
  ) {
    super(
      `The SMS queue's Redis at ${redis} is unavailable (${reason}) during ${operation}` +
        (operation === 'start-up' ? `; the application cannot start without it.` : '.') +
        (progress ? ` ${describeProgress(progress)}` : ''),
    );
    this.delivery = progress && progress.written.jobs + progress.unknown.jobs > 0 ? 'unknown' : 'not-sent';
  }
}
