import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ChonrySmsApiError, ChonrySmsTransportError } from '../../lib';
import { rejectionOf } from '../helpers';
import { ONE_SMS, smsApp } from '../reliability/support';

/** A gateway that answers every POST with `reply`, after reading the whole request. */
async function withGateway(reply: (res: ServerResponse) => void, run: (url: string, posts: () => number) => Promise<void>): Promise<void> {
  let posts = 0;
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => posts);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const json = (body: string) => (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);

async function failureOf(reply: (res: ServerResponse) => void): Promise<Error> {
  let err!: Error;
  await withGateway(reply, async (url, posts) => {
    const { app, sms } = await smsApp(url);
    try {
      err = await rejectionOf(sms.send(ONE_SMS));
      assert.equal(posts(), 1);
    } finally {
      await app.close();
    }
  });
  return err;
}

describe('replies that are not quite the provider format', () => {
  it('a body whose gzip stream is corrupt is a bad response of unknown delivery', async () => {
    const good = gzipSync('{"code":"0","msg":"SUCCESS","batchId":"b1"}');
    const corrupt = Buffer.concat([good.subarray(0, 12), Buffer.from('garbage-in-the-deflate-stream'), good.subarray(12)]);
    const err = await failureOf((res) => res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': corrupt.length }).end(corrupt));
    assert.ok(err instanceof ChonrySmsTransportError, String(err));
    assert.equal(err.errno, 'Z_DATA_ERROR');
    assert.equal(err.kind, 'bad-response');
    assert.equal(err.delivery, 'unknown');
  });

  it('a well-formed gzip body is read', async () => {
    const body = gzipSync('{"code":"0","msg":"SUCCESS","batchId":"b-gz"}');
    await withGateway(
      (res) => res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': body.length }).end(body),
      async (url) => {
        const { app, sms } = await smsApp(url);
        try {
          assert.equal((await sms.send(ONE_SMS)).batchId, 'b-gz');
        } finally {
          await app.close();
        }
      },
    );
  });

  for (const body of ['{"code":"0","msg":"SUCCESS"}', '{"code":"0","msg":"SUCCESS","batchId":""}', '{"code":"0","msg":"SUCCESS","batchId":null}']) {
    it(`code "0" without a batch id is a bad response of unknown delivery: ${body}`, async () => {
      const err = await failureOf(json(body));
      assert.ok(err instanceof ChonrySmsTransportError, String(err));
      assert.equal(err.kind, 'bad-response');
      assert.equal(err.delivery, 'unknown');
      assert.match(err.message, /code "0".*without a batchId/);
    });
  }

  for (const code of [' 0', '0 ', '00', '+0', '0.0', '1e0', '', 'SUCCESS']) {
    it(`a code that is not a plain whole number is a bad response, not a rejection: ${JSON.stringify(code)}`, async () => {
      const err = await failureOf(json(JSON.stringify({ code, msg: 'SUCCESS', batchId: 'b1' })));
      assert.ok(!(err instanceof ChonrySmsApiError), err.message);
      assert.ok(err instanceof ChonrySmsTransportError, String(err));
      assert.equal(err.kind, 'bad-response');
      assert.equal(err.delivery, 'unknown');
    });
  }

  it('a real rejection code is still an API error that was not sent', async () => {
    const err = await failureOf(json('{"code":"9006","msg":"balance"}'));
    assert.ok(err instanceof ChonrySmsApiError, String(err));
    assert.equal(err.code, '9006');
    assert.equal(err.delivery, 'not-sent');
  });
});
