import { tracingChannel } from 'node:diagnostics_channel';
import type { ChonrySmsError } from '../errors';

/**
 * The `node:diagnostics_channel` tracing channel published around every provider request: sends,
 * each request of a bulk send, queue jobs and the account endpoints. Subscribe with
 * `diagnostics_channel.tracingChannel(CHONRY_SMS_SEND_CHANNEL).subscribe({ start, end, asyncStart,
 * asyncEnd, error })` and time a request from `start` to `asyncEnd`, as with Node's own channels.
 */
export const CHONRY_SMS_SEND_CHANNEL = 'chonry-sms:send';

/** What a provider request is for. */
export type ChonrySmsOperation =
  | 'send'
  | 'sendPersonalized'
  | 'sendBulk'
  | 'sendPersonalizedBulk'
  | 'balance'
  | 'templates'
  | 'signs'
  | 'deliveryReports';

/**
 * The context object published on `chonry-sms:send`. Counts only: never the secret, the access key,
 * a phone number or a variable (they are personal data), and never the request body.
 */
export interface ChonrySmsSendContext {
  /** The registration's name; `'default'` for the unnamed one. */
  readonly account: string;
  readonly operation: ChonrySmsOperation;
  /** Recipients in this request (0 for the account endpoints). */
  readonly recipients: number;
  /** The request body's size in bytes. */
  readonly bytes: number;
  /** Set when the request ends with the provider's acceptance of a send. */
  batchId?: string;
  /** Set when it fails: always a `ChonrySmsError`, with its `kind` (transport) and `delivery`. */
  error?: ChonrySmsError;
}

export const sendChannel = tracingChannel<unknown, ChonrySmsSendContext & object>(CHONRY_SMS_SEND_CHANNEL);
