#!/usr/bin/env bash
# Runs the test suite against a real Kafka broker: the one named by KAFKA_BOOTSTRAP if set,
# otherwise a fresh single-node broker started here and stopped on exit. Runs the (idempotent,
# fast when already done) set-up first, so it works on a fresh machine.
# Extra arguments go to `deno test` (e.g. a file or --filter). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
export PATH="$PWD/node_modules/.bin:$PATH" NO_COLOR=1

if [[ -z "${KAFKA_BOOTSTRAP:-}" ]]; then
  broker_dir=$(mktemp -d -t kafka-edge-test.XXXXXX)
  trap 'bash scripts/kafka/broker.sh stop --dir "$broker_dir" >&2 || true; rm -rf "$broker_dir"' EXIT
  KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$broker_dir" --port "${KAFKA_TEST_PORT:-39092}")
  export KAFKA_BOOTSTRAP
fi
echo "testing against Kafka at $KAFKA_BOOTSTRAP" >&2

log=$(mktemp)
status=0
deno test -A "$@" 2>&1 | tee "$log" || status=$?
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1 || true)
rm -f "$log"
passed=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")
if [[ -z "$passed" ]]; then
  echo "deno test printed no summary" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "${passed} passed, ${failed:-0} failed"
exit "$status"
