import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ChonrySmsDeliveryReport } from '../account';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import type { ChonrySmsService } from '../chonry-sms.service';
import { chonrySmsTokens } from '../chonry-sms.tokens';
import { ChonrySmsDeliveryReportsError, ChonrySmsError } from '../errors';
import { isError } from '../realm';
import type { ChonrySmsReportStore } from './report-store';
import { ChonrySmsReportSource, ChonrySmsReportStream } from './report-stream';
import { CHONRY_SMS_REPORT_STORE, CHONRY_SMS_REPORTS_LOGGER_CONTEXT, CHONRY_SMS_REPORTS_RESOLVED_OPTIONS } from './reports.constants';
import type { ResolvedChonrySmsReportsOptions } from './reports.options';

/** How many handled `smUuid`s (per process) are remembered, so a replayed push does not reach the handler again. */
const HANDLED_WINDOW = 100_000;

/** What became of a batch of reports given to `accept()`. */
export interface ChonrySmsReportsOutcome {
  /** Reports whose handler resolved now or before (a replay). */
  handled: number;
  /** Reports whose handler failed; they stay in the store. */
  failed: number;
}

/**
 * A short, safe description of an error of any realm (a handler's, a store's, Node's own): name and
 * message, cut at 500 characters unless it is the module's own error, whose message is redacted already.
 */
export function describeError(err: unknown): string {
  if (!isError(err)) return 'a non-Error value';
  const text = `${err.name}: ${err.message}`;
  return err instanceof ChonrySmsError ? text : text.slice(0, 500);
}

/**
 * The one path every report takes, pulled or pushed: saved to the store, published on the stream,
 * given to the handler, removed from the store once the handler resolved. Also the poller.
 */
@Injectable()
export class ChonrySmsReportsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CHONRY_SMS_REPORTS_LOGGER_CONTEXT);
  private readonly services = new Map<string, ChonrySmsService>();
  private readonly timeZones = new Map<string, string>();
  // Insertion-ordered: the oldest is forgotten first.
  private readonly handled = new Set<string>();
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ticks = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    @Inject(CHONRY_SMS_REPORTS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsReportsOptions,
    @Inject(CHONRY_SMS_REPORT_STORE) private readonly store: ChonrySmsReportStore,
    private readonly stream: ChonrySmsReportStream,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The time zone the account's provider times are read in (for pushed `deliverTime`). */
  timeZoneOf(account: string): string {
    return this.timeZones.get(account) ?? 'Asia/Shanghai';
  }

  onApplicationBootstrap(): void {
    for (const account of this.options.accounts) {
      const tokens = chonrySmsTokens(account);
      try {
        this.services.set(account, this.moduleRef.get<ChonrySmsService>(tokens.service, { strict: false }));
        this.timeZones.set(account, this.moduleRef.get<ResolvedChonrySmsOptions>(tokens.resolvedOptions, { strict: false }).timeZone);
      } catch {
        throw new Error(`ChonrySmsReportsModule: no ChonrySmsModule registration for the account '${account}'`);
      }
    }
    // Reports a previous process left pending go out first, polling or not.
    for (const account of this.options.accounts) this.track(this.retryPending(account));
    if (this.options.pollInterval !== undefined) for (const account of this.options.accounts) this.schedule(account);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.ticks.size > 0) await Promise.allSettled([...this.ticks]);
    await this.store.close?.();
  }

  /** One poll of every account now (what each tick does): pending reports first, then a pull. */
  async pollOnce(): Promise<void> {
    await Promise.all(this.options.accounts.map((a) => this.tick(a)));
  }

  private track(p: Promise<void>): void {
    this.ticks.add(p);
    void p.finally(() => this.ticks.delete(p));
  }

  private schedule(account: string): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // The next tick is planned only once this one ended: ticks never overlap.
      const tick = this.tick(account).finally(() => this.schedule(account));
      this.track(tick);
    }, this.options.pollInterval);
    timer.unref?.();
    this.timers.add(timer);
  }

  private async tick(account: string): Promise<void> {
    if (this.stopped) return;
    await this.retryPending(account);
    if (this.stopped) return;
    const service = this.services.get(account);
    if (!service) return;
    let reports: readonly ChonrySmsDeliveryReport[];
    try {
      reports = await service.pullDeliveryReports();
    } catch (err) {
      if (!(err instanceof ChonrySmsDeliveryReportsError)) {
        this.logger.warn(`Pulling delivery reports of '${account}' failed; next try in ${this.options.pollInterval ?? 0} ms (${describeError(err)})`);
        return;
      }
      this.logger.warn(`'${account}': ${err.malformed} pulled delivery report(s) were not in the provider's format and are lost; ${err.reports.length} well-formed kept`);
      reports = err.reports;
    }
    if (reports.length === 0) return;
    try {
      await this.accept(account, 'pull', reports);
    } catch (err) {
      // The store refused them: the provider will not hand them out again.
      this.logger.error(`'${account}': ${reports.length} pulled delivery report(s) could not be stored and are lost (${describeError(err)})`);
    }
  }

  private async retryPending(account: string): Promise<void> {
    try {
      const pending = await this.store.pending(account);
      if (pending.length > 0) await this.deliver(account, 'pull', pending);
    } catch (err) {
      this.logger.warn(`'${account}': pending delivery reports could not be read from the store (${describeError(err)})`);
    }
  }

  /**
   * Takes reports that just arrived: stores them (a store failure rejects, nothing was published),
   * then publishes and hands each to the handler. Resolves with what the handler made of them.
   */
  async accept(account: string, source: ChonrySmsReportSource, reports: readonly ChonrySmsDeliveryReport[]): Promise<ChonrySmsReportsOutcome> {
    const fresh = reports.filter((r) => !this.handled.has(this.key(account, r.smUuid)));
    if (fresh.length > 0) await this.store.save(account, fresh);
    const outcome = await this.deliver(account, source, fresh);
    return { handled: outcome.handled + reports.length - fresh.length, failed: outcome.failed };
  }

  private key(account: string, smUuid: string): string {
    return `${account}\u0000${smUuid}`;
  }

  private async deliver(account: string, source: ChonrySmsReportSource, reports: readonly ChonrySmsDeliveryReport[]): Promise<ChonrySmsReportsOutcome> {
    const results = await Promise.all(reports.map((r) => this.deliverOne(account, source, r)));
    const handled = results.filter(Boolean).length;
    return { handled, failed: results.length - handled };
  }

  /** One report to the stream and the handler; the same report arriving meanwhile waits for this one. */
  private deliverOne(account: string, source: ChonrySmsReportSource, report: ChonrySmsDeliveryReport): Promise<boolean> {
    const key = this.key(account, report.smUuid);
    if (this.handled.has(key)) return this.store.remove(account, report.smUuid).then(() => true, () => true);
    const running = this.running.get(key);
    if (running) return running;
    const run = (async () => {
      this.stream.publish(account, source, [report]);
      try {
        await this.options.handler?.({ ...report, account, source });
      } catch (err) {
        this.logger.warn(`The delivery report handler failed for a report of '${account}'; it is kept for a retry (${describeError(err)})`);
        return false;
      }
      this.handled.add(key);
      if (this.handled.size > HANDLED_WINDOW) this.handled.delete(this.handled.values().next().value as string);
      try {
        await this.store.remove(account, report.smUuid);
      } catch (err) {
        // Handled; at worst handed out again after a restart.
        this.logger.warn(`A handled delivery report of '${account}' could not be removed from the store (${describeError(err)})`);
      }
      return true;
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }
}
