import { javaUrlEncode } from '../transport/form-encoding';

/**
 * Finds credentials in text the module did not write itself (a provider's `msg`, a proxy's page,
 * a value given in the wrong option) in every form a server or a config loader can give them
 * back in: as written, URL-encoded once or twice (`%20` or `+` for a space, hex digits in either
 * case), and JSON-escaped (with or without `\uXXXX` for non-ASCII and `\/` for `/`).
 */
export const REDACTED = '[redacted]';

/** Provider-supplied text is cut to this many characters in errors and results. */
export const MAX_PROVIDER_TEXT = 300;

const urlEncoded = (v: string) => encodeURIComponent(v);
const formEncoded = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
const jsonEscaped = (v: string) => JSON.stringify(v).slice(1, -1);
const asciiJson = (v: string) => jsonEscaped(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Every form of `value` that could stand for it in returned text. The URL forms are the module's own
 * wire encoding (Java's URLEncoder: `~` escaped, `*` kept) and the two common others
 * (`encodeURIComponent`, and a form encoder that escapes `!'()*`), each once and twice.
 */
export function encodedForms(value: string): string[] {
  if (value === '') return [];
  const forms = new Set<string>();
  for (const json of [value, jsonEscaped(value), asciiJson(value)]) {
    forms.add(json);
    forms.add(json.replace(/\//g, '\\/'));
  }
  // A string with an unpaired surrogate has no URL encoding (it cannot be written as UTF-8, so it
  // never is on the wire): only its JSON forms can come back.
  if (value.isWellFormed()) {
    for (const once of [urlEncoded(value), formEncoded(value), javaUrlEncode(value)]) {
      for (const form of [once, urlEncoded(once), formEncoded(once), javaUrlEncode(once)]) forms.add(form);
    }
  }
  return [...forms];
}

const hexClass = (digit: string) => (/[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit);

/** A regular-expression source for one form: literal, except that escapes' hex digits match either case. */
function patternOf(form: string): string {
  return form.replace(/%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|[\\^$.*+?()[\]{}|/-]/g, (m) => {
    if (m.length === 1) return `\\${m}`;
    if (m[0] === '%') return `%${[...m.slice(1)].map(hexClass).join('')}`;
    return `\\\\u${[...m.slice(2)].map(hexClass).join('')}`;
  });
}

/** Removes a fixed set of values, in all their forms, from text. */
export class Redactor {
  // A #private field: util.inspect and JSON never show it (its source holds the values).
  readonly #pattern: RegExp | undefined;

  constructor(values: readonly (string | undefined)[]) {
    const forms = [...new Set(values.flatMap((v) => (v ? encodedForms(v) : [])))].sort((a, b) => b.length - a.length);
    this.#pattern = forms.length > 0 ? new RegExp(forms.map(patternOf).join('|'), 'g') : undefined;
  }

  /** Whether `text` holds one of the values in any of its forms. */
  contains(text: string): boolean {
    if (!this.#pattern) return false;
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(text);
  }

  /** `text` with every form of every value replaced by `[redacted]`. */
  redact(text: string): string {
    return this.#pattern ? text.replace(this.#pattern, REDACTED) : text;
  }

  /**
   * Provider-supplied text as it may be shown: redacted, then cut to `max` characters. Cutting
   * after redacting means no part of a value survives at the cut.
   */
  providerText(text: string, max = MAX_PROVIDER_TEXT): string {
    const clean = this.redact(text);
    return clean.length > max ? `${clean.slice(0, max)}… (${clean.length - max} more characters)` : clean;
  }
}
