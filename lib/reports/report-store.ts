import type { ChonrySmsDeliveryReport } from '../account';

/**
 * Where reports wait between their arrival (a pull, a push) and their handler's success. The
 * provider hands each report out once: a report is saved before anyone sees it, and removed only
 * once the handler resolved for it.
 */
export interface ChonrySmsReportStore {
  /** Keeps the reports (a report already kept, same `smUuid`, is overwritten). */
  save(account: string, reports: readonly ChonrySmsDeliveryReport[]): Promise<void>;
  /** Every report of the account still waiting for its handler. */
  pending(account: string): Promise<ChonrySmsDeliveryReport[]>;
  /** Forgets a handled report. */
  remove(account: string, smUuid: string): Promise<void>;
  close?(): Promise<void>;
}

/** In this process only: a crash loses the reports that were pulled and not yet handled. */
export class MemoryReportStore implements ChonrySmsReportStore {
  readonly #byAccount = new Map<string, Map<string, ChonrySmsDeliveryReport>>();

  async save(account: string, reports: readonly ChonrySmsDeliveryReport[]): Promise<void> {
    let kept = this.#byAccount.get(account);
    if (!kept) this.#byAccount.set(account, (kept = new Map()));
    for (const r of reports) kept.set(r.smUuid, r);
  }

  async pending(account: string): Promise<ChonrySmsDeliveryReport[]> {
    return [...(this.#byAccount.get(account)?.values() ?? [])];
  }

  async remove(account: string, smUuid: string): Promise<void> {
    this.#byAccount.get(account)?.delete(smUuid);
  }
}

/** The few ioredis calls the store makes (typed here, so the package's types never name ioredis). */
interface RedisLike {
  hset(key: string, values: Record<string, string>): Promise<number>;
  hvals(key: string): Promise<string[]>;
  hdel(key: string, field: string): Promise<number>;
  ping(): Promise<string>;
  quit(): Promise<string>;
  disconnect(): void;
  on(event: 'error', listener: (err: unknown) => void): unknown;
}

/** A report as JSON: `deliveredAt` as an ISO time. */
function encode(r: ChonrySmsDeliveryReport): string {
  return JSON.stringify({ ...r, deliveredAt: r.deliveredAt.toISOString() });
}

function decode(text: string): ChonrySmsDeliveryReport | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (typeof o.smUuid !== 'string' || typeof o.mobile !== 'string' || typeof o.result !== 'string' || typeof o.deliveredAt !== 'string') return undefined;
    const report: ChonrySmsDeliveryReport = {
      smUuid: o.smUuid,
      mobile: o.mobile,
      result: o.result,
      status: o.status === 'delivered' ? 'delivered' : 'failed',
      deliveredAt: new Date(o.deliveredAt),
    };
    if (typeof o.batchId === 'string') report.batchId = o.batchId;
    return report;
  } catch {
    return undefined;
  }
}

/**
 * Pending reports in a Redis hash per account (`<prefix>:reports:<account>:pending`, field
 * `smUuid`), so they survive a crash and a new process hands them out first. ioredis is loaded
 * when this store is created, never by the package's root.
 */
export class RedisReportStore implements ChonrySmsReportStore {
  private constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  /** Connects (and checks the connection with a PING) before the module starts. */
  static async connect(connection: Record<string, unknown> | string, prefix: string): Promise<RedisReportStore> {
    let Redis: new (c: unknown) => RedisLike;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Redis = (require('ioredis') as { Redis: new (c: unknown) => RedisLike }).Redis;
    } catch {
      throw new Error('ChonrySmsReportsModule: the redis option needs the ioredis package (npm install ioredis)');
    }
    const redis = new Redis(connection);
    redis.on('error', () => undefined); // commands reject on their own; the listener keeps ioredis from printing
    try {
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new Error(`ChonrySmsReportsModule: Redis is unavailable (${(err as { code?: string })?.code ?? 'no answer'})`, { cause: err });
    }
    return new RedisReportStore(redis, prefix);
  }

  private key(account: string): string {
    return `${this.prefix}:reports:${account}:pending`;
  }

  async save(account: string, reports: readonly ChonrySmsDeliveryReport[]): Promise<void> {
    if (reports.length === 0) return;
    await this.redis.hset(this.key(account), Object.fromEntries(reports.map((r) => [r.smUuid, encode(r)])));
  }

  async pending(account: string): Promise<ChonrySmsDeliveryReport[]> {
    return (await this.redis.hvals(this.key(account))).map(decode).filter((r): r is ChonrySmsDeliveryReport => r !== undefined);
  }

  async remove(account: string, smUuid: string): Promise<void> {
    await this.redis.hdel(this.key(account), smUuid);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
