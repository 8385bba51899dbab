import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from '@jest/globals';
import { ChonrySmsModule, ChonrySmsService } from '../../lib';
import { CHONRY_IDLE_SOCKET_TIMEOUT_MS } from '../../lib/transport';
import { createApp } from '../helpers';

/** A gateway that answers every POST with success and counts the TCP connections it accepts. */
async function countingGateway(keepAliveTimeoutMs: number, answerAfterMs = 0): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume().on('end', () => setTimeout(() => res.end(JSON.stringify({ code: '0', msg: 'SUCCESS', batchId: 'b' })), answerAfterMs));
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('ChonrySmsTransport connections', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function sender(url: string, timeout?: number): Promise<ChonrySmsService> {
    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: 'k', secret: 's', baseUrl: url, timeout })] });
    cleanups.push(() => app.close());
    return app.get(ChonrySmsService);
  }
  const one = { mobiles: ['447911123456'], variables: ['x'] };

  it('reuses one keep-alive connection for back-to-back sends', async () => {
    const gateway = await countingGateway(5_000);
    cleanups.push(() => new Promise((r) => gateway.server.close(r)));
    const sms = await sender(gateway.url);
    for (let i = 0; i < 5; i++) await sms.send(one);
    assert.equal(gateway.connections(), 1);
  });

  it("drops an idle connection before the server's announced keep-alive timeout runs out", async () => {
    // Node announces `Keep-Alive: timeout=2`; the transport must retire the socket after ~1 s idle,
    // rather than write the next request onto a connection the server is about to close.
    const gateway = await countingGateway(2_000);
    cleanups.push(() => new Promise((r) => gateway.server.close(r)));
    const sms = await sender(gateway.url);
    await sms.send(one);
    await sleep(1_500);
    await sms.send(one);
    assert.equal(gateway.connections(), 2);
  });

  it('lets a request run past the idle-socket timeout, up to the configured timeout', async () => {
    const gateway = await countingGateway(5_000, CHONRY_IDLE_SOCKET_TIMEOUT_MS + 500);
    cleanups.push(() => new Promise((r) => gateway.server.close(r)));
    const sms = await sender(gateway.url, CHONRY_IDLE_SOCKET_TIMEOUT_MS + 3_000);
    assert.equal((await sms.send(one)).batchId, 'b');
  });
});
