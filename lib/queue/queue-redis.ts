import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CHONRY_SMS_QUEUE_LOGGER_CONTEXT, CHONRY_SMS_QUEUE_RESOLVED_OPTIONS } from './chonry-sms-queue.constants';
import { ChonrySmsQueueUnavailableError } from './chonry-sms-queue.errors';
import type { RedisConnectionOptions, ResolvedChonrySmsQueueOptions } from './chonry-sms-queue.options';
import { CHONRY_SMS_BULL_QUEUE, CHONRY_SMS_QUEUE_REDIS } from './chonry-sms-queue.tokens';
import { describeRedis, RedisGuard, RedisStepFailure, redisFailureReason } from './redis-guard';

const logger = new Logger(CHONRY_SMS_QUEUE_LOGGER_CONTEXT);

/** Reconnects quickly (every 0.1 s at first, then every second) so calls work again soon after Redis returns. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

// A failure that goes on is logged again after this long, so the log shows it is still going on.
const RELOG_AFTER_MS = 60_000;

/**
 * Logs a Redis connection's failures through Nest's logger: once each (not once per reconnect
 * attempt; again after a minute if it goes on), with `host:port` and the error's code only. An
 * `error` listener is also what keeps ioredis from printing "Unhandled error event" to stderr.
 */
export function logOutages(emitter: NodeJS.EventEmitter, connection: RedisConnectionOptions, what: string): void {
  let lastReason: string | undefined;
  let loggedAt = 0;
  emitter.on('error', (err: unknown) => {
    const reason = redisFailureReason(err);
    if (reason === lastReason && Date.now() - loggedAt < RELOG_AFTER_MS) return;
    lastReason = reason;
    loggedAt = Date.now();
    logger.warn(`${what}: Redis at ${describeRedis(connection)} is unavailable (${reason}); retrying`);
  });
  emitter.on('ready', () => {
    if (lastReason === undefined) return;
    lastReason = undefined;
    logger.log(`${what}: Redis at ${describeRedis(connection)} is reachable again`);
  });
}

/**
 * The connection of `enqueue()`, `getCampaign()`, the workers' bookkeeping and BullMQ's producer
 * queue. It fails fast instead of waiting for Redis: no offline queue (a command issued while
 * disconnected is refused, never sent later), no re-sending of commands cut off by a reconnect,
 * and `commandTimeout` for a Redis that accepts but never answers.
 */
export function createQueueRedis(o: ResolvedChonrySmsQueueOptions): Redis {
  const redis = new Redis({
    ...o.connection,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.redisTimeout,
    connectTimeout: o.redisTimeout,
    retryStrategy: reconnectDelay,
  });
  logOutages(redis, o.connection, 'SMS queue');
  return redis;
}

/** @internal Checks Redis at start-up (within `redisTimeout`), and closes the connection at shutdown. */
@Injectable()
export class QueueRedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CHONRY_SMS_QUEUE_REDIS) private readonly redis: Redis,
    @Inject(CHONRY_SMS_BULL_QUEUE) private readonly queue: Queue,
    @Inject(CHONRY_SMS_QUEUE_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsQueueOptions,
    private readonly guard: RedisGuard,
  ) {
    // The queue re-emits the errors of its connection (this one, logged by `logOutages`); log only its own.
    queue.on('error', (err) => {
      if (redis.status === 'ready') logger.warn(`SMS queue: BullMQ reported ${redisFailureReason(err)}`);
    });
  }

  /** Fails start-up within `redisTimeout` when Redis cannot be reached, leaving no connection behind. */
  async onModuleInit(): Promise<void> {
    try {
      await this.guard.run(() => this.redis.ping());
      await this.guard.run(() => this.queue.waitUntilReady());
    } catch (err) {
      this.redis.disconnect();
      const reason = err instanceof RedisStepFailure ? err.reason : redisFailureReason(err);
      throw new ChonrySmsQueueUnavailableError('start-up', describeRedis(this.options.connection), this.options.redisTimeout, reason);
    }
  }

  /**
   * Runs after the workers have stopped. `QUIT` is refused at once while disconnected and times out
   * after `redisTimeout` on a Redis that does not answer; either way the connection is then dropped.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
