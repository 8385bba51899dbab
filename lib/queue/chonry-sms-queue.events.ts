import { EventEmitter } from 'node:events';
import type { ChonrySmsDelivery } from '../errors';

/** A job's request was accepted by the provider. */
export interface ChonrySmsJobCompletedEvent {
  campaignId: string;
  jobId: string;
  recipients: number;
  batchId: string;
}

/** A job's request failed; `retrying` says whether BullMQ will try it again. */
export interface ChonrySmsJobFailedEvent {
  campaignId: string;
  jobId: string;
  mobiles: string[];
  delivery: ChonrySmsDelivery;
  reason: string;
  retrying: boolean;
}

/**
 * Job outcomes seen by the workers of this process (`completed`, `failed`). Every process with
 * workers emits its own; for one stream across all instances, listen to BullMQ's QueueEvents.
 */
export class ChonrySmsQueueEvents extends EventEmitter<{
  completed: [ChonrySmsJobCompletedEvent];
  failed: [ChonrySmsJobFailedEvent];
}> {}
