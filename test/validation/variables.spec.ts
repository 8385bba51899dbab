import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { checkVariables, variableProblem } from '../../lib/validation';

describe('template variables', () => {
  it('accepts ordinary text, Unicode, emoji, newline and tab, and lone # or $ inside', () => {
    for (const v of ['先生', '9:40', 'a+b c%d&e=f', 'x\ny\tz', '😀 ok', 'a#b', 'a$b', '$5', '100%']) {
      assert.equal(variableProblem(v), undefined, v);
    }
  });

  it('refuses values containing the provider separators ## and $$, saying why', () => {
    assert.match(variableProblem('a##b')!, /separator/);
    assert.match(variableProblem('cost $$5')!, /separator/);
  });

  it('refuses values that begin or end with #', () => {
    assert.match(variableProblem('a#')!, /begins or ends with "#"/);
    assert.match(variableProblem('#a')!, /begins or ends with "#"/);
  });

  it('refuses empty values, non-strings, unpaired surrogates and control characters', () => {
    assert.match(variableProblem('')!, /empty/);
    assert.match(variableProblem(5)!, /must be a string/);
    assert.match(variableProblem('a\uD800b')!, /unpaired/);
    assert.match(variableProblem('a\uDC00')!, /unpaired/);
    assert.match(variableProblem('a\u0000b')!, /U\+0000/);
    assert.match(variableProblem('a\rb')!, /U\+000D/);
    assert.match(variableProblem('a\u0085b')!, /U\+0085/);
  });

  it('requires a non-empty array and names each bad position', () => {
    assert.match(checkVariables([]).problems[0].message, /at least 1/);
    assert.match(checkVariables(null).problems[0].message, /must be an array/);
    const r = checkVariables(['ok', 'a##b', '', 'fine']);
    assert.deepEqual(r.problems.map((p) => p.path), ['variables[1]', 'variables[2]']);
  });
});
