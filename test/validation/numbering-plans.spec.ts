import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { allPatternSources, e164DigitsOf } from '../../lib/validation/numbering-plans';

/** The library's answer the fast check must give: E.164 digits without '+', or undefined when invalid. */
function plainE164(digits: string): string | undefined {
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.isValid() ? parsed.number.slice(1) : undefined;
}

const countries = getCountries();
// Every calling code, geographic or not (non-geographic ones: freephone, satellite, …).
const callingCodes = [...new Set([...countries.map((c) => String(getCountryCallingCode(c))), '800', '808', '870', '878', '881', '882', '883', '888', '979'])];
const exampleNumbers = countries.flatMap((c) => {
  const national = (examples as Record<string, string | undefined>)[c];
  return national ? [`${getCountryCallingCode(c)}${national}`] : [];
});

const digit = fc.constantFrom(...'0123456789');
const digitString = (min: number, max: number) => fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(''));

// Valid numbers with some digits replaced, removed, added, or a national prefix written after the code.
const mutatedExample = fc
  .record({
    example: fc.constantFrom(...exampleNumbers),
    keep: fc.integer({ min: 1, max: 15 }),
    tail: digitString(0, 6),
    prefix: fc.constantFrom('', '0', '1', '8', '9', '00', '06', '15'),
  })
  .map(({ example, keep, tail, prefix }) => {
    const cc = callingCodes.find((c) => example.startsWith(c) && c.length <= 3) ?? example.slice(0, 1);
    const national = example.slice(cc.length);
    return `${cc}${prefix}${national.slice(0, keep)}${tail}`.slice(0, 15);
  });

const afterCallingCode = fc
  .record({ cc: fc.constantFrom(...callingCodes), rest: digitString(0, 14) })
  .map(({ cc, rest }) => `${cc}${rest}`.slice(0, 15));

const anyDigits = fc.tuple(fc.constantFrom(...'123456789'), digitString(2, 14)).map(([a, b]) => a + b);

describe('e164DigitsOf (precompiled numbering plans)', () => {
  it('compiles only patterns that may be tested in place, after the calling code', () => {
    // Tested sticky at an offset instead of anchored on a copy: the same only for a pattern that
    // never looks before its start. Would fail on a metadata update that brings one.
    const sources = allPatternSources();
    assert.ok(sources.length > 1000);
    for (const source of sources) assert.doesNotMatch(source, /\^|\\[bB]|\(\?<[=!]/, source);
  });

  it('gives libphonenumber-js\'s verdict and E.164 digits on every country example and mutations of them', () => {
    assert.ok(exampleNumbers.length > 200);
    for (const n of exampleNumbers) assert.equal(e164DigitsOf(n), plainE164(n), n);
    fc.assert(fc.property(mutatedExample, (n) => e164DigitsOf(n) === plainE164(n)), { numRuns: 20_000 });
  });

  it('agrees with libphonenumber-js on random digits after every calling code', () => {
    fc.assert(fc.property(afterCallingCode, (n) => e164DigitsOf(n) === plainE164(n)), { numRuns: 20_000 });
  });

  it('agrees with libphonenumber-js on arbitrary digit strings', () => {
    fc.assert(fc.property(anyDigits, (n) => e164DigitsOf(n) === plainE164(n)), { numRuns: 10_000 });
  });

  it('agrees on edge cases across shared calling codes, national prefixes and odd lengths', () => {
    const cases: [string, boolean][] = [
      ['14155552671', true], // US
      ['16135550123', true], // CA shares +1
      ['18765551234', true], // JM shares +1
      ['16845551234', false], // AS: not a valid line
      ['1415555267', false], // one digit short
      ['79123456789', true], // RU
      ['77012345678', true], // KZ shares +7
      ['447911123456', true], // +44 mobile (the library attributes it to GG first)
      ['4407911123456', true], // GB with its national prefix written: stripped
      ['447700900123', false], // GB drama range
      ['441481256789', true], // GG shares +44
      ['447781123456', true], // GG mobile
      ['390612345678', true], // IT keeps its leading 0
      ['393123456789', true], // IT mobile
      ['379066981234', false],
      ['3906698', false], // VA: too short
      ['5491123456789', true], // AR mobile with 9
      ['54111523456789', true], // AR with the old 15 mobile prefix
      ['5215512345678', false], // MX: the old mobile "1" is no longer accepted
      ['52155123412345', false],
      ['5511961234567', true], // BR mobile
      ['8613800138000', true], // CN
      ['919876543210', true], // IN
      ['4930123456', true], // DE
      ['49301234567890', true], // DE long
      ['2626920012345', false], // RE/YT share +262; one digit too many
      ['262269601234', true], // YT
      ['590690001234', true], // GP/BL/MF share +590
      ['5997001234', true], // BQ shares +599
      ['59995181234', true], // CW
      ['212650123456', true], // MA
      ['212528123456', false], // +212 shared by MA/EH
      ['358412345678', true], // FI
      ['35818123456', true], // AX shares +358
      ['61412345678', true], // AU
      ['61891621234', true], // CX shares +61
      ['80012345678', true], // non-geographic freephone
      ['882345678901', false],
      ['8830123456789', false],
      ['97912345678', false],
      ['12', false],
      ['123', false],
      ['999123456789', false], // unknown code
      ['1', false],
      ['7812345678', false],
      ['87077001234', false],
    ];
    for (const [n, expected] of cases) {
      assert.equal(plainE164(n) !== undefined, expected, `plain ${n}`);
      assert.equal(e164DigitsOf(n), plainE164(n), `fast ${n}`);
    }
  });
});
