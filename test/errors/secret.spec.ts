import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { isError } from '../suite-support';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsError, ChonrySmsModule, ChonrySmsService, ChonrySmsTransportError, CHONRY_SMS_RESOLVED_OPTIONS } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, CapturingLogger, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

/** A port that was free a moment ago, so connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function assertNoSecret(label: string, value: unknown): void {
  const texts = [String(value), JSON.stringify(value), inspect(value, { depth: Infinity, showHidden: true })];
  if (isError(value)) texts.push(value.stack ?? '', value.message);
  for (const text of texts) assert.ok(!text.includes(SECRET), `${label} leaks the secret: ${text}`);
}

describe('errors and logs never carry the secret', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 300 })] }, logger);
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });

  it('on success, on every error kind, and in every log line at debug level', async () => {
    const ok = await sms.send({ mobiles: ['447911123456'], variables: [SECRET.slice(0, 10)] });
    assertNoSecret('result', ok);

    const errors: unknown[] = [];
    errors.push(await rejectionOf(sms.send({ mobiles: ['12345'], variables: ['a##b'] })));
    for (const fault of [
      { kind: 'code', code: '9006' },
      { kind: 'status', status: 500 },
      { kind: 'body', body: 'not json' },
      { kind: 'delay', ms: 600 },
      { kind: 'drop' },
      { kind: 'reset-mid-response' },
    ] as const) {
      sandbox.reset().fault(fault, 1);
      errors.push(await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] })));
    }
    const refusedApp = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: `http://127.0.0.1:${await closedPort()}` })],
    }, logger);
    try {
      const refused = await rejectionOf(refusedApp.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.ok(refused instanceof ChonrySmsTransportError);
      assert.equal(refused.kind, 'connection-refused');
      assert.equal(refused.delivery, 'not-sent');
      errors.push(refused);
      assertNoSecret('resolved options', refusedApp.get(CHONRY_SMS_RESOLVED_OPTIONS));
    } finally {
      await refusedApp.close();
    }

    assert.equal(errors.length, 8);
    for (const err of errors) {
      assert.ok(err instanceof ChonrySmsError, `not a ChonrySmsError: ${String(err)}`);
      assert.ok(!('config' in err) && !('request' in err) && !('response' in err) && !('cause' in err), 'carries a raw client error');
      assertNoSecret((err as Error).name, err);
    }
    assert.ok(logger.lines.length > 0, 'expected some log lines to scan');
    for (const line of logger.lines) assert.ok(!line.includes(SECRET), line);
  });
});
