import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { SandboxGateway } from './sandbox/sandbox-gateway';

/** The sample application, configured but not listening (main.ts and the e2e tests share it). */
export async function createSampleApp(logger?: LoggerService | LogLevel[] | false): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger, abortOnError: false });
  app.enableShutdownHooks();
  const { sandbox } = app.get(SandboxGateway);
  if (sandbox) {
    // The sandbox's inbox page (and its live API) at GET /sandbox; other /sandbox/* routes fall through.
    app.use('/sandbox', (req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (!sandbox.serveInbox(req, res)) next();
    });
  }
  return app;
}
