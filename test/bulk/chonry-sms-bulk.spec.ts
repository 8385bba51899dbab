import assert from 'node:assert/strict';
import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import {
  ChonrySmsApiError,
  ChonrySmsBulkProgress,
  ChonrySmsBulkResult,
  ChonrySmsConfigError,
  ChonrySmsError,
  ChonrySmsModule,
  ChonrySmsModuleOptions,
  ChonrySmsNotSentError,
  ChonrySmsService,
  ChonrySmsTransportError,
  ChonrySmsValidationError,
  resolveChonrySmsOptions,
} from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, CapturingLogger, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

/** `n` distinct valid numbers (China mobile range 139…), in normalised form. */
function numbers(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `86139${String(from + i).padStart(8, '0')}`);
}

/** Every recipient appears exactly once across batches and failures, and the counts add up. */
function assertAccountsFor(result: ChonrySmsBulkResult, expected: readonly string[]): void {
  const seen = [...result.batches.flatMap((b) => b.mobiles), ...result.failures.flatMap((f) => f.mobiles)];
  assert.equal(seen.length, expected.length, 'every recipient is accounted for once');
  assert.deepEqual(new Set(seen), new Set(expected));
  assert.equal(result.total, expected.length);
  assert.equal(result.sent, result.batches.reduce((n, b) => n + b.mobiles.length, 0));
  assert.equal(result.failed, result.failures.reduce((n, f) => n + f.mobiles.length, 0));
  assert.equal(result.sent + result.failed, result.total);
  for (const f of result.failures) {
    assert.ok(f.error instanceof ChonrySmsError, 'failures carry the module’s own errors');
    assert.ok(f.error.delivery === 'not-sent' || f.error.delivery === 'unknown');
  }
}

/**
 * A proxy in front of the sandbox that holds every request for `delayMs` and records how many
 * were in flight at once, so the client's concurrency can be observed from the server side.
 */
class CountingProxy {
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;
  url = '';

  constructor(
    private readonly target: string,
    private readonly delayMs: number,
  ) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        setTimeout(() => {
          const upstream = request(
            { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (up) => {
              const body: Buffer[] = [];
              up.on('data', (c: Buffer) => body.push(c));
              up.on('end', () => {
                this.inFlight--;
                res.writeHead(up.statusCode ?? 502, up.headers);
                res.end(Buffer.concat(body));
              });
            },
          );
          upstream.end(Buffer.concat(chunks));
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function appFor(options: Partial<ChonrySmsModuleOptions> & { baseUrl: string }): Promise<INestApplication> {
  return createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, timeout: 2000, templateId: '100', ...options })] });
}

