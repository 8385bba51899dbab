import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ChonrySmsModule, ChonrySmsModuleOptions } from 'nestjs-chonry-sms';
import { ChonrySmsHealthModule } from 'nestjs-chonry-sms/health';
import { SampleCampaignsModule } from './campaigns/campaigns.module';
import { HealthController } from './health/health.controller';
import { SampleReportsModule } from './reports/reports.module';
import { SandboxGateway } from './sandbox/sandbox-gateway';
import { SandboxModule } from './sandbox/sandbox.module';
import { ChonrySmsExceptionFilter } from './sms/chonry-sms-exception.filter';
import { BalanceController, SmsController } from './sms/sms.controller';

const optionalNumber = (value: string | undefined): number | undefined => (value ? Number(value) : undefined);

@Module({
  imports: [
    ConfigModule.forRoot(),
    SandboxModule,
    ChonrySmsModule.forRootAsync({
      imports: [ConfigModule, SandboxModule],
      inject: [ConfigService, SandboxGateway],
      useFactory: (config: ConfigService, gateway: SandboxGateway): ChonrySmsModuleOptions => ({
        ...(gateway.sandbox
          ? gateway.moduleOptions()
          : {
              accessKey: config.getOrThrow<string>('CHONRY_ACCESS_KEY'),
              secret: config.getOrThrow<string>('CHONRY_SECRET'),
              baseUrl: config.get<string>('CHONRY_BASE_URL') || undefined,
              apiBaseUrl: config.get<string>('CHONRY_API_BASE_URL') || undefined,
            }),
        timeout: optionalNumber(config.get<string>('CHONRY_TIMEOUT_MS')),
        templateId: config.get<string>('CHONRY_TEMPLATE_ID') || undefined,
        sign: config.get<string>('CHONRY_SIGN') || undefined,
      }),
      isGlobal: true,
    }),
    TerminusModule,
    ChonrySmsHealthModule.register({ timeout: 2_000, failureThreshold: 3 }),
    SampleReportsModule,
  ],
  controllers: [SmsController, BalanceController, HealthController],
  providers: [
    { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }) },
    { provide: APP_FILTER, useClass: ChonrySmsExceptionFilter },
  ],
})
export class AppModule {
  /**
   * The app, with campaigns through the queue when `CHONRY_REDIS_URL` is set (read when the app is
   * created, after ConfigModule loaded `.env`), so `npm start` needs no Redis.
   */
  static create(): DynamicModule {
    return { module: AppModule, imports: process.env.CHONRY_REDIS_URL ? [SampleCampaignsModule] : [] };
  }
}
