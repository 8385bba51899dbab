import { DynamicModule, FactoryProvider, InjectionToken, Module, ModuleMetadata, Type } from '@nestjs/common';
import { asyncOptionsProviders } from '../chonry-sms.async-options';
import { ChonrySmsReportsPushReceiver } from './push-receiver';
import { ChonrySmsReportStore, MemoryReportStore, RedisReportStore } from './report-store';
import { ChonrySmsReportStream } from './report-stream';
import { CHONRY_SMS_REPORT_STORE, CHONRY_SMS_REPORTS_MODULE_OPTIONS, CHONRY_SMS_REPORTS_RESOLVED_OPTIONS } from './reports.constants';
import { ChonrySmsReportsModuleOptions, resolveChonrySmsReportsOptions, ResolvedChonrySmsReportsOptions } from './reports.options';
import { ChonrySmsReportsService } from './reports.service';

/** A class that builds the reports options, for `forRootAsync({ useClass })`. */
export interface ChonrySmsReportsOptionsFactory {
  createChonrySmsReportsOptions(): ChonrySmsReportsModuleOptions | Promise<ChonrySmsReportsModuleOptions>;
}

export interface ChonrySmsReportsModuleExtras {
  /** Register globally, so any module can inject `ChonrySmsReportStream`. */
  isGlobal?: boolean;
}

export interface ChonrySmsReportsModuleAsyncOptions extends ChonrySmsReportsModuleExtras, Pick<ModuleMetadata, 'imports'> {
  useFactory?: (...args: any[]) => ChonrySmsReportsModuleOptions | Promise<ChonrySmsReportsModuleOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
  inject?: FactoryProvider['inject'];
  useClass?: Type<ChonrySmsReportsOptionsFactory>;
  useExisting?: InjectionToken;
}

/**
 * `ChonrySmsReportsModule.forRoot({ pollInterval, handler, push, redis })` or `.forRootAsync({
 * imports, inject, useFactory })`: delivery reports, pulled on a timer and/or pushed by the
 * provider, kept in a store until the handler resolved, published once each on
 * `ChonrySmsReportStream` (which this module provides and exports). Needs `ChonrySmsModule`.
 */
@Module({})
export class ChonrySmsReportsModule {
  static forRoot(options: ChonrySmsReportsModuleOptions & ChonrySmsReportsModuleExtras = {}): DynamicModule {
    const { isGlobal, ...rest } = options;
    return this.assemble(isGlobal, [], [{ provide: CHONRY_SMS_REPORTS_MODULE_OPTIONS, useValue: rest }]);
  }

  static forRootAsync(options: ChonrySmsReportsModuleAsyncOptions): DynamicModule {
    const providers = asyncOptionsProviders(CHONRY_SMS_REPORTS_MODULE_OPTIONS, options, 'createChonrySmsReportsOptions', 'reports');
    return this.assemble(options.isGlobal, options.imports ?? [], providers);
  }

  private static assemble(isGlobal: boolean | undefined, imports: NonNullable<ModuleMetadata['imports']>, optionProviders: DynamicModule['providers'] = []): DynamicModule {
    return {
      module: ChonrySmsReportsModule,
      global: isGlobal ?? false,
      imports,
      providers: [
        ...optionProviders,
        {
          provide: CHONRY_SMS_REPORTS_RESOLVED_OPTIONS,
          useFactory: (raw: ChonrySmsReportsModuleOptions) => resolveChonrySmsReportsOptions(raw ?? {}),
          inject: [CHONRY_SMS_REPORTS_MODULE_OPTIONS],
        },
        {
          provide: CHONRY_SMS_REPORT_STORE,
          useFactory: (o: ResolvedChonrySmsReportsOptions): ChonrySmsReportStore | Promise<ChonrySmsReportStore> =>
            o.store ?? (o.redis ? RedisReportStore.connect(o.redis.connection, o.redis.prefix) : new MemoryReportStore()),
          inject: [CHONRY_SMS_REPORTS_RESOLVED_OPTIONS],
        },
        ChonrySmsReportStream,
        ChonrySmsReportsService,
        ChonrySmsReportsPushReceiver,
      ],
      exports: [ChonrySmsReportStream, ChonrySmsReportsService],
    };
  }
}
