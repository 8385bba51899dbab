/** @internal The BullMQ `Queue` of this registration (an alias of @nestjs/bullmq's queue token). */
export const CHONRY_SMS_BULL_QUEUE = 'CHONRY_SMS_QUEUE:BULL_QUEUE';
/** @internal The ioredis client for campaign state and the rate limit. */
export const CHONRY_SMS_QUEUE_REDIS = 'CHONRY_SMS_QUEUE:REDIS';
