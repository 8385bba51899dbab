// Turns tsc's ES-module output (dist/esm/, from tsconfig.esm.json) into files Node loads as ES
// modules: relative specifiers get their file name ('./x' → './x.js' or './x/index.js'), the
// CommonJS names the sources use (`require` for an optional peer, `__dirname` for the inbox page,
// and in the tests also `__filename`) get their ES-module equivalents, and a package.json marks the
// folder `"type": "module"`. scripts/test.mjs runs it over the compiled tests too.
// Usage: node scripts/esm-fixup.mjs [esmOutDir]  (default dist/esm).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function* jsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (name.endsWith('.js')) yield path;
  }
}

function withExtension(file, specifier) {
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.js`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.js'))) return `${specifier}/index.js`;
  throw new Error(`${file}: cannot resolve ${specifier}`);
}

// `from './x'`, `import './x'` and `import('./x')`, as tsc writes them.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;

const SHIMS = {
  require: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  __dirname: "import { fileURLToPath as __fileURLToPath } from 'node:url';\nconst __dirname = __fileURLToPath(new URL('.', import.meta.url));",
  __filename: "import { fileURLToPath as __fileURLToPath2 } from 'node:url';\nconst __filename = __fileURLToPath2(import.meta.url);",
};

// keepLines: the shims go in front of line 1 instead of on lines of their own, so that line numbers
// (and tsc's source maps, which the tests have) still match the output.
export function esmFixup(outDir, { keepLines = false } = {}) {
  for (const file of jsFiles(outDir)) {
    let text = readFileSync(file, 'utf8').replace(SPECIFIER, (_m, head, quote, spec) => `${head}${quote}${withExtension(file, spec)}${quote}`);
    const shims = Object.entries(SHIMS).filter(([name]) => new RegExp(`\\b${name}\\b(?!:)`).test(text.replace(/\/\/.*$/gm, '')));
    if (shims.length > 0) {
      const lines = shims.map(([, shim]) => shim).join('\n');
      text = keepLines ? `${lines.replace(/\n/g, ' ')} ${text}` : `${lines}\n${text}`;
    }
    writeFileSync(file, text);
  }
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) esmFixup(process.argv[2] ?? join(root, 'dist', 'esm'));
