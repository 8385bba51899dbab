import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import type { Redis } from 'ioredis';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsModule, ChonrySmsService } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../../lib/queue';
import { ChonrySmsReportStream } from '../../lib/reports/report-stream';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, SECRET, startSandbox } from '../helpers';
import { connectTestRedis, releaseRedis, eventually, mobiles, REDIS_URL, redisSkipReason, settled, uniquePrefix } from './redis-for-tests';

skipIf(redisSkipReason(), describe)('campaign delivery counts from delivery reports', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let queue: ChonrySmsQueue;
  let sms: ChonrySmsService;
  let stream: ChonrySmsReportStream;

  beforeAll(async () => {
    redis = await connectTestRedis();
    sandbox = await startSandbox();
    app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, templateId: '100' }),
        ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName: 'reports', batchSize: 2 }),
      ],
      // The stream as ChonrySmsReportsModule provides it.
      providers: [ChonrySmsReportStream],
    });
    queue = app.get(ChonrySmsQueue);
    sms = app.get(ChonrySmsService);
    stream = app.get(ChonrySmsReportStream);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await releaseRedis(redis, prefix);
  });

  it('reports on the stream count into their campaign once each: delivered and undelivered', async () => {
    const numbers = mobiles(5);
    sandbox.setDeliveryResult(numbers[1], 'UNDELIV');
    const { campaignId } = await queue.enqueue({ mobiles: numbers, variables: ['x'] });
    const sent = await settled(queue, campaignId, 10_000);
    assert.deepEqual([sent.sent, sent.delivered, sent.undelivered], [5, 0, 0]);

    const reports = await sms.pullDeliveryReports();
    assert.equal(reports.length, 5);
    stream.publish('default', 'pull', reports);
    const counted = await eventually(async () => {
      const c = await queue.getCampaign(campaignId);
      return c.delivered + c.undelivered === 5 && c;
    }, 5_000, 'the reports to be counted');
    assert.deepEqual([counted.delivered, counted.undelivered], [4, 1]);

    // The same reports again (a replayed push, a report both pulled and pushed): no double count.
    assert.equal(await queue.recordDeliveryReports(reports), 0);
    const again = await queue.getCampaign(campaignId);
    assert.deepEqual([again.delivered, again.undelivered], [4, 1]);
  });

  it('reports of batches the queue did not send, or of another account, are ignored', async () => {
    const direct = await sms.send({ mobiles: mobiles(1, 50), variables: ['x'] });
    const reports = await sms.pullDeliveryReports();
    assert.equal(reports[0].batchId, direct.batchId);
    assert.equal(await queue.recordDeliveryReports(reports), 0);
    const { campaignId } = await queue.enqueue({ mobiles: mobiles(1, 60), variables: ['x'] });
    await settled(queue, campaignId, 10_000);
    const campaignReports = await sms.pullDeliveryReports();
    assert.equal(await queue.recordDeliveryReports(campaignReports, { account: 'marketing' }), 0, 'batch ids are per account');
    assert.equal(await queue.recordDeliveryReports(campaignReports), 1);
    assert.equal((await queue.getCampaign(campaignId)).delivered, 1);
  });
});
