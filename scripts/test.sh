#!/usr/bin/env bash
# Runs the test suite on Deno, Bun and Node, and ends with one line "N passed, N failed" summing
# the three. docs/testing.md says which test goes where.
#
# --unit runs tests/unit/ only: no broker, no Java, no fixed port (under a minute). Otherwise the
# tests run against a real Kafka broker: the one named by KAFKA_BOOTSTRAP if set, else a fresh
# single-node broker (with its TLS and SASL listeners) started here on free ports and stopped on
# exit. With KAFKA_BOOTSTRAP, tests/security/ also needs the variables of that broker's
# secure.env (`broker.sh start --secure --dir DIR`, then `set -a; source DIR/secure.env`).
# Runs the (idempotent, fast when already done) set-up first, so it works on a fresh machine.
#
# Every tests/**/*.test.ts is written with node:test and node:assert, so each runtime runs the
# same files: Deno and Bun from TypeScript, Node from the build in .tmp/node (tsconfig.node.json).
# Every test has its own timeout (tests/_lib/timeouts.ts; scripts/check_tests.ts checks it).
# tests/cluster/ (clusters of their own, ~5 min) tests the harness and broker failures,
# tests/workers/ the Cloudflare Workers runtime (workerd from npm, and wrangler), tests/package/
# (npm pack, install, produce from Node, Bun and Deno, ~60 s) the npm package, and tests/scripts/
# the demo, not the runtime running them: Deno only. So do tests/errors/ and tests/eos/ (~3 min a
# runtime): they provoke the broker-error paths of the core, which is the same code on every
# runtime, while each runtime's transport is proven by the other broker tests.
#
# When the selected tests include tests/compat/ or tests/eos/, older brokers (Kafka 2.1.1 on
# ZooKeeper, 3.9.1) start beside the main one, once for all runtimes: KAFKA_BOOTSTRAP_2_1_1,
# KAFKA_BOOTSTRAP_3_9_1 (either set already is used as it is). tests/eos/ also gets a 4.x broker
# with the transaction protocol v1 that forgets producers idle for 5 s: KAFKA_BOOTSTRAP_EOS. Every
# 4.x broker started here looks for timed-out transactions every 0.5 s (Kafka's default: 10 s). For tests/telemetry/, a 4.x broker with a client-telemetry
# receiver (tests/telemetry/TelemetryReceiver.java, compiled here) that writes what clients push
# to a file: KAFKA_TELEMETRY_BOOTSTRAP and KAFKA_TELEMETRY_FILE.
#
# Usage: scripts/test.sh [--unit] [--runtime deno|bun|node]... [test files or folders under tests/]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1

unit=false
runtimes=()
paths=()
while [[ $# -gt 0 ]]; do
  case $1 in
  --unit)
    unit=true
    shift
    ;;
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
if $unit; then
  [[ ${#paths[@]} -eq 0 ]] || { echo "--unit runs tests/unit/: name no files" >&2; exit 2; }
  paths=(tests/unit)
  bash scripts/setup.sh --npm >&2
else
  [[ ${#paths[@]} -gt 0 ]] || paths=(tests)
  bash scripts/setup.sh >&2
fi
all_files=$(find "${paths[@]}" -name '*.test.ts' | sort)

# Every broker started here lives in a folder of $brokers_root, stopped on exit.
brokers_root=$(mktemp -d -t kafka-edge-test.XXXXXX)
stop_brokers() {
  local dir
  for dir in "$brokers_root"/*/; do
    [[ -f $dir/cluster.env ]] && bash scripts/kafka/broker.sh stop --dir "$dir" >&2
  done
  rm -rf "$brokers_root"
}
trap stop_brokers EXIT

# Starts a broker in the background (`broker.sh start --dir $brokers_root/NAME --port auto ARGS`),
# trying twice: two brokers starting at once may pick the same free ports.
extra_names=()
extra_pids=()
start_extra() {
  local name=$1 dir=$brokers_root/$1
  shift
  (
    bash scripts/kafka/broker.sh start --dir "$dir" --port auto "$@" >"$dir.bootstrap" ||
      bash scripts/kafka/broker.sh start --dir "$dir" --port auto "$@" >"$dir.bootstrap"
  ) &
  extra_names+=("$name")
  extra_pids+=($!)
}

if grep -q -E '^tests/(compat|eos)/' <<<"$all_files"; then
  [[ -n ${KAFKA_BOOTSTRAP_2_1_1:-} ]] || start_extra kafka-2.1.1 --kafka 2.1.1
  [[ -n ${KAFKA_BOOTSTRAP_3_9_1:-} ]] || start_extra kafka-3.9.1 --kafka 3.9.1
fi
txn_check=(--set transaction.abort.timed.out.transaction.cleanup.interval.ms=500)
if grep -q '^tests/eos/' <<<"$all_files" && [[ -z ${KAFKA_BOOTSTRAP_EOS:-} ]]; then
  start_extra eos --feature transaction.version=1 "${txn_check[@]}" \
    --set producer.id.expiration.ms=5000 --set producer.id.expiration.check.interval.ms=500
fi
if grep -q '^tests/telemetry/' <<<"$all_files" && [[ -z ${KAFKA_TELEMETRY_BOOTSTRAP:-} ]]; then
  receiver=$brokers_root/telemetry-receiver
  javac -d "$receiver" -cp 'scripts/kafka/lib/*' tests/telemetry/TelemetryReceiver.java
  export KAFKA_TELEMETRY_FILE=$brokers_root/telemetry-pushes.txt
  start_extra telemetry --classpath "$receiver" --set metric.reporters=TelemetryReceiver \
    --set "kafka.edge.telemetry.file=$KAFKA_TELEMETRY_FILE"
fi

if $unit; then
  # A unit test that reaches for a broker fails rather than finding one.
  unset KAFKA_BOOTSTRAP
  echo "unit tests: no broker" >&2
elif [[ -z "${KAFKA_BOOTSTRAP:-}" ]]; then
  # --secure adds the TLS and SASL listeners (ports P+2..P+6) that tests/security/ uses; their
  # addresses, the CA and the test user come from the broker's secure.env.
  KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$brokers_root/main" --secure \
    --port "${KAFKA_TEST_PORT:-auto}" "${txn_check[@]}")
  export KAFKA_BOOTSTRAP
  set -a
  # shellcheck disable=SC1091
  source "$brokers_root/main/secure.env"
  set +a
fi
$unit || echo "testing against Kafka at $KAFKA_BOOTSTRAP" >&2

for i in "${!extra_names[@]}"; do
  name=${extra_names[i]}
  wait "${extra_pids[i]}" || { echo "starting the $name broker failed" >&2; exit 1; }
  bootstrap=$(<"$brokers_root/$name.bootstrap")
  case $name in
  kafka-*)
    version=${name#kafka-}
    export "KAFKA_BOOTSTRAP_${version//./_}=$bootstrap"
    ;;
  telemetry) export KAFKA_TELEMETRY_BOOTSTRAP=$bootstrap ;;
  eos) export KAFKA_BOOTSTRAP_EOS=$bootstrap ;;
  esac
  echo "$name broker at $bootstrap" >&2
done
portable_files=$(grep -v -E '^tests/(cluster|workers|package|scripts|errors|eos)/' <<<"$all_files" || true)

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
