import assert from 'node:assert/strict';
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from '@jest/globals';
import { ChonrySmsModule, ChonrySmsService } from '../../lib';
import { ChonrySmsTransport } from '../../lib/transport';
import { BodyPool } from '../../lib/transport/body-pool';
import type { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, SECRET, startSandbox } from '../helpers';

function numbers(count: number, from: number): string[] {
  return Array.from({ length: count }, (_, i) => String(8_613_900_000_000 + from + i));
}

describe('BodyPool', () => {
  it('reuses the memory of a body given back, zeroes what lies past the new end, and keeps at most two blocks', () => {
    const pool = new BodyPool();
    const first = pool.allocate(200_000);
    first.fill(0x53); // 'S', as a secret would
    pool.release(first);
    assert.equal(pool.kept, 1);
    const second = pool.allocate(150_000);
    assert.equal(second.buffer, first.buffer, 'the same memory');
    assert.equal(second.length, 150_000);
    assert.equal(pool.kept, 0);
    // What the earlier body left past the new one's end is not readable through `.buffer`.
    assert.ok(new Uint8Array(second.buffer, 150_000).every((b) => b === 0));
    const blocks = [second, pool.allocate(300_000), pool.allocate(400_000)];
    for (const b of blocks) pool.release(b);
    assert.equal(pool.kept, 2);
  });

  it('leaves alone what it did not hand out, small bodies, and a body given back twice', () => {
    const pool = new BodyPool();
    pool.release(Buffer.alloc(200_000));
    const small = pool.allocate(1_000);
    pool.release(small);
    assert.equal(pool.kept, 0);
    const body = pool.allocate(100_000);
    pool.release(body);
    pool.release(body);
    assert.equal(pool.kept, 1);
    const again = pool.allocate(100_000);
    assert.notEqual(pool.allocate(100_000).buffer, again.buffer, 'one block is never handed out twice');
  });
});

/** A gateway that answers as soon as it has the headers and then reads nothing more of the body. */
async function earlyAnswering(): Promise<{ server: Server; url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      const reply = JSON.stringify({ code: '0', msg: 'SUCCESS', batchId: 'early' });
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${reply.length}\r\n\r\n${reply}`);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

describe('send bodies from the pool, over HTTP', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function sender(baseUrl: string): Promise<{ sms: ChonrySmsService; transport: ChonrySmsTransport }> {
    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 10_000 })] });
    cleanups.push(() => app.close());
    return { sms: app.get(ChonrySmsService), transport: app.get(ChonrySmsTransport) };
  }

  it('sends every body whole when one memory block serves send after send (longer, shorter, personalised)', async () => {
    const sandbox: ChonrySmsSandbox = await startSandbox();
    cleanups.push(() => sandbox.close());
    const { sms, transport } = await sender(sandbox.url);
    const lists = [numbers(50_000, 0), numbers(20_000, 100_000), numbers(49_999, 200_000)];
    for (const mobiles of lists) await sms.send({ mobiles, variables: ['a+b', '100%'] });
    const messages = numbers(9_000, 300_000).map((mobile, i) => ({ mobile, variables: [`先生 ${i}`, 'x'] }));
    await sms.sendPersonalized({ messages });
    await sms.send({ mobiles: numbers(30_000, 400_000), variables: ['last'] });
    assert.equal(transport.bodies.kept, 1, 'the sends shared one block');
    // Four requests at once: four blocks in use, never one block for two of them.
    const bulk = await sms.sendBulk({ mobiles: numbers(200_000, 500_000), variables: ['bulk'] }, { concurrency: 4 });
    assert.equal(bulk.failed, 0);
    assert.equal(transport.bodies.kept, 2);
    const got = sandbox.messages;
    for (const mobiles of [...lists, numbers(30_000, 400_000)]) {
      for (const mobile of [mobiles[0], mobiles[mobiles.length - 1]]) assert.ok(got.some((m) => m.mobile === mobile), mobile);
    }
    assert.equal(got.length, 50_000 + 20_000 + 49_999 + 9_000 + 30_000 + 200_000);
    assert.equal(got.filter((m) => m.variables[0] === 'bulk').length, 200_000);
    assert.equal(new Set(got.map((m) => m.mobile)).size, got.length, 'no number twice, none garbled into another');
    const personal = got.filter((m) => m.variables[1] === 'x');
    assert.equal(personal.length, 9_000);
    assert.ok(personal.every((m) => m.variables[0] === `先生 ${Number(m.mobile) - 8_613_900_300_000}`));
    assert.equal(got.filter((m) => m.variables[0] === 'last').length, 30_000);
  }, 60_000);

  it('does not reuse a body its request never finished writing (answered early, the rest unread)', async () => {
    const gateway = await earlyAnswering();
    cleanups.push(() => new Promise((r) => gateway.server.close(r)));
    cleanups.push(async () => {
      for (const s of gateway.sockets) s.destroy();
    });
    const { sms, transport } = await sender(gateway.url);
    // About 60 MB: more than a loopback connection's socket buffers hold (tens of MB on Linux), so
    // the request cannot finish writing while the gateway reads nothing; the reply is back long
    // before. A pool that keeps blocks that large, so that only the check can refuse it.
    const pool = new BodyPool(128 * 1024 * 1024);
    (transport as unknown as { bodies: BodyPool }).bodies = pool;
    const messages = numbers(10_000, 0).map((mobile) => ({ mobile, variables: ['中'.repeat(400)] }));
    const result = await sms.sendPersonalized({ messages });
    assert.equal(result.batchId, 'early');
    assert.equal(pool.kept, 0, 'a body a request may still read was taken back');
  }, 30_000);
});
