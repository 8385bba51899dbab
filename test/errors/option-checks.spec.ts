import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ChonrySmsConfigError, ChonrySmsModule, ChonrySmsService, resolveChonrySmsOptions } from '../../lib';
import { resolveChonrySmsHealthOptions } from '../../lib/health/chonry-sms-health.options';
import { resolveChonrySmsQueueOptions } from '../../lib/queue/chonry-sms-queue.options';
import { ACCESS_KEY, createApp, SECRET, startSandbox } from '../helpers';

const base = { accessKey: ACCESS_KEY, secret: SECRET };

describe('numeric options given as strings (as ConfigService reads environment variables)', () => {
  it('accepts plain decimal strings in every option family', () => {
    const o = resolveChonrySmsOptions({ ...base, timeout: '5000', shutdownGracePeriod: '0', retry: { attempts: '4', initialDelay: '10', maxDelay: '100' } } as never);
    assert.deepEqual([o.timeout, o.shutdownGracePeriod, o.retry.attempts], [5000, 0, 4]);
    const h = resolveChonrySmsHealthOptions({ timeout: '2500', failureThreshold: '2' } as never);
    assert.deepEqual([h.timeout, h.failureThreshold], [2500, 2]);
    const q = resolveChonrySmsQueueOptions({ connection: { host: '127.0.0.1', port: 6379 }, concurrency: '3' } as never);
    assert.equal(q.concurrency, 3);
  });

  it('refuses other strings, saying it got a string', () => {
    for (const bad of ['5e3', '0x10', ' 5000', '5000 ', '5000.0', '', '+5', '05', 'five']) {
      assert.throws(
        () => resolveChonrySmsOptions({ ...base, timeout: bad } as never),
        (err: Error) => err instanceof ChonrySmsConfigError && err.message.includes(`option 'timeout'`) && err.message.includes(`got the string ${JSON.stringify(bad)}`),
        bad,
      );
    }
    assert.throws(() => resolveChonrySmsOptions({ ...base, retry: { attempts: '99' } } as never), /retry\.attempts' must be a whole number from 1 to 10 \(got the string "99"\)/);
  });

  it('a timeout read from ConfigService as a string sends over HTTP', async () => {
    const sandbox = await startSandbox();
    const app = await createApp({
      imports: [
        ChonrySmsModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ SMS_TIMEOUT: '5000', SMS_URL: sandbox.url })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ ...base, baseUrl: config.get<string>('SMS_URL'), timeout: config.get<number>('SMS_TIMEOUT') }),
        }),
      ],
    });
    try {
      const result = await app.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['hi'] });
      assert.ok(result.batchId);
      assert.equal(sandbox.requests.length, 1);
    } finally {
      await app.close();
      await sandbox.close();
    }
  });
});
