import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  CHONRY_SMS_MODULE_OPTIONS,
  CHONRY_SMS_RESOLVED_OPTIONS,
  ChonrySmsConfigError,
  ChonrySmsModule,
  ChonrySmsModuleOptions,
  ChonrySmsService,
  InjectChonrySmsOptions,
  ResolvedChonrySmsOptions,
} from '../lib';
import { ChonrySmsSandbox } from '../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from './helpers';

const sendOne = { mobiles: ['447911123456'], variables: ['hello'] };

describe('ChonrySmsModule', () => {
  let sandbox: ChonrySmsSandbox;
  let options: ChonrySmsModuleOptions;

  beforeAll(async () => {
    sandbox = await startSandbox();
    options = { accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url };
  });
  afterAll(() => sandbox.close());

  it('forRootAsync with ConfigModule/ConfigService sends over HTTP', async () => {
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: SECRET, CHONRY_BASE_URL: sandbox.url })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            accessKey: config.getOrThrow<string>('CHONRY_ACCESS_KEY'),
            secret: config.getOrThrow<string>('CHONRY_SECRET'),
            baseUrl: config.get<string>('CHONRY_BASE_URL'),
          }),
        }),
      ],
    });
    try {
      const before = sandbox.acceptedRequests;
      const result = await app.get(ChonrySmsService).send(sendOne);
      assert.equal(result.recipients, 1);
      assert.equal(sandbox.acceptedRequests, before + 1);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync with useClass and useExisting', async () => {
    @Injectable()
    class Factory {
      createChonrySmsOptions(): ChonrySmsModuleOptions {
        return { ...options, templateId: '77' };
      }
    }
    @Module({ providers: [Factory], exports: [Factory] })
    class FactoryModule {}

    for (const registration of [
      ChonrySmsModule.forRootAsync({ useClass: Factory }),
      ChonrySmsModule.forRootAsync({ imports: [FactoryModule], useExisting: Factory }),
    ]) {
      const app = await createApp({ imports: [registration] });
      try {
        assert.equal(app.get<ResolvedChonrySmsOptions>(CHONRY_SMS_RESOLVED_OPTIONS).defaults.templateId, '77');
        await app.get(ChonrySmsService).send(sendOne);
        assert.equal(sandbox.messages.at(-1)?.templateId, '77');
      } finally {
        await app.close();
      }
    }
  });

  it('works when imported into a feature module, and exposes the options token', async () => {
    @Injectable()
    class Notifier {
      constructor(
        readonly sms: ChonrySmsService,
        @InjectChonrySmsOptions() readonly options: ChonrySmsModuleOptions,
      ) {}
    }
    @Module({ imports: [ChonrySmsModule.forRoot(options)], providers: [Notifier], exports: [Notifier] })
    class FeatureModule {}

    const app = await createApp({ imports: [FeatureModule] });
    try {
      const notifier = app.get(Notifier);
      assert.equal(notifier.options.accessKey, ACCESS_KEY);
      assert.equal((await notifier.sms.send(sendOne)).recipients, 1);
    } finally {
      await app.close();
    }
  });

  it('isGlobal: true makes the service injectable in modules that do not import it', async () => {
    @Injectable()
    class Notifier {
      constructor(readonly sms: ChonrySmsService) {}
    }
    @Module({ providers: [Notifier], exports: [Notifier] })
    class UnrelatedModule {}

    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ ...options, isGlobal: true }), UnrelatedModule] });
    try {
      assert.equal((await app.get(Notifier).sms.send(sendOne)).recipients, 1);
    } finally {
      await app.close();
    }
    // Without isGlobal the same wiring cannot resolve the service.
    await assert.rejects(createApp({ imports: [ChonrySmsModule.forRoot(options), UnrelatedModule] }), /ChonrySmsService/);
  });

  it('extraProviders are registered in the module', async () => {
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRootAsync({
          extraProviders: [{ provide: 'SMS_CREDENTIALS', useValue: options }],
          inject: ['SMS_CREDENTIALS'],
          useFactory: (o: ChonrySmsModuleOptions) => o,
        }),
      ],
    });
    try {
      assert.equal(app.get(CHONRY_SMS_MODULE_OPTIONS, { strict: false }).secret, SECRET);
    } finally {
      await app.close();
    }
  });

  describe('invalid options fail at start-up, naming the option, never printing the secret', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['accessKey', { accessKey: '' }],
      ['secret', { secret: undefined }],
      ['secret', { secret: 42 }],
      ['baseUrl', { baseUrl: 'not a url' }],
      ['baseUrl', { baseUrl: 'ftp://example.com' }],
      ['baseUrl', { baseUrl: `https://user:${SECRET}@example.com` }],
      ['timeout', { timeout: 0 }],
      ['timeout', { timeout: 1.5 }],
      ['timeZone', { timeZone: 'Mars/Olympus' }],
      ['templateId', { templateId: '' }],
      ['sign', { sign: 'x'.repeat(65) }],
    ];
    for (const [option, patch] of cases) {
      it(`${option}: ${inspect(patch).replace(SECRET, '<secret>')}`, async () => {
        const err = await rejectionOf(
          Test.createTestingModule({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, ...patch } as ChonrySmsModuleOptions)] }).compile(),
        );
        assert.ok(err instanceof ChonrySmsConfigError, String(err));
        assert.equal(err.option, option);
        assert.match(err.message, new RegExp(`option '${option}'`));
        for (const text of [err.message, err.stack ?? '', JSON.stringify(err), inspect(err, { depth: Infinity })]) {
          assert.ok(!text.includes(SECRET), text);
        }
      });
    }
  });

  it('uses its own axios instance: interceptors and defaults do not leak either way', async () => {
    @Injectable()
    class AppHttp {
      constructor(readonly http: HttpService) {}
    }
    @Module({ imports: [HttpModule.register({ headers: { 'X-App-Default': 'app' } })], providers: [AppHttp], exports: [AppHttp] })
    class AppHttpModule {}

    const app = await createApp({ imports: [AppHttpModule, ChonrySmsModule.forRoot(options)] });
    try {
      const appAxios = app.get(AppHttp).http.axiosRef;
      let appInterceptorCalls = 0;
      appAxios.interceptors.request.use((config) => {
        appInterceptorCalls++;
        config.headers.set('X-App-Interceptor', 'yes');
        return config;
      });
      const seen: Record<string, string | string[] | undefined>[] = [];
      const server = await import('node:http').then((http) =>
        http.createServer((req, res) => {
          seen.push(req.headers);
          res.end('{}');
        }),
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const before = sandbox.requests.length;
      try {
        await app.get(ChonrySmsService).send(sendOne);
        assert.equal(appInterceptorCalls, 0, "the app's interceptor must not see SMS traffic");
        assert.equal(sandbox.requests.length, before + 1);

        // The app's instance still works as configured, untouched by the module.
        const { port } = server.address() as import('node:net').AddressInfo;
        await appAxios.get(`http://127.0.0.1:${port}/`);
        assert.equal(appInterceptorCalls, 1);
        assert.equal(seen[0]['x-app-default'], 'app');
        assert.equal(seen[0]['x-app-interceptor'], 'yes');
        assert.equal(appAxios.defaults.timeout, 0, 'the module must not set defaults on the app instance');
      } finally {
        server.close();
      }
    } finally {
      await app.close();
    }
  });

  it("does not inherit the app's global axios defaults (headers, auth)", async () => {
    const axios = (await import('axios')).default;
    const seen: import('node:http').IncomingHttpHeaders[] = [];
    const server = (await import('node:http')).createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on('end', () => res.end(JSON.stringify({ code: '0', msg: 'SUCCESS', batchId: 'b' })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as import('node:net').AddressInfo;
    axios.defaults.headers.common['Authorization'] = 'Bearer app-wide-token';
    axios.defaults.auth = { username: 'app', password: 'app-password' };
    try {
      const app = await createApp({ imports: [ChonrySmsModule.forRoot({ ...options, baseUrl: `http://127.0.0.1:${port}` })] });
      try {
        await app.get(ChonrySmsService).send(sendOne);
      } finally {
        await app.close();
      }
      assert.equal(seen.length, 1);
      assert.equal(seen[0].authorization, undefined, 'the app-wide Authorization header reached the gateway');
      assert.equal(seen[0]['content-type'], 'application/x-www-form-urlencoded; charset=UTF-8');
    } finally {
      delete axios.defaults.headers.common['Authorization'];
      axios.defaults.auth = undefined;
      server.close();
    }
  });

  it('each registration gets a distinct axios instance', async () => {
    const a = await Test.createTestingModule({ imports: [ChonrySmsModule.forRoot(options)] }).compile();
    const b = await Test.createTestingModule({ imports: [ChonrySmsModule.forRoot(options)] }).compile();
    try {
      const axiosA = a.get(HttpService, { strict: false }).axiosRef;
      const axiosB = b.get(HttpService, { strict: false }).axiosRef;
      assert.notEqual(axiosA, axiosB);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
