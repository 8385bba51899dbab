import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { checkMobiles, normalizeMobile } from '../../lib/validation';

describe('normalizeMobile', () => {
  it('accepts the three written forms and normalises them to country code + digits', () => {
    for (const raw of ['+44 7911 123456', '0044-7911-123456', '447911123456', '+44 (7911) 123.456']) {
      assert.deepEqual(normalizeMobile(raw), { mobile: '447911123456' }, raw);
    }
    assert.deepEqual(normalizeMobile('+86 139 0000 0001'), { mobile: '8613900000001' });
  });

  it('refuses national numbers without a country code', () => {
    const r = normalizeMobile('07911 123456');
    assert.ok('reason' in r && /no country code/.test(r.reason), JSON.stringify(r));
  });

  it('refuses unknown country codes', () => {
    const r = normalizeMobile('+999 123 456 789');
    assert.ok('reason' in r && /country code/.test(r.reason), JSON.stringify(r));
  });

  it('refuses numbers that have a possible length but are not valid in the plan', () => {
    // +44 7700 900123 is in Ofcom's drama range: the right length, never assigned.
    const r = normalizeMobile('+44 7700 900123');
    assert.ok('reason' in r && /numbering plan of \+44/.test(r.reason), JSON.stringify(r));
    assert.ok('reason' in normalizeMobile('+44 12'));
  });

  it('refuses letters, too many digits and the empty string', () => {
    assert.ok('reason' in normalizeMobile('+44 7911 12345a'));
    assert.ok('reason' in normalizeMobile('4479111234567890123'));
    assert.ok('reason' in normalizeMobile('   '));
    assert.ok('reason' in normalizeMobile('+'));
  });
});

describe('checkMobiles', () => {
  it('removes duplicates after normalisation, keeping the first', () => {
    const r = checkMobiles(['+44 7911 123456', '8613900000001', '447911123456', '0044 7911 123456']);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.value, ['447911123456', '8613900000001']);
  });

  it('names the position and value of every bad number', () => {
    const r = checkMobiles(['447911123456', '123', 42, '+44 7700 900123']);
    assert.deepEqual(
      r.problems.map((p) => p.path),
      ['mobiles[1]', 'mobiles[2]', 'mobiles[3]'],
    );
    assert.match(r.problems[0].message, /"123"/);
    assert.match(r.problems[1].message, /must be a string \(got number 42\)/);
  });

  it('requires 1 to 50,000 numbers in an array', () => {
    assert.match(checkMobiles([]).problems[0].message, /at least 1/);
    assert.match(checkMobiles('447911123456').problems[0].message, /must be an array/);
    const big = checkMobiles(new Array(50_001).fill('447911123456'));
    assert.match(big.problems[0].message, /at most 50000 numbers per request \(got 50001\)/);
    assert.deepEqual(checkMobiles(new Array(50_000).fill('447911123456')).problems, []);
  });
});
