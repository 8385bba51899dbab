#!/usr/bin/env bash
# Runs the test suite against the Nest 11 line: a copy of the project with the Nest 11 packages
# installed over the lockfile's Nest 12 ones (dev only; the published peers accept both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/chonry-nest11-XXXXXX")"
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work")
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
# Each entry: package@range for the Nest 11 line; only those the project uses are installed.
nest11=(@nestjs/common@^11 @nestjs/core@^11 @nestjs/platform-express@^11 @nestjs/testing@^11
        @nestjs/axios@^4 @nestjs/config@^4 @nestjs/terminus@^11)
# @nestjs/bullmq stays at 12: it supports Nest 10 to 12, and 11 refuses bullmq 6 (peer ^3 to ^5).
wanted=()
for spec in "${nest11[@]}"; do
  name="${spec%@*}"
  if node -e "process.exit(require('./package.json').devDependencies?.['$name'] ? 0 : 1)"; then wanted+=("$spec"); fi
done
# --legacy-peer-deps: with @nestjs/bullmq 12 in the tree npm's resolver refuses the swap (ERESOLVE
# on @nestjs/axios 4) although every installed peer range is met; the run below proves the result.
npm install --no-save --no-audit --no-fund --loglevel=error --legacy-peer-deps "${wanted[@]}"
node -e "console.log('Nest line under test: @nestjs/core', require('@nestjs/core/package.json').version)"
npm test
