import { afterAll, beforeAll, describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ChonrySmsModule, ChonrySmsService } from '../../lib';
import { GatewayProbe } from '../../lib/health/gateway-probe';
import { CHONRY_AXIOS_DEFAULTS } from '../../lib/transport/isolated-axios';
import { ACCESS_KEY, createApp, SECRET } from '../helpers';

interface AxiosCopy {
  defaults: Record<string, unknown> & { headers: Record<string, Record<string, unknown>> };
}

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
};

// An app's worst global axios.defaults, applied to one copy of axios.
function poison(axios: AxiosCopy, proxyPort: number, adapterCalls: { n: number }, lookups: { n: number }): void {
  const d = axios.defaults;
  Object.assign(d, {
    timeout: 1,
    timeoutErrorMessage: 'app timeout',
    proxy: { protocol: 'http', host: '127.0.0.1', port: proxyPort },
    auth: { username: 'app-user', password: 'app-password' },
    baseURL: 'http://127.0.0.1:1',
    params: { leak: 'param' },
    transformRequest: [(data: unknown) => `${String(data)}&app=transformed`],
    transformResponse: [() => '{"code":"0","msg":"SUCCESS","batchId":"from-app-transform"}'],
    validateStatus: () => false,
    maxContentLength: 1,
    maxBodyLength: 1,
    maxRedirects: 5,
    decompress: false,
    responseType: 'arraybuffer',
    responseEncoding: 'latin1',
    httpVersion: 2,
    socketPath: '/nonexistent/app.sock',
    insecureHTTPParser: true,
    lookup: (...args: unknown[]) => {
      lookups.n++;
      (args.at(-1) as (e: Error) => void)(new Error('app lookup'));
    },
    adapter: () => {
      adapterCalls.n++;
      return Promise.reject(new Error('app adapter'));
    },
  });
  (d.transitional as Record<string, unknown>).clarifyTimeoutError = true;
  d.headers.common['X-App-Global'] = 'leak';
  d.headers.post.Authorization = 'Bearer app-token';
}

describe("the module's axios instances ignore the app's global axios.defaults", () => {
  let gateway: Server;
  let gatewayUrl: string;
  const received: { headers: IncomingHttpHeaders; body: string; url: string }[] = [];
  let proxy: Server;
  let proxyConnections = 0;
  const adapterCalls = { n: 0 };
  const lookups = { n: 0 };
  const copies: AxiosCopy[] = [];
  const saved: { copy: AxiosCopy; defaults: Record<string, unknown>; headers: string; transitional: unknown }[] = [];

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      // Answers after 150 ms, so an inherited 1 ms timeout would fail the send.
      req.on('end', () => {
        received.push({ headers: req.headers, body, url: req.url ?? '' });
        setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":"0","msg":"SUCCESS","batchId":"gateway-batch"}'), 150);
      });
    });
    gatewayUrl = `http://127.0.0.1:${await listen(gateway)}`;
    proxy = createServer((_req, res) => res.writeHead(502).end());
    proxy.on('connection', () => proxyConnections++);
    proxy.on('connect', (_req, socket: Socket) => socket.destroy());
    const proxyPort = await listen(proxy);

    // Both copies: Nest 12's @nestjs/axios imports the ESM build, Nest 11's requires the CommonJS one.
    const esm = ((await import('axios')) as unknown as { default: AxiosCopy }).default;
    const cjs = createRequire(__filename)('axios') as AxiosCopy;
    copies.push(esm, ...(cjs === esm ? [] : [cjs]));
    for (const copy of copies) {
      saved.push({ copy, defaults: { ...copy.defaults }, headers: JSON.stringify(copy.defaults.headers), transitional: { ...(copy.defaults.transitional as object) } });
      poison(copy, proxyPort, adapterCalls, lookups);
    }
  });

  afterAll(async () => {
    for (const { copy, defaults, headers, transitional } of saved) {
      for (const key of Object.keys(copy.defaults)) delete copy.defaults[key];
      Object.assign(copy.defaults, defaults, { headers: JSON.parse(headers), transitional });
    }
    gateway.closeAllConnections();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => gateway.close(r)), new Promise((r) => proxy.close(r))]);
  });

  it('a send goes to the gateway with exactly its own bytes, headers and reply', async () => {
    assert.ok(copies.length >= 1);
    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: gatewayUrl, timeout: 5000 })] });
    try {
      const result = await app.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['hello'] });
      assert.equal(result.batchId, 'gateway-batch', "the app's transformResponse must not shape the reply");
      assert.equal(received.length, 1);
      const [req] = received;
      assert.equal(req.url, '/intl/api/v2/send', "no app baseURL or params");
      assert.equal(req.body, `accesskey=${ACCESS_KEY}&secret=${SECRET}&mobile=447911123456&content=hello`);
      assert.equal(req.headers['x-app-global'], undefined);
      assert.equal(req.headers.authorization, undefined);
      assert.equal(proxyConnections, 0, "the app's proxy must see no SMS traffic");
      assert.equal(adapterCalls.n, 0, "the app's adapter must not carry SMS traffic");
      assert.equal(lookups.n, 0, "the app's DNS lookup must not be used");
    } finally {
      await app.close();
    }
  });

  it('the health probe ignores them too', async () => {
    const probe = new GatewayProbe();
    try {
      const result = await probe.probe(`${gatewayUrl}/`, 5000);
      assert.equal(result.reachable, true, JSON.stringify(result));
      assert.equal(proxyConnections, 0);
      assert.equal(adapterCalls.n, 0);
    } finally {
      probe.destroy();
    }
  });
});

describe('CHONRY_AXIOS_DEFAULTS', () => {
  it("pins every key of axios's built-in defaults (both builds)", () => {
    // A fresh process: this file's process has poisoned copies.
    const script = `
      const cjs = require('axios');
      import('axios').then(({ default: esm }) => {
        process.stdout.write(JSON.stringify([...new Set([...Object.keys(cjs.defaults), ...Object.keys(esm.defaults)])]));
      });`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const keys = JSON.parse(out.stdout) as string[];
    assert.ok(keys.includes('timeout') && keys.includes('adapter'), out.stdout);
    const unpinned = keys.filter((k) => k !== 'headers' && !(k in CHONRY_AXIOS_DEFAULTS));
    assert.deepEqual(unpinned, [], 'axios has defaults the module does not pin: decide their values in isolated-axios.ts');
  });
});
