import type { ChonrySmsValidationProblem } from '../errors/chonry-sms.errors';

export type Problem = ChonrySmsValidationProblem;

/** A value validated and normalised, or the problems that stop it. */
export interface Checked<T> {
  value: T;
  problems: Problem[];
}

const MAX_ECHO = 40;

/** Quotes a user-supplied value for an error message, shortened and with controls made visible. */
export function echo(value: unknown): string {
  if (typeof value !== 'string') return describeType(value);
  const shown = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  return JSON.stringify(shown);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, MAX_ECHO)}`;
}
