import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import {
  ChonrySmsApiError,
  ChonrySmsModule,
  ChonrySmsService,
  ChonrySmsTransportError,
  ChonrySmsValidationError,
  SendSmsDto,
} from '../lib';
import { ChonrySmsSandbox } from '../lib/testing';
import { ACCESS_KEY, createApp, loadVectors, rejectionOf, SECRET, startSandbox } from './helpers';

describe('ChonrySmsService over HTTP to the sandbox', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 1000, templateId: '100', sign: '【Acme】' })],
    });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  it('sends one request with normalised, de-duplicated mobiles and returns the batch', async () => {
    const result = await sms.send({ mobiles: ['+44 7911 123456', '0044-7911-123456', '8613900000001'], variables: ['先生', '9:40'] });
    assert.equal(sandbox.requests.length, 1);
    assert.equal(result.recipients, 2);
    assert.equal(result.msg, 'SUCCESS');
    assert.equal(result.batchId, sandbox.requests[0].reply.batchId);
    assert.deepEqual(
      sandbox.messages.map((m) => [m.mobile, m.variables, m.templateId, m.sign]),
      [
        ['447911123456', ['先生', '9:40'], '100', '【Acme】'],
        ['8613900000001', ['先生', '9:40'], '100', '【Acme】'],
      ],
    );
  });

  it('sends personalised messages as one data request, round-tripping reserved characters', async () => {
    const result = await sms.sendPersonalized({
      messages: [
        { mobile: '+86 137 0000 0000', variables: ['a+b c%d&e=f', '100%'] },
        { mobile: '8613700000001', variables: ['"quoted" \\ back', '😀'] },
      ],
      templateId: '200',
      senderId: 'ACME',
      scheduleSendTime: new Date('2026-03-01T10:05:09Z'),
    });
    assert.equal(result.recipients, 2);
    assert.equal(sandbox.requests.length, 1);
    assert.deepEqual(
      sandbox.messages.map((m) => [m.mobile, m.variables, m.templateId, m.senderId, m.scheduleSendTime]),
      [
        ['8613700000000', ['a+b c%d&e=f', '100%'], '200', 'ACME', '2026-03-01 18:05:09'],
        ['8613700000001', ['"quoted" \\ back', '😀'], '200', 'ACME', '2026-03-01 18:05:09'],
      ],
    );
  });

  it('accepts a DTO instance as well as a plain object', async () => {
    const dto = Object.assign(new SendSmsDto(), { mobiles: ['447911123456'], variables: ['x'] });
    assert.equal((await sms.send(dto)).recipients, 1);
  });

  it('refuses bad input with every problem listed, and sends nothing', async () => {
    const err = await rejectionOf(
      sms.send({ mobiles: ['447911123456', '07911 123456'], variables: ['ok', 'a##b'], templateId: '', scheduleSendTime: '2023-02-30 10:00:00' } as SendSmsDto),
    );
    assert.ok(err instanceof ChonrySmsValidationError);
    assert.deepEqual(
      err.problems.map((p) => p.path).sort(),
      ['mobiles[1]', 'scheduleSendTime', 'templateId', 'variables[1]'],
    );
    assert.equal(err.delivery, 'not-sent');
    assert.match(err.message, /mobiles\[1\]: "07911 123456" has no country code/);
    assert.equal(sandbox.requests.length, 0);
  });

  it('refuses unknown fields, non-objects and personalised duplicates before any I/O', async () => {
    const typo = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'], templateID: '1' } as unknown as SendSmsDto));
    assert.ok(typo instanceof ChonrySmsValidationError);
    assert.deepEqual(typo.problems, [{ path: 'templateID', message: 'is not a known field' }]);
    assert.ok((await rejectionOf(sms.send(null as unknown as SendSmsDto))) instanceof ChonrySmsValidationError);
    const dup = await rejectionOf(
      sms.sendPersonalized({ messages: [{ mobile: '447911123456', variables: ['a'] }, { mobile: '+44 7911 123456', variables: ['b'] }] }),
    );
    assert.ok(dup instanceof ChonrySmsValidationError);
    assert.match(dup.message, /messages\[1\]\.mobile: 447911123456 is already the recipient of messages\[0\]/);
    assert.equal(sandbox.requests.length, 0);
  });

  it('surfaces a provider rejection as ChonrySmsApiError with code and meaning', async () => {
    sandbox.fault({ kind: 'code', code: '9010', msg: 'balance insufficient' }, 1);
    const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
    assert.ok(err instanceof ChonrySmsApiError);
    assert.equal(err.code, '9010');
    assert.equal(err.meaning, 'balance insufficient');
    assert.equal(err.delivery, 'not-sent');

    sandbox.fault({ kind: 'code', code: '4242', msg: 'brand new' }, 1);
    const unknown = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
    assert.ok(unknown instanceof ChonrySmsApiError);
    assert.equal(unknown.code, '4242');
    assert.equal(unknown.meaning, undefined);
    assert.match(unknown.message, /unknown code.*brand new/);
  });

  it('turns HTTP errors, non-JSON bodies, timeouts and resets into transport errors of unknown delivery', async () => {
    const cases: [Parameters<ChonrySmsSandbox['fault']>[0], string][] = [
      [{ kind: 'status', status: 502 }, 'http-status'],
      [{ kind: 'body', body: '<html>maintenance</html>' }, 'bad-response'],
      [{ kind: 'body', body: '{"code":"0","msg":"SUCC' }, 'bad-response'],
      [{ kind: 'delay', ms: 1500 }, 'timeout'],
      [{ kind: 'drop' }, 'connection-reset'],
      [{ kind: 'reset-mid-response' }, 'connection-reset'],
    ];
    for (const [fault, kind] of cases) {
      sandbox.reset().fault(fault, 1);
      const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.ok(err instanceof ChonrySmsTransportError, `${fault.kind}: ${String(err)}`);
      assert.equal(err.kind, kind, fault.kind);
      assert.equal(err.delivery, 'unknown', fault.kind);
      assert.equal(sandbox.requests.length, 1, fault.kind);
    }
  });

  it('replays the official client vectors through the service byte for byte', async () => {
    const vectorSandbox = await startSandbox({ accessKey: 'xxxxxxxxxx', secret: 'yyyyyyyyyy' });
    const vectorApp = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: 'xxxxxxxxxx', secret: 'yyyyyyyyyy', baseUrl: vectorSandbox.url })],
    });
    try {
      const service = vectorApp.get(ChonrySmsService);
      let replayed = 0;
      for (const v of loadVectors()) {
        if (v.kind === 'plain' && v.content!.includes('##')) {
          await service.send({ mobiles: v.mobile!.split(','), variables: v.content!.split('##') });
        } else if (v.kind === 'personal') {
          const data = JSON.parse(v.data!) as Record<string, string>;
          await service.sendPersonalized({
            sign: '123',
            templateId: '100',
            messages: Object.entries(data).map(([mobile, text]) => ({ mobile, variables: text.split('##') })),
          });
        } else continue;
        replayed++;
        assert.equal(vectorSandbox.requests.at(-1)!.rawBody, v.body, v.name);
      }
      assert.equal(replayed, 3);
    } finally {
      await vectorApp.close();
      await vectorSandbox.close();
    }
  });
});
