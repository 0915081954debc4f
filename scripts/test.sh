#!/usr/bin/env bash
# Runs every test under test/ with Node's own runner through tsx (Node 20's --test takes no globs); the whole
# suite (no arguments) first runs ESLint and Prettier's check. Files given as arguments run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
  # The whole suite begins with the linter and the formatter's check: code arrives formatted and without warnings.
  echo "[test] eslint"
  npx --no-install eslint --max-warnings 0 .
  echo "[test] prettier --check"
  npx --no-install prettier --check --log-level warn .
fi
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
