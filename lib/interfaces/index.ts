export * from './chonry-sms-options.interface';
export * from './send-result.interface';
