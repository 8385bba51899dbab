import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { ChonrySmsModule, ChonrySmsReportEvent, ChonrySmsReportsModule } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../../lib/queue';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, SECRET, startSandbox } from '../helpers';
import { connectTestRedis, releaseRedis, eventually, mobiles, REDIS_URL, redisSkipReason, settled, uniquePrefix } from '../queue/redis-for-tests';

const TOKEN = 'campaign-counts-token-0123456789abcdef0123';

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

skipIf(redisSkipReason(), describe)('campaign delivery counts through ChonrySmsReportsModule, over real HTTP', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let queue: ChonrySmsQueue;
  let receiver: string;
  const handled: ChonrySmsReportEvent[] = [];

  beforeAll(async () => {
    redis = await connectTestRedis();
    sandbox = await startSandbox();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, templateId: '100' }),
        ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName: 'report-counts', batchSize: 2 }),
        ChonrySmsReportsModule.forRoot({
          pollInterval: 1_000,
          push: { token: TOKEN, allowIps: ['127.0.0.1'] },
          redis: { connection: REDIS_URL, prefix },
          handler: (e) => void handled.push(e),
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    receiver = `http://127.0.0.1:${port}/chonry-sms/reports/${TOKEN}`;
    queue = app.get(ChonrySmsQueue);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await releaseRedis(redis, prefix);
  });

  it('pulled reports count into the campaign: delivered and undelivered', async () => {
    const numbers = mobiles(5, 100);
    sandbox.setDeliveryResult(numbers[2], 'UNDELIV');
    sandbox.setDeliveryResult(numbers[4], 'REJECT');
    const { campaignId } = await queue.enqueue({ mobiles: numbers, variables: ['x'] });
    const sent = await settled(queue, campaignId, 15_000);
    assert.equal(sent.sent, 5);
    assert.ok(sent.batchIds.length >= 3, 'several batches (batchSize 2)');
    const counted = await eventually(async () => {
      const c = await queue.getCampaign(campaignId);
      return c.delivered + c.undelivered === 5 && c;
    }, 10_000, 'the pulled reports to be counted');
    assert.deepEqual([counted.delivered, counted.undelivered], [3, 2]);
    assert.ok(handled.filter((e) => numbers.includes(e.mobile)).every((e) => e.source === 'pull'));
  });

  it('pushed reports count into the campaign, and a replayed push is not counted twice', async () => {
    sandbox.pushReportsTo(receiver);
    const numbers = mobiles(3, 200);
    sandbox.setDeliveryResult(numbers[0], 'UNDELIV');
    const { campaignId } = await queue.enqueue({ mobiles: numbers, variables: ['x'] });
    await settled(queue, campaignId, 15_000);
    const counted = await eventually(async () => {
      const c = await queue.getCampaign(campaignId);
      return c.delivered + c.undelivered === 3 && c;
    }, 10_000, 'the pushed reports to be counted');
    assert.deepEqual([counted.delivered, counted.undelivered], [2, 1]);
    await sandbox.pushesSettled();
    assert.equal(sandbox.waitingReports.length, 0, 'every report went by push');
    const pushed = handled.filter((e) => numbers.includes(e.mobile));
    assert.equal(pushed.length, 3);
    assert.ok(pushed.every((e) => e.source === 'push' && e.account === 'default'));

    // The provider pushes one again (its 200 was lost, say): answered 200, counted once.
    const again = pushed[0];
    const form = new URLSearchParams({ smUuid: again.smUuid, mobile: again.mobile, batchId: again.batchId ?? '', deliverResult: again.result, deliverTime: '2026-01-02 03:04:05' });
    assert.equal(await post(receiver, form.toString()), 200);
    await new Promise((r) => setTimeout(r, 200));
    const after = await queue.getCampaign(campaignId);
    assert.deepEqual([after.delivered, after.undelivered], [2, 1]);
    assert.equal(handled.filter((e) => numbers.includes(e.mobile)).length, 3, 'the handler saw it once');
  });
});
