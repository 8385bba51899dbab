import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from '@jest/globals';

// The CommonJS build of this run (npm test builds dist/ first), which the checks below load with
// require() and whose .d.ts files they read; the tests themselves run as ES modules.
const compiledLib = join(process.cwd(), 'dist');

// Makes @nestjs/terminus unresolvable for require() and import() alike, as if it were not installed.
const WITHOUT_TERMINUS = `
const Module = require('node:module');
const hidden = (s) => s === '@nestjs/terminus' || s.startsWith('@nestjs/terminus/');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden(request)) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
Module.register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) {' +
  '  if (s === "@nestjs/terminus" || s.startsWith("@nestjs/terminus/")) throw Object.assign(new Error("Cannot find package " + s), { code: "ERR_MODULE_NOT_FOUND" });' +
  '  return next(s, c);' +
  '}'));
`;

function runWithoutTerminus(body: string): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-e', WITHOUT_TERMINUS + body], { encoding: 'utf8', cwd: process.cwd(), timeout: 60_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? declarationFiles(path) : path.endsWith('.d.ts') ? [path] : [];
  });
}

describe('@nestjs/terminus is an optional peer', () => {
  it('the package root loads and works without it, and loads neither health nor testing code', () => {
    const { status, stdout, stderr } = runWithoutTerminus(`
      (async () => {
        const out = {};
        try { require('@nestjs/terminus'); out.requireHidden = false; } catch (e) { out.requireHidden = e.code === 'MODULE_NOT_FOUND'; }
        try { await import('@nestjs/terminus'); out.importHidden = false; } catch (e) { out.importHidden = e.code === 'ERR_MODULE_NOT_FOUND'; }
        require('reflect-metadata');
        const root = require(${JSON.stringify(join(compiledLib, 'index.js'))});
        out.exports = ['ChonrySmsModule', 'ChonrySmsService', 'ChonrySmsApiError'].filter((k) => typeof root[k] === 'function');
        out.resolved = root.resolveChonrySmsOptions({ accessKey: 'k', secret: 's' }).sendUrl;
        out.loaded = Object.keys(require.cache).filter((f) => /[\\\\/]dist[\\\\/](health|testing)[\\\\/]/.test(f) || f.includes('terminus'));
        try { require(${JSON.stringify(join(compiledLib, 'health', 'index.js'))}); out.health = 'loaded'; } catch (e) { out.health = e.message; }
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    assert.equal(status, 0, stderr);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(out.requireHidden, true, 'the hook hides terminus from require()');
    assert.equal(out.importHidden, true, 'the hook hides terminus from import()');
    assert.deepEqual(out.exports, ['ChonrySmsModule', 'ChonrySmsService', 'ChonrySmsApiError']);
    assert.equal(out.resolved, 'https://intlapi.1cloudsp.com/intl/api/v2/send');
    assert.deepEqual(out.loaded, []);
    assert.match(String(out.health), /@nestjs\/terminus/, 'the health entry point names what is missing');
  });

  it('no declaration file outside health/ mentions terminus, and the root reaches neither health nor testing', () => {
    const files = declarationFiles(compiledLib);
    assert.ok(files.length > 10);
    const offenders = files.filter((f) => !relative(compiledLib, f).startsWith('health') && readFileSync(f, 'utf8').includes('@nestjs/terminus'));
    assert.deepEqual([...offenders], []); // readdirSync's arrays are of Node's realm, not the test's
    assert.ok(readFileSync(join(compiledLib, 'health', 'chonry-sms-health.indicator.d.ts'), 'utf8').includes('@nestjs/terminus'), 'the check can see a reference');
    const root = readFileSync(join(compiledLib, 'index.d.ts'), 'utf8');
    assert.doesNotMatch(root, /health|testing/);
  });

  it('is declared an optional peer, and both subpaths are exported', () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      devDependencies?: Record<string, string>;
      exports: Record<string, { types: string; default: string }>;
    };
    assert.match(pkg.peerDependencies?.['@nestjs/terminus'] ?? '', /\^11.*\^12/);
    assert.equal(pkg.peerDependenciesMeta?.['@nestjs/terminus']?.optional, true);
    assert.ok(pkg.devDependencies?.['@nestjs/terminus']);
    assert.deepEqual(pkg.exports['./health'], { types: './dist/health/index.d.ts', import: './dist/esm/health/index.js', default: './dist/health/index.js' });
    assert.deepEqual(pkg.exports['./testing'], { types: './dist/testing/index.d.ts', import: './dist/esm/testing/index.js', default: './dist/testing/index.js' });
  });
});
