import { setTimeout as sleep } from 'node:timers/promises';

/** Spaces request starts at least `1000 / requestsPerSecond` ms apart, so no second holds more than the limit. */
export class RequestRateLimiter {
  private readonly intervalMs: number;
  private nextSlot = 0;

  constructor(requestsPerSecond: number) {
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /**
   * Resolves when the caller may start its request; each call takes the next free slot. Resolves
   * early (with no timer left behind) when `signal` aborts; the caller checks it.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now && !signal?.aborted) await sleep(Math.ceil(slot - now), undefined, { signal }).catch(() => undefined);
  }
}
