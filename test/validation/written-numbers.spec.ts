import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { Metadata } from 'libphonenumber-js/core';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { checkMessages, checkMobiles, normalizeMobile } from '../../lib/validation';

// Numbers as people write them, held to libphonenumber-js ("max" metadata, as lib/validation uses).

interface CountryPlan {
  country: string;
  callingCode: string;
  /** The country's trunk prefix ('0', '1', '8', …), if it has one. */
  nationalPrefix?: string;
  /** A valid mobile's national number, if the library has an example. */
  example?: string;
}

const metadata = new (Metadata as unknown as new (json: unknown) => {
  selectNumberingPlan(country: string): { numberingPlan: { nationalPrefix(): string | undefined } };
})(metadataJson);

const plans: CountryPlan[] = getCountries().map((country) => ({
  country,
  callingCode: String(getCountryCallingCode(country)),
  nationalPrefix: metadata.selectNumberingPlan(country).numberingPlan.nationalPrefix() || undefined,
  example: (examples as Record<string, string | undefined>)[country],
}));

/**
 * The library's answer for a written number. Digits written without '+' or after '00' are read
 * as if '+' were written: the library itself parses neither without a default country, and
 * those are the forms the module has always accepted for an international number.
 */
function libraryAnswer(plusForm: string): { mobile: string } | undefined {
  const parsed = parsePhoneNumberFromString(plusForm);
  return parsed?.isValid() ? { mobile: parsed.number.slice(1) } : undefined;
}

const digit = fc.constantFrom(...'0123456789');
const digits = (min: number, max: number) => fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(''));
const separator = fc.constantFrom('', ' ', ' ', '  ', '.', '-', ' - ', '\u00a0');

// A national number: the country's example, mutated, or random digits.
function nationalNumber(plan: CountryPlan): fc.Arbitrary<string> {
  const random = digits(1, 13);
  if (!plan.example) return random;
  const example = plan.example;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(example) },
    { weight: 3, arbitrary: fc.record({ keep: fc.integer({ min: 0, max: example.length }), tail: digits(0, 4) }).map(({ keep, tail }) => example.slice(0, keep) + tail) },
    { weight: 1, arbitrary: random },
  );
}

// What may come between the calling code and the national number: nothing, the trunk prefix, '(0)'.
function trunk(plan: CountryPlan): fc.Arbitrary<string> {
  const own = plan.nationalPrefix ? [plan.nationalPrefix, `(${plan.nationalPrefix})`] : [];
  return fc.constantFrom('', '', ...own, ...own, '0', '(0)', '1', '8', '9', '00', '15');
}

/** Cuts `national` into groups joined by separators, sometimes one group in brackets. */
function grouped(national: string): fc.Arbitrary<string> {
  return fc
    .record({
      cuts: fc.array(fc.integer({ min: 1, max: Math.max(1, national.length - 1) }), { maxLength: 4 }),
      separators: fc.array(separator, { minLength: 5, maxLength: 5 }),
      bracketed: fc.integer({ min: -1, max: 4 }),
    })
    .map(({ cuts, separators, bracketed }) => {
      const points = [...new Set(cuts)].filter((c) => c < national.length).sort((a, b) => a - b);
      const groups = [0, ...points].map((start, i) => national.slice(start, points[i] ?? national.length));
      return groups.map((g, i) => (i === bracketed ? `(${g})` : g)).reduce((text, g, i) => text + separators[i] + g);
    });
}

/** `[written, plusForm]`: a written number and the same text with its international prefix as '+'. */
function writtenNumber(plan: CountryPlan): fc.Arbitrary<[string, string]> {
  return fc
    .record({
      international: fc.constantFrom('+', '+', '00', '', '+ ', '(+)'),
      afterCode: separator,
      trunk: trunk(plan),
      afterTrunk: separator,
      national: nationalNumber(plan).chain(grouped),
    })
    .map(({ international, afterCode, trunk, afterTrunk, national }) => {
      const rest = `${afterCode}${trunk}${afterTrunk}${national}`;
      if (international === '(+)') return [`(+${plan.callingCode})${rest}`, `(+${plan.callingCode})${rest}`];
      const plus = international.startsWith('+') ? international : '+';
      return [`${international}${plan.callingCode}${rest}`, `${plus}${plan.callingCode}${rest}`];
    });
}

