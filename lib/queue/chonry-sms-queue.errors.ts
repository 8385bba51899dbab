import { ChonrySmsError } from '../errors';

/** `getCampaign()` was asked for a campaign Redis does not know (never enqueued, or expired). */
export class ChonrySmsCampaignNotFoundError extends ChonrySmsError {
  readonly delivery = 'not-sent' as const;

  constructor(readonly campaignId: string) {
    super(`No SMS campaign ${JSON.stringify(campaignId.slice(0, 100))} in the queue's Redis (never enqueued, or expired)`);
  }
}
