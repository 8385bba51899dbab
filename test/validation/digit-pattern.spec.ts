import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { DigitPatterns, PatternPart } from '../../lib/validation/digit-pattern';
import { allNumberPatterns } from '../../lib/validation/numbering-plans';

// The definition the DFA is held to: each pattern as the RegExp `^(?:p)$` on the string, a part
// of `any` only at one of its lengths.
function definition(all: string, any: readonly PatternPart[] | undefined, s: string): boolean {
  if (!new RegExp(`^(?:${all})$`).test(s)) return false;
  if (any === undefined) return true;
  return any.some((p) => (!p.lengths || p.lengths.includes(s.length)) && new RegExp(`^(?:${p.source})$`).test(s));
}

const digit = fc.constantFrom(...'0123456789');
const digits = (max: number) => fc.array(digit, { maxLength: max }).map((d) => d.join(''));

/** A member of the pattern's language, then maybe one digit changed, removed or added. */
function nearMembers(source: string): fc.Arbitrary<string> {
  // fast-check's generator takes no empty group: `0{0}` is the same language.
  const generated = source.replace(/\((\?:)?\)/g, '(?:0{0})') || '0{0}';
  return fc
    .tuple(fc.stringMatching(new RegExp(`^(?:${generated})$`)), fc.nat(), digit, fc.constantFrom('keep', 'change', 'remove', 'add'))
    .map(([s, i, d, how]) => {
      const at = s.length === 0 ? 0 : i % s.length;
      if (how === 'change') return s.slice(0, at) + d + s.slice(at + 1);
      if (how === 'remove') return s.slice(0, at) + s.slice(at + 1);
      if (how === 'add') return s.slice(0, at) + d + s.slice(at);
      return s;
    });
}

// Random patterns of the supported kind: digits, \d, classes, groups, alternation, quantifiers.
// A group takes only bounded quantifiers: a starred group of starred atoms sends the RegExp that
// is the definition into exponential backtracking.
const UNBOUNDED = ['*', '+', '{2,}'];
const QUANTIFIERS = ['', '', '', '?', '*', '+', '{2}', '{0,2}', '{1,3}', '{2,}', '??', '{1,2}?'];
const { pattern } = fc.letrec<{ pattern: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { weight: 4, arbitrary: digit },
    { weight: 2, arbitrary: fc.constant('\\d') },
    {
      weight: 2,
      arbitrary: fc.array(fc.oneof(digit, fc.tuple(digit, digit).map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`)), fc.constant('\\d')), { minLength: 1, maxLength: 3 }).map((items) => `[${items.join('')}]`),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('(?:', '('), tie('pattern')).map(([open, inner]) => `${open}${inner})`) },
  ),
  pattern: fc
    .array(
      fc.array(
        fc.tuple(tie('atom'), fc.constantFrom(...QUANTIFIERS)).map(([a, q]) => (a.endsWith(')') && UNBOUNDED.includes(q) ? `${a}?` : a + q)),
        { maxLength: 4 },
      ).map((seq) => seq.join('')),
      { minLength: 1, maxLength: 3 },
    )
    .map((options) => options.join('|')),
}));

describe('DigitPatterns (one DFA for a plan\'s number patterns)', () => {
  it('gives every numbering plan of the metadata the RegExps\' verdict, on near members of its patterns and on random digits', () => {
    const plans = allNumberPatterns();
    assert.ok(plans.length > 500);
    // Every plan is matched by its DFA today; a pattern the DFA cannot take would still be right
    // (by its RegExp), but slower, and this says so.
    assert.deepEqual(plans.filter((p) => !p.byDfa).map((p) => p.sources[0]), []);
    for (const plan of plans) {
      const strings = fc.sample(fc.oneof(...plan.sources.map(nearMembers), digits(17)), 60);
      for (const s of strings) assert.equal(plan.matches(s, 0), plan.byRegExps(s, 0), `${plan.sources.join(' / ')} on ${s}`);
    }
  });

  it('agrees with the RegExps on random patterns of the supported kind, with types and lengths, at any offset', () => {
    const part = fc.record({ source: pattern, lengths: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 4 }), { nil: undefined }) });
    fc.assert(
      fc.property(
        pattern,
        fc.option(fc.array(part, { maxLength: 3 }), { nil: undefined }),
        digits(3),
        fc.array(fc.oneof(digits(9), fc.constant('')), { minLength: 1, maxLength: 12 }),
        (all, any, before, strings) => {
          const p = new DigitPatterns(all, any);
          assert.equal(p.byDfa, true, all);
          const members = fc.sample(nearMembers(all), 8).filter((m) => m.length <= 24);
          for (const s of [...strings, ...members]) {
            const expected = definition(all, any, s);
            assert.equal(p.matches(s, 0), expected, `${all} ${JSON.stringify(any)} on '${s}'`);
            assert.equal(p.matches(before + s, before.length), expected, `at ${before.length} of ${before + s}`);
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  it('leaves patterns it does not support to their RegExps, with the same verdicts', () => {
    const cases: [string, string[]][] = [
      ['[^5]\\d', ['12', '52', '1']],
      ['\\D?1', ['1', 'x1', '21']],
      ['(?=1)\\d{2}', ['12', '21']],
      ['.1', ['11', 'a1']],
      ['1{,2}', ['1{,2}', '1']],
      ['(?<x>1)2', ['12']],
    ];
    for (const [source, strings] of cases) {
      const p = new DigitPatterns(source);
      assert.equal(p.byDfa, false, source);
      for (const s of strings) assert.equal(p.matches(s, 0), definition(source, undefined, s), `${source} on ${s}`);
    }
  });

  it('never matches a character that is not an ASCII digit', () => {
    const p = new DigitPatterns('\\d+');
    for (const s of ['1a', '１', '٣', '1 ', '/', ':']) assert.equal(p.matches(s, 0), false, s);
  });

  it('falls back to the RegExps when the DFA would grow too big, and stays right', () => {
    // (0|1)*1(0|1){13}: a DFA must remember the last 14 digits, 2^14 states.
    const source = '[01]*1[01]{13}';
    const p = new DigitPatterns(source);
    assert.equal(p.byDfa, true);
    const strings = fc.sample(fc.array(fc.constantFrom('0', '1'), { minLength: 10, maxLength: 40 }).map((d) => d.join('')), 3_000);
    for (const s of strings) assert.equal(p.matches(s, 0), definition(source, undefined, s), s);
    assert.equal(p.byDfa, false);
  });
});
