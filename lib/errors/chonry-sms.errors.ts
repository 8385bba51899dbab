import { describeProviderCode } from './provider-codes';
import type { ChonrySmsDeliveryReport } from '../account/account.interfaces';

/**
 * Whether a failed request may have reached the provider.
 * - `not-sent`: provably never reached it (refused before sending, or rejected by the provider);
 *   safe to retry.
 * - `unknown`: the request may have been accepted (a timeout or reset after it was written);
 *   retrying may send the message twice.
 */
export type ChonrySmsDelivery = 'not-sent' | 'unknown';

/** One problem found in a call's input; `path` names the field and position, e.g. `mobiles[3]`. */
export interface ChonrySmsValidationProblem {
  path: string;
  message: string;
}

/** Base class of every error the module throws. It never carries the secret or a raw axios error. */
export abstract class ChonrySmsError extends Error {
  abstract readonly delivery: ChonrySmsDelivery;
  /** The account (registration `name`, `'default'` without one) whose call or start-up failed. */
  declare readonly account?: string;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, message: this.message };
  }
}

/** The module an option path (`option` of a `ChonrySmsConfigError`) belongs to, and its name there. */
const OPTION_OWNERS: readonly [prefix: string, owner: string][] = [
  ['queue', 'ChonrySmsQueueModule'],
  ['health', 'ChonrySmsHealthModule'],
];

function describeOption(option: string, detail: string): string {
  for (const [prefix, owner] of OPTION_OWNERS) {
    // The whole options object of that module (`'queue'`), or one option of it (`'queue.concurrency'`).
    if (option === prefix) return `${owner} ${detail}`;
    if (option.startsWith(`${prefix}.`)) return `${owner} option '${option.slice(prefix.length + 1)}' ${detail}`;
  }
  return `ChonrySmsModule option '${option}' ${detail}`;
}

/**
 * Thrown at start-up for missing or invalid options. `option` is the option's path (`timeout`,
 * `retry.attempts`, `queue.concurrency`, `health.timeout`); the message names the module it was
 * given to and the option as written there. Never prints the secret.
 */
export class ChonrySmsConfigError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;

  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(describeOption(option, detail));
  }
}

const MAX_PROBLEMS_IN_MESSAGE = 10;

/** The input was refused before any network I/O; `problems` lists everything found. */
export class ChonrySmsValidationError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;
  readonly problems: readonly ChonrySmsValidationProblem[];

  constructor(problems: readonly ChonrySmsValidationProblem[]) {
    const shown = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => `${p.path}: ${p.message}`);
    const more = problems.length - shown.length;
    super(
      `Invalid SMS input (${problems.length} problem${problems.length === 1 ? '' : 's'}): ` +
        shown.join('; ') +
        (more > 0 ? `; and ${more} more` : ''),
    );
    this.problems = problems;
  }
}

/** The provider answered with a non-zero `code`: it rejected the request, nothing was sent. */
export class ChonrySmsApiError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;
  /** The known meaning of `code`, or undefined for a code not in the table. */
  readonly meaning: string | undefined;

  constructor(
    readonly code: string,
    readonly providerMessage: string,
  ) {
    const meaning = describeProviderCode(code);
    super(
      `Chonry rejected the request: code ${code}` +
        (meaning ? ` (${meaning})` : ' (unknown code)') +
        (providerMessage ? `: ${providerMessage}` : ''),
    );
    this.meaning = meaning;
  }
}

export type ChonrySmsTransportFailure =
  | 'connection-refused'
  | 'dns'
  | 'tls'
  | 'network'
  | 'timeout'
  | 'connection-reset'
  | 'http-status'
  | 'bad-response'
  | 'proxy'
  | 'shutdown';

/** The exchange with the provider failed; `delivery` says whether the message may have gone out. */
export class ChonrySmsTransportError extends ChonrySmsError {
  constructor(
    readonly kind: ChonrySmsTransportFailure,
    readonly delivery: ChonrySmsDelivery,
    detail: string,
    /** HTTP status, when the provider (or a proxy) answered with one. */
    readonly status?: number,
    /** The system error code (`ECONNREFUSED`, …), when there was one. */
    readonly errno?: string,
  ) {
    super(
      `Chonry request failed (${kind}): ${detail}. ` +
        (delivery === 'not-sent'
          ? 'The request never reached the provider; it is safe to retry.'
          : 'The provider may have accepted it; retrying may send the message twice.'),
    );
  }
}

/** A bulk send stopped (`stopOnError`) before this part was requested: it was never sent. */
export class ChonrySmsNotSentError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;

  constructor(
    /** The failure that stopped the bulk send. */
    readonly stoppedBy: ChonrySmsError,
  ) {
    super(`Not sent: the bulk send stopped after an earlier request failed (${stoppedBy.name}). It is safe to send these again.`);
  }
}

/**
 * A pulled batch of delivery reports held entries not in the provider's format. The provider hands
 * each report out only once, so the well-formed ones travel with the error in `reports`: store
 * them before anything else. The malformed ones are counted, never echoed.
 */
export class ChonrySmsDeliveryReportsError extends ChonrySmsTransportError {
  constructor(
    /** Every well-formed report of the batch. */
    readonly reports: readonly ChonrySmsDeliveryReport[],
    /** How many entries of the batch could not be read (they are lost to the caller). */
    readonly malformed: number,
  ) {
    super('bad-response', 'unknown', `the gateway answered ${malformed} delivery report(s) not in the provider's format (the ${reports.length} well-formed one(s) are in error.reports)`, 200);
  }
}
