import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { isError } from '../suite-support';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsApiError, ChonrySmsModule, ChonrySmsService } from '../../lib';
import fc from 'fast-check';
import { encodedForms, MAX_PROVIDER_TEXT, REDACTED, Redactor } from '../../lib/errors/redact';
import { ChonrySmsSandbox } from '../../lib/testing';
import { CapturingLogger, createApp, rejectionOf, startSandbox } from '../helpers';

// A secret with every character that changes between encodings: quote, backslash, slash, space,
// plus, percent, ampersand and non-ASCII (two UTF-8 bytes and a surrogate pair).
const ACCESS_KEY = 'ak/with space+plus';
const SECRET = 'Canary"\\/ +%&é😀-9c41';

/** Every way a server could hand the credentials back: all encoded forms, with and without the prefix. */
function echoes(): string[] {
  return [...encodedForms(SECRET), ...encodedForms(ACCESS_KEY), `accesskey=${encodeURIComponent(ACCESS_KEY)}&secret=${encodeURIComponent(SECRET)}`];
}

/** A provider (or a proxy in front of it) echoing the request back in `msg`. */
function echoingReply(code: string, text: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({ code, msg: `echo: ${text}`, ...extra });
}

function observables(value: unknown): string[] {
  const texts = [String(value), JSON.stringify(value) ?? '', inspect(value, { depth: Infinity, showHidden: true })];
  if (isError(value)) texts.push(value.stack ?? '', value.message);
  return texts;
}

function assertNoCredential(label: string, texts: string[]): void {
  for (const text of texts) {
    for (const form of echoes()) {
      assert.ok(!text.includes(form), `${label} carries a credential form ${JSON.stringify(form)}: ${text.slice(0, 500)}`);
    }
    // Case-insensitive hex (%2f vs %2F) is a form too.
    assert.ok(!/canary/i.test(text), `${label} carries part of the secret: ${text.slice(0, 500)}`);
  }
}

describe('provider text never carries the credentials out, and is capped', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    sandbox = await startSandbox({ accessKey: ACCESS_KEY, secret: SECRET });
    app = await createApp(
      { imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, retry: { attempts: 2, initialDelay: 1, retryOnCodes: ['9006'] } })] },
      logger,
    );
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });

  it('a rejection whose msg echoes the credentials in each form: message, stack, JSON, inspect, retry warnings', async () => {
    for (const form of echoes()) {
      // Upper and lower case hex digits are both valid URL escapes.
      for (const text of new Set([form, form.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())])) {
        sandbox.reset().fault({ kind: 'body', body: echoingReply('9006', text), contentType: 'application/json' }, 2);
        const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
        assert.ok(err instanceof ChonrySmsApiError, String(err));
        assert.equal(err.code, '9006');
        assert.ok(err.providerMessage.includes(REDACTED), `not redacted: ${err.providerMessage}`);
        assertNoCredential(`error for ${JSON.stringify(text)}`, observables(err));
      }
    }
    assert.ok(logger.lines.some((l) => l.includes('9006')), 'expected retry warnings to scan');
    assertNoCredential('log lines', logger.lines);
  });

  it('an accepted send whose msg echoes the request: the result is redacted too', async () => {
    const body = `accesskey=${encodeURIComponent(ACCESS_KEY)}&secret=${encodeURIComponent(SECRET)}&mobile=447911123456`;
    sandbox.reset().fault({ kind: 'body', body: echoingReply('0', body, { batchId: 'b-1' }), contentType: 'application/json' }, 1);
    const result = await sms.send({ mobiles: ['447911123456'], variables: ['x'] });
    assert.equal(result.batchId, 'b-1');
    assertNoCredential('result', observables(result));
  });

  it('a reply that echoes the exact request bytes (a secret with ~ and *, which each encoder writes differently)', async () => {
    const secret = 'tilde~star*bang!-9c41';
    const own = await startSandbox({ accessKey: ACCESS_KEY, secret });
    const app2 = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret, baseUrl: own.url })] });
    try {
      const sms2 = app2.get(ChonrySmsService);
      await sms2.send({ mobiles: ['447911123456'], variables: ['x'] });
      const wire = own.requests[0].rawBody;
      own.reset().fault({ kind: 'body', body: echoingReply('9006', wire), contentType: 'application/json' }, 1);
      const err = await rejectionOf(sms2.send({ mobiles: ['447911123456'], variables: ['x'] }));
      assert.ok(err instanceof ChonrySmsApiError, String(err));
      for (const text of observables(err)) {
        assert.ok(!/tilde/i.test(text), `the wire form of the secret survived: ${text.slice(0, 400)}`);
      }
    } finally {
      await app2.close();
      await own.close();
    }
  });

  it('a 900 KB msg is cut to a bounded length, saying how much was cut', async () => {
    const huge = `${SECRET}${'x'.repeat(900_000)}`;
    sandbox.reset().fault({ kind: 'body', body: echoingReply('9006', huge), contentType: 'application/json' }, 2);
    const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
    assert.ok(err instanceof ChonrySmsApiError);
    assert.ok(err.providerMessage.length <= MAX_PROVIDER_TEXT + 40, `providerMessage is ${err.providerMessage.length} characters`);
    assert.match(err.providerMessage, /\(\d+ more characters\)$/);
    assert.ok(err.message.length < 1_000, `message is ${err.message.length} characters`);
    assertNoCredential('capped error', observables(err));
  });

  it('ordinary provider text passes unchanged', async () => {
    sandbox.reset().fault({ kind: 'code', code: '9006', msg: 'accesskey or secret wrong' }, 2);
    const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['x'] }));
    assert.ok(err instanceof ChonrySmsApiError);
    assert.equal(err.providerMessage, 'accesskey or secret wrong');
  });
});

describe('Redactor (property)', () => {
  it('no encoded form of any secret survives redaction, wherever it sits in the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 8, maxLength: 30 }), fc.string(), fc.string(), fc.nat(20), (secret, before, after, pick) => {
        const forms = encodedForms(secret);
        const form = forms[pick % forms.length];
        const out = new Redactor([secret]).redact(`${before}${form}${after}`);
        return !out.includes(form) && !out.includes(secret);
      }),
      { numRuns: 500 },
    );
  });
});
