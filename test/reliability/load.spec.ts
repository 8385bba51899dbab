import assert from 'node:assert/strict';
import { ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { diagnostic } from '../suite-support';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsService } from '../../lib';
import type { SandboxStats } from './sandbox-process';
import { smsApp } from './support';

const SENDS = 20_000;
const CONCURRENCY = 200;
const WARM_UP = 1_000;
const MB = 1024 * 1024;
// Bounds on what may stay behind after 20,000 sends: far below what a leak of even 1 KB per send would leave.
const HEAP_MARGIN = 8 * MB;
const RSS_MARGIN = 64 * MB;
// No single synchronous stretch of the module's send path may hold the loop longer than this
// (its own work: garbage-collection pauses that fall inside it are the runtime's, see watchGcPauses).
const MAX_BLOCK_MS = 50;

// The test runner passes no --expose-gc; this makes a gc() available all the same.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Linux keeps each thread's time on a CPU in nanoseconds; read from the main thread, this is the
// event loop's own CPU time, which neither other processes nor the GC's helper threads inflate.
const SCHEDSTAT = '/proc/thread-self/schedstat';
const hasSchedstat = existsSync(SCHEDSTAT);

/** CPU ms used so far by the calling thread (Linux), or by the whole process elsewhere. */
function loopCpuMs(): number {
  if (hasSchedstat) return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The longest stretch the event loop was held: wall-clock gaps between 10 ms ticks, counted only
 * as far as the loop's thread was on a CPU in them, so other processes' turns are not blamed on it.
 */
function watchLoopStalls(): { stop(): number } {
  const INTERVAL = 10;
  let last = performance.now();
  let lastCpu = loopCpuMs();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = loopCpuMs();
    worst = Math.max(worst, Math.min(now - last, cpu - lastCpu) - INTERVAL);
    last = now;
    lastCpu = cpu;
  }, INTERVAL);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(0, worst);
    },
  };
}

/** How long `fn` held the event loop: wall time, capped by the loop thread's CPU time meanwhile. */
function blockMsOf<T>(fn: () => T): [T, number, number] {
  const wallStart = performance.now();
  const cpuStart = loopCpuMs();
  const result = fn();
  return [result, Math.min(performance.now() - wallStart, loopCpuMs() - cpuStart), wallStart];
}

/**
 * Garbage-collection pauses, as Node reports them. A pause that falls inside a send's synchronous
 * slice is the runtime collecting the whole heap (every earlier send's garbage, the test's own),
 * not the send's work: on a loaded machine, where the collector's helper threads get no CPU, one
 * full collection alone was seen to take 100 ms of the loop thread.
 */
function watchGcPauses(): { stop(): Promise<Array<{ start: number; end: number }>> } {
  const pauses: Array<{ start: number; end: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Entries are delivered on a later turn of the loop.
      await new Promise((r) => setTimeout(r, 50));
      observer.disconnect();
      return pauses;
    },
  };
}

/** A slice's length less the garbage-collection time that overlapped it. */
function withoutGc(slice: { start: number; end: number; ms: number }, pauses: Array<{ start: number; end: number }>): number {
  let gcMs = 0;
  for (const p of pauses) gcMs += Math.max(0, Math.min(slice.end, p.end) - Math.max(slice.start, p.start));
  return Math.max(0, slice.ms - gcMs);
}

async function settleMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

/** Distinct valid UK mobile numbers: 447911000000, 447911000001, … */
const mobile = (i: number) => `447911${String(i).padStart(6, '0')}`;

