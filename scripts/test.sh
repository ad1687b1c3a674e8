#!/usr/bin/env bash
# Runs the test suites (default: all) and ends with one line "N passed, N failed" (the total), after
# a "harness: N passed, N failed" line for the checks of the test tools themselves (Azurite, Spark).
#   bash scripts/test.sh [unit] [emulator] [integration] [reliability] [spark] [e2e]
# reliability runs its fast mode (a few dozen seeds); KDM_RELIABILITY_LONG=1 for the long one.
# Installs what the suites need first (scripts/setup.sh). A missing component fails the run.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/tools-env.sh

started_at=$(date +%s)
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit emulator integration reliability bench spark e2e)

needs=(npm wasm)
for s in "${suites[@]}"; do
  case "$s" in
    spark) needs+=(spark) ;;
    e2e) needs+=(apt code-server) ;;
  esac
done
bash scripts/setup.sh "${needs[@]}" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
npm run --silent build >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

results="$root/test-artifacts/results"
rm -rf "$results"; mkdir -p "$results"
export KDM_TEST_ARTIFACTS="$root/test-artifacts"
total_pass=0; total_fail=0

count_tap() { # file -> "pass fail"
  local pass fail
  pass=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
  fail=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
  echo "${pass:-0} ${fail:-1}"
}

# Harness checks: tests of the third-party tools the suites stand on (Azurite, Spark), not of the
# product. They run with their suite but are counted on their own "harness" line (and in the total).
harness_node=(test/integration/azurite.test.ts)
harness_spark=(test/spark/test_spark_smoke.py)
harness_pass=0; harness_fail=0

is_harness() { # file -> 0 when it is a harness check
  local h
  for h in "${harness_node[@]}" "${harness_spark[@]}"; do [ "$1" = "$h" ] && return 0; done
  return 1
}

run_node_files() { # name concurrency per-test-timeout-ms files... -> sets p f
  local name="$1" conc="$2" limit="$3"; shift 3
  node --import tsx --test --test-concurrency="$conc" --test-timeout="$limit" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/$name.tap" "$@"
  local code=$?
  read -r p f < <(count_tap "$results/$name.tap")
  # A failing before/after hook fails the file without counting a test: count it here.
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
}

run_node_suite() { # name dir [concurrency] [per-test timeout ms]
  local name="$1" dir="$2" conc="${3:-1}" limit="${4:-300000}" file files=() harness=()
  while IFS= read -r file; do
    if is_harness "$file"; then harness+=("$file"); else files+=("$file"); fi
  done < <(find "$dir" -name '*.test.ts' | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "suite $name has no tests"; total_fail=$((total_fail + 1)); return
  fi
  echo "=== suite: $name (${#files[@]} files) ==="
  run_node_files "$name" "$conc" "$limit" "${files[@]}"
  echo "--- $name: $p passed, $f failed"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  if [ ${#harness[@]} -gt 0 ]; then
    echo "=== harness checks with $name: ${harness[*]} ==="
    run_node_files "$name-harness" "$conc" "$limit" "${harness[@]}"
    echo "--- harness ($name: ${harness[*]}): $p passed, $f failed"
    harness_pass=$((harness_pass + p)); harness_fail=$((harness_fail + f))
  fi
}

run_spark_suite() {
  echo "=== suite: spark ==="
  [ -x "$SPARK_VENV/bin/python" ] || { echo "pyspark venv missing at $SPARK_VENV"; total_fail=$((total_fail + 1)); return; }
  # One pytest run (one SparkSession); the harness checks are told apart by their module.
  SPARK_LOCAL_IP=127.0.0.1 "$SPARK_VENV/bin/python" -m pytest -q -p no:cacheprovider \
    --junitxml="$results/spark.xml" test/spark
  local hp hf
  read -r p f hp hf < <("$SPARK_VENV/bin/python" - "$results/spark.xml" "${harness_spark[@]}" <<'PY'
import os, sys, xml.etree.ElementTree as ET
harness = {os.path.splitext(os.path.basename(h))[0] for h in sys.argv[2:]}
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1, 0, 0); sys.exit()
counts = {False: [0, 0], True: [0, 0]}
for case in root.iter('testcase'):
    in_harness = any(part in harness for part in case.get('classname', '').split('.'))
    bad = any(case.find(tag) is not None for tag in ('failure', 'error', 'skipped'))
    counts[in_harness][1 if bad else 0] += 1
p, f = counts[False]
print(p, f if p + f else 1, *counts[True])
PY
)
  # A harness check that did not run at all fails.
  if [ $((hp + hf)) -eq 0 ]; then hf=1; fi
  echo "--- spark: $p passed, $f failed (a skipped Spark test counts as failed)"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  echo "--- harness (spark: ${harness_spark[*]}): $hp passed, $hf failed"
  harness_pass=$((harness_pass + hp)); harness_fail=$((harness_fail + hf))
}

# Static checks count as one test each: a type error or a lint warning fails the run.
if [ $# -eq 0 ]; then
  for check in typecheck lint; do
    if npm run --silent "$check"; then total_pass=$((total_pass + 1)); echo "--- $check: ok"
    else total_fail=$((total_fail + 1)); echo "--- $check: FAILED"; fi
  done
fi

for s in "${suites[@]}"; do
  case "$s" in
    unit) run_node_suite unit test/unit 2 60000 ;;
    emulator) run_node_suite emulator test/emulator ;;
    integration) run_node_suite integration test/integration ;;
    reliability) run_node_suite reliability test/reliability 1 "$([ "${KDM_RELIABILITY_LONG:-}" = 1 ] && echo 3600000 || echo 300000)" ;;
    bench) run_node_suite bench test/bench ;;
    spark) run_spark_suite ;;
    e2e) run_node_suite e2e test/e2e ;;
    *) echo "unknown suite $s"; total_fail=$((total_fail + 1)) ;;
  esac
done

total_pass=$((total_pass + harness_pass)); total_fail=$((total_fail + harness_fail))

echo
echo "suites took $(( $(date +%s) - started_at )) s"
echo "harness: $harness_pass passed, $harness_fail failed (checks of Azurite and Spark themselves, not product tests; in the total below)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
