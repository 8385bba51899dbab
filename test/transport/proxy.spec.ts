import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { promisify } from 'node:util';
import { ChonrySmsConfigError, ChonrySmsModule, ChonrySmsTransportError } from '../../lib';
import type { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';
import { freePort, ONE_SMS, smsApp } from '../reliability/support';
import { selfSignedCertificate } from '../reliability/self-signed-certificate';
import { TestProxy } from './test-proxy';

const run = promisify(execFile);
const PHONE = ONE_SMS.mobiles[0];

/** A TLS front (trusted only by the child process) that hands the decrypted bytes to the sandbox. */
async function tlsFront(sandboxUrl: string, cert: { key: string; cert: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const port = Number(new URL(sandboxUrl).port);
  const server = tls.createServer(cert, (s) => {
    const up = net.connect(port, '127.0.0.1');
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('proxy option: a real forward proxy between the module and the gateway', () => {
  let sandbox: ChonrySmsSandbox;
  let proxy: TestProxy;
  let front: { url: string; close: () => Promise<void> };
  let caDir: string;
  const cert = selfSignedCertificate('localhost');

  beforeAll(async () => {
    sandbox = await startSandbox();
    front = await tlsFront(sandbox.url, cert);
    caDir = mkdtempSync(join(tmpdir(), 'chonry-ca-'));
    writeFileSync(join(caDir, 'ca.pem'), cert.cert);
  });
  afterAll(async () => {
    await front.close();
    await sandbox.close();
    rmSync(caDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sandbox.reset();
    proxy = new TestProxy();
    await proxy.start();
  });
  // Each test closes its own proxy.

  async function sendInChild(options: object, env: NodeJS.ProcessEnv = {}): Promise<{ batchId?: string; error?: { kind: string; delivery: string; message: string; status?: number } }> {
    const { stdout } = await run(process.execPath, [join(__dirname, 'proxy-client-process.js'), JSON.stringify(options)], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: join(caDir, 'ca.pem'), ...env },
      timeout: 20_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it('https gateway: the message goes through a CONNECT tunnel; the proxy never sees the body, the secret or a number', async () => {
    const out = await sendInChild({ baseUrl: front.url, proxy: { url: proxy.url } });
    await proxy.close();
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.ok(out.batchId);
    assert.equal(sandbox.requests.length, 1, 'the gateway received the send once');
    assert.deepEqual(proxy.connects.map((c) => c.target), [`localhost:${new URL(front.url).port}`]);
    assert.equal(proxy.forwarded.length, 0, 'no request in clear text');
    for (const needle of [SECRET, encodeURIComponent(SECRET), ACCESS_KEY, PHONE, 'accesskey=', '/intl/api/v2/send']) {
      assert.ok(!proxy.traffic.includes(needle), `proxy traffic contains ${needle}`);
    }
  });

  it("'env': HTTPS_PROXY is used for an https gateway; NO_PROXY naming the host bypasses it", async () => {
    const via = await sendInChild({ baseUrl: front.url, proxy: 'env' }, { HTTPS_PROXY: proxy.url });
    assert.ok(via.batchId, JSON.stringify(via.error));
    assert.equal(proxy.connects.length, 1);
    const bypass = await sendInChild({ baseUrl: front.url, proxy: 'env' }, { https_proxy: proxy.url, NO_PROXY: 'example.org, localhost' });
    assert.ok(bypass.batchId, JSON.stringify(bypass.error));
    assert.equal(proxy.connects.length, 1, 'NO_PROXY host went direct');
    await proxy.close();
    assert.equal(sandbox.requests.length, 2);
  });

  it('without the option, HTTPS_PROXY / HTTP_PROXY in the environment are ignored (direct connection)', async () => {
    const out = await sendInChild({ baseUrl: front.url }, { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
    await proxy.close();
    assert.ok(out.batchId, JSON.stringify(out.error));
    assert.equal(proxy.connects.length + proxy.forwarded.length, 0);
  });

  for (const status of [407, 403]) {
    it(`a proxy refusing CONNECT with ${status}: kind 'proxy', not-sent, naming the proxy; nothing reached the gateway, no retry needed`, async () => {
      proxy.refuseConnect = status;
      const { app, sms } = await smsApp(front.url, { proxy: { url: proxy.url } });
      try {
        const err = await rejectionOf(sms.send(ONE_SMS));
        assert.ok(err instanceof ChonrySmsTransportError, String(err));
        assert.equal(err.kind, 'proxy');
        assert.equal(err.delivery, 'not-sent');
        assert.equal(err.status, status);
        assert.match(err.message, new RegExp(`proxy 127\\.0\\.0\\.1:\\d+ refused to open a tunnel to the gateway \\(HTTP ${status}\\)`));
        assert.match(err.message, /safe to retry/);
        assert.equal(sandbox.requests.length, 0);
      } finally {
        await app.close();
        await proxy.close();
      }
    });
  }

  it("an unreachable proxy: kind 'proxy', not-sent, naming the proxy (and never its password)", async () => {
    const port = await freePort();
    await proxy.close();
    const { app, sms } = await smsApp(front.url, { proxy: { url: `http://user:pa55word@127.0.0.1:${port}` } });
    try {
      const err = await rejectionOf(sms.send(ONE_SMS));
      assert.ok(err instanceof ChonrySmsTransportError);
      assert.equal(err.kind, 'proxy');
      assert.equal(err.delivery, 'not-sent');
      assert.match(err.message, new RegExp(`proxy 127\\.0\\.0\\.1:${port} could not be reached \\(ECONNREFUSED\\)`));
      assert.ok(!JSON.stringify(err).includes('pa55word') && !err.stack!.includes('pa55word'));
    } finally {
      await app.close();
    }
  });

  it('http gateway: sent in absolute-URI form with Proxy-Authorization from the URL; the gateway gets it unchanged', async () => {
    const { app, sms } = await smsApp(sandbox.url, { proxy: { url: proxy.url.replace('http://', 'http://ada:s%40me@') } });
    try {
      const result = await sms.send(ONE_SMS);
      assert.ok(result.batchId);
      assert.equal(proxy.forwarded.length, 1);
      assert.equal(proxy.forwarded[0].url, `${sandbox.url}/intl/api/v2/send`);
      assert.equal(proxy.forwarded[0].authorization, `Basic ${Buffer.from('ada:s@me').toString('base64')}`);
      assert.equal(sandbox.requests.length, 1);
      assert.equal(sandbox.requests[0].rawBody, proxy.forwarded[0].body, 'the same bytes as without a proxy');
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  it("http gateway, proxy answering 407: kind 'proxy', not-sent", async () => {
    proxy.refuseRequests = 407;
    const { app, sms } = await smsApp(sandbox.url, { proxy: { url: proxy.url } });
    try {
      const err = await rejectionOf(sms.send(ONE_SMS));
      assert.ok(err instanceof ChonrySmsTransportError);
      assert.equal(err.kind, 'proxy');
      assert.equal(err.delivery, 'not-sent');
      assert.equal(sandbox.requests.length, 0);
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  it('bad proxy options fail at start-up without echoing the URL (it may hold a password)', async () => {
    await proxy.close();
    for (const [value, pattern] of [
      ['yes', /must be false, 'env' or \{ url/],
      [{ url: 'https://proxy.example:3128' }, /must be an http: proxy URL \(got https:\)/],
      [{ url: 'http://u:hunter2@proxy.example:3128/path' }, /origin only/],
      [{ url: 'http://u:hunter2@[bad' }, /is not a URL/],
    ] as const) {
      const err = await rejectionOf(createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, proxy: value as never })] }));
      assert.ok(err instanceof ChonrySmsConfigError, String(err));
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('hunter2'));
    }
  });
});
