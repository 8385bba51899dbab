import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import { inspect } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { context, metrics, ProxyTracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CHONRY_SMS_SEND_CHANNEL, ChonrySmsApiError, ChonrySmsModule, ChonrySmsSendContext, ChonrySmsService, ChonrySmsTransportError } from '../../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../../lib/queue';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';
import { connectTestRedis, deleteKeys, REDIS_URL, redisSkipReason, settled, uniquePrefix } from '../queue/redis-for-tests';

/** Numbers and variables used below: personal data that no published object may hold. */
const MOBILES = ['447911123456', '447911123457', '447911123458', '447911123459', '447911123460'];
const VARIABLE = 'Ann-Personal-Variable';

type Event = { name: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'; context: ChonrySmsSendContext };

/** A subscriber that keeps every event, as a user's would. */
function subscribe(): { events: Event[]; unsubscribe: () => void } {
  const events: Event[] = [];
  const channel = diagnosticsChannel.tracingChannel(CHONRY_SMS_SEND_CHANNEL);
  const handlers = Object.fromEntries(
    (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((name) => [name, (message: unknown) => events.push({ name, context: message as ChonrySmsSendContext })]),
  ) as unknown as Parameters<typeof channel.subscribe>[0];
  channel.subscribe(handlers);
  return { events, unsubscribe: () => channel.unsubscribe(handlers) };
}

/** Every text form of a value a subscriber or exporter could write out. */
function texts(value: unknown): string[] {
  return [inspect(value, { depth: Infinity, showHidden: true }), JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? ''];
}

function assertNoPersonalData(label: string, value: unknown): void {
  for (const text of texts(value)) {
    for (const needle of [SECRET, ACCESS_KEY, VARIABLE, ...MOBILES, '7911123']) {
      assert.ok(!text.includes(needle), `${label} holds ${needle}: ${text.slice(0, 400)}`);
    }
  }
}

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('telemetry: the chonry-sms:send diagnostics channel', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, timeout: 5_000 })] });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  it('publishes start, end, asyncStart and asyncEnd around each request, with counts, batch id and the error', async () => {
    const { events, unsubscribe } = subscribe();
    try {
      const ok = await sms.send({ mobiles: MOBILES.slice(0, 2), variables: [VARIABLE] });
      sandbox.fault({ kind: 'code', code: '9010' }, 1);
      const rejected = await rejectionOf(sms.sendPersonalized({ messages: [{ mobile: MOBILES[0], variables: [VARIABLE] }] }));
      sandbox.fault({ kind: 'status', status: 500 }, 1);
      await rejectionOf(sms.send({ mobiles: [MOBILES[0]], variables: [VARIABLE] }));
      const bulk = await sms.sendBulk({ mobiles: MOBILES, variables: [VARIABLE] }, { chunkSize: 2, concurrency: 1 });
      await sms.getBalance();
      // Validation failures make no request, so they publish nothing.
      await rejectionOf(sms.send({ mobiles: ['12'], variables: [VARIABLE] }));

      const starts = events.filter((e) => e.name === 'start').map((e) => e.context);
      assert.deepEqual(starts.map((c) => [c.account, c.operation, c.recipients]), [
        ['default', 'send', 2],
        ['default', 'sendPersonalized', 1],
        ['default', 'send', 1],
        ['default', 'sendBulk', 2],
        ['default', 'sendBulk', 2],
        ['default', 'sendBulk', 1],
        ['default', 'balance', 0],
      ]);
      // One context object per request, each through all four phases in order; `error` only on failure.
      for (const ctx of starts) {
        const phases = events.filter((e) => e.context === ctx).map((e) => e.name);
        const failed = ctx.error !== undefined;
        assert.deepEqual(phases, failed ? ['start', 'end', 'error', 'asyncStart', 'asyncEnd'] : ['start', 'end', 'asyncStart', 'asyncEnd']);
        assert.equal(ctx.bytes, sandbox.requests[starts.indexOf(ctx)].rawBody.length, 'bytes is the body size');
      }
      assert.equal(starts[0].batchId, ok.batchId);
      assert.ok(starts[1].error instanceof ChonrySmsApiError);
      assert.equal(starts[1].error, rejected);
      assert.ok(starts[2].error instanceof ChonrySmsTransportError);
      assert.deepEqual([starts[2].error.kind, starts[2].error.delivery], ['http-status', 'unknown']);
      assert.deepEqual(starts.slice(3, 6).map((c) => c.batchId), bulk.batches.map((b) => b.batchId));
      assert.equal(starts[6].batchId, undefined);

      for (const event of events) assertNoPersonalData(`${event.name} of ${event.context.operation}`, event.context);
    } finally {
      unsubscribe();
    }
  });

  it('a refused connection publishes the not-sent error', async () => {
    const refused = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: `http://127.0.0.1:${await closedPort()}` })] });
    const { events, unsubscribe } = subscribe();
    try {
      await rejectionOf(refused.get(ChonrySmsService).send({ mobiles: [MOBILES[0]], variables: [VARIABLE] }));
      const error = events.find((e) => e.name === 'error')?.context.error;
      assert.ok(error instanceof ChonrySmsTransportError);
      assert.deepEqual([error.kind, error.delivery], ['connection-refused', 'not-sent']);
      for (const event of events) assertNoPersonalData(event.name, event.context);
    } finally {
      unsubscribe();
      await refused.close();
    }
  });
});

