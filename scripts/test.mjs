// Type-checks and compiles lib/, test/ and sample/ with tsc, then runs every compiled
// *.spec.js with Node's own test runner (which loads Nest 12's ESM packages natively).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'build');
rmSync(outDir, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const only = process.argv.slice(2);
function specs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return specs(path);
    return name.endsWith('.spec.js') && (only.length === 0 || only.some((o) => path.includes(o))) ? [path] : [];
  });
}
const files = specs(join(outDir, 'test')).sort();
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=4', ...files], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
