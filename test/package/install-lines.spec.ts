import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from '@jest/globals';

// The package's own directory, found by its name as the entry-point test does.
const root = dirname(createRequire(__filename).resolve('nestjs-chonry-sms/package.json'));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The majors a `^A.0.0 || ^B.0.0` peer range allows. */
function majors(range: string): number[] {
  return range.split('||').map((part) => {
    const m = /^\s*\^(\d+)\.0\.0\s*$/.exec(part);
    assert.ok(m, `peer range part ${JSON.stringify(part)} is not ^N.0.0`);
    return Number(m[1]);
  });
}

/** The README's install section: the `npm install` lines under `# Nest <line>` comments. */
function installLines(): Map<number, string[]> {
  const section = /## Install\n+```bash\n([\s\S]*?)```/.exec(readme);
  assert.ok(section, 'README has an Install section with a bash block');
  const lines = new Map<number, string[]>();
  let nest: number | undefined;
  for (const line of section[1].split('\n')) {
    const heading = /^# Nest (\d+)\b/.exec(line);
    if (heading) nest = Number(heading[1]);
    else if (line.startsWith('npm install') && nest !== undefined) lines.set(nest, [...(lines.get(nest) ?? []), line]);
  }
  return lines;
}

// The Nest-tied packages, and the major of each that belongs to each Nest line.
const PER_NEST_LINE: Record<string, Record<number, number>> = {
  '@nestjs/axios': { 11: 4, 12: 12 },
  '@nestjs/terminus': { 11: 11, 12: 12 },
};

describe('install lines and peer ranges', () => {
  it('@nestjs/common and @nestjs/core peers allow exactly Nest 11 and 12', () => {
    assert.deepEqual(majors(manifest.peerDependencies['@nestjs/common']), [11, 12]);
    assert.deepEqual(majors(manifest.peerDependencies['@nestjs/core']), [11, 12]);
  });

  it('the README has one install block per Nest line', () => {
    assert.deepEqual([...installLines().keys()].sort(), [11, 12]);
  });

  for (const [name, byNest] of Object.entries(PER_NEST_LINE)) {
    it(`${name}: the peer range allows exactly the majors the README pins per Nest line`, () => {
      assert.deepEqual(majors(manifest.peerDependencies[name]), Object.values(byNest).sort((a, b) => a - b));
      for (const [nest, lines] of installLines()) {
        const pinned = lines.join(' ').match(new RegExp(`${name.replace('/', '\\/')}@(\\d+)`));
        assert.ok(pinned, `the Nest ${nest} install lines pin ${name}`);
        assert.equal(Number(pinned[1]), byNest[nest], `Nest ${nest} installs ${name}@${byNest[nest]}`);
      }
    });
  }
});
