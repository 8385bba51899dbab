import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from '@jest/globals';

// The CommonJS build of this run (npm test builds dist/ first).
const dto = JSON.stringify(join(process.cwd(), 'dist', 'dto'));

/**
 * Runs `body` in a Node process that can ask V8 whether `String.prototype` is in fast mode, and
 * returns what it printed. A String subclass (ioredis defines one as it loads) puts it in dictionary
 * mode, where every string method call is a hash-table lookup; validation must put it back.
 */
function probe(body: string): Record<string, boolean> {
  const script = `const fast = () => %HasFastProperties(String.prototype);\n${body}`;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8', cwd: process.cwd(), timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Record<string, boolean>;
}

const SEND = `validateInput(SendSmsDto, { mobiles: ['447911123456'], variables: ['a'] });`;

describe('string methods stay fast with a String subclass in the process', () => {
  it('ioredis loaded before the module', () => {
    const r = probe(`
      require('ioredis');
      const slowed = !fast();
      const { validateInput, SendSmsDto } = require(${dto});
      ${SEND}
      console.log(JSON.stringify({ slowed, fast: fast() }));`);
    assert.deepEqual(r, { slowed: true, fast: true });
  });

  it('a String subclass defined after the module loaded, before a send', () => {
    const r = probe(`
      const { validateInput, SendSmsDto } = require(${dto});
      ${SEND}
      class Later extends String {}
      ${SEND}
      console.log(JSON.stringify({ fast: fast() }));`);
    assert.deepEqual(r, { fast: true });
  });
});
