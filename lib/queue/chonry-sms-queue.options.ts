import { ChonrySmsConfigError } from '../errors';
import { wholeNumberOption } from '../errors/option-checks';
import { MAX_MESSAGES_PER_REQUEST, MAX_MOBILES_PER_REQUEST } from '../validation';
import { CHONRY_SMS_DEFAULT_QUEUE_NAME } from './chonry-sms-queue.constants';

/** Where Redis is: a `redis://` / `rediss://` URL, or host and port. */
export type ChonrySmsQueueConnection =
  | { url: string }
  | { host?: string; port?: number; username?: string; password?: string; db?: number; tls?: boolean };

/** What `ChonrySmsQueueModule.forRoot()` / `forRootAsync()` accept. */
export interface ChonrySmsQueueModuleOptions {
  /** Redis; default `redis://127.0.0.1:6379`. */
  connection?: ChonrySmsQueueConnection;
  /** BullMQ queue name; default `chonry-sms`. Every instance that shares a campaign uses the same one. */
  queueName?: string;
  /** BullMQ key prefix; default `bull`. */
  prefix?: string;
  /** Run workers in this process; default true. `false` makes an enqueue-only instance. */
  workers?: boolean;
  /** Jobs one process works on at once; default 1. The rate limit holds whatever this is. */
  concurrency?: number;
  /** The global rate limit, in provider requests: at most `max` in any sliding window of `duration` ms, across every worker. */
  limiter?: { max: number; duration: number };
  /** Tries per job for failures that provably sent nothing (`delivery: 'not-sent'`); default 5. */
  attempts?: number;
  /** Wait before the first retry, in ms, doubled at each further retry; default 1000. */
  backoffDelay?: number;
  /** Provider rejection codes worth retrying (e.g. `['9010']` to wait for a top-up); default none. */
  retryApiCodes?: string[];
  /** Recipients per job (one provider request each); default and maximum 50,000 (10,000 for personalised sends). */
  batchSize?: number;
  /** How long campaign state and idempotency keys stay in Redis, in seconds; default 7 days. */
  campaignTtl?: number;
  /** BullMQ's job lock, in ms: a worker that dies is noticed after about this long; default 30000. */
  lockDuration?: number;
  /** How often workers look for jobs whose worker died, in ms; default 30000. */
  stalledInterval?: number;
  /**
   * The longest a Redis step of `enqueue()`, `getCampaign()`, start-up or shutdown may take, in
   * ms, connecting included; default 5000. Past it the call rejects with
   * `ChonrySmsQueueUnavailableError`. Workers are not bound by it: they wait for Redis to return.
   */
  redisTimeout?: number;
}

/** The queue options after checking, with defaults applied. */
export interface ResolvedChonrySmsQueueOptions {
  readonly connection: RedisConnectionOptions;
  readonly queueName: string;
  readonly prefix: string;
  readonly workers: boolean;
  readonly concurrency: number;
  readonly limiter?: { readonly max: number; readonly duration: number };
  readonly attempts: number;
  readonly backoffDelay: number;
  readonly retryApiCodes: readonly string[];
  readonly batchSize: number;
  readonly campaignTtlMs: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly redisTimeout: number;
}

/** Connection settings in the form both BullMQ and ioredis take. */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
}

const DEFAULT_CAMPAIGN_TTL_S = 7 * 24 * 3600;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function wholeNumber(o: Record<string, unknown>, key: string, fallback: number, min: number, max: number, path = `queue.${key}`): number {
  return wholeNumberOption(o[key], path, fallback, min, max);
}

function name(o: Record<string, unknown>, key: string, fallback: string): string {
  const value = o[key] ?? fallback;
  // `:` separates BullMQ's key parts, so names with one would read other queues' keys.
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ChonrySmsConfigError(`queue.${key}`, 'must be 1-100 letters, digits, _ . or -');
  }
  return value;
}

