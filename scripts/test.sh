#!/usr/bin/env bash
# Everything `make test` checks, in order of cost: formatting, lints (server and
# wasm builds), unit + integration tests on SQLite, the same on PostgreSQL, then
# the browser tests, and the size of what the browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1;32m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server build)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (browser build, wasm32)"
cargo clippy -p titan-app --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "tests on SQLite"
cargo test --workspace

# Unit tests touch no database (the engine's simulations take a minute): the
# PostgreSQL pass runs the integration tests only.
step "integration tests on PostgreSQL"
scripts/with-postgres.sh cargo test --workspace --test '*'

step "browser tests (Chromium)"
scripts/e2e.sh

# Last: it rebuilds the site's front end in release mode.
step "hydrate wasm size (release build, budget 400 KB gzipped)"
scripts/wasm-size.sh
