#!/usr/bin/env bash
# What a browser downloads to run Titan's pages: builds the front end as
# `make release` does (release wasm, wasm-opt, precompressed files) and checks
# the hydrate wasm against its budget, 400 KB gzipped (issue 11). Pages are
# server-rendered; only their live parts (islands) are in this file.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${TITAN_WASM_BUDGET:-400000}
if ! [[ $budget =~ ^[0-9]+$ ]]; then
  echo "TITAN_WASM_BUDGET must be a number of bytes, not '$budget'" >&2
  exit 2
fi

# Hashed names: an earlier build's wasm would still be there beside this one.
rm -f target/site/pkg/*.wasm target/site/pkg/*.wasm.gz target/site/pkg/*.wasm.br
cargo leptos build --release --precompress --frontend-only
scripts/precompress-best.sh
shopt -s nullglob
built=(target/site/pkg/*.wasm)
if [ "${#built[@]}" -ne 1 ]; then
  echo "expected one wasm in target/site/pkg after the build, found ${#built[@]}" >&2
  exit 1
fi
wasm=${built[0]}
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -n -c "$wasm" | wc -c)
served_gz=$(stat -c %s "$wasm.gz" 2>/dev/null || echo "?")
served_br=$(stat -c %s "$wasm.br" 2>/dev/null || echo "?")
echo "hydrate wasm $(basename "$wasm"): $raw bytes raw, $gz gzipped (served: $served_gz as .gz, $served_br as .br); budget $budget gzipped"
if [ "$gz" -gt "$budget" ]; then
  echo "the hydrate wasm is over its budget: $gz > $budget bytes gzipped" >&2
  exit 1
fi
