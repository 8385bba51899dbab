import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import {
  ChonrySmsModule,
  ChonrySmsReportEvent,
  ChonrySmsReportsModule,
  ChonrySmsReportsModuleOptions,
  ChonrySmsReportStream,
  ChonrySmsService,
} from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, CapturingLogger, SECRET, startSandbox } from '../helpers';
import { connectTestRedis, deleteKeys, REDIS_URL, redisSkipReason, uniquePrefix } from '../queue/redis-for-tests';

const TOKEN = 'push-token-0123456789abcdef0123456789abcdef';

interface Harness {
  app: INestApplication;
  url: string;
  sms: ChonrySmsService;
  stream: ChonrySmsReportStream;
  logger: CapturingLogger;
  events: ChonrySmsReportEvent[];
}

const apps: INestApplication[] = [];
const sandboxes: ChonrySmsSandbox[] = [];

async function sandbox(): Promise<ChonrySmsSandbox> {
  const s = await startSandbox();
  sandboxes.push(s);
  return s;
}

async function harness(s: ChonrySmsSandbox, options: ChonrySmsReportsModuleOptions): Promise<Harness> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: s.url, apiBaseUrl: s.url, templateId: '100' }),
      ChonrySmsReportsModule.forRoot(options),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  apps.push(app);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const stream = app.get(ChonrySmsReportStream);
  const events: ChonrySmsReportEvent[] = [];
  stream.reports$.subscribe((e) => events.push(e));
  return { app, url: `http://127.0.0.1:${port}`, sms: app.get(ChonrySmsService), stream, logger, events };
}

