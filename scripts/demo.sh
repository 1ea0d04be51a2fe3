#!/usr/bin/env bash
# Sets up everything, starts a local single-node Kafka broker on free ports, produces through
# kafka-edge, prints where the records went, what kcat reads back, and the throughput of a larger
# run. Stops the broker at the end unless KEEP_BROKER=1 (it then keeps running from
# .tmp/demo-broker, and the next run reuses it).
#
# KAFKA_BOOTSTRAP=host:port[,host:port] uses that broker instead of starting one; DEMO_PORT=P
# starts the broker on port P (and P+1 for its controller) instead of a free one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"

if [[ -z ${KAFKA_BOOTSTRAP:-} ]]; then
  broker_dir=.tmp/demo-broker
  if bash scripts/kafka/broker.sh status --dir "$broker_dir" >/dev/null 2>&1; then
    KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh bootstrap --dir "$broker_dir")
  else
    mkdir -p .tmp
    KAFKA_BOOTSTRAP=$(bash scripts/kafka/broker.sh start --dir "$broker_dir" \
      --port "${DEMO_PORT:-auto}")
  fi
  [[ "${KEEP_BROKER:-0}" == 1 ]] ||
    trap 'bash scripts/kafka/broker.sh stop --dir "$broker_dir"' EXIT
fi
export KAFKA_BOOTSTRAP DEMO_TOPIC="kafka-edge-demo-$(date +%s)"
echo "--- Kafka at $KAFKA_BOOTSTRAP, topic $DEMO_TOPIC"

deno run -A scripts/demo.ts
echo "--- the first records as kcat reads them back (partition, offset, key, value, headers):"
kcat -b "$KAFKA_BOOTSTRAP" -C -e -q -t "$DEMO_TOPIC" -f '%p\t%o\t%k\t%s\t%h\n' | grep -v aaaaaaaa
