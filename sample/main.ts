import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AddressInfo } from 'node:net';
import { createSampleApp } from './create-app';
import { SANDBOX_NOTICE, sandboxWanted } from './sandbox/sandbox-gateway';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  await ConfigModule.envVariablesLoaded; // .env is loaded: process.env now holds what ConfigService reads
  const sandbox = sandboxWanted((key) => process.env[key]);
  if (sandbox) logger.warn(SANDBOX_NOTICE);

  const app = await createSampleApp();
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`Listening on http://localhost:${port} (POST /sms, POST /sms/personalized, GET /balance, GET /reports, GET /health${sandbox ? ', GET /sandbox/messages' : ''})`);
}

bootstrap().catch((err: unknown) => {
  new Logger('Sample').error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
