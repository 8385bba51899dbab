import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from '@jest/globals';

// The CommonJS build of this run (npm test builds dist/ first), with its .d.ts files: the checks
// below load it with require(); the tests themselves run as ES modules.
const compiledLib = join(process.cwd(), 'dist');
const QUEUE_PEERS = /(['"])(bullmq|@nestjs\/bullmq|ioredis)\1/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// Loads a module with the queue's peers made unresolvable, as for a user who never installed them.
const WITHOUT_QUEUE_PEERS = `
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^(bullmq|@nestjs\\/bullmq|ioredis)(\\/|$)/.test(request)) {
    const err = new Error("Cannot find module '" + request + "'"); err.code = 'MODULE_NOT_FOUND'; throw err;
  }
  return resolve.call(this, request, ...rest);
};
require('reflect-metadata');
const m = require(process.argv[1]);
console.log(Object.keys(m).join(','));
`;

describe('the queue peers stay optional', () => {
  it('no file outside lib/queue, emitted JavaScript or .d.ts, refers to bullmq, @nestjs/bullmq or ioredis', () => {
    const emitted = files(compiledLib).filter((f) => /\.(js|d\.ts)$/.test(f));
    assert.ok(emitted.some((f) => f.endsWith(join('queue', 'index.d.ts'))), 'the queue entry point is compiled');
    // dist/ holds the ES-module build too, in esm/: its queue/ is the queue entry point as well.
    // The reports module's Redis store loads ioredis lazily, inside a function, when its redis option is used.
    const lazy = new Set([join('reports', 'report-store.js'), join('esm', 'reports', 'report-store.js')]);
    const offenders = emitted.filter((f) => {
      const rel = relative(compiledLib, f);
      if (/^(esm[\\/])?queue[\\/]/.test(rel) || !QUEUE_PEERS.test(readFileSync(f, 'utf8'))) return false;
      return !(lazy.has(rel) && !/^(import|const|var|let)\b.*(['"])ioredis\2/m.test(readFileSync(f, 'utf8')));
    });
    assert.deepEqual([...offenders], []); // readdirSync's arrays are of Node's realm, not the test's
  });

  it('the package root loads without them, and the queue entry point says what is missing', () => {
    const root = spawnSync(process.execPath, ['-e', WITHOUT_QUEUE_PEERS, join(compiledLib, 'index.js')], { encoding: 'utf8' });
    assert.equal(root.status, 0, root.stderr);
    assert.match(root.stdout, /ChonrySmsModule/);
    const queue = spawnSync(process.execPath, ['-e', WITHOUT_QUEUE_PEERS, join(compiledLib, 'queue', 'index.js')], { encoding: 'utf8' });
    assert.notEqual(queue.status, 0);
    assert.match(queue.stderr, /Cannot find module '(@nestjs\/bullmq|bullmq|ioredis)'/);
  });

  it('package.json exports ./queue and declares its peers optional', () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(pkg.exports['./queue'], { types: './dist/queue/index.d.ts', import: './dist/esm/queue/index.js', default: './dist/queue/index.js' });
    for (const peer of ['bullmq', '@nestjs/bullmq', 'ioredis']) {
      assert.ok(pkg.peerDependencies[peer], `${peer} is a peer`);
      assert.deepEqual(pkg.peerDependenciesMeta[peer], { optional: true });
      assert.ok(pkg.devDependencies[peer], `${peer} is a devDependency`);
    }
  });
});
