import assert from 'node:assert/strict';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { describe, it } from '@jest/globals';
import {
  ChonrySmsApiError,
  ChonrySmsDeliveryReportsError,
  ChonrySmsModule,
  ChonrySmsService,
  ChonrySmsTransportError,
} from '../../lib';
import { parseProviderTime } from '../../lib/validation';
import { ACCESS_KEY, createApp, rejectionOf, SECRET } from '../helpers';

/**
 * A stand-in for the provider's main host, independent of the sandbox: it decodes the form the way a
 * servlet does and answers `reply(path)` for every POST.
 */
async function withApiHost(
  reply: (path: string) => { status?: number; body: string },
  run: (sms: ChonrySmsService, received: { path: string; body: string }[]) => Promise<void>,
  options: Record<string, unknown> = {},
): Promise<void> {
  const received: { path: string; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      received.push({ path, body: Buffer.concat(chunks).toString('utf8') });
      const r = reply(path);
      res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json;charset=UTF-8' }).end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = await createApp({
    // baseUrl points nowhere: the account calls must not use it.
    imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: 'http://127.0.0.1:9', apiBaseUrl: url, timeout: 2_000, ...options })],
  });
  try {
    await run(app.get(ChonrySmsService), received);
  } finally {
    await app.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const ok = (data: string) => () => ({ body: `{"code":"0","msg":"SUCCESS","data":${data}}` });

function assertClean(err: Error, ...forbidden: string[]): void {
  for (const shown of [err.message, err.stack ?? '', JSON.stringify(err), inspect(err)]) {
    for (const f of [SECRET, ...forbidden]) assert.ok(!shown.includes(f), `${f} shown in ${shown}`);
  }
}

async function badResponse(data: string, call: (sms: ChonrySmsService) => Promise<unknown>, ...forbidden: string[]): Promise<ChonrySmsTransportError> {
  let err!: Error;
  await withApiHost(ok(data), async (sms) => {
    err = await rejectionOf(call(sms));
  });
  assert.ok(err instanceof ChonrySmsTransportError, String(err));
  assert.equal(err.kind, 'bad-response', err.message);
  assertClean(err, ...forbidden);
  return err;
}

describe('account replies from an independent stand-in of the main host', () => {
  it('posts accesskey and secret only, each encoded once like a send, to the documented paths', async () => {
    const secret = 'p+a%s s&=é';
    await withApiHost(
      (path) => (path === '/query/account' ? ok('{"国际短信":"99.26","接口短信":".00","彩信":3}')() : ok('[]')()),
      async (sms, received) => {
        const balance = await sms.getBalance();
        assert.deepEqual(balance, { internationalSms: 99.26, balances: { 国际短信: '99.26', 接口短信: '.00', 彩信: 3 } });
        await sms.listTemplates();
        await sms.listSigns();
        assert.deepEqual(await sms.pullDeliveryReports(), []);
        assert.deepEqual(received.map((r) => r.path), ['/query/account', '/query/templatelist', '/query/signlist', '/report/status']);
        for (const r of received) assert.equal(r.body, `accesskey=${ACCESS_KEY}&secret=p%2Ba%25s+s%26%3D%C3%A9`);
      },
      { secret },
    );
  });

  it('a non-zero code is a ChonrySmsApiError with the provider message, for every call', async () => {
    await withApiHost(() => ({ body: '{"code":"9007","msg":"IP not allowed"}' }), async (sms) => {
      for (const call of [() => sms.getBalance(), () => sms.listTemplates(), () => sms.listSigns(), () => sms.pullDeliveryReports()]) {
        const err = await rejectionOf(call());
        assert.ok(err instanceof ChonrySmsApiError, String(err));
        assert.equal(err.code, '9007');
        assert.equal(err.providerMessage, 'IP not allowed');
        assertClean(err);
      }
    });
  });

  it('an unknown code still surfaces with its msg', async () => {
    await withApiHost(() => ({ body: '{"code":"12345","msg":"something new"}' }), async (sms) => {
      const err = await rejectionOf(sms.getBalance());
      assert.ok(err instanceof ChonrySmsApiError);
      assert.equal(err.code, '12345');
      assert.equal(err.meaning, undefined);
      assert.match(err.message, /something new/);
    });
  });

  it('an HTTP error page is http-status; a body that is not JSON, or JSON without code, is bad-response', async () => {
    for (const [reply, kind] of [
      [{ status: 502, body: '<html>bad gateway</html>' }, 'http-status'],
      [{ body: '<html>maintenance</html>' }, 'bad-response'],
      [{ body: '[1,2]' }, 'bad-response'],
      [{ body: '{"msg":"SUCCESS","data":{}}' }, 'bad-response'],
      [{ body: '{"code":"SUCCESS","data":{}}' }, 'bad-response'],
      [{ body: '{"ret":"0","data":{}}' }, 'bad-response'],
    ] as const) {
      await withApiHost(() => reply, async (sms) => {
        const err = await rejectionOf(sms.getBalance());
        assert.ok(err instanceof ChonrySmsTransportError, String(err));
        assert.equal(err.kind, kind, reply.body);
        assertClean(err, 'maintenance');
      });
    }
  });

  it('a balance data that is not an object of numbers and amounts is bad-response, never passed through', async () => {
    for (const data of ['[]', '"100"', 'null', '{"国际短信":{"v":1}}', '{"国际短信":"lots"}', '{"国际短信":true}', '{"国际短信":null}']) {
      await badResponse(data, (sms) => sms.getBalance(), 'lots');
    }
  });

  it('a balance without 国际短信 has no internationalSms; a key named __proto__ stays a plain key', async () => {
    await withApiHost(ok('{"接口短信":5,"__proto__":"1.00"}'), async (sms) => {
      const balance = await sms.getBalance();
      assert.equal('internationalSms' in balance, false);
      assert.equal(Object.getPrototypeOf(balance.balances), Object.prototype);
      assert.deepEqual(Object.entries(balance.balances), [['接口短信', 5], ['__proto__', '1.00']]);
    });
  });

  it('templates and signs outside the documented shape are bad-response', async () => {
    const good = '"templateId":1,"template":"t {1}","applyStatus":2,"categoryId":2';
    for (const data of [
      '{}',
      '[1]',
      `[{${good.replace('"applyStatus":2', '"applyStatus":7')}}]`,
      `[{${good.replace('"categoryId":2', '"categoryId":9')}}]`,
      `[{${good.replace('"template":"t {1}"', '"template":""')}}]`,
      `[{${good.replace('"templateId":1', '"templateId":"abc<script>"')}}]`,
      `[{${good},"applyReply":{"x":1}}]`,
    ]) {
      await badResponse(data, (sms) => sms.listTemplates(), '<script>');
    }
    await withApiHost(ok(`[{${good},"applyReply":null,"customerId":123456789012345678901}]`), async (sms) => {
      assert.deepEqual(await sms.listTemplates(), [{ templateId: '1', text: 't {1}', status: 'approved', category: 'notice' }]);
    });
    for (const data of ['[{"signId":1,"sign":"【a】","applyStatus":4}]', '[{"signId":1,"applyStatus":2}]', '[{"signId":null,"sign":"【a】","applyStatus":2}]']) {
      await badResponse(data, (sms) => sms.listSigns());
    }
  });

  it('reports: deliverTime is read in the module time zone; string and numeric fields as the provider sends them', async () => {
    const data = '[{"smUuid":"26175_12_0_15172413692_0_tejrsVO_1","deliverTime":"2026-03-01 08:30:00","mobile":"8615172413692","deliverResult":"DELIVRD","batchId":"b1"},' +
      '{"smUuid":"u2","deliverTime":"2026-03-01 08:30:05","mobile":447911123456,"deliverResult":"REJECT"}]';
    await withApiHost(ok(data), async (sms) => {
      assert.deepEqual(await sms.pullDeliveryReports(), [
        { smUuid: '26175_12_0_15172413692_0_tejrsVO_1', mobile: '8615172413692', batchId: 'b1', status: 'delivered', result: 'DELIVRD', deliveredAt: new Date('2026-03-01T00:30:00Z') },
        { smUuid: 'u2', mobile: '447911123456', status: 'failed', result: 'REJECT', deliveredAt: new Date('2026-03-01T00:30:05Z') },
      ]);
    });
    await withApiHost(ok(data), async (sms) => {
      const [first] = await sms.pullDeliveryReports();
      assert.deepEqual(first.deliveredAt, new Date('2026-03-01T08:30:00Z'));
    }, { timeZone: 'UTC' });
  });

  it('a pulled batch with malformed entries keeps the well-formed reports on the error, echoing none of the bad ones', async () => {
    const data = '[{"smUuid":"u1","deliverTime":"2026-03-01 08:30:00","mobile":"447911123456","deliverResult":"DELIVRD","batchId":"b1"},' +
      '{"smUuid":"u2","deliverTime":"yesterday-at-noon","mobile":"447911123457","deliverResult":"DELIVRD"},' +
      '{"smUuid":"u3","deliverTime":"2026-02-30 08:30:00","mobile":"447911123458","deliverResult":"DELIVRD"},' +
      '"junk-entry",' +
      '{"smUuid":"u5","deliverTime":"2026-03-01 08:30:00","mobile":"+44 7911","deliverResult":"DELIVRD"}]';
    const err = await badResponse(data, (sms) => sms.pullDeliveryReports(), 'yesterday-at-noon', 'junk-entry', '+44 7911');
    assert.ok(err instanceof ChonrySmsDeliveryReportsError, String(err));
    assert.equal(err.malformed, 4);
    assert.deepEqual(err.reports.map((r) => r.smUuid), ['u1']);
    assert.equal(err.account, 'default');
    await badResponse('{"smUuid":"u1"}', (sms) => sms.pullDeliveryReports());
  });

  it('parseProviderTime reads wall-clock time in a zone, across a daylight-saving change, and refuses unreal dates', () => {
    assert.deepEqual(parseProviderTime('2026-01-01 08:00:00', 'Asia/Shanghai'), new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(parseProviderTime('2026-07-01 12:00:00', 'Europe/London'), new Date('2026-07-01T11:00:00Z'));
    assert.deepEqual(parseProviderTime('2026-01-01 12:00:00', 'Europe/London'), new Date('2026-01-01T12:00:00Z'));
    assert.equal(parseProviderTime('2026-02-29 00:00:00', 'UTC'), undefined);
    assert.equal(parseProviderTime('2026-01-01T00:00:00', 'UTC'), undefined);
  });
});
