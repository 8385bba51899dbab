export * from './chonry-sms.errors';
export * from './provider-codes';
