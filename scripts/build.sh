#!/usr/bin/env bash
# The npm build: compiles mod.ts, cli.ts and src/ to ESM JavaScript with .d.ts files in dist/
# (tsconfig.build.json), and makes dist/cli.js the executable behind package.json's `bin`.
# `npm pack` runs it (the `prepack` script).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf dist
tsc -p tsconfig.build.json
# npm links `bin` entries as they are: the file itself must say which interpreter runs it.
printf '#!/usr/bin/env node\n%s\n' "$(cat dist/cli.js)" >dist/cli.js
chmod +x dist/cli.js
echo "built dist/ ($(find dist -name '*.js' | wc -l) modules)" >&2
