import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { checkMessages, checkMobiles, checkQueuedMessages, checkQueuedMobiles } from '../../lib/validation';

// What a queue worker checks again: the shape of what enqueue's full validation produced.
describe('queued job checks', () => {
  const written = fc.constantFrom('+44 7911 123456', '0086 139 0000 0001', '8613900000002', '+1 (415) 555-0132', '+33 6 12 34 56 78', '+44 (0)7911 123457');

  it('accept whatever the full checks normalised, recipients and messages alike', () => {
    fc.assert(
      fc.property(fc.uniqueArray(written, { minLength: 1 }), (list) => {
        const full = checkMobiles(list);
        assert.deepEqual(full.problems, []);
        assert.deepEqual(checkQueuedMobiles(full.value).problems, []);
        const messages = checkMessages(full.value.map((mobile) => ({ mobile, variables: ['a', 'b c'] })));
        assert.deepEqual(messages.problems, []);
        assert.deepEqual(checkQueuedMessages(messages.value.toArray()).problems, []);
      }),
    );
  });

  it('refuse a list that is not normalised numbers of 1 to 15 digits, or of the wrong size', () => {
    for (const bad of [[], ['447911123456', '4479 11'], ['07911123456'], ['1234567890123456'], ['1&secret=x'], [447911123456], '447911123456', Array(50_001).fill('447911123456')]) {
      assert.equal(checkQueuedMobiles(bad).problems.length, 1, JSON.stringify(bad).slice(0, 40));
    }
  });

  it('refuse a message with another field, a bad mobile or a variable the provider would split', () => {
    const good = { mobile: '447911123456', variables: ['x'] };
    for (const bad of [[{ ...good, extra: 1 }], [{ ...good, mobile: '+447911123456' }], [{ ...good, variables: ['a##b'] }], [{ ...good, variables: [] }], [{ mobile: good.mobile }], []]) {
      assert.equal(checkQueuedMessages(bad).problems.length, 1, JSON.stringify(bad));
    }
    assert.deepEqual(checkQueuedMessages([good]).problems, []);
  });
});

describe('queued job checks, against a changed job', () => {
  it('refuse a job whose numbers or messages repeat (enqueue removed every repeat)', () => {
    assert.match(checkQueuedMobiles(['447911123456', '8613900000001', '447911123456']).problems[0]?.message ?? '', /repeats a number/);
    const m = { mobile: '447911123456', variables: ['x'] };
    assert.match(checkQueuedMessages([m, { ...m }]).problems[0]?.message ?? '', /repeats a mobile/);
  });
});
