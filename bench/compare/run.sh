#!/usr/bin/env bash
# The side-by-side comparison: kafka-edge (Deno, Bun, Node 22), @platformatic/kafka and kafkajs
# (Node 22), Kafka's Java producer and librdkafka (kcat), one after the other against one real
# broker (KAFKA_BOOTSTRAP, or one started here on KAFKA_COMPARE_PORT, default a free port).
# Writes bench/compare/results/<date>.md, .json and .png, and prints the .md's path.
#
# Usage: bash bench/compare/run.sh [--quick] [--runs N] [--seconds S] [--clients a,b]
#          [--workloads 100-none,1024-lz4] [--profiles matched,defaults] [--no-latency] [--out DIR]
# (compare.ts explains each option.)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

bash scripts/setup.sh >&2
# The peers, Node 22 (for @platformatic/kafka) and the chart renderer have their own package.json,
# so that the project's `node` stays the machine's Node 20.
if [[ ! -f bench/compare/node_modules/.package-lock.json ||
  bench/compare/package-lock.json -nt bench/compare/node_modules/.package-lock.json ]]; then
  echo "compare: npm ci (bench/compare)" >&2
  npm ci --prefix bench/compare --no-audit --no-fund >&2
fi
rm -rf .tmp/node
tsc -p tsconfig.node.json

if [[ -z "${KAFKA_BOOTSTRAP:-}" ]]; then
  broker_dir=$(mktemp -d -t kafka-edge-compare.XXXXXX)
  trap 'bash scripts/kafka/broker.sh stop --dir "$broker_dir" >&2 || true; rm -rf "$broker_dir"' EXIT
  # Each run's topic is deleted after it; its files go at once rather than a minute later.
  KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$broker_dir" \
    --port "${KAFKA_COMPARE_PORT:-auto}" --set file.delete.delay.ms=1000)
  export KAFKA_BOOTSTRAP
fi
bench/compare/node_modules/.bin/node bench/compare/compare.ts "$@"
