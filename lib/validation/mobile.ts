import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { PARTITION_FROM, valuesFor, withoutRepeats } from './digit-string-set';
import { e164DigitsOf } from './numbering-plans';
import { Checked, describeType, echo, Problem, readList } from './problem';

/** Per-request limits of the provider. */
export const MAX_MOBILES_PER_REQUEST = 50_000;
export const MAX_MESSAGES_PER_REQUEST = 10_000;

// Space characters (not tabs, newlines or other controls), dashes, brackets and dots.
const SEPARATORS = /[\p{Zs}\-().]/gu;
const DIGITS = /^\d+$/;
const E164_MAX_DIGITS = 15;
// libphonenumber-js refuses longer input as too long; a written trunk prefix may push the digits past 15.
const MAX_WRITTEN_LENGTH = 250;
// Digits only with no leading 0: maybe already the provider's form.
const PROVIDER_FORM = /^[1-9]\d*$/;

/**
 * Normalises one number to the provider's form, libphonenumber-js's E.164 without the '+'
 * (country code + national number, a trunk prefix such as the 0 in '+44 (0)7911…' dropped), and
 * checks it against the library's "max" numbering plans. Digits written without '+' or '00' are
 * read as if '+' were written. Returns the digits, or why not.
 */
export function normalizeMobile(raw: string): { mobile: string } | { reason: string } {
  if (raw.trim().length > MAX_WRITTEN_LENGTH) return { reason: `is longer than ${MAX_WRITTEN_LENGTH} characters` };
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
  // Fast path for the common case; anything it does not accept gets the library's own verdict and reason.
  const mobile = e164DigitsOf(s);
  if (mobile !== undefined) return { mobile };
  const parsed = parsePhoneNumberFromString(`+${s}`);
  if (parsed?.isValid()) return { mobile: parsed.number.slice(1) };
  if ((parsed ? parsed.number.length - 1 : s.length) > E164_MAX_DIGITS) {
    return { reason: `has more than ${E164_MAX_DIGITS} digits` };
  }
  if (!parsed) return { reason: 'does not start with a known country code' };
  return { reason: `is not a valid number in the numbering plan of +${parsed.countryCallingCode}` };
}

/**
 * The normalised number when `raw` is valid, else undefined: `normalizeMobile`'s verdict without
 * allocating a result per number (bulk lists are checked a million numbers at a time).
 */
export function validMobile(raw: string, values?: Float64Array, index = 0): string | undefined {
  // With `values`: the number's value at `index`, or 0 (see `e164DigitsOf`).
  if (values !== undefined) values[index] = 0;
  // normalizeMobile would leave such a string as it is and ask the fast check first.
  if (PROVIDER_FORM.test(raw) && raw.length <= MAX_WRITTEN_LENGTH) {
    const mobile = e164DigitsOf(raw, values, index);
    if (mobile !== undefined) return mobile;
  }
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
  // One read of the length and of each element (a getter or proxy cannot show the check one number
  // and the request another): the list is copied once, checked in the copy, and the copy holds the
  // normalised numbers. Never the caller's array: a bulk send builds later requests after it may have changed.
  const length = list.length;
  if (length === 0) problems.push({ path: field, message: 'must contain at least 1 number' });
  if (length > max) {
    problems.push({ path: field, message: `may contain at most ${max} numbers per request (got ${length})` });
    return { value: [], problems };
  }
  const value = readList(list, length);
  // A long list's numbers' values, as the check reads them, for the repeat check (index = kept).
  const values = value.length >= PARTITION_FROM ? valuesFor(value.length) : undefined;
  let kept = 0;
  for (let i = 0; i < value.length; i++) {
    const raw = value[i];
    // Same verdicts as checkMobile; the element's path is only built when there is a problem.
    const mobile = typeof raw === 'string' ? validMobile(raw, values, kept) : undefined;
    if (mobile === undefined) problems.push(checkMobile(raw, `${field}[${i}]`).problem!);
    else value[kept++] = mobile;
  }
  value.length = kept;
  return { value: problems.length > 0 ? (value as string[]) : withoutRepeats(value as string[], PARTITION_FROM, values), problems };
}

/** Whether `s` has the shape of a normalised number: 1–15 ASCII digits, the first not 0. */
export function isNormalizedShape(s: unknown): boolean {
  return typeof s === 'string' && s.length <= E164_MAX_DIGITS && PROVIDER_FORM.test(s);
}

/**
 * A queued job's recipients, which `checkMobiles` normalised and de-duplicated at enqueue (across
 * the whole campaign): only their shape is checked again when the job is sent, 1..max numbers of
 * 1–15 digits, not each number against its numbering plan. Bytes that are not such a list (a
 * changed or corrupt job) are refused as invalid input before anything is sent.
 */
export function checkQueuedMobiles(list: unknown, field = 'mobiles', max = MAX_MOBILES_PER_REQUEST): Checked<string[]> {
  const length = Array.isArray(list) ? list.length : 0;
  if (length === 0 || length > max) {
    return { value: [], problems: [{ path: field, message: `must be an array of 1 to ${max} normalised numbers (a queued job is checked only for its shape)` }] };
  }
  const copy = readList(list as unknown[], length); // one read per element
  for (let i = 0; i < copy.length; i++) {
    if (!isNormalizedShape(copy[i])) return { value: [], problems: [{ path: `${field}[${i}]`, message: `${echo(copy[i])} is not a normalised number (1–15 digits); the job was changed after it was queued` }] };
  }
  // Enqueue removed every repeat; one here means the job was changed (it would be sent twice).
  if (withoutRepeats(copy as string[]) !== copy) return { value: [], problems: [{ path: field, message: 'repeats a number; the job was changed after it was queued' }] };
  return { value: copy as string[], problems: [] };
}

