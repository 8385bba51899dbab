export { CampaignJobData, CampaignCommon } from './campaign-jobs';
export { ChonrySmsCampaign, ChonrySmsCampaignFailure } from './campaign-store';
export * from './chonry-sms-queue.constants';
export * from './chonry-sms-queue.errors';
export * from './chonry-sms-queue.events';
export {
  ChonrySmsQueueModule,
  ChonrySmsQueueModuleAsyncOptions,
  ChonrySmsQueueModuleExtras,
  ChonrySmsQueueOptionsFactory,
} from './chonry-sms-queue.module';
export {
  ChonrySmsQueueConnection,
  ChonrySmsQueueModuleOptions,
  ResolvedChonrySmsQueueOptions,
  RedisConnectionOptions,
  resolveChonrySmsQueueOptions,
} from './chonry-sms-queue.options';
export { ChonrySmsQueue } from './chonry-sms-queue.service';
export { ChonrySmsJobResult } from './chonry-sms-queue.worker';
