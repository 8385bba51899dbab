import type { Type } from '@nestjs/common';
import { validateSync, ValidationError } from 'class-validator';
import { ChonrySmsValidationError } from '../errors';
import { describeType, Problem } from '../validation';
import { checkedField } from './chonry-sms.validators';

function problemsOf(dto: object, errors: ValidationError[]): Problem[] {
  return errors.flatMap((e) => {
    const checked = checkedField(dto, e.property);
    if (checked?.problems.length) return checked.problems;
    if (e.constraints?.whitelistValidation) return [{ path: e.property, message: 'is not a known field' }];
    return Object.values(e.constraints ?? {}).map((message) => ({ path: e.property, message }));
  });
}

/**
 * Turns a plain object (or a DTO instance) into a validated DTO with class-validator, before any
 * I/O. Unknown fields are refused, so a typo such as `templateID`
 * cannot silently fall back to a default. Throws `ChonrySmsValidationError` listing every problem.
 */
export function validateInput<T extends object>(cls: Type<T>, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ChonrySmsValidationError([{ path: '(input)', message: `must be an object (got ${describeType(input)})` }]);
  }
  // A shallow copy onto the DTO class: these DTOs declare no transformations, and class-transformer
  // would deep-copy every array element (10,000 message objects) before class-validator runs.
  const dto = input instanceof cls ? input : Object.assign(new cls(), input);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new ChonrySmsValidationError(problemsOf(dto, errors));
  return dto;
}
