import { ChonrySmsConfigError, ChonrySmsValidationError } from '../errors';
import type { ChonrySmsBulkDefaults, ChonrySmsBulkOptions, ChonrySmsBulkProgress } from '../interfaces/bulk-send.interface';
import { describeType, optionKey, Problem } from '../validation';

export const CHONRY_DEFAULT_BULK_CONCURRENCY = 4;

/** One bulk call's settings, module defaults and call options merged and checked. */
export interface BulkSettings {
  chunkSize: number;
  concurrency: number;
  requestsPerSecond?: number;
  stopOnError: boolean;
  onProgress?: (progress: ChonrySmsBulkProgress) => void;
}

const KNOWN = new Set(['chunkSize', 'concurrency', 'requestsPerSecond', 'stopOnError', 'onProgress']);

function wholeNumberProblem(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? undefined : `must be a whole number of at least 1 (got ${describeType(value)})`;
}

/** What is wrong with a bulk options object (module `bulk` or a call's options); `prefix` names it. */
function bulkOptionProblems(raw: unknown, prefix: string, allowProgress: boolean): Problem[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) return [{ path: prefix, message: `must be an object (got ${describeType(raw)})` }];
  const o = raw as Record<string, unknown>;
  const problems: Problem[] = [];
  const add = (key: string, message: string | undefined) => message && problems.push({ path: `${prefix}.${key}`, message });
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key) || (key === 'onProgress' && !allowProgress)) add(optionKey(key), 'is not a known option');
  }
  if (o.chunkSize !== undefined) add('chunkSize', wholeNumberProblem(o.chunkSize));
  if (o.concurrency !== undefined) add('concurrency', wholeNumberProblem(o.concurrency));
  if (o.requestsPerSecond !== undefined && !(typeof o.requestsPerSecond === 'number' && Number.isFinite(o.requestsPerSecond) && o.requestsPerSecond > 0)) {
    add('requestsPerSecond', `must be a positive number (got ${describeType(o.requestsPerSecond)})`);
  }
  if (o.stopOnError !== undefined && typeof o.stopOnError !== 'boolean') add('stopOnError', `must be a boolean (got ${describeType(o.stopOnError)})`);
  if (allowProgress && o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    add('onProgress', `must be a function (got ${describeType(o.onProgress)})`);
  }
  return problems;
}

/** Checks the module's `bulk` defaults at start-up. */
export function resolveBulkDefaults(raw: unknown): Readonly<ChonrySmsBulkDefaults> {
  const [problem] = bulkOptionProblems(raw, 'bulk', false);
  if (problem) throw new ChonrySmsConfigError(problem.path, problem.message);
  return Object.freeze({ ...((raw ?? {}) as ChonrySmsBulkDefaults) });
}

/** Merges a call's options over the module defaults; `providerMax` caps the chunk size. */
export function bulkSettings(defaults: ChonrySmsBulkDefaults, call: ChonrySmsBulkOptions | undefined, providerMax: number): BulkSettings {
  const problems = bulkOptionProblems(call, 'options', true);
  if (problems.length > 0) throw new ChonrySmsValidationError(problems);
  return {
    chunkSize: Math.min(call?.chunkSize ?? defaults.chunkSize ?? providerMax, providerMax),
    concurrency: call?.concurrency ?? defaults.concurrency ?? CHONRY_DEFAULT_BULK_CONCURRENCY,
    requestsPerSecond: call?.requestsPerSecond ?? defaults.requestsPerSecond,
    stopOnError: call?.stopOnError ?? defaults.stopOnError ?? false,
    onProgress: call?.onProgress,
  };
}
