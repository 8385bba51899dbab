import type { Type } from '@nestjs/common';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { ChonrySmsValidationError } from '../errors';
import { isDate } from '../realm';
import { describeType, keepStringMethodsFast, Problem } from '../validation';
import { checkedField, fieldCheckOf, runFieldCheck } from './chonry-sms.validators';
import type { Checked } from '../validation';

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Whether `value` holds an own `__proto__` / `constructor` / `prototype` key in an object at any
 * depth reached through enumerable own properties (what `Object.assign`, object rest and the
 * validators read; a non-enumerable child reaches none of them).
 */
function hasPrototypeKey(value: unknown, seen: Set<object>): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value) || isDate(value)) return false;
  if (Array.isArray(value)) {
    // Marked (for cycles) only once it holds an object: a list of strings cannot be on a cycle.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null) continue;
      seen.add(value);
      if (hasPrototypeKey(item, seen)) return true;
    }
    return false;
  }
  seen.add(value);
  // Any own such key, enumerable or not; then the children a copy or a validator reads (enumerable
  // own properties). for-in over objects of one shape uses V8's enum cache and allocates no key list.
  if (hasOwnPrototypeKey(value)) return true;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child: unknown = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && hasPrototypeKey(child, seen)) return true;
  }
  return false;
}

/** Whether `value` itself has an own `__proto__` / `constructor` / `prototype` key. */
function hasOwnPrototypeKey(value: object): boolean {
  return Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor') || Object.hasOwn(value, 'prototype');
}

/**
 * Paths of such keys under `value`. Only run once `hasPrototypeKey` found one: it builds a path
 * string per element and key, which a 10,000-message send would pay for on every call.
 */
function prototypeKeys(value: unknown, path: string, found: string[], seen: Set<object>): string[] {
  if (typeof value !== 'object' || value === null || seen.has(value) || isDate(value)) return found;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) prototypeKeys(value[i], `${path}[${i}]`, found, seen);
    return found;
  }
  for (const key of Object.getOwnPropertyNames(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) found.push(at);
    else prototypeKeys((value as Record<string, unknown>)[key], at, found, seen);
  }
  return found;
}

function problemsOf(dto: object, errors: ValidationError[]): Problem[] {
  return errors.flatMap((e) => {
    const checked = checkedField(dto, e.property);
    if (checked?.problems.length) return checked.problems;
    if (e.constraints?.whitelistValidation) return [{ path: e.property, message: 'is not a known field' }];
    return Object.values(e.constraints ?? {}).map((message) => ({ path: e.property, message }));
  });
}

const CLASS_VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** How one class is validated when every rule on it is the module's own: see `planOf`. */
interface ValidationPlan {
  known: Set<string>;
  fields: { property: string; optional: boolean; check: (value: unknown, property: string) => Checked<unknown> }[];
}

const plans = new WeakMap<object, ValidationPlan | null>();

/**
 * What `validateSync` with `CLASS_VALIDATOR_OPTIONS` does for a class whose every rule is one of the
 * module's field checks (at most one per property) or a plain `@IsOptional()`, as a list: unknown
 * fields refused first, then each property in class-validator's order, skipped when optional and
 * null or undefined, else its check. Built once per class from class-validator's own metadata; any
 * other rule, or a rule with options (groups, each, messages), leaves the class to class-validator.
 * The module's DTOs all qualify, which spares every call class-validator's per-call machinery (about
 * a tenth of a small send's CPU). A property test holds the two ways to the same verdicts, with one
 * intended difference: class-validator's whitelist looks keys up on a plain object, so it takes
 * `hasOwnProperty`, `isPrototypeOf` and other names of `Object.prototype` for known fields; the plan
 * refuses them as unknown, like any other.
 */
function planOf(cls: object): ValidationPlan | undefined {
  let plan = plans.get(cls);
  if (plan === undefined) {
    plan = buildPlan(cls);
    plans.set(cls, plan);
  }
  return plan ?? undefined;
}

