import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import { Body, Controller, Get, HttpCode, INestApplication, Post, Type } from '@nestjs/common';
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
import { connectTestRedis, releaseRedis, REDIS_URL, redisSkipReason, uniquePrefix } from '../queue/redis-for-tests';

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

interface HarnessExtras {
  controllers?: Type[];
  /** 'listen': app.listen() initialises (the default); 'init': app.init() first, then listen. */
  start?: 'listen' | 'init';
  prefix?: string;
}

async function harness(s: ChonrySmsSandbox, options: ChonrySmsReportsModuleOptions, extras: HarnessExtras = {}): Promise<Harness> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: s.url, apiBaseUrl: s.url, templateId: '100' }),
      ChonrySmsReportsModule.forRoot(options),
    ],
    controllers: extras.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  app.enableShutdownHooks();
  if (extras.prefix) app.setGlobalPrefix(extras.prefix);
  if (extras.start === 'init') await app.init();
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

/** A raw POST (or another method) over a real socket. */
function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
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

    it('refuses attacks with the exact status, without calling the handler', async () => {
      const s = await sandbox();
      let calls = 0;
      const h = await harness(s, { handler: () => void calls++, push: { token: TOKEN } });
      const at = `${h.url}/chonry-sms/reports/${TOKEN}`;
      const texts: string[] = [];
      const expect = async (
        what: string,
        status: number,
        url: string,
        body: string | Buffer,
        headers?: Record<string, string>,
        method?: string,
        echoesUrl = false,
      ) => {
        const r = await post(url, body, headers, method);
        // Nest's own 404 names the path the client asked for; the receiver's answers never do.
        if (!echoesUrl) texts.push(r.text);
        assert.equal(r.status, status, `${what}: ${status} expected`);
        assert.equal(calls, 0, `${what}: the handler was called`);
      };
      // Wrong token: not the receiver's URL, so the application answers it as any unknown route.
      await expect('wrong token', 404, `${h.url}/chonry-sms/reports/${TOKEN.slice(0, -1)}x`, form(REPORT));
      await expect('a prefix of the token', 404, `${h.url}/chonry-sms/reports/${TOKEN.slice(0, 31)}`, form(REPORT));
      await expect('no token', 404, `${h.url}/chonry-sms/reports/`, form(REPORT));
      await expect('no token, no slash', 404, `${h.url}/chonry-sms/reports`, form(REPORT));
      await expect('a path below the token', 404, `${at}/more`, form(REPORT), undefined, undefined, true);
      await expect('the token with a trailing slash', 404, `${at}/`, form(REPORT), undefined, undefined, true);
      // Wrong method.
      await expect('GET', 405, at, '', {}, 'GET');
      await expect('PUT', 405, at, form(REPORT), {}, 'PUT');
      // Wrong content type.
      await expect('JSON', 400, at, JSON.stringify(REPORT), { 'Content-Type': 'application/json' });
      await expect('text/plain', 400, at, form(REPORT), { 'Content-Type': 'text/plain' });
      await expect('multipart', 400, at, form(REPORT), { 'Content-Type': 'multipart/form-data; boundary=x' });
      // Malformed forms.
      for (const field of ['smUuid', 'mobile', 'deliverResult', 'deliverTime']) {
        const { [field as keyof typeof REPORT]: _gone, ...missing } = REPORT;
        await expect(`missing ${field}`, 400, at, form(missing));
      }
      await expect('empty body', 400, at, '');
      await expect('empty smUuid', 400, at, form({ ...REPORT, smUuid: '' }));
      await expect('bad percent-encoding', 400, at, 'smUuid=%E0%A4%A&mobile=1');
      await expect('bad mobile', 400, at, form({ ...REPORT, mobile: 'not-a-number' }));
      await expect('bad mobile (+ sign)', 400, at, form({ ...REPORT, mobile: '+8613900000001' }));
      await expect('bad mobile (too long)', 400, at, form({ ...REPORT, mobile: '1'.repeat(21) }));
      await expect('bad deliverTime', 400, at, form({ ...REPORT, deliverTime: 'yesterday' }));
      await expect('impossible deliverTime', 400, at, form({ ...REPORT, deliverTime: '2026-13-45 25:61:61' }));
      await expect('unknown field', 400, at, form({ ...REPORT, extra: SECRET }));
      await expect('repeated field', 400, at, `${form(REPORT)}&smUuid=again`);
      // Huge bodies: declared, declared but not sent, and chunked without a length.
      await expect('Content-Length over 16 KB', 413, at, `smUuid=${'a'.repeat(17 * 1024)}`);
      await expect('a lying Content-Length', 413, at, form(REPORT), { 'Content-Length': String(100 * 1024 * 1024) });
      await expect('chunked over 16 KB', 413, at, Buffer.alloc(17 * 1024, 'a'), { 'Transfer-Encoding': 'chunked' });
      await expect('chunked, 1 MB', 413, at, Buffer.alloc(1024 * 1024, 'a'), { 'Transfer-Encoding': 'chunked' });
      // And the receiver still takes a good one afterwards, with a query string too.
      assert.equal((await post(`${at}?from=provider`, form(REPORT))).status, 200);
      assert.equal(calls, 1);
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

    it('answers only its exact URL: routes of the application below the push path reach Nest untouched', async () => {
      @Controller('chonry-sms/reports')
      class NeighbourController {
        @Get()
        list(): { ok: string } {
          return { ok: 'list' };
        }
        @Post('status')
        @HttpCode(200)
        status(@Body() body: Record<string, string>): { ok: string; body: Record<string, string> } {
          return { ok: 'status', body };
        }
        @Post(':other')
        @HttpCode(200)
        other(): { ok: string } {
          return { ok: 'other' };
        }
      }
      const s = await sandbox();
      let calls = 0;
      const h = await harness(s, { handler: () => void calls++, push: { token: TOKEN } }, { controllers: [NeighbourController] });
      const status = await post(`${h.url}/chonry-sms/reports/status`, 'a=1');
      assert.equal(status.status, 200);
      assert.deepEqual(JSON.parse(status.text), { ok: 'status', body: { a: '1' } }, "Nest's body parser still reads it");
      assert.equal(JSON.parse((await post(`${h.url}/chonry-sms/reports`, '', {}, 'GET')).text).ok, 'list');
      assert.equal(JSON.parse((await post(`${h.url}/chonry-sms/reports/${TOKEN.slice(0, -1)}x`, 'a=1')).text).ok, 'other');
      assert.equal(calls, 0);
      assert.equal((await post(`${h.url}/chonry-sms/reports/${TOKEN}`, form(REPORT))).status, 200);
      assert.equal((await post(`${h.url}/chonry-sms/reports/${TOKEN}?a=1&b=2`, form({ ...REPORT, smUuid: 'with-query' }))).status, 200);
      assert.equal(calls, 2);
    });

    for (const start of ['listen', 'init'] as const) {
      it(`works when ${start === 'init' ? 'app.init() runs before app.listen()' : 'app.listen() initialises the app'}, outside a global prefix, and leaves later listeners the other requests`, async () => {
        const s = await sandbox();
        let calls = 0;
        const h = await harness(s, { handler: () => void calls++, push: { token: TOKEN } }, { start, prefix: 'api' });
        const server = h.app.getHttpServer() as import('node:http').Server;
        const seen: string[] = [];
        server.on('request', (req: import('node:http').IncomingMessage) => void seen.push(req.url ?? ''));
        assert.equal((await post(`${h.url}/chonry-sms/reports/${TOKEN}`, form(REPORT))).status, 200);
        assert.equal(calls, 1);
        assert.equal((await post(`${h.url}/api/chonry-sms/reports/${TOKEN}`, form({ ...REPORT, smUuid: 'prefixed' }))).status, 404, 'not under the prefix');
        assert.equal(calls, 1);
        assert.deepEqual(seen, ['/api/chonry-sms/reports/' + TOKEN], 'a listener added later sees the other requests, never the push');
        await h.app.close();
        apps.length = 0;
        assert.equal(Object.hasOwn(server, 'emit'), false, 'the server is given back as it was');
      });
    }

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

skipIf(redisSkipReason(), describe)('ChonrySmsReportsModule with the Redis store', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const s of sandboxes.splice(0)) await s.close();
    await releaseRedis(redis, prefix);
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
