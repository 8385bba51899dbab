import assert from 'node:assert/strict';
import { createServer, Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { inspect } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorResult } from '@nestjs/terminus';
import { CHONRY_BALANCE_PATH, ChonrySmsConfigError, ChonrySmsModule, ChonrySmsService } from '../../lib';
import { ChonrySmsTransport } from '../../lib/transport';
import { ChonrySmsHealthIndicator, ChonrySmsHealthModule, ChonrySmsHealthOptions } from '../../lib/health';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

type Entry = {
  status: 'up' | 'down';
  message?: string;
  gateway: { url: string; reachable?: boolean; status?: number; latencyMs?: number; error?: string; probed?: boolean };
  sends: { consecutiveFailures: number; failureThreshold: number; lastSuccessAt: string | null; lastFailure: { kind: string; delivery: string; at: string } | null; lastLatencyMs: number | null };
};
const entry = (result: HealthIndicatorResult, key = 'chonry-sms'): Entry => result[key] as unknown as Entry;

async function healthApp(baseUrl: string, health: ChonrySmsHealthOptions = {}): Promise<INestApplication> {
  // Not global: the indicator reaches the module's transport through `imports`.
  const sms = ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 300 });
  return createApp({ imports: [sms, ChonrySmsHealthModule.register({ imports: [sms], timeout: 300, failureThreshold: 2, ...health })] });
}

describe('ChonrySmsHealthIndicator', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let indicator: ChonrySmsHealthIndicator;
  let sms: ChonrySmsService;
  const send = () => sms.send({ mobiles: ['447911123456'], variables: ['x'] });

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await healthApp(sandbox.url);
    indicator = app.get(ChonrySmsHealthIndicator);
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    sandbox.reset();
    await sandbox.start(); // again after a test closed it (same port)
    await send(); // a success resets the record between tests
    sandbox.reset();
  });

  it('is up with the gateway answering, and probes without credentials or an SMS', async () => {
    const result = await indicator.isHealthy();
    const e = entry(result);
    assert.equal(e.status, 'up');
    assert.equal(e.gateway.url, sandbox.url);
    assert.equal(e.gateway.reachable, true);
    assert.equal(e.gateway.status, 404);
    assert.equal(typeof e.gateway.latencyMs, 'number');
    assert.equal(e.sends.consecutiveFailures, 0);
    assert.equal(e.sends.failureThreshold, 2);
    assert.ok(e.sends.lastSuccessAt && Date.parse(e.sends.lastSuccessAt) <= Date.now());
    assert.deepEqual(sandbox.requests.map((r) => [r.method, r.path, r.rawBody]), [['HEAD', '/', '']]);
    assert.equal(sandbox.acceptedRequests, 0);
    assert.ok(entry(await indicator.isHealthy('sms'), 'sms'), 'the key is the caller’s');
  });

  it('is down after N consecutive transport failures, not before, and up after one success', async () => {
    sandbox.fault({ kind: 'status', status: 500 });
    await rejectionOf(send());
    assert.equal(entry(await indicator.isHealthy()).status, 'up', 'one failure is under the threshold');
    await rejectionOf(send());
    const down = entry(await indicator.isHealthy());
    assert.equal(down.status, 'down');
    assert.equal(down.gateway.reachable, true, 'the gateway still answers HTTP');
    assert.match(down.message!, /last 2 sends failed \(last: http-status\)/);
    assert.equal(down.sends.lastFailure!.kind, 'http-status');
    assert.equal(down.sends.lastFailure!.delivery, 'unknown');
    await assert.rejects(app.get(HealthCheckService).check([() => indicator.isHealthy()]), /Service Unavailable/);

    sandbox.clearFaults();
    await send();
    const up = entry(await indicator.isHealthy());
    assert.equal(up.status, 'up');
    assert.equal(up.sends.consecutiveFailures, 0);
    assert.equal(up.sends.lastFailure!.kind, 'http-status', 'the last failure stays visible');
  });

  it('does not count provider rejections: the gateway answered', async () => {
    sandbox.fault({ kind: 'code', code: '9010' });
    for (let i = 0; i < 3; i++) await rejectionOf(send());
    assert.equal(entry(await indicator.isHealthy()).status, 'up');
  });

  it('is down while the gateway refuses connections, and up once it is back', async () => {
    await sandbox.close();
    const down = entry(await indicator.isHealthy());
    assert.equal(down.status, 'down');
    assert.equal(down.gateway.reachable, false);
    assert.match(down.message!, /gateway unreachable: connection-refused \(ECONNREFUSED\)/);
    await sandbox.start();
    assert.equal(entry(await indicator.isHealthy()).status, 'up');
  });

  it('never shows the secret', async () => {
    sandbox.fault({ kind: 'drop' });
    for (let i = 0; i < 2; i++) await rejectionOf(send());
    const result = await indicator.isHealthy();
    assert.equal(entry(result).status, 'down');
    for (const text of [JSON.stringify(result), inspect(result, { depth: 10 }), inspect(indicator, { depth: 5 })]) {
      assert.ok(!text.includes(SECRET));
    }
  });

  it('never throws, even when reading the record fails', async () => {
    const transport = app.get(ChonrySmsTransport);
    const record = transport.record;
    Object.defineProperty(transport, 'record', { get: () => { throw new Error('boom'); }, configurable: true });
    try {
      const e = entry(await indicator.isHealthy());
      assert.equal(e.status, 'down');
      assert.match(e.message!, /failed unexpectedly/);
    } finally {
      Object.defineProperty(transport, 'record', { value: record, configurable: true });
    }
  });
});

