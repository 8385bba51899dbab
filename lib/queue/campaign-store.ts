import { CHONRY_SMS_DEFAULT_ACCOUNT } from '../chonry-sms.constants';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChonrySmsDelivery } from '../errors';

/** One request's worth of recipients that did not go out (or may not have). */
export interface ChonrySmsCampaignFailure {
  mobiles: string[];
  delivery: ChonrySmsDelivery;
  reason: string;
}

/**
 * Where a campaign stands; `pending` counts recipients neither sent nor failed yet. `delivered` and
 * `undelivered` count the sent recipients whose delivery report has arrived (through
 * `ChonrySmsReportsModule`, or `ChonrySmsQueue.recordDeliveryReports()`), each report once.
 */
export interface ChonrySmsCampaign {
  total: number;
  sent: number;
  failed: number;
  pending: number;
  delivered: number;
  undelivered: number;
  batchIds: string[];
  failures: ChonrySmsCampaignFailure[];
}

/** What the pre-send step decided for one job. */
export type BeginOutcome = { go: true } | { go: false; waitMs: number } | { done: 'already-finished' | 'unknown' };

// Per job, a state in the campaign's `jobs` hash: absent → 'started:<run>' (just before the
// request) → 'sent' | 'failed'. A job found started by another run was cut off after its request
// may have gone out: BEGIN says so and CUT_OFF records it as an `unknown` failure instead of
// sending it twice (two steps, so that the job's recipients are only written to Redis in that rare
// case, not with every attempt to take a slot). The same run asking again (its first answer lost to
// a Redis outage) gets its go again.
const BEGIN = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'sent' or state == 'failed' then return {'finished', 0} end
local ttl = tonumber(ARGV[6])
if state == 'started:' .. ARGV[5] then return {'go', 0} end
if state and string.sub(state, 1, 7) == 'started' then return {'cut-off', 0} end
local max = tonumber(ARGV[2])
if max > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local duration = tonumber(ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - duration)
  if redis.call('ZCARD', KEYS[4]) >= max then
    local oldest = tonumber(redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')[2])
    local wait = oldest + duration - now
    if redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf') > 0 and wait > 100 then wait = 100 end
    return {'wait', wait}
  end
  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[4]), ARGV[5])
  redis.call('PEXPIRE', KEYS[4], duration + tonumber(ARGV[4]) + 60000)
end
redis.call('HSET', KEYS[1], ARGV[1], 'started:' .. ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
return {'go', 0}
`;

// The second step of a cut-off job: recorded as failed, delivery unknown, if it is still started by
// another run; 'again' when that run settled it in between (BEGIN is then asked again).
const CUT_OFF = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'sent' or state == 'failed' then return 'finished' end
if not state or string.sub(state, 1, 7) ~= 'started' or state == 'started:' .. ARGV[5] then return 'again' end
redis.call('HSET', KEYS[1], ARGV[1], 'failed')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'failed', ARGV[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]))
return 'unknown'
`;

const SENT = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'sent' then return 0 end
if state == 'failed' and redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[3], 'failed', -tonumber(ARGV[2]))
end
redis.call('HSET', KEYS[1], ARGV[1], 'sent')
redis.call('HINCRBY', KEYS[3], 'sent', ARGV[2])
redis.call('RPUSH', KEYS[4], ARGV[3])
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[4]))
redis.call('SET', KEYS[5], ARGV[5], 'PX', tonumber(ARGV[4]))
return 1
`;

// One delivery report for a campaign's batch: counted once per smUuid, while the campaign exists.
const DELIVERY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
return 1
`;

const FAILED = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state == 'sent' then return 'resolved' end
if ARGV[4] == 'retry' then
  if state and string.sub(state, 1, 7) == 'started' then
    redis.call('HDEL', KEYS[1], ARGV[1])
    return 'retry'
  end
  if state ~= 'failed' then return 'retry' end
