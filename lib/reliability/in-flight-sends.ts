import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { CHONRY_SMS_RESOLVED_OPTIONS } from '../chonry-sms.constants';
import { chonrySmsLoggerContext } from '../chonry-sms.logger';
import type { ResolvedChonrySmsOptions } from '../chonry-sms.options';
import { ChonrySmsTransportError } from '../errors';

/**
 * Tracks every send between validation and its final answer. On shutdown it refuses new sends,
 * waits up to `shutdownGracePeriod` for the ones in flight, then cancels the rest, which reject
 * with a `shutdown` error: no send is ever left unsettled.
 */
@Injectable()
export class ChonrySmsInFlightSends implements OnModuleDestroy {
  private readonly logger: Logger;
  private readonly running = new Set<Promise<unknown>>();
  private readonly cancel = new AbortController();
  private readonly closing = new AbortController();

  constructor(@Inject(CHONRY_SMS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsOptions) {
    this.logger = new Logger(chonrySmsLoggerContext(options.account));
    // Every send in flight listens on this one signal (and stops listening when it settles).
    setMaxListeners(0, this.cancel.signal, this.closing.signal);
  }

  /** Aborts when shutdown begins: long-running work (a bulk send) stops starting new requests. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** The error of a send refused because shutdown has begun (nothing was sent). */
  static refusal(): ChonrySmsTransportError {
    return new ChonrySmsTransportError('shutdown', 'not-sent', 'the application is shutting down and takes no new sends');
  }

  /** How many sends are in flight now. */
  get size(): number {
    return this.running.size;
  }

  /** Runs one send; `cancel` aborts when the grace period ends. Rejects at once once shutdown has begun. */
  run<T>(send: (cancel: AbortSignal) => Promise<T>): Promise<T> {
    if (this.closing.signal.aborted) return Promise.reject(ChonrySmsInFlightSends.refusal());
    const settled = send(this.cancel.signal);
    const tracked: Promise<unknown> = settled.then(
      () => this.running.delete(tracked),
      () => this.running.delete(tracked),
    );
    this.running.add(tracked);
    return settled;
  }

  // Runs after the destroy hooks of every module that imports this one, so their last sends still go out.
  async onModuleDestroy(): Promise<void> {
    this.closing.abort();
    if (this.running.size === 0) return;
    const grace = this.options.shutdownGracePeriod;
    this.logger.log(`Shutting down: waiting up to ${grace} ms for ${this.running.size} SMS send(s) in flight`);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, grace, 'timeout')));
    const outcome = await Promise.race([Promise.all(this.running).then(() => 'drained' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'timeout' && this.running.size > 0) {
      this.logger.warn(`Shutdown grace period of ${grace} ms is over: cancelling ${this.running.size} SMS send(s); they reject with kind 'shutdown'`);
      this.cancel.abort();
      await Promise.all(this.running);
    }
  }
}
