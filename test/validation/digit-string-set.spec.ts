import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { checkMobiles } from '../../lib/validation';
import { DigitStringSet, PARTITION_FROM, withoutRepeats } from '../../lib/validation/digit-string-set';

const normalisedNumber = fc
  .tuple(fc.constantFrom(...'123456789'), fc.array(fc.constantFrom(...'0123456789'), { maxLength: 14 }))
  .map(([first, rest]) => first + rest.join(''));

describe('DigitStringSet', () => {
  it('answers add() and has() like a Set<string> for normalised numbers, through growth', () => {
    fc.assert(
      fc.property(fc.array(normalisedNumber, { maxLength: 300 }), fc.integer({ min: 0, max: 64 }), (list, expected) => {
        const ours = new DigitStringSet(expected);
        const reference = new Set<string>();
        for (const n of list) {
          assert.equal(ours.has(n), reference.has(n), n);
          assert.equal(ours.add(n), !reference.has(n), n);
          reference.add(n);
          assert.equal(ours.has(n), true, n);
        }
        assert.equal(ours.size, reference.size);
        // Every member is still found after growth, and numbers never added are not.
        for (const n of list) assert.equal(ours.has(n), true, n);
        for (const n of list) assert.equal(ours.has(`${n}7`), reference.has(`${n}7`), `${n}7`);
      }),
      { numRuns: 300 },
    );
  });

  it('tells apart 15-digit numbers one apart and numbers of different lengths', () => {
    const set = new DigitStringSet();
    for (const n of ['999999999999999', '999999999999998', '1', '10', '100', '8613900000001']) assert.equal(set.add(n), true, n);
    for (const n of ['999999999999999', '10', '8613900000001']) assert.equal(set.add(n), false, n);
    assert.equal(set.size, 6);
  });

  it('de-duplicates long lists in checkMobiles as it does short ones, keeping first occurrences', () => {
    const unique = Array.from({ length: 400 }, (_, i) => String(8_613_900_000_000 + i));
    const written = [...unique, ...unique.map((m) => `+${m}`), ...unique.slice(0, 10).map((m) => `00${m}`)];
    const long = checkMobiles(written, 'mobiles', Infinity);
    assert.deepEqual(long.problems, []);
    assert.deepEqual(long.value, unique);
    const short = checkMobiles(written.slice(0, 100).concat(written.slice(400, 500)), 'mobiles', Infinity);
    assert.deepEqual(short.value, unique.slice(0, 100));
  });

  it('de-duplicates lists long enough to split by hash exactly as a Set of libphonenumber-js E.164 numbers would', () => {
    // Every country's example mobile and a few neighbours, written in the forms a list mixes: the
    // check reads most numbers' values while it walks their digits and the rest again (written with
    // '+', '00' or spaces, a national prefix after the code, a plan still on its RegExps), and the
    // repeat check must treat both alike, across calls that share its working arrays.
    const pool = getCountries().flatMap((country) => {
      const national = (examples as Record<string, string | undefined>)[country];
      if (!national) return [];
      const code = getCountryCallingCode(country);
      return [0, 1, 2, 3].map((d) => `${code}${national.slice(0, -1)}${(Number(national.slice(-1)) + d) % 10}`);
    });
    const e164 = (written: string): string | undefined => {
      const parsed = parsePhoneNumberFromString(written.startsWith('00') ? `+${written.slice(2)}` : written.startsWith('+') ? written : `+${written}`);
      return parsed?.isValid() ? parsed.number.slice(1) : undefined;
    };
    const valid = pool.filter((m) => e164(m) !== undefined);
    const written = fc.tuple(fc.constantFrom(...valid), fc.constantFrom('', '+', '00', '+ ')).map(([m, form]) => `${form}${m}`);
    fc.assert(
      fc.property(fc.array(written, { minLength: PARTITION_FROM, maxLength: PARTITION_FROM + 3_000 }), (list) => {
        const checked = checkMobiles(list, 'mobiles', Infinity);
        assert.deepEqual(checked.problems, []);
        const expected = [...new Set(list.map((m) => e164(m)!))];
        // Compared without deepEqual's diff of 16,000 entries, and not shrunk (each run is large).
        const differ = expected.findIndex((m, i) => checked.value[i] !== m);
        assert.ok(checked.value.length === expected.length && differ === -1, `kept ${checked.value.length} numbers, expected ${expected.length}; first difference at ${differ}`);
      }),
      { numRuns: 6, endOnFailure: true },
    );
  });

  it('withoutRepeats keeps first occurrences as a Set<string> would, and returns the list itself when nothing repeats', () => {
    fc.assert(
      fc.property(fc.array(normalisedNumber, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 20 }), (base, picks) => {
        // Repeats drawn from the list itself, so most runs have some and the rest have none.
        const list = [...base, ...(base.length ? picks.map((p) => base[p % base.length]) : [])];
        // In the caller's order, and in ascending order of value (the one-pass case).
        for (const l of [list, [...list].sort((a, b) => Number(a) - Number(b))]) {
          const reference = [...new Set(l)];
          // The one-table way, and the split-by-hash way long lists take (forced here at any length).
          for (const ours of [withoutRepeats(l), withoutRepeats(l, 0)]) {
            assert.deepEqual(ours, reference);
            assert.equal(ours === l, reference.length === l.length);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('withoutRepeats splits a long list into many parts and still keeps exactly the first occurrences', () => {
    // Past PARTITION_FROM, with hundreds of parts: repeats of values that differ only above 2^32,
    // only in the last digit, and of every length, placed anywhere, in the caller's order.
    fc.assert(
      fc.property(fc.array(normalisedNumber, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 2 ** 31 }), (seeds, seed) => {
        let x = seed;
        const random = () => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
        const base = Array.from({ length: PARTITION_FROM * 2 }, (_, i) => String(100_000_000_000_000 + i * 4_294_967_296 * (1 + (i % 3))).slice(0, 15));
        const list = [...base, ...seeds];
        for (let k = 0; k < 2_000; k++) list.splice(Math.floor(random() * list.length), 0, list[Math.floor(random() * list.length)]);
        const reference = [...new Set(list)];
        assert.deepEqual(withoutRepeats(list), reference);
      }),
      { numRuns: 5 },
    );
  });
});
