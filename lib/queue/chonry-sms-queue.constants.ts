/** Injection token of the options object given to `ChonrySmsQueueModule.forRoot()` / returned by `forRootAsync()`'s factory. */
export const CHONRY_SMS_QUEUE_MODULE_OPTIONS = 'CHONRY_SMS_QUEUE:MODULE_OPTIONS';
/** Injection token of the checked queue options with their defaults applied. */
export const CHONRY_SMS_QUEUE_RESOLVED_OPTIONS = 'CHONRY_SMS_QUEUE:RESOLVED_OPTIONS';

export const CHONRY_SMS_DEFAULT_QUEUE_NAME = 'chonry-sms';
export const CHONRY_SMS_QUEUE_LOGGER_CONTEXT = 'ChonrySmsQueue';