describe('ChonrySmsHealthIndicator counts sends, not attempts', () => {
  it('one send refused three times (retry attempts 3) is one failure; a bulk send counts each of its requests once', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as import('node:net').AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const sms = ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: `http://127.0.0.1:${port}`, timeout: 300, retry: { attempts: 3, initialDelay: 1 } });
    const app = await createApp({ imports: [sms, ChonrySmsHealthModule.register({ imports: [sms], probe: false, failureThreshold: 2 })] });
    try {
      const err = await rejectionOf(app.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.match(err.message, /connection-refused|refused/);
      const once = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      assert.equal(once.sends.consecutiveFailures, 1, 'three attempts of one send');
      assert.equal(once.status, 'up', 'one failed send is under the threshold of 2');
      assert.equal(once.sends.lastFailure?.kind, 'connection-refused');

      const bulk = await app.get(ChonrySmsService).sendBulk({ mobiles: ['447911123456', '447911123457'], variables: ['x'] }, { chunkSize: 1, concurrency: 1 });
      assert.equal(bulk.failures.length, 2);
      const down = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      assert.equal(down.sends.consecutiveFailures, 3, 'one per request of the bulk send, not per attempt');
      assert.equal(down.status, 'down');
      assert.match(down.message!, /the last 3 sends failed/);
    } finally {
      await app.close();
    }
  });
});