function assertLibraryAnswer([written, plusForm]: [string, string]): void {
  const expected = libraryAnswer(plusForm);
  const ours = normalizeMobile(written);
  assert.deepEqual('mobile' in ours ? ours : undefined, expected, `${JSON.stringify(written)} (library read ${JSON.stringify(plusForm)})`);
  // The list checks take their own fast path; they must reach the same digits.
  const list = checkMobiles([written]);
  assert.deepEqual(list.value, expected ? [expected.mobile] : [], JSON.stringify(written));
  assert.equal(list.problems.length, expected ? 0 : 1, JSON.stringify(written));
}

describe('written numbers against libphonenumber-js', () => {
  it('covers every country of the metadata, most with an example mobile and many with a trunk prefix', () => {
    assert.ok(plans.length > 240, String(plans.length));
    assert.ok(plans.filter((p) => p.example).length > 230);
    assert.ok(plans.filter((p) => p.nationalPrefix).length > 100);
  });

  it('gives the library verdict and E.164 digits for every country, written with separators, brackets, (0), trunk prefixes, + / 00 / bare codes', () => {
    for (const plan of plans) {
      fc.assert(fc.property(writtenNumber(plan), assertLibraryAnswer), { numRuns: 30, seed: plan.country.charCodeAt(0) * 256 + plan.country.charCodeAt(1) });
    }
  });

  it('gives the library verdict and E.164 digits on random countries (random seed)', () => {
    fc.assert(fc.property(fc.constantFrom(...plans).chain(writtenNumber), assertLibraryAnswer), { numRuns: 3_000 });
  });

  it('gives the library answer for every example mobile written with its trunk prefix, bracketed or not', () => {
    // Not always the digits without it: Colombia's '0' before a 3 is read as a carrier code, not stripped.
    for (const plan of plans) {
      if (!plan.example || !plan.nationalPrefix) continue;
      for (const written of [`+${plan.callingCode} (${plan.nationalPrefix}) ${plan.example}`, `+${plan.callingCode}${plan.nationalPrefix}${plan.example}`]) {
        assertLibraryAnswer([written, written]);
        assertLibraryAnswer([written.slice(1), written]);
      }
    }
  });

  it('normalises the issue\'s trunk-prefix examples to E.164 and keeps a leading 0 that is part of the number', () => {
    const cases: [string[], string][] = [
      [['+44 7911 123456', '+44 (0)7911 123456', '+4407911123456', '447911123456', '0044 0 7911 123456'], '447911123456'],
      [['+1 212 555 0123', '+1 1 212 555 0123', '0011 212-555-0123'], '12125550123'],
      [['+7 912 345 6789', '+7 8 912 345 6789', '+7 (8) 912 345-67-89'], '79123456789'],
      [['+81 90 1234 5678', '+81 090 1234 5678', '+81 (0)90-1234-5678'], '819012345678'],
      [['+61 412 345 678', '+61 0412 345 678', '+61 (0)412 345 678'], '61412345678'],
      [['+49 151 12345678', '+49 0151 12345678', '+49 (0)151 1234 5678'], '4915112345678'],
      [['+33 6 12 34 56 78', '+33 06 12 34 56 78', '+33 (0)6 12 34 56 78'], '33612345678'],
      [['+39 06 1234 5678', '0039 0612345678'], '390612345678'],
    ];
    for (const [written, mobile] of cases) {
      for (const w of written) {
        assert.deepEqual(normalizeMobile(w), { mobile }, w);
        assert.deepEqual(libraryAnswer(w.startsWith('+') ? w : `+${w.replace(/^00/, '')}`), { mobile }, `library ${w}`);
      }
      assert.deepEqual(checkMobiles(written), { value: [mobile], problems: [] });
      const personalized = checkMessages(written.map((m) => ({ mobile: m, variables: ['x'] })));
      assert.equal(personalized.problems.length, written.length - 1, JSON.stringify(personalized.problems));
      assert.match(personalized.problems[0].message, new RegExp(`^${mobile} is already the recipient of messages\\[0\\]`));
    }
  });
});
