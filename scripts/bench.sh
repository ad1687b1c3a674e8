#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --only=<scenario text>]`: the main moves at scale, each against
# baselines measured in the same run. Prints a table and writes test-artifacts/bench/results.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh npm
npm run --silent build >/dev/null
exec node --import tsx test/bench/run.ts "$@"
