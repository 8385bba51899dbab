import { afterAll, beforeAll, describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  ChonrySmsConfigError,
  ChonrySmsModule,
  ChonrySmsService,
  ChonrySmsTransportError,
  ChonrySmsValidationError,
  getChonrySmsServiceToken,
  InjectChonrySms,
  InjectChonrySmsResolvedOptions,
  ResolvedChonrySmsOptions,
} from '../lib';
import { ChonrySmsSandbox, ChonrySmsTestingModule, getChonrySmsSandboxToken } from '../lib/testing';
import { ChonrySmsTransport } from '../lib/transport/chonry-sms.transport';
import { ChonrySmsHealthIndicator, ChonrySmsHealthModule } from '../lib/health';
import { CapturingLogger, createApp, rejectionOf } from './helpers';

const MARKETING = { accessKey: 'marketing-key', secret: 'Marketing-Secret-Canary-41d9' };
const CODES = { accessKey: 'codes-key', secret: 'Codes-Secret-Canary-88ab' };
const ONE = { mobiles: ['447911123456'], variables: ['hi'] };

@Injectable()
class Notifier {
  constructor(
    readonly codes: ChonrySmsService,
    @InjectChonrySms('marketing') readonly marketing: ChonrySmsService,
    @InjectChonrySmsResolvedOptions('marketing') readonly marketingOptions: ResolvedChonrySmsOptions,
  ) {}
}

