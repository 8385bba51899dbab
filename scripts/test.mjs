// Builds dist/, then type-checks and compiles lib/, test/ and sample/ with tsc into a fresh folder of its own,
// then runs every compiled *.spec.js with Node's test runner, which loads Nest 12's ESM-only
// packages natively (no Jest ESM mode needed). Arguments filter spec files by path fragment.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyAssets } from './copy-assets.mjs';

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
const tsc = spawnSync(process.execPath, [tscBin, '-p', join(root, 'tsconfig.json'), '--outDir', outDir], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
copyAssets(join(root, 'dist'));
copyAssets(join(outDir, 'lib'));

const only = process.argv.slice(2);
function specs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return specs(path);
    return name.endsWith('.spec.js') && (only.length === 0 || only.some((o) => path.includes(o))) ? [path] : [];
  });
}
const files = specs(join(outDir, 'test')).sort();
const concurrency = process.env.TEST_CONCURRENCY ?? '4';
const run = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', cwd: root });
process.exitCode = run.status ?? 1;
