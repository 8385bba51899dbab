import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { ChonrySmsTransportError } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { rejectionOf, startSandbox } from '../helpers';
import { activeResources, freePort, leftoversAfter, ONE_SMS, smsApp } from './support';

async function untilRequests(sandbox: ChonrySmsSandbox, n: number): Promise<void> {
  while (sandbox.requests.length < n) await new Promise((r) => setTimeout(r, 5));
}

describe('shutdown', () => {
  let sandbox: ChonrySmsSandbox;
  beforeAll(async () => (sandbox = await startSandbox()));
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
  });

  it('app.close() refuses new sends at once and waits for the one in flight', async () => {
    const { app, sms } = await smsApp(sandbox.url, { timeout: 5_000, shutdownGracePeriod: 5_000 });
    sandbox.fault({ kind: 'delay', ms: 300 }, 1);
    const order: string[] = [];
    const inFlight = sms.send(ONE_SMS).then((r) => (order.push('send'), r));
    await untilRequests(sandbox, 1);
    const closing = app.close().then(() => order.push('close'));
    await new Promise((r) => setImmediate(r));

    for (const late of [sms.send(ONE_SMS), sms.sendPersonalized({ messages: [{ mobile: '447911123456', variables: ['x'] }] })]) {
      const err = await rejectionOf(late);
      assert.ok(err instanceof ChonrySmsTransportError, String(err));
      assert.deepEqual([err.kind, err.delivery], ['shutdown', 'not-sent']);
      assert.match(err.message, /shutting down/);
    }
    const result = await inFlight;
    await closing;
    assert.equal(result.batchId, sandbox.requests[0].reply.batchId);
    assert.deepEqual(order, ['send', 'close']);
    assert.deepEqual([sandbox.requests.length, sandbox.acceptedRequests], [1, 1]);
  });

  it('cancels what is still in flight when the grace period ends, as shutdown of unknown delivery', async () => {
    const { app, sms } = await smsApp(sandbox.url, { timeout: 5_000, shutdownGracePeriod: 100 });
    sandbox.fault({ kind: 'delay', ms: 1_000 }, 1);
    const inFlight = rejectionOf(sms.send(ONE_SMS));
    await untilRequests(sandbox, 1);
    await app.close();
    const err = await inFlight;
    assert.ok(err instanceof ChonrySmsTransportError, String(err));
    // The request was written: the provider may still accept it.
    assert.deepEqual([err.kind, err.delivery], ['shutdown', 'unknown']);
    assert.equal(sandbox.requests.length, 1);
    // Let the sandbox's own delay timer run out, so later tests count only their own.
    while (sandbox.requests[0].reply.code === undefined) await new Promise((r) => setTimeout(r, 10));
  });

  it('ends a retry backoff at shutdown with a not-sent shutdown error, leaving no timer', async () => {
    const baseline = activeResources();
    const { app, sms } = await smsApp(`http://127.0.0.1:${await freePort()}`, {
      retry: { attempts: 10, initialDelay: 60_000, maxDelay: 60_000 },
      shutdownGracePeriod: 50,
    });
    const sending = rejectionOf(sms.send(ONE_SMS));
    await new Promise((r) => setTimeout(r, 50));
    await app.close();
    const err = await sending;
    assert.ok(err instanceof ChonrySmsTransportError, String(err));
    assert.deepEqual([err.kind, err.delivery], ['shutdown', 'not-sent']);
    assert.match(err.message, /waiting to retry after attempt \d+ failed \(connection-refused\)/);
    // The 60-second backoff timer went with the shutdown.
    assert.deepEqual(await leftoversAfter(baseline), []);
  });

  it('on SIGTERM with enableShutdownHooks, finishes the send in flight and refuses later ones', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'sigterm-app.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const events: Record<string, unknown>[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'ready') child.kill('SIGTERM');
      }
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.equal(signal ?? code, 'SIGTERM', JSON.stringify(events));
    const byName = Object.fromEntries(events.map((e) => [e.event, e]));
    assert.deepEqual(byName['late-send'], { event: 'late-send', error: 'ChonrySmsTransportError', kind: 'shutdown', delivery: 'not-sent' });
    assert.equal(typeof (byName['in-flight-send'] as { batchId?: unknown }).batchId, 'string', JSON.stringify(events));
    assert.deepEqual([byName['in-flight-send'].requests, byName['in-flight-send'].accepted], [1, 1]);
  });
});