describe('ChonrySmsHealthIndicator probe of a malformed gateway', () => {
  it('a gateway that sends a body with its 404 to HEAD (as Java\'s built-in HTTP server does) answered: reachable', async () => {
    const server: Server = createServer((socket) => {
      socket.once('data', () => {
        // Status line, headers and a body in one write: the body is not allowed after HEAD.
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 21\r\nContent-Type: text/html\r\n\r\n<h1>404 Not Found</h1>garbage after the body');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    const app = await healthApp(`http://127.0.0.1:${port}`, { timeout: 1_000 });
    try {
      const e = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      assert.equal(e.gateway.reachable, true, JSON.stringify(e));
      assert.equal(e.gateway.status, 404);
      assert.equal(e.status, 'up');
    } finally {
      await app.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('ChonrySmsHealthIndicator minBalance', () => {
  it('is down below minBalance, reads the balance at most once per balanceCacheTtl, and a failed read is a detail only', async () => {
    const sandbox = await startSandbox();
    sandbox.setBalance(50);
    const sms = ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, timeout: 1_000 });
    const app = await createApp({ imports: [sms, ChonrySmsHealthModule.register({ imports: [sms], probe: false, minBalance: '100' as never, balanceCacheTtl: 1_000 })] });
    const balanceReads = () => sandbox.requests.filter((r) => r.path === CHONRY_BALANCE_PATH).length;
    try {
      const indicator = app.get(ChonrySmsHealthIndicator);
      const low = entry(await indicator.isHealthy()) as Entry & { balance: { internationalSms?: number; minBalance: number; error?: string } };
      assert.equal(low.status, 'down');
      assert.match(low.message!, /international SMS balance 50 is below minBalance 100/);
      assert.deepEqual([low.balance.internationalSms, low.balance.minBalance], [50, 100]);
      // Twenty checks in a row, some at once: still the one read.
      await Promise.all(Array.from({ length: 10 }, () => indicator.isHealthy()));
      for (let i = 0; i < 10; i++) await indicator.isHealthy();
      assert.equal(balanceReads(), 1, 'one provider call for every check within the cache time');

      sandbox.setBalance(500);
      assert.equal(entry(await indicator.isHealthy()).status, 'down', 'the cached reading stands until balanceCacheTtl');
      await new Promise((r) => setTimeout(r, 1_050));
      assert.equal(entry(await indicator.isHealthy()).status, 'up');
      assert.equal(balanceReads(), 2);

      await new Promise((r) => setTimeout(r, 1_050));
      await sandbox.close(); // the account host refuses connections
      const failed = entry(await indicator.isHealthy()) as Entry & { balance: { internationalSms?: number; error?: string } };
      await sandbox.start();
      assert.equal(failed.status, 'up', 'a balance that cannot be read does not make the SMS path down');
      assert.match(String(failed.balance.error), /^connection-(refused|reset)$/, 'a pooled socket may be reset instead');
      assert.equal(failed.balance.internationalSms, 500, 'the last known balance stays visible');
      assert.ok(!JSON.stringify(failed).includes(SECRET));
    } finally {
      await app.close();
      await sandbox.close();
    }
  });

  it('refuses a bad minBalance at start-up', async () => {
    for (const bad of [-1, 'lots', Number.NaN]) {
      const err = await rejectionOf(createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, isGlobal: true }), ChonrySmsHealthModule.register({ minBalance: bad as never })] }));
      assert.match(err.message, /ChonrySmsHealthModule option 'minBalance' must be a number of at least 0/);
    }
  });
});

describe('ChonrySmsHealthIndicator options', () => {
  it('reports down within its timeout when the gateway accepts connections but never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as import('node:net').AddressInfo;
    const app = await healthApp(`http://127.0.0.1:${port}`, { timeout: 200 });
    try {
      const started = performance.now();
      const e = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      const elapsed = performance.now() - started;
      assert.equal(e.status, 'down');
      assert.match(e.message!, /timeout/);
      // The issue's own bound: never past the timeout (with room for a loaded machine).
      assert.ok(elapsed < 200 + 1_000, `took ${elapsed} ms`);
    } finally {
      await app.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('skips the probe when probe is false', async () => {
    const sandbox = await startSandbox();
    const app = await healthApp(sandbox.url, { probe: false });
    try {
      const e = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      assert.equal(e.status, 'up');
      assert.equal(e.gateway.probed, false);
      assert.equal(sandbox.requests.length, 0);
    } finally {
      await app.close();
      await sandbox.close();
    }
  });

  it('works as a plain provider with default options next to a global module', async () => {
    const sandbox = await startSandbox();
    const { TerminusModule } = await import('@nestjs/terminus');
    const app = await createApp({
      imports: [TerminusModule, ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, isGlobal: true })],
      providers: [ChonrySmsHealthIndicator],
    });
    try {
      const e = entry(await app.get(ChonrySmsHealthIndicator).isHealthy());
      assert.equal(e.status, 'up');
      assert.equal(e.sends.failureThreshold, 3);
    } finally {
      await app.close();
      await sandbox.close();
    }
  });

  it('refuses bad options at start-up, naming them', async () => {
    const err = await rejectionOf(healthApp('http://127.0.0.1:9', { failureThreshold: 0 }));
    assert.ok(err instanceof ChonrySmsConfigError, String(err));
    assert.equal(err.option, 'health.failureThreshold');
  });

  it('takes its options from registerAsync', async () => {
    const sandbox = await startSandbox();
    const sms = ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, isGlobal: true });
    const app = await createApp({ imports: [sms, ChonrySmsHealthModule.registerAsync({ useFactory: async () => ({ failureThreshold: 7 }) })] });
    try {
      assert.equal(entry(await app.get(ChonrySmsHealthIndicator).isHealthy()).sends.failureThreshold, 7);
    } finally {
      await app.close();
      await sandbox.close();
    }
  });
});
