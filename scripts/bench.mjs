// Compiles the project into a fresh folder (as scripts/test.mjs does) and runs the benchmark from
// there. `--short` runs a quick version that only proves the benchmark still works.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(join(root, 'build'), { recursive: true });
const outDir = mkdtempSync(join(root, 'build', 'bench-'));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

const tscBin = join(root, 'node_modules/typescript/bin/tsc');
// The sample, compiled with the rest, imports the package by its name (dist/): build it first.
// `npm run build`: both builds (CommonJS and ES module) with their assets, as the package ships them.
const build = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);
const tsc = spawnSync(process.execPath, [tscBin, '-p', join(root, 'tsconfig.json'), '--outDir', outDir], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const run = spawnSync(process.execPath, [join(outDir, 'bench', 'chonry-sms.bench.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exitCode = run.status ?? 1;