describe('telemetry: OpenTelemetry spans and metrics (real SDK, in-memory exporters)', () => {
  const spans = new InMemorySpanExporter();
  const reader = new TestReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    sandbox = await startSandbox();
    app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, timeout: 5_000 })] });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    trace.disable();
    metrics.disable();
    context.disable();
  });

  it('a client span per request with the HTTP attributes and ours, a bulk span as their parent, counters by outcome', async () => {
    const ok = await sms.send({ mobiles: MOBILES.slice(0, 2), variables: [VARIABLE] });
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    await rejectionOf(sms.send({ mobiles: [MOBILES[0]], variables: [VARIABLE] }));
    sandbox.fault({ kind: 'drop' }, 1);
    await rejectionOf(sms.send({ mobiles: [MOBILES[1]], variables: [VARIABLE] }));
    const bulk = await sms.sendBulk({ mobiles: MOBILES, variables: [VARIABLE] }, { chunkSize: 2, concurrency: 2 });
    assert.equal(bulk.sent, 5);

    const finished = spans.getFinishedSpans();
    const clients = finished.filter((s) => s.name === 'POST /intl/api/v2/send');
    assert.equal(clients.length, 6);
    const { port } = new URL(sandbox.url);
    assert.deepEqual(
      { ...clients[0].attributes },
      {
        'server.address': '127.0.0.1',
        'server.port': Number(port),
        'http.request.method': 'POST',
        'url.full': `${sandbox.url}/intl/api/v2/send`,
        'http.response.status_code': 200,
        'chonry_sms.account': 'default',
        'chonry_sms.operation': 'send',
        'chonry_sms.recipients': 2,
        'chonry_sms.batch_id': ok.batchId,
      },
    );
    assert.equal(clients[0].kind, 2 /* CLIENT */);
    assert.deepEqual([clients[1].attributes['error.type'], clients[1].attributes['chonry_sms.delivery'], clients[1].status.code], ['provider-code-9010', 'not-sent', 2]);
    assert.deepEqual([clients[2].attributes['error.type'], clients[2].attributes['chonry_sms.delivery']], ['connection-reset', 'unknown']);

    const bulkSpan = finished.find((s) => s.name === 'chonry-sms sendBulk') as ReadableSpan;
    assert.ok(bulkSpan, finished.map((s) => s.name).join(', '));
    assert.deepEqual([bulkSpan.attributes['chonry_sms.recipients'], bulkSpan.attributes['chonry_sms.sent'], bulkSpan.attributes['chonry_sms.requests']], [5, 5, 3]);
    const children = clients.filter((s) => s.parentSpanContext?.spanId === bulkSpan.spanContext().spanId);
    assert.equal(children.length, 3, 'the bulk span is the parent of its three requests');
    assert.ok(children.every((s) => s.spanContext().traceId === bulkSpan.spanContext().traceId));

    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const recipients = all.find((m) => m.descriptor.name === 'chonry_sms.recipients');
    assert.ok(recipients && recipients.dataPointType === DataPointType.SUM);
    const byOutcome = Object.fromEntries(recipients.dataPoints.map((p) => [p.attributes['chonry_sms.outcome'], p.value]));
    assert.deepEqual(byOutcome, { accepted: 7, rejected: 1, unknown: 1 });
    const duration = all.find((m) => m.descriptor.name === 'http.client.request.duration');
    assert.ok(duration && duration.dataPointType === DataPointType.HISTOGRAM);
    assert.equal(duration.descriptor.unit, 's');
    assert.equal(duration.dataPoints.reduce((n, p) => n + (p.value as { count: number }).count, 0), 6);

    for (const span of finished) assertNoPersonalData(`span ${span.name}`, { name: span.name, attributes: span.attributes, status: span.status, events: span.events });
    assertNoPersonalData('metrics', all.map((m) => ({ name: m.descriptor.name, points: m.dataPoints })));
  });
});

