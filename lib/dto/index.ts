export * from './send-sms.dto';
export * from './send-personalized-sms.dto';
export * from './chonry-sms.validators';
export * from './validate-input';
export * from './queued-send.dto';
