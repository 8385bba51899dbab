import { Logger } from '@nestjs/common';
import { CHONRY_LOGGER_CONTEXT } from '../chonry-sms.constants';
import { ChonrySmsError, ChonrySmsNotSentError, ChonrySmsTransportError } from '../errors';
import { ChonrySmsInFlightSends } from '../reliability/in-flight-sends';
import { isError, isThenable } from '../realm';
import type { ChonrySmsBulkBatch, ChonrySmsBulkFailure, ChonrySmsBulkResult } from '../interfaces/bulk-send.interface';
import type { BulkSettings } from './bulk-options';
import { RateSlot, RequestPacer, RequestRateLimiter } from './request-rate-limiter';

const logger = new Logger(CHONRY_LOGGER_CONTEXT);

/**
 * What one request of a bulk send needs: send a chunk, and name its recipients. With a rate limit,
 * `pace` gives the slot for each attempt (retries included); the sender releases it when the attempt ends.
 */
export interface BulkChunkSender<C> {
  send(chunk: C, pace?: RequestPacer): Promise<{ batchId: string }>;
  mobilesOf(chunk: C): string[];
}

/** What a bulk send is split into chunks of: a list of numbers, or a `MessageList`. */
export interface BulkItems<C extends { readonly length: number }> {
  readonly length: number;
  slice(start: number, end: number): C;
}

function asChonryError(err: unknown): ChonrySmsError {
  if (err instanceof ChonrySmsError) return err;
  // Not expected (the transport and service throw only ChonrySmsError); keep the accounting whole.
  return new ChonrySmsTransportError('network', 'unknown', `unexpected ${isError(err) ? err.name : typeof err} while sending`);
}

/** Slots for one chunk's attempts: `first` for the first, then one per retry, waited for like any other. */
function pacer(limiter: RequestRateLimiter, first: RateSlot, shutdown: AbortSignal | undefined): RequestPacer {
  let unused: RateSlot | undefined = first;
  return async () => {
    const slot = unused ?? (await limiter.acquire(shutdown));
    unused = undefined;
    if (!slot) throw ChonrySmsInFlightSends.refusal();
    return slot;
  };
}

/**
 * Sends `items` (already validated and de-duplicated) in chunks of `chunkSize` with at most
 * `concurrency` requests in flight, accounting for every item. Chunks are slices taken when their
 * request starts, so no stage copies the whole list. When `shutdown` aborts, no new request
 * starts and the chunks not yet started are reported as `shutdown` failures (not sent).
 */
export async function runBulk<C extends { readonly length: number }>(
  items: BulkItems<C>,
  settings: BulkSettings,
  sender: BulkChunkSender<C>,
  shutdown?: AbortSignal,
): Promise<ChonrySmsBulkResult> {
  const total = items.length;
  const { chunkSize, stopOnError } = settings;
  const chunkCount = Math.ceil(total / chunkSize);
  const limiter = settings.requestsPerSecond ? RequestRateLimiter.perSecond(settings.requestsPerSecond) : undefined;
  // One slot per chunk, so batches and failures come out in input order whatever finishes first.
  const outcomes: (ChonrySmsBulkBatch | ChonrySmsBulkFailure | undefined)[] = new Array(chunkCount);
  const progress = { sent: 0, failed: 0, total };
  let next = 0;
  let stoppedBy: ChonrySmsError | undefined;
  let progressFailed = false;

  const report = () => {
    if (!settings.onProgress || progressFailed) return;
    // A broken progress bar must not break the send or its accounting.
    const stop = (err: unknown) => {
      progressFailed = true;
      logger.warn(`onProgress threw ${isError(err) ? err.name : typeof err}; it will not be called again for this bulk send`);
    };
    try {
      const returned: unknown = settings.onProgress({ ...progress });
      // An async callback's rejection would otherwise be unhandled. Any thenable of any realm: a
      // promise of Node's own (fs/promises) is not `instanceof Promise` under Jest's vm context.
      if (isThenable(returned)) returned.then(undefined, stop);
    } catch (err) {
      stop(err);
    }
  };

  const worker = async () => {
    while (!stoppedBy && !shutdown?.aborted && next < chunkCount) {
      // The first attempt's slot is taken before the chunk, so chunks never started stay unsent at shutdown.
      const slot = limiter && (await limiter.acquire(shutdown));
      if (limiter && !slot) return;
      if (stoppedBy || shutdown?.aborted || next >= chunkCount) {
        slot?.cancel();
        return;
      }
      const index = next++;
      const chunk = items.slice(index * chunkSize, (index + 1) * chunkSize);
      try {
        const { batchId } = await sender.send(chunk, limiter && pacer(limiter, slot as RateSlot, shutdown));
        outcomes[index] = { batchId, mobiles: sender.mobilesOf(chunk) };
        progress.sent += chunk.length;
      } catch (err) {
        const error = asChonryError(err);
        outcomes[index] = { error, mobiles: sender.mobilesOf(chunk) };
        progress.failed += chunk.length;
        if (stopOnError) stoppedBy ??= error;
      }
      report();
    }
  };

  await Promise.all(Array.from({ length: Math.min(settings.concurrency, chunkCount) }, worker));

  if (next < chunkCount) {
    const notSent = stoppedBy ? new ChonrySmsNotSentError(stoppedBy) : ChonrySmsInFlightSends.refusal();
    for (let index = next; index < chunkCount; index++) {
      const chunk = items.slice(index * chunkSize, (index + 1) * chunkSize);
      outcomes[index] = { error: notSent, mobiles: sender.mobilesOf(chunk) };
      progress.failed += chunk.length;
    }
    report();
  }

  const batches: ChonrySmsBulkBatch[] = [];
  const failures: ChonrySmsBulkFailure[] = [];
  for (const outcome of outcomes) {
    if (outcome && 'error' in outcome) failures.push(outcome);
    else if (outcome) batches.push(outcome);
  }
  return { total, sent: progress.sent, failed: progress.failed, batches, failures };
}
