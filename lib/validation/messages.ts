import { DigitStringSet } from './digit-string-set';
import { checkMobile, isNormalizedShape, MAX_MESSAGES_PER_REQUEST, validMobile } from './mobile';
import { Checked, describeType, Problem } from './problem';
import { checkVariables, variableProblem } from './variables';

export interface PersonalizedMessage {
  mobile: string;
  variables: string[];
}

/**
 * `{ mobile, variables }` with nothing else, a valid mobile and valid variables, normalised; else
 * undefined. Builds no path strings or problem lists, so a valid list costs little per message.
 */
function wellFormedMessage(item: unknown): PersonalizedMessage | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  for (const key in o) if (key !== 'mobile' && key !== 'variables') return undefined;
  const { mobile: rawMobile, variables: rawVariables } = o;
  if (typeof rawMobile !== 'string' || !Array.isArray(rawVariables) || rawVariables.length === 0) return undefined;
  // A copy, checked and kept (one read per element): a bulk send builds its later requests after
  // the caller may have changed its own arrays.
  const variables = (rawVariables as unknown[]).slice();
  for (const v of variables) if (variableProblem(v) !== undefined) return undefined;
  const mobile = validMobile(rawMobile);
  return mobile === undefined ? undefined : { mobile, variables: variables as string[] };
}

/**
 * Validates personalised messages: 1..max entries, each `{ mobile, variables }`, mobiles unique
 * after normalisation. Returns the messages with normalised mobiles, or the problems found.
 */
export function checkMessages(
  list: unknown,
  field = 'messages',
  max = MAX_MESSAGES_PER_REQUEST,
): Checked<PersonalizedMessage[]> {
  if (!Array.isArray(list)) {
    return { value: [], problems: [{ path: field, message: `must be an array of { mobile, variables } (got ${describeType(list)})` }] };
  }
  const problems: Problem[] = [];
  if (list.length === 0) problems.push({ path: field, message: 'must contain at least 1 message' });
  if (list.length > max) {
    problems.push({ path: field, message: `may contain at most ${max} messages per request (got ${list.length})` });
    return { value: [], problems };
  }
  // Membership in the fast path is a table of numbers; the index of a repeat's first occurrence is
  // only needed to name it, so the map of mobile → index is built the first time it is.
  const seen = new DigitStringSet(list.length);
  const value: PersonalizedMessage[] = [];
  const indexOf: number[] = [];
  let firstIndexOf: Map<string, number> | undefined;
  const keep = (message: PersonalizedMessage, i: number) => {
    seen.add(message.mobile);
    value.push(message);
    indexOf.push(i);
    firstIndexOf?.set(message.mobile, i);
  };
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    const fast = wellFormedMessage(item);
    if (fast && !seen.has(fast.mobile)) {
      keep(fast, i);
      continue;
    }
    // Anything else takes the full check, which names every problem.
    const path = `${field}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ path, message: `must be an object { mobile, variables } (got ${describeType(item)})` });
      continue;
    }
    const { mobile: rawMobile, variables: rawVariables, ...rest } = item as Record<string, unknown>;
    for (const key of Object.keys(rest)) problems.push({ path: `${path}.${key}`, message: 'is not a known field' });
    const m = checkMobile(rawMobile, `${path}.mobile`);
    const v = checkVariables(rawVariables, `${path}.variables`);
    if (m.problem) problems.push(m.problem);
    problems.push(...v.problems);
    if (m.mobile === undefined) continue;
    if (seen.has(m.mobile)) {
      firstIndexOf ??= new Map(value.map((kept, k) => [kept.mobile, indexOf[k]]));
      problems.push({ path: `${path}.mobile`, message: `${m.mobile} is already the recipient of ${field}[${firstIndexOf.get(m.mobile)}]; each mobile may appear once` });
      continue;
    }
    keep({ mobile: m.mobile, variables: v.value.slice() }, i);
  }
  return { value: problems.length ? [] : value, problems };
}

/**
 * A queued job's personalised messages, which `checkMessages` normalised and de-duplicated at
 * enqueue: checked again only for their shape (`{ mobile, variables }`, a mobile of 1–15 digits)
 * and their variables (what the provider splits on must still not be in them), not each mobile
 * against its numbering plan.
 */
export function checkQueuedMessages(list: unknown, field = 'messages', max = MAX_MESSAGES_PER_REQUEST): Checked<PersonalizedMessage[]> {
  if (!Array.isArray(list) || list.length === 0 || list.length > max) {
    return { value: [], problems: [{ path: field, message: `must be an array of 1 to ${max} messages (a queued job is checked only for its shape)` }] };
  }
  const changed = (i: number, what: string): Checked<PersonalizedMessage[]> => ({ value: [], problems: [{ path: `${field}[${i}]`, message: `${what}; the job was changed after it was queued` }] });
  const value: PersonalizedMessage[] = [];
  const seen = new DigitStringSet(list.length);
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 2) return changed(i, 'is not a { mobile, variables } message');
    // One read of each field, and a copy of the variables that is both checked and sent.
    const { mobile, variables: rawVariables } = item as Record<string, unknown>;
    const variables = Array.isArray(rawVariables) ? (rawVariables as unknown[]).slice() : undefined;
    if (!isNormalizedShape(mobile) || !variables || variables.length === 0 || !variables.every((v) => variableProblem(v) === undefined)) {
      return changed(i, 'is not a { mobile, variables } message as it was queued');
    }
    if (!seen.add(mobile as string)) return changed(i, 'repeats a mobile');
    value.push({ mobile: mobile as string, variables: variables as string[] });
  }
  return { value, problems: [] };
}
