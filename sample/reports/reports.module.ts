import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { ChonrySmsReportsModule, ChonrySmsReportsModuleOptions } from 'nestjs-chonry-sms';
import { SandboxGateway } from '../sandbox/sandbox-gateway';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ReceivedReports } from './received-reports';
import { ReportsController } from './reports.controller';

/** Where the push receiver listens (outside any global prefix). */
export const PUSH_PATH = '/chonry-sms/reports';

@Module({ providers: [ReceivedReports], exports: [ReceivedReports] })
export class ReceivedReportsModule {}

/**
 * Delivery reports: pulled every `CHONRY_REPORTS_POLL_MS` (if set) and/or pushed by the provider
 * to `POST /chonry-sms/reports/<CHONRY_REPORTS_PUSH_TOKEN>` (if set), from the addresses in
 * `CHONRY_REPORTS_ALLOW_IPS` (comma separated; any address if unset). In sandbox mode a token is
 * generated when none is given, and the sandbox pushes its reports to this app (see create-app.ts).
 */
export function reportsFromConfig(config: ConfigService, gateway: SandboxGateway, received: ReceivedReports): ChonrySmsReportsModuleOptions {
  const poll = config.get<string>('CHONRY_REPORTS_POLL_MS');
  const token = config.get<string>('CHONRY_REPORTS_PUSH_TOKEN') || (gateway.sandbox ? randomBytes(32).toString('hex') : undefined);
  const allow = config.get<string>('CHONRY_REPORTS_ALLOW_IPS');
  const allowIps = allow
    ? allow.split(',').map((s) => s.trim()).filter(Boolean)
    : gateway.sandbox
      ? ['127.0.0.1', '::1'] // the sandbox pushes from this machine
      : undefined;
  received.pushPath = token ? `${PUSH_PATH}/${token}` : undefined;
  return {
    pollInterval: poll ? Number(poll) : undefined,
    push: token ? { token, path: PUSH_PATH, allowIps } : undefined,
    handler: (event) => received.add(event),
  };
}

@Module({
  imports: [
    ReceivedReportsModule,
    ChonrySmsReportsModule.forRootAsync({
      imports: [ConfigModule, SandboxModule, ReceivedReportsModule],
      inject: [ConfigService, SandboxGateway, ReceivedReports],
      useFactory: reportsFromConfig,
    }),
  ],
  controllers: [ReportsController],
})
export class SampleReportsModule {}
