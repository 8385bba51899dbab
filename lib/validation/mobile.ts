import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DigitStringSet } from './digit-string-set';
import { isValidInternationalDigits } from './numbering-plans';
import { Checked, describeType, echo, Problem } from './problem';

/** Per-request limits of the provider. */
export const MAX_MOBILES_PER_REQUEST = 50_000;
export const MAX_MESSAGES_PER_REQUEST = 10_000;

// Space characters (not tabs, newlines or other controls), dashes, brackets and dots.
const SEPARATORS = /[\p{Zs}\-().]/gu;
const DIGITS = /^\d+$/;
const E164_MAX_DIGITS = 15;
// Already in the provider's form: digits only, no leading 0, at most 15 of them.
const PROVIDER_FORM = /^[1-9]\d{0,14}$/;

/**
 * Normalises one number to the provider's form (country code + national number, digits only)
 * and checks it against libphonenumber-js's numbering plans. Returns the digits, or why not.
 */
export function normalizeMobile(raw: string): { mobile: string } | { reason: string } {
  let s = raw.replace(SEPARATORS, '');
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('00')) s = s.slice(2);
  if (s === '') return { reason: 'is empty' };
  if (!DIGITS.test(s)) {
    return { reason: 'may contain only digits, spaces, - ( ) . and a leading + or 00' };
  }
  if (s.startsWith('0')) {
    return { reason: 'has no country code (write it as +<country code><number>)' };
  }
  if (s.length > E164_MAX_DIGITS) return { reason: `has more than ${E164_MAX_DIGITS} digits` };
  // Fast path for the common case; anything it does not accept gets the library's own verdict and reason.
  if (isValidInternationalDigits(s)) return { mobile: s };
  const parsed = parsePhoneNumberFromString(`+${s}`);
  if (!parsed) return { reason: 'does not start with a known country code' };
  if (!parsed.isValid()) {
    return {
      reason: `is not a valid number in the numbering plan of +${parsed.countryCallingCode}`,
    };
  }
  return { mobile: s };
}

/**
 * The normalised number when `raw` is valid, else undefined: `normalizeMobile`'s verdict without
 * allocating a result per number (bulk lists are checked a million numbers at a time).
 */
export function validMobile(raw: string): string | undefined {
  // normalizeMobile would leave such a string as it is and ask the fast check first.
  if (PROVIDER_FORM.test(raw) && isValidInternationalDigits(raw)) return raw;
  const r = normalizeMobile(raw);
  return 'mobile' in r ? r.mobile : undefined;
}

export function checkMobile(raw: unknown, path: string): { mobile?: string; problem?: Problem } {
  if (typeof raw !== 'string') {
    return { problem: { path, message: `must be a string (got ${describeType(raw)})` } };
  }
  const r = normalizeMobile(raw);
  return 'mobile' in r ? { mobile: r.mobile } : { problem: { path, message: `${echo(raw)} ${r.reason}` } };
}

// Below this, a Set<string> is cheaper to create than DigitStringSet's tables.
const SMALL_LIST = 256;

function smallSet(): { add(mobile: string): boolean } {
  const set = new Set<string>();
  return { add: (mobile) => set.size < set.add(mobile).size };
}

/**
 * Validates a recipient list: an array of 1..max numbers. Returns the normalised numbers with
 * duplicates removed (first occurrence kept), or the problems found.
 */
export function checkMobiles(
  list: unknown,
  field = 'mobiles',
  max = MAX_MOBILES_PER_REQUEST,
): Checked<string[]> {
  const problems: Problem[] = [];
  if (!Array.isArray(list)) {
    return { value: [], problems: [{ path: field, message: `must be an array of phone numbers (got ${describeType(list)})` }] };
  }
  if (list.length === 0) problems.push({ path: field, message: 'must contain at least 1 number' });
  if (list.length > max) {
    problems.push({ path: field, message: `may contain at most ${max} numbers per request (got ${list.length})` });
    return { value: [], problems };
  }
  const seen = list.length > SMALL_LIST ? new DigitStringSet(list.length) : smallSet();
  const value: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw: unknown = list[i];
    // Same verdicts as checkMobile; the element's path is only built when there is a problem.
    const mobile = typeof raw === 'string' ? validMobile(raw) : undefined;
    if (mobile === undefined) {
      problems.push(checkMobile(raw, `${field}[${i}]`).problem!);
    } else if (seen.add(mobile)) {
      value.push(mobile);
    }
  }
  return { value, problems };
}
