// Run inside a scratch app next to the packed tarball: a Nest 12 app from the `--type cjs` template
// (CommonJS, Jest 30 + ts-jest), installed with the README's Nest 12 line, runs a user's spec.
// Nest 12's packages are ES modules only, and Jest's CommonJS mode can require() an ES module only
// on Node >= 24.9 (Jest's own limit: a spec without this package fails the same way on older
// Nodes, and even there Jest needs `--experimental-vm-modules`). So this scenario runs Jest on a Node 24 binary from the npm registry (`node-<os>-<arch>`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTarball, HEALTH_SPEC, USER_SPEC } from './user-spec.mjs';

const app = join(process.cwd(), '..', 'jest-cjs-nest12');
mkdirSync(join(app, 'src'), { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => execFileSync(cmd, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const install = (args) => run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args]);

writeFileSync(join(app, 'package.json'), JSON.stringify({
  name: 'jest-cjs-nest12', private: true, version: '1.0.0',
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

install(['@nestjs/common@12', '@nestjs/core@12', '@nestjs/platform-express@12', 'reflect-metadata', 'rxjs']);
// The README's Nest 12 install line, with the tarball for the package's name.
install([findTarball(), '@nestjs/axios@12', 'axios', 'class-validator', 'class-transformer']);
install(['@nestjs/terminus@12']);
install(['-D', '@nestjs/testing@12', 'jest@30', 'ts-jest@29', '@types/jest@30', 'typescript@5', '@types/node@20']);
const nodePackage = `node-${process.platform}-${process.arch}`;
try {
  install(['-D', `${nodePackage}@24`]);
} catch (e) {
  console.log(`pack-check: SKIPPED Jest on Nest 12 --type cjs: no ${nodePackage}@24 on the registry (${String(e.message).split('\n')[0]})`);
  process.exit(0);
}
const node24 = join(app, 'node_modules', nodePackage, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
const version = run(node24, ['--version']).trim();
if (!/^v24\./.test(version)) throw new Error(`expected Node 24 from ${nodePackage}, got ${version}`);
try {
  // ts-jest with isolatedModules and Vitest both skip type checks: the spec must type-check too.
  run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
  // Jest's require(esm) runs ES modules through vm.SourceTextModule, which needs this flag.
  run(node24, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci']);
} catch (e) {
  throw new Error(`Jest (Nest 12 --type cjs, Node ${version}) failed:\n${e.stdout}\n${e.stderr}`, { cause: e });
}
console.log(`pack-check: a user spec passes in Jest 30 + ts-jest on Nest 12 --type cjs (CommonJS) under Node ${version}`);
