#!/usr/bin/env bash
# The README's main line: set up, start the Kusto emulator (with Azurite and sample data), run the
# sample copy jobs with the CLI, then VS Code (code-server) with the extension.
#   npm run demo            keeps everything running until Ctrl-C
#   npm run demo -- --once  runs the jobs, starts everything, prints the URL and stops
#   npm run demo -- --no-vscode  only the emulator and the jobs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh npm wasm apt code-server
npm run --silent build >/dev/null
exec node --import tsx scripts/demo.ts "$@"
