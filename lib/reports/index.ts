export * from './report-stream';
export * from './report-store';
export * from './reports.constants';
export * from './reports.module';
export type {
  ChonrySmsReportHandler,
  ChonrySmsReportsModuleOptions,
  ChonrySmsReportsPushOptions,
  ChonrySmsReportsRedisOptions,
  ResolvedChonrySmsReportsOptions,
} from './reports.options';
export { resolveChonrySmsReportsOptions } from './reports.options';
export { ChonrySmsReportsService, ChonrySmsReportsOutcome } from './reports.service';
export { MAX_PUSH_BODY_BYTES } from './push-receiver';
