import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { SandboxController } from './sandbox.controller';
import { SandboxGateway } from './sandbox-gateway';

@Module({
  imports: [ConfigModule],
  providers: [{ provide: SandboxGateway, useFactory: (config: ConfigService) => SandboxGateway.fromConfig(config), inject: [ConfigService] }],
  controllers: [SandboxController],
  exports: [SandboxGateway],
})
export class SandboxModule {}
