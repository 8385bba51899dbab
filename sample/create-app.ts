import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { ReceivedReports } from './reports/received-reports';
import { SandboxGateway } from './sandbox/sandbox-gateway';

/** The sample application, configured but not listening (main.ts and the e2e tests share it). */
export async function createSampleApp(logger?: LoggerService | LogLevel[] | false): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.create(), { logger, abortOnError: false });
  app.enableShutdownHooks();
  const { sandbox } = app.get(SandboxGateway);
  if (sandbox) {
    // The sandbox's inbox page (and its live API) at GET /sandbox; other /sandbox/* routes fall through.
    app.use('/sandbox', (req: IncomingMessage, res: ServerResponse, next: () => void) => {
      if (!sandbox.serveInbox(req, res)) next();
    });
    // Once the app listens, the sandbox pushes its delivery reports to the app's own receiver, as
    // the provider does to a URL registered with it.
    const pushPath = app.get(ReceivedReports).pushPath;
    const server = app.getHttpServer() as Server;
    if (pushPath) {
      server.once('listening', () => {
        const { address, port } = server.address() as AddressInfo;
        const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
        sandbox.pushReportsTo(`http://${host}:${port}${pushPath}`);
      });
    }
  }
  return app;
}
