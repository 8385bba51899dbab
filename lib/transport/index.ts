export * from './form-encoding';
export * from './provider-reply';
export * from './classify-error';
export * from './chonry-sms.transport';
