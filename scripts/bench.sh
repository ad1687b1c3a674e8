#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --only=<scenario text>]`: the main moves at scale, each against
# baselines measured in the same run. Prints a table and writes test-artifacts/bench/results.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh npm wasm
# The engine as the VSIX ships it (minified, as `vscode:prepublish` builds it), for every scenario.
node scripts/build.mjs --production >/dev/null
exec node --import tsx test/bench/run.ts "$@"