describe('ChonrySmsService bulk sending over HTTP', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox({ recordMessages: true });
    app = await appFor({ baseUrl: sandbox.url });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  it('splits into chunks, normalises and de-duplicates, and lists every batch', async () => {
    const mobiles = numbers(25);
    const written = [...mobiles.map((m) => `+${m.slice(0, 2)} ${m.slice(2)}`), `00${mobiles[0]}`, mobiles[3]];
    const result = await sms.sendBulk({ mobiles: written, variables: ['Ann', '9:40'] }, { chunkSize: 10 });

    assertAccountsFor(result, mobiles);
    assert.equal(result.total, 25, 'total counts distinct normalised recipients, not the 27 entries given');
    assert.equal(result.failed, 0);
    assert.deepEqual(
      result.batches.map((b) => b.mobiles.length),
      [10, 10, 5],
    );
    assert.deepEqual(
      result.batches.map((b) => b.batchId).sort(),
      sandbox.requests.map((r) => r.reply.batchId).sort(),
    );
    assert.deepEqual([...sandbox.acceptedCount.keys()].sort(), [...mobiles].sort());
    assert.ok([...sandbox.acceptedCount.values()].every((n) => n === 1), 'nobody is sent twice');
    assert.ok(sandbox.messages.every((m) => m.variables.join('|') === 'Ann|9:40' && m.templateId === '100'));
  });

  it('accounts for every recipient when some requests fail, without stopping the others', async () => {
    const mobiles = numbers(50);
    sandbox.fault({ kind: 'code', code: '9010' }, 2).fault({ kind: 'status', status: 502 }, 1).fault({ kind: 'drop' }, 1);
    const result = await sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 5, concurrency: 1 });

    assertAccountsFor(result, mobiles);
    assert.equal(sandbox.requests.length, 10, 'one failing request never stops the others');
    assert.equal(result.failures.length, 4);
    assert.equal(result.failed, 20);
    assert.equal(result.sent, 30);
    const [first, second, third, fourth] = result.failures;
    assert.ok(first.error instanceof ChonrySmsApiError && first.error.code === '9010' && first.error.delivery === 'not-sent');
    assert.ok(second.error instanceof ChonrySmsApiError);
    assert.ok(third.error instanceof ChonrySmsTransportError && third.error.kind === 'http-status' && third.error.delivery === 'unknown');
    assert.ok(fourth.error instanceof ChonrySmsTransportError);
    assert.deepEqual(first.mobiles, mobiles.slice(0, 5), 'failures name exactly the numbers of their request');
    assert.deepEqual([...sandbox.acceptedCount.keys()].sort(), result.batches.flatMap((b) => b.mobiles).sort());
  });

  it('with stopOnError, starts nothing after a failure and reports the rest as not sent', async () => {
    const mobiles = numbers(30);
    sandbox.fault({ kind: 'code', code: '9006' }, 1);
    const result = await sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 5, concurrency: 1, stopOnError: true });

    assertAccountsFor(result, mobiles);
    assert.equal(sandbox.requests.length, 1);
    assert.equal(result.sent, 0);
    assert.equal(result.failures.length, 6);
    const [cause, ...rest] = result.failures;
    assert.ok(cause.error instanceof ChonrySmsApiError);
    for (const f of rest) {
      assert.ok(f.error instanceof ChonrySmsNotSentError);
      assert.equal(f.error.delivery, 'not-sent');
      assert.equal(f.error.stoppedBy, cause.error);
    }
    assert.deepEqual(rest.flatMap((f) => f.mobiles), mobiles.slice(5));
  });

  it('with stopOnError, lets requests already in flight finish and counts them', async () => {
    const mobiles = numbers(40);
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    const result = await sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 5, concurrency: 3, stopOnError: true });
    assertAccountsFor(result, mobiles);
    assert.ok(sandbox.requests.length >= 1 && sandbox.requests.length <= 3, `${sandbox.requests.length} requests`);
    assert.equal(result.sent, (sandbox.requests.length - 1) * 5, 'what the provider accepted is reported as sent');
    assert.ok(result.failures.some((f) => f.error instanceof ChonrySmsNotSentError));
  });

  it('reports progress after every request, ending at the totals', async () => {
    const mobiles = numbers(23);
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    const seen: ChonrySmsBulkProgress[] = [];
    const result = await sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 5, concurrency: 2, onProgress: (p) => seen.push(p) });

    assert.equal(seen.length, 5);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].sent + seen[i].failed > seen[i - 1].sent + seen[i - 1].failed);
    assert.ok(seen.every((p) => p.total === 23));
    assert.deepEqual(seen.at(-1), { sent: result.sent, failed: result.failed, total: 23 });
    assert.equal(result.failed, 5);
  });

  it('reports the unsent remainder to onProgress too, and survives a throwing callback', async () => {
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    const seen: ChonrySmsBulkProgress[] = [];
    const stopped = await sms.sendBulk({ mobiles: numbers(20), variables: ['x'] }, { chunkSize: 5, concurrency: 1, stopOnError: true, onProgress: (p) => seen.push(p) });
    assert.deepEqual(seen, [
      { sent: 0, failed: 5, total: 20 },
      { sent: 0, failed: 20, total: 20 },
    ]);
    assert.equal(stopped.failed, 20);

    let calls = 0;
    const onProgress = () => {
      calls++;
      throw new Error('progress bar broke');
    };
    const result = await sms.sendBulk({ mobiles: numbers(20), variables: ['x'] }, { chunkSize: 5, onProgress });
    assert.equal(result.sent, 20);
    assert.equal(calls, 1, 'a throwing callback is not called again');

    const rejected = await sms.sendBulk({ mobiles: numbers(20), variables: ['x'] }, { chunkSize: 5, onProgress: async () => Promise.reject(new Error('async bar broke')) });
    assert.equal(rejected.sent, 20, 'an async callback that rejects is not an unhandled rejection');
  });

  it("catches the rejection of a promise of another realm from onProgress (Node's own promises under Jest)", async () => {
    const logger = new CapturingLogger();
    const logged = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 2000, templateId: '100' })] }, logger);
    try {
      let calls = 0;
      const onProgress = () => {
        calls++;
        const foreign = runInNewContext('Promise.reject(new Error("bar broke elsewhere"))') as Promise<void>;
        assert.equal(foreign instanceof Promise, false, 'the promise is of another realm');
        return foreign;
      };
      const result = await logged.get(ChonrySmsService).sendBulk({ mobiles: numbers(20), variables: ['x'] }, { chunkSize: 5, concurrency: 1, onProgress });
      assert.equal(result.sent, 20);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(logger.lines.some((l) => l.startsWith('warn') && l.includes('onProgress threw Error; it will not be called again')), logger.lines.join('\n'));
      assert.equal(calls, 1, 'a callback whose promise rejected is not called again');
    } finally {
      await logged.close();
    }
  });

  it('sends personalised messages in chunks of their own, each recipient with their variables', async () => {
    const mobiles = numbers(12);
    const messages = mobiles.map((m, i) => ({ mobile: `+${m}`, variables: [`name ${i}`, 'a+b 100%'] }));
    const pending = sms.sendPersonalizedBulk({ messages, sign: '【Acme】' }, { chunkSize: 5, concurrency: 1 });
    // Later requests are built after the call returned its promise: changing the input now must not reach them.
    messages.at(-1)!.variables[0] = 'changed##after validation';
    const result = await pending;

    assertAccountsFor(result, mobiles);
    assert.deepEqual(result.batches.map((b) => b.mobiles), [mobiles.slice(0, 5), mobiles.slice(5, 10), mobiles.slice(10)]);
    assert.equal(sandbox.requests.length, 3);
    assert.ok(sandbox.requests.every((r) => r.fields.data !== undefined && r.fields.mobile === undefined));
    const byMobile = new Map(sandbox.messages.map((m) => [m.mobile, m]));
    mobiles.forEach((m, i) => assert.deepEqual(byMobile.get(m)?.variables, [`name ${i}`, 'a+b 100%']));
    assert.ok(sandbox.messages.every((m) => m.sign === '【Acme】'));
  });

  it('uses the provider limits by default: 50,000 numbers or 10,000 messages per request', async () => {
    const mobiles = numbers(50_003);
    const plain = await sms.sendBulk({ mobiles, variables: ['x'] });
    assert.deepEqual(plain.batches.map((b) => b.mobiles.length), [50_000, 3]);
    assert.equal(sandbox.acceptedRecipients, 50_003);

    sandbox.reset();
    const messages = mobiles.slice(0, 10_001).map((mobile) => ({ mobile, variables: ['v'] }));
    const personal = await sms.sendPersonalizedBulk({ messages }, { chunkSize: 1_000_000 });
    assert.deepEqual(personal.batches.map((b) => b.mobiles.length), [10_000, 1], 'chunkSize is capped at the provider limit');
    assert.equal(sandbox.acceptedRecipients, 10_001);
  });

  it('validates the whole input before sending anything', async () => {
    const mobiles = [...numbers(999), '+44 7700 900123'];
    const err = await rejectionOf(sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 10 }));
    assert.ok(err instanceof ChonrySmsValidationError);
    assert.deepEqual(err.problems.map((p) => p.path), ['mobiles[999]']);

    const dup = await rejectionOf(
      sms.sendPersonalizedBulk({ messages: [...numbers(30).map((mobile) => ({ mobile, variables: ['v'] })), { mobile: `+${numbers(1)[0]}`, variables: ['v'] }] }, { chunkSize: 10 }),
    );
    assert.ok(dup instanceof ChonrySmsValidationError);
    assert.match(dup.message, /messages\[30\]\.mobile/);

    const badVariables = await rejectionOf(sms.sendBulk({ mobiles: numbers(5), variables: ['a##b'] }));
    assert.ok(badVariables instanceof ChonrySmsValidationError);

    const badOptions = await rejectionOf(sms.sendBulk({ mobiles: numbers(5), variables: ['x'] }, { concurrency: 0, chunkSize: 2.5, requestsPerSecond: -1, stopOnError: 'yes' as unknown as boolean }));
    assert.ok(badOptions instanceof ChonrySmsValidationError);
    assert.deepEqual(badOptions.problems.map((p) => p.path).sort(), ['options.chunkSize', 'options.concurrency', 'options.requestsPerSecond', 'options.stopOnError']);
    assert.equal(sandbox.requests.length, 0, 'nothing was sent');
  });

  it('checks the module-level bulk defaults at start-up', () => {
    assert.throws(() => resolveChonrySmsOptions({ accessKey: 'k', secret: 's', bulk: { concurrency: 0 } }), (e: unknown) => e instanceof ChonrySmsConfigError && e.option === 'bulk.concurrency');
    assert.throws(() => resolveChonrySmsOptions({ accessKey: 'k', secret: 's', bulk: { onProgress: () => undefined } as never }), ChonrySmsConfigError);
  });
});

