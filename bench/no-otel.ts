// Preloaded (`--require`) into the benchmark client that stands for an app without
// `@opentelemetry/api`: the package cannot be resolved, as if it were not installed.
import Module from 'node:module';

const internals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (request.startsWith('@opentelemetry/')) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