describe('several accounts in one application', () => {
  let marketingGateway: ChonrySmsSandbox;
  let codesGateway: ChonrySmsSandbox;

  beforeAll(async () => {
    marketingGateway = new ChonrySmsSandbox(MARKETING);
    codesGateway = new ChonrySmsSandbox(CODES);
    await Promise.all([marketingGateway.start(), codesGateway.start()]);
  });
  afterAll(async () => {
    await Promise.all([marketingGateway.close(), codesGateway.close()]);
  });

  function twoAccounts() {
    return [
      ChonrySmsModule.forRoot({ ...CODES, baseUrl: codesGateway.url, sign: '【Codes】', isGlobal: true }),
      ChonrySmsModule.forRootAsync({
        name: 'marketing',
        isGlobal: true,
        imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ URL: marketingGateway.url })] })],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({ ...MARKETING, baseUrl: config.getOrThrow<string>('URL'), sign: '【Promo】', timeout: 5_000 }),
      }),
    ];
  }

  it('each send arrives at its own gateway with its own credentials and defaults', async () => {
    const app = await createApp({ imports: twoAccounts(), providers: [Notifier] });
    try {
      const notifier = app.get(Notifier);
      const [m0, c0] = [marketingGateway.requests.length, codesGateway.requests.length];
      await notifier.marketing.send(ONE);
      await notifier.codes.send(ONE);
      await notifier.codes.send(ONE);
      assert.equal(marketingGateway.requests.length - m0, 1);
      assert.equal(codesGateway.requests.length - c0, 2);
      assert.equal(marketingGateway.messages.at(-1)?.sign, '【Promo】');
      assert.equal(codesGateway.messages.at(-1)?.sign, '【Codes】');
      assert.equal(notifier.marketingOptions.account, 'marketing');
      assert.notEqual(notifier.marketing, notifier.codes);
      assert.equal(app.get(getChonrySmsServiceToken('marketing')), notifier.marketing);
      assert.equal(app.get(getChonrySmsServiceToken()), notifier.codes);
      assert.equal(app.get(getChonrySmsServiceToken('default')), notifier.codes);
    } finally {
      await app.close();
    }
  });

  it('each account has its own axios instance and connection pool', async () => {
    const app = await createApp({ imports: twoAccounts() });
    try {
      const codes = app.get(ChonrySmsTransport) as unknown as { http: { axiosRef: unknown }; httpAgent: unknown };
      const marketing = app.get('CHONRY_SMS:marketing:TRANSPORT') as typeof codes;
      assert.notEqual(codes, marketing);
      assert.notEqual(codes.http.axiosRef, marketing.http.axiosRef);
      assert.notEqual(codes.httpAgent, marketing.httpAgent);
    } finally {
      await app.close();
    }
  });

  it('a failing account leaves the other up, and its errors and logs name it, never the other secret', async () => {
    const logger = new CapturingLogger();
    const down = new ChonrySmsSandbox(MARKETING);
    await down.start();
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ ...CODES, baseUrl: codesGateway.url }),
        ChonrySmsModule.forRoot({ ...MARKETING, name: 'marketing', baseUrl: down.url, timeout: 500 }),
      ],
      providers: [Notifier],
    }, logger);
    try {
      await down.close();
      const notifier = app.get(Notifier);
      const err = await rejectionOf(notifier.marketing.send(ONE));
      assert.ok(err instanceof ChonrySmsTransportError, String(err));
      assert.equal(err.kind, 'connection-refused');
      assert.equal(err.account, 'marketing');
      assert.match(err.message, /^Account 'marketing': /);
      assert.match(err.stack ?? '', /Account 'marketing': /);
      assert.equal((await notifier.codes.send(ONE)).recipients, 1);

      const invalid = await rejectionOf(notifier.marketing.send({ mobiles: ['12'], variables: ['x'] }));
      assert.ok(invalid instanceof ChonrySmsValidationError);
      assert.equal(invalid.account, 'marketing');

      const bulk = await notifier.marketing.sendBulk({ mobiles: ['447911123456', '447911123457'], variables: ['x'] }, { chunkSize: 1 });
      assert.equal(bulk.failures.length, 2);
      for (const f of bulk.failures) assert.equal(f.error.account, 'marketing');

      const warnings = logger.lines.filter((l) => l.includes('failed'));
      assert.ok(warnings.some((l) => l.includes('[ChonrySms:marketing]')), warnings.join('\n'));
      for (const text of [err.message, err.stack ?? '', inspect(err), JSON.stringify(err), JSON.stringify(bulk), ...logger.lines]) {
        assert.ok(!text.includes(CODES.secret) && !text.includes(MARKETING.secret), text);
      }
    } finally {
      await app.close();
    }
  });

  it('one health indicator checks any account; a down account never marks another down', async () => {
    const down = new ChonrySmsSandbox(MARKETING);
    await down.start();
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRoot({ ...CODES, baseUrl: codesGateway.url, isGlobal: true }),
        ChonrySmsModule.forRoot({ ...MARKETING, name: 'marketing', baseUrl: down.url, timeout: 500, isGlobal: true }),
        ChonrySmsHealthModule.register({ timeout: 300, failureThreshold: 1 }),
      ],
    });
    try {
      await down.close();
      const health = app.get(ChonrySmsHealthIndicator);
      const marketing = await health.isHealthy('sms-marketing', { account: 'marketing' });
      const codes = await health.isHealthy('sms-codes');
      const missing = await health.isHealthy('sms-other', { account: 'other' });
      assert.equal(marketing['sms-marketing'].status, 'down', JSON.stringify(marketing));
      assert.equal(marketing['sms-marketing'].account, 'marketing');
      assert.equal(codes['sms-codes'].status, 'up', JSON.stringify(codes));
      assert.equal(codes['sms-codes'].account, 'default');
      assert.equal(missing['sms-other'].status, 'down');
      assert.match(String(missing['sms-other'].message), /no ChonrySmsModule registration for the account 'other'/);
      for (const text of [JSON.stringify(marketing), JSON.stringify(codes)]) assert.ok(!text.includes(MARKETING.secret) && !text.includes(CODES.secret));
    } finally {
      await app.close();
    }
  });

  it('a default-account error says which account without changing its message', async () => {
    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ ...CODES, baseUrl: codesGateway.url })] });
    try {
      const err = await rejectionOf(app.get(ChonrySmsService).send({ mobiles: ['12'], variables: ['x'] }));
      assert.equal((err as ChonrySmsValidationError).account, 'default');
      assert.match(err.message, /^Invalid SMS input/);
    } finally {
      await app.close();
    }
  });

  describe('registration mistakes stop start-up, naming the account', () => {
    it('two registrations with one name', async () => {
      for (const name of ['marketing', undefined]) {
        const err = await rejectionOf(
          createApp({
            imports: [
              ChonrySmsModule.forRoot({ ...MARKETING, name, baseUrl: marketingGateway.url }),
              ChonrySmsModule.forRootAsync({ name, useFactory: () => ({ ...CODES, baseUrl: codesGateway.url }) }),
            ],
          }),
        );
        assert.ok(err instanceof ChonrySmsConfigError, String(err));
        assert.match(err.message, new RegExp(`'${name ?? 'default'}' is registered 2 times`));
      }
    });

    it("'default' is the unnamed registration", async () => {
      const err = await rejectionOf(
        createApp({ imports: [ChonrySmsModule.forRoot({ ...MARKETING, baseUrl: marketingGateway.url }), ChonrySmsModule.forRoot({ ...CODES, name: 'default', baseUrl: codesGateway.url })] }),
      );
      assert.match(err.message, /'default' is registered 2 times/);
    });

    it('a factory that returns a name', async () => {
      const err = await rejectionOf(createApp({ imports: [ChonrySmsModule.forRootAsync({ useFactory: () => ({ ...MARKETING, name: 'marketing' }) })] }));
      assert.ok(err instanceof ChonrySmsConfigError, String(err));
      assert.equal(err.option, 'name');
      assert.match(err.message, /next to useFactory/);
    });

    it('a name that cannot be a token', () => {
      for (const name of ['', 'has space', 'x'.repeat(65), 'a/b', 42]) {
        assert.throws(() => ChonrySmsModule.forRoot({ ...MARKETING, name: name as string }), (e: unknown) => e instanceof ChonrySmsConfigError && e.option === 'name', String(name));
      }
    });

    it("a bad option of a named account says the account's name", async () => {
      const err = await rejectionOf(createApp({ imports: [ChonrySmsModule.forRoot({ ...MARKETING, name: 'marketing', timeout: -1 })] }));
      assert.ok(err instanceof ChonrySmsConfigError, String(err));
      assert.equal(err.account, 'marketing');
      assert.match(err.message, /^Account 'marketing': .*'timeout'/);
    });
  });

  it('the testing module gives each account its own sandbox, each seeing only its own messages', async () => {
    @Injectable()
    class Mailer {
      constructor(
        @InjectChonrySms('marketing') readonly marketing: ChonrySmsService,
        @InjectChonrySms('codes') readonly codes: ChonrySmsService,
      ) {}
    }
    @Module({ providers: [Mailer], exports: [Mailer] })
    class MailerModule {}
    const app = await createApp({
      imports: [
        ChonrySmsTestingModule.forRoot({ name: 'marketing', isGlobal: true, sign: '【Promo】' }),
        ChonrySmsTestingModule.forRoot({ name: 'codes', isGlobal: true }),
        MailerModule,
      ],
    });
    try {
      const mailer = app.get(Mailer);
      await mailer.marketing.send(ONE);
      await mailer.codes.send({ mobiles: ['447911123457'], variables: ['code'] });
      await mailer.codes.send({ mobiles: ['447911123458'], variables: ['code'] });
      const marketing = app.get<ChonrySmsSandbox>(getChonrySmsSandboxToken('marketing'));
      const codes = app.get<ChonrySmsSandbox>(getChonrySmsSandboxToken('codes'));
      assert.notEqual(marketing, codes);
      assert.deepEqual(marketing.messages.map((m) => m.mobile), ['447911123456']);
      assert.deepEqual(codes.messages.map((m) => m.mobile), ['447911123457', '447911123458']);
      assert.throws(() => app.get(ChonrySmsSandbox));
    } finally {
      await app.close();
    }
  });
});
