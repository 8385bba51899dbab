import { describeType, echo } from './problem';

/** Upper bound for templateId, sign and senderId: the provider documents none; this catches mistakes. */
export const MAX_SHORT_TEXT = 64;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** Why a templateId, sign or senderId is unusable, or undefined. */
export function shortTextProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${describeType(value)})`;
  if (value.trim().length === 0) return 'must not be empty';
  if (value.length > MAX_SHORT_TEXT) return `must be at most ${MAX_SHORT_TEXT} characters (got ${value.length})`;
  if (!value.isWellFormed()) return `${echo(value)} contains an unpaired UTF-16 surrogate`;
  if (CONTROL.test(value)) return `${echo(value)} contains a control character`;
  return undefined;
}
