import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ChonrySmsApiError, ChonrySmsService, ChonrySmsTransportError } from '../../lib';
import { ChonrySmsSandbox, ChonrySmsTestingModule } from '../../lib/testing';
import { rejectionOf } from '../helpers';

/** A user's own service, the thing their tests are really about. */
@Injectable()
class OrderNotifier {
  constructor(private readonly sms: ChonrySmsService) {}
  shipped(mobile: string, orderId: string) {
    return this.sms.send({ mobiles: [mobile], variables: [orderId] });
  }
}

@Module({ providers: [OrderNotifier], exports: [OrderNotifier] })
class OrdersModule {}

describe('ChonrySmsTestingModule', () => {
  it('wires the module to a running sandbox in one line, with the sandbox injectable', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ChonrySmsTestingModule.forRoot({ templateId: '100', sign: '【Acme】', isGlobal: true }), OrdersModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const sandbox = app.get(ChonrySmsSandbox);
    try {
      const result = await app.get(OrderNotifier).shipped('+44 7911 123456', 'A-1');
      assert.equal(result.recipients, 1);
      assert.deepEqual(sandbox.messages.map((m) => [m.mobile, m.variables, m.templateId, m.sign, m.batchId]), [
        ['447911123456', ['A-1'], '100', '【Acme】', result.batchId],
      ]);

      sandbox.fault({ kind: 'code', code: '9010' }, 1);
      const rejected = await rejectionOf(app.get(OrderNotifier).shipped('447911123456', 'A-2'));
      assert.ok(rejected instanceof ChonrySmsApiError);
      assert.equal(rejected.code, '9010');
    } finally {
      await app.close();
    }
    assert.throws(() => sandbox.url, /not started/, 'the sandbox closes with the application');
  });

  it('gives each application its own sandbox, and passes overrides to both sides', async () => {
    const make = () =>
      Test.createTestingModule({
        imports: [ChonrySmsTestingModule.forRoot({ accessKey: 'my-key', timeout: 200, sandbox: { recordMessages: false } })],
      }).compile();
    const [a, b] = await Promise.all([make(), make()]);
    try {
      const sandboxA = a.get(ChonrySmsSandbox);
      const sandboxB = b.get(ChonrySmsSandbox);
      assert.notEqual(sandboxA.url, sandboxB.url);
      assert.equal(sandboxA.credentials.accessKey, 'my-key');
      await a.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] });
      assert.equal(sandboxA.acceptedRecipients, 1);
      assert.equal(sandboxA.messages.length, 0);
      assert.equal(sandboxB.acceptedRecipients, 0);

      sandboxB.fault({ kind: 'delay', ms: 1_000 }, 1);
      const err = await rejectionOf(b.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.ok(err instanceof ChonrySmsTransportError);
      assert.equal(err.kind, 'timeout');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lets a test check that wrong credentials surface as the provider rejection', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ChonrySmsTestingModule.forRoot({ accessKey: 'a-wrong-key', sandbox: { accessKey: 'the-real-key' } })],
    }).compile();
    try {
      const err = await rejectionOf(moduleRef.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.ok(err instanceof ChonrySmsApiError);
      assert.equal(err.code, '9006');
    } finally {
      await moduleRef.close();
    }
  });
});
