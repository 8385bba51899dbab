import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Body, Controller, INestApplication, Post } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
// The sample imports the package by name (dist/); so does this test, so there is one copy of each class.
import { ChonrySmsService, SendSmsDto } from 'nestjs-chonry-sms';
import { ChonrySmsSandbox, ChonrySmsTestingModule } from 'nestjs-chonry-sms/testing';
import { createSampleApp } from '../../sample/create-app';
import { REDIS_URL, redisSkipReason, releaseRedis } from '../queue/redis-for-tests';
import { SandboxGateway } from '../../sample/sandbox/sandbox-gateway';
import { ChonrySmsExceptionFilter } from '../../sample/sms/chonry-sms-exception.filter';

const SECRET = 'S3cr3t-Do-Not-Leak-7f3a9c';
const ACCESS_KEY = 'e2e-access-key';

type Json = Record<string, unknown>;

async function listen(env: Record<string, string>): Promise<{ app: INestApplication; base: string }> {
  // Each spec file runs in its own process: setting the environment here touches no other test.
  Object.assign(process.env, {
    CHONRY_TEMPLATE_ID: '',
    CHONRY_SIGN: '',
    CHONRY_BASE_URL: '',
    CHONRY_API_BASE_URL: '',
    CHONRY_REPORTS_POLL_MS: '',
    CHONRY_REPORTS_PUSH_TOKEN: '',
    CHONRY_REPORTS_ALLOW_IPS: '',
    CHONRY_REDIS_URL: '',
    CHONRY_QUEUE_PREFIX: '',
    ...env,
  });
  const app = await createSampleApp(false);
  await app.listen(0);
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Json, text };
}

