import { Injectable } from '@nestjs/common';
import type { ChonrySmsReportEvent } from 'nestjs-chonry-sms';

/** How many reports `GET /reports` keeps (the oldest go first). */
export const RECEIVED_REPORTS_LIMIT = 1_000;

/** A delivery report as `GET /reports` shows it. */
export interface ReceivedReport {
  smUuid: string;
  mobile: string;
  batchId?: string;
  account: string;
  source: 'pull' | 'push';
  status: 'delivered' | 'failed';
  result: string;
  deliveredAt: string;
}

/**
 * The sample's report handler: it keeps the last reports in memory. A real app writes them to its
 * database here, idempotently by `smUuid` (the same report can come again after a restart).
 */
@Injectable()
export class ReceivedReports {
  readonly #reports: ReceivedReport[] = [];
  /** `<path>/<token>` of the push receiver, when push is on (never logged). */
  pushPath?: string;

  add(event: ChonrySmsReportEvent): void {
    if (this.#reports.some((r) => r.smUuid === event.smUuid && r.account === event.account)) return;
    this.#reports.push({
      smUuid: event.smUuid,
      mobile: event.mobile,
      batchId: event.batchId,
      account: event.account,
      source: event.source,
      status: event.status,
      result: event.result,
      deliveredAt: event.deliveredAt.toISOString(),
    });
    if (this.#reports.length > RECEIVED_REPORTS_LIMIT) this.#reports.splice(0, this.#reports.length - RECEIVED_REPORTS_LIMIT);
  }

  /** Newest first; `batchId` filters. */
  list(batchId?: string): ReceivedReport[] {
    const all = [...this.#reports].reverse();
    return batchId ? all.filter((r) => r.batchId === batchId) : all;
  }
}
