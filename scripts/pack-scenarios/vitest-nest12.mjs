// Run inside a scratch app next to the packed tarball: a Nest 12 ESM app as `nest new` makes it
// (Vitest 4, no SWC plugin), installed with the README's Nest 12 line, runs a user's spec.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTarball, HEALTH_SPEC, USER_SPEC } from './user-spec.mjs';

const app = join(process.cwd(), '..', 'vitest-nest12');
mkdirSync(join(app, 'src'), { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const install = (args) => run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args]);

writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'vitest-nest12', private: true, version: '1.0.0', type: 'module' }, null, 2));
writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    module: 'nodenext', moduleResolution: 'nodenext', emitDecoratorMetadata: true, experimentalDecorators: true,
    target: 'ES2023', skipLibCheck: true, strictNullChecks: true, types: ['node', 'vitest/globals'],
  },
}, null, 2));
writeFileSync(join(app, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { globals: true, include: ['src/**/*.spec.ts'] } });
`);
writeFileSync(join(app, 'src/notifier.spec.ts'), USER_SPEC);
writeFileSync(join(app, 'src/health.spec.ts'), HEALTH_SPEC);

install(['@nestjs/common@12', '@nestjs/core@12', '@nestjs/platform-express@12', 'reflect-metadata', 'rxjs']);
// The README's Nest 12 install line, with the tarball for the package's name.
install([findTarball(), '@nestjs/axios@12', 'axios', 'class-validator', 'class-transformer']);
install(['@nestjs/terminus@12']);
install(['-D', '@nestjs/testing@12', 'vitest@4', 'typescript@6', '@types/node@20']);
try {
  // ts-jest with isolatedModules and Vitest both skip type checks: the spec must type-check too.
  run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run']);
} catch (e) {
  throw new Error(`Vitest (Nest 12, ESM) failed:\n${e.stdout}\n${e.stderr}`, { cause: e });
}
console.log('pack-check: a user spec passes in Vitest 4 on Nest 12 (ESM, @nestjs/axios 12, @nestjs/terminus 12)');
