import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import {
  Checked,
  checkMessages,
  checkMobiles,
  checkQueuedMessages,
  checkQueuedMobiles,
  checkScheduleTime,
  checkVariables,
  Problem,
  shortTextProblem,
} from '../validation';

/**
 * class-validator decorators backed by the module's own field checks, so a controller's
 * ValidationPipe and the service give the same verdicts and messages. Array fields are checked as
 * one value (not one nested class instance per element) to stay cheap at the provider's limits.
 */

// What each check found, per validated object and property, so the service can reuse the
// normalised value and the structured problems without checking twice.
const results = new WeakMap<object, Map<string, Checked<unknown>>>();

export function checkedField<T>(object: object, property: string): Checked<T> | undefined {
  return results.get(object)?.get(property) as Checked<T> | undefined;
}

/** @internal Whether any of the module's checks ran on `object` (every module DTO has one that always runs). */
export function hasCheckedFields(object: object): boolean {
  return results.has(object);
}

function record(object: object, property: string, checked: Checked<unknown>): void {
  let byProperty = results.get(object);
  if (!byProperty) results.set(object, (byProperty = new Map()));
  byProperty.set(property, checked);
}

// Each decorated property's check, by the class that declares it: `validateInput` runs them itself
// for the module's own DTOs (the same checks, without class-validator's machinery per call).
const declaredChecks = new WeakMap<object, Map<string, { name: string; check: (value: unknown, property: string) => Checked<unknown> }>>();

/**
 * @internal The check a `fieldDecorator` put on `property` of `cls` or a class it extends, with the
 * decorator's name, or undefined.
 */
export function fieldCheckOf(cls: object, property: string): { name: string; check: (value: unknown, property: string) => Checked<unknown> } | undefined {
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const found = declaredChecks.get(c)?.get(property);
    if (found) return found;
  }
  return undefined;
}

/** @internal Runs a property's check as its decorator does, keeping the result for `checkedField`. */
export function runFieldCheck(object: object, property: string, check: (value: unknown, property: string) => Checked<unknown>): Checked<unknown> {
  const checked = check((object as Record<string, unknown>)[property], property);
  record(object, property, checked);
  return checked;
}

function fieldDecorator(
  name: string,
  check: (value: unknown, property: string) => Checked<unknown>,
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    let declared = declaredChecks.get(target.constructor);
    if (!declared) declaredChecks.set(target.constructor, (declared = new Map()));
    declared.set(propertyName as string, { name, check });
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const checked = check(value, args.property);
          record(args.object, args.property, checked);
          return checked.problems.length === 0;
        },
        defaultMessage(args: ValidationArguments): string {
          const problems = checkedField(args.object, args.property)?.problems ?? [];
          return problems.map((p: Problem) => `${p.path}: ${p.message}`).join('; ');
        },
      },
    });
  };
}

function scalar(problemOf: (value: unknown) => string | undefined) {
  return (value: unknown, property: string): Checked<unknown> => {
    const message = problemOf(value);
    return { value, problems: message ? [{ path: property, message }] : [] };
  };
}

/** 1..`max` phone numbers, each valid in its country's numbering plan. */
export function IsChonryMobiles(max?: number, options?: ValidationOptions): PropertyDecorator {
  return fieldDecorator('isChonryMobiles', (v, p) => checkMobiles(v, p, max), options);
}

/** @internal A queued job's recipients: validated at enqueue, only their shape checked when sent. */
export function IsQueuedMobiles(): PropertyDecorator {
  return fieldDecorator('isQueuedMobiles', (v, p) => checkQueuedMobiles(v, p));
}

/** @internal A queued job's personalised messages: validated at enqueue, only their shape checked when sent. */
export function IsQueuedMessages(): PropertyDecorator {
  return fieldDecorator('isQueuedMessages', (v, p) => checkQueuedMessages(v, p));
}

/** 1..`max` `{ mobile, variables }` with unique, valid mobiles. */
export function IsChonryMessages(max?: number, options?: ValidationOptions): PropertyDecorator {
  return fieldDecorator('isChonryMessages', (v, p) => checkMessages(v, p, max), options);
}

/** A non-empty list of template variables that survive the provider's `##`/`$$` splitting. */
export function IsChonryVariables(options?: ValidationOptions): PropertyDecorator {
  return fieldDecorator('isChonryVariables', checkVariables, options);
}

/** A `Date`, or a real `yyyy-MM-dd HH:mm:ss` time. */
export function IsChonryScheduleTime(options?: ValidationOptions): PropertyDecorator {
  return fieldDecorator('isChonryScheduleTime', checkScheduleTime, options);
}

/** A short non-empty string (templateId, sign, senderId). */
export function IsChonryShortText(options?: ValidationOptions): PropertyDecorator {
  return fieldDecorator('isChonryShortText', scalar(shortTextProblem), options);
}
