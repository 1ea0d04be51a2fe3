#!/usr/bin/env bash
# Benchmarks. Micro benchmarks (no broker): `deno bench` over bench/*_bench.ts.
# With --e2e: end-to-end throughput against a real broker (KAFKA_BOOTSTRAP, or one started here)
# on Deno, Bun and Node, for 100-byte and 1 KiB records with acks 1 and all.
#
# Usage: scripts/bench.sh [bench files...] | scripts/bench.sh --e2e [--records N]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

if [[ "${1:-}" != "--e2e" ]]; then
  deno bench -A "${@:-bench/}"
  exit
fi
shift
records_100=${E2E_RECORDS:-1000000}

bash scripts/setup.sh >&2
if [[ -z "${KAFKA_BOOTSTRAP:-}" ]]; then
  broker_dir=$(mktemp -d -t kafka-edge-bench.XXXXXX)
  trap 'bash scripts/kafka/broker.sh stop --dir "$broker_dir" >&2 || true; rm -rf "$broker_dir"' EXIT
  KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$broker_dir" --port "${KAFKA_BENCH_PORT:-auto}")
  export KAFKA_BOOTSTRAP
fi
rm -rf .tmp/node
tsc -p tsconfig.node.json

for size in 100 1024; do
  records=$((size == 100 ? records_100 : records_100 / 5))
  for acks in 1 all; do
    args=(--records "$records" --size "$size" --acks "$acks")
    deno run -A bench/produce_throughput.ts "${args[@]}" | head -1
    bun bench/produce_throughput.ts "${args[@]}" | head -1
    node .tmp/node/bench/produce_throughput.js "${args[@]}" | head -1
  done
done
