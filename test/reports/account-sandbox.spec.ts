import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import {
  CHONRY_BALANCE_PATH,
  CHONRY_REPORTS_PATH,
  CHONRY_SMS_RESOLVED_OPTIONS,
  ChonrySmsApiError,
  ChonrySmsConfigError,
  ChonrySmsModule,
  ChonrySmsService,
  ResolvedChonrySmsOptions,
  resolveChonrySmsOptions,
} from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

async function accountApp(sandbox: ChonrySmsSandbox, extra: Record<string, unknown> = {}): Promise<{ app: INestApplication; sms: ChonrySmsService }> {
  const app = await createApp({
    imports: [ChonrySmsModule.forRoot({ ...sandbox.credentials, baseUrl: sandbox.url, apiBaseUrl: sandbox.url, templateId: '100', timeout: 2_000, ...extra })],
  });
  return { app, sms: app.get(ChonrySmsService) };
}

describe('account endpoints against the sandbox, over HTTP', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox();
    ({ app, sms } = await accountApp(sandbox));
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  it('getBalance reads 国际短信 as internationalSms and keeps every raw key', async () => {
    sandbox.setBalance(1234);
    const balance = await sms.getBalance();
    assert.equal(balance.internationalSms, 1234);
    assert.deepEqual(balance.balances, { 国际短信: 1234, 接口短信: '.00' });
    const request = sandbox.requests.at(-1)!;
    assert.equal(request.path, CHONRY_BALANCE_PATH);
    assert.equal(request.rawBody, `accesskey=${ACCESS_KEY}&secret=${SECRET}`);
  });

  it('accepted sends draw the balance down by their recipients; a send beyond it is refused with 9010', async () => {
    sandbox.setBalance(5);
    await sms.send({ mobiles: ['447911123456', '447911123457', '8613900000001'], variables: ['a'] });
    assert.equal((await sms.getBalance()).internationalSms, 2);
    const err = await rejectionOf(sms.send({ mobiles: ['447911123456', '447911123457', '8613900000001'], variables: ['a'] }));
    assert.ok(err instanceof ChonrySmsApiError, String(err));
    assert.equal(err.code, '9010');
    assert.equal((await sms.getBalance()).internationalSms, 2);
    assert.equal(sandbox.waitingReports.length, 3);
  });

  it('listTemplates maps review state and category, and keeps ids beyond 2^53 digit for digit', async () => {
    sandbox.setTemplates([
      { templateId: '123456789012345678901', text: '{1}您好,您的订单于{2}已通过{3}发货', status: 'approved', categoryId: 2 },
      { templateId: '7', text: 'code {1}', status: 'rejected', categoryId: 1, reply: '内容不符' },
      { templateId: '8', text: 'sale {1}', status: 'pending', categoryId: 3 },
    ]);
    const templates = await sms.listTemplates();
    assert.deepEqual(templates, [
      { templateId: '123456789012345678901', text: '{1}您好,您的订单于{2}已通过{3}发货', status: 'approved', category: 'notice' },
      { templateId: '7', text: 'code {1}', status: 'rejected', category: 'verification-code', reply: '内容不符' },
      { templateId: '8', text: 'sale {1}', status: 'pending', category: 'marketing' },
    ]);
    assert.match(sandbox.requests.at(-1)!.rawBody, /^accesskey=.*&secret=/);
  });

  it('listSigns maps review state and keeps the reviewer reply', async () => {
    sandbox.setSigns([
      { signId: '9007199254740993', sign: '【Acme】', status: 'approved' },
      { signId: '12', sign: '【Bad】', status: 'rejected', reply: 'not allowed' },
    ]);
    assert.deepEqual(await sms.listSigns(), [
      { signId: '9007199254740993', sign: '【Acme】', status: 'approved' },
      { signId: '12', sign: '【Bad】', status: 'rejected', reply: 'not allowed' },
    ]);
    assert.deepEqual(await sms.listTemplates(), []);
  });

  it('pullDeliveryReports gives one report per accepted recipient, once; DELIVRD by default', async () => {
    sandbox.setDeliveryResult('447911123457', 'UNDELIV');
    const before = Date.now();
    const sent = await sms.send({ mobiles: ['447911123456', '447911123457'], variables: ['a'] });
    const reports = await sms.pullDeliveryReports();
    assert.equal(sandbox.requests.at(-1)!.path, CHONRY_REPORTS_PATH);
    assert.equal(reports.length, 2);
    const byMobile = new Map(reports.map((r) => [r.mobile, r]));
    assert.equal(byMobile.get('447911123456')!.status, 'delivered');
    assert.equal(byMobile.get('447911123456')!.result, 'DELIVRD');
    assert.equal(byMobile.get('447911123457')!.status, 'failed');
    assert.equal(byMobile.get('447911123457')!.result, 'UNDELIV');
    for (const r of reports) {
      assert.equal(r.batchId, sent.batchId);
      assert.ok(r.smUuid.length > 0);
      assert.ok(r.deliveredAt instanceof Date);
      // deliverTime has whole seconds and is written in Beijing time; read back in the module's zone.
      assert.ok(Math.abs(r.deliveredAt.getTime() - before) < 5_000, r.deliveredAt.toISOString());
    }
    assert.deepEqual(await sms.pullDeliveryReports(), []);
  });

  it('wrong credentials are a ChonrySmsApiError 9006 naming the account, without the secret', async () => {
    const other = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: 'another-secret' });
    await other.start();
    const { app: wrong, sms: wrongSms } = await accountApp(sandbox, { apiBaseUrl: other.url });
    try {
      for (const call of [() => wrongSms.getBalance(), () => wrongSms.listTemplates(), () => wrongSms.listSigns(), () => wrongSms.pullDeliveryReports()]) {
        const err = await rejectionOf(call());
        assert.ok(err instanceof ChonrySmsApiError, String(err));
        assert.equal(err.code, '9006');
        assert.equal(err.account, 'default');
        for (const shown of [err.message, err.stack ?? '', JSON.stringify(err), inspect(err)]) assert.ok(!shown.includes(SECRET));
      }
    } finally {
      await wrong.close();
      await other.close();
    }
  });

  it('account calls go to apiBaseUrl, sends to baseUrl', async () => {
    const api = await startSandbox();
    const { app: split, sms: splitSms } = await accountApp(sandbox, { apiBaseUrl: api.url });
    try {
      api.setBalance(77);
      await splitSms.send({ mobiles: ['447911123456'], variables: ['a'] });
      assert.equal((await splitSms.getBalance()).internationalSms, 77);
      assert.deepEqual(sandbox.requests.map((r) => r.path), ['/intl/api/v2/send']);
      assert.deepEqual(api.requests.map((r) => r.path), [CHONRY_BALANCE_PATH]);
    } finally {
      await split.close();
      await api.close();
    }
  });

  it('apiBaseUrl defaults to the main host and is checked like baseUrl, per account', async () => {
    const resolved = resolveChonrySmsOptions({ accessKey: 'k', secret: 's' });
    assert.equal(resolved.apiBaseUrl, 'https://api.1cloudsp.com');
    assert.equal(resolveChonrySmsOptions({ accessKey: 'k', secret: 's', apiBaseUrl: 'http://127.0.0.1:9/' }).apiBaseUrl, 'http://127.0.0.1:9');
    for (const bad of ['not a url', 'ftp://x', 'https://u:p@x', 'https://x/?q=1', 42]) {
      const err = (() => {
        try {
          resolveChonrySmsOptions({ accessKey: 'k', secret: 's', apiBaseUrl: bad as string }, 'billing');
        } catch (e) {
          return e;
        }
      })();
      assert.ok(err instanceof ChonrySmsConfigError, String(bad));
      assert.equal(err.option, 'apiBaseUrl');
      assert.equal(err.account, 'billing');
    }
    assert.equal(app.get<ResolvedChonrySmsOptions>(CHONRY_SMS_RESOLVED_OPTIONS).apiBaseUrl, sandbox.url);
  });
});