end
if state ~= 'failed' then redis.call('HINCRBY', KEYS[3], 'failed', ARGV[2]) end
redis.call('HSET', KEYS[1], ARGV[1], 'failed')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
return 'recorded'
`;

// A request's slot is dated at its end: it then counts for a full window after the request
// arrived, however long validation and the network took before it. Rounded up to the next ms, as
// BEGIN's clock is rounded down, so a slot never frees even a fraction of a ms early.
const RELEASE = `
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + 1, ARGV[1])
`;

const INIT = `
if redis.call('HSETNX', KEYS[1], 'total', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'jobs', ARGV[2], 'sent', 0, 'failed', 0, 'createdAt', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
`;

/** Campaign bookkeeping, idempotency keys and the shared rate limit, all in Redis. */
export class CampaignStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    queueName: string,
    private readonly ttlMs: number,
  ) {
    this.base = `${prefix}:${queueName}:chonry`;
  }

  private keys(campaignId: string) {
    const campaign = `${this.base}:campaign:${campaignId}`;
    return { campaign, jobs: `${campaign}:jobs`, failures: `${campaign}:failures`, batches: `${campaign}:batches`, reports: `${campaign}:reports` };
  }

  private idempotencyKey(key: string): string {
    return `${this.base}:idempotency:${createHash('sha256').update(key).digest('hex')}`;
  }

  /** Claims an idempotency key for `campaignId`; returns the campaign that already holds it, if any. */
  async claim(key: string, campaignId: string): Promise<string | undefined> {
    const ok = await this.redis.set(this.idempotencyKey(key), campaignId, 'PX', this.ttlMs, 'NX');
    if (ok === 'OK') return undefined;
    return (await this.redis.get(this.idempotencyKey(key))) ?? undefined;
  }

  async init(campaignId: string, total: number, jobs: number): Promise<void> {
    await this.redis.eval(INIT, 1, this.keys(campaignId).campaign, total, jobs, Date.now(), this.ttlMs);
  }

  async markEnqueued(campaignId: string): Promise<void> {
    await this.redis.hset(this.keys(campaignId).campaign, 'enqueued', 1);
  }

  /** The number of jobs once the campaign's jobs are all in the queue, else undefined. */
  async enqueuedJobs(campaignId: string): Promise<number | undefined> {
    const [enqueued, jobs] = await this.redis.hmget(this.keys(campaignId).campaign, 'enqueued', 'jobs');
    return enqueued ? Number(jobs) : undefined;
  }

  async get(campaignId: string): Promise<ChonrySmsCampaign | undefined> {
    const k = this.keys(campaignId);
    const [[, hash], [, batchIds], [, failures]] = (await this.redis
      .multi()
      .hgetall(k.campaign)
      .lrange(k.batches, 0, -1)
      .hvals(k.failures)
      .exec()) as [[unknown, Record<string, string>], [unknown, string[]], [unknown, string[]]];
    if (!hash.total) return undefined;
    const total = Number(hash.total);
    const sent = Number(hash.sent ?? 0);
    const failed = Number(hash.failed ?? 0);
    return {
      total,
      sent,
      failed,
      pending: total - sent - failed,
      delivered: Number(hash.delivered ?? 0),
      undelivered: Number(hash.undelivered ?? 0),
      batchIds,
      failures: failures.map((f) => JSON.parse(f) as ChonrySmsCampaignFailure),
    };
  }

  /**
   * Just before a job's request: finishes a job seen before, or takes a slot of the global rate
   * limit (a sliding-window log in Redis time) and marks the job started. A slot in use counts as
   * if its request arrived `inFlightMs` later, until `release` dates it at the request's end, so
   * any window of `duration` at the provider sees at most `max` requests.
   */
  async begin(
    data: { campaignId: string; index: number; account?: string },
    recipients: string[],
    limiter: { max: number; duration: number } | undefined,
    slot: { member: string; inFlightMs: number },
    unknownReason: string,
  ): Promise<BeginOutcome> {
    const k = this.keys(data.campaignId);
    for (;;) {
      const [status, wait] = (await this.redis.eval(
        BEGIN,
        4,
        k.jobs,
        k.failures,
        k.campaign,
        this.rateKey(data.account),
        data.index,
        limiter?.max ?? 0,
        limiter?.duration ?? 0,
        slot.inFlightMs,
        slot.member,
        this.ttlMs,
      )) as [string, number];
      if (status === 'go') return { go: true };
      if (status === 'wait') return { go: false, waitMs: Math.max(1, Number(wait)) };
      if (status === 'finished') return { done: 'already-finished' };
      // Cut off: its recipients go to Redis now, and only now.
      const failure: ChonrySmsCampaignFailure = { mobiles: recipients, delivery: 'unknown', reason: unknownReason };
      const verdict = (await this.redis.eval(CUT_OFF, 3, k.jobs, k.failures, k.campaign, data.index, recipients.length, JSON.stringify(failure), this.ttlMs, slot.member)) as string;
      if (verdict !== 'again') return { done: verdict === 'unknown' ? 'unknown' : 'already-finished' };
    }
  }

  /** Dates a rate-limit slot at the end of its request (which arrived no later than now). */
  async release(member: string, account?: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.rateKey(account), member);
  }

  /** Each account has its own rate limit (the default account keeps the key it always had). */
  private rateKey(account: string | undefined): string {
    return account === undefined || account === CHONRY_SMS_DEFAULT_ACCOUNT ? `${this.base}:rate` : `${this.base}:rate:${account}`;
  }

  /** Where a batch id (of one account) points back to its campaign, for delivery reports. */
  private batchKey(account: string | undefined, batchId: string): string {
    return `${this.base}:batch:${account ?? CHONRY_SMS_DEFAULT_ACCOUNT}:${batchId}`;
  }

  /** Records an accepted request; corrects an earlier `unknown` verdict on the same job. */
  async sent(data: { campaignId: string; index: number; account?: string }, recipients: number, batchId: string): Promise<void> {
    const k = this.keys(data.campaignId);
    await this.redis.eval(SENT, 5, k.jobs, k.failures, k.campaign, k.batches, this.batchKey(data.account, batchId), data.index, recipients, batchId, this.ttlMs, data.campaignId);
  }

  /**
   * Counts delivery reports into the campaigns whose batches they belong to; reports of other
   * batches (not sent by this queue, or of an expired campaign) are ignored. Returns how many counted.
   */
  async delivered(account: string, reports: readonly { smUuid: string; batchId?: string; status: 'delivered' | 'failed' }[]): Promise<number> {
    const ours = reports.filter((r) => r.batchId);
    if (ours.length === 0) return 0;
    const campaigns = await this.redis.mget(...ours.map((r) => this.batchKey(account, r.batchId!)));
    const pipeline = this.redis.pipeline();
    let queued = 0;
    ours.forEach((report, i) => {
      const campaignId = campaigns[i];
      if (!campaignId) return;
      const k = this.keys(campaignId);
      pipeline.eval(DELIVERY, 2, k.campaign, k.reports, report.smUuid, report.status === 'delivered' ? 'delivered' : 'undelivered', this.ttlMs);
      queued++;
    });
    if (queued === 0) return 0;
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    return results.reduce((n, [, counted]) => n + Number(counted), 0);
  }

  /**
   * Records a failed request. `retry` releases the job for BullMQ's next attempt (returns 'retry'),
   * unless another run already settled it; `final` records the failure in the campaign.
   */
  async failed(
    data: { campaignId: string; index: number },
    failure: ChonrySmsCampaignFailure,
    mode: 'retry' | 'final',
  ): Promise<'retry' | 'recorded' | 'resolved'> {
    const k = this.keys(data.campaignId);
    return (await this.redis.eval(
      FAILED,
      3,
      k.jobs,
      k.failures,
      k.campaign,
      data.index,
      failure.mobiles.length,
      JSON.stringify(failure),
      mode,
      this.ttlMs,
    )) as 'retry' | 'recorded' | 'resolved';
  }
}
