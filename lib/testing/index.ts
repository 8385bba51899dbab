export * from './chonry-sms.sandbox';