async function eventually<T>(check: () => T | false | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A raw POST over a real socket. */
function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const REPORT = { smUuid: '1_12_0_8613900000001_0_abcdefg_1', mobile: '8613900000001', batchId: 'b1', deliverResult: 'DELIVRD', deliverTime: '2026-01-02 03:04:05' };

function assertNoLeak(h: Harness, ...texts: string[]): void {
  for (const line of [...h.logger.lines, ...texts]) {
    assert.ok(!line.includes(SECRET), `the secret leaked: ${line}`);
    assert.ok(!line.includes(TOKEN), `the push token leaked: ${line}`);
  }
}

describe('ChonrySmsReportsModule', () => {
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const s of sandboxes.splice(0)) await s.close();
  });

  it('refuses a push token shorter than 32 characters at start-up', async () => {
    const s = await sandbox();
    await assert.rejects(harness(s, { push: { token: 'short' } }), /at least 32 characters/);
  });

  it('the poller hands pulled reports to the handler and the stream, once each', async () => {
    const s = await sandbox();
    const handled: ChonrySmsReportEvent[] = [];
    const h = await harness(s, { pollInterval: 1_000, handler: (e) => void handled.push(e) });
    await h.sms.send({ mobiles: ['8613900000001', '8613900000002'], variables: ['x'] });
    await eventually(() => handled.length === 2, 5_000, 'two reports');
    assert.deepEqual(handled.map((e) => [e.mobile, e.account, e.source, e.status]).sort(), [
      ['8613900000001', 'default', 'pull', 'delivered'],
      ['8613900000002', 'default', 'pull', 'delivered'],
    ]);
    assert.equal(h.events.length, 2);
    await new Promise((r) => setTimeout(r, 1_300)); // one more tick: nothing repeated
    assert.equal(handled.length, 2);
    assertNoLeak(h);
  });

  it('a failing handler gets the report again on the next tick, and never again once it succeeded', async () => {
    const s = await sandbox();
    let calls = 0;
    const h = await harness(s, {
      pollInterval: 1_000,
      handler: () => {
        calls++;
        if (calls === 1) throw new Error('database down');
      },
    });
    await h.sms.send({ mobiles: ['8613900000003'], variables: ['x'] });
    await eventually(() => calls === 2, 5_000, 'the retry');
    await new Promise((r) => setTimeout(r, 1_300));
    assert.equal(calls, 2);
    assert.equal(s.waitingReports.length, 0);
    assert.equal(h.events.length, 1, 'the stream has it once');
    assert.ok(h.logger.lines.some((l) => /handler failed/.test(l)));
    assertNoLeak(h);
  });

  it('a pull that fails is logged without the secret and the next tick goes on', async () => {
    const s = await sandbox();
    const handled: string[] = [];
    const h = await harness(s, { pollInterval: 1_000, handler: (e) => void handled.push(e.smUuid) });
    await s.close();
    await new Promise((r) => setTimeout(r, 1_300));
    assert.ok(h.logger.lines.some((l) => /Pulling delivery reports of 'default' failed/.test(l)));
    await s.start();
    await h.sms.send({ mobiles: ['8613900000004'], variables: ['x'] });
    await eventually(() => handled.length === 1, 5_000, 'the report after the outage');
    assertNoLeak(h);
  });

  describe('push receiver, over real sockets', () => {
    it('takes a valid push, answers 200 after the handler, and a replay once more 200 without a second call', async () => {
      const s = await sandbox();
      const handled: ChonrySmsReportEvent[] = [];
      const h = await harness(s, { handler: (e) => void handled.push(e), push: { token: TOKEN } });
      const first = await post(`${h.url}/chonry-sms/reports/${TOKEN}`, form(REPORT));
      assert.equal(first.status, 200);
      assert.equal(handled.length, 1);
      assert.equal(handled[0].source, 'push');
      assert.equal(handled[0].deliveredAt.toISOString(), '2026-01-01T19:04:05.000Z', 'read in Asia/Shanghai');
      const replay = await post(`${h.url}/chonry-sms/reports/${TOKEN}`, form(REPORT));
      assert.equal(replay.status, 200);
      assert.equal(handled.length, 1);
      assert.equal(h.events.length, 1);
      // Without batchId too.
      const { batchId: _b, ...noBatch } = { ...REPORT, smUuid: '2_x' };
      assert.equal((await post(`${h.url}/chonry-sms/reports/${TOKEN}`, form(noBatch))).status, 200);
      assert.equal(handled[1].batchId, undefined);
      // Other routes still reach the application.
      assert.equal((await post(`${h.url}/elsewhere`, 'a=1')).status, 404);
      assertNoLeak(h, first.text, replay.text);
    });

    it('refuses attacks without calling the handler', async () => {
      const s = await sandbox();
      let calls = 0;
      const h = await harness(s, { handler: () => void calls++, push: { token: TOKEN } });
      const at = `${h.url}/chonry-sms/reports/${TOKEN}`;
      const texts: string[] = [];
      const expect = async (status: number, url: string, body: string | Buffer, headers?: Record<string, string>) => {
        const r = await post(url, body, headers);
        texts.push(r.text);
        assert.equal(r.status, status, `${status} expected for ${url.replace(TOKEN, '<token>')}`);
      };
      await expect(404, `${h.url}/chonry-sms/reports/${TOKEN.slice(0, -1)}x`, form(REPORT));
      await expect(404, `${h.url}/chonry-sms/reports/`, form(REPORT));
      await expect(404, `${h.url}/chonry-sms/reports/${TOKEN}/more`, form(REPORT));
      await expect(400, at, 'smUuid=%E0%A4%A&mobile=1');
      await expect(400, at, form({ ...REPORT, mobile: 'not-a-number' }));
      await expect(400, at, form({ ...REPORT, deliverTime: 'yesterday' }));
      await expect(400, at, form({ ...REPORT, extra: SECRET }));
      await expect(400, at, `${form(REPORT)}&smUuid=again`);
      await expect(400, at, JSON.stringify(REPORT), { 'Content-Type': 'application/json' });
      await expect(413, at, `smUuid=${'a'.repeat(17 * 1024)}`);
      // Chunked (no Content-Length): counted as the bytes arrive.
      await expect(413, at, Buffer.alloc(17 * 1024, 'a'), { 'Transfer-Encoding': 'chunked' });
      assert.equal(calls, 0);
      for (const text of texts) assert.ok(!text.includes('smUuid') && !text.includes('aaaa'), 'the body is never echoed');
      assertNoLeak(h, ...texts);
    });

    it('answers 403 to an address outside allowIps, and reads X-Forwarded-For only with trustProxy', async () => {
      const s = await sandbox();
      let calls = 0;
      const h = await harness(s, { handler: () => void calls++, push: { token: TOKEN, allowIps: ['203.0.113.0/24', '2001:db8::/32'] } });
      const at = `${h.url}/chonry-sms/reports/${TOKEN}`;
      assert.equal((await post(at, form(REPORT))).status, 403);
      assert.equal((await post(at, form(REPORT), { 'X-Forwarded-For': '203.0.113.7' })).status, 403, 'not trusted without trustProxy');
      assert.equal(calls, 0);
      await h.app.close();
      apps.length = 0;
      const p = await harness(s, { handler: () => void calls++, push: { token: TOKEN, allowIps: ['203.0.113.0/24'], trustProxy: true } });
      const pat = `${p.url}/chonry-sms/reports/${TOKEN}`;
      assert.equal((await post(pat, form(REPORT), { 'X-Forwarded-For': '203.0.113.7, 10.0.0.1' })).status, 403, 'the last hop counts');
      assert.equal((await post(pat, form(REPORT), { 'X-Forwarded-For': '10.0.0.1, 203.0.113.7' })).status, 200);
      assert.equal(calls, 1);
      // 127.0.0.1 allowed, given as an IPv4-mapped IPv6 range.
      await p.app.close();
      apps.length = 0;
      const m = await harness(s, { handler: () => void calls++, push: { token: TOKEN, allowIps: ['::ffff:127.0.0.0/104'] } });
      assert.equal((await post(`${m.url}/chonry-sms/reports/${TOKEN}`, form({ ...REPORT, smUuid: 'mapped' }))).status, 200);
      assert.equal(calls, 2);
    });

    it('answers 500 when the handler fails, and takes the re-push', async () => {
      const s = await sandbox();
      let calls = 0;
      const h = await harness(s, {
        handler: () => {
          calls++;
          if (calls === 1) throw new Error('handler down');
        },
        push: { token: TOKEN },
      });
      const at = `${h.url}/chonry-sms/reports/${TOKEN}`;
      const failed = await post(at, form(REPORT));
      assert.equal(failed.status, 500);
      assert.equal((await post(at, form(REPORT))).status, 200);
      assert.equal(calls, 2);
      assertNoLeak(h, failed.text);
    });

    it('the sandbox pushes its reports to the receiver (and then does not offer them for pull)', async () => {
      const s = await sandbox();
      const handled: ChonrySmsReportEvent[] = [];
      const h = await harness(s, { handler: (e) => void handled.push(e), push: { token: TOKEN } });
      s.pushReportsTo(`${h.url}/chonry-sms/reports/${TOKEN}`);
      s.setDeliveryResult('8613900000006', 'UNDELIV');
      const sent = await h.sms.send({ mobiles: ['8613900000005', '8613900000006'], variables: ['x'] });
      await eventually(() => handled.length === 2, 5_000, 'the pushed reports');
      await s.pushesSettled();
      assert.deepEqual(handled.map((e) => [e.mobile, e.status, e.source, e.batchId]).sort(), [
        ['8613900000005', 'delivered', 'push', sent.batchId],
        ['8613900000006', 'failed', 'push', sent.batchId],
      ]);
      assert.equal(s.waitingReports.length, 0);
      assertNoLeak(h);
    });
  });
});

