// The queue's two figures (`npm run bench` runs this after the HTTP scenarios):
// - enqueue: `ChonrySmsQueue.enqueue()` of N numbers (validated, chunked, written with its
//   campaign state) against BullMQ's own `addBulk` of the same chunks, unvalidated;
// - campaign: full-size jobs sent by two worker processes under `limiter: { max, duration }`, against
//   the best that limiter allows (ceil(jobs / max) - 1 windows of `duration`).
// Run as `node bench/queue-bench.js <providerUrl> [--short]`; prints JSON lines for the orchestrator.
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ChonrySmsModule } from '../lib';
import { ChonrySmsQueue, ChonrySmsQueueModule } from '../lib/queue';
import { BENCH_ACCESS_KEY, BENCH_SECRET, BENCH_TEMPLATE_ID, benchNumbers, PLAIN_VARIABLES } from './bench-scenarios';

export interface QueueBenchReport {
  enqueue?: { numbers: number; oursMs: number; addBulkMs: number };
  campaign?: { jobs: number; perJob: number; max: number; duration: number; ms: number; bestMs: number };
  skipped?: string;
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENQUEUE_ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function appModule(providerUrl: string, prefix: string, queueName: string, workers: boolean, limiter?: { max: number; duration: number }, batchSize?: number) {
  @Module({
    imports: [
      ChonrySmsModule.forRoot({ accessKey: BENCH_ACCESS_KEY, secret: BENCH_SECRET, baseUrl: providerUrl, templateId: BENCH_TEMPLATE_ID, timeout: 60_000 }),
      ChonrySmsQueueModule.forRoot({ connection: { url: REDIS_URL }, prefix, queueName, workers, concurrency: 2, ...(limiter ? { limiter } : {}), ...(batchSize ? { batchSize } : {}) }),
    ],
  })
  class BenchQueueModule {}
  return BenchQueueModule;
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

async function enqueueFigure(providerUrl: string, numbers: number): Promise<QueueBenchReport['enqueue']> {
  const prefix = `chonry-bench-${randomUUID()}`;
  const mobiles = benchNumbers(numbers);
  const app = await NestFactory.createApplicationContext(appModule(providerUrl, prefix, 'enqueue', false), { logger: false, abortOnError: false });
  const raw = new Queue('raw', { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
  try {
    const queue = app.get(ChonrySmsQueue);
    const ours = async () => {
      const t = performance.now();
      await queue.enqueue({ mobiles, variables: PLAIN_VARIABLES });
      return performance.now() - t;
    };
    const addBulk = async () => {
      const t = performance.now();
      const jobs = [];
      for (let i = 0; i < mobiles.length; i += 50_000) jobs.push({ name: 'send', data: { mobiles: mobiles.slice(i, i + 50_000), variables: PLAIN_VARIABLES } });
      await raw.addBulk(jobs);
      return performance.now() - t;
    };
    // One warm-up round of each, then rounds taking turns (each starting with the other one); the
    // median of each, as the HTTP scenarios take the median round: one sample of each was as noisy
    // as the margin this row is judged by.
    await ours();
    await addBulk();
    const oursMs: number[] = [];
    const addBulkMs: number[] = [];
    for (let round = 0; round < ENQUEUE_ROUNDS; round++) {
      if (round % 2 === 0) {
        oursMs.push(await ours());
        addBulkMs.push(await addBulk());
      } else {
        addBulkMs.push(await addBulk());
        oursMs.push(await ours());
      }
    }
    return { numbers, oursMs: median(oursMs), addBulkMs: median(addBulkMs) };
  } finally {
    await raw.close();
    await app.close();
    await deleteKeys(prefix);
  }
}

function startWorker(providerUrl: string, prefix: string, limiter: { max: number; duration: number }, batchSize: number): Promise<ChildProcess> {
  const child = fork(__filename, ['--worker', providerUrl, prefix, JSON.stringify(limiter), String(batchSize)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`queue bench worker exited with ${code}`)));
  });
}

async function campaignFigure(providerUrl: string, jobs: number, perJob: number): Promise<QueueBenchReport['campaign']> {
  const prefix = `chonry-bench-${randomUUID()}`;
  const limiter = { max: 4, duration: 1_000 };
  const workers = await Promise.all([startWorker(providerUrl, prefix, limiter, perJob), startWorker(providerUrl, prefix, limiter, perJob)]);
  const app = await NestFactory.createApplicationContext(appModule(providerUrl, prefix, 'campaign', false, limiter, perJob), { logger: false, abortOnError: false });
  try {
    const queue = app.get(ChonrySmsQueue);
    const { campaignId } = await queue.enqueue({ mobiles: benchNumbers(jobs * perJob), variables: PLAIN_VARIABLES });
    // Timed from the moment every job is in Redis: the workers start at once.
    const started = performance.now();
    for (;;) {
      const c = await queue.getCampaign(campaignId);
      if (c.pending === 0) {
        if (c.failed > 0) throw new Error(`campaign bench: ${c.failed} recipients failed`);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - started;
    return { jobs, perJob, ...limiter, ms, bestMs: (Math.ceil(jobs / limiter.max) - 1) * limiter.duration };
  } finally {
    await app.close();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(undefined) : w.once('exit', r)))));
    await deleteKeys(prefix);
  }
}

async function worker(providerUrl: string, prefix: string, limiter: { max: number; duration: number }, batchSize: number): Promise<void> {
  const app: INestApplicationContext = await NestFactory.createApplicationContext(appModule(providerUrl, prefix, 'campaign', true, limiter, batchSize), { logger: false, abortOnError: false });
  app.enableShutdownHooks();
  process.send!({ type: 'ready' });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') return worker(args[1], args[2], JSON.parse(args[3]) as { max: number; duration: number }, Number(args[4]));
  const providerUrl = args[0];
  const short = args.includes('--short');
  const probe = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
  } catch {
    process.send!({ type: 'queue-report', report: { skipped: `no Redis at ${REDIS_URL.replace(/\/\/[^@]*@/, '//')}` } satisfies QueueBenchReport });
    return;
  } finally {
    probe.disconnect();
  }
  const report: QueueBenchReport = {
    enqueue: await enqueueFigure(providerUrl, short ? 100_000 : 1_000_000),
    campaign: await campaignFigure(providerUrl, short ? 8 : 16, short ? 10_000 : 50_000),
  };
  process.send!({ type: 'queue-report', report });
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.send?.({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exitCode = 1;
});