describe('bulk pacing, observed at the server', () => {
  let sandbox: ChonrySmsSandbox;
  let proxy: CountingProxy;

  beforeAll(async () => {
    sandbox = await startSandbox({ recordMessages: false });
    proxy = new CountingProxy(sandbox.url, 150);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
    proxy.maxInFlight = 0;
  });

  it('keeps at most `concurrency` requests in flight, and uses them', async () => {
    const app = await appFor({ baseUrl: proxy.url });
    try {
      const sms = app.get(ChonrySmsService);
      const result = await sms.sendBulk({ mobiles: numbers(60), variables: ['x'] }, { chunkSize: 5, concurrency: 3 });
      assert.equal(result.sent, 60);
      assert.equal(proxy.maxInFlight, 3);

      proxy.maxInFlight = 0;
      await sms.sendBulk({ mobiles: numbers(60), variables: ['x'] }, { chunkSize: 5 });
      assert.equal(proxy.maxInFlight, 4, 'the default concurrency is 4');
    } finally {
      await app.close();
    }
  });

  it('applies module-level defaults, which a call can override', async () => {
    const app = await appFor({ baseUrl: proxy.url, bulk: { concurrency: 2, chunkSize: 4 } });
    try {
      const sms = app.get(ChonrySmsService);
      const result = await sms.sendBulk({ mobiles: numbers(40), variables: ['x'] });
      assert.equal(result.batches.length, 10);
      assert.equal(proxy.maxInFlight, 2);
      proxy.maxInFlight = 0;
      const overridden = await sms.sendBulk({ mobiles: numbers(40), variables: ['x'] }, { concurrency: 5, chunkSize: 8 });
      assert.equal(overridden.batches.length, 5);
      assert.equal(proxy.maxInFlight, 5);
    } finally {
      await app.close();
    }
  });

  it('starts no more than `requestsPerSecond` requests per second', async () => {
    const app = await appFor({ baseUrl: sandbox.url });
    try {
      const sms = app.get(ChonrySmsService);
      const started = performance.now();
      const result = await sms.sendBulk({ mobiles: numbers(12), variables: ['x'] }, { chunkSize: 2, concurrency: 4, requestsPerSecond: 20 });
      assert.equal(result.sent, 12);
      const arrivals = sandbox.requests.map((r) => r.at.getTime()).sort((a, b) => a - b);
      assert.equal(arrivals.length, 6);
      // Six requests at 20/s start 50 ms apart: at least 250 ms from the first start to the last.
      assert.ok(performance.now() - started >= 245, `took ${performance.now() - started} ms`);
      // At the server, delivery jitter may shorten that a little; unpaced, all six arrive at once.
      assert.ok(arrivals[5] - arrivals[0] >= 150, `arrivals spanned ${arrivals[5] - arrivals[0]} ms`);
    } finally {
      await app.close();
    }
  });
});
