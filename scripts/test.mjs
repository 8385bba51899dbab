// Builds dist/, then type-checks and compiles lib/, test/ and sample/ with tsc (tsconfig.test.json:
// ES modules) into a fresh folder of its own, makes that output loadable as ES modules with
// esm-fixup.mjs, and runs every compiled *.spec.js with Jest in its native ES-module mode
// (node --experimental-vm-modules): Nest 12's packages are ES modules only, which Jest's CommonJS
// runtime cannot require(). Jest transforms nothing (jest.config.mjs); tsc's output is what runs.
// Arguments filter spec files by path fragment, as before: `npm test -- reliability/retry`.
// TEST_CONCURRENCY sets the number of Jest workers (default 4).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { copyAssets } from './copy-assets.mjs';
import { esmFixup } from './esm-fixup.mjs';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(join(root, 'build'), { recursive: true });
const outDir = mkdtempSync(join(root, 'build', 'run-'));
const cleanup = () => rmSync(outDir, { recursive: true, force: true });
process.on('exit', cleanup);

const tscBin = join(root, 'node_modules/typescript/bin/tsc');
// The sample (and its e2e tests) import the package by its name, which resolves to dist/: build it first.
// `npm run build`: both builds (CommonJS and ES module) with their assets, as the package ships them.
const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);
const tsc = spawnSync(process.execPath, [tscBin, '-p', join(root, 'tsconfig.test.json'), '--outDir', outDir], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
copyAssets(join(root, 'dist'));
copyAssets(join(outDir, 'lib'));
esmFixup(outDir, { keepLines: true });
// The sample and some tests import the package by its name. Node's self-reference finds it from the
// package's own folders only, and Jest's resolver not at all: a link in the run folder's
// node_modules resolves the name, through the package.json exports, to this checkout (dist/).
mkdirSync(join(outDir, 'node_modules'));
symlinkSync(root, join(outDir, 'node_modules', 'nestjs-chonry-sms'), 'junction');

const only = process.argv.slice(2);
function specs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return specs(path);
    return name.endsWith('.spec.js') && (only.length === 0 || only.some((o) => path.includes(o))) ? [path] : [];
  });
}
const files = specs(join(outDir, 'test')).sort();
if (files.length === 0) {
  console.error(`No spec file matches ${only.map((o) => JSON.stringify(o)).join(' or ')}.`);
  process.exit(1);
}
const jestBin = join(createRequire(import.meta.url).resolve('jest/package.json'), '..', 'bin', 'jest.js');
// Without arguments Jest finds the same files itself (testMatch), and its summary stays one line.
const selection = only.length === 0 ? [] : ['--runTestsByPath', ...files];
const jestArgs = ['--config', join(root, 'jest.config.mjs'), '--rootDir', outDir, ...(process.env.CI && process.env.CI !== 'false' ? ['--ci'] : []), ...selection];
const run = spawnSync(process.execPath, ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jestBin, ...jestArgs], { stdio: 'inherit', cwd: root });
process.exitCode = run.status ?? 1;
