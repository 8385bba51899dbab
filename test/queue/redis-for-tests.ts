import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ChonrySmsCampaign, ChonrySmsQueue } from '../../lib/queue';

/** The Redis the queue tests use; `scripts/ensure-redis.sh` starts one. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const PING = `
const u = new URL(process.argv[1]);
const s = require('net').connect(+(u.port || 6379), u.hostname.replace(/^\\[|\\]$/g, ''));
const fail = () => process.exit(1);
s.setTimeout(1000, fail); s.on('error', fail);
s.on('connect', () => s.write('PING\\r\\n'));
s.on('data', (d) => process.exit(/^(\\+PONG|-NOAUTH)/.test(String(d)) ? 0 : 1));
`;

/**
 * Whether the queue tests can run. Checked synchronously so a whole suite can be skipped. Under
 * CI=true a missing Redis is a failure (the suite runs and fails), elsewhere a visible skip.
 */
export function redisSkipReason(): string | false {
  const up = spawnSync(process.execPath, ['-e', PING, REDIS_URL], { timeout: 3000 }).status === 0;
  if (up) return false;
  const reason = `no Redis at ${REDIS_URL}: queue tests skipped (run scripts/ensure-redis.sh or set REDIS_URL)`;
  if (process.env.CI === 'true') return false;
  process.stderr.write(`\n*** ${reason} ***\n\n`);
  return reason;
}

/** A key prefix of its own for one test run, so runs never share or leave state. */
export function uniquePrefix(): string {
  return `chonry-test-${randomUUID().slice(0, 8)}`;
}

/** A client for the test's own checks and clean-up; fails clearly (under CI=true) when Redis is missing. */
export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${REDIS_URL} is required under CI=true (run scripts/ensure-redis.sh): ${(err as Error).message}`, { cause: err });
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A test's teardown of its Redis: every key under `prefix` deleted, the connection closed (if it was opened). */
export async function releaseRedis(redis: Redis | undefined, prefix: string): Promise<void> {
  if (!redis) return;
  await deleteKeys(redis, prefix);
  redis.disconnect();
}

/** `n` distinct valid mobiles (China Mobile 139 numbers, which libphonenumber accepts). */
export function mobiles(n: number, offset = 0): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = `86139${String(offset + i).padStart(8, '0')}`;
  return out;
}

/** Polls until `check` returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no recipient of the campaign is pending, and returns it. */
export function settled(queue: ChonrySmsQueue, campaignId: string, ms: number): Promise<ChonrySmsCampaign> {
  return eventually(async () => {
    const c = await queue.getCampaign(campaignId);
    return c.pending === 0 ? c : undefined;
  }, ms, `campaign ${campaignId} to settle`);
}
