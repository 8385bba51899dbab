import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import { INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ChonrySmsConfigError, ChonrySmsModule, ChonrySmsModuleOptions, ChonrySmsValidationError } from '../../lib';
import {
  ChonrySmsCampaignNotFoundError,
  ChonrySmsJobCompletedEvent,
  ChonrySmsJobFailedEvent,
  ChonrySmsQueue,
  ChonrySmsQueueModule,
  ChonrySmsQueueModuleOptions,
} from '../../lib/queue';
import { CampaignStore } from '../../lib/queue/campaign-store';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';
import { connectTestRedis, releaseRedis, eventually, mobiles, REDIS_URL, redisSkipReason, settled, uniquePrefix } from './redis-for-tests';

const skip = redisSkipReason();

skipIf(skip, describe)('ChonrySmsQueue against a real Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis | undefined;
  let sandbox: ChonrySmsSandbox;
  const apps: INestApplication[] = [];
  let queues = 0;

  async function queueApp(
    options: ChonrySmsQueueModuleOptions = {},
    baseUrl = sandbox.url,
    smsOptions: Partial<ChonrySmsModuleOptions> = {},
  ): Promise<{ app: INestApplication; queue: ChonrySmsQueue }> {
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 5000, templateId: '100', ...smsOptions }),
        ChonrySmsQueueModule.forRoot({
          connection: { url: REDIS_URL },
          prefix,
          queueName: `q${++queues}`,
          backoffDelay: 100,
          ...options,
        }),
      ],
    });
    apps.push(app);
    return { app, queue: app.get(ChonrySmsQueue) };
  }

  beforeAll(async () => {
    redis = await connectTestRedis();
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sandbox?.close();
    await releaseRedis(redis, prefix);
  });

  it('refuses bad input with every problem listed, and queues nothing', async () => {
    const { queue } = await queueApp({ workers: false });
    const err = await rejectionOf(queue.enqueue({ mobiles: ['8613900000001', '07911 123456'], variables: ['a##b'] }));
    assert.ok(err instanceof ChonrySmsValidationError);
    assert.deepEqual(err.problems.map((p) => p.path).sort(), ['mobiles[1]', 'variables[0]']);
    // BullMQ may have written its queue's `meta` key; nothing else: no job, no campaign.
    const keys = await redis!.keys(`${prefix}:q${queues}:*`);
    assert.deepEqual(keys.filter((k) => !k.endsWith(':meta')), []);
  });

  it('splits a campaign into jobs of one request each, sends every recipient once and reports it', async () => {
    sandbox.reset();
    const { queue } = await queueApp({ batchSize: 3, concurrency: 2 });
    const completed: ChonrySmsJobCompletedEvent[] = [];
    queue.events.on('completed', (e) => completed.push(e));
    const list = [...mobiles(7), '+86 139 0000 0000'];
    const { campaignId, jobs } = await queue.enqueue({ mobiles: list, variables: ['先生', '100%+1'], sign: '【Acme】' });
    assert.equal(jobs, 3);
    const campaign = await settled(queue, campaignId, 20_000);
    assert.deepEqual({ ...campaign, batchIds: campaign.batchIds.length }, { total: 7, sent: 7, failed: 0, pending: 0, delivered: 0, undelivered: 0, batchIds: 3, failures: [] });
    assert.equal(sandbox.requests.length, 3);
    assert.deepEqual(new Set(campaign.batchIds), new Set(sandbox.requests.map((r) => r.reply.batchId)));
    assert.deepEqual([...sandbox.acceptedCount.entries()].sort(), mobiles(7).map((m) => [m, 1]));
    assert.deepEqual(sandbox.messages[0].variables, ['先生', '100%+1']);
    assert.equal(sandbox.messages[0].sign, '【Acme】');
    assert.equal(sandbox.messages[0].templateId, '100');
    assert.equal(completed.length, 3);
    assert.ok(completed.every((e) => e.campaignId === campaignId));
  });

  it('checks a job again for its shape before sending: a job changed in Redis after enqueue is refused, not sent', async () => {
    sandbox.reset();
    const queueName = `changed-${queues}`;
    const { app: producer, queue } = await queueApp({ workers: false, queueName, batchSize: 2 });
    const bull = producer.get<Queue>(getQueueToken(queueName));
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(6), variables: ['x'] });
    // Three jobs: one left alone, one with a recipient that is no longer digits (it would put its own
    // field into the form), one with a variable that the provider would split.
    const number = await bull.getJob(`${campaignId}-1`);
    await number!.updateData({ ...number!.data, mobiles: ['8613900000002', '1&templateId=9'] });
    const variable = await bull.getJob(`${campaignId}-2`);
    await variable!.updateData({ ...variable!.data, variables: ['a##b'] });
    await queueApp({ queueName, batchSize: 2 });
    const campaign = await settled(queue, campaignId, 20_000);
    assert.deepEqual([campaign.sent, campaign.failed], [2, 4]);
    assert.equal(sandbox.requests.length, 1);
    const reasons = campaign.failures.map((f) => `${f.delivery}: ${f.reason}`).sort();
    assert.equal(reasons.length, 2);
    assert.match(reasons[0], /^not-sent: .*mobiles\[1\].*not a normalised number/);
    assert.match(reasons[1], /^not-sent: .*variables\[0\]/);
  });

  it('queues personalised messages of any size in requests of at most 10,000', async () => {
    sandbox.reset();
    const { queue } = await queueApp({ concurrency: 2 });
    const messages = mobiles(12_000).map((mobile, i) => ({ mobile, variables: [`n${i}`] }));
    const { campaignId, jobs } = await queue.enqueue({ messages, scheduleSendTime: new Date('2030-01-02T03:04:05Z') });
    assert.equal(jobs, 2);
    const campaign = await settled(queue, campaignId, 20_000);
    assert.equal(campaign.sent, 12_000);
    assert.equal(sandbox.acceptedRecipients, 12_000);
    assert.equal(sandbox.acceptedCount.size, 12_000);
    const last = sandbox.messages.find((m) => m.mobile === messages[11_999].mobile);
    assert.deepEqual(last?.variables, ['n11999']);
    assert.equal(last?.scheduleSendTime, '2030-01-02 11:04:05');
  });

  it('enqueues an idempotency key once: same campaignId, one send', async () => {
    sandbox.reset();
    const { queue } = await queueApp();
    const input = { mobiles: mobiles(5), variables: ['x'] };
    const [a, b] = await Promise.all([
      queue.enqueue(input, { idempotencyKey: 'order-42' }),
      queue.enqueue(input, { idempotencyKey: 'order-42' }),
    ]);
    const c = await queue.enqueue(input, { idempotencyKey: 'order-42' });
    assert.equal(a.campaignId, b.campaignId);
    assert.equal(a.campaignId, c.campaignId);
    assert.equal(c.jobs, 1);
    await settled(queue, a.campaignId, 20_000);
    await new Promise((r) => setTimeout(r, 300)); // room for a second send to show up, were there one
    assert.equal(sandbox.requests.length, 1);
    assert.equal(sandbox.acceptedRecipients, 5);
    const other = await queue.enqueue(input, { idempotencyKey: 'order-43' });
    assert.notEqual(other.campaignId, a.campaignId);
    await settled(queue, other.campaignId, 20_000);
  });

  it('finishes the enqueue of an idempotency key whose first enqueue died before adding its jobs', async () => {
    sandbox.reset();
    const { queue } = await queueApp();
    // What a process that crashed right after claiming the key leaves behind: the key, no jobs.
    const store = new CampaignStore(redis!, prefix, `q${queues}`, 60_000);
    assert.equal(await store.claim('crashed-order', 'stale-campaign'), undefined);
    const list = mobiles(3, 700);
    const { campaignId, jobs } = await queue.enqueue({ mobiles: list, variables: ['x'] }, { idempotencyKey: 'crashed-order' });
    assert.deepEqual([campaignId, jobs], ['stale-campaign', 1]);
    const campaign = await settled(queue, campaignId, 20_000);
    assert.equal(campaign.sent, 3);
    assert.deepEqual(list.map((m) => sandbox.acceptedCount.get(m)), [1, 1, 1]);
  });

  it('retries a request that provably never left (connection refused) with backoff, then sends it once', async () => {
    const probe = new ChonrySmsSandbox();
    const port = Number(new URL(await probe.start()).port);
    await probe.close(); // nothing listens on `port` until the first failure is seen
    const { queue } = await queueApp({ attempts: 5 }, `http://127.0.0.1:${port}`);
    const failures: ChonrySmsJobFailedEvent[] = [];
    let revived: ChonrySmsSandbox | undefined;
    queue.events.on('failed', (e) => {
      failures.push(e);
      if (!revived) void (revived = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: SECRET, port })).start();
    });
    try {
      const { campaignId } = await queue.enqueue({ mobiles: mobiles(3), variables: ['x'] });
      const campaign = await settled(queue, campaignId, 20_000);
      assert.deepEqual([campaign.sent, campaign.failed], [3, 0]);
      assert.equal(failures[0].delivery, 'not-sent');
      assert.equal(failures[0].retrying, true);
      assert.match(failures[0].reason, /never reached the provider/);
      assert.equal(revived?.acceptedRecipients, 3);
      assert.equal(revived?.requests.length, 1);
    } finally {
      await revived?.close();
    }
  });

  it('never re-sends a request whose fate is unknown: it lands in failures with the reason', async () => {
    sandbox.reset();
    const { queue } = await queueApp({ batchSize: 2, attempts: 5 });
    sandbox.fault({ kind: 'reset-mid-response' }, 1);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(4), variables: ['x'] });
    const campaign = await settled(queue, campaignId, 20_000);
    assert.deepEqual([campaign.total, campaign.sent, campaign.failed], [4, 2, 2]);
    assert.equal(campaign.failures.length, 1);
    assert.equal(campaign.failures[0].delivery, 'unknown');
    assert.match(campaign.failures[0].reason, /closed/);
    assert.equal(sandbox.requests.length, 2);
    // The sandbox accepted the cut-off request too: each recipient exactly once, none twice.
    assert.deepEqual([...sandbox.acceptedCount.values()], [1, 1, 1, 1]);
    assert.deepEqual(campaign.failures[0].mobiles.map((m) => sandbox.acceptedCount.get(m)), [1, 1]);
  });

  it('does not retry a provider rejection unless its code is listed in retryApiCodes', async () => {
    sandbox.reset();
    const { queue } = await queueApp({ batchSize: 2, retryApiCodes: ['9024'] });
    sandbox.fault({ kind: 'code', code: '9010' }, 1).fault({ kind: 'code', code: '9024' }, 1);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(2), variables: ['x'] });
    const campaign = await settled(queue, campaignId, 20_000);
    assert.deepEqual([campaign.sent, campaign.failed], [0, 2]);
    assert.equal(campaign.failures[0].delivery, 'not-sent');
    assert.match(campaign.failures[0].reason, /9010/);
    assert.equal(sandbox.requests.length, 1);

    const second = await queue.enqueue({ mobiles: mobiles(2, 10), variables: ['x'] });
    const retried = await settled(queue, second.campaignId, 20_000);
    assert.deepEqual([retried.sent, retried.failed], [2, 0]);
    assert.equal(sandbox.requests.length, 3);
  });

  it('on app.close(), finishes the request in flight and hands a job waiting for a rate-limit slot back untouched', async () => {
    sandbox.reset();
    const limiter = { max: 1, duration: 1000 };
    const { app } = await queueApp({ limiter, concurrency: 2 });
    const name = `q${queues}`;
    const producer = await queueApp({ workers: false, queueName: name, batchSize: 1 });
    const bull = producer.app.get<Queue>(getQueueToken(name));
    // The first request takes 2.5 s; the second job starts meanwhile and waits for the slot.
    sandbox.fault({ kind: 'delay', ms: 2500 }, 1);
    const { campaignId } = await producer.queue.enqueue({ mobiles: mobiles(2), variables: ['x'] });
    await eventually(async () => sandbox.requests.length === 1 && (await bull.getActiveCount()) === 2, 10_000, 'one request in flight, one job waiting');
    await app.close();
    let campaign = await producer.queue.getCampaign(campaignId);
    assert.deepEqual([campaign.sent, campaign.failed, campaign.pending], [1, 0, 1]);
    assert.equal(campaign.batchIds[0], sandbox.requests[0].reply.batchId);
    assert.equal(sandbox.requests.length, 1);
    assert.equal(await bull.getActiveCount(), 0);

    await queueApp({ queueName: name });
    campaign = await settled(producer.queue, campaignId, 20_000);
    assert.deepEqual([campaign.sent, campaign.failed], [2, 0]);
    assert.deepEqual([...sandbox.acceptedCount.values()], [1, 1]);
  });

  it("ignores ChonrySmsModule's own retry option: even retryUnknownDelivery never re-sends inside a job", async () => {
    sandbox.reset();
    const { queue } = await queueApp({ batchSize: 2, attempts: 5 }, sandbox.url, {
      retry: { attempts: 3, initialDelay: 1, retryUnknownDelivery: true },
    });
    sandbox.fault({ kind: 'reset-mid-response' }, 1);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(4), variables: ['x'] });
    const campaign = await settled(queue, campaignId, 20_000);
    assert.deepEqual([campaign.total, campaign.sent, campaign.failed], [4, 2, 2]);
    assert.equal(campaign.failures[0].delivery, 'unknown');
    assert.equal(sandbox.requests.length, 2);
    assert.deepEqual([...sandbox.acceptedCount.values()], [1, 1, 1, 1]);
  });

  it('corrects an unknown verdict when the cut-off run turns out to have been accepted', async () => {
    const store = new CampaignStore(redis!, prefix, 'store', 60_000);
    const job = { campaignId: 'c1', index: 0 };
    await store.init('c1', 2, 1);
    const slot = { member: 'm', inFlightMs: 1000 };
    assert.deepEqual(await store.begin(job, ['a', 'b'], undefined, slot, 'cut off'), { go: true });
    // The same run asking again (its first answer lost to a Redis outage) still gets its go.
    assert.deepEqual(await store.begin(job, ['a', 'b'], undefined, slot, 'cut off'), { go: true });
    // BullMQ hands the job to a second worker (another run) while the first is still waiting for the provider.
    assert.deepEqual(await store.begin(job, ['a', 'b'], undefined, { ...slot, member: 'm2' }, 'cut off'), { done: 'unknown' });
    let campaign = await store.get('c1');
    assert.deepEqual([campaign?.sent, campaign?.failed, campaign?.failures], [0, 2, [{ mobiles: ['a', 'b'], delivery: 'unknown', reason: 'cut off' }]]);
    await store.sent(job, 2, 'batch-1');
    campaign = await store.get('c1');
    assert.deepEqual([campaign?.sent, campaign?.failed, campaign?.failures, campaign?.batchIds], [2, 0, [], ['batch-1']]);
    assert.deepEqual(await store.begin(job, ['a', 'b'], undefined, slot, 'cut off'), { done: 'already-finished' });
  });

  it('reports an unknown campaign with ChonrySmsCampaignNotFoundError', async () => {
    const { queue } = await queueApp({ workers: false });
    assert.ok((await rejectionOf(queue.getCampaign('no-such-campaign'))) instanceof ChonrySmsCampaignNotFoundError);
  });

  it('takes its connection from ConfigService through forRootAsync, and checks the options', async () => {
    process.env.CHONRY_TEST_REDIS_URL = REDIS_URL;
    const app = await createApp({
      imports: [
        ChonrySmsQueueModule.forRootAsync({
          queueName: `q${++queues}`,
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            connection: { url: config.getOrThrow<string>('CHONRY_TEST_REDIS_URL') },
            prefix,
            workers: false,
          }),
        }),
      ],
    });
    apps.push(app);
    const { campaignId } = await app.get(ChonrySmsQueue).enqueue({ mobiles: mobiles(1), variables: ['x'] });
    assert.equal((await app.get(ChonrySmsQueue).getCampaign(campaignId)).pending, 1);

    const bad = await rejectionOf(createApp({ imports: [ChonrySmsQueueModule.forRoot({ limiter: { max: 0, duration: 1000 }, workers: false })] }));
    assert.ok(bad instanceof ChonrySmsConfigError);
    assert.match(bad.message, /^ChonrySmsQueueModule option 'limiter\.max' /);
    const moduleRef = await Test.createTestingModule({
      imports: [ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName: `q${++queues}` })],
    }).compile();
    const noSms = moduleRef.createNestApplication({ logger: false });
    try {
      assert.match((await rejectionOf(noSms.init())).message, /needs ChonrySmsModule/);
    } finally {
      await noSms.close();
    }
  });
});
