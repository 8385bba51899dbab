import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/max/metadata';

/**
 * A faster `parsePhoneNumberFromString('+' + digits)` (its verdict and E.164 form) for digit
 * strings, reading the same libphonenumber-js "max" metadata and following the same steps (calling
 * code, national prefix stripping, country choice among shared calling codes, number types). The
 * library builds a new RegExp for every pattern on every call; this compiles each pattern once.
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

interface CompiledType {
  lengths?: readonly number[];
  pattern: RegExp;
}

/** One numbering plan with its patterns compiled. */
interface CompiledPlan {
  nationalNumber: RegExp;
  possibleLengths?: readonly number[];
  prefixForParsing?: RegExp;
  prefixTransformRule?: string;
  leadingDigits?: RegExp;
  hasTypes: boolean;
  /** The plan's number types, mobile first (see OTHER_TYPES). */
  types: CompiledType[];
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

function entirely(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function compilePlan(plan: Plan): CompiledPlan {
  const compileType = (name: string): CompiledType | undefined => {
    const t = plan.type(name);
    if (!t || !t.pattern()) return undefined; // no type, or an empty pattern: never matches
    return { lengths: t.possibleLengths(), pattern: entirely(t.pattern()) };
  };
  const prefix = plan.nationalPrefixForParsing();
  const leading = plan.leadingDigits();
  return {
    nationalNumber: entirely(plan.nationalNumberPattern()),
    possibleLengths: plan.possibleLengths(),
    prefixForParsing: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
    prefixTransformRule: plan.nationalPrefixTransformRule(),
    leadingDigits: leading ? new RegExp(leading) : undefined,
    hasTypes: plan.hasTypes(),
    types: ['MOBILE', 'FIXED_LINE', ...OTHER_TYPES].map(compileType).filter((t): t is CompiledType => t !== undefined),
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

function isOfType(nationalNumber: string, type: CompiledType): boolean {
  if (type.lengths && !type.lengths.includes(nationalNumber.length)) return false;
  return type.pattern.test(nationalNumber);
}

/** `getNumberType(...) !== undefined`. */
function hasNumberType(nationalNumber: string, plan: CompiledPlan): boolean {
  if (!plan.nationalNumber.test(nationalNumber)) return false;
  for (const type of plan.types) if (isOfType(nationalNumber, type)) return true;
  return false;
}

/** `getCountryByCallingCode`: the only country, or the first whose leading digits or types match. */
function countryPlan(plans: CallingCodePlans, nationalNumber: string): CompiledPlan | undefined {
  const { countries } = plans;
  if (countries.length === 0) return undefined;
  if (countries.length === 1) return countries[0].plan;
  for (const { plan } of countries) {
    if (plan.leadingDigits) {
      if (nationalNumber && nationalNumber.search(plan.leadingDigits) === 0) return plan;
    } else if (hasNumberType(nationalNumber, plan)) {
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

/** `extractNationalNumber` for an international number (no default country). */
function nationalNumberOf(number: string, plans: CallingCodePlans): string {
  const main = plans.main;
  // test() first: most numbers carry no national prefix, and exec() allocates its match.
  if (!number || !main.prefixForParsing || !main.prefixForParsing.test(number)) return number;
  const match = main.prefixForParsing.exec(number);
  if (!match) return number;
  const groups = match.length - 1;
  const hasGroups = groups > 0 && Boolean(match[groups]);
  const national =
    main.prefixTransformRule && hasGroups
      ? number.replace(main.prefixForParsing, main.prefixTransformRule)
      : number.slice(match[0].length);
  if (national === number) return number;
  // Keep the prefix when stripping it would turn a valid-looking number into an invalid one.
  if (main.nationalNumber.test(number) && !main.nationalNumber.test(national)) return number;
  if (main.possibleLengths) {
    const plan = countryPlan(plans, national) ?? main;
    if (!isPossibleIncomplete(national, plan)) return number;
  }
  return national;
}

/**
 * The E.164 digits (no '+') of `+digits` when it is a valid number in libphonenumber-js's "max"
 * metadata, else undefined: the same answer as
 * `parsePhoneNumberFromString('+' + digits)?.isValid() ? number.slice(1) : undefined`, so a national
 * prefix written after the calling code ('44 0 7911…') is dropped as the library drops it.
 * `digits` must be ASCII digits.
 */
export function e164DigitsOf(digits: string): string | undefined {
  // parseInput: "+" and fewer than 3 digits is not a viable phone number.
  if (digits.length < 3 || digits.charCodeAt(0) === 48 /* 0 */) return undefined;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH_COUNTRY_CODE && length <= digits.length; length++) {
    code = code * 10 + digits.charCodeAt(length - 1) - 48;
    const plans = plansFor(code);
    if (plans === null) continue;
    const written = digits.slice(length);
    const national = nationalNumberOf(written, plans);
    if (national.length < MIN_LENGTH_FOR_NSN || national.length > MAX_LENGTH_FOR_NSN) return undefined;
    const plan = countryPlan(plans, national) ?? plans.main;
    const valid = plan.hasTypes ? hasNumberType(national, plan) : plan.nationalNumber.test(national);
    if (!valid) return undefined;
    // The common case, nothing stripped: the input is already the answer.
    return national === written ? digits : digits.slice(0, length) + national;
  }
  return undefined;
}