/** Asks again until `check` passes or the deadline is over (no fixed sleeps). */
async function until<T>(ask: () => Promise<T>, check: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await ask();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sms = { mobiles: ['+44 7911 123456', '0086 139 0000 0001'], variables: ['Ann', '9:40'] };

describe('sample app without credentials (in-process sandbox)', () => {
  let app: INestApplication;
  let base: string;
  let sandbox: ChonrySmsSandbox;
  const health = () => call(base, 'GET', '/health');
  const entry = (r: { json: Json }, section: 'info' | 'error') => (r.json[section] as Record<string, Json>)['chonry-sms'];

  beforeAll(async () => {
    ({ app, base } = await listen({ CHONRY_ACCESS_KEY: '', CHONRY_SECRET: '', CHONRY_TIMEOUT_MS: '500' }));
    sandbox = app.get(SandboxGateway).sandbox!;
    assert.ok(sandbox instanceof ChonrySmsSandbox, 'one copy of the package classes in the app and the test');
  });
  afterAll(async () => {
    await app.close();
    const stillOpen = ((): boolean => {
      try {
        return Boolean(sandbox.url);
      } catch {
        return false;
      }
    })();
    if (stillOpen) await sandbox.close(); // fail below rather than hang the run
    assert.equal(stillOpen, false, 'the sandbox closes with the app');
  });

  it('POST /sms sends, and GET /sandbox/messages shows what would have been delivered', async () => {
    const sent = await call(base, 'POST', '/sms', { ...sms, templateId: '100', scheduleSendTime: '2030-01-02 03:04:05' });
    assert.equal(sent.status, 202);
    assert.equal(sent.json.recipients, 2);
    assert.match(String(sent.json.batchId), /^[0-9a-f]{32}$/);
    const { status, json } = await call(base, 'GET', '/sandbox/messages?mobile=447911123456');
    assert.equal(status, 200);
    assert.deepEqual(json.messages, [
      { mobile: '447911123456', variables: ['Ann', '9:40'], templateId: '100', scheduleSendTime: '2030-01-02 03:04:05', batchId: sent.json.batchId },
    ]);
  });

  it('GET /balance answers the sandbox balance, drawn down by accepted recipients', async () => {
    sandbox.setBalance(10);
    await call(base, 'POST', '/sms', { ...sms, templateId: '100' });
    const { status, json } = await call(base, 'GET', '/balance');
    assert.equal(status, 200);
    assert.deepEqual(json, { internationalSms: 8, balances: { 国际短信: 8, 接口短信: '.00' } });
    sandbox.setBalance(1_000_000_000);
  });

  it('GET /reports shows the delivery reports the sandbox pushed to the app, delivered and failed', async () => {
    sandbox.setDeliveryResult('8613900000001', 'UNDELIV');
    try {
      const sent = await call(base, 'POST', '/sms', sms);
      assert.equal(sent.status, 202, sent.text);
      const { json } = await until(
        () => call(base, 'GET', `/reports?batchId=${String(sent.json.batchId)}`),
        (r) => (r.json.reports as Json[]).length === 2,
        10_000,
        'the pushed reports',
      );
      const reports = (json.reports as Json[]).map((r) => [r.mobile, r.status, r.result, r.source, r.account]).sort();
      assert.deepEqual(reports, [
        ['447911123456', 'delivered', 'DELIVRD', 'push', 'default'],
        ['8613900000001', 'failed', 'UNDELIV', 'push', 'default'],
      ]);
      await sandbox.pushesSettled();
      assert.equal(sandbox.waitingReports.length, 0, 'pushed, not left for pull');
      // The receiver's URL is secret: another token is just an unknown route.
      const guessed = await fetch(`${base}/chonry-sms/reports/${'0'.repeat(64)}`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(guessed.status, 404);
    } finally {
      sandbox.setDeliveryResult('8613900000001', undefined);
    }
  });

  it('POST /sms/personalized sends per-recipient variables, reserved characters intact', async () => {
    const sent = await call(base, 'POST', '/sms/personalized', {
      messages: [
        { mobile: '+8613700000000', variables: ['先生', '50% + tax'] },
        { mobile: '+8613700000001', variables: ['女士', 'a&b=c'] },
      ],
    });
    assert.equal(sent.status, 202);
    assert.equal(sent.json.recipients, 2);
    const { json } = await call(base, 'GET', '/sandbox/messages');
    const mine = (json.messages as Json[]).filter((m) => m.batchId === sent.json.batchId).map((m) => [m.mobile, m.variables]);
    assert.deepEqual(mine, [
      ['8613700000000', ['先生', '50% + tax']],
      ['8613700000001', ['女士', 'a&b=c']],
    ]);
  });

  it('answers 400 with the field messages for invalid input, and sends nothing', async () => {
    const before = sandbox.requests.length;
    const bad = await call(base, 'POST', '/sms', { mobiles: ['12', '447911123456'], variables: ['a##b'], templateID: '1' });
    assert.equal(bad.status, 400);
    const messages = bad.json.message as string[];
    assert.ok(messages.some((m) => m.startsWith('mobiles[0]')), bad.text);
    assert.ok(messages.some((m) => m.startsWith('variables')), bad.text);
    assert.ok(messages.some((m) => /templateID should not exist/.test(m)), bad.text);
    const personal = await call(base, 'POST', '/sms/personalized', { messages: [] });
    assert.equal(personal.status, 400);
    assert.ok((personal.json.message as string[]).some((m) => m.startsWith('messages')), personal.text);
    assert.equal(sandbox.requests.length, before);
  });

  it('answers 502 with the provider code and meaning when the provider rejects', async () => {
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    const { status, json } = await call(base, 'POST', '/sms', sms);
    assert.equal(status, 502);
    assert.deepEqual(
      { code: json.code, meaning: json.meaning, providerMessage: json.providerMessage, delivery: json.delivery, mayHaveBeenSent: json.mayHaveBeenSent },
      { code: '9010', meaning: 'balance insufficient', providerMessage: 'balance insufficient', delivery: 'not-sent', mayHaveBeenSent: false },
    );
    sandbox.fault({ kind: 'code', code: '4242', msg: 'brand new' }, 1);
    const unknown = await call(base, 'POST', '/sms', sms);
    assert.equal(unknown.status, 502);
    assert.equal(unknown.json.meaning, null);
    assert.equal(unknown.json.providerMessage, 'brand new');
  });

  it('answers 503 saying the message may have gone out when the gateway answers an HTTP error', async () => {
    sandbox.fault({ kind: 'status', status: 500 }, 1);
    const { status, json } = await call(base, 'POST', '/sms', sms);
    assert.equal(status, 503);
    assert.equal(json.kind, 'http-status');
    assert.equal(json.mayHaveBeenSent, true);
    assert.match(String(json.message), /may have accepted it/);
  });

  it('answers 504 saying the message may have gone out on a timeout', async () => {
    sandbox.fault({ kind: 'delay', ms: 1_500 }, 1);
    const { status, json } = await call(base, 'POST', '/sms', sms);
    assert.equal(status, 504);
    assert.equal(json.kind, 'timeout');
    assert.equal(json.delivery, 'unknown');
    assert.equal(json.mayHaveBeenSent, true);
  });

  it('answers 503 saying nothing was sent when the gateway refuses connections; health follows the gateway', async () => {
    assert.equal((await call(base, 'POST', '/sms', sms)).status, 202); // one success clears the failure record
    const initially = await health();
    assert.equal(initially.status, 200, initially.text);
    await sandbox.close();
    // Let the app's pooled keep-alive socket see the close; a send on a stale socket is a reset (delivery unknown).
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const { status, json } = await call(base, 'POST', '/sms', sms);
      assert.equal(status, 503);
      assert.equal(json.kind, 'connection-refused');
      assert.equal(json.mayHaveBeenSent, false);
      assert.match(String(json.message), /safe to retry/);

      const down = await health();
      assert.equal(down.status, 503);
      assert.equal(down.json.status, 'error');
      assert.equal((entry(down, 'error').gateway as Json).reachable, false);
    } finally {
      await sandbox.start();
    }
    const up = await health();
    assert.equal(up.status, 200);
    assert.equal(entry(up, 'info').status, 'up');
  });

  it('GET /health goes down after 3 failed sends in a row, and up after a success', async () => {
    await call(base, 'POST', '/sms', sms); // start from a success
    sandbox.fault({ kind: 'status', status: 502 });
    for (let i = 0; i < 3; i++) assert.equal((await call(base, 'POST', '/sms', sms)).status, 503);
    const down = await health();
    assert.equal(down.status, 503);
    const e = entry(down, 'error');
    assert.equal(e.status, 'down');
    assert.match(String(e.message), /last 3 sends failed/);
    assert.equal((e.gateway as Json).reachable, true);

    sandbox.clearFaults();
    assert.equal((await call(base, 'POST', '/sms', sms)).status, 202);
    const up = await health();
    assert.equal(up.status, 200);
    assert.equal((entry(up, 'info').sends as Json).consecutiveFailures, 0);
  });
});

const noRedis = redisSkipReason();

(noRedis ? describe.skip : describe)(`sample app with CHONRY_REDIS_URL: campaigns through the queue${noRedis ? ` (skipped: ${noRedis})` : ''}`, () => {
  const prefix = `sample-e2e-${process.pid}`;
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    ({ app, base } = await listen({ CHONRY_ACCESS_KEY: '', CHONRY_SECRET: '', CHONRY_REDIS_URL: REDIS_URL, CHONRY_QUEUE_PREFIX: prefix }));
  });
  afterAll(async () => {
    await app?.close();
    const { Redis } = await import('ioredis');
    await releaseRedis(new Redis(REDIS_URL), prefix);
  });

  it('POST /campaigns enqueues; GET /campaigns/:id counts sent, then delivered and undelivered from the pushed reports', async () => {
    const sandbox = app.get(SandboxGateway).sandbox!;
    sandbox.setDeliveryResult('8613900000003', 'UNDELIV');
    try {
      const enqueued = await call(base, 'POST', '/campaigns', { mobiles: ['+44 7911 123456', '8613900000002', '8613900000003'], variables: ['Ann', '9:40'] });
      assert.equal(enqueued.status, 202, enqueued.text);
      assert.equal(enqueued.json.jobs, 1);
      const { json } = await until(
        () => call(base, 'GET', `/campaigns/${String(enqueued.json.campaignId)}`),
        (r) => r.status === 200 && Number(r.json.delivered) + Number(r.json.undelivered) === 3,
        20_000,
        'the campaign to be sent and its reports counted',
      );
      assert.deepEqual([json.total, json.sent, json.failed, json.delivered, json.undelivered], [3, 3, 0, 2, 1]);
    } finally {
      sandbox.setDeliveryResult('8613900000003', undefined);
    }
  });

  it('answers 400 for invalid input (refused before the queue), and 404 for an unknown campaign', async () => {
    const bad = await call(base, 'POST', '/campaigns', { mobiles: ['12'], variables: ['x'] });
    assert.equal(bad.status, 400, bad.text);
    const unknown = await call(base, 'GET', '/campaigns/no-such-campaign');
    assert.equal(unknown.status, 404, unknown.text);
  });
});

