// Run inside a scratch app that installed the packed tarball: two accounts to two gateways in one
// Nest app, as a user would wire them. Exits non-zero with a message when a promise is broken.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChonrySmsModule, ChonrySmsService, InjectChonrySms } from 'nestjs-chonry-sms';
import { ChonrySmsSandbox } from 'nestjs-chonry-sms/testing';

const codes = new ChonrySmsSandbox({ accessKey: 'codes-key', secret: 'codes-secret-canary' });
const marketing = new ChonrySmsSandbox({ accessKey: 'marketing-key', secret: 'marketing-secret-canary' });
await Promise.all([codes.start(), marketing.start()]);

class Notifier {
  constructor(codesSms, marketingSms) {
    this.codes = codesSms;
    this.marketing = marketingSms;
  }
}
Injectable()(Notifier);
InjectChonrySms('marketing')(Notifier, undefined, 1);
Reflect.defineMetadata('design:paramtypes', [ChonrySmsService, ChonrySmsService], Notifier);

class AppModule {}
Module({
  imports: [
    ChonrySmsModule.forRoot({ accessKey: 'codes-key', secret: 'codes-secret-canary', baseUrl: codes.url }),
    ChonrySmsModule.forRootAsync({
      name: 'marketing',
      useFactory: async () => ({ accessKey: 'marketing-key', secret: 'marketing-secret-canary', baseUrl: marketing.url, timeout: 1000 }),
    }),
  ],
  providers: [Notifier],
})(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
try {
  const n = app.get(Notifier);
  await n.codes.send({ mobiles: ['447911123456'], variables: ['1234'] });
  await n.marketing.send({ mobiles: ['447911123457'], variables: ['SPRING'] });
  assert.deepEqual(codes.messages.map((m) => m.mobile), ['447911123456']);
  assert.deepEqual(marketing.messages.map((m) => m.mobile), ['447911123457']);
  assert.match(codes.requests[0].rawBody, /accesskey=codes-key&secret=codes-secret-canary&/);
  assert.match(marketing.requests[0].rawBody, /accesskey=marketing-key&secret=marketing-secret-canary&/);

  await marketing.close();
  const err = await n.marketing.send({ mobiles: ['447911123457'], variables: ['x'] }).then(() => undefined, (e) => e);
  assert.equal(err?.account, 'marketing', String(err));
  assert.equal(err.name, 'ChonrySmsTransportError');
  assert.ok(!JSON.stringify(err).includes('secret-canary') && !err.stack.includes('secret-canary'));
  assert.equal((await n.codes.send({ mobiles: ['447911123458'], variables: ['5678'] })).recipients, 1);
  console.log('pack-check: two accounts to two gateways, each with its own credentials; one down leaves the other up');
} finally {
  await app.close();
  await Promise.all([codes.close(), marketing.close()]);
}
