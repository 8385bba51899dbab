import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import { INestApplication } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ChonrySmsModule } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../../lib/queue';
import { ACCESS_KEY, createApp, SECRET } from '../helpers';
import { connectTestRedis, releaseRedis, mobiles, REDIS_URL, redisSkipReason, settled, uniquePrefix } from '../queue/redis-for-tests';
import { ArrivalServer, busyLoop, mostInWindow, windowBreaches } from './arrival-server';

const skip = redisSkipReason();

skipIf(skip, describe)("the queue's limiter, counted where the requests arrive: every sliding window, retries and a stalled worker included", () => {
  const prefix = uniquePrefix();
  let redis: Redis | undefined;
  let server: ArrivalServer;
  let queues = 0;

  beforeAll(async () => {
    redis = await connectTestRedis();
    server = await ArrivalServer.start();
  });
  afterAll(async () => {
    await server?.close();
    await releaseRedis(redis, prefix);
  });

  /** Sends `jobs` one-recipient jobs through a worker in this process, stalling its event loop once. */
  async function queueArrivals(opts: { jobs: number; max: number; stallMs: number; rejectEvery: number }): Promise<bigint[]> {
    await server.answer({ rejectEvery: opts.rejectEvery, code: '9024', delayMs: 5 });
    let app: INestApplication | undefined;
    let stall: NodeJS.Timeout | undefined;
    try {
      app = await createApp({
        imports: [
          ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: server.url, timeout: 10_000 }),
          ChonrySmsQueueModule.forRoot({
            connection: { url: REDIS_URL },
            prefix,
            queueName: `rate${++queues}`,
            limiter: { max: opts.max, duration: 1000 },
            concurrency: 8,
            batchSize: 1,
            attempts: 3,
            backoffDelay: 0,
            retryApiCodes: ['9024'],
          }),
        ],
      });
      const queue = app.get(ChonrySmsQueue);
      const { campaignId } = await queue.enqueue({ mobiles: mobiles(opts.jobs), variables: ['x'] });
      if (opts.stallMs) stall = setTimeout(() => busyLoop(opts.stallMs), 1200);
      const campaign = await settled(queue, campaignId, 60_000);
      assert.equal(campaign.sent + campaign.failed, opts.jobs);
    } finally {
      clearTimeout(stall);
      await app?.close();
    }
    return server.arrivals();
  }

  it('limit 4: a 600 ms stall of the worker\'s event loop mid-campaign never lets a second hold more than 4', async () => {
    const arrivals = await queueArrivals({ jobs: 16, max: 4, stallMs: 600, rejectEvery: 0 });
    assert.equal(arrivals.length, 16);
    assert.deepEqual(windowBreaches(arrivals, 4, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)}`);
  });

  it('limit 4: BullMQ retries of a retryApiCodes rejection each take a slot, stall included', async () => {
    const arrivals = await queueArrivals({ jobs: 10, max: 4, stallMs: 600, rejectEvery: 2 });
    assert.ok(arrivals.length >= 15, `retries happened (${arrivals.length} requests for 10 jobs)`);
    assert.deepEqual(windowBreaches(arrivals, 4, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)}`);
  });
});