describe('sample app with credentials (an external gateway)', () => {
  let gateway: ChonrySmsSandbox;
  beforeAll(async () => {
    gateway = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: SECRET });
    await gateway.start();
  });
  afterAll(() => gateway.close());

  it('sends to CHONRY_BASE_URL with the configured credentials and serves no sandbox', async () => {
    const { app, base } = await listen({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: SECRET, CHONRY_BASE_URL: gateway.url, CHONRY_SIGN: '【Acme】' });
    try {
      assert.equal(app.get(SandboxGateway).sandbox, undefined);
      const sent = await call(base, 'POST', '/sms', sms);
      assert.equal(sent.status, 202, sent.text);
      assert.deepEqual(gateway.messages.map((m) => [m.mobile, m.sign]), [['447911123456', '【Acme】'], ['8613900000001', '【Acme】']]);
      assert.equal((await call(base, 'GET', '/sandbox/messages')).status, 404);
      assert.equal((await call(base, 'GET', '/health')).status, 200);
    } finally {
      await app.close();
    }
  });

  it('pulls reports every CHONRY_REPORTS_POLL_MS and shows them at GET /reports; push stays off without a token', async () => {
    const { app, base } = await listen({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: SECRET, CHONRY_BASE_URL: gateway.url, CHONRY_API_BASE_URL: gateway.url, CHONRY_REPORTS_POLL_MS: '1000' });
    try {
      const sent = await call(base, 'POST', '/sms', { mobiles: ['+44 7911 123457'], variables: ['Ann', '9:40'] });
      assert.equal(sent.status, 202, sent.text);
      const { json } = await until(
        () => call(base, 'GET', `/reports?batchId=${String(sent.json.batchId)}`),
        (r) => (r.json.reports as Json[]).length === 1,
        10_000,
        'the pulled report',
      );
      assert.deepEqual((json.reports as Json[]).map((r) => [r.mobile, r.source]), [['447911123457', 'pull']]);
      const push = await fetch(`${base}/chonry-sms/reports/${'0'.repeat(64)}`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(push.status, 404);
    } finally {
      await app.close();
    }
  });

  it('never shows the secret: a credentials rejection is a 502 with code 9006, and health stays clean', async () => {
    const { app, base } = await listen({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: `${SECRET}-wrong`, CHONRY_BASE_URL: gateway.url });
    try {
      const rejected = await call(base, 'POST', '/sms', sms);
      assert.equal(rejected.status, 502);
      assert.equal(rejected.json.code, '9006');
      // A gateway (or a proxy in front of it) that echoes the request in its msg.
      gateway.fault({ kind: 'body', body: JSON.stringify({ code: '9006', msg: `bad: accesskey=${ACCESS_KEY}&secret=${encodeURIComponent(`${SECRET}-wrong`)} ${SECRET}-wrong` }), contentType: 'application/json' }, 1);
      const echoed = await call(base, 'POST', '/sms', sms);
      assert.equal(echoed.status, 502);
      assert.match(String(echoed.json.providerMessage), /\[redacted\]/);
      gateway.fault({ kind: 'drop' });
      for (let i = 0; i < 3; i++) assert.equal((await call(base, 'POST', '/sms', sms)).status, 503);
      gateway.clearFaults();
      const health = await call(base, 'GET', '/health');
      assert.equal(health.status, 503);
      for (const text of [rejected.text, echoed.text, health.text]) assert.ok(!text.includes(SECRET), text);
    } finally {
      await app.close();
    }
  });

  it('refuses to start with only one of the two credentials', async () => {
    await assert.rejects(listen({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: '' }), /Set both CHONRY_ACCESS_KEY and CHONRY_SECRET, or neither/);
  });
});

