import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from '@jest/globals';
import { ChonrySmsConfigError } from '../../lib';
import { describeError } from '../../lib/reports/reports.service';

describe('describeError (the reports module’s log lines)', () => {
  it('names an error of another realm by its name and message, as one of this realm', () => {
    // Under Jest the test runs in a vm context, so Node's own errors (a store's socket error) are
    // of another realm; a new context makes one in either runner.
    const foreign = runInNewContext('new RangeError("store gone")') as unknown;
    assert.equal(foreign instanceof Error, false, 'the error is of another realm');
    assert.equal(describeError(foreign), 'RangeError: store gone');
    assert.equal(describeError(new TypeError('handler failed')), 'TypeError: handler failed');
  });

  it('cuts other errors at 500 characters, keeps the module’s own whole, and says nothing of a non-Error', () => {
    assert.equal(describeError(new Error('x'.repeat(1_000))).length, 500);
    const own = new ChonrySmsConfigError('timeout', `must be a number: ${'y'.repeat(600)}`);
    assert.ok(`${own.name}: ${own.message}`.length > 500);
    assert.equal(describeError(own), `${own.name}: ${own.message}`);
    assert.equal(describeError({ message: 'not an error' }), 'a non-Error value');
    assert.equal(describeError('text'), 'a non-Error value');
  });
});
