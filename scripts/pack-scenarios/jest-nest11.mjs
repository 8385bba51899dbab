// Run inside a scratch app next to the packed tarball: a Nest 11 CommonJS app as `nest new` makes
// it (Jest 30 + ts-jest), installed with the README's Nest 11 line, runs a user's spec.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTarball, HEALTH_SPEC, USER_SPEC } from './user-spec.mjs';

const app = join(process.cwd(), '..', 'jest-nest11');
mkdirSync(join(app, 'src'), { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const install = (args) => run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args]);

writeFileSync(join(app, 'package.json'), JSON.stringify({
  name: 'jest-nest11', private: true, version: '1.0.0',
  jest: {
    moduleFileExtensions: ['js', 'json', 'ts'],
    rootDir: 'src',
    testRegex: '.*\\.spec\\.ts$',
    transform: { '^.+\\.(t|j)s$': 'ts-jest' },
    testEnvironment: 'node',
  },
}, null, 2));
writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    module: 'nodenext', moduleResolution: 'nodenext', resolvePackageJsonExports: true, esModuleInterop: true,
    isolatedModules: true, emitDecoratorMetadata: true, experimentalDecorators: true, target: 'ES2023',
    skipLibCheck: true, strictNullChecks: true, types: ['node', 'jest'],
  },
}, null, 2));
writeFileSync(join(app, 'src/notifier.spec.ts'), USER_SPEC);
writeFileSync(join(app, 'src/health.spec.ts'), HEALTH_SPEC);

install(['@nestjs/common@11', '@nestjs/core@11', '@nestjs/platform-express@11', 'reflect-metadata', 'rxjs']);
// The README's Nest 11 install line, with the tarball for the package's name.
install([findTarball(), '@nestjs/axios@4', 'axios', 'class-validator', 'class-transformer']);
install(['@nestjs/terminus@11']);
install(['-D', '@nestjs/testing@11', 'jest@30', 'ts-jest@29', '@types/jest@30', 'typescript@5', '@types/node@20']);
const axiosMajor = JSON.parse(run(process.execPath, ['-p', 'JSON.stringify(require("@nestjs/axios/package.json").version)'])).split('.')[0];
if (axiosMajor !== '4') throw new Error(`the Nest 11 line installed @nestjs/axios ${axiosMajor}`);
try {
  // ts-jest with isolatedModules and Vitest both skip type checks: the spec must type-check too.
  run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  run(process.execPath, ['node_modules/jest/bin/jest.js', '--ci']);
} catch (e) {
  throw new Error(`Jest (Nest 11, CommonJS) failed:\n${e.stdout}\n${e.stderr}`, { cause: e });
}
console.log('pack-check: a user spec passes in Jest 30 + ts-jest on Nest 11 (CommonJS, @nestjs/axios 4, @nestjs/terminus 11)');
