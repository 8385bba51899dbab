import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from './chonry-sms-queue.options';
import { isError } from '../realm';

/** A Redis step that did not complete; `mayHaveRun` is false only where it provably never reached Redis. */
export class RedisStepFailure extends Error {
  constructor(
    readonly mayHaveRun: boolean,
    readonly reason: string,
  ) {
    super(reason);
  }
}

// ioredis refuses a command without sending it while it is not connected (no offline queue).
const REFUSED_UNSENT = /Stream isn't writeable/;

/** The part of an error that names what happened, without anything a message could carry along. */
export function redisFailureReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]{3,30}$/.test(code)) return code === 'ECONNREFUSED' ? 'connection refused' : code;
  const message = isError(err) ? err.message : String(err);
  if (REFUSED_UNSENT.test(message)) return 'not connected';
  // Redis's own replies (NOAUTH, WRONGPASS, OOM, …) start with an upper-case word; keep only that.
  const word = /^([A-Z]{3,20})\b/.exec(message)?.[1];
  if (word) return `Redis answered ${word}`;
  return /timed out/i.test(message) ? 'command timed out' : 'connection lost';
}

/** `host:port` of a connection, for messages and logs (never its password). */
export function describeRedis(connection: RedisConnectionOptions): string {
  return `${connection.host.includes(':') ? `[${connection.host}]` : connection.host}:${connection.port}`;
}

/**
 * Bounds every Redis step of a queue call: a step waits for the connection (if it is down) and for
 * its answer, within `timeoutMs` in all, and rejects with a `RedisStepFailure` otherwise. A step
 * that is still waiting for the connection when time runs out is never sent later.
 */
export class RedisGuard {
  constructor(
    private readonly redis: Redis,
    readonly timeoutMs: number,
  ) {}

  async run<T>(command: () => Promise<T>): Promise<T> {
    let started = false;
    let lastError: unknown;
    let timer: NodeJS.Timeout | undefined;
    let stopWaiting = () => undefined as void;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stopWaiting();
        reject(new RedisStepFailure(started, lastError === undefined ? `no answer within ${this.timeoutMs} ms` : redisFailureReason(lastError)));
      }, this.timeoutMs);
    });
    const work = (async () => {
      if (this.redis.status !== 'ready') {
        await new Promise<void>((resolve) => {
          const onError = (err: unknown) => (lastError = err);
          stopWaiting = () => {
            this.redis.off('ready', resolve);
            this.redis.off('error', onError);
          };
          this.redis.once('ready', resolve);
          this.redis.on('error', onError);
        });
        stopWaiting();
      }
      started = true;
      try {
        return await command();
      } catch (err) {
        throw new RedisStepFailure(!REFUSED_UNSENT.test(isError(err) ? err.message : ''), redisFailureReason(err));
      }
    })();
    // After the deadline, `work` either never runs `command` or its outcome is no longer awaited.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
