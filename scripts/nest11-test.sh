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
        @nestjs/axios@^4 @nestjs/config@^4 @nestjs/terminus@^11 @nestjs/bullmq@^11)
wanted=()
for spec in "${nest11[@]}"; do
  name="${spec%@*}"
  if node -e "process.exit(require('./package.json').devDependencies?.['$name'] ? 0 : 1)"; then wanted+=("$spec"); fi
done
npm install --no-save --no-audit --no-fund --loglevel=error "${wanted[@]}"
node -e "console.log('Nest line under test: @nestjs/core', require('@nestjs/core/package.json').version)"
npm test
