// Tests the package as users get it: packs it, installs the tarball into a scratch app with only
// the peers each entry point needs, then requires and imports the root and every subpath in
// package.json "exports" and type-checks a consumer file against the shipped declarations.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dev = pkg.devDependencies ?? {};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

// The peers a user installs for each entry point (beyond the root's).
const ROOT_PEERS = ['@nestjs/common', '@nestjs/core', '@nestjs/axios', 'axios', 'rxjs', 'class-validator', 'class-transformer', 'reflect-metadata'];
const SUBPATH_PEERS = {
  './health': ['@nestjs/terminus'],
  './queue': ['bullmq', '@nestjs/bullmq', 'ioredis'],
};
const spec = (name) => `${name}@${dev[name] ?? pkg.peerDependencies?.[name] ?? 'latest'}`;

const scratch = mkdtempSync(join(tmpdir(), 'chonry-pack-'));
try {
  run(npm, ['run', 'build'], root);
  const tarball = run(npm, ['pack', '--silent', '--pack-destination', scratch], root).trim().split('\n').pop();
  const files = JSON.parse(run(npm, ['pack', '--dry-run', '--json'], root))[0].files.map((f) => f.path);
  const stray = files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f));
  if (stray.length) throw new Error(`the tarball ships files outside dist/: ${stray.join(', ')}`);
  if (files.some((f) => f.startsWith('dist/') && /(^|\/)(test|sample|bench)\//.test(f.slice(5)))) throw new Error('the tarball ships tests, sample or bench code');

  const app = join(scratch, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, version: '1.0.0' }));
  const install = (names) => run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...names], app);
  install([join(scratch, tarball), ...ROOT_PEERS.map(spec), spec('typescript'), spec('@types/node')]);

  const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json');
  const check = (entry) => {
    const id = entry === '.' ? pkg.name : `${pkg.name}/${entry.slice(2)}`;
    run(process.execPath, ['-e', `require('reflect-metadata'); const m = require('${id}'); if (!Object.keys(m).length) throw new Error('${id} exports nothing');`], app);
    run(process.execPath, ['--input-type=module', '-e', `import 'reflect-metadata'; const m = await import('${id}'); if (!Object.keys(m).length) throw new Error('${id} exports nothing');`], app);
    writeFileSync(join(app, 'consumer.ts'), `import * as m from '${id}';\nexport const keys: string[] = Object.keys(m);\n`);
    run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--experimentalDecorators', 'consumer.ts'], app);
    console.log(`pack-check: ${id} loads (require, import) and type-checks`);
  };

  // The root and the subpaths without peers of their own, with the root's peers alone.
  check('.');
  for (const entry of subpaths.filter((s) => !SUBPATH_PEERS[s])) check(entry);
  for (const entry of subpaths.filter((s) => SUBPATH_PEERS[s])) {
    install(SUBPATH_PEERS[entry].map(spec));
    check(entry);
  }
  // Scenarios a user would write, run against the installed tarball.
  // The runner scenarios each build their own app beside this one: Nest 11 + Jest, Nest 12 + Vitest,
  // Nest 12 + Jest in native ESM mode, Nest 12 `--type cjs` + Jest on Node 24.
  copyFileSync(join(root, 'scripts/pack-scenarios/user-spec.mjs'), join(app, 'user-spec.mjs'));
  for (const scenario of ['two-accounts.mjs', 'jest-nest11.mjs', 'vitest-nest12.mjs', 'jest-esm-nest12.mjs', 'jest-cjs-nest12.mjs']) {
    copyFileSync(join(root, 'scripts/pack-scenarios', scenario), join(app, scenario));
    process.stdout.write(run(process.execPath, [scenario], app));
  }
  console.log(`pack-check: ${tarball} OK (${files.length} files)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
