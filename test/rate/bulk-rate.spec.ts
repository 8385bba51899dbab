import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import fc from 'fast-check';
import { ChonrySmsModule, ChonrySmsRetryOptions, ChonrySmsService } from '../../lib';
import { ACCESS_KEY, createApp, SECRET } from '../helpers';
import { ArrivalServer, busyLoop, mostInWindow, windowBreaches } from './arrival-server';

function numbers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `86139${String(i).padStart(8, '0')}`);
}

describe('requestsPerSecond, counted where the requests arrive: every sliding second, retries and stalls included', () => {
  let server: ArrivalServer;
  beforeAll(async () => (server = await ArrivalServer.start()));
  afterAll(() => server.close());

  /**
   * One bulk send of `requests` one-recipient chunks at `requestsPerSecond`, with a synchronous
   * event-loop stall of `stallMs` starting `stallAtMs` into it; returns the arrivals at the server.
   */
  async function bulkArrivals(opts: {
    requests: number;
    requestsPerSecond: number;
    concurrency: number;
    stallMs?: number;
    stallAtMs?: number;
    retry?: ChonrySmsRetryOptions;
    rejectEvery?: number;
  }): Promise<bigint[]> {
    await server.answer({ rejectEvery: opts.rejectEvery ?? 0, code: '9024', delayMs: 5 });
    const app = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: server.url, timeout: 10_000, retry: opts.retry })],
    });
    const stall = opts.stallMs ? setTimeout(() => busyLoop(opts.stallMs!), opts.stallAtMs ?? 1500) : undefined;
    try {
      const result = await app.get(ChonrySmsService).sendBulk(
        { mobiles: numbers(opts.requests), variables: ['x'] },
        { chunkSize: 1, concurrency: opts.concurrency, requestsPerSecond: opts.requestsPerSecond },
      );
      assert.equal(result.sent + result.failed, opts.requests);
      if (!opts.rejectEvery) assert.equal(result.sent, opts.requests);
    } finally {
      clearTimeout(stall);
      await app.close();
    }
    return server.arrivals();
  }

  for (const stallMs of [0, 250, 600]) {
    it(`limit 10: at most 10 arrivals in any second ${stallMs ? `across a ${stallMs} ms event-loop stall mid-send` : 'with a free event loop'}`, async () => {
      const arrivals = await bulkArrivals({ requests: 40, requestsPerSecond: 10, concurrency: 20, stallMs });
      assert.equal(arrivals.length, 40);
      assert.deepEqual(windowBreaches(arrivals, 10, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)}`);
    });
  }

  it('limit 5 with retryOnCodes: every attempt takes a slot, so retries never push a second over 5', async () => {
    const retry = { attempts: 3, initialDelay: 0, maxDelay: 0, retryOnCodes: ['9024'] };
    // Every other request is answered 9024 and tried again at once.
    const arrivals = await bulkArrivals({ requests: 12, requestsPerSecond: 5, concurrency: 12, retry, rejectEvery: 2 });
    assert.ok(arrivals.length >= 18, `retries happened (${arrivals.length} requests for 12 chunks)`);
    assert.deepEqual(windowBreaches(arrivals, 5, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)}`);
  });

  it('limit 5 with retries and a 600 ms stall together', async () => {
    const retry = { attempts: 3, initialDelay: 0, maxDelay: 0, retryOnCodes: ['9024'] };
    const arrivals = await bulkArrivals({ requests: 12, requestsPerSecond: 5, concurrency: 12, retry, rejectEvery: 2, stallMs: 600, stallAtMs: 1200 });
    assert.deepEqual(windowBreaches(arrivals, 5, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)}`);
  });

  it('holds for any rate (fractional ones too), concurrency, stall and retry pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 2, max: 8 }), fc.double({ min: 1, max: 6, noNaN: true })),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 3 }),
        async (requestsPerSecond, concurrency, stallMs, rejectEvery) => {
          const retry = { attempts: 2, initialDelay: 0, maxDelay: 0, retryOnCodes: ['9024'] };
          const arrivals = await bulkArrivals({ requests: 8, requestsPerSecond, concurrency, stallMs, stallAtMs: 300, retry, rejectEvery });
          // Any window of one second holds at most the rate's whole part.
          const max = Math.floor(requestsPerSecond);
          assert.deepEqual(windowBreaches(arrivals, max, 1000), [], `most in one second: ${mostInWindow(arrivals, 1000)} (limit ${requestsPerSecond})`);
        },
      ),
      { numRuns: 4 },
    );
  });
});
