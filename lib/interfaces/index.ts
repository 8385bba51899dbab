export * from './chonry-sms-options.interface';
export * from './send-result.interface';
export * from './bulk-send.interface';
