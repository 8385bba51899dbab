import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ChonrySmsConfigError, ChonrySmsModule, ChonrySmsValidationError, resolveChonrySmsOptions } from '../../lib';
import { encodeSendForm } from '../../lib/transport/form-encoding';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

const LONE = ['\uD800', '\uDC00', 'ab\uD83Dcd', '\uDE00\uD83D'];

describe('credentials that cannot be written as UTF-8', () => {
  for (const bad of LONE) {
    for (const key of ['accessKey', 'secret'] as const) {
      it(`refuses a ${key} with an unpaired surrogate (${JSON.stringify(bad)}) at start-up, naming it and not showing it`, async () => {
        const value = `${SECRET}${bad}`;
        const options = { accessKey: ACCESS_KEY, secret: SECRET, [key]: value };
        const err = await rejectionOf(Promise.resolve().then(() => resolveChonrySmsOptions(options)));
        assert.ok(err instanceof ChonrySmsConfigError, String(err));
        assert.equal(err.option, key);
        assert.match(err.message, /unpaired UTF-16 surrogate/);
        for (const text of [err.message, err.stack ?? '', inspect(err), JSON.stringify(err)]) assert.ok(!text.includes(SECRET), text);
      });
    }
  }

  it('the app does not start, and the gateway hears nothing', async () => {
    const sandbox = await startSandbox();
    try {
      const err = await rejectionOf(
        createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: `${SECRET}\uD800`, baseUrl: sandbox.url })] }),
      );
      assert.ok(err instanceof ChonrySmsConfigError, String(err));
      assert.equal(sandbox.requests.length, 0);
    } finally {
      await sandbox.close();
    }
  });

  it('the encoder never throws a raw URIError', () => {
    const err = (() => {
      try {
        encodeSendForm(ACCESS_KEY, 'x\uD800', { mobile: '447911123456', content: 'hi' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ChonrySmsValidationError, String(err));
    assert.ok(!(err instanceof URIError));
  });
});