describe('sample main.js (what npm start runs)', () => {
  it('says it runs a sandbox in its first log line, serves the README curl lines, and stops on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', NO_COLOR: '1', CHONRY_ACCESS_KEY: '', CHONRY_SECRET: '' };
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'sample', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`${code}/${signal}`)));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /Listening on http:\/\/localhost:(\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', () => reject(new Error(`exited early:\n${out}`)));
      });
      const firstLine = out.split('\n').find((l) => l.trim() !== '')!;
      assert.match(firstLine, /SANDBOX gateway/);
      const base = `http://127.0.0.1:${port}`;
      const sent = await call(base, 'POST', '/sms', { mobiles: ['+44 7911 123456'], variables: ['Ann', '9:40'] });
      assert.equal(sent.status, 202, sent.text);
      const { json } = await call(base, 'GET', '/sandbox/messages');
      assert.deepEqual((json.messages as Json[]).map((m) => m.batchId), [sent.json.batchId]);
      const reports = await until(() => call(base, 'GET', '/reports'), (r) => (r.json.reports as Json[]).length === 1, 10_000, 'the pushed report');
      assert.deepEqual((reports.json.reports as Json[]).map((r) => [r.batchId, r.source]), [[sent.json.batchId, 'push']]);
    } finally {
      child.kill('SIGTERM');
    }
    // Nest's shutdown hooks close the app, then re-raise the signal.
    assert.equal(await exited, 'null/SIGTERM', out);
  });
});

