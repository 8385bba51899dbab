import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { isError } from '../suite-support';
import { CHONRY_SEND_PATH } from '../../lib';
import { encodeSendForm, personalizedData } from '../../lib/transport';
import { ChonrySmsSandbox, SANDBOX_CHECKED_CODES, SandboxFault } from '../../lib/testing';
import { ACCESS_KEY, loadVectors, rejectionOf, SECRET, startSandbox } from '../helpers';

/** POSTs a raw form body to the sandbox's send endpoint, as any HTTP client would. */
async function post(sandbox: ChonrySmsSandbox, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const res = await fetch(sandbox.url + CHONRY_SEND_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body,
    signal,
  });
  return { status: res.status, text: await res.text() };
}

async function code(sandbox: ChonrySmsSandbox, body: string): Promise<string> {
  const { status, text } = await post(sandbox, body);
  assert.equal(status, 200);
  return (JSON.parse(text) as { code: string }).code;
}

const form = (fields: Parameters<typeof encodeSendForm>[2], accessKey = ACCESS_KEY, secret = SECRET): string =>
  encodeSendForm(accessKey, secret, fields).toString('latin1');

describe('ChonrySmsSandbox', () => {
  let sandbox: ChonrySmsSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
  });

  describe('the official client vectors', () => {
    it('decode to the original text when replayed byte for byte', async () => {
      const vectorSandbox = new ChonrySmsSandbox({ accessKey: 'xxxxxxxxxx', secret: 'yyyyyyyyyy' });
      await vectorSandbox.start();
      try {
        const vectors = loadVectors();
        assert.ok(vectors.length >= 4);
        for (const v of vectors) {
          vectorSandbox.reset();
          const { text } = await post(vectorSandbox, v.body);
          const reply = JSON.parse(text) as { code: string; batchId: string };
          assert.equal(reply.code, '0', v.name);
          const received = vectorSandbox.requests[0];
          assert.equal(received.rawBody, v.body, v.name);
          assert.equal(received.fields.secret, '[redacted]', v.name);
          if (v.kind === 'plain') {
            assert.equal(received.fields.content, v.content, v.name);
            assert.equal(received.fields.mobile, v.mobile, v.name);
            const separator = v.content!.includes('$$') ? '$$' : '##';
            assert.deepEqual(
              vectorSandbox.messages.map((m) => [m.mobile, m.variables.join(separator), m.batchId]),
              v.mobile!.split(',').map((m) => [m, v.content, reply.batchId]),
              v.name,
            );
          } else {
            assert.equal(received.fields.data, v.data, v.name);
            const data = JSON.parse(v.data!) as Record<string, string>;
            assert.deepEqual(
              vectorSandbox.messages.map((m) => [m.mobile, m.variables.join('##'), m.sign, m.templateId]),
              Object.entries(data).map(([mobile, text]) => [mobile, text, '123', '100']),
              v.name,
            );
          }
        }
      } finally {
        await vectorSandbox.close();
      }
    });

    it('shows what a once-encoding client would corrupt', async () => {
      // `+` encoded only once arrives as a space after the provider's second decode.
      const onceEncoded = `accesskey=${ACCESS_KEY}&secret=${SECRET}&mobile=447911123456&content=${encodeURIComponent('a+b')}`;
      assert.equal(await code(sandbox, onceEncoded), '0');
      assert.deepEqual(sandbox.messages[0].variables, ['a b']);
    });
  });

  describe('what it records', () => {
    it('keeps one message per recipient with every common field and a fresh batchId per request', async () => {
      const body = form({ sign: '【Acme】', templateId: '7', mobile: '447911123456,8613900000001', content: 'x$$y', scheduleSendTime: '2026-02-28 23:59:59', senderId: 'ACME' });
      await post(sandbox, body);
      await post(sandbox, form({ data: personalizedData([['8613700000000', 'a##b']]) }));
      const [first, second, third] = sandbox.messages;
      assert.deepEqual(
        { ...first, batchId: undefined },
        { mobile: '447911123456', variables: ['x', 'y'], templateId: '7', sign: '【Acme】', scheduleSendTime: '2026-02-28 23:59:59', senderId: 'ACME', batchId: undefined },
      );
      assert.equal(second.mobile, '8613900000001');
      assert.equal(first.batchId, second.batchId);
      assert.notEqual(third.batchId, first.batchId);
      assert.match(third.batchId, /^[0-9a-f]{32}$/);
      assert.deepEqual(third.variables, ['a', 'b']);
      assert.equal(sandbox.acceptedRecipients, 3);
      assert.equal(sandbox.acceptedRequests, 2);
      assert.equal(sandbox.acceptedCount.get('447911123456'), 1);
      assert.deepEqual(sandbox.requests.map((r) => r.reply.code), ['0', '0']);
    });

    it('counts without keeping messages when recordMessages is false', async () => {
      const counting = await startSandbox({ recordMessages: false });
      try {
        await post(counting, form({ mobile: '447911123456,447911123457', content: 'x' }));
        assert.equal(counting.messages.length, 0);
        assert.equal(counting.acceptedRecipients, 2);
      } finally {
        await counting.close();
      }
    });

    it('answers other paths 404 without accepting anything', async () => {
      const res = await fetch(`${sandbox.url}/`, { method: 'HEAD' });
      assert.equal(res.status, 404);
      assert.equal(sandbox.requests[0].method, 'HEAD');
      assert.equal(sandbox.acceptedRequests, 0);
    });

    it('restarts on the same port after close, and refuses connections while closed', async () => {
      const restartable = await startSandbox();
      const url = restartable.url;
      await restartable.close();
      assert.throws(() => restartable.url, /not started/);
      const refused = await rejectionOf(fetch(url + CHONRY_SEND_PATH, { method: 'POST', body: '' }));
      assert.match(String((refused as { cause?: { code?: string } }).cause?.code), /ECONNREFUSED/);
      assert.equal(await restartable.start(), url);
      assert.equal(await code(restartable, form({ mobile: '447911123456', content: 'x' })), '0');
      await restartable.close();
    });
  });

  describe('each error code it claims', () => {
    const cases: [string, () => string][] = [
      ['9002', () => `secret=${SECRET}&mobile=447911123456&content=x`],
      ['9002', () => `accesskey=${ACCESS_KEY}&mobile=447911123456&content=x`],
      ['9002', () => form({ mobile: '447911123456' })],
      ['9002', () => form({ content: 'x' })],
      ['9003', () => form({ mobile: '447911123456,+447911123457', content: 'x' })],
      ['9003', () => form({ mobile: '07911123456', content: 'x' })],
      ['9003', () => form({ data: personalizedData([['12345', 'x']]) })],
      ['9006', () => form({ mobile: '447911123456', content: 'x' }, 'other-key')],
      ['9006', () => form({ mobile: '447911123456', content: 'x' }, ACCESS_KEY, 'wrong-secret')],
      ['9009', () => `accesskey=${ACCESS_KEY}&secret=${SECRET}&mobile=447911123456&content=%25E0%25A4`],
      ['9009', () => form({ data: '{"447911123456":' })],
      ['9009', () => form({ data: '["447911123456"]' })],
      ['9009', () => form({ data: '{"447911123456":5}' })],
      ['9010', () => (sandbox.setBalance(1), form({ mobile: '447911123456,447911123457', content: 'x' }))],
      ['9012', () => form({ mobile: '447911123456', content: 'x', scheduleSendTime: '2026-02-30 10:00:00' })],
      ['9012', () => form({ mobile: '447911123456', content: 'x', scheduleSendTime: '2026-01-01T10:00:00' })],
      ['9014', () => form({ mobile: Array.from({ length: 50_001 }, (_, i) => String(447_700_000_000 + i)).join(','), content: 'x' })],
      ['9014', () => form({ data: personalizedData(Array.from({ length: 10_001 }, (_, i) => [String(447_700_000_000 + i), 'x'] as const)) })],
      ['9019', () => form({ mobile: '447911123456', content: '' })],
      ['9019', () => form({ data: personalizedData([['447911123456', '']]) })],
      ['9022', () => form({ mobile: '', content: 'x' })],
      ['9022', () => form({ data: '{}' })],
    ];
    for (const [expected, body] of cases) {
      it(`answers ${expected} (${SANDBOX_CHECKED_CODES[expected as keyof typeof SANDBOX_CHECKED_CODES]}) and accepts nothing`, async () => {
        sandbox.reset();
        const { text } = await post(sandbox, body());
        const reply = JSON.parse(text) as { code: string; msg: string; batchId?: string };
        assert.equal(reply.code, expected);
        assert.ok(reply.msg.length > 0);
        assert.equal(reply.batchId, undefined);
        assert.equal(sandbox.messages.length, 0);
        assert.equal(sandbox.acceptedRecipients, 0);
      });
    }

    it('covers every code it claims, and accepts the limits exactly', async () => {
      assert.deepEqual(new Set(cases.map(([c]) => c)), new Set(Object.keys(SANDBOX_CHECKED_CODES)));
      const many = Array.from({ length: 50_000 }, (_, i) => String(447_700_000_000 + i));
      assert.equal(await code(sandbox, form({ mobile: many.join(','), content: 'x' })), '0');
      assert.equal(await code(sandbox, form({ data: personalizedData(many.slice(0, 10_000).map((m) => [m, 'x'] as const)) })), '0');
      assert.equal(sandbox.acceptedRecipients, 60_000);
    });
  });

  describe('fault injection', () => {
    const send = (): string => form({ mobile: '447911123456', content: 'x' });

    it('answers an HTTP status with an HTML body, for the next N requests only', async () => {
      sandbox.fault({ kind: 'status', status: 503 }, 2);
      assert.equal((await post(sandbox, send())).status, 503);
      const second = await post(sandbox, send());
      assert.equal(second.status, 503);
      assert.match(second.text, /<html>/);
      assert.equal(await code(sandbox, send()), '0');
      assert.deepEqual(sandbox.requests.map((r) => [r.fault, r.reply.status]), [['status', 503], ['status', 503], [undefined, 200]]);
      assert.equal(sandbox.acceptedRequests, 1);
    });

    it('answers a non-JSON body', async () => {
      sandbox.fault({ kind: 'body', body: 'maintenance' }, 1);
      const { status, text } = await post(sandbox, send());
      assert.equal(status, 200);
      assert.equal(text, 'maintenance');
      assert.equal(sandbox.messages.length, 0);
    });

    it('answers a given provider code, with the known meaning or a given msg', async () => {
      sandbox.fault({ kind: 'code', code: '9010' }, 1).fault({ kind: 'code', code: '4242', msg: 'brand new' }, 1);
      assert.deepEqual(JSON.parse((await post(sandbox, send())).text), { code: '9010', msg: 'balance insufficient' });
      assert.deepEqual(JSON.parse((await post(sandbox, send())).text), { code: '4242', msg: 'brand new' });
      assert.equal(sandbox.messages.length, 0);
    });

    it('delays the answer but accepts the message (it may have gone out)', async () => {
      sandbox.fault({ kind: 'delay', ms: 300 }, 1);
      const err = await rejectionOf(post(sandbox, send(), AbortSignal.timeout(100)));
      assert.equal(err.name, 'TimeoutError');
      assert.equal(sandbox.messages.length, 1);
      sandbox.fault({ kind: 'delay', ms: 50 }, 1);
      assert.equal(await code(sandbox, send()), '0');
    });

    it('drops the connection without accepting anything', async () => {
      sandbox.fault({ kind: 'drop' }, 1);
      const err = await rejectionOf(post(sandbox, send()));
      assert.match(err.message, /fetch failed/);
      assert.equal(sandbox.requests[0].fault, 'drop');
      assert.equal(sandbox.messages.length, 0);
      assert.equal(await code(sandbox, send()), '0');
    });

    it('resets the connection in the middle of the answer, after accepting', async () => {
      sandbox.fault({ kind: 'reset-mid-response' }, 1);
      const err = await rejectionOf(post(sandbox, send()));
      assert.ok(isError(err));
      assert.equal(sandbox.messages.length, 1);
    });

    it('keeps a fault until cleared, and never spends it on other paths', async () => {
      const fault: SandboxFault = { kind: 'status', status: 500 };
      sandbox.fault(fault);
      assert.equal((await fetch(`${sandbox.url}/other`)).status, 404);
      assert.equal((await fetch(`${sandbox.url}/`)).status, 200, 'the inbox page');
      for (let i = 0; i < 3; i++) assert.equal((await post(sandbox, send())).status, 500);
      sandbox.clearFaults();
      assert.equal(await code(sandbox, send()), '0');
    });

    it('close() cancels answers still held back by a delay', async () => {
      const slow = await startSandbox();
      slow.fault({ kind: 'delay', ms: 60_000 });
      const pending = rejectionOf(post(slow, form({ mobile: '447911123456', content: 'x' })));
      while (slow.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      await slow.close();
      assert.ok(isError(await pending));
    });
  });

  describe('pushing reports, and close()', () => {
    /** A push target that holds every request without answering, or answers 500 each time. */
    async function target(answer: 'hold' | 500): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
      let hits = 0;
      const server = createServer((req, res) => {
        hits++;
        req.resume();
        if (answer === 500) res.writeHead(500).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}/push`,
        hits: () => hits,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((r) => server.close(() => r()));
        },
      };
    }

    it('close() cancels a push waiting for its answer: it settles, and the report is kept for pull', async () => {
      const held = await target('hold');
      const s = await startSandbox({ pushReportsTo: held.url });
      try {
        assert.equal(await code(s, form({ mobile: '447911123456', content: 'x' })), '0');
        while (held.hits() === 0) await new Promise((r) => setTimeout(r, 5));
        const started = Date.now();
        await s.close();
        assert.ok(Date.now() - started < 2_000, 'close() did not wait out the 10 s request timeout');
        let settled = false;
        await Promise.race([s.pushesSettled().then(() => (settled = true)), new Promise((r) => setImmediate(r))]);
        assert.ok(settled, 'no push is in flight after close()');
        assert.equal(s.waitingReports.length, 1, 'the cancelled push is kept for pull');
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(held.hits(), 1, 'nothing was pushed after close()');
      } finally {
        await s.close();
        await held.close();
      }
    });

    it('close() cancels a push between its retries, and a closed sandbox pushes nothing', async () => {
      const failing = await target(500);
      const s = await startSandbox({ pushReportsTo: failing.url });
      try {
        assert.equal(await code(s, form({ mobile: '447911123456', content: 'x' })), '0');
        while (failing.hits() === 0) await new Promise((r) => setTimeout(r, 5));
        await s.close();
        const hits = failing.hits();
        assert.ok(hits < 5, 'the retries were cut short');
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(failing.hits(), hits, 'no retry after close()');
        assert.equal(s.waitingReports.length, 1);
        // Started again, it pushes again.
        await s.start();
        assert.equal(await code(s, form({ mobile: '447911123457', content: 'x' })), '0');
        while (failing.hits() === hits) await new Promise((r) => setTimeout(r, 5));
      } finally {
        await s.close();
        await failing.close();
      }
    });
  });
});
