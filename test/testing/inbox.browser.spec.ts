import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { skipIf } from '../suite-support';
import type { INestApplication } from '@nestjs/common';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ChonrySmsService } from 'nestjs-chonry-sms';
import type { ChonrySmsSandbox } from 'nestjs-chonry-sms/testing';
import { createSampleApp } from '../../sample/create-app';
import { SandboxGateway } from '../../sample/sandbox/sandbox-gateway';

// Debian's Chromium (apt-get install -y chromium). CI installs it and must run this test; on a
// machine without it the test is skipped with that reason, unless CI is set.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the inbox page test`);

/** Polls what the page shows (its CSP forbids Playwright's string-evaluated waits). */
async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); ) {
    if (Date.now() > end) throw new Error('the page never showed the expected state');
    await new Promise((r) => setTimeout(r, 50));
  }
}

skipIf(haveChromium ? false : `no Chromium at ${CHROMIUM}`, describe)('sandbox inbox page in a real browser, mounted by the sample at /sandbox', () => {
  let app: INestApplication;
  let base: string;
  let sandbox: ChonrySmsSandbox;
  let browser: Browser;
  let page: Page;

  const post = async (mobiles: string[], variables: string[]) => {
    const res = await fetch(`${base}/sms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobiles, variables, templateId: '100' }) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    Object.assign(process.env, { CHONRY_ACCESS_KEY: '', CHONRY_SECRET: '', CHONRY_TEMPLATE_ID: '', CHONRY_SIGN: '', CHONRY_BASE_URL: '' });
    app = await createSampleApp(false);
    await app.listen(0);
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    sandbox = app.get(SandboxGateway).sandbox!;
    // The sample points the sandbox's report pushes at itself; this page is about reports left for pull.
    sandbox.pushReportsTo(undefined);
    sandbox.setTemplates([{ templateId: '100', text: 'Hello {1}, your parcel arrives at {2}.' }]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows a message sent through the API live, as the recipient reads it, with the secret redacted', async () => {
    await page.goto(`${base}/sandbox`);
    await page.getByText('live', { exact: true }).waitFor();
    assert.equal(await page.locator('#messages li').count(), 0);
    const sent = await post(['+44 7911 123456'], ['Ada', '9:40']);
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const item = page.locator('#messages li').first();
    await item.getByText('Hello Ada, your parcel arrives at 9:40.').waitFor({ timeout: 5000 });
    assert.match(await item.locator('.to').innerText(), /\+447911123456/);
    await item.getByText('Request fields').click();
    const fields = await item.locator('pre').innerText();
    assert.match(fields, /secret = \[redacted\]/);
    assert.match(fields, /mobile = 447911123456/);
    const html = await page.content();
    assert.ok(!html.includes(sandbox.credentials.secret), 'the page never shows the secret');
  });

  it('lists newest first and searches by number', async () => {
    await post(['+86 139 0000 0001'], ['Bo', '10:15']);
    await page.locator('#messages li').nth(1).waitFor();
    assert.match(await page.locator('#messages li').first().innerText(), /8613900000001/);
    await page.getByLabel('Search by number').fill('44 7911');
    await until(async () => (await page.locator('#messages li').count()) === 1);
    assert.match(await page.locator('#messages li').first().innerText(), /Hello Ada/);
    await page.getByLabel('Search by number').fill('');
  });

  it('injects a provider code from the page (keyboard only); the next send fails with it, the one after succeeds', async () => {
    await page.getByLabel('Fault', { exact: true }).selectOption('code');
    await page.getByLabel('Value', { exact: true }).fill('9010');
    await page.getByRole('button', { name: 'Inject next fault' }).focus();
    await page.keyboard.press('Enter');
    await until(async () => (await page.locator('#faults').innerText()) === '1');
    const failed = await post(['+44 7911 123457'], ['Cy', '11:00']);
    assert.equal(failed.status, 502);
    assert.equal((failed.json as { code?: string }).code, '9010', JSON.stringify(failed.json));
    await until(async () => (await page.locator('#faults').innerText()) === '0');
    const ok = await post(['+44 7911 123457'], ['Cy', '11:00']);
    assert.equal(ok.status, 202);
    await page.getByText('Hello Cy, your parcel arrives at 11:00.').waitFor({ timeout: 5000 });
  });

  it('shows the pending reports after a send; "Fail pending reports" makes the pulled reports UNDELIV', async () => {
    const sms = app.get(ChonrySmsService);
    await sms.pullDeliveryReports();
    const text = (id: string) => page.locator(id).innerText();
    await until(async () => (await text('#pending')) === '0');
    assert.equal(await text('#by-result'), '');
    assert.equal((await post(['+44 7911 123458', '+44 7911 123459'], ['Di', '12:00'])).status, 202);
    await until(async () => (await text('#pending')) === '2');
    assert.match(await text('#by-result'), /DELIVRD 2/);
    await page.getByRole('button', { name: 'Fail pending reports' }).click();
    await until(async () => /2 pending reports set to UNDELIV/.test(await text('#notice')));
    assert.equal(await page.locator('#notice').getAttribute('aria-live'), 'polite');
    await until(async () => /UNDELIV 2/.test(await text('#by-result')));
    const reports = await sms.pullDeliveryReports();
    assert.deepEqual(reports.map((r) => [r.mobile, r.result]).sort(), [['447911123458', 'UNDELIV'], ['447911123459', 'UNDELIV']]);
    await until(async () => (await text('#pending')) === '0');
    assert.equal((await post(['+44 7911 123458'], ['Di', '12:30'])).status, 202);
    await until(async () => (await text('#pending')) === '1');
    await page.getByRole('button', { name: 'Deliver pending reports' }).click();
    await until(async () => /1 pending report set to DELIVRD/.test(await text('#notice')));
    assert.deepEqual((await sms.pullDeliveryReports()).map((r) => r.result), ['DELIVRD']);
  });

  it('sets the balance from the page (keyboard only) and shows balance changes live', async () => {
    const text = (id: string) => page.locator(id).innerText();
    await page.getByLabel('New balance').fill('2');
    await page.keyboard.press('Enter');
    await until(async () => sandbox.internationalBalance === 2);
    await until(async () => (await text('#balance')) === '2');
    assert.equal(await text('#notice'), 'Balance set to 2.');
    const refused = await post(['+44 7911 123456', '+44 7911 123457', '+44 7911 123458'], ['Ed', '13:00']);
    assert.equal((refused.json as { code?: string }).code, '9010', JSON.stringify(refused.json));
    assert.equal((await post(['+44 7911 123456'], ['Ed', '13:00'])).status, 202);
    await until(async () => (await text('#balance')) === '1', 5000);
    sandbox.setBalance(1_234_567);
    await until(async () => (await text('#balance')) === '1,234,567');
    assert.ok(!(await page.content()).includes(sandbox.credentials.secret));
    if (process.env.INBOX_SCREENSHOT) await page.screenshot({ path: process.env.INBOX_SCREENSHOT, fullPage: true });
  });

  it('the sandbox serves the same page at its own root, and refuses faults that are not JSON', async () => {
    const res = await fetch(`${sandbox.url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Chonry SMS sandbox inbox/);
    const form = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'fault=drop' });
    assert.equal(form.status, 415);
    const bad = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: { kind: 'code', code: '<script>' } }) });
    assert.equal(bad.status, 400);
    assert.equal(sandbox.inbox().faults, 0);
  });
});
