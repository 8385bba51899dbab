import type { ChonrySmsError } from '../errors/chonry-sms.errors';

/**
 * How `sendBulk()` / `sendPersonalizedBulk()` split and pace their requests. Module-wide defaults
 * go in `forRoot({ bulk: { … } })`; a call's own options (second argument) override them.
 */
export interface ChonrySmsBulkDefaults {
  /** Most recipients per request; default and upper bound: the provider's 50,000 (plain) / 10,000 (personalised). */
  chunkSize?: number;
  /** Most requests in flight at once; default 4. */
  concurrency?: number;
  /** Client-side limit on requests started per second (may be fractional); default none. */
  requestsPerSecond?: number;
  /** Stop starting new requests after the first failure; default false. The rest is reported as not sent. */
  stopOnError?: boolean;
}

/** Counts so far, in recipients; `sent + failed` reaches `total` when the call settles. */
export interface ChonrySmsBulkProgress {
  sent: number;
  failed: number;
  total: number;
}

/** A call's own bulk options: the module defaults overridden, plus a progress callback. */
export interface ChonrySmsBulkOptions extends ChonrySmsBulkDefaults {
  /** Called after every request settles (and once for the unsent remainder with `stopOnError`). */
  onProgress?: (progress: ChonrySmsBulkProgress) => void;
}

/** One accepted request: the provider's batch id and the (normalised) numbers it carried. */
export interface ChonrySmsBulkBatch {
  batchId: string;
  mobiles: string[];
}

/** Numbers that were not accepted, and why; `error.delivery` says whether they may still have gone out. */
export interface ChonrySmsBulkFailure {
  error: ChonrySmsError;
  mobiles: string[];
}

/**
 * Every recipient is in exactly one of `batches[].mobiles` or `failures[].mobiles`.
 * `total` counts distinct recipients after normalisation (for `sendBulk`, `+44 7911 123456` and
 * `447911123456` are one recipient); `sent + failed === total`.
 */
export interface ChonrySmsBulkResult {
  total: number;
  sent: number;
  failed: number;
  batches: ChonrySmsBulkBatch[];
  failures: ChonrySmsBulkFailure[];
}
