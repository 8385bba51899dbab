export * from './chonry-sms.constants';
export * from './chonry-sms.decorators';
export * from './chonry-sms.module';
export type {
  ChonrySmsModuleExtras,
  ChonrySmsModuleForRootOptions,
  ChonrySmsModuleAsyncOptions,
  ChonrySmsOptionsFactory,
  CHONRY_SMS_OPTIONS_TYPE,
  CHONRY_SMS_ASYNC_OPTIONS_TYPE,
} from './chonry-sms.module-definition';
export { ChonrySmsCredentials, ResolvedChonrySmsOptions, resolveChonrySmsOptions } from './chonry-sms.options';
export { ChonrySmsService } from './chonry-sms.service';
export type {
  ChonrySmsBalance,
  ChonrySmsDeliveryReport,
  ChonrySmsReviewStatus,
  ChonrySmsSign,
  ChonrySmsTemplate,
  ChonrySmsTemplateCategory,
} from './account';
export {
  ChonrySmsSendOptionsDto,
  SendSmsDto,
  SendBulkSmsDto,
  SendPersonalizedSmsDto,
  SendPersonalizedBulkSmsDto,
  PersonalizedMessageDto,
  IsChonryMobiles,
  IsChonryMessages,
  IsChonryVariables,
  IsChonryScheduleTime,
  IsChonryShortText,
} from './dto';
export * from './errors';
export * from './interfaces';
export type { ChonrySmsTransportRecord } from './transport/chonry-sms.transport';
export { ChonrySmsRetryOptions } from './reliability/retry-options';
export * from './telemetry';
export { MAX_MESSAGES_PER_REQUEST, MAX_MOBILES_PER_REQUEST, normalizeMobile } from './validation';
export * from './reports';
