#!/usr/bin/env bash
# Runs the test suite against a real Kafka broker on Deno, Bun and Node, and ends with one line
# "N passed, N failed" summing the three. The broker is the one named by KAFKA_BOOTSTRAP if set,
# otherwise a fresh single-node broker (with its TLS and SASL listeners) started here and stopped
# on exit. With KAFKA_BOOTSTRAP, tests/security/ also needs the variables of that broker's
# secure.env (`broker.sh start --secure --dir DIR`, then `set -a; source DIR/secure.env`).
# Runs the (idempotent, fast when already done) set-up first, so it works on a fresh machine.
#
# Every tests/**/*.test.ts is written with node:test and node:assert, so each runtime runs the
# same files: Deno and Bun from TypeScript, Node from the build in .tmp/node (tsconfig.node.json).
# tests/cluster/ (three brokers of its own, ~40 s) tests the harness, tests/workers/ the
# Cloudflare Workers runtime (workerd from npm, and wrangler), tests/package/ (npm pack, install,
# produce from Node, Bun and Deno, ~60 s) the npm package, and tests/scripts/ the demo, not the
# runtime running them: Deno only.
#
# Usage: scripts/test.sh [--runtime deno|bun|node]... [test files or folders under tests/]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1

runtimes=()
paths=()
while [[ $# -gt 0 ]]; do
  case $1 in
  --runtime)
    runtimes+=("$2")
    shift 2
    ;;
  *)
    paths+=("$1")
    shift
    ;;
  esac
done
[[ ${#runtimes[@]} -gt 0 ]] || runtimes=(deno bun node)
[[ ${#paths[@]} -gt 0 ]] || paths=(tests)

if [[ -z "${KAFKA_BOOTSTRAP:-}" ]]; then
  broker_dir=$(mktemp -d -t kafka-edge-test.XXXXXX)
  trap 'bash scripts/kafka/broker.sh stop --dir "$broker_dir" >&2 || true; rm -rf "$broker_dir"' EXIT
  # --secure adds the TLS and SASL listeners (ports P+2..P+6) that tests/security/ uses; their
  # addresses, the CA and the test user come from the broker's secure.env.
  KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$broker_dir" --secure \
    --port "${KAFKA_TEST_PORT:-auto}")
  export KAFKA_BOOTSTRAP
  set -a
  # shellcheck disable=SC1091
  source "$broker_dir/secure.env"
  set +a
fi
echo "testing against Kafka at $KAFKA_BOOTSTRAP" >&2

all_files=$(find "${paths[@]}" -name '*.test.ts' | sort)
portable_files=$(grep -v -E '^tests/(cluster|workers|package|scripts)/' <<<"$all_files" || true)

total_passed=0
total_failed=0
status=0
log=$(mktemp)

# Adds a runner's counts to the totals; a runner that printed no counts counts as one failure.
tally() {
  local runtime=$1 passed=$2 failed=$3
  if [[ -z "$passed" ]]; then
    echo "$runtime: the test runner printed no summary" >&2
    passed=0 failed=1
  fi
  echo "$runtime: ${passed} passed, ${failed:-0} failed" >&2
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + ${failed:-0}))
}

for runtime in "${runtimes[@]}"; do
  case $runtime in
  deno)
    # shellcheck disable=SC2086
    deno test -A $all_files 2>&1 | tee "$log" || status=1
    summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1 || true)
    tally deno "$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")" \
      "$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")"
    ;;
  bun)
    [[ -n "$portable_files" ]] || continue
    # shellcheck disable=SC2086
    bun test --timeout 120000 $(sed 's#^#./#' <<<"$portable_files") 2>&1 | tee "$log" || status=1
    tally bun "$(sed -nE 's/^ *([0-9]+) pass$/\1/p' "$log" | tail -1)" \
      "$(sed -nE 's/^ *([0-9]+) fail$/\1/p' "$log" | tail -1)"
    ;;
  node)
    [[ -n "$portable_files" ]] || continue
    rm -rf .tmp/node
    tsc -p tsconfig.node.json
    # shellcheck disable=SC2086
    node --test --test-concurrency=1 --test-timeout=120000 \
      $(sed -E 's#^(.*)\.ts$#.tmp/node/\1.js#' <<<"$portable_files") 2>&1 | tee "$log" || status=1
    tally node "$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)" \
      "$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)"
    ;;
  *)
    echo "unknown runtime $runtime (deno, bun or node)" >&2
    exit 2
    ;;
  esac
done
rm -f "$log"

echo "${total_passed} passed, ${total_failed} failed"
[[ $status -eq 0 && $total_failed -eq 0 ]]
