import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { ChonrySmsDeliveryReport } from '../account';

/** Where a delivery report came from. */
export type ChonrySmsReportSource = 'pull' | 'push';

/** One delivery report on the stream: the provider's report, the account it belongs to, and how it came. */
export interface ChonrySmsReportEvent extends ChonrySmsDeliveryReport {
  /** The registration's name; `'default'` for the unnamed one. */
  account: string;
  source: ChonrySmsReportSource;
}

/** How many `smUuid`s the stream remembers to drop repeats (a report pulled and also pushed, a replayed push). */
export const REPORT_DEDUP_WINDOW = 100_000;

/**
 * The one stream of delivery reports, from pulls and pushes alike, each `smUuid` once (per account,
 * among the last `REPORT_DEDUP_WINDOW`). Hot: a subscriber sees the reports published after it
 * subscribed. Completes at application shutdown.
 */
@Injectable()
export class ChonrySmsReportStream implements OnApplicationShutdown {
  readonly #subject = new Subject<ChonrySmsReportEvent>();
  // Insertion-ordered: the oldest key is dropped first once the window is full.
  readonly #seen = new Set<string>();

  /** Every new report, once. */
  readonly reports$: Observable<ChonrySmsReportEvent> = this.#subject.asObservable();

  /** Publishes the reports not seen before and returns them (the repeats are dropped). */
  publish(account: string, source: ChonrySmsReportSource, reports: readonly ChonrySmsDeliveryReport[]): ChonrySmsReportEvent[] {
    const fresh: ChonrySmsReportEvent[] = [];
    for (const report of reports) {
      const key = `${account}\u0000${report.smUuid}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      if (this.#seen.size > REPORT_DEDUP_WINDOW) this.#seen.delete(this.#seen.values().next().value as string);
      fresh.push({ ...report, account, source });
    }
    for (const event of fresh) this.#subject.next(event);
    return fresh;
  }

  onApplicationShutdown(): void {
    this.#subject.complete();
  }
}
