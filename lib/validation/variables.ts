import { Checked, describeType, echo, Problem, readList } from './problem';

/** The separator the module joins variables with; the provider also splits on `$$`. */
export const VARIABLE_SEPARATOR = '##';

// C0 controls except tab (\t) and newline (\n), DEL, and C1 controls.
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/** Why a single template variable cannot be sent safely, or undefined when it can. */
export function variableProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${describeType(value)})`;
  if (value.length === 0) return 'must not be empty';
  if (value.includes('##') || value.includes('$$')) {
    return `${echo(value)} contains "##" or "$$", which the provider treats as a separator between variables`;
  }
  if (value.startsWith('#') || value.endsWith('#')) {
    return `${echo(value)} begins or ends with "#", which would merge into the "##" separator`;
  }
  if (!value.isWellFormed()) return `${echo(value)} contains an unpaired UTF-16 surrogate`;
  const control = FORBIDDEN_CONTROL.exec(value);
  if (control) {
    const hex = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `contains the control character U+${hex} at offset ${control.index} (only newline and tab are allowed)`;
  }
  return undefined;
}

/**
 * Validates a template's variables: a non-empty array of safe, non-empty strings. The value is a
 * copy, each element read once: what was checked is what is sent, whatever getters the array has.
 */
export function checkVariables(input: unknown, field = 'variables'): Checked<string[]> {
  if (!Array.isArray(input)) {
    return { value: [], problems: [{ path: field, message: `must be an array of strings (got ${describeType(input)})` }] };
  }
  const list = readList(input, input.length);
  const problems: Problem[] = [];
  if (list.length === 0) problems.push({ path: field, message: 'must contain at least 1 variable' });
  for (let i = 0; i < list.length; i++) {
    const reason = variableProblem(list[i]);
    if (reason) problems.push({ path: `${field}[${i}]`, message: reason });
  }
  return { value: problems.length ? [] : (list as string[]), problems };
}

export function joinVariables(variables: readonly string[]): string {
  return variables.join(VARIABLE_SEPARATOR);
}
