// Compiles the project into a fresh folder (as scripts/test.mjs does) and runs the benchmark from
// there. `--short` runs a quick version that only proves the benchmark still works.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
mkdirSync(join(root, 'build'), { recursive: true });
const outDir = mkdtempSync(join(root, 'build', 'bench-'));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', outDir], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const run = spawnSync(process.execPath, [join(outDir, 'bench', 'chonry-sms.bench.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exitCode = run.status ?? 1;
