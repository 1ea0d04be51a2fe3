#!/usr/bin/env bash
# Formatting, lint, type checks and JSR's publishing checks (what `deno task check` and CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
deno fmt --check
deno lint
# Nothing imports against the layers of scripts/layers.json (docs/architecture.md), and every
# test has a timeout.
deno run --allow-read --allow-env scripts/check_layers.ts
deno run --allow-read --allow-env scripts/check_tests.ts
# The package, and the examples in its doc comments; then everything else.
deno check --doc mod.ts cli.ts kafkajs.ts otel.ts src/
deno check tests/ scripts/
# Every public symbol documented, no private type in the public API.
deno doc --lint mod.ts cli.ts kafkajs.ts otel.ts
# JSR's own checks (exports, no slow types, license, files): they run offline.
deno publish --dry-run --allow-dirty --quiet

# deno.json (JSR), package.json (npm) and src/version.ts (sent to brokers) name one version.
jsr_version=$(node -p 'require("./deno.json").version')
npm_version=$(node -p 'require("./package.json").version')
src_version=$(sed -nE 's/^export const SOFTWARE_VERSION = "(.*)";$/\1/p' src/version.ts)
if [[ $jsr_version != "$npm_version" || $jsr_version != "$src_version" ]]; then
  echo "versions differ: deno.json $jsr_version, package.json $npm_version, src/version.ts $src_version" >&2
  exit 1
fi