describe('telemetry: @opentelemetry/api installed, the SDK registered late or not at all', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;
  const startSpan = ProxyTracer.prototype.startSpan;
  let started = 0;

  beforeAll(async () => {
    // Counts every span asked of the API's proxy tracer, which is what the module's tracer is.
    ProxyTracer.prototype.startSpan = function (this: ProxyTracer, ...args: Parameters<ProxyTracer['startSpan']>) {
      started++;
      return startSpan.apply(this, args);
    };
    sandbox = await startSandbox();
    app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 5_000 })] });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    ProxyTracer.prototype.startSpan = startSpan;
    await app.close();
    await sandbox.close();
    trace.disable();
    metrics.disable();
    context.disable();
  });

  it('makes no span while no SDK is registered, and follows one registered after the app started', async () => {
    await sms.send({ mobiles: [MOBILES[0]], variables: [VARIABLE] });
    await sms.sendBulk({ mobiles: MOBILES, variables: [VARIABLE] }, { chunkSize: 2 });
    assert.equal(started, 0, 'no span without an SDK');

    // Metrics alone: requests are measured (their spans are the API's no-op ones).
    const reader = new TestReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    await sms.send({ mobiles: [MOBILES[1]], variables: [VARIABLE] });
    const names = (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((m) => m.metrics.map((x) => x.descriptor.name));
    assert.deepEqual(names.sort(), ['chonry_sms.recipients', 'http.client.request.duration']);

    // A tracer provider registered now: the next request has its span.
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    await sms.send({ mobiles: [MOBILES[2]], variables: [VARIABLE] });
    assert.deepEqual(spans.getFinishedSpans().map((s) => s.name), ['POST /intl/api/v2/send']);
  });
});

skipIf(redisSkipReason(), describe)('telemetry: a campaign job span is the parent of its request', () => {
  it('each job of a campaign runs in a chonry-sms campaign job span', async () => {
    const spans = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    const prefix = uniquePrefix();
    const redis = await connectTestRedis();
    const sandbox = await startSandbox();
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, templateId: '100' }),
        ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName: 'telemetry', batchSize: 2 }),
      ],
    });
    try {
      const queue = app.get(ChonrySmsQueue);
      const { campaignId } = await queue.enqueue({ mobiles: MOBILES.slice(0, 4), variables: [VARIABLE] });
      const campaign = await settled(queue, campaignId, 10_000);
      assert.equal(campaign.sent, 4);
      const finished = spans.getFinishedSpans();
      const jobs = finished.filter((s) => s.name === 'chonry-sms campaign job');
      assert.equal(jobs.length, 2, finished.map((s) => s.name).join(', '));
      for (const job of jobs) {
        assert.equal(job.attributes['chonry_sms.campaign_id'], campaignId);
        assert.equal(job.attributes['chonry_sms.recipients'], 2);
        const requests = finished.filter((s) => s.parentSpanContext?.spanId === job.spanContext().spanId);
        assert.deepEqual(requests.map((r) => r.name), ['POST /intl/api/v2/send']);
        assert.equal(job.attributes['chonry_sms.batch_id'], requests[0].attributes['chonry_sms.batch_id']);
      }
      for (const span of finished) assertNoPersonalData(`span ${span.name}`, { name: span.name, attributes: span.attributes });
    } finally {
      await app.close();
      await sandbox.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      trace.disable();
      context.disable();
    }
  });
});

describe('telemetry without @opentelemetry/api installed', () => {
  it('the root loads and sends; only the channel is published', async () => {
    const sandbox = await startSandbox();
    try {
      const lib = join(__dirname, '..', '..', 'lib');
      // A child process where `@opentelemetry/api` cannot be resolved, as in an app without it.
      const script = `
        const Module = require('node:module');
        const resolve = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
          if (request.startsWith('@opentelemetry/')) throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
          return resolve.call(this, request, ...rest);
        };
        require('reflect-metadata');
        const { Test } = require('@nestjs/testing');
        const { ChonrySmsModule, ChonrySmsService } = require(${JSON.stringify(lib)});
        const dc = require('node:diagnostics_channel');
        let seen = 0;
        dc.tracingChannel('chonry-sms:send').subscribe({ start() {}, end() {}, asyncStart() {}, asyncEnd() { seen++; }, error() {} });
        (async () => {
          const ref = await Test.createTestingModule({ imports: [ChonrySmsModule.forRoot({ accessKey: ${JSON.stringify(ACCESS_KEY)}, secret: ${JSON.stringify(SECRET)}, baseUrl: ${JSON.stringify(sandbox.url)} })] }).compile();
          const app = ref.createNestApplication({ logger: false });
          await app.init();
          const r = await app.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] });
          await app.close();
          const otelLoaded = Object.keys(require.cache).some((k) => k.includes('@opentelemetry'));
          process.stdout.write(JSON.stringify({ batchId: r.batchId, seen, otelLoaded }));
        })().catch((e) => { console.error(e); process.exit(1); });`;
      // Asynchronously: the sandbox answers from this process's event loop.
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
      const out = JSON.parse(stdout) as { batchId: string; seen: number; otelLoaded: boolean };
      assert.equal(out.otelLoaded, false);
      assert.ok(out.batchId);
      assert.equal(out.seen, 1);
      assert.equal(sandbox.acceptedRequests, 1);
    } finally {
      await sandbox.close();
    }
  });
});
