import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import {
  ChonrySmsApiError,
  ChonrySmsConfigError,
  ChonrySmsModuleOptions,
  ChonrySmsTransportError,
  resolveChonrySmsOptions,
} from '../../lib';
import { backoffDelay, resolveRetryOptions } from '../../lib/reliability';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, CapturingLogger, rejectionOf, SECRET, startSandbox } from '../helpers';
import { freePort, ONE_SMS, smsApp } from './support';

const retryLines = (logger: CapturingLogger) => logger.lines.filter((l) => /retrying in \d+ ms/.test(l));

describe('retry option, checked at start-up', () => {
  const base = { accessKey: ACCESS_KEY, secret: SECRET };
  const bad: [unknown, string][] = [
    [{ attempts: 0 }, 'retry.attempts'],
    [{ attempts: 2.5 }, 'retry.attempts'],
    [{ attempts: 11 }, 'retry.attempts'],
    [{ atempts: 3 }, 'retry.atempts'],
    [{ initialDelay: -1 }, 'retry.initialDelay'],
    [{ initialDelay: 500, maxDelay: 100 }, 'retry.maxDelay'],
    [{ retryOnCodes: [9024] }, 'retry.retryOnCodes'],
    [{ retryOnCodes: ['0'] }, 'retry.retryOnCodes'],
    [{ retryOnCodes: '9024' }, 'retry.retryOnCodes'],
    [{ retryUnknownDelivery: 'yes' }, 'retry.retryUnknownDelivery'],
    [3, 'retry'],
  ];
  for (const [retry, option] of bad) {
    it(`refuses retry: ${JSON.stringify(retry)} naming ${option}`, () => {
      assert.throws(
        () => resolveChonrySmsOptions({ ...base, retry } as ChonrySmsModuleOptions),
        (e: unknown) => e instanceof ChonrySmsConfigError && e.option === option && !e.message.includes(SECRET),
      );
    });
  }

  it('refuses a bad shutdownGracePeriod', () => {
    for (const shutdownGracePeriod of [-1, 1.5, '10s', 600_001]) {
      assert.throws(
        () => resolveChonrySmsOptions({ ...base, shutdownGracePeriod } as unknown as ChonrySmsModuleOptions),
        (e: unknown) => e instanceof ChonrySmsConfigError && e.option === 'shutdownGracePeriod',
      );
    }
  });

  it('is off by default and has documented defaults when given', () => {
    assert.equal(resolveChonrySmsOptions(base).retry.attempts, 1);
    assert.equal(resolveChonrySmsOptions(base).shutdownGracePeriod, 10_000);
    const r = resolveRetryOptions({});
    assert.deepEqual([r.attempts, r.initialDelay, r.maxDelay, [...r.retryOnCodes], r.retryUnknownDelivery], [3, 200, 5000, [], false]);
  });

  it('backs off exponentially with full jitter, under the cap', () => {
    const policy = resolveRetryOptions({ attempts: 10, initialDelay: 100, maxDelay: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, policy, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual([1, 5].map((n) => backoffDelay(n, policy, () => 0)), [0, 0]);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, policy);
      assert.ok(Number.isInteger(d) && d >= 0 && d <= 400, String(d));
    }
  });
});

describe('retries over real sockets', () => {
  let sandbox: ChonrySmsSandbox;
  beforeAll(async () => (sandbox = await startSandbox()));
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
  });

  it('retries a refused connection and succeeds once the gateway is up, sending once', async () => {
    const port = await freePort();
    const logger = new CapturingLogger();
    const { app, sms } = await smsApp(`http://127.0.0.1:${port}`, { retry: { attempts: 10, initialDelay: 20, maxDelay: 100 } }, logger);
    // The gateway is down for the first attempt, up for a later one.
    const late = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: SECRET, port });
    try {
      const sending = sms.send(ONE_SMS);
      while (retryLines(logger).length === 0) await new Promise((r) => setTimeout(r, 5));
      await late.start();
      const result = await sending;
      assert.equal(result.recipients, 1);
      assert.equal(late.requests.length, 1);
      assert.equal(late.acceptedRequests, 1);
      assert.match(retryLines(logger)[0], /attempt 1 of 10 failed \(.*connection-refused.*\)/);
    } finally {
      await app.close();
      await late.close();
    }
  });

  it('gives up after `attempts` tries of a not-sent failure with the last error', async () => {
    const logger = new CapturingLogger();
    const { app, sms } = await smsApp(`http://127.0.0.1:${await freePort()}`, { retry: { attempts: 4, initialDelay: 1 } }, logger);
    try {
      const err = await rejectionOf(sms.send(ONE_SMS));
      assert.ok(err instanceof ChonrySmsTransportError);
      assert.deepEqual([err.kind, err.delivery], ['connection-refused', 'not-sent']);
      assert.equal(retryLines(logger).length, 3);
    } finally {
      await app.close();
    }
  });

  it('retries provider codes only when listed', async () => {
    const listed = await smsApp(sandbox.url, { retry: { retryOnCodes: ['9024'], initialDelay: 1 } });
    const unlisted = await smsApp(sandbox.url, { retry: { initialDelay: 1 } });
    try {
      sandbox.fault({ kind: 'code', code: '9024' }, 1);
      assert.equal((await listed.sms.send(ONE_SMS)).recipients, 1);
      assert.deepEqual([sandbox.requests.length, sandbox.acceptedRequests], [2, 1]);

      sandbox.reset().fault({ kind: 'code', code: '9024' }, 1);
      const err = await rejectionOf(unlisted.sms.send(ONE_SMS));
      assert.ok(err instanceof ChonrySmsApiError && err.code === '9024');
      assert.deepEqual([sandbox.requests.length, sandbox.acceptedRequests], [1, 0]);
    } finally {
      await listed.app.close();
      await unlisted.app.close();
    }
  });

  it('retries a failure of unknown delivery only with retryUnknownDelivery (and then may duplicate)', async () => {
    const { app, sms } = await smsApp(sandbox.url, { retry: { retryUnknownDelivery: true, initialDelay: 1 } });
    try {
      sandbox.fault({ kind: 'reset-mid-response' }, 1);
      assert.equal((await sms.send(ONE_SMS)).recipients, 1);
      // The sandbox accepted both: this is the duplicate the option's name warns about.
      assert.deepEqual([sandbox.requests.length, sandbox.acceptedRequests], [2, 2]);
    } finally {
      await app.close();
    }
  });

  it('reports unknown delivery when an earlier attempt may have gone out, even if the last was refused', async () => {
    const { app, sms } = await smsApp(sandbox.url, { retry: { attempts: 2, retryUnknownDelivery: true, initialDelay: 1 } });
    try {
      sandbox.fault({ kind: 'drop' }, 1).fault({ kind: 'code', code: '9010' }, 1);
      const err = await rejectionOf(sms.send(ONE_SMS));
      assert.ok(err instanceof ChonrySmsTransportError, String(err));
      assert.deepEqual([err.kind, err.delivery], ['connection-reset', 'unknown']);
      assert.match(err.message, /earlier attempt ended in connection-reset.*last of 2 attempts in code 9010/);
      assert.equal(sandbox.requests.length, 2);
    } finally {
      await app.close();
    }
  });
});
