import { Module } from '@nestjs/common';
import { CHONRY_SMS_MODULE_OPTIONS, CHONRY_SMS_RESOLVED_OPTIONS } from './chonry-sms.constants';
import { ChonrySmsConfigurableModule } from './chonry-sms.module-definition';
import { resolveChonrySmsOptions } from './chonry-sms.options';
import { ChonrySmsService } from './chonry-sms.service';
import { ChonrySmsInFlightSends } from './reliability/in-flight-sends';
import { ChonrySmsTransport } from './transport/chonry-sms.transport';

/**
 * `ChonrySmsModule.forRoot({ accessKey, secret })` or
 * `ChonrySmsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting, isGlobal })`.
 * Options are checked when the module starts; a bad one stops start-up with its name.
 */
@Module({
  providers: [
    {
      provide: CHONRY_SMS_RESOLVED_OPTIONS,
      useFactory: resolveChonrySmsOptions,
      inject: [CHONRY_SMS_MODULE_OPTIONS],
    },
    ChonrySmsTransport,
    ChonrySmsInFlightSends,
    ChonrySmsService,
  ],
  exports: [ChonrySmsService, ChonrySmsTransport, CHONRY_SMS_MODULE_OPTIONS, CHONRY_SMS_RESOLVED_OPTIONS],
})
export class ChonrySmsModule extends ChonrySmsConfigurableModule {}
