// Copies lib/'s static files (the sandbox's inbox page) next to the compiled JavaScript, which tsc
// does not do. Usage: node scripts/copy-assets.mjs [libOutDir]  (default dist/).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = ['testing/inbox'];

export function copyAssets(libOut) {
  for (const dir of ASSETS) cpSync(join(root, 'lib', dir), join(libOut, dir), { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyAssets(process.argv[2] ?? join(root, 'dist'));