function buildPlan(cls: object): ValidationPlan | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls as new () => object, '', false, false);
  if (metadatas.length === 0) return null;
  const grouped = storage.groupByPropertyName(metadatas);
  const fields: ValidationPlan['fields'] = [];
  for (const property of Object.keys(grouped)) {
    let optional = false;
    let check: ValidationPlan['fields'][number]['check'] | undefined;
    const declared = fieldCheckOf(cls, property);
    for (const m of grouped[property]) {
      const plain = !m.each && !m.always && !m.message && !m.context && !(m.groups?.length);
      if (!plain) return null;
      if (m.type === 'conditionalValidation' && m.name === 'isOptional') optional = true;
      else if (m.type === 'customValidation' && check === undefined && declared !== undefined && declared.name === m.name) check = declared.check;
      else return null;
    }
    if (!check) return null;
    fields.push({ property, optional, check });
  }
  return { known: new Set(Object.keys(grouped)), fields };
}

function runPlan(plan: ValidationPlan, dto: object): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(dto)) if (!plan.known.has(key)) problems.push({ path: key, message: 'is not a known field' });
  for (const { property, optional, check } of plan.fields) {
    const value = (dto as Record<string, unknown>)[property];
    if (optional && (value === null || value === undefined)) continue;
    problems.push(...runFieldCheck(dto, property, check).problems);
  }
  return problems;
}

/** @internal `validateInput` through class-validator alone: the definition the plan is held to (tests). */
export function validateWithClassValidator<T extends object>(cls: Type<T>, input: object): Problem[] {
  const dto = Object.assign(new cls(), input);
  return problemsOf(dto, validateSync(dto, CLASS_VALIDATOR_OPTIONS));
}

/** @internal A throwing getter or proxy: the input cannot even be read. */
export function unreadableInput(): ChonrySmsValidationError {
  return new ChonrySmsValidationError([{ path: '(input)', message: 'could not be read as a plain object' }]);
}

/**
 * Turns a plain object (or a DTO instance) into a validated DTO with class-validator, before any
 * I/O. Unknown fields are refused, so a typo such as `templateID`
 * cannot silently fall back to a default. Throws `ChonrySmsValidationError` listing every problem.
 */
export function validateInput<T extends object>(cls: Type<T>, input: unknown): T {
  let dto: T;
  let errors: ValidationError[];
  try {
    keepStringMethodsFast();
    // Inside the try: `Array.isArray` of a revoked Proxy throws.
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ChonrySmsValidationError([{ path: '(input)', message: `must be an object (got ${describeType(input)})` }]);
    }
    const copied = !(input instanceof cls);
    // Only a fresh copy (plain data properties of exactly `cls`) takes the plan: an instance of
    // `cls` may be a subclass with rules of its own, or a proxy whose reads change.
    const plan = copied ? planOf(cls) : undefined;
    // What is copied is read once, into an object with no prototype (where a `__proto__` key is an
    // ordinary own property): the check below and the copy onto the class then see the same keys,
    // whatever a Proxy answers from one look to the next.
    const source: object = copied ? Object.assign(Object.create(null) as object, input) : input;
    // Refused like any other unknown field: the copy below would set the DTO's prototype from a
    // `__proto__` key, and class-transformer (used before) silently dropped them. With class-validator,
    // at any depth. With the plan, at the top, which the copy reads: below it the module's field
    // checks read only their own fields and refuse every other key of a message (a `__proto__` or
    // `constructor` parsed from JSON included, with the same path and message); walking 10,000
    // messages for such keys first cost a 10,000-message send about 3 ms.
    if (plan ? hasOwnPrototypeKey(source) : hasPrototypeKey(source, new Set())) {
      const hostile = prototypeKeys(source, '', [], new Set());
      throw new ChonrySmsValidationError(hostile.map((path) => ({ path, message: 'is not a known field' })));
    }
    // A shallow copy onto the DTO class: these DTOs declare no transformations, and class-transformer
    // would deep-copy every array element (10,000 message objects) before class-validator runs.
    dto = copied ? Object.assign(new cls(), source) : input;
    if (plan) {
      const problems = runPlan(plan, dto);
      if (problems.length > 0) throw new ChonrySmsValidationError(problems);
      return dto;
    }
    errors = validateSync(dto, CLASS_VALIDATOR_OPTIONS);
  } catch (err) {
    if (err instanceof ChonrySmsValidationError) throw err;
    throw unreadableInput();
  }
  if (errors.length > 0) throw new ChonrySmsValidationError(problemsOf(dto, errors));
  return dto;
}
