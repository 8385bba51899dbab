export * from './chonry-sms.sandbox';
export * from './chonry-sms-testing.module';
