import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import { inspect } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ChonrySmsModule } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule, ChonrySmsQueueModuleOptions, ChonrySmsQueueUnavailableError } from '../../lib/queue';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, CapturingLogger, createApp, SECRET, startSandbox } from '../helpers';
import { activeResources, leftoversAfter } from '../reliability/support';
import { CuttingRelay, OwnRedis, redisServerSkipReason } from './own-redis';
import { mobiles, settled } from './redis-for-tests';

const skip = redisServerSkipReason();
const REDIS_TIMEOUT = 1000;
// A call may take its bound once per step it waits on, plus the time a loaded machine adds.
const SETTLES_WITHIN = 2 * REDIS_TIMEOUT + 1500;
const REDIS_PASSWORD = 'Redis-Canary-Pw-93f1';

/** Everything written to stderr while `capture` is on (still passed through). */
class StderrCapture {
  text = '';
  private original = process.stderr.write.bind(process.stderr);
  start(): void {
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return (this.original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  }
  stop(): void {
    process.stderr.write = this.original;
  }
}

/** Settles `promise`, and says how long it took. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error?: Error; value?: T }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error: error as Error };
  }
}

function assertUnavailable(error: Error | undefined, operation: string): asserts error is ChonrySmsQueueUnavailableError {
  assert.ok(error instanceof ChonrySmsQueueUnavailableError, `expected ChonrySmsQueueUnavailableError, got ${inspect(error)}`);
  assert.equal(error.operation, operation);
  for (const text of [error.message, error.stack ?? '', JSON.stringify(error), inspect(error)]) {
    assert.ok(!text.includes(REDIS_PASSWORD), 'the Redis password never shows');
    assert.ok(!text.includes(SECRET), 'the SMS secret never shows');
  }
}

skipIf(skip, describe)('the queue when its Redis is unreachable (a redis-server of the test’s own)', () => {
  let redis: OwnRedis;
  let sandbox: ChonrySmsSandbox;
  const stderr = new StderrCapture();
  const logger = new CapturingLogger();
  const apps = new Set<INestApplication>();

  async function queueApp(url: string, options: ChonrySmsQueueModuleOptions = {}): Promise<INestApplication> {
    const app = await createApp(
      {
        imports: [
          ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 2000 }),
          ChonrySmsQueueModule.forRoot({ connection: { url }, redisTimeout: REDIS_TIMEOUT, backoffDelay: 100, ...options }),
        ],
      },
      logger,
    );
    apps.add(app);
    return app;
  }

  async function close(app: INestApplication): Promise<number> {
    const { ms, error } = await timed(app.close());
    apps.delete(app);
    assert.equal(error, undefined);
    return ms;
  }

  beforeAll(async () => {
    stderr.start();
    redis = await OwnRedis.start(REDIS_PASSWORD);
    sandbox = await startSandbox({ recordMessages: false });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    redis?.thaw();
    await redis?.kill();
    await sandbox?.close();
    stderr.stop();
  });

  it('dead port: enqueue and getCampaign reject within the bound with the typed error; after Redis returns enqueue works again; close() finishes', async () => {
    const app = await queueApp(redis.url(), { workers: false });
    const queue = app.get(ChonrySmsQueue);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(3), variables: ['x'] });

    await redis.kill();
    const enqueue = await timed(queue.enqueue({ mobiles: mobiles(3), variables: ['x'] }));
    assertUnavailable(enqueue.error, 'enqueue');
    assert.ok(enqueue.ms < SETTLES_WITHIN, `enqueue settled after ${Math.round(enqueue.ms)} ms`);
    assert.equal(enqueue.error.delivery, 'not-sent');
    assert.deepEqual([enqueue.error.progress?.written.jobs, enqueue.error.progress?.unknown.jobs, enqueue.error.progress?.notWritten.jobs], [0, 0, 1]);
    assert.match(enqueue.error.message, /127\.0\.0\.1:\d+/);
    const get = await timed(queue.getCampaign(campaignId));
    assertUnavailable(get.error, 'getCampaign');
    assert.ok(get.ms < SETTLES_WITHIN, `getCampaign settled after ${Math.round(get.ms)} ms`);

    await redis.restart();
    let again: Awaited<ReturnType<ChonrySmsQueue['enqueue']>> | undefined;
    for (const until = Date.now() + 10_000; !again && Date.now() < until; ) {
      again = await queue.enqueue({ mobiles: mobiles(2), variables: ['x'] }).catch(() => undefined);
    }
    assert.equal(again?.jobs, 1, 'enqueue works again once Redis is back');
    assert.equal((await queue.getCampaign(again!.campaignId)).total, 2);

    await redis.kill();
    assert.ok((await close(app)) < SETTLES_WITHIN, 'close() finishes with Redis dead');
    await redis.restart();
  });

  it('hung Redis (kill -STOP): calls reject within the bound, enqueue says it may have been written; close() finishes while it is still stopped', async () => {
    const app = await queueApp(redis.url(), { workers: true, concurrency: 2 });
    const queue = app.get(ChonrySmsQueue);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(2), variables: ['x'] });
    await settled(queue, campaignId, 10_000);

    redis.freeze();
    try {
      const enqueue = await timed(queue.enqueue({ mobiles: mobiles(3, 100), variables: ['x'] }, { idempotencyKey: 'hung-1' }));
      assertUnavailable(enqueue.error, 'enqueue');
      assert.ok(enqueue.ms < SETTLES_WITHIN, `enqueue settled after ${Math.round(enqueue.ms)} ms`);
      assert.match(enqueue.error.reason, /no answer within 1000 ms|timed out/);
      // The idempotency claim was sent and never answered: it may have happened.
      assert.equal(enqueue.error.progress?.resumable, true);
      const get = await timed(queue.getCampaign(campaignId));
      assertUnavailable(get.error, 'getCampaign');
      assert.ok(get.ms < SETTLES_WITHIN, `getCampaign settled after ${Math.round(get.ms)} ms`);
      const closeMs = await close(app);
      // No request in flight: the worker gets redisTimeout to close and redisTimeout to drop its
      // connections, the queue's connection redisTimeout to QUIT.
      assert.ok(closeMs < 3 * REDIS_TIMEOUT + 1500, `close() took ${Math.round(closeMs)} ms`);
    } finally {
      redis.thaw();
    }
  });

  it('Redis down at start-up: start-up fails within the bound with the typed error and leaves nothing running', async () => {
    await redis.kill();
    try {
      const baseline = activeResources();
      const started = timed(queueApp(redis.url(), { workers: true }));
      const { ms, error } = await started;
      assertUnavailable(error, 'start-up');
      assert.ok(ms < SETTLES_WITHIN, `start-up failed after ${Math.round(ms)} ms`);
      assert.match(error.message, /cannot start/);
      assert.deepEqual(await leftoversAfter(baseline), [], 'no Redis connection keeps retrying');
    } finally {
      await redis.restart();
    }
  });

  it('Redis lost midway through a 20-job campaign: the error names the jobs written and not; the same idempotency key finishes it, every recipient sent once', async () => {
    const relay = new CuttingRelay(redis.port);
    await relay.start();
    const producer = await queueApp(redis.url(relay.port), { workers: false, batchSize: 10_000, queueName: 'midway' });
    const queue = producer.get(ChonrySmsQueue);
    const everyone = mobiles(200_000, 1_000_000);
    // About 2.8 MB of jobs go to Redis in four writes, two at a time: cut the connection during the
    // third (the first has been answered by the time the third starts).
    relay.cutAfter(2_100_000);
    const first = await timed(queue.enqueue({ mobiles: everyone, variables: ['x'] }, { idempotencyKey: 'midway-1' }));
    assertUnavailable(first.error, 'enqueue');
    const progress = first.error.progress!;
    assert.equal(first.error.delivery, 'unknown');
    assert.equal(progress.jobs, 20);
    assert.ok(progress.written.jobs > 0 && progress.written.jobs < 20, `cut midway (${progress.written.jobs} jobs written)`);
    assert.equal(progress.written.jobs + progress.unknown.jobs + progress.notWritten.jobs, 20);
    assert.equal(progress.written.recipients + progress.unknown.recipients + progress.notWritten.recipients, 200_000);
    assert.equal(progress.resumable, true);
    assert.match(first.error.message, /same input and idempotencyKey/);

    // What Redis holds agrees with the error: every written job is there, no job said unwritten is.
    const direct = new Redis(redis.url(), { maxRetriesPerRequest: 1 });
    try {
      const inRedis = async (ids: string[]) => Promise.all(ids.map(async (id) => (await direct.exists(`bull:midway:${id}`)) === 1));
      assert.ok((await inRedis(progress.written.jobIds)).every(Boolean), 'written jobs are in Redis');
      const notWrittenIds = Array.from({ length: 20 }, (_, i) => `${progress.campaignId}-${i}`).filter(
        (id) => !progress.written.jobIds.includes(id) && !progress.unknown.jobIds.includes(id),
      );
      assert.equal(notWrittenIds.length, progress.notWritten.jobs);
      assert.ok((await inRedis(notWrittenIds)).every((present) => !present), 'jobs said not written are not in Redis');
    } finally {
      direct.disconnect();
    }

    relay.heal();
    let resumed: Awaited<ReturnType<ChonrySmsQueue['enqueue']>> | undefined;
    for (const until = Date.now() + 15_000; !resumed && Date.now() < until; ) {
      resumed = await queue.enqueue({ mobiles: everyone, variables: ['x'] }, { idempotencyKey: 'midway-1' }).catch(() => undefined);
    }
    assert.deepEqual(resumed, { campaignId: progress.campaignId, jobs: 20 });
    sandbox.reset();
    const worker = await queueApp(redis.url(), { workers: true, batchSize: 10_000, queueName: 'midway', concurrency: 4 });
    const campaign = await settled(worker.get(ChonrySmsQueue), progress.campaignId, 60_000);
    assert.deepEqual([campaign.total, campaign.sent, campaign.failed], [200_000, 200_000, 0]);
    assert.equal(sandbox.acceptedRecipients, 200_000);
    assert.ok(everyone.every((m) => sandbox.acceptedCount.get(m) === 1), 'every recipient accepted exactly once');
    await close(worker);
    await close(producer);
    await relay.close();
  });

  it('printed no "Unhandled error event", and logged neither the Redis password nor the secret', () => {
    assert.doesNotMatch(stderr.text, /Unhandled error event/);
    const logs = logger.lines.join('\n');
    assert.match(logs, /Redis at 127\.0\.0\.1:\d+ is unavailable/);
    for (const text of [stderr.text, logs]) {
      assert.ok(!text.includes(REDIS_PASSWORD));
      assert.ok(!text.includes(SECRET));
    }
  });
});
