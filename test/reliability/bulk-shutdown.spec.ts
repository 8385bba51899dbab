import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ChonrySmsTransportError } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { startSandbox } from '../helpers';
import { smsApp } from './support';

describe('shutdown during a bulk send', () => {
  let sandbox: ChonrySmsSandbox;
  beforeAll(async () => (sandbox = await startSandbox()));
  afterAll(() => sandbox.close());

  it('completes the request in flight, reports every other recipient as not sent, and drops none', async () => {
    const { app, sms } = await smsApp(sandbox.url, { timeout: 5_000, shutdownGracePeriod: 5_000 });
    const mobiles = Array.from({ length: 10 }, (_, i) => `4479110000${String(i).padStart(2, '0')}`);
    sandbox.reset().fault({ kind: 'delay', ms: 300 }, 1);
    const bulk = sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 2, concurrency: 1 });
    while (sandbox.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await app.close();
    const result = await bulk;

    assert.equal(result.total, 10);
    assert.equal(result.sent + result.failed, result.total);
    // The chunk in flight when shutdown began went out; no chunk started after it.
    assert.deepEqual(result.batches.map((b) => b.mobiles), [mobiles.slice(0, 2)]);
    assert.equal(sandbox.acceptedRecipients, result.sent);
    assert.equal(sandbox.requests.length, 1);
    for (const failure of result.failures) {
      assert.ok(failure.error instanceof ChonrySmsTransportError, String(failure.error));
      assert.deepEqual([failure.error.kind, failure.error.delivery], ['shutdown', 'not-sent']);
    }
    // Every recipient is accounted for exactly once.
    const accounted = [...result.batches.flatMap((b) => b.mobiles), ...result.failures.flatMap((f) => f.mobiles)].sort();
    assert.deepEqual(accounted, [...mobiles].sort());
  });

  it('stops waiting for rate-limit slots at shutdown instead of draining the rest one slot at a time', async () => {
    const { app, sms } = await smsApp(sandbox.url, { timeout: 5_000, shutdownGracePeriod: 5_000 });
    const mobiles = Array.from({ length: 20 }, (_, i) => `4479110000${String(i).padStart(2, '0')}`);
    sandbox.reset();
    // 1 request per second: the 10 chunks alone would take about 9 s.
    const bulk = sms.sendBulk({ mobiles, variables: ['x'] }, { chunkSize: 2, concurrency: 2, requestsPerSecond: 1 });
    while (sandbox.acceptedRequests === 0) await new Promise((r) => setTimeout(r, 5));
    const closedAt = performance.now();
    await app.close();
    const result = await bulk;
    const settledAfterMs = performance.now() - closedAt;

    assert.ok(settledAfterMs < 3_000, `the bulk send settled ${Math.round(settledAfterMs)} ms after shutdown began`);
    assert.equal(result.sent, sandbox.acceptedRecipients);
    assert.ok(result.failed >= 14, `only ${result.failed} recipients were left unsent`);
    for (const failure of result.failures) {
      assert.ok(failure.error instanceof ChonrySmsTransportError, String(failure.error));
      assert.deepEqual([failure.error.kind, failure.error.delivery], ['shutdown', 'not-sent']);
    }
    const accounted = [...result.batches.flatMap((b) => b.mobiles), ...result.failures.flatMap((f) => f.mobiles)].sort();
    assert.deepEqual(accounted, [...mobiles].sort());
  });
});
