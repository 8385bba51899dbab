import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from '@jest/globals';
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

/** What a CommonJS user gets from `require(entry)`: each check's findings, or the error it threw. */
interface RequiredEntry {
  loadError?: string;
  throwingNames: string[];
  mapError?: string;
  proxies: string[];
  inspectError?: string;
  optionsTypeNames: string[];
}

// require() runs in a plain Node process: Jest's own require() cannot load Nest 12's ES modules on
// Node 20 (Node's require() of ES modules can), and a CommonJS user's process is a plain one too.
const REQUIRE_ENTRY = `
const { inspect, types } = require('node:util');
const out = { throwingNames: [], proxies: [], optionsTypeNames: [] };
const error = (e) => (e && e.stack) || String(e);
let loaded;
try { loaded = require(process.argv[1]); } catch (e) { out.loadError = error(e); }
if (loaded) {
  for (const [name, value] of Object.entries(loaded)) {
    try { void (value == null ? value : value.name); } catch { out.throwingNames.push(name); }
    if (types.isProxy(value)) out.proxies.push(name);
  }
  try { Object.values(loaded).map((v) => v && v.name); } catch (e) { out.mapError = error(e); }
  try { inspect(loaded, { depth: 1 }); } catch (e) { out.inspectError = error(e); }
  out.optionsTypeNames = Object.keys(loaded).filter((name) => name.endsWith('OPTIONS_TYPE'));
}
console.log(JSON.stringify(out));
`;
const requiredEntries = new Map<string, RequiredEntry>();
function requiredEntry(entry: string): RequiredEntry {
  let found = requiredEntries.get(entry);
  if (!found) {
    const child = spawnSync(process.execPath, ['-e', REQUIRE_ENTRY, entry], { encoding: 'utf8', cwd: process.cwd() });
    assert.equal(child.status, 0, child.stderr);
    found = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as RequiredEntry;
    assert.equal(found.loadError, undefined, `require('${entry}') failed`);
    requiredEntries.set(entry, found);
  }
  return found;
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
      const { throwingNames } = requiredEntry(entry);
      assert.deepEqual(throwingNames, [], `${entry} exports ${throwingNames.join(', ')} throw on .name`);
    });

    it(`${entry}: every value export loaded by import() survives .name`, async () => {
      touchEveryValue(entry, (await import(entry)) as Record<string, unknown>);
    });

    it(`${entry}: Object.values(...).map((v) => v && v.name) works and no value export is a Proxy`, () => {
      const { mapError, proxies, inspectError } = requiredEntry(entry);
      assert.equal(mapError, undefined);
      assert.deepEqual(proxies, [], `${entry} exports Proxy values`);
      assert.equal(inspectError, undefined);
    });

    it(`${entry}: exports no *_OPTIONS_TYPE value`, () => {
      assert.deepEqual(requiredEntry(entry).optionsTypeNames, []);
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
