// Run as a child process by shutdown.spec.ts: a Nest app with enableShutdownHooks and one send in
// flight when SIGTERM arrives. Prints one JSON line per event for the parent to check.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { ChonrySmsError, ChonrySmsModule, ChonrySmsService, ChonrySmsTransportError } from '../../lib';
import { ACCESS_KEY, SECRET, startSandbox } from '../helpers';
import { ONE_SMS } from './support';

const print = (event: string, data: object = {}) => process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
const outcome = (err: unknown) =>
  err instanceof ChonrySmsError ? { error: err.name, kind: err instanceof ChonrySmsTransportError ? err.kind : undefined, delivery: err.delivery } : { error: String(err) };

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  sandbox.fault({ kind: 'delay', ms: 600 }, 1);
  @Module({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 5_000, shutdownGracePeriod: 5_000 })] })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  app.enableShutdownHooks();
  const sms = app.get(ChonrySmsService);

  sms.send(ONE_SMS).then(
    (r) => print('in-flight-send', { batchId: r.batchId, requests: sandbox.requests.length, accepted: sandbox.acceptedRequests }),
    (e) => print('in-flight-send', outcome(e)),
  );
  process.once('SIGTERM', () => {
    setTimeout(() => sms.send(ONE_SMS).then(() => print('late-send', { sent: true }), (e) => print('late-send', outcome(e))), 100);
  });
  while (sandbox.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  print('ready');
}

void main();
