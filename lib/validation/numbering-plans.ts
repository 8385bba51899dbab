import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/max/metadata';
import { DigitPatterns, matchesAt, PatternPart } from './digit-pattern';

/**
 * A faster `parsePhoneNumberFromString('+' + digits)` (its verdict and E.164 form) for digit
 * strings, reading the same libphonenumber-js "max" metadata and following the same steps (calling
 * code, national prefix stripping, country choice among shared calling codes, number types). The
 * library builds a new RegExp for every pattern on every call; this compiles each pattern once
 * (a plan's number patterns into one DFA, see `DigitPatterns`), and tests the national number where it
 * stands in the digits (no copy of it is made per number).
 * A property test holds the two to identical verdicts and digits.
 */

// The parts of libphonenumber-js's metadata accessors this port reads (not in its type file).
interface PlanType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface Plan {
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): PlanType | undefined;
}
interface MetadataAccess {
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): MetadataAccess;
  numberingPlan: Plan;
}

// libphonenumber-js tests fixed line first, then mobile, then these (helpers/getNumberType.js). Only whether some
// type matches is asked here, so the order does not change a verdict: mobile first, then fixed line
// (SMS goes to mobiles; a mobile number then skips the fixed-line pattern, often the largest).
const OTHER_TYPES = ['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;
const MAX_LENGTH_COUNTRY_CODE = 3;
// A number of up to 15 digits is exactly a double (< 2^53); so is each power of ten up to 10^15.
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = [1];
while (POWERS_OF_TEN.length <= MAX_EXACT_DIGITS) POWERS_OF_TEN.push(POWERS_OF_TEN[POWERS_OF_TEN.length - 1] * 10);

/*
 * The prefix patterns are compiled sticky (flag y), as are the number patterns where no DFA
 * matches them (`DigitPatterns`): set `lastIndex` and it matches only there, so the
 * national number is tested in place, `digits` from the calling code's end on, without slicing a
 * new string per number. `^(?:p)$` on the slice and `(?:p)$` sticky at its start agree unless `p`
 * looks before its start (^, \b, \B, a lookbehind): the metadata's patterns never do, and a test
 * checks that of the metadata installed.
 */

/** One numbering plan with its patterns compiled. */
interface CompiledPlan {
  /** The national number pattern alone. */
  nationalNumber: DigitPatterns;
  /** `getNumberType(...) !== undefined`: the national number pattern and one type's, mobile first (see OTHER_TYPES). */
  typed: DigitPatterns;
  possibleLengths?: readonly number[];
  prefixForParsing?: RegExp;
  prefixTransformRule?: string;
  leadingDigits?: RegExp;
  hasTypes: boolean;
}

interface CallingCodePlans {
  /** The plan `selectNumberingPlan(callingCode)` picks (the calling code's main country). */
  main: CompiledPlan;
  /** Countries sharing the code, in metadata order, with their plans. */
  countries: { country: string; plan: CompiledPlan }[];
}

const metadata = new (Metadata as unknown as new (json: unknown) => MetadataAccess)(metadataJson);
// Indexed by the calling code's value (1–999): with no leading 0, lengths 1, 2 and 3 never collide.
const byCallingCode: (CallingCodePlans | null | undefined)[] = new Array(1000);

/** Matches a start of the text at `lastIndex`. */
function startingWith(pattern: string): RegExp {
  return new RegExp(`(?:${pattern})`, 'y');
}

function compilePlan(plan: Plan): CompiledPlan {
  const types: PatternPart[] = [];
  for (const name of ['MOBILE', 'FIXED_LINE', ...OTHER_TYPES]) {
    const t = plan.type(name);
    // No type, or an empty pattern: never matches.
    if (t && t.pattern()) types.push({ source: t.pattern(), lengths: t.possibleLengths() });
  }
  const prefix = plan.nationalPrefixForParsing();
  const leading = plan.leadingDigits();
  return {
    nationalNumber: new DigitPatterns(plan.nationalNumberPattern()),
    typed: new DigitPatterns(plan.nationalNumberPattern(), types),
    possibleLengths: plan.possibleLengths(),
    prefixForParsing: prefix ? startingWith(prefix) : undefined,
    prefixTransformRule: plan.nationalPrefixTransformRule(),
    leadingDigits: leading ? startingWith(leading) : undefined,
    hasTypes: plan.hasTypes(),
  };
}

function plansFor(code: number): CallingCodePlans | null {
  let plans = byCallingCode[code];
  if (plans !== undefined) return plans;
  const callingCode = String(code);
  if (!metadata.hasCallingCode(callingCode)) {
    plans = null;
  } else {
    const countries = metadata.getCountryCodesForCallingCode(callingCode) ?? [];
    plans = {
      main: compilePlan(metadata.selectNumberingPlan(callingCode).numberingPlan),
      countries: countries.map((country) => ({ country, plan: compilePlan(metadata.selectNumberingPlan(country).numberingPlan) })),
    };
  }
  byCallingCode[code] = plans;
  return plans;
}

/*
 * The national number below is always `s` from `at` to its end: the digits after the calling code,
 * or (rarely) a string of its own once a national prefix was stripped (then `at` is 0).
 */

/** `getCountryByCallingCode`: the only country, or the first whose leading digits or types match. */
function countryPlan(plans: CallingCodePlans, s: string, at: number): CompiledPlan | undefined {
  const { countries } = plans;
  if (countries.length === 0) return undefined;
  if (countries.length === 1) return countries[0].plan;
  for (const { plan } of countries) {
    if (plan.leadingDigits) {
      // `nationalNumber.search(leadingDigits) === 0`: a match that starts at the number's start.
      if (at < s.length && matchesAt(plan.leadingDigits, s, at)) return plan;
    } else if (plan.typed.matches(s, at)) {
      return plan;
    }
  }
  return undefined;
}

/** `checkNumberLength` is neither TOO_SHORT nor INVALID_LENGTH. */
function isPossibleIncomplete(nationalNumber: string, plan: CompiledPlan): boolean {
  const lengths = plan.possibleLengths;
  if (!lengths) return true;
  const length = nationalNumber.length;
  if (lengths[0] === length) return true;
  if (lengths[0] > length) return false;
  if (lengths[lengths.length - 1] < length) return true; // TOO_LONG still counts as possible here
  return lengths.indexOf(length, 1) >= 0;
}

/**
 * `extractNationalNumber` for an international number (no default country) when the plan's
 * national prefix starts `number`, else undefined: the number stays as written (the common case,
 * told without copying it).
 */
function strippedNationalNumber(digits: string, at: number, plans: CallingCodePlans): string | undefined {
  const main = plans.main;
  const prefix = main.prefixForParsing;
  if (at === digits.length || !prefix || !matchesAt(prefix, digits, at)) return undefined;
  const number = digits.slice(at);
  prefix.lastIndex = 0;
  const match = prefix.exec(number);
  if (!match) return undefined;
  const groups = match.length - 1;
  const hasGroups = groups > 0 && Boolean(match[groups]);
  prefix.lastIndex = 0; // a sticky pattern replaces from lastIndex: the number's start, as '^' did
  const national = main.prefixTransformRule && hasGroups ? number.replace(prefix, main.prefixTransformRule) : number.slice(match[0].length);
  if (national === number) return undefined;
  // Keep the prefix when stripping it would turn a valid-looking number into an invalid one.
  if (main.nationalNumber.matches(number, 0) && !main.nationalNumber.matches(national, 0)) return undefined;
  if (main.possibleLengths) {
    const plan = countryPlan(plans, national, 0) ?? main;
    if (!isPossibleIncomplete(national, plan)) return undefined;
  }
  return national;
}

/**
 * The E.164 digits (no '+') of `+digits` when it is a valid number in libphonenumber-js's "max"
 * metadata, else undefined: the same answer as
 * `parsePhoneNumberFromString('+' + digits)?.isValid() ? number.slice(1) : undefined`, so a national
 * prefix written after the calling code ('44 0 7911…') is dropped as the library drops it.
 * `digits` must be ASCII digits. With `values`, a valid number's numeric value goes to
 * `values[index]` when the walk that checked it also read it (else 0 is left there): the repeat
 * check needs each number's value, and reading the digits again for it cost as much as the walk.
 */
export function e164DigitsOf(digits: string, values?: Float64Array, index = 0): string | undefined {
  // parseInput: "+" and fewer than 3 digits is not a viable phone number.
  if (digits.length < 3 || digits.charCodeAt(0) === 48 /* 0 */) return undefined;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH_COUNTRY_CODE && length <= digits.length; length++) {
    code = code * 10 + digits.charCodeAt(length - 1) - 48;
    const plans = plansFor(code);
    if (plans === null) continue;
    const stripped = strippedNationalNumber(digits, length, plans);
    // The national number: `digits` from `at` on, or the stripped one (from 0).
    const s = stripped ?? digits;
    const at = stripped === undefined ? length : 0;
    const nationalLength = s.length - at;
    if (nationalLength < MIN_LENGTH_FOR_NSN || nationalLength > MAX_LENGTH_FOR_NSN) return undefined;
    const plan = countryPlan(plans, s, at) ?? plans.main;
    const patterns = plan.hasTypes ? plan.typed : plan.nationalNumber;
    if (!patterns.matches(s, at)) return undefined;
    if (stripped !== undefined) return digits.slice(0, length) + stripped;
    // The common case, nothing stripped: the input is already the answer.
    if (values !== undefined && digits.length <= MAX_EXACT_DIGITS && patterns.value !== 0) values[index] = code * POWERS_OF_TEN[digits.length - length] + patterns.value;
    return digits;
  }
  return undefined;
}

/** Every compiled plan: each calling code's main one and its countries' (for the tests). */
function* allPlans(): Generator<CompiledPlan> {
  for (let code = 1; code < 1000; code++) {
    const plans = plansFor(code);
    if (!plans) continue;
    yield plans.main;
    for (const { plan } of plans.countries) yield plan;
  }
}

/** @internal Every plan's number patterns, compiled (for the tests). */
export function allNumberPatterns(): DigitPatterns[] {
  return [...allPlans()].flatMap((plan) => [plan.nationalNumber, plan.typed]);
}

/** @internal Every pattern the numbering plans compile (for the test that they may run at an offset). */
export function allPatternSources(): string[] {
  return [...allPlans()].flatMap((plan) => [
    ...plan.typed.sources,
    ...(plan.prefixForParsing ? [plan.prefixForParsing.source] : []),
    ...(plan.leadingDigits ? [plan.leadingDigits.source] : []),
  ]);
}
