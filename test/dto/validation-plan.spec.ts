import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { IsChonryMobiles } from '../../lib';
import {
  ChonrySmsValidationError,
  SendBulkSmsDto,
  SendPersonalizedBulkSmsDto,
  SendPersonalizedSmsDto,
  SendSmsDto,
} from '../../lib';
import { checkedField, QueuedSendPersonalizedSmsDto, QueuedSendSmsDto, validateInput, validateWithClassValidator } from '../../lib/dto';
import { checkedMessages } from '../../lib/chonry-sms.request';
import type { MessageList } from '../../lib/validation/messages';

// validateInput runs the module's own checks for its own DTOs without class-validator's per-call
// machinery; class-validator with the same options is the definition it must give the same verdicts as.
describe('validateInput without class-validator per call', () => {
  const value = fc.oneof(
    fc.constantFrom(undefined, null, '', 'x', '100', '【Acme】', 'a##b', 0, 7, true, [], {}, new Date('2030-01-01T00:00:00Z'), new Date(Number.NaN)),
    fc.constantFrom('2030-01-01 08:00:00', '2030-02-30 08:00:00', 'tomorrow'),
    fc.array(fc.constantFrom('+44 7911 123456', '8613900000001', '8613900000001', '07911 123456', 'x', '', 5), { maxLength: 4 }),
    fc.array(fc.constantFrom('a', 'b c', '', 'a##b', '#a', 3), { maxLength: 3 }),
    fc.array(
      fc.oneof(
        fc.record({ mobile: fc.constantFrom('+44 7911 123456', '8613900000001', 'bad'), variables: fc.array(fc.constantFrom('a', '', 'x##y'), { maxLength: 2 }) }),
        fc.constantFrom(null, 'x', { mobile: '8613900000001', variables: ['a'], extra: 1 }),
      ),
      { maxLength: 3 },
    ),
  );
  const keys = fc.constantFrom('mobiles', 'variables', 'messages', 'templateId', 'sign', 'senderId', 'scheduleSendTime', 'templateID', 'extra');
  const input = fc.dictionary(keys, value, { maxKeys: 6 });
  const classes = [SendSmsDto, SendBulkSmsDto, SendPersonalizedSmsDto, SendPersonalizedBulkSmsDto, QueuedSendSmsDto, QueuedSendPersonalizedSmsDto];

  it('gives the same problems, in the same order, as class-validator, and keeps the normalised fields', () => {
    fc.assert(
      fc.property(fc.constantFrom(...classes), input, (cls, raw) => {
        const expected = validateWithClassValidator(cls as never, raw);
        let problems: readonly unknown[] = [];
        try {
          const dto = validateInput(cls as never, raw) as object;
          const field = 'messages' in dto ? 'messages' : 'mobiles';
          // What the service sends is the normalised value the check kept.
          assert.ok(checkedField(dto, field), `no kept value for ${field}`);
        } catch (err) {
          assert.ok(err instanceof ChonrySmsValidationError, String(err));
          problems = err.problems;
        }
        assert.deepEqual(problems, expected);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('validateInput reads the input once, and checks an instance by its own class', () => {
  // A getter that shows the check a valid value and then something else.
  const changing = <T>(first: T, later: T, reads = 1) => {
    let n = 0;
    return { get: () => (n++ < reads ? first : later), enumerable: true, configurable: true };
  };

  it('keeps only what it checked, whatever a getter answers on a later read: refused, or the checked values', () => {
    // However many reads the getter answers honestly, what is kept for the request was checked.
    for (let reads = 0; reads <= 4; reads++) {
      const list = ['447911123456', '447911123457'];
      Object.defineProperty(list, 0, changing('447911123456', 'evil&secret=1', reads));
      const variables = ['x'];
      Object.defineProperty(variables, 0, changing('x', 'x##y', reads));
      for (const [cls, input, kept] of [
        [SendSmsDto, { mobiles: list, variables: ['a'] }, (dto: object) => checkedField<string[]>(dto, 'mobiles')?.value],
        [SendPersonalizedSmsDto, { messages: [{ mobile: '447911123456', variables }] }, (dto: object) => checkedField<MessageList>(dto, 'messages')?.value.toArray().map((m) => m.variables)],
      ] as const) {
        let value: unknown;
        try {
          value = kept(validateInput(cls as never, input) as object);
        } catch (err) {
          assert.ok(err instanceof ChonrySmsValidationError, String(err));
          continue;
        }
        assert.ok(!JSON.stringify(value).includes('evil') && !JSON.stringify(value).includes('##'), `${reads} honest reads: kept ${JSON.stringify(value)}`);
      }
    }
  });

  it('checks a subclass instance by its own rules, as class-validator does', () => {
    class OneNumber extends SendSmsDto {
      @IsChonryMobiles(1)
      declare mobiles: string[];
    }
    const input = Object.assign(new OneNumber(), { mobiles: ['447911123456', '447911123457'], variables: ['a'] });
    const err = (() => {
      try {
        validateInput(SendSmsDto, input);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ChonrySmsValidationError);
    assert.match(err.problems[0].message, /at most 1/);
  });

  it('refuses the names of Object.prototype as unknown fields (class-validator takes them as known: the one intended difference)', () => {
    for (const key of ['hasOwnProperty', 'isPrototypeOf', '__defineGetter__']) {
      assert.throws(() => validateInput(SendSmsDto, { mobiles: ['447911123456'], variables: ['a'], [key]: 1 }), (e: unknown) => e instanceof ChonrySmsValidationError && e.problems[0].path === key);
    }
  });

  it('refuses prototype keys at the top and inside a message, as parsed from JSON; a hidden one inside a message is never read', () => {
    const refusedAt = (input: unknown, path: string) =>
      assert.throws(() => validateInput(SendPersonalizedSmsDto, input), (e: unknown) => e instanceof ChonrySmsValidationError && e.problems.some((p) => p.path === path));
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      refusedAt(JSON.parse(`{"messages":[{"mobile":"447911123456","variables":["a"]}],"${key}":{"polluted":true}}`), key);
      refusedAt(JSON.parse(`{"messages":[{"mobile":"447911123456","variables":["a"],"${key}":{"polluted":true}}]}`), `messages[0].${key}`);
      // Not enumerable: no copy, rest or check reads it; what is sent is the mobile and variables alone.
      const hidden = Object.defineProperty({ mobile: '447911123456', variables: ['a'] }, key, { value: { polluted: true }, enumerable: false });
      const dto = validateInput(SendPersonalizedSmsDto, { messages: [hidden] });
      assert.deepEqual(checkedMessages(dto).toArray(), [{ mobile: '447911123456', variables: ['a'] }]);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
