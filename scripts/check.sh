#!/usr/bin/env bash
# Formatting, lint and type checks (what `deno task check` and CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno fmt --check
deno lint
deno check mod.ts src/ tests/ scripts/
