/** A slot of a `RequestRateLimiter`, taken for one request attempt. */
export interface RateSlot {
  /** The request has ended (answered or failed): the slot frees `durationMs` from now. */
  release(): void;
  /** No request was made with it: the slot frees at once. */
  cancel(): void;
}

/** Resolves with the slot for the next attempt of a request (rejects if none may start). */
export type RequestPacer = () => Promise<RateSlot>;

interface Waiter {
  resolve(slot: RateSlot | undefined): void;
  signal?: AbortSignal;
  onAbort(): void;
}

/**
 * At most `max` requests in any window of `durationMs`, as the server sees them. A slot is held
 * from the moment its request may start until `durationMs` after that request ended, so a
 * request's arrival falls inside its slot whatever the event loop or the network did. Times come
 * from the monotonic clock, not from when timers fire: after a stalled event loop, timers run late
 * and all at once, and a timer set during the stall fires early. Starts are also spaced
 * `durationMs / max` apart, so the requests of a window are spread over it.
 */
export class RequestRateLimiter {
  private readonly spacingMs: number;
  private inFlight = 0;
  // When each released slot frees (performance.now()), ascending.
  private readonly cooling: number[] = [];
  private readonly waiting: Waiter[] = [];
  private lastStart = -Infinity;
  private wake?: NodeJS.Timeout;

  constructor(
    private readonly max: number,
    private readonly durationMs: number,
  ) {
    this.spacingMs = durationMs / max;
  }

  /**
   * `requestsPerSecond` as a window that any one second at the server respects: its whole part per
   * second (2.5 → 2), or below 1, one request per `1 / requestsPerSecond` seconds.
   */
  static perSecond(requestsPerSecond: number): RequestRateLimiter {
    return requestsPerSecond >= 1 ? new RequestRateLimiter(Math.floor(requestsPerSecond), 1000) : new RequestRateLimiter(1, 1000 / requestsPerSecond);
  }

  /** Resolves with a slot, in call order; with `undefined` (and no timer left behind) when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<RateSlot | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          resolve(undefined);
          this.grant();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
      this.grant();
    });
  }

  /** Hands out every slot that is free now; sets one timer for the next, if someone waits for it. */
  private grant(): void {
    clearTimeout(this.wake);
    this.wake = undefined;
    while (this.waiting.length > 0) {
      const now = performance.now();
      while (this.cooling.length > 0 && this.cooling[0] <= now) this.cooling.shift();
      const excess = this.inFlight + this.cooling.length - this.max;
      // Full: the slot that frees next is a cooling one, or (all in flight) a release will call us.
      if (excess >= 0 && excess >= this.cooling.length) return;
      const startAt = Math.max(excess >= 0 ? this.cooling[excess] : now, this.lastStart + this.spacingMs);
      if (startAt > now) {
        this.wake = setTimeout(() => this.grant(), Math.ceil(startAt - now));
        return;
      }
      const waiter = this.waiting.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.inFlight++;
      this.lastStart = now;
      waiter.resolve(this.slot());
    }
  }

  private slot(): RateSlot {
    let held = true;
    const giveBack = (freesAt: number | undefined) => {
      if (!held) return;
      held = false;
      this.inFlight--;
      if (freesAt !== undefined) this.cooling.push(freesAt);
      this.grant();
    };
    return {
      release: () => giveBack(performance.now() + this.durationMs),
      cancel: () => giveBack(undefined),
    };
  }
}
