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
deno check tests/ scripts/ bench/*.ts
# Every public symbol documented, no private type in the public API.
deno doc --lint mod.ts cli.ts kafkajs.ts otel.ts
# The docs: every TypeScript sample type-checks against the package (examples/ included), and the
# reference tables (settings, errors, protocol versions, metrics) match the code.
deno run --allow-read --allow-write=.tmp --allow-run scripts/check_doc_samples.ts
deno run --allow-read scripts/check_doc_tables.ts
readme_bytes=$(wc -c <README.md)
if ((readme_bytes > 12288)); then
  echo "README.md is $readme_bytes bytes: at most 12 KB, the rest goes to docs/" >&2
  exit 1
fi
# Maven, as the set-up runs it, prints no terminal escape codes (scripts/kafka/.mvn/jvm.config).
if command -v mvn >/dev/null; then
  if mvn -B -q -o -f scripts/kafka/pom.xml validate 2>&1 | grep -q $'\e'; then
    echo "Maven printed terminal escape codes" >&2
    exit 1
  fi
fi
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