/** Hands the body to the service unchecked (ValidationPipe skips plain objects), so the service's own check answers. */
@Controller('raw')
class RawSmsController {
  constructor(private readonly sms: ChonrySmsService) {}

  @Post()
  send(@Body() body: Record<string, unknown>) {
    return this.sms.send(body as unknown as SendSmsDto);
  }
}

describe('the sample exception filter in another app', () => {
  it('maps the service’s own validation error to 400 with every field problem', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ChonrySmsTestingModule.forRoot()],
      controllers: [RawSmsController],
      providers: [{ provide: APP_FILTER, useClass: ChonrySmsExceptionFilter }],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0);
    try {
      const { port } = app.getHttpServer().address() as AddressInfo;
      const { status, json } = await call(`http://127.0.0.1:${port}`, 'POST', '/raw', { mobiles: ['447911123456', '12'], variables: ['a$$b'] });
      assert.equal(status, 400);
      assert.deepEqual((json.problems as Json[]).map((p) => p.path).sort(), ['mobiles[1]', 'variables[0]']);
      assert.ok((json.message as string[]).every((m) => /^(mobiles\[1\]|variables\[0\]): /.test(m)), JSON.stringify(json));
      assert.equal(app.get(ChonrySmsSandbox).requests.length, 0);
    } finally {
      await app.close();
    }
  });
});
