import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from '@jest/globals';
import { ChonrySmsConfigError, ChonrySmsModuleOptions, resolveChonrySmsOptions } from '../../lib';
import { encodedForms } from '../../lib/errors/redact';
import { resolveChonrySmsHealthOptions } from '../../lib/health/chonry-sms-health.options';
import { resolveChonrySmsQueueOptions } from '../../lib/queue/chonry-sms-queue.options';
import { ACCESS_KEY } from '../helpers';

/** What a user sees of a start-up error: message, stack, option, JSON and inspect. */
function observables(err: unknown): string[] {
  assert.ok(err instanceof ChonrySmsConfigError, String(err));
  return [err.message, err.stack ?? '', err.option, JSON.stringify(err), inspect(err, { depth: Infinity, showHidden: true })];
}

function failure(options: Record<string, unknown>): ChonrySmsConfigError {
  try {
    resolveChonrySmsOptions(options as unknown as ChonrySmsModuleOptions);
  } catch (err) {
    assert.ok(err instanceof ChonrySmsConfigError, String(err));
    return err;
  }
  assert.fail(`accepted ${inspect(options)}`);
}

function assertHidden(secret: string, err: ChonrySmsConfigError): void {
  for (const text of observables(err)) {
    for (const form of encodedForms(secret)) assert.ok(!text.includes(form), `shows ${JSON.stringify(form)}: ${text}`);
    // A prefix of a long secret is as bad: messages shorten long values.
    assert.ok(!text.includes(secret.slice(0, 12)), `shows the secret's start: ${text}`);
  }
}

// Characters that JSON-escaping and URL-encoding change, plus non-ASCII.
const SECRETS = ['Sec"ret\\with-quote-7f3a', "amp&lt<>'apos-secret-0c1d", 'per%cent+and space/é-99'];

describe("a secret given in the wrong option is never shown, in any encoding", () => {
  for (const secret of SECRETS) {
    const base = { accessKey: ACCESS_KEY, secret };
    it(`${JSON.stringify(secret)} in sign (with a control character after it), templateId, senderId and timeZone`, () => {
      for (const [option, value] of [
        ['sign', `${secret}\r\n`],
        ['sign', `【Acme】${secret}\t`],
        ['templateId', `${secret}${'x'.repeat(70)}`],
        ['senderId', `\u0000${secret}`],
        ['timeZone', secret],
      ] as const) {
        const err = failure({ ...base, [option]: value });
        assert.equal(err.option, option);
        assert.match(err.message, new RegExp(`option '${option}'`), 'names the option');
        assertHidden(secret, err);
      }
    });

    it(`${JSON.stringify(secret)} as a string where a number goes, and as an option key`, () => {
      for (const options of [
        { ...base, timeout: secret },
        { ...base, retry: { attempts: secret } },
        { ...base, retry: { [secret]: 1 } },
        { ...base, bulk: { [secret]: 1 } },
      ]) {
        const err = failure(options);
        assert.match(err.message, /option '(timeout|retry\.|bulk)/, err.message);
        assertHidden(secret, err);
      }
    });
  }

  it('the message says which option and what is wrong, with only the value hidden', () => {
    const secret = 'Sec"ret\\with-quote-7f3a';
    const sign = failure({ accessKey: ACCESS_KEY, secret, sign: `${secret}\n` });
    assert.equal(sign.message, "ChonrySmsModule option 'sign' a value that contains the secret (not shown) contains a control character");
    const key = failure({ accessKey: ACCESS_KEY, secret, retry: { [secret]: 1 } });
    assert.match(key.message, /^ChonrySmsModule option 'retry\.<a key that contains the secret>' is not a known option \(known: attempts/);
  });

  it('a short secret that occurs in an ordinary message leaves the message alone', () => {
    for (const secret of ['S', 'e', 'op']) {
      const err = failure({ accessKey: ACCESS_KEY, secret, timeout: 'five seconds' });
      assert.equal(err.message, `ChonrySmsModule option 'timeout' must be a whole number of milliseconds from 1 to 600000 (got the string "five seconds")`);
      const sign = failure({ accessKey: ACCESS_KEY, secret, sign: 'Sign\n' });
      assert.equal(sign.message, `ChonrySmsModule option 'sign' "Sign\\n" contains a control character`);
      // Given exactly, even a short secret is hidden.
      const exact = failure({ accessKey: ACCESS_KEY, secret, timeout: secret });
      assert.ok(!exact.message.includes(`"${secret}"`), exact.message);
    }
  });
});

describe('options of the queue and health modules are named by their own module', () => {
  it('queue.* and health.* errors begin with ChonrySmsQueueModule / ChonrySmsHealthModule', () => {
    assert.throws(() => resolveChonrySmsQueueOptions({ connection: { host: '127.0.0.1', port: 6379 }, concurrency: 0 } as never), (err: Error) => {
      assert.ok(err instanceof ChonrySmsConfigError);
      assert.equal(err.option, 'queue.concurrency');
      assert.match(err.message, /^ChonrySmsQueueModule option 'concurrency' must be/);
      return true;
    });
    assert.throws(() => resolveChonrySmsQueueOptions('nope' as never), /: ChonrySmsQueueModule options must be an object$/);
    assert.throws(() => resolveChonrySmsHealthOptions({ timeout: -1 } as never), /: ChonrySmsHealthModule option 'timeout' must be/);
  });
});
