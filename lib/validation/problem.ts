import type { ChonrySmsValidationProblem } from '../errors/chonry-sms.errors';
import { Redactor } from '../errors/redact';
import { isDate } from '../realm';

export type Problem = ChonrySmsValidationProblem;

/** A value validated and normalised, or the problems that stop it. */
export interface Checked<T> {
  value: T;
  problems: Problem[];
}

const MAX_ECHO = 40;

/**
 * Values that messages must not show while a check runs (the secret, while the module's options
 * are checked: a secret put into the wrong option by an environment mix-up). A value is hidden
 * when it holds one of them in any encoding; values shorter than `MIN_CONTAINED` are hidden only
 * when given exactly, since a one-letter secret occurs in half of all words.
 */
let hiding: { redactor: Redactor; exact: ReadonlySet<string> } | undefined;

const MIN_CONTAINED = 8;
/** What an error message says instead of a value that holds the secret. */
export const HIDDEN_VALUE = 'a value that contains the secret (not shown)';

/** Runs `check` (synchronous) with `values` hidden from every `echo()`, `describeType()` and `optionKey()`. */
export function hidingValues<T>(values: readonly unknown[], check: () => T): T {
  const texts = values.filter((v): v is string => typeof v === 'string' && v !== '');
  const outer = hiding;
  hiding = { redactor: new Redactor(texts.filter((v) => v.length >= MIN_CONTAINED)), exact: new Set(texts.filter((v) => v.length < MIN_CONTAINED)) };
  try {
    return check();
  } finally {
    hiding = outer;
  }
}

function isHidden(text: string): boolean {
  return hiding !== undefined && (hiding.exact.has(text.trim()) || hiding.redactor.contains(text));
}

/** Quotes a user-supplied value for an error message, shortened and with controls made visible. */
export function echo(value: unknown): string {
  if (typeof value !== 'string') return describeType(value);
  if (isHidden(value)) return HIDDEN_VALUE;
  const shown = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  return JSON.stringify(shown);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isDate(value)) return 'a Date';
  if (typeof value === 'object') return 'an object';
  const text = String(value);
  return isHidden(text) ? HIDDEN_VALUE : `${typeof value} ${text.slice(0, MAX_ECHO)}`;
}

/** An object key as an error may show it inside an option path (`retry.<key>`). */
export function optionKey(key: string): string {
  return isHidden(key) ? '<a key that contains the secret>' : key.length > MAX_ECHO ? `${key.slice(0, MAX_ECHO)}…` : key;
}

/**
 * The first `length` elements of an array, each read once by index, into a plain array of the
 * module's own: what every later check and the request then see. Not the list's own `slice` or
 * iterator (an array, an Array subclass or a Proxy may carry others, and `Array.prototype.slice`
 * would build its result with the list's `constructor`), and the length read once by the caller,
 * who checks it against the limit before anything is copied.
 */
export function readList(list: readonly unknown[], length: number): unknown[] {
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = list[i];
  return out;
}
