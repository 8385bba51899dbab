import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from '@jest/globals';
import { inspect, types } from 'node:util';
import type { CHONRY_SMS_ASYNC_OPTIONS_TYPE, CHONRY_SMS_OPTIONS_TYPE } from '../../lib';
import type { CHONRY_SMS_HEALTH_ASYNC_OPTIONS_TYPE, CHONRY_SMS_HEALTH_OPTIONS_TYPE } from '../../lib/health';

const requireEntry = createRequire(__filename);

// Every entry point in package.json exports, loaded by the package's own name (resolves to dist/).
const manifest = JSON.parse(readFileSync(requireEntry.resolve('nestjs-chonry-sms/package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};
const entryPoints = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'nestjs-chonry-sms' : `nestjs-chonry-sms/${key.slice(2)}`));

// Types-only exports (the builder's *_OPTIONS_TYPE) must not exist at runtime: a value that throws on
// property access breaks any code that enumerates a module, e.g. a DI container or a test runner.
function touchEveryValue(entry: string, loaded: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(loaded)) {
    assert.doesNotThrow(() => (value as { name?: unknown } | null)?.name, `${entry} export ${name} throws on .name`);
  }
}

describe('entry points', () => {
  it('lists the root and every documented subpath', () => {
    assert.deepEqual(entryPoints.sort(), [
      'nestjs-chonry-sms',
      'nestjs-chonry-sms/health',
      'nestjs-chonry-sms/queue',
      'nestjs-chonry-sms/testing',
    ]);
  });

  for (const entry of entryPoints) {
    it(`${entry}: every value export loaded by require() survives .name`, () => {
      touchEveryValue(entry, requireEntry(entry) as Record<string, unknown>);
    });

    it(`${entry}: every value export loaded by import() survives .name`, async () => {
      // Function() keeps tsc's CommonJS output from turning import() into require().
      const load = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;
      touchEveryValue(entry, await load(entry));
    });

    it(`${entry}: Object.values(...).map((v) => v && v.name) works and no value export is a Proxy`, () => {
      const loaded = requireEntry(entry) as Record<string, unknown>;
      assert.doesNotThrow(() => Object.values(loaded).map((v) => v && (v as { name?: unknown }).name));
      const proxies = Object.entries(loaded).filter(([, v]) => types.isProxy(v)).map(([name]) => name);
      assert.deepEqual(proxies, [], `${entry} exports Proxy values`);
      assert.doesNotThrow(() => inspect(loaded, { depth: 1 }));
    });

    it(`${entry}: exports no *_OPTIONS_TYPE value`, () => {
      const names = Object.keys(requireEntry(entry) as object).filter((name) => name.endsWith('OPTIONS_TYPE'));
      assert.deepEqual(names, []);
    });
  }
});

// The builder's names stay usable as types (checked by the type-check of this file).
export const optionTypesStayTypes: [
  CHONRY_SMS_OPTIONS_TYPE,
  CHONRY_SMS_ASYNC_OPTIONS_TYPE,
  CHONRY_SMS_HEALTH_OPTIONS_TYPE,
  CHONRY_SMS_HEALTH_ASYNC_OPTIONS_TYPE,
] = [
  { accessKey: 'k', secret: 's' },
  { useFactory: () => ({ accessKey: 'k', secret: 's' }) },
  { timeout: 1_000, probe: false },
  { useFactory: () => ({ failureThreshold: 2 }) },
];