export function toRedisConnection(connection: unknown): RedisConnectionOptions {
  if (connection === undefined || connection === null) return { host: '127.0.0.1', port: 6379 };
  if (typeof connection !== 'object') throw new ChonrySmsConfigError('queue.connection', 'must be { url } or { host, port }');
  const c = connection as Record<string, unknown>;
  if ('url' in c) {
    let url: URL;
    try {
      url = new URL(String(c.url));
    } catch {
      throw new ChonrySmsConfigError('queue.connection.url', 'must be a redis:// or rediss:// URL');
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new ChonrySmsConfigError('queue.connection.url', 'must be a redis:// or rediss:// URL');
    }
    const db = url.pathname.replace(/^\//, '');
    if (db !== '' && !/^\d+$/.test(db)) throw new ChonrySmsConfigError('queue.connection.url', 'may name only a database number as its path');
    return {
      host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: url.port ? Number(url.port) : 6379,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    };
  }
  const port = c.port ?? 6379;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ChonrySmsConfigError('queue.connection.port', `must be a port number (got ${String(port)})`);
  }
  if (c.host !== undefined && (typeof c.host !== 'string' || c.host === '')) {
    throw new ChonrySmsConfigError('queue.connection.host', 'must be a non-empty string');
  }
  return {
    host: (c.host as string | undefined) ?? '127.0.0.1',
    port,
    ...(typeof c.username === 'string' ? { username: c.username } : {}),
    ...(typeof c.password === 'string' ? { password: c.password } : {}),
    ...(typeof c.db === 'number' ? { db: c.db } : {}),
    ...(c.tls === true ? { tls: {} } : {}),
  };
}

/** Checks the queue options; throws `ChonrySmsConfigError` naming the first bad one. */
export function resolveChonrySmsQueueOptions(options: ChonrySmsQueueModuleOptions | undefined | null): ResolvedChonrySmsQueueOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object') throw new ChonrySmsConfigError('queue', 'options must be an object');
  let limiter: ResolvedChonrySmsQueueOptions['limiter'];
  if (o.limiter !== undefined && o.limiter !== null) {
    const l = o.limiter as Record<string, unknown>;
    limiter = Object.freeze({
      max: wholeNumber(l, 'max', NaN, 1, 1_000_000, 'queue.limiter.max'),
      duration: wholeNumber(l, 'duration', NaN, 1, 86_400_000, 'queue.limiter.duration'),
    });
  }
  const retryApiCodes = o.retryApiCodes ?? [];
  if (!Array.isArray(retryApiCodes) || !retryApiCodes.every((c) => typeof c === 'string')) {
    throw new ChonrySmsConfigError('queue.retryApiCodes', 'must be an array of code strings such as "9010"');
  }
  if (o.workers !== undefined && typeof o.workers !== 'boolean') {
    throw new ChonrySmsConfigError('queue.workers', 'must be true or false');
  }
  return Object.freeze({
    connection: toRedisConnection(o.connection),
    queueName: name(o, 'queueName', CHONRY_SMS_DEFAULT_QUEUE_NAME),
    prefix: name(o, 'prefix', 'bull'),
    workers: (o.workers as boolean | undefined) ?? true,
    concurrency: wholeNumber(o, 'concurrency', 1, 1, 1000),
    limiter,
    attempts: wholeNumber(o, 'attempts', 5, 1, 100),
    backoffDelay: wholeNumber(o, 'backoffDelay', 1000, 0, 3_600_000),
    retryApiCodes: Object.freeze([...(retryApiCodes as string[])]),
    batchSize: wholeNumber(o, 'batchSize', MAX_MOBILES_PER_REQUEST, 1, MAX_MOBILES_PER_REQUEST),
    campaignTtlMs: wholeNumber(o, 'campaignTtl', DEFAULT_CAMPAIGN_TTL_S, 60, 366 * 24 * 3600) * 1000,
    lockDuration: wholeNumber(o, 'lockDuration', 30_000, 1000, 3_600_000),
    stalledInterval: wholeNumber(o, 'stalledInterval', 30_000, 100, 3_600_000),
    redisTimeout: wholeNumber(o, 'redisTimeout', 5_000, 100, 600_000),
  });
}

/** Recipients per job for each kind of send. */
export function jobSize(options: ResolvedChonrySmsQueueOptions, personalized: boolean): number {
  return personalized ? Math.min(options.batchSize, MAX_MESSAGES_PER_REQUEST) : options.batchSize;
}
