// Run inside a scratch app next to the packed tarball: a Nest 12 ESM app whose Jest runs in native
// ES-module mode (`node --experimental-vm-modules`, ts-jest `useESM`), installed with the README's
// Nest 12 line, runs a user's spec. Jest's ESM mode cannot require() an ES module, so this needs
// the package's ES-module build (its `import` condition) all the way down to @nestjs/common 12.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTarball, HEALTH_SPEC, USER_SPEC } from './user-spec.mjs';

const app = join(process.cwd(), '..', 'jest-esm-nest12');
mkdirSync(join(app, 'src'), { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const install = (args) => run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args]);

writeFileSync(join(app, 'package.json'), JSON.stringify({
  name: 'jest-esm-nest12', private: true, version: '1.0.0', type: 'module',
  jest: {
    moduleFileExtensions: ['js', 'json', 'ts'],
    rootDir: 'src',
    testRegex: '.*\\.spec\\.ts$',
    extensionsToTreatAsEsm: ['.ts'],
    transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
    testEnvironment: 'node',
  },
}, null, 2));
writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    module: 'nodenext', moduleResolution: 'nodenext', isolatedModules: true, emitDecoratorMetadata: true,
    experimentalDecorators: true, target: 'ES2023', skipLibCheck: true, strictNullChecks: true, types: ['node', 'jest'],
  },
}, null, 2));
writeFileSync(join(app, 'src/notifier.spec.ts'), USER_SPEC);
writeFileSync(join(app, 'src/health.spec.ts'), HEALTH_SPEC);
// The dual-package guard: in this setup every entry point resolves to the ES-module build, so the
// root and the subpaths share one copy of each class.
writeFileSync(join(app, 'src/one-copy.spec.ts'), `import { createRequire } from 'node:module';
import { ChonrySmsService } from 'nestjs-chonry-sms';
import { ChonrySmsTestingModule } from 'nestjs-chonry-sms/testing';
import { Test } from '@nestjs/testing';

it('the root and the testing subpath share one ChonrySmsService', async () => {
  expect(import.meta.resolve('nestjs-chonry-sms')).toMatch(/dist\\/esm\\/index\\.js$/);
  const moduleRef = await Test.createTestingModule({ imports: [ChonrySmsTestingModule.forRoot()] }).compile();
  const app = await moduleRef.createNestApplication().init();
  try {
    expect(app.get(ChonrySmsService)).toBeInstanceOf(ChonrySmsService);
  } finally {
    await app.close();
  }
  // require() would pick the CommonJS build: a second copy, which is why the README says not to mix.
  expect(createRequire(import.meta.url).resolve('nestjs-chonry-sms')).toMatch(/dist\\/index\\.js$/);
});
`);

install(['@nestjs/common@12', '@nestjs/core@12', '@nestjs/platform-express@12', 'reflect-metadata', 'rxjs']);
// The README's Nest 12 install line, with the tarball for the package's name.
install([findTarball(), '@nestjs/axios@12', 'axios', 'class-validator', 'class-transformer']);
install(['@nestjs/terminus@12']);
install(['-D', '@nestjs/testing@12', 'jest@30', 'ts-jest@29', '@types/jest@30', 'typescript@5', '@types/node@20']);
try {
  run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci']);
} catch (e) {
  throw new Error(`Jest in native ESM mode (Nest 12) failed:\n${e.stdout}\n${e.stderr}`, { cause: e });
}
console.log('pack-check: a user spec passes in Jest 30 native ESM mode + ts-jest on Nest 12 (@nestjs/axios 12, @nestjs/terminus 12), one copy of the classes');
