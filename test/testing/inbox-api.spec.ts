import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { ChonrySmsApiError, ChonrySmsService } from '../../lib';
import { ChonrySmsSandbox, ChonrySmsTestingModule, SANDBOX_DELIVERY_RESULTS, type SandboxInboxState } from '../../lib/testing';
import { createApp, rejectionOf } from '../helpers';

/** The inbox page's JSON API, over real HTTP to the sandbox's own server. */
describe('sandbox inbox API: balance and delivery reports', () => {
  let app: INestApplication;
  let sandbox: ChonrySmsSandbox;
  let sms: ChonrySmsService;

  const state = async (): Promise<SandboxInboxState> => {
    const res = await fetch(`${sandbox.url}/_sandbox/state`);
    assert.equal(res.status, 200);
    // Parsed here, not by fetch's res.json(): that builds its objects in Node's realm, outside the
    // test's, and deepStrictEqual compares prototypes.
    return JSON.parse(await res.text()) as SandboxInboxState;
  };
  const postJson = async (path: string, body: string, contentType = 'application/json') => {
    const res = await fetch(`${sandbox.url}/_sandbox/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const send = (...mobiles: string[]) => sms.send({ mobiles, variables: ['A-1'] });

  beforeAll(async () => {
    app = await createApp({ imports: [ChonrySmsTestingModule.forRoot({ templateId: '100' })] });
    sandbox = app.get(ChonrySmsSandbox);
    sms = app.get(ChonrySmsService);
  });
  afterAll(() => app?.close());
  beforeEach(() => {
    sandbox.reset();
  });

  it('state carries the balance and the pending reports by result, and no secret', async () => {
    sandbox.setBalance(500).setDeliveryResult('447911123457', 'UNDELIV');
    await send('+44 7911 123456', '+44 7911 123457', '+44 7911 123458');
    const s = await state();
    assert.equal(s.balance, 497);
    assert.deepEqual(s.reports, { pending: 3, byResult: { DELIVRD: 2, UNDELIV: 1 } });
    assert.ok(!JSON.stringify(s).includes(sandbox.credentials.secret));
    await sms.pullDeliveryReports();
    assert.deepEqual((await state()).reports, { pending: 0, byResult: {} });
  });

  it('POST /_sandbox/balance sets the balance; a send beyond it is refused with 9010', async () => {
    const set = await postJson('balance', JSON.stringify({ balance: 1 }));
    assert.equal(set.status, 204);
    assert.equal(sandbox.internationalBalance, 1);
    assert.equal((await state()).balance, 1);
    const refused = await rejectionOf(send('+44 7911 123456', '+44 7911 123457'));
    assert.ok(refused instanceof ChonrySmsApiError);
    assert.equal(refused.code, '9010');
    assert.equal((await send('+44 7911 123456')).recipients, 1);
    assert.equal((await sms.getBalance()).internationalSms, 0);
    assert.equal((await postJson('balance', '{"balance":0}')).status, 204, 'zero is a balance');
  });

  it('POST /_sandbox/reports settles every pending report; the pulled reports carry the new result', async () => {
    await send('+44 7911 123456', '+86 139 0000 0001');
    const settled = await postJson('reports', JSON.stringify({ result: 'UNDELIV' }));
    assert.equal(settled.status, 200);
    assert.match(settled.type, /^application\/json/);
    assert.deepEqual(settled.json, { settled: 2 });
    assert.deepEqual((await state()).reports, { pending: 2, byResult: { UNDELIV: 2 } });
    const reports = await sms.pullDeliveryReports();
    assert.deepEqual(reports.map((r) => [r.mobile, r.result, r.status]).sort(), [
      ['447911123456', 'UNDELIV', 'failed'],
      ['8613900000001', 'UNDELIV', 'failed'],
    ]);
    assert.deepEqual((await postJson('reports', '{"result":"DELIVRD"}')).json, { settled: 0 }, 'pulled reports are not settled again');
    await send('+44 7911 123456');
    assert.deepEqual((await sms.pullDeliveryReports()).map((r) => r.result), ['DELIVRD'], 'later reports follow the usual rule');
  });

  it('settlePendingReports() is the same from code, and offers every listed result', async () => {
    assert.deepEqual([...SANDBOX_DELIVERY_RESULTS], ['DELIVRD', 'UNDELIV', 'REJECT', 'EXPIRED', 'UNKNOWN']);
    await send('+44 7911 123456');
    for (const result of SANDBOX_DELIVERY_RESULTS) {
      assert.deepEqual((await postJson('reports', JSON.stringify({ result }))).json, { settled: 1 });
      assert.deepEqual(sandbox.inbox().reports.byResult, { [result]: 1 });
    }
    assert.equal(sandbox.settlePendingReports('EXPIRED'), 1);
    assert.deepEqual((await sms.pullDeliveryReports()).map((r) => [r.result, r.status]), [['EXPIRED', 'failed']]);
  });

  it('refuses bad bodies with 400 JSON { error }, changing nothing', async () => {
    await send('+44 7911 123456');
    const before = sandbox.internationalBalance;
    for (const [path, body] of [
      ['balance', '{"balance":-1}'],
      ['balance', '{"balance":1.5}'],
      ['balance', '{"balance":"10"}'],
      ['balance', '{}'],
      ['balance', '[5]'],
      ['balance', 'not json'],
      ['reports', '{"result":"<script>"}'],
      ['reports', '{"result":""}'],
      ['reports', '{}'],
      ['reports', 'null'],
      ['faults', '{"fault":{"kind":"code","code":"<script>"}}'],
    ]) {
      const res = await postJson(path, body);
      assert.equal(res.status, 400, `${path} ${body}`);
      assert.match(res.type, /^application\/json/);
      assert.equal(typeof res.json?.error, 'string', `${path} ${body}`);
    }
    assert.equal(sandbox.internationalBalance, before);
    assert.deepEqual(sandbox.inbox().reports.byResult, { DELIVRD: 1 });
    assert.equal(sandbox.inbox().faults, 0);
  });

  it('refuses a body over 10,000 bytes with 413 and any content type but JSON with 415', async () => {
    for (const path of ['balance', 'reports', 'faults']) {
      const padded = `{"balance":5,"result":"UNDELIV","pad":"${'x'.repeat(10_001)}"}`.slice(0, 10_001);
      assert.equal(Buffer.byteLength(padded), 10_001);
      assert.equal((await postJson(path, padded)).status, 413, path);
      const exact = `{"balance":5,"result":"UNDELIV","pad":"${'x'.repeat(10_000)}`.slice(0, 9_998) + '"}';
      assert.equal(Buffer.byteLength(exact), 10_000);
      assert.notEqual((await postJson(path, exact)).status, 413, `${path}: 10,000 bytes are read`);
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        assert.equal((await postJson(path, '{"balance":7,"result":"UNDELIV"}', type)).status, 415, `${path} ${type}`);
      }
    }
    assert.notEqual(sandbox.internationalBalance, 7);
  });

  it('these calls never appear in sandbox.requests and never consume a fault', async () => {
    await send('+44 7911 123456');
    const requests = sandbox.requests.length;
    sandbox.fault({ kind: 'code', code: '9010' }, 1);
    await state();
    await postJson('balance', '{"balance":100}');
    await postJson('reports', '{"result":"UNDELIV"}');
    await postJson('reports', '{"result":1}');
    await postJson('balance', 'x'.repeat(10_001));
    await postJson('balance', 'balance=1', 'application/x-www-form-urlencoded');
    assert.equal(sandbox.requests.length, requests);
    assert.equal(sandbox.inbox().faults, 1);
    assert.equal((await rejectionOf(send('+44 7911 123456')) as ChonrySmsApiError).code, '9010');
  });

  it('publishes an event when the balance or the reports change', async () => {
    const controller = new AbortController();
    const res = await fetch(`${sandbox.url}/_sandbox/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    const kinds: string[] = [];
    let buffered = '';
    const block = async (): Promise<string> => {
      while (!buffered.includes('\n\n')) buffered += new TextDecoder().decode((await reader.read()).value);
      const end = buffered.indexOf('\n\n');
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      return event;
    };
    /** The next data event's kind (skipping the opening `retry:`). */
    const next = async (): Promise<void> => {
      for (;;) {
        const data = /^data: (.*)$/m.exec(await block())?.[1];
        if (data) return void kinds.push((JSON.parse(data) as { kind: string }).kind);
      }
    };
    try {
      assert.match(await block(), /^retry:/);
      await send('+44 7911 123456');
      await next();
      await postJson('balance', '{"balance":9}');
      await next();
      await postJson('reports', '{"result":"UNDELIV"}');
      await next();
      assert.deepEqual(kinds, ['requests', 'balance', 'reports']);
    } finally {
      controller.abort();
    }
  });
});
