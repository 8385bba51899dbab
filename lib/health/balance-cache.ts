import type { ChonrySmsService } from '../chonry-sms.service';
import { ChonrySmsApiError, ChonrySmsTransportError } from '../errors';

/** What the health check knows of an account's international SMS balance. */
export interface BalanceReading {
  /** The balance, when the last read gave one. */
  internationalSms?: number;
  /** When that read ended (ISO 8601). */
  readAt?: string;
  /** Why the last read gave no balance: a failure kind or a provider code, never a detail. */
  error?: string;
  /** A read is still under way; the figures above are from the one before. */
  reading?: boolean;
}

interface Entry {
  reading: BalanceReading;
  at: number;
  pending?: Promise<void>;
}

function failureOf(err: unknown): string {
  if (err instanceof ChonrySmsTransportError) return err.kind;
  if (err instanceof ChonrySmsApiError) return `provider code ${err.code}`;
  return 'unexpected failure';
}

/**
 * Balance reads for the health check, at most one per account per `ttl` (successful or not) and
 * never two at once: a health endpoint polled every second must not become a provider call per
 * second. A read slower than the check's own deadline finishes in the background for the next check.
 */
export class BalanceCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttl: number) {}

  async read(account: string, sms: ChonrySmsService, waitMs: number): Promise<BalanceReading> {
    let entry = this.entries.get(account);
    if (!entry || (!entry.pending && performance.now() - entry.at >= this.ttl)) {
      const current: Entry = entry ?? { reading: {}, at: 0 };
      current.pending = sms.getBalance().then(
        (balance) => {
          current.reading = balance.internationalSms === undefined
            ? { readAt: new Date().toISOString(), error: 'the reply lists no international SMS balance' }
            : { internationalSms: balance.internationalSms, readAt: new Date().toISOString() };
        },
        (err: unknown) => {
          current.reading = { ...current.reading, error: failureOf(err) };
        },
      ).finally(() => {
        current.at = performance.now();
        current.pending = undefined;
      });
      this.entries.set(account, current);
      entry = current;
    }
    if (entry.pending) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.pending, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    return entry.pending ? { ...entry.reading, reading: true } : entry.reading;
  }
}
