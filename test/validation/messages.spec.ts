import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { checkMessages, MessageList } from '../../lib/validation';

/** An array whose element `at` answers `first` on the first read and `later` on every read after. */
function changingAt(values: string[], at: number, first: string, later: string): string[] {
  let reads = 0;
  return Object.defineProperty([...values], at, { get: () => (reads++ === 0 ? first : later), enumerable: true });
}

describe('checkMessages, compact form', () => {
  it('keeps every message its own variables, in order, also across views', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 99_999 }), { minLength: 1, maxLength: 40 }), fc.array(fc.array(fc.constantFrom('a', 'b c', 'ü', '9:40'), { minLength: 1, maxLength: 4 }), { minLength: 40, maxLength: 40 }), fc.nat(40), fc.nat(40), (ids, vars, a, b) => {
        const messages = ids.map((id, i) => ({ mobile: `4479111${String(id).padStart(5, '0')}`, variables: vars[i] }));
        const checked = checkMessages(messages);
        assert.deepEqual(checked.problems, []);
        assert.deepEqual(checked.value.toArray(), messages);
        const [from, to] = a <= b ? [a, b] : [b, a];
        assert.deepEqual(checked.value.slice(from, to).toArray(), messages.slice(from, to));
        assert.deepEqual(checked.value.slice(from, to).mobiles(), messages.slice(from, to).map((m) => m.mobile));
        assert.deepEqual(MessageList.of(messages).toArray(), messages);
      }),
    );
  });

  it('keeps what it checked when a variable reads differently the second time (the fast path gave up half-way)', () => {
    // The fast path reads 'ok', then '#bad#' and gives up after keeping 'ok'; the full check reads
    // again ('good'). The message must carry the variables the full check read, nothing of the first pass.
    const variables = changingAt(['ok', 'x', 'z'], 1, '#bad#', 'good');
    const checked = checkMessages([{ mobile: '447911123456', variables: ['v'] }, { mobile: '447911123457', variables }]);
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.value.toArray(), [
      { mobile: '447911123456', variables: ['v'] },
      { mobile: '447911123457', variables: ['ok', 'good', 'z'] },
    ]);
    // Read once by the full check: a third answer cannot reach the request.
    const flipping = changingAt(['ok'], 0, '#bad#', 'ok');
    let reads = 0;
    Object.defineProperty(flipping, 0, { get: () => ['#bad#', 'ok', '#worse#'][Math.min(reads++, 2)], enumerable: true });
    const again = checkMessages([{ mobile: '447911123456', variables: flipping }]);
    assert.deepEqual(again.problems, []);
    assert.deepEqual(again.value.toArray(), [{ mobile: '447911123456', variables: ['ok'] }]);
  });
});