describe('ChonrySmsReportsModule with the Redis store', { skip: redisSkipReason() }, () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  after(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const s of sandboxes.splice(0)) await s.close();
    if (redis) {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
  });

  it('a report whose handler threw goes to the next app instance on the same prefix', async () => {
    redis = await connectTestRedis();
    const s = await sandbox();
    const first: string[] = [];
    const a = await harness(s, {
      pollInterval: 1_000,
      redis: { connection: REDIS_URL, prefix },
      handler: (e) => {
        first.push(e.smUuid);
        throw new Error('crashing before the work was done');
      },
    });
    const sent = await a.sms.send({ mobiles: ['8613900000007'], variables: ['x'] });
    await eventually(() => first.length >= 1, 5_000, 'the first attempt');
    // The provider will not hand the report out again; only Redis has it now.
    assert.equal(s.waitingReports.length, 0);
    assert.equal(await redis.hlen(`${prefix}:reports:default:pending`), 1);
    await a.app.close();
    apps.length = 0;

    const second: ChonrySmsReportEvent[] = [];
    await harness(s, { redis: { connection: REDIS_URL, prefix }, handler: (e) => void second.push(e) });
    await eventually(() => second.length === 1, 5_000, 'the pending report in the new instance');
    assert.equal(second[0].smUuid, first[0]);
    assert.equal(second[0].batchId, sent.batchId);
    assert.ok(second[0].deliveredAt instanceof Date);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await redis.hlen(`${prefix}:reports:default:pending`), 0, 'removed once handled');
  });
});
