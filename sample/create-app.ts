import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

/** The sample application, configured but not listening (main.ts and the e2e tests share it). */
export async function createSampleApp(logger?: LoggerService | LogLevel[] | false): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger, abortOnError: false });
  app.enableShutdownHooks();
  return app;
}