describe(`load: ${SENDS} sends at concurrency ${CONCURRENCY}`, () => {
  let child: ChildProcess;
  let app: INestApplication;
  let sms: ChonrySmsService;

  async function ask<T>(message: string): Promise<T> {
    child.send(message);
    const [reply] = (await once(child, 'message')) as [T];
    return reply;
  }

  async function run(from: number, count: number, onSyncSlice?: (ms: number, start: number) => void) {
    let next = from;
    let succeeded = 0;
    let failed = 0;
    const batchIds = new Set<string>();
    const worker = async () => {
      while (next < from + count) {
        const i = next++;
        const [sending, blockMs, start] = blockMsOf(() => sms.send({ mobiles: [mobile(i)], variables: ['load', String(i)] }));
        onSyncSlice?.(blockMs, start);
        try {
          batchIds.add((await sending).batchId);
          succeeded++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { succeeded, failed, batchIds };
  }

  beforeAll(async () => {
    child = fork(join(__dirname, 'sandbox-process.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [{ url }] = (await once(child, 'message')) as [{ url: string }];
    ({ app, sms } = await smsApp(url, { timeout: 10_000 }));
  });
  afterAll(async () => {
    await app?.close();
    child.disconnect();
    if (child.exitCode === null) await once(child, 'exit');
  });

  it('every call settles, the sandbox counts exactly the successes, no duplicates, memory returns, the loop never blocks', async () => {
    // Warm up connections, JIT and libphonenumber's metadata, then take the baseline.
    const warm = await run(SENDS, WARM_UP);
    assert.equal(warm.succeeded, WARM_UP);
    await ask('reset');
    const baseline = await settleMemory();

    // Slices long enough to matter, kept with their place in time so GC pauses can be set against them.
    const longSlices: Array<{ start: number; end: number; ms: number }> = [];
    let longestSyncSlice = 0;
    const gcPauses = watchGcPauses();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const stalls = watchLoopStalls();
    const started = performance.now();
    const { succeeded, failed, batchIds } = await run(0, SENDS, (ms, start) => {
      longestSyncSlice = Math.max(longestSyncSlice, ms);
      if (ms > MAX_BLOCK_MS / 10) longSlices.push({ start, end: performance.now(), ms });
    });
    const seconds = (performance.now() - started) / 1000;
    loop.disable();
    const longestStallMs = stalls.stop();
    const pauses = await gcPauses.stop();
    const longestOwnSlice = Math.max(0, ...longSlices.map((slice) => withoutGc(slice, pauses)));
    const longestGcPause = Math.max(0, ...pauses.map((p) => p.end - p.start));
    const stats = await ask<SandboxStats>('stats');
    const peak = process.memoryUsage();
    const afterwards = await settleMemory();

    const maxDelayMs = loop.max / 1e6;
    diagnostic(
      `${SENDS} sends in ${seconds.toFixed(1)} s (${Math.round(SENDS / seconds)}/s); ` +
        `event loop delay (wall clock) p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${maxDelayMs.toFixed(1)} ms; ` +
        `longest CPU-busy stall ${longestStallMs.toFixed(1)} ms; longest synchronous send() slice ${longestSyncSlice.toFixed(1)} ms, ` +
        `${longestOwnSlice.toFixed(1)} ms without the GC pauses inside it (longest GC pause ${longestGcPause.toFixed(1)} ms); ` +
        `heap ${(baseline.heapUsed / MB).toFixed(1)} → peak ${(peak.heapUsed / MB).toFixed(1)} → ${(afterwards.heapUsed / MB).toFixed(1)} MB; ` +
        `RSS ${(baseline.rss / MB).toFixed(0)} → peak ${(peak.rss / MB).toFixed(0)} → ${(afterwards.rss / MB).toFixed(0)} MB`,
    );

    assert.equal(succeeded + failed, SENDS, 'every call settled');
    assert.equal(failed, 0);
    assert.equal(stats.acceptedRequests, succeeded, 'the sandbox accepted exactly the successes');
    assert.equal(stats.requests, SENDS, 'one request per send');
    assert.equal(stats.distinctRecipients, SENDS);
    assert.equal(stats.duplicates, 0);
    assert.equal(batchIds.size, SENDS);
    assert.ok(afterwards.heapUsed - baseline.heapUsed < HEAP_MARGIN, `heap grew by ${((afterwards.heapUsed - baseline.heapUsed) / MB).toFixed(1)} MB`);
    assert.ok(afterwards.rss - baseline.rss < RSS_MARGIN, `RSS grew by ${((afterwards.rss - baseline.rss) / MB).toFixed(1)} MB`);
    assert.ok(longestOwnSlice < MAX_BLOCK_MS, `send() held the event loop for ${longestOwnSlice.toFixed(1)} ms besides garbage collection`);
    // The wall-clock loop delay and CPU-busy stalls are reported, not asserted: at 200 requests in
    // flight one loop turn handles up to 200 completions (HTTP parsing, axios, the caller's next
    // send), each well under a millisecond, so a turn's length measures saturation, not one blocking task.
  });

  it('reports how long one 50,000-recipient send holds the event loop while it validates', async () => {
    const mobiles = Array.from({ length: 50_000 }, (_, i) => mobile(i));
    const [sending, blockMs] = blockMsOf(() => sms.send({ mobiles, variables: ['big'] }));
    assert.equal((await sending).recipients, 50_000);
    diagnostic(`one send to 50,000 recipients: ${blockMs.toFixed(0)} ms of synchronous validation and encoding`);
  });
});
