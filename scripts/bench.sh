#!/usr/bin/env bash
# Micro benchmarks (no broker needed): `deno bench` over bench/*_bench.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno bench -A "${@:-bench/}"
