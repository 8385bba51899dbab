import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ChonrySmsModule, ChonrySmsValidationError } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../../lib/queue';
import { ChonrySmsSandbox } from '../../lib/testing';
import { createApp, rejectionOf } from '../helpers';
import { connectTestRedis, releaseRedis, mobiles, REDIS_URL, redisSkipReason, settled, uniquePrefix } from './redis-for-tests';

const MARKETING = { accessKey: 'marketing-key', secret: 'Marketing-Secret-7c1e' };
const CODES = { accessKey: 'codes-key', secret: 'Codes-Secret-0b9d' };

/** The most requests that arrived within any window of `ms`. */
function busiestWindow(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

skipIf(redisSkipReason(), describe)('queued campaigns of several accounts', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let marketingGateway: ChonrySmsSandbox;
  let codesGateway: ChonrySmsSandbox;
  let app: INestApplication;
  let queue: ChonrySmsQueue;

  beforeAll(async () => {
    redis = await connectTestRedis();
    marketingGateway = new ChonrySmsSandbox(MARKETING);
    codesGateway = new ChonrySmsSandbox(CODES);
    await Promise.all([marketingGateway.start(), codesGateway.start()]);
    app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ ...CODES, baseUrl: codesGateway.url, templateId: '1' }),
        ChonrySmsModule.forRoot({ ...MARKETING, name: 'marketing', baseUrl: marketingGateway.url, templateId: '2' }),
        ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName: 'accounts', batchSize: 1, concurrency: 8, limiter: { max: 2, duration: 1000 } }),
      ],
    });
    queue = app.get(ChonrySmsQueue);
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([marketingGateway?.close(), codesGateway?.close()]);
    await releaseRedis(redis, prefix);
  });

  it("each campaign is sent through its own account, under that account's own rate limit", async () => {
    const [marketing, codes] = await Promise.all([
      queue.enqueue({ mobiles: mobiles(4), variables: ['promo'] }, { account: 'marketing' }),
      queue.enqueue({ mobiles: mobiles(4, 100), variables: ['code'] }),
    ]);
    const [m, c] = await Promise.all([settled(queue, marketing.campaignId, 20_000), settled(queue, codes.campaignId, 20_000)]);
    assert.deepEqual([m.sent, m.failed, c.sent, c.failed], [4, 0, 4, 0]);
    assert.deepEqual(marketingGateway.messages.map((x) => x.templateId), ['2', '2', '2', '2']);
    assert.deepEqual(codesGateway.messages.map((x) => x.templateId), ['1', '1', '1', '1']);
    assert.deepEqual(marketingGateway.messages.map((x) => x.mobile).sort(), mobiles(4).sort());
    const marketingTimes = marketingGateway.requests.map((r) => r.at.getTime());
    const codesTimes = codesGateway.requests.map((r) => r.at.getTime());
    // Each account within its own limit, measured where the requests arrived...
    assert.ok(busiestWindow(marketingTimes, 1000) <= 2, String(marketingTimes));
    assert.ok(busiestWindow(codesTimes, 1000) <= 2, String(codesTimes));
    // ...and not one limit shared by both: together they went faster than one account may.
    assert.ok(busiestWindow([...marketingTimes, ...codesTimes], 1000) > 2, 'the accounts shared one rate limit');
  });

  it('refuses a campaign for an account the application does not have, and queues nothing', async () => {
    const before = await redis.keys(`${prefix}:accounts:chonry:campaign:*`);
    for (const account of ['sales', 'has space', '']) {
      const err = await rejectionOf(queue.enqueue({ mobiles: mobiles(1), variables: ['x'] }, { account }));
      assert.ok(err instanceof ChonrySmsValidationError, String(err));
      assert.deepEqual(err.problems.map((p) => p.path), ['account']);
    }
    assert.deepEqual(await redis.keys(`${prefix}:accounts:chonry:campaign:*`), before);
  });
});
